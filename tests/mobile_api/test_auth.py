"""Login, lockout, tokens, logout, CSRF, throttling and the OpenAPI schema."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from backend.audit.models import AuditEntry
from backend.directory.models import DeviceSession, LoginAttempt, User
from backend.directory.services import token_digest
from realtime.models import WsTicket
from tests.conftest import PASSWORD
from tests.mobile_api.conftest import error_of

pytestmark = pytest.mark.django_db

LOGIN = "/api/v1/auth/login"


def login(client: Client, mobile: str, password: str = PASSWORD) -> Any:
    return client.post(
        LOGIN, {"mobile": mobile, "password": password}, content_type="application/json"
    )


def test_login_sets_an_httponly_session_and_returns_me(director: Any) -> None:
    client = Client()
    response = login(client, "+86 138-0000-0001")
    assert response.status_code == 200
    me = response.json()["user"]
    assert (me["id"], me["name"], me["mobile"]) == (director.pk, "王建国", "13800000001")
    assert me["positions"][0]["department_name"] == "秘书科"
    assert {"unit_id": me["positions"][0]["unit_id"], "role": "unit_admin"} in me["roles"]
    cookie = response.cookies[django_settings.SESSION_COOKIE_NAME]
    assert cookie["httponly"]
    assert cookie["samesite"] == "Lax"
    assert client.get("/api/v1/me").json()["id"] == director.pk
    entry = AuditEntry.objects.filter(action="auth.login").get()
    assert entry.actor_id == director.pk
    director.refresh_from_db()
    assert director.last_login is not None


@pytest.mark.parametrize(
    ("mobile", "password"),
    [("13800000001", "wrong-password"), ("13899999999", PASSWORD), ("not-a-phone", PASSWORD)],
)
def test_wrong_credentials_say_nothing_more(director: Any, mobile: str, password: str) -> None:
    response = login(Client(), mobile, password)
    assert error_of(response) == (400, "invalid_credentials")
    assert response.json()["error"]["message"] == "手机号或密码错误"


def test_login_input_is_validated(director: Any) -> None:
    response = Client().post(LOGIN, {"mobile": "13800000001"}, content_type="application/json")
    status, code = error_of(response)
    assert (status, code) == (400, "invalid")
    assert "password" in response.json()["error"]["fields"]


def test_five_failures_lock_the_account(settings: Any, director: Any) -> None:
    client = Client()
    for _ in range(settings.ZT_LOGIN_MAX_FAILURES - 1):
        assert error_of(login(client, "13800000001", "nope")) == (400, "invalid_credentials")
    locking = login(client, "13800000001", "nope")
    assert error_of(locking) == (423, "account_locked")
    assert "锁定" in locking.json()["error"]["message"]
    assert AuditEntry.objects.filter(action="auth.lockout", actor=director).count() == 1
    assert AuditEntry.objects.filter(action="auth.login_failed", actor=director).count() == 5

    refused = login(client, "13800000001")  # the right password, while locked
    assert error_of(refused) == (423, "account_locked")
    assert "账号已锁定至" in refused.json()["error"]["message"]
    assert AuditEntry.objects.filter(action="auth.login_locked").count() == 1
    assert client.get("/api/v1/me").status_code == 401

    LoginAttempt.objects.filter(mobile="13800000001").update(
        locked_until=timezone.now() - timedelta(seconds=1)
    )
    assert login(client, "13800000001").status_code == 200
    # A success from the source forgets its failures.
    assert not LoginAttempt.objects.filter(mobile="13800000001").exists()


def test_token_login_and_bearer_auth(director: Any) -> None:
    client = Client()
    response = client.post(
        "/api/v1/auth/token",
        {"mobile": "13800000001", "password": PASSWORD},
        content_type="application/json",
    )
    assert response.status_code == 200
    key = response.json()["token"]
    assert response.json()["user"]["id"] == director.pk
    assert django_settings.SESSION_COOKIE_NAME not in response.cookies
    bearer = Client(headers={"authorization": f"Bearer {key}"})
    assert bearer.get("/api/v1/me").json()["id"] == director.pk
    # Bearer requests need no CSRF token.
    strict = Client(enforce_csrf_checks=True, headers={"authorization": f"Bearer {key}"})
    ticket = strict.post("/api/v1/auth/ws-ticket")
    assert ticket.status_code == 200
    assert WsTicket.objects.filter(key=ticket.json()["ticket"], user=director).exists()

    assert strict.post("/api/v1/auth/logout").status_code == 204
    assert not DeviceSession.objects.filter(token_digest=token_digest(key)).exists()
    gone = bearer.get("/api/v1/me")
    assert error_of(gone) == (401, "not_authenticated")
    assert error_of(Client(headers={"authorization": "Bearer nonsense"}).get("/api/v1/me")) == (
        401,
        "not_authenticated",
    )
    bad = Client().post(
        "/api/v1/auth/token",
        {"mobile": "13800000001", "password": "x"},
        content_type="application/json",
    )
    assert error_of(bad) == (400, "invalid_credentials")


def test_logout_ends_the_session(director: Any) -> None:
    client = Client()
    assert login(client, "13800000001").status_code == 200
    assert client.post("/api/v1/auth/logout").status_code == 204
    response = client.get("/api/v1/me")
    assert response.status_code == 401
    assert response.json() == {"error": {"code": "not_authenticated", "message": "请先登录"}}
    assert AuditEntry.objects.filter(action="auth.logout", actor=director).count() == 1
    assert error_of(client.post("/api/v1/auth/logout")) == (401, "not_authenticated")


def test_csrf_is_enforced_for_session_posts(director: Any) -> None:
    client = Client(enforce_csrf_checks=True)
    assert client.get("/api/v1/auth/csrf").status_code == 204
    token = client.cookies["csrftoken"].value
    # Login itself is CSRF-checked: no token, no session (login CSRF).
    forged = login(client, "13800000001")
    assert error_of(forged) == (403, "csrf_failed")
    assert client.get("/api/v1/me").status_code == 401
    response = client.post(
        "/api/v1/auth/login",
        {"mobile": "13800000001", "password": PASSWORD},
        content_type="application/json",
        headers={"x-csrftoken": token},
    )
    assert response.status_code == 200
    refused = client.post("/api/v1/auth/ws-ticket")
    assert error_of(refused) == (403, "permission_denied")
    assert not WsTicket.objects.exists()
    # Logging in rotates the CSRF token: fetch the current one.
    client.get("/api/v1/auth/csrf")
    token = client.cookies["csrftoken"].value
    accepted = client.post("/api/v1/auth/ws-ticket", headers={"x-csrftoken": token})
    assert accepted.status_code == 200
    # Reads need no token.
    assert client.get("/api/v1/me").status_code == 200


def test_login_is_throttled(login_rate: None, director: Any) -> None:
    client = Client()
    for _ in range(3):
        assert error_of(login(client, "13899999999", "x"))[1] == "invalid_credentials"
    response = login(client, "13800000001")
    assert error_of(response) == (429, "rate_limited")
    assert response.json()["error"]["message"] == "操作过于频繁，请稍后再试"


def test_unknown_route_and_method_errors(director: Any, client_for: Any) -> None:
    client = client_for(director)
    assert error_of(client.delete("/api/v1/me")) == (405, "method_not_allowed")
    assert error_of(client.post("/api/v1/conversations", "{", content_type="application/json")) == (
        400,
        "malformed_request",
    )


def test_schema_renders_and_validates(director: Any, capsys: Any) -> None:
    response = Client().get("/api/schema/")
    assert response.status_code == 200
    text = response.content.decode()
    for path in ("/api/v1/auth/login", "/api/v1/conversations/{conversation_id}/messages"):
        assert path in text
    out, err = StringIO(), StringIO()
    # Every endpoint has typed responses: no warning, no error.
    call_command(
        "spectacular", "--validate", "--fail-on-warn", "--file", "/dev/null", stdout=out, stderr=err
    )
    # (--fail-on-warn raises SchemaGenerationError on any warning or error.)
    captured = capsys.readouterr()
    assert "Warning" not in err.getvalue() + captured.err


def test_schema_check_refuses_an_undeclared_field() -> None:
    """The validator every API test runs (conftest) is exact: an extra field fails."""
    from django.http import JsonResponse

    from tests.mobile_api import openapi_check

    ticket = {"ticket": "abc", "expires_at": "2026-11-21T09:30:00+00:00"}
    openapi_check.check("POST", "/api/v1/auth/ws-ticket", JsonResponse(ticket))
    with pytest.raises(AssertionError, match="extra"):
        openapi_check.check("POST", "/api/v1/auth/ws-ticket", JsonResponse({**ticket, "extra": 1}))
    with pytest.raises(AssertionError, match="not declared"):
        openapi_check.check("POST", "/api/v1/auth/ws-ticket", JsonResponse(ticket, status=418))


def test_login_throttle_ignores_a_rotating_forwarded_for(login_rate: None, director: Any) -> None:
    """A client that writes a new X-Forwarded-For each time is still one client."""
    client = Client()
    for n in range(3):
        response = client.post(
            LOGIN,
            {"mobile": "13899999999", "password": "x"},
            content_type="application/json",
            headers={"x-forwarded-for": f"10.0.0.{n}"},
        )
        assert error_of(response)[1] == "invalid_credentials"
    rotated = client.post(
        LOGIN,
        {"mobile": "13800000001", "password": PASSWORD},
        content_type="application/json",
        headers={"x-forwarded-for": "10.0.0.99"},
    )
    assert error_of(rotated) == (429, "rate_limited")


def test_login_throttle_counts_the_client_behind_a_trusted_proxy(
    login_rate: None, settings: Any, director: Any
) -> None:
    """Behind one proxy the right-most hop is the client: two clients, two budgets."""
    settings.ZT_TRUSTED_PROXIES = 1
    client = Client()

    def attempt(chain: str) -> Any:
        return client.post(
            LOGIN,
            {"mobile": "13899999999", "password": "x"},
            content_type="application/json",
            headers={"x-forwarded-for": chain},
        )

    for n in range(3):
        assert error_of(attempt(f"1.1.1.{n}, 198.51.100.7"))[1] == "invalid_credentials"
    assert error_of(attempt("1.1.1.9, 198.51.100.7")) == (429, "rate_limited")
    assert error_of(attempt("198.51.100.8"))[1] == "invalid_credentials"


@pytest.mark.parametrize("forwarded", ["not-an-ip", "1.2.3.4", "\u202e1.1.1.1"])
def test_audit_records_the_validated_client_ip(director: Any, forwarded: str) -> None:
    response = Client().post(
        LOGIN,
        {"mobile": "13800000001", "password": PASSWORD},
        content_type="application/json",
        headers={"x-forwarded-for": forwarded},
    )
    assert response.status_code == 200
    entry = AuditEntry.objects.get(action="auth.login")
    assert entry.ip == "127.0.0.1"  # the test client's REMOTE_ADDR; no proxy is trusted


def test_audit_stores_no_ip_rather_than_garbage_behind_a_proxy(
    settings: Any, director: Any
) -> None:
    settings.ZT_TRUSTED_PROXIES = 1
    response = Client().post(
        LOGIN,
        {"mobile": "13800000001", "password": PASSWORD},
        content_type="application/json",
        headers={"x-forwarded-for": "1.2.3.4, not-an-ip"},
    )
    assert response.status_code == 200
    assert AuditEntry.objects.get(action="auth.login").ip is None


def _answers(client: Client, mobile: str, times: int, **headers: str) -> list[tuple[int, str, str]]:
    out = []
    for _ in range(times):
        response = client.post(
            LOGIN,
            {"mobile": mobile, "password": "wrong-password"},
            content_type="application/json",
            headers=headers,
        )
        out.append((*error_of(response), response.json()["error"]["message"]))
    return out


def test_unknown_numbers_fail_and_lock_exactly_like_real_ones(settings: Any, director: Any) -> None:
    """No enumeration: the sequence of answers is the same, lock included."""
    times = settings.ZT_LOGIN_MAX_FAILURES + 2
    real = _answers(Client(), "13800000001", times)
    unknown = _answers(Client(), "13899999999", times)
    assert real == unknown
    assert [status for status, _, _ in real] == [400] * 4 + [423] * 3
    assert AuditEntry.objects.filter(action="auth.lockout").count() == 2


def test_a_lock_holds_one_source_not_the_official(settings: Any, director: Any) -> None:
    """Five wrong passwords from one place do not lock the director out everywhere."""
    settings.ZT_TRUSTED_PROXIES = 1
    attacker = {"x-forwarded-for": "203.0.113.66"}
    answers = _answers(Client(), "13800000001", settings.ZT_LOGIN_MAX_FAILURES, **attacker)
    assert answers[-1][:2] == (423, "account_locked")
    office = Client()
    response = office.post(
        LOGIN,
        {"mobile": "13800000001", "password": PASSWORD},
        content_type="application/json",
        headers={"x-forwarded-for": "198.51.100.20"},
    )
    assert response.status_code == 200
    # The attacker's source is still locked, with the right password too.
    still = Client().post(
        LOGIN,
        {"mobile": "13800000001", "password": PASSWORD},
        content_type="application/json",
        headers=attacker,
    )
    assert error_of(still) == (423, "account_locked")


def test_each_lock_of_a_source_lasts_twice_as_long(settings: Any, director: Any) -> None:
    settings.ZT_LOGIN_LOCK_SECONDS = 60
    settings.ZT_LOGIN_LOCK_MAX_SECONDS = 150
    client = Client()
    lengths = []
    for _ in range(3):
        started = timezone.now()
        _answers(client, "13800000001", settings.ZT_LOGIN_MAX_FAILURES)
        ended = timezone.now()
        attempt = LoginAttempt.objects.get(mobile="13800000001")
        assert attempt.locked_until is not None
        # Counted from the last failure, which lies between `started` and `ended` (however
        # slow the machine): the length is within that window.
        longest = (attempt.locked_until - started).total_seconds()
        shortest = (attempt.locked_until - ended).total_seconds()
        lengths.append((shortest, longest))
        # The lock runs out (without a success in between).
        LoginAttempt.objects.filter(pk=attempt.pk).update(
            locked_until=timezone.now() - timedelta(seconds=1)
        )
    expected = [60, 120, 150]
    assert all(low <= n <= high for n, (low, high) in zip(expected, lengths, strict=True))
    assert list(
        AuditEntry.objects.filter(action="auth.lockout")
        .order_by("id")
        .values_list("data__seconds", flat=True)
    ) == [60, 120, 150]


def test_an_administrators_lock_holds_everywhere(director: Any) -> None:
    User.objects.filter(pk=director.pk).update(locked_until=timezone.now() + timedelta(hours=1))
    assert error_of(login(Client(), "13800000001")) == (423, "account_locked")
