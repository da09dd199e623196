"""Two-factor login over REST (#11, GB/T 22239 三级): TOTP, SMS, recovery codes, the
unit policy, enrolment that cannot be skipped, resets, and everything audited."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pyotp
import pytest
from django.test import Client
from django.utils import timezone

from backend.audit.models import AuditEntry
from backend.directory import services as directory
from backend.directory.models import User
from backend.twofactor.models import Challenge, RecoveryCode, SecondFactor
from push import sms
from tests.conftest import PASSWORD
from tests.mobile_api.conftest import error_of
from tests.push.conftest import run_jobs
from tests.push.servers import SmsHttpGateway

pytestmark = pytest.mark.django_db

JSON = "application/json"


def post(client: Client, path: str, body: dict[str, Any] | None = None) -> Any:
    return client.post(path, body or {}, content_type=JSON)


def password_step(client: Client, user: User, path: str = "/api/v1/auth/login") -> Any:
    return post(client, path, {"mobile": user.mobile, "password": PASSWORD})


def enrol_totp(client: Client) -> tuple[str, list[str]]:
    """我的 → 安全 → 两步验证 → 验证器应用, as the PWA does it; (secret, recovery codes)."""
    started = post(client, "/api/v1/me/two-factor/totp")
    assert started.status_code == 200, started.content
    body = started.json()
    assert body["qr_svg"].startswith("<svg")
    assert body["otpauth_uri"].startswith("otpauth://totp/")
    assert f"secret={body['secret']}" in body["otpauth_uri"]
    code = pyotp.TOTP(body["secret"]).now()
    confirmed = post(client, "/api/v1/me/two-factor/confirm", {"method": "totp", "code": code})
    assert confirmed.status_code == 200, confirmed.content
    return body["secret"], confirmed.json()["recovery_codes"]


def next_code(secret: str, user: User) -> str:
    """A TOTP code the server has not accepted yet (the next time step once the current
    one is used: a code is accepted once)."""
    factor = SecondFactor.objects.get(user=user)
    totp = pyotp.TOTP(secret)
    step = max(int(time.time()) // 30, factor.totp_last_step + 1)
    return totp.at(step * 30)


def signed_in(client: Client) -> bool:
    return client.get("/api/v1/me").status_code == 200


@pytest.fixture
def admin(org: dict[str, Any]) -> User:
    """孙伟, staff (an administrator): a second factor is always required of him."""
    user = directory.user_create(mobile="13700000010", name="孙伟", password=PASSWORD)
    directory.position_assign(user=user, department=org["secretariat"], title="信息科长")
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    return user


@pytest.fixture
def sms_gateway(settings: Any) -> Iterator[SmsHttpGateway]:
    """The generic HTTP SMS gateway, served locally (tests/push/servers.py)."""
    gateway = SmsHttpGateway()
    settings.ZT_SMS_GATEWAY = "http"
    settings.ZT_SMS_HTTP_URL = f"{gateway.origin}/sms/send"
    settings.ZT_SMS_HTTP_HEADERS = {"X-Api-Key": "test-key"}
    settings.ZT_SMS_TIMEOUT_SECONDS = 1.0
    sms.reset()
    yield gateway
    gateway.close()
    sms.reset()


def texted_code(gateway: SmsHttpGateway) -> str:
    """Run the SMS job as the worker would; the code the provider was asked to send."""
    run_jobs()
    body = gateway.accepted[-1]
    assert body["templateId"] == "ZT_LOGIN_CODE"
    assert body["params"]["minutes"] == "5"
    code: str = body["params"]["code"]
    return code


# --- without a second factor nothing changes -------------------------------------------


def test_a_person_without_a_second_factor_logs_in_with_the_password(staff: User) -> None:
    client = Client()
    response = password_step(client, staff)
    assert response.status_code == 200
    assert response.json()["recovery_codes"] is None
    assert signed_in(client)
    assert not AuditEntry.objects.filter(action="2fa.challenge").exists()


# --- TOTP -----------------------------------------------------------------------------


def test_totp_enrolment_then_login_with_a_code(staff: User) -> None:
    me = Client()
    me.force_login(staff)
    assert me.get("/api/v1/me/two-factor").json() == {
        "required": False,
        "totp": False,
        "sms": False,
        "recovery_codes_left": 0,
        "sms_to": "138****0003",
    }
    secret, codes = enrol_totp(me)
    assert len(codes) == 10 and len(set(codes)) == 10
    assert all(len(c) == 9 and c[4] == "-" for c in codes)
    # Only digests are stored.
    stored = set(RecoveryCode.objects.filter(user=staff).values_list("digest", flat=True))
    assert not stored & {c.replace("-", "") for c in codes}
    status = me.get("/api/v1/me/two-factor").json()
    assert (status["totp"], status["recovery_codes_left"]) == (True, 10)
    assert AuditEntry.objects.filter(action="2fa.enrol", actor=staff, data__method="totp").exists()

    client = Client()
    step = password_step(client, staff)
    assert step.status_code == 202
    body = step.json()
    assert body["step"] == "two_factor_required"
    assert body["methods"] == ["totp", "recovery"]
    assert body["enrol"] is False
    assert not signed_in(client)  # the password alone logs nobody in
    # …and no login is recorded yet.
    assert not AuditEntry.objects.filter(action="auth.login", actor=staff).exists()

    wrong = post(
        client,
        "/api/v1/auth/login/two-factor",
        {"challenge": body["challenge"], "method": "totp", "code": "000000"},
    )
    assert error_of(wrong) == (400, "two_factor_code_invalid")
    assert not signed_in(client)

    code = next_code(secret, staff)
    done = post(
        client,
        "/api/v1/auth/login/two-factor",
        {"challenge": body["challenge"], "method": "totp", "code": code},
    )
    assert done.status_code == 200, done.content
    assert done.json()["user"]["id"] == staff.pk
    assert signed_in(client)
    assert AuditEntry.objects.filter(action="auth.login", actor=staff).count() == 1
    verified = AuditEntry.objects.get(action="2fa.verified", actor=staff)
    assert verified.data == {"via": "session", "method": "totp"}

    # The challenge is spent, and the same code never works twice.
    again = post(
        client,
        "/api/v1/auth/login/two-factor",
        {"challenge": body["challenge"], "method": "totp", "code": code},
    )
    assert error_of(again) == (400, "two_factor_challenge_invalid")
    other = Client()
    challenge = password_step(other, staff).json()["challenge"]
    replay = post(
        other,
        "/api/v1/auth/login/two-factor",
        {"challenge": challenge, "method": "totp", "code": code},
    )
    assert error_of(replay) == (400, "two_factor_code_invalid")


def test_token_login_with_totp(staff: User) -> None:
    me = Client()
    me.force_login(staff)
    secret, _codes = enrol_totp(me)
    step = password_step(Client(), staff, "/api/v1/auth/token")
    assert step.status_code == 202
    assert "token" not in step.json()
    challenge = step.json()["challenge"]
    # A challenge of the token login does not start a browser session, nor the reverse.
    crossed = post(
        Client(),
        "/api/v1/auth/login/two-factor",
        {"challenge": challenge, "method": "totp", "code": next_code(secret, staff)},
    )
    assert error_of(crossed) == (400, "two_factor_challenge_invalid")
    done = post(
        Client(),
        "/api/v1/auth/token/two-factor",
        {"challenge": challenge, "method": "totp", "code": next_code(secret, staff)},
    )
    assert done.status_code == 200, done.content
    native = Client(headers={"authorization": f"Bearer {done.json()['token']}"})
    assert signed_in(native)


def test_a_recovery_code_works_once(staff: User) -> None:
    me = Client()
    me.force_login(staff)
    _secret, codes = enrol_totp(me)
    client = Client()
    challenge = password_step(client, staff).json()["challenge"]
    done = post(
        client,
        "/api/v1/auth/login/two-factor",
        {"challenge": challenge, "method": "recovery", "code": codes[0].upper()},
    )
    assert done.status_code == 200
    client = Client()
    challenge = password_step(client, staff).json()["challenge"]
    reused = post(
        client,
        "/api/v1/auth/login/two-factor",
        {"challenge": challenge, "method": "recovery", "code": codes[0]},
    )
    assert error_of(reused) == (400, "two_factor_code_invalid")
    assert me.get("/api/v1/me/two-factor").json()["recovery_codes_left"] == 9


# --- attempts, expiry, lockout, enumeration --------------------------------------------


def test_wrong_codes_are_limited_and_lock_the_account_like_wrong_passwords(
    settings: Any, staff: User
) -> None:
    me = Client()
    me.force_login(staff)
    secret, _codes = enrol_totp(me)
    client = Client()
    challenge = password_step(client, staff).json()["challenge"]
    answers = [
        error_of(
            post(
                client,
                "/api/v1/auth/login/two-factor",
                {"challenge": challenge, "method": "totp", "code": "000000"},
            )
        )
        for _ in range(settings.ZT_LOGIN_MAX_FAILURES)
    ]
    assert answers[:-1] == [(400, "two_factor_code_invalid")] * (settings.ZT_LOGIN_MAX_FAILURES - 1)
    assert answers[-1] == (423, "account_locked")
    # The challenge is used up; the right password is refused while locked.
    right = post(
        client,
        "/api/v1/auth/login/two-factor",
        {"challenge": challenge, "method": "totp", "code": next_code(secret, staff)},
    )
    assert error_of(right) == (400, "two_factor_challenge_invalid")
    assert error_of(password_step(Client(), staff)) == (423, "account_locked")
    assert AuditEntry.objects.filter(action="2fa.failed", actor=staff).count() == 5
    assert AuditEntry.objects.filter(action="auth.lockout", actor=staff).count() == 1


def test_an_expired_challenge_asks_for_the_password_again(staff: User) -> None:
    me = Client()
    me.force_login(staff)
    secret, _codes = enrol_totp(me)
    client = Client()
    challenge = password_step(client, staff).json()["challenge"]
    Challenge.objects.filter(user=staff, purpose="login").update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    late = post(
        client,
        "/api/v1/auth/login/two-factor",
        {"challenge": challenge, "method": "totp", "code": next_code(secret, staff)},
    )
    assert error_of(late) == (400, "two_factor_challenge_invalid")


def test_unknown_numbers_get_the_answer_of_a_wrong_password(admin: User) -> None:
    """A wrong password for an administrator (who needs a second factor) and a number
    nobody has are answered alike; only the right password reaches the second step."""
    wrong = post(Client(), "/api/v1/auth/login", {"mobile": admin.mobile, "password": "x"})
    unknown = post(Client(), "/api/v1/auth/login", {"mobile": "13799999999", "password": "x"})
    assert error_of(wrong) == error_of(unknown) == (400, "invalid_credentials")
    assert wrong.json() == unknown.json()
    assert not Challenge.objects.exists()


# --- required: administrators, and units that say so -----------------------------------


def test_an_administrator_must_enrol_right_after_the_password(admin: User) -> None:
    client = Client()
    step = password_step(client, admin)
    assert step.status_code == 202
    body = step.json()
    assert (body["enrol"], body["methods"]) == (True, ["totp", "sms"])
    challenge = body["challenge"]
    # No way round it: nothing is signed in, a recovery code is no method yet.
    assert not signed_in(client)
    skip = post(
        client,
        "/api/v1/auth/login/two-factor",
        {"challenge": challenge, "method": "recovery", "code": "aaaa-bbbb"},
    )
    assert error_of(skip) == (400, "two_factor_method_unavailable")
    early = post(
        client,
        "/api/v1/auth/login/two-factor",
        {"challenge": challenge, "method": "totp", "code": "123456"},
    )
    assert error_of(early) == (409, "two_factor_not_started")

    setup = post(client, "/api/v1/auth/two-factor/totp", {"challenge": challenge})
    assert setup.status_code == 200
    secret = setup.json()["secret"]
    # Asking again shows the same key (a reload of the page).
    assert (
        post(client, "/api/v1/auth/two-factor/totp", {"challenge": challenge}).json()["secret"]
        == secret
    )
    done = post(
        client,
        "/api/v1/auth/login/two-factor",
        {"challenge": challenge, "method": "totp", "code": pyotp.TOTP(secret).now()},
    )
    assert done.status_code == 200, done.content
    assert len(done.json()["recovery_codes"]) == 10
    assert signed_in(client)
    assert SecondFactor.objects.get(user=admin).totp_on
    # Required, so it cannot be turned off.
    off = post(client, "/api/v1/me/two-factor/disable", {"password": PASSWORD})
    assert error_of(off) == (403, "two_factor_policy")
    # The next login asks for the code.
    assert password_step(Client(), admin).json()["methods"] == ["totp", "recovery"]


def test_the_unit_admin_requires_it_for_the_unit(
    director: User, staff: User, outsider: User
) -> None:
    """王建国 (单位管理员 of 市府办) turns the policy on: 张三 of 市府办 must enrol at his
    next login, 赵六 of 财政局 is untouched. The change is audited."""
    unit_id = staff.positions.get().department.unit_id
    head = Client()
    head.force_login(director)
    assert head.get(f"/api/v1/units/{unit_id}/two-factor").json()["required"] is False
    changed = head.put(f"/api/v1/units/{unit_id}/two-factor", {"required": True}, content_type=JSON)
    assert changed.status_code == 200
    assert changed.json()["required"] is True
    entry = AuditEntry.objects.get(action="2fa.policy_set")
    assert (entry.actor_id, entry.target_id, entry.data) == (
        director.pk,
        str(unit_id),
        {"required": True, "before": False},
    )
    step = password_step(Client(), staff)
    assert (step.status_code, step.json()["enrol"]) == (202, True)
    assert password_step(Client(), outsider).status_code == 200
    # Only the unit's own 单位管理员 may change it.
    other = Client()
    other.force_login(outsider)
    refused = other.put(
        f"/api/v1/units/{unit_id}/two-factor", {"required": False}, content_type=JSON
    )
    assert error_of(refused) == (403, "not_unit_admin_of")


def test_the_unit_admin_resets_a_lost_second_factor(director: User, staff: User) -> None:
    me = Client()
    me.force_login(staff)
    enrol_totp(me)
    head = Client()
    head.force_login(director)
    assert post(head, f"/api/v1/people/{staff.pk}/two-factor/reset").status_code == 204
    assert not SecondFactor.objects.filter(user=staff).exists()
    assert not RecoveryCode.objects.filter(user=staff).exists()
    entry = AuditEntry.objects.get(action="2fa.reset")
    assert (entry.actor_id, entry.target_id, entry.data) == (
        director.pk,
        str(staff.pk),
        {"totp": True, "sms": False},
    )
    assert password_step(Client(), staff).status_code == 200  # not required of him
    # Nobody resets their own (a stolen session must not shed the second factor).
    assert error_of(post(head, f"/api/v1/people/{director.pk}/two-factor/reset")) == (
        403,
        "person_not_in_unit",
    )


def test_turning_it_off_needs_the_password(staff: User) -> None:
    me = Client()
    me.force_login(staff)
    enrol_totp(me)
    wrong = post(me, "/api/v1/me/two-factor/disable", {"password": "nope"})
    assert error_of(wrong) == (400, "wrong_password")
    assert post(me, "/api/v1/me/two-factor/disable", {"password": PASSWORD}).status_code == 204
    assert AuditEntry.objects.filter(action="2fa.disable", actor=staff).exists()
    assert password_step(Client(), staff).status_code == 200


# --- SMS codes through the SMS gateway ------------------------------------------------


def test_sms_enrolment_at_login_then_sms_login(
    sms_gateway: SmsHttpGateway, admin: User, settings: Any
) -> None:
    client = Client()
    challenge = password_step(client, admin).json()["challenge"]
    sent = post(client, "/api/v1/auth/two-factor/sms", {"challenge": challenge})
    assert sent.status_code == 200, sent.content
    assert sent.json()["sent_to"] == "137****0010"
    assert sent.json()["resend_after"] == 60
    code = texted_code(sms_gateway)
    assert sms_gateway.accepted[-1]["mobile"] == admin.mobile
    # Sends are rate-limited.
    too_soon = post(client, "/api/v1/auth/two-factor/sms", {"challenge": challenge})
    assert error_of(too_soon)[0:2] == (429, "sms_code_too_soon")
    done = post(
        client,
        "/api/v1/auth/login/two-factor",
        {"challenge": challenge, "method": "sms", "code": code},
    )
    assert done.status_code == 200, done.content
    assert SecondFactor.objects.get(user=admin).sms_on
    assert len(done.json()["recovery_codes"]) == 10

    # Next login: an SMS code, valid for 5 minutes and once.
    client = Client()
    step = password_step(client, admin).json()
    assert step["methods"] == ["sms", "recovery"]
    post(client, "/api/v1/auth/two-factor/sms", {"challenge": step["challenge"]})
    code = texted_code(sms_gateway)
    Challenge.objects.filter(user=admin, purpose="login", used_at__isnull=True).update(
        sms_code_expires_at=timezone.now() - timedelta(seconds=1)
    )
    expired = post(
        client,
        "/api/v1/auth/login/two-factor",
        {"challenge": step["challenge"], "method": "sms", "code": code},
    )
    assert error_of(expired) == (400, "two_factor_code_invalid")
    assert AuditEntry.objects.filter(action="2fa.sms_sent", actor=admin).count() == 2


def test_sms_sends_are_limited_per_login_and_per_hour(
    sms_gateway: SmsHttpGateway, admin: User, settings: Any
) -> None:
    settings.ZT_TWO_FACTOR_SMS_RESEND_SECONDS = 0
    client = Client()
    challenge = password_step(client, admin).json()["challenge"]
    for _ in range(settings.ZT_TWO_FACTOR_SMS_PER_LOGIN):
        assert (
            post(client, "/api/v1/auth/two-factor/sms", {"challenge": challenge}).status_code == 200
        )
    refused = post(client, "/api/v1/auth/two-factor/sms", {"challenge": challenge})
    assert error_of(refused) == (429, "sms_code_limit")
    challenge = password_step(Client(), admin).json()["challenge"]
    for _ in range(settings.ZT_TWO_FACTOR_SMS_PER_HOUR - settings.ZT_TWO_FACTOR_SMS_PER_LOGIN):
        assert (
            post(client, "/api/v1/auth/two-factor/sms", {"challenge": challenge}).status_code == 200
        )
    hourly = post(client, "/api/v1/auth/two-factor/sms", {"challenge": challenge})
    assert error_of(hourly) == (429, "sms_code_limit")
    assert AuditEntry.objects.filter(action="2fa.sms_refused", actor=admin).count() == 2


def test_sms_enrolment_from_me(sms_gateway: SmsHttpGateway, staff: User) -> None:
    me = Client()
    me.force_login(staff)
    assert post(me, "/api/v1/me/two-factor/sms").status_code == 200
    code = texted_code(sms_gateway)
    wrong = post(me, "/api/v1/me/two-factor/confirm", {"method": "sms", "code": "000000"})
    assert error_of(wrong) == (400, "two_factor_code_invalid")
    confirmed = post(me, "/api/v1/me/two-factor/confirm", {"method": "sms", "code": code})
    assert confirmed.status_code == 200
    assert len(confirmed.json()["recovery_codes"]) == 10
    assert me.get("/api/v1/me/two-factor").json()["sms"] is True
    # Fresh recovery codes on request, with the password; the old ones stop working.
    renewed = post(me, "/api/v1/me/two-factor/recovery-codes", {"password": PASSWORD})
    assert renewed.status_code == 200
    assert set(renewed.json()["recovery_codes"]).isdisjoint(confirmed.json()["recovery_codes"])
