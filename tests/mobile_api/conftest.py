"""Fixtures of the REST suites: signed-in clients for the named people."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client


@pytest.fixture(autouse=True)
def _isolated(private_media: None) -> None:
    """Every test here gets its own upload folder and an empty cache."""


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
