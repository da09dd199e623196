"""How whitenoise caches the PWA's files (whitenoise wants callables)."""

from __future__ import annotations

import re
from typing import Any

HASHED_ASSET = re.compile(r"^/assets/.+-[A-Za-z0-9_-]{8,}\.\w+$")
NEVER_CACHE = {"/index.html", "/sw.js", "/registerSW.js", "/manifest.webmanifest"}


def immutable_file_test(path: str, url: str) -> bool:
    """Vite's hashed files never change: cache them forever."""
    return bool(HASHED_ASSET.match(url))


def add_headers(headers: Any, path: str, url: str) -> None:
    """The shell and the service worker must always be revalidated."""
    if url in NEVER_CACHE:
        headers["Cache-Control"] = "no-cache"
