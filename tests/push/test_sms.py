"""SMS end to end over loopback: the generic HTTP gateway, Tencent's and Alibaba's HTTP shapes."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from backend.directory.models import User
from push import services, sms
from push.models import Delivery
from push.sms.http import HttpGateway
from tests.push.conftest import deliveries, run_jobs
from tests.push.servers import AliyunSms, Answer, SmsHttpGateway, TencentSms

pytestmark = pytest.mark.django_db


def _urgent(to: User, dedup_key: str = "") -> None:
    services.notify(
        [to.pk],
        kind="urgent",
        title="防汛紧急通知",
        sender_name="王建国",
        url="/chat/3",
        dedup_key=dedup_key,
        sms_params={"sender": "王建国", "title": "防汛紧急通知"},
    )


def _sms(user: User) -> Delivery:
    [delivery] = deliveries(user, "sms")
    return delivery


# --- the generic HTTP gateway ---------------------------------------------------------------


def test_generic_gateway_gets_template_params_and_sign(
    sms_gateway: SmsHttpGateway, staff: User, settings: Any
) -> None:
    settings.ZT_SMS_SIGN_NAME = "江城市政府"
    _urgent(staff)
    run_jobs()
    [body] = sms_gateway.accepted
    delivery = _sms(staff)
    assert body == {
        "mobile": "13800000003",
        "templateId": "ZT_URGENT",
        "params": {"sender": "王建国", "title": "防汛紧急通知"},
        "sign": "江城市政府",
        "outId": f"zt-{delivery.pk}",
    }
    assert sms_gateway.requests[0].headers["x-api-key"] == "test-key"
    assert delivery.state == Delivery.State.SENT
    assert delivery.provider == "http"
    assert delivery.provider_message_id
    assert delivery.target == "13800000003"


def test_body_template_and_success_rule_are_configurable(
    sms_gateway: SmsHttpGateway, staff: User, settings: Any
) -> None:
    settings.ZT_SMS_HTTP_BODY = {
        "header": {"appId": "zw-01"},
        "data": {"phones": ["{mobile}"], "tpl": "{template}", "vars": "{params_list}"},
        "text": "【{sign}】{out_id}",
    }
    settings.ZT_SMS_HTTP_SUCCESS = "result.status=SUCCESS|OK"
    settings.ZT_SMS_HTTP_MESSAGE_ID = "result.ids.0"
    sms.reset()
    sms_gateway.answer_next(Answer(200, {"result": {"status": "OK", "ids": ["m-77"]}}))
    _urgent(staff)
    run_jobs()
    [body] = sms_gateway.accepted
    assert body["data"] == {
        "phones": ["13800000003"],
        "tpl": "ZT_URGENT",
        "vars": ["王建国", "防汛紧急通知"],
    }
    assert body["header"] == {"appId": "zw-01"}
    assert body["text"].startswith("【政通】zt-")
    assert _sms(staff).provider_message_id == "m-77"


def test_parameters_cannot_break_out_of_the_json_body() -> None:
    from push.sms.http import render

    message = sms.SmsMessage(
        mobile="13800000003", template="T", params={"x": '"}, "admin": true, "y": "'}
    )
    assert render({"p": "{params}", "s": "{template}"}, message) == {
        "p": {"x": '"}, "admin": true, "y": "'},
        "s": "T",
    }


def test_5xx_is_retried_then_sent_once(sms_gateway: SmsHttpGateway, staff: User) -> None:
    sms_gateway.answer_next(Answer(503, {"message": "维护中"}))
    _urgent(staff)
    run_jobs()
    assert _sms(staff).state == Delivery.State.RETRY
    assert _sms(staff).error_code == "http_503"
    run_jobs(later=True)
    delivery = _sms(staff)
    assert (delivery.state, delivery.attempts) == (Delivery.State.SENT, 2)
    assert len(sms_gateway.requests) == 2


def test_a_slow_gateway_times_out_and_is_retried(sms_gateway: SmsHttpGateway, staff: User) -> None:
    sms_gateway.answer_next(Answer(200, {"code": 0, "msgId": "late"}, delay=1.5))
    _urgent(staff)
    run_jobs()
    assert (_sms(staff).state, _sms(staff).error_code) == (Delivery.State.RETRY, "timeout")


def test_permanent_refusal_is_not_retried(sms_gateway: SmsHttpGateway, staff: User) -> None:
    sms_gateway.answer_next(Answer(200, {"code": 1003, "message": "模板未审核"}))
    _urgent(staff)
    run_jobs()
    assert run_jobs(later=True) == 0
    delivery = _sms(staff)
    assert (delivery.state, delivery.error_code, delivery.error) == (
        Delivery.State.FAILED,
        "1003",
        "模板未审核",
    )
    assert len(sms_gateway.requests) == 1


def test_a_busy_code_named_transient_is_retried(
    sms_gateway: SmsHttpGateway, staff: User, settings: Any
) -> None:
    settings.ZT_SMS_HTTP_TRANSIENT_CODES = ["2001"]
    sms.reset()
    sms_gateway.answer_next(Answer(200, {"code": 2001, "message": "系统繁忙"}))
    _urgent(staff)
    run_jobs()
    run_jobs(later=True)
    assert _sms(staff).state == Delivery.State.SENT


# --- never twice ---------------------------------------------------------------------------------


class WorkerKilled(BaseException):
    """The process dies: nothing after this line runs, no handler catches it."""


class DiesAfterSending(HttpGateway):
    """The real HTTP gateway; the worker is killed right after the provider took the SMS."""

    name = "http"

    def send(self, message: sms.SmsMessage) -> sms.SmsSent:
        super().send(message)
        raise WorkerKilled()


def test_no_duplicate_sms_after_a_crash_between_sending_and_marking_sent(
    sms_gateway: SmsHttpGateway, staff: User, settings: Any
) -> None:
    settings.ZT_SMS_GATEWAY = f"{__name__}.DiesAfterSending"
    _urgent(staff, dedup_key="urgent:msg:41")
    with pytest.raises(WorkerKilled):
        run_jobs()
    assert len(sms_gateway.requests) == 1
    assert _sms(staff).state == Delivery.State.SENDING

    # The worker comes back: the same job again, a resume sweep, the rule asking again.
    settings.ZT_SMS_GATEWAY = "http"
    for_ever_ago = timezone.now() - timedelta(hours=1)
    Delivery.objects.filter(channel="sms").update(updated_at=for_ever_ago)
    assert services.deliveries_resume() == 1
    _urgent(staff, dedup_key="urgent:msg:41")
    run_jobs(later=True)
    services.sms_deliver(_sms(staff).pk)

    assert len(sms_gateway.requests) == 1
    delivery = _sms(staff)
    assert delivery.state == Delivery.State.UNCERTAIN
    assert delivery.error_code == "interrupted"


def test_a_job_running_twice_sends_once(sms_gateway: SmsHttpGateway, staff: User) -> None:
    _urgent(staff)
    delivery_id = _sms(staff).pk
    services.sms_deliver(delivery_id)
    services.sms_deliver(delivery_id)
    run_jobs()
    assert len(sms_gateway.requests) == 1


def test_rate_limit_per_number(sms_gateway: SmsHttpGateway, staff: User, settings: Any) -> None:
    settings.ZT_SMS_MAX_PER_HOUR = 2
    for n in range(3):
        _urgent(staff, dedup_key=f"urgent:{n}")
    run_jobs()
    states = [(d.state, d.error_code) for d in deliveries(staff, "sms")]
    assert states == [
        (Delivery.State.SENT, ""),
        (Delivery.State.SENT, ""),
        (Delivery.State.SKIPPED, "rate_limited"),
    ]
    assert len(sms_gateway.requests) == 2


def test_daily_rate_limit(sms_gateway: SmsHttpGateway, staff: User, settings: Any) -> None:
    settings.ZT_SMS_MAX_PER_DAY = 1
    _urgent(staff, dedup_key="a")
    run_jobs()
    Delivery.objects.filter(channel="sms").update(sent_at=timezone.now() - timedelta(hours=3))
    _urgent(staff, dedup_key="b")
    run_jobs()
    assert deliveries(staff, "sms")[1].error_code == "rate_limited"


def test_person_without_mobile_gets_push_only_and_the_log_says_so(
    sms_gateway: SmsHttpGateway, staff: User
) -> None:
    # Imported from an HR system without a phone (the column may be blank).
    User.objects.filter(pk=staff.pk).update(mobile="")
    staff.refresh_from_db()
    _urgent(staff)
    run_jobs()
    assert sms_gateway.requests == []
    delivery = _sms(staff)
    assert (delivery.state, delivery.error_code) == (Delivery.State.SKIPPED, "no_mobile")
    assert "仅网页推送" in delivery.error
    assert len(deliveries(staff, "push")) == 1


def test_sms_switched_off_by_the_person(sms_gateway: SmsHttpGateway, staff: User) -> None:
    services.settings_update(actor=staff, changes={"sms_urgent": False})
    _urgent(staff)
    run_jobs()
    assert (_sms(staff).state, _sms(staff).error_code) == (Delivery.State.SKIPPED, "sms_off")
    assert sms_gateway.requests == []


def test_console_gateway_is_the_embedded_default(staff: User, caplog: Any) -> None:
    with caplog.at_level("INFO", logger="push.sms.console"):
        _urgent(staff)
        run_jobs()
    assert _sms(staff).state == Delivery.State.SENT
    assert "138****0003" in caplog.text
    assert "13800000003" not in caplog.text


# --- Tencent Cloud SMS (official SDK against its HTTP shape) ---------------------------------


def test_tencent_sends_positional_params_and_records_serial_no(
    tencent: TencentSms, staff: User
) -> None:
    _urgent(staff)
    run_jobs()
    [body] = tencent.accepted
    assert body["PhoneNumberSet"] == ["+8613800000003"]
    assert body["TemplateParamSet"] == ["王建国", "防汛紧急通知"]
    assert body["SmsSdkAppId"] == "1400000000"
    assert body["SignName"] == "政通"
    delivery = _sms(staff)
    assert delivery.state == Delivery.State.SENT
    assert delivery.provider == "tencent"
    assert delivery.provider_message_id.startswith("2028:")


def test_tencent_internal_error_is_retried(tencent: TencentSms, staff: User) -> None:
    tencent.answer_next(TencentSms.error("InternalError.Timeout", "超时"))
    _urgent(staff)
    run_jobs()
    assert _sms(staff).state == Delivery.State.RETRY
    run_jobs(later=True)
    assert _sms(staff).state == Delivery.State.SENT


def test_tencent_http_500_is_retried(tencent: TencentSms, staff: User) -> None:
    tencent.answer_next(Answer(500, b"oops"))
    _urgent(staff)
    run_jobs()
    assert _sms(staff).state == Delivery.State.RETRY


def test_tencent_number_limit_is_permanent(tencent: TencentSms, staff: User) -> None:
    tencent.answer_next(TencentSms.number_status("LimitExceeded.PhoneNumberDailyLimit", "超限"))
    _urgent(staff)
    run_jobs()
    delivery = _sms(staff)
    assert (delivery.state, delivery.error_code) == (
        Delivery.State.FAILED,
        "LimitExceeded.PhoneNumberDailyLimit",
    )


# --- Alibaba Cloud SMS (official SDK against its HTTP shape) ----------------------------------


def test_aliyun_sends_named_params_and_records_biz_id(aliyun: AliyunSms, staff: User) -> None:
    _urgent(staff)
    run_jobs()
    [request] = aliyun.requests
    params = AliyunSms.params(request)
    assert params["PhoneNumbers"] == "13800000003"
    assert params["TemplateCode"] == "ZT_URGENT"
    assert params["SignName"] == "政通"
    assert request.headers["x-acs-action"] == "SendSms"
    assert request.headers["authorization"].startswith("ACS3-HMAC-SHA256 Credential=LTAItest,")
    delivery = _sms(staff)
    assert params["OutId"] == f"zt-{delivery.pk}"
    assert delivery.state == Delivery.State.SENT
    assert delivery.provider_message_id.startswith("9")


def test_aliyun_503_is_retried(aliyun: AliyunSms, staff: User) -> None:
    aliyun.answer_next(Answer(503, {"Code": "ServiceUnavailable", "Message": "忙"}))
    _urgent(staff)
    run_jobs()
    assert _sms(staff).state == Delivery.State.RETRY
    run_jobs(later=True)
    assert _sms(staff).state == Delivery.State.SENT


def test_aliyun_illegal_number_is_permanent(aliyun: AliyunSms, staff: User) -> None:
    aliyun.answer_next(
        Answer(200, {"Code": "isv.MOBILE_NUMBER_ILLEGAL", "Message": "号码格式错误"})
    )
    _urgent(staff)
    run_jobs()
    assert (_sms(staff).state, _sms(staff).error_code) == (
        Delivery.State.FAILED,
        "isv.MOBILE_NUMBER_ILLEGAL",
    )
