"""Per-device tokens and sessions: expiry, the device list, remote sign-out (#11 item 18)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from backend.audit.models import AuditEntry
from backend.directory import sign_out
from backend.directory.models import DeviceSession, User
from backend.directory.services import token_digest
from mobile_api.auth import SESSION_SEEN
from tests.conftest import PASSWORD
from tests.mobile_api.conftest import error_of

pytestmark = pytest.mark.django_db

ANDROID = (
    "Mozilla/5.0 (Linux; Android 13; SM-S9080) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/120.0 Mobile Safari/537.36"
)
IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1"
)


def token_login(user: User, agent: str = ANDROID, **extra: str) -> tuple[str, Client]:
    response = Client(headers={"user-agent": agent}).post(
        "/api/v1/auth/token",
        {"mobile": user.mobile, "password": PASSWORD, **extra},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    key = response.json()["token"]
    return key, Client(headers={"authorization": f"Bearer {key}", "user-agent": agent})


def browser_login(user: User, agent: str = IPHONE) -> Client:
    client = Client(headers={"user-agent": agent})
    response = client.post(
        "/api/v1/auth/login",
        {"mobile": user.mobile, "password": PASSWORD},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    return client


def devices(client: Client) -> list[dict[str, Any]]:
    response = client.get("/api/v1/me/devices")
    assert response.status_code == 200, response.content
    body: list[dict[str, Any]] = response.json()
    return body


def test_every_login_is_its_own_device(director: User) -> None:
    _, phone = token_login(director, device_name="王主任的华为")
    _, tablet = token_login(director, IPHONE)
    browser = browser_login(director)
    listed = devices(phone)
    assert sorted((d["kind"], d["name"]) for d in listed) == [
        ("session", "iPhone · Mobile Safari"),
        ("token", "iPhone · Mobile Safari"),
        ("token", "王主任的华为"),
    ]
    assert [d["name"] for d in listed if d["current"]] == ["王主任的华为"]
    assert [d["kind"] for d in devices(browser) if d["current"]] == ["session"]
    assert all(d["ip"] == "127.0.0.1" for d in listed)
    assert tablet.get("/api/v1/me").json()["id"] == director.pk


def test_tokens_are_stored_as_digests(director: User) -> None:
    key, _ = token_login(director)
    device = DeviceSession.objects.get(user=director)
    assert device.token_digest == token_digest(key)
    assert key not in {device.token_digest, device.session_key}


def test_a_token_expires_when_unused_and_slides_when_used(settings: Any, director: User) -> None:
    settings.ZT_DEVICE_TOUCH_SECONDS = 0
    settings.ZT_TOKEN_IDLE_SECONDS = 3600
    _, phone = token_login(director)
    device = DeviceSession.objects.get(user=director)
    DeviceSession.objects.filter(pk=device.pk).update(
        expires_at=timezone.now() + timedelta(seconds=5)
    )
    assert phone.get("/api/v1/me").status_code == 200
    device.refresh_from_db()
    assert device.expires_at > timezone.now() + timedelta(seconds=3500)  # slid forward
    DeviceSession.objects.filter(pk=device.pk).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    assert error_of(phone.get("/api/v1/me")) == (401, "not_authenticated")


def test_an_idle_browser_session_ends(settings: Any, director: User) -> None:
    settings.ZT_SESSION_IDLE_SECONDS = 600
    browser = browser_login(director)
    assert browser.get("/api/v1/me").status_code == 200
    session = browser.session
    session[SESSION_SEEN] = time.time() - 601
    session.save()
    assert error_of(browser.get("/api/v1/me")) == (401, "not_authenticated")
    # The session is gone for good, not just refused once.
    assert browser.get("/api/v1/me").status_code == 401


@pytest.fixture
def signed_out() -> Iterator[list[tuple[int, list[str] | None, str]]]:
    """What the directory tells the `sign_out` hooks (the sockets' closer is one of them)."""
    calls: list[tuple[int, list[str] | None, str]] = []

    def record(user_id: int, *, credentials: Any = None, reason: str) -> None:
        calls.append((user_id, None if credentials is None else list(credentials), reason))

    sign_out.register("test-recorder", record)
    yield calls
    sign_out.unregister("test-recorder")


def test_signing_out_one_device_remotely(
    director: User, django_capture_on_commit_callbacks: Any, signed_out: list[Any]
) -> None:
    _, phone = token_login(director)
    browser = browser_login(director)
    session_key = browser.session.session_key
    (target,) = [d for d in devices(phone) if d["kind"] == "session"]
    with django_capture_on_commit_callbacks(execute=True):
        assert phone.delete(f"/api/v1/me/devices/{target['id']}").status_code == 204
    # The browser's session is gone: it must log in again.
    assert error_of(browser.get("/api/v1/me")) == (401, "not_authenticated")
    assert [d["kind"] for d in devices(phone)] == ["token"]
    entry = AuditEntry.objects.get(action="auth.device_revoke")
    assert (entry.actor_id, entry.target_id, entry.data["reason"]) == (
        director.pk,
        str(target["id"]),
        "remote",
    )
    # The hooks (the sockets' closer) hear of exactly that device's credential, by digest.
    assert signed_out == [
        (director.pk, [sign_out.session_credential(session_key)], "device remote")
    ]


def test_signing_out_every_other_device(director: User) -> None:
    key, phone = token_login(director)
    _, tablet = token_login(director, IPHONE)
    browser = browser_login(director)
    response = phone.post("/api/v1/me/devices/sign-out-others")
    assert response.json() == {"revoked": 2}
    assert error_of(tablet.get("/api/v1/me"))[0] == 401
    assert error_of(browser.get("/api/v1/me"))[0] == 401
    assert [d["current"] for d in devices(phone)] == [True]
    assert DeviceSession.objects.get(user=director).token_digest == token_digest(key)


def test_only_ones_own_devices_can_be_signed_out(director: User, staff: User) -> None:
    _, mine = token_login(director)
    _, theirs = token_login(staff)
    (their_device,) = devices(theirs)
    response = mine.delete(f"/api/v1/me/devices/{their_device['id']}")
    assert error_of(response) == (404, "device_not_found")
    assert theirs.get("/api/v1/me").status_code == 200
    assert error_of(mine.delete("/api/v1/me/devices/999999")) == (404, "device_not_found")


def test_logout_signs_out_only_this_device(director: User) -> None:
    _, phone = token_login(director)
    browser = browser_login(director)
    assert browser.post("/api/v1/auth/logout").status_code == 204
    assert [d["kind"] for d in devices(phone)] == ["token"]
    assert phone.post("/api/v1/auth/logout").status_code == 204
    assert not DeviceSession.objects.filter(user=director).exists()


def test_a_deactivated_persons_tokens_stop_working(director: User) -> None:
    _, phone = token_login(director)
    User.objects.filter(pk=director.pk).update(is_active=False)
    assert error_of(phone.get("/api/v1/me")) == (401, "not_authenticated")
