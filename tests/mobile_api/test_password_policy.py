"""Password policy, change-password, expiry and the login banner (等保 controls)."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from backend.audit.models import AuditEntry
from backend.directory.models import DeviceSession, PasswordHistory, User
from tests.conftest import PASSWORD
from tests.mobile_api.conftest import error_of

pytestmark = pytest.mark.django_db

URL = "/api/v1/me/password"


def browser(user: User, password: str = PASSWORD) -> tuple[Client, dict[str, Any]]:
    client = Client()
    response = client.post(
        "/api/v1/auth/login",
        {"mobile": user.mobile, "password": password},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    body: dict[str, Any] = response.json()
    return client, body


def change(client: Client, old: str, new: str) -> Any:
    return client.post(
        URL, {"old_password": old, "new_password": new}, content_type="application/json"
    )


@pytest.mark.parametrize(
    ("new", "reason"),
    [
        ("Ab1!", "至少8位"),  # too short
        ("Password1", "过于常见"),  # Django's common-password list
        ("abcdefgh12", "至少3类"),  # two classes
        ("ABCDEFGH!!", "至少3类"),
        (PASSWORD, "最近5次"),  # the current one
    ],
)
def test_a_weak_password_is_refused(director: User, new: str, reason: str) -> None:
    client, _ = browser(director)
    response = change(client, PASSWORD, new)
    assert error_of(response) == (400, "weak_password")
    assert reason in response.json()["error"]["message"]
    assert "new_password" in response.json()["error"]["fields"]
    director.refresh_from_db()
    assert director.check_password(PASSWORD)


def test_the_old_password_must_match(director: User) -> None:
    client, _ = browser(director)
    assert error_of(change(client, "wrong", "Fresh-pass-2027")) == (400, "wrong_password")
    assert AuditEntry.objects.filter(action="auth.password_change_failed").count() == 1


def test_changing_keeps_this_browser_and_signs_out_the_others(director: User) -> None:
    client, _ = browser(director)
    other, _ = browser(director)
    assert change(client, PASSWORD, "Fresh-pass-2027").status_code == 204
    assert client.get("/api/v1/me").status_code == 200
    assert error_of(other.get("/api/v1/me"))[0] == 401
    assert DeviceSession.objects.filter(user=director).count() == 1
    director.refresh_from_db()
    assert director.check_password("Fresh-pass-2027")
    assert director.password_changed_at is not None
    assert AuditEntry.objects.filter(action="auth.password_change", actor=director).count() == 1
    # Only hashes in the history.
    (entry,) = PasswordHistory.objects.filter(user=director)
    assert PASSWORD not in entry.password


def test_none_of_the_last_five_may_come_back(director: User) -> None:
    client, _ = browser(director)
    used = [PASSWORD] + [f"Rotate-pass-{n}" for n in range(5)]
    for old, new in itertools.pairwise(used):
        assert change(client, old, new).status_code == 204
    current = used[-1]
    for reused in used[1:]:
        assert error_of(change(client, current, reused)) == (400, "weak_password")
    # Six changes ago is far enough back.
    assert change(client, current, PASSWORD).status_code == 204


def test_a_password_can_expire(settings: Any, director: User) -> None:
    _, body = browser(director)
    assert body["password_expired"] is False
    settings.ZT_PASSWORD_MAX_AGE_DAYS = 90
    User.objects.filter(pk=director.pk).update(
        password_changed_at=timezone.now() - timedelta(days=91)
    )
    client, body = browser(director)
    assert body["password_expired"] is True
    # Until it is changed, only me, logout and the change itself answer.
    assert error_of(client.get("/api/v1/conversations")) == (403, "password_expired")
    assert error_of(client.get("/api/v1/me/devices")) == (403, "password_expired")
    assert client.get("/api/v1/me").status_code == 200
    assert change(client, PASSWORD, "Fresh-pass-2027").status_code == 204
    assert client.get("/api/v1/conversations").status_code == 200


def test_the_login_banner_tells_the_last_login_and_failures_since(director: User) -> None:
    _, first = browser(director)
    assert first["banner"] == {"previous_at": None, "previous_ip": None, "failed_since": 0}
    for _ in range(2):
        Client().post(
            "/api/v1/auth/login",
            {"mobile": director.mobile, "password": "wrong"},
            content_type="application/json",
        )
    _, second = browser(director)
    banner = second["banner"]
    assert (banner["previous_ip"], banner["failed_since"]) == ("127.0.0.1", 2)
    previous = AuditEntry.objects.filter(action="auth.login").order_by("id").first()
    assert previous is not None
    assert datetime.fromisoformat(banner["previous_at"]) == previous.created_at
