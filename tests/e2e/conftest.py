"""Browser tests: Debian's Chromium driven by Playwright against a real server.

The server is the embedded default (SQLite file, in-memory channel layer, one
daphne process) started for the session with the built PWA (`pwa/dist`) and
the demo organisation seeded. Under CI=true a missing Chromium or PWA build
fails the run instead of skipping it.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.integration.harness import free_port, start_server

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("ZT_CHROMIUM", "/usr/bin/chromium")
SCREENSHOTS = ROOT / "tests" / "screenshots"
PHONE = {"width": 390, "height": 844}
DEMO_PASSWORD = "zhengtong2026"

pytestmark = pytest.mark.e2e


def _require(condition: bool, reason: str) -> None:
    if condition:
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI=true: {reason}")
    pytest.skip(reason)


@dataclass(frozen=True)
class E2EServer:
    """The session's server: its origin, and the environment its database is in
    (for seeding more data in a subprocess, `tests.integration.harness.seed`)."""

    origin: str
    env: dict[str, str]


@pytest.fixture(scope="session")
def server(e2e_server: E2EServer) -> str:
    return e2e_server.origin


@pytest.fixture(scope="session")
def e2e_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[E2EServer]:
    _require(Path(CHROMIUM).exists(), f"Chromium not found at {CHROMIUM} (apt install chromium)")
    _require((ROOT / "pwa" / "dist" / "index.html").exists(), "PWA not built (make pwa-build)")
    work = tmp_path_factory.mktemp("e2e-server")
    port = free_port()
    origin = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{work / 'zt.sqlite3'}",
        "REDIS_URL": "",
        "ZT_MEDIA_ROOT": str(work / "media"),
        "ZT_FAST_PASSWORD_HASHER": "1",
        # Thumbnails are made in-process so the test needs no worker.
        "ZT_TASKS_BACKEND": "django_tasks.backends.immediate.ImmediateBackend",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DJANGO_CSRF_TRUSTED_ORIGINS": origin,
        "ZT_WS_ALLOWED_ORIGINS": origin,
        "ZT_LOGIN_RATE": "1000/min",
    }
    manage = [sys.executable, str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "--noinput"], env=env, check=True, capture_output=True)
    subprocess.run(
        [*manage, "seed_demo", "--password", DEMO_PASSWORD],
        env=env,
        check=True,
        capture_output=True,
    )
    daphne = start_server("daphne", env, work, port=port)
    try:
        yield E2EServer(origin, env)
    finally:
        daphne.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Module-scoped: Playwright's sync API runs an event loop in this thread
    until it exits, which would break later tests that start their own."""
    _require(Path(CHROMIUM).exists(), f"Chromium not found at {CHROMIUM}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        instance = p.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield instance
        instance.close()


@pytest.fixture
def new_phone(browser: Any, server: str) -> Iterator[Any]:
    """A factory of fresh phone-sized, zh-CN browser contexts."""
    contexts: list[Any] = []

    def make() -> Any:
        context = browser.new_context(
            viewport=PHONE, locale="zh-CN", base_url=server, device_scale_factor=2
        )
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()


def screenshot(page: Any, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"))
