"""Push over REST: subscribe/unsubscribe with validation, VAPID key, 通知设置, delivery log."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from backend.audit.models import AuditEntry
from backend.directory.models import User
from push import services, vapid
from push.models import PushSubscription
from tests.push.conftest import run_jobs
from tests.push.servers import PushService, b64url

pytestmark = pytest.mark.django_db

SUBS = "/api/v1/push/subscriptions"
SETTINGS = "/api/v1/me/notification-settings"


@pytest.fixture
def api(staff: User) -> Client:
    client = Client()
    client.force_login(staff)
    return client


def error_of(response: Any) -> tuple[int, str]:
    body = response.json()
    assert set(body) == {"error"}, body
    assert body["error"]["message"]
    return response.status_code, body["error"]["code"]


def test_subscribe_then_unsubscribe(api: Client, push_service: PushService, staff: User) -> None:
    device = push_service.new_device()
    body = {**device.as_json(), "expirationTime": None}
    response = api.post(
        SUBS, body, content_type="application/json", HTTP_USER_AGENT="Mobile Safari"
    )
    assert response.status_code == 201, response.json()
    assert response.json()["endpoint"] == device.endpoint
    row = PushSubscription.objects.get()
    assert (row.user, row.user_agent) == (staff, "Mobile Safari")
    assert AuditEntry.objects.filter(action="push.subscribe", actor=staff).exists()
    # Subscribing again is idempotent.
    assert api.post(SUBS, body, content_type="application/json").status_code == 201
    assert PushSubscription.objects.count() == 1

    response = api.delete(SUBS, {"endpoint": device.endpoint}, content_type="application/json")
    assert response.status_code == 204
    assert not PushSubscription.objects.exists()
    again = api.delete(SUBS, {"endpoint": device.endpoint}, content_type="application/json")
    assert error_of(again) == (404, "subscription_not_found")


def _keys() -> dict[str, str]:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    point = (
        ec.generate_private_key(ec.SECP256R1())
        .public_key()
        .public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    )
    return {"p256dh": b64url(point), "auth": b64url(b"0123456789abcdef")}


@pytest.mark.parametrize(
    ("endpoint", "keys", "code"),
    [
        ("https://fcm.googleapis.com/fcm/send/abc", {"auth": "x"}, "invalid"),
        ("not a url", None, "invalid_endpoint"),
        ("ftp://push.example.com/x", None, "invalid_endpoint"),
        ("http://push.example.com/x", None, "endpoint_not_https"),
        ("https://push.example.com/x", {"p256dh": "AAAA"}, "invalid_p256dh"),
        ("https://push.example.com/x", {"p256dh": "%%%"}, "invalid_p256dh"),
        (
            "https://push.example.com/x",
            {"p256dh": b64url(b"\x04" + b"\x01" * 64)},
            "invalid_p256dh",
        ),
        ("https://push.example.com/x", {"auth": b64url(b"short")}, "invalid_auth"),
    ],
)
def test_malformed_subscription_is_refused_with_a_stable_code(
    api: Client, endpoint: str, keys: dict[str, str] | None, code: str
) -> None:
    sent_keys = {**_keys(), **(keys or {})}
    if code == "invalid":
        sent_keys = keys or {}
    response = api.post(
        SUBS, {"endpoint": endpoint, "keys": sent_keys}, content_type="application/json"
    )
    assert error_of(response) == (400, code)
    assert not PushSubscription.objects.exists()


def test_plain_http_loopback_only_when_allowed(api: Client, settings: Any) -> None:
    settings.ZT_PUSH_ALLOW_HTTP_LOOPBACK = False
    body = {"endpoint": "http://127.0.0.1:9/push/x", "keys": _keys()}
    assert error_of(api.post(SUBS, body, content_type="application/json")) == (
        400,
        "endpoint_not_https",
    )
    settings.ZT_PUSH_ALLOW_HTTP_LOOPBACK = True
    assert api.post(SUBS, body, content_type="application/json").status_code == 201


def test_vapid_public_key(api: Client) -> None:
    response = api.get("/api/v1/push/vapid-public-key")
    assert response.json() == {"public_key": vapid.keys().public_key}


def test_anonymous_is_refused() -> None:
    assert error_of(Client().get("/api/v1/push/vapid-public-key")) == (401, "not_authenticated")
    assert error_of(Client().get(SETTINGS)) == (401, "not_authenticated")


def test_notification_settings_defaults_and_patch(api: Client) -> None:
    assert api.get(SETTINGS).json() == {
        "lock_screen": "full",
        "quiet_start": "22:00",
        "quiet_end": "07:00",
        "sms_urgent": True,
        "sms_deadlines": True,
    }
    response = api.patch(
        SETTINGS,
        {"lock_screen": "hidden", "quiet_start": "23:30", "sms_deadlines": False},
        content_type="application/json",
    )
    assert response.status_code == 200
    assert response.json() == {
        "lock_screen": "hidden",
        "quiet_start": "23:30",
        "quiet_end": "07:00",
        "sms_urgent": True,
        "sms_deadlines": False,
    }
    assert api.get(SETTINGS).json()["lock_screen"] == "hidden"


def test_bad_settings_change_nothing(api: Client) -> None:
    response = api.patch(SETTINGS, {"lock_screen": "everything"}, content_type="application/json")
    assert error_of(response) == (400, "invalid")
    assert (
        error_of(api.patch(SETTINGS, {"quiet_end": "25:00"}, content_type="application/json"))[0]
        == 400
    )
    assert api.get(SETTINGS).json()["lock_screen"] == "full"


def test_delivery_log_shows_own_deliveries_only(
    api: Client, staff: User, director: User, push_service: PushService
) -> None:
    User.objects.filter(pk=staff.pk).update(mobile="")
    services.notify(
        [staff.pk, director.pk],
        kind="urgent",
        title="防汛紧急通知",
        sms_params={"title": "防汛紧急通知"},
    )
    run_jobs()
    body = api.get("/api/v1/me/deliveries").json()
    assert body["has_more"] is False
    by_channel = {item["channel"]: item for item in body["items"]}
    assert set(by_channel) == {"push", "sms"}
    assert by_channel["sms"]["state"] == "skipped"
    assert by_channel["sms"]["error_code"] == "no_mobile"
    assert by_channel["sms"]["state_label"] == "未发送"
    assert by_channel["push"]["error_code"] == "no_device"
    assert {item["title"] for item in body["items"]} == {"防汛紧急通知"}
    # Nothing of the director's log.
    assert len(body["items"]) == 2


def test_delivery_log_pages(api: Client, staff: User) -> None:
    for n in range(3):
        services.notify([staff.pk], kind="message", title=f"消息{n}")
    first = api.get("/api/v1/me/deliveries").json()["items"]
    older = api.get(f"/api/v1/me/deliveries?before={first[1]['id']}").json()["items"]
    assert [i["id"] for i in older] == [first[2]["id"]]
    assert error_of(api.get("/api/v1/me/deliveries?before=abc"))[0] == 400


def test_schema_lists_the_push_endpoints(api: Client) -> None:
    schema = api.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    for path in (SUBS, "/api/v1/push/vapid-public-key", SETTINGS, "/api/v1/me/deliveries"):
        assert path in schema["paths"]
    assert "400" in schema["paths"][SUBS]["post"]["responses"]
