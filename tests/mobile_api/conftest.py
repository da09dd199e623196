"""Fixtures of the REST suites: signed-in clients for the named people."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from tests.mobile_api import openapi_check


@pytest.fixture(autouse=True)
def _isolated(private_media: None) -> None:
    """Every test here gets its own upload folder and an empty cache."""


@pytest.fixture(autouse=True)
def _responses_match_the_schema(request: pytest.FixtureRequest, monkeypatch: Any) -> None:
    """Every response any test client gets here is validated against /api/schema/.

    Wraps `django.test.Client.request`, which DRF's APIClient also goes through.
    A test that must send something the schema does not describe opts out with
    `@pytest.mark.no_schema_check` (none does today).
    """
    if request.node.get_closest_marker("no_schema_check"):
        return
    original = Client.request

    def checked(self: Client, **environ: Any) -> Any:
        response = original(self, **environ)
        openapi_check.check(environ["REQUEST_METHOD"], environ["PATH_INFO"], response)
        return response

    monkeypatch.setattr(Client, "request", checked)


@pytest.fixture
def client_for() -> Callable[[Any], Client]:
    """A Django test client with a real session for `user`."""

    def make(user: Any) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return make


def error_of(response: Any) -> tuple[int, str]:
    """(status, error code) of an error response, checking the one error shape."""
    body = response.json()
    assert set(body) == {"error"}, body
    assert isinstance(body["error"]["message"], str)
    assert body["error"]["message"]
    return response.status_code, body["error"]["code"]
