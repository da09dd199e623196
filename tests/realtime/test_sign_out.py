"""An open WebSocket closes (4401) when the login that opened it ends.

Logout of a session, logout of a native client (its token revoked), and
deactivation each close exactly the sockets of that login; other logins of
the same person stay open. A lost doorbell is caught by the next `ping`.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings as django_settings
from django.contrib.auth.models import Permission
from django.db import transaction
from django.test import Client
from django.utils import timezone

from backend.asgi import application
from backend.directory import sign_out
from backend.directory.models import DeviceSession, User
from realtime import events
from tests.realtime.test_consumer import ORIGIN, command

pytestmark = pytest.mark.django_db(transaction=True)
PASSWORD = "Zt-test-password-1"


def _logged_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


async def _session_client(user: User) -> Client:
    return await database_sync_to_async(_logged_in)(user)


async def _open(path: str, headers: list[tuple[bytes, bytes]]) -> WebsocketCommunicator:
    comm = WebsocketCommunicator(application, path, headers=headers)
    assert (await comm.connect())[0]
    assert (await comm.receive_json_from(timeout=5))["type"] == "hello"
    return comm


async def _cookie_socket(client: Client) -> WebsocketCommunicator:
    key = client.cookies[django_settings.SESSION_COOKIE_NAME].value
    cookie = (b"cookie", f"{django_settings.SESSION_COOKIE_NAME}={key}".encode())
    return await _open("/ws/v1/", [ORIGIN, cookie])


async def _ticket_socket(client: Client, **headers: str) -> WebsocketCommunicator:
    response = await database_sync_to_async(client.post)("/api/v1/auth/ws-ticket", **headers)
    assert response.status_code == 200
    return await _open(f"/ws/v1/?ticket={response.json()['ticket']}", [])


async def _token_login(user: User) -> tuple[Client, dict[str, str]]:
    """A native client logged in with a bearer token of its own (one device), and its header."""
    await database_sync_to_async(user.set_password)(PASSWORD)
    await database_sync_to_async(user.save)()
    native = Client()
    login = await database_sync_to_async(native.post)(
        "/api/v1/auth/token",
        {"mobile": user.mobile, "password": PASSWORD},
        content_type="application/json",
    )
    return native, {"HTTP_AUTHORIZATION": f"Bearer {login.json()['token']}"}


async def _closed_with(comm: WebsocketCommunicator) -> int:
    """The close code, skipping any frames sent before it."""
    while True:
        output = await comm.receive_output(timeout=5)
        if output["type"] == "websocket.close":
            return int(output["code"])


async def _still_open(comm: WebsocketCommunicator) -> None:
    reply = await command(comm, {"type": "ping", "id": "alive"})
    assert reply["type"] == "ack"


async def test_session_logout_closes_that_sessions_sockets_only(director: Any) -> None:
    phone, desk = await _session_client(director), await _session_client(director)
    by_cookie = await _cookie_socket(phone)
    by_ticket = await _ticket_socket(phone)
    other = await _cookie_socket(desk)

    response = await database_sync_to_async(phone.post)("/api/v1/auth/logout")
    assert response.status_code == 204
    assert await _closed_with(by_cookie) == 4401
    assert await _closed_with(by_ticket) == 4401
    await _still_open(other)
    await other.disconnect()


async def test_token_logout_closes_that_tokens_sockets(director: Any) -> None:
    native, bearer = await _token_login(director)
    by_token = await _ticket_socket(native, **bearer)
    browser = await _cookie_socket(await _session_client(director))

    response = await database_sync_to_async(native.post)("/api/v1/auth/logout", **bearer)
    assert response.status_code == 204
    assert await _closed_with(by_token) == 4401
    await _still_open(browser)
    await browser.disconnect()


async def test_a_device_signed_out_remotely_closes_its_sockets_only(director: Any) -> None:
    native, bearer = await _token_login(director)
    phone = await _ticket_socket(native, **bearer)
    other_native, tablet_bearer = await _token_login(director)
    tablet = await _ticket_socket(other_native, **tablet_bearer)

    listed = await database_sync_to_async(other_native.get)("/api/v1/me/devices", **tablet_bearer)
    (phone_device,) = [d for d in listed.json() if not d["current"]]
    response = await database_sync_to_async(other_native.delete)(
        f"/api/v1/me/devices/{phone_device['id']}", **tablet_bearer
    )
    assert response.status_code == 204
    assert await _closed_with(phone) == 4401
    await _still_open(tablet)
    await tablet.disconnect()


async def test_an_expired_token_s_socket_closes_at_the_next_ping(director: Any) -> None:
    native, bearer = await _token_login(director)
    phone = await _ticket_socket(native, **bearer)
    await database_sync_to_async(DeviceSession.objects.filter(user=director).update)(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    await phone.send_json_to({"type": "ping", "id": "p"})
    assert await _closed_with(phone) == 4401


async def test_deactivation_in_the_admin_closes_every_socket(director: Any, staff: Any) -> None:
    def admin_client() -> Client:
        staff.is_staff = True
        staff.save(update_fields=["is_staff"])
        staff.user_permissions.add(*Permission.objects.filter(codename="change_user"))
        return _logged_in(staff)

    admin = await database_sync_to_async(admin_client)()
    sockets = [
        await _cookie_socket(await _session_client(director)),
        await _ticket_socket(await _session_client(director)),
    ]
    bystander = await _cookie_socket(await _session_client(staff))

    def deactivate() -> int:
        url = f"/admin/directory/user/{director.pk}/change/"
        # The change form as shown, with 「有效」 unticked.
        data = {
            "name": director.name,
            "mobile": director.mobile,
            "employee_no": director.employee_no,
            "failed_login_count": "0",
        }
        for prefix in ("positions", "roles"):
            data.update({f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"})
        return int(admin.post(url, data).status_code)

    assert await database_sync_to_async(deactivate)() == 302
    assert not (await database_sync_to_async(User.objects.get)(pk=director.pk)).is_active
    for comm in sockets:
        assert await _closed_with(comm) == 4401
    await _still_open(bystander)
    await bystander.disconnect()


async def test_a_lost_doorbell_is_caught_by_the_next_ping(director: Any, monkeypatch: Any) -> None:
    client = await _session_client(director)
    comm = await _cookie_socket(client)
    monkeypatch.setattr(events, "_ring", lambda user_ids, event: None)  # the layer dropped it

    await database_sync_to_async(client.post)("/api/v1/auth/logout")
    await comm.send_json_to({"type": "ping", "id": "p"})
    assert await _closed_with(comm) == 4401

    other = await _cookie_socket(await _session_client(director))

    def deactivate() -> None:
        with transaction.atomic():
            User.objects.filter(pk=director.pk).update(is_active=False)
            sign_out.run(director.pk, reason="deactivated")

    await database_sync_to_async(deactivate)()
    await other.send_json_to({"type": "ping", "id": "p"})
    assert await _closed_with(other) == 4401
