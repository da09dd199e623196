"""`/admin/login/` with the second factor (every administrator), and the admin's idle timeout."""

from __future__ import annotations

import re
import time
from typing import Any

import pyotp
import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.test import Client

from backend.audit.models import AuditEntry
from backend.directory.admin_security import ADMIN_SEEN
from backend.directory.models import User
from backend.twofactor.models import SecondFactor
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

ROOT = "13700000099"


@pytest.fixture
def root(org: dict[str, Any]) -> User:
    return User.objects.create_superuser(ROOT, PASSWORD, name="系统管理员")


def admin_login(client: Client, mobile: str = ROOT, password: str = PASSWORD) -> Any:
    return client.post("/admin/login/?next=/admin/", {"username": mobile, "password": password})


def signed_in(client: Client) -> bool:
    return client.get("/admin/").status_code == 200


def admin_second_factor(client: Client) -> list[str]:
    """Finish an administrator's first admin login: scan the key shown, send its code;
    the recovery codes the page shows once."""
    page = client.get("/admin/two-factor/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "zt-qr" in html  # the QR code
    secret = re.search(r'data-testid="totp-secret">([A-Z2-7]+)<', html)
    assert secret is not None
    done = client.post(
        "/admin/two-factor/", {"method": "totp", "code": pyotp.TOTP(secret[1]).now()}
    )
    assert done.status_code == 200
    codes = re.findall(r"<li><code>([a-z0-9]{4}-[a-z0-9]{4})</code></li>", done.content.decode())
    assert len(codes) == 10
    return codes


def test_the_admin_asks_for_the_second_factor_after_the_password(root: User) -> None:
    client = Client()
    step = admin_login(client)
    assert (step.status_code, step["Location"]) == (302, "/admin/two-factor/")
    # The password alone opens nothing.
    assert client.get("/admin/")["Location"].startswith("/admin/login/")
    assert "zt-qr" in client.get("/admin/two-factor/").content.decode()  # enrol first
    wrong = client.post("/admin/two-factor/", {"method": "totp", "code": "000000"})
    assert "验证码错误或已过期" in wrong.content.decode()
    codes = admin_second_factor(client)
    assert signed_in(client)
    assert SecondFactor.objects.get(user=root).totp_on
    assert AuditEntry.objects.filter(action="2fa.enrol", actor=root).exists()
    verified = AuditEntry.objects.get(action="2fa.verified", actor=root)
    assert verified.data == {"via": "admin", "method": "totp"}

    # Next time: a code (here a recovery code), no enrolment.
    client = Client()
    admin_login(client)
    page = client.get("/admin/two-factor/").content.decode()
    assert "zt-qr" not in page
    done = client.post("/admin/two-factor/", {"method": "recovery", "code": codes[0]})
    assert (done.status_code, done["Location"]) == (302, "/admin/")
    assert signed_in(client)


def test_the_second_step_page_needs_a_password_step_first() -> None:
    client = Client()
    response = client.get("/admin/two-factor/")
    assert (response.status_code, response["Location"]) == (302, "/admin/login/")


def test_a_password_alone_never_logs_an_administrator_in_through_authenticate(
    root: User,
) -> None:
    """Django's `authenticate()` (the backend every password check goes through) refuses
    someone who must give a second factor, even with the right password."""
    assert not Client().login(username=ROOT, password=PASSWORD)


def test_an_idle_admin_session_ends(settings: Any, root: User) -> None:
    settings.ZT_SESSION_IDLE_SECONDS = 8 * 3600
    settings.ZT_ADMIN_IDLE_SECONDS = 600  # stricter for the admin
    client = Client()
    client.force_login(root)
    assert client.get("/admin/").status_code == 200
    key = client.session.session_key
    session = SessionStore(session_key=key)
    session[ADMIN_SEEN] = time.time() - 599
    session.save()
    assert client.get("/admin/").status_code == 200  # within the limit (and touched)
    session = SessionStore(session_key=key)
    session[ADMIN_SEEN] = time.time() - 601
    session.save()
    ended = client.get("/admin/directory/user/")
    assert (ended.status_code, ended["Location"]) == (
        302,
        "/admin/login/?next=%2Fadmin%2Fdirectory%2Fuser%2F",
    )
    assert not SessionStore().exists(key)
    assert client.get("/admin/").status_code == 302
    entry = AuditEntry.objects.get(action="auth.session_idle")
    assert (entry.actor_id, entry.data) == (root.pk, {"via": "admin", "idle_seconds": 600})


def test_the_admin_idle_limit_is_never_longer_than_the_pwas(settings: Any, root: User) -> None:
    settings.ZT_SESSION_IDLE_SECONDS = 300
    settings.ZT_ADMIN_IDLE_SECONDS = 0  # unset: the PWA's
    client = Client()
    client.force_login(root)
    assert client.get("/admin/").status_code == 200
    session = SessionStore(session_key=client.session.session_key)
    session[ADMIN_SEEN] = time.time() - 301
    session.save()
    assert client.get("/admin/").status_code == 302
