"""Serving the PWA: hashed assets by whitenoise, every app route → index.html."""

from __future__ import annotations

from django.conf import settings
from django.http import FileResponse, HttpRequest, HttpResponseBase, HttpResponseNotFound


def index(request: HttpRequest, route: str = "") -> HttpResponseBase:
    index_file = settings.PWA_DIST / "index.html"
    if not index_file.exists():
        return HttpResponseNotFound(
            "政通 PWA 尚未构建：请运行 make run(或 cd pwa && npm run build)。",
            content_type="text/plain; charset=utf-8",
        )
    response = FileResponse(index_file.open("rb"), content_type="text/html; charset=utf-8")
    response["Cache-Control"] = "no-cache"
    return response
