"""Serving the PWA: hashed assets by whitenoise, every app route → index.html."""

from __future__ import annotations

import re
from typing import Any

from django.conf import settings
from django.http import FileResponse, HttpRequest, HttpResponseBase, HttpResponseNotFound

HASHED_ASSET = re.compile(r"^/assets/.+-[A-Za-z0-9_-]{8,}\.\w+$")
NEVER_CACHE = {"/index.html", "/sw.js", "/registerSW.js", "/manifest.webmanifest"}


def immutable_file_test(path: str, url: str) -> bool:
    """Vite's hashed files never change: cache them forever."""
    return bool(HASHED_ASSET.match(url))


def add_headers(headers: Any, path: str, url: str) -> None:
    if url in NEVER_CACHE:
        headers["Cache-Control"] = "no-cache"


def index(request: HttpRequest, route: str = "") -> HttpResponseBase:
    index_file = settings.PWA_DIST / "index.html"
    if not index_file.exists():
        return HttpResponseNotFound(
            "政通 PWA 尚未构建:请运行 make run(或 cd pwa && npm run build)。",
            content_type="text/plain; charset=utf-8",
        )
    response = FileResponse(index_file.open("rb"), content_type="text/html; charset=utf-8")
    response["Cache-Control"] = "no-cache"
    return response
