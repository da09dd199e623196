"""Content-Security-Policy on every response, and API docs that load nothing from a CDN."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.contrib.staticfiles import finders
from django.test import Client

pytestmark = pytest.mark.django_db


def policy(response: Any) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    directives = (part.strip().split() for part in header.split(";") if part.strip())
    return {name: values for name, *values in directives}


def test_every_response_carries_a_strict_policy(client: Client, director: Any) -> None:
    client.force_login(director)
    for url in ("/", "/chats/1", "/api/v1/me", "/api/v1/nowhere", "/admin/login/"):
        csp = policy(client.get(url))
        assert csp["default-src"] == ["'self'"], url
        assert csp["script-src"] == ["'self'"], url  # no inline script, no eval, no CDN
        assert csp["object-src"] == ["'none'"]
        assert csp["frame-ancestors"] == ["'none'"]
        assert csp["base-uri"] == ["'self'"]
        # What the PWA itself needs: its socket, its service worker, data:/blob: images.
        assert csp["connect-src"] == ["'self'"]
        assert csp["worker-src"] == ["'self'"]
        assert {"data:", "blob:"} <= set(csp["img-src"])


def test_api_docs_are_local_and_not_public_in_production(
    settings: Any, client: Client, director: Any
) -> None:
    settings.ZT_API_DOCS = "public"
    page = client.get("/api/docs/")
    assert page.status_code == 200
    html = page.content.decode()
    sources = re.findall(r'<(?:script|link)[^>]+(?:src|href)="([^"]+)"', html)
    assert sources
    assert all(s.startswith("/") and not s.startswith("//") for s in sources), sources
    assert "cdn" not in html.lower()
    script = client.get("/api/docs/?script=")
    assert (script.status_code, script["Content-Type"].split(";")[0]) == (
        200,
        "application/javascript",
    )
    for source in sources:
        if source.startswith("/static/"):  # shipped with the app (collectstatic serves it)
            assert finders.find(source.removeprefix("/static/").split("?")[0]), source

    settings.ZT_API_DOCS = "staff"  # the production default
    for url in ("/api/docs/", "/api/schema/"):
        assert client.get(url).status_code in (401, 403)
    client.force_login(director)
    assert client.get("/api/docs/").status_code == 403
    director.is_staff = True
    director.save(update_fields=["is_staff"])
    assert client.get("/api/docs/").status_code == 200
    assert client.get("/api/schema/").status_code == 200

    settings.ZT_API_DOCS = "off"
    assert client.get("/api/docs/").status_code == 404
    assert client.get("/api/schema/").status_code == 404
