"""Fixtures of the REST suites: signed-in clients for the named people."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client


@pytest.fixture(autouse=True)
def _private_media(settings: Any, tmp_path: Path) -> Iterator[None]:
    """Uploads land in a per-test folder; throttles and presence start empty."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    cache.clear()
    yield
    cache.clear()


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
