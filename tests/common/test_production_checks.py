"""Production refuses the repository defaults; its /admin/ renders after collectstatic."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.test import Client

from backend import production_checks
from backend.production_checks import EMBEDDED_SECRET_KEY

ROOT = Path(__file__).resolve().parents[2]
GOOD = {
    "DJANGO_SECRET_KEY": "k3Y-" + "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJ",
    "DJANGO_ALLOWED_HOSTS": "zt.example.gov.cn",
    "DJANGO_CSRF_TRUSTED_ORIGINS": "https://zt.example.gov.cn",
}


def start(extra: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """Import the settings in a fresh interpreter, as daphne or manage.py would."""
    environ = {
        k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "ZT_PRODUCTION"))
    }
    environ.update({"DJANGO_SETTINGS_MODULE": "backend.settings", "ZT_PRODUCTION": "1", **extra})
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); print('started')"],
        cwd=ROOT,
        env=environ,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_production_refuses_to_start_with_the_repository_defaults() -> None:
    result = start({})
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    for variable in ("DJANGO_SECRET_KEY", "DJANGO_ALLOWED_HOSTS", "DJANGO_CSRF_TRUSTED_ORIGINS"):
        assert variable in result.stderr
    assert "started" not in result.stdout


def test_production_starts_when_configured() -> None:
    result = start(GOOD)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "started"


@pytest.mark.parametrize(
    ("change", "complaint"),
    [
        ({"DJANGO_SECRET_KEY": EMBEDDED_SECRET_KEY}, "DJANGO_SECRET_KEY is not set"),
        ({"DJANGO_SECRET_KEY": "short-key"}, "DJANGO_SECRET_KEY is too weak"),
        ({"DJANGO_SECRET_KEY": "a" * 80}, "DJANGO_SECRET_KEY is too weak"),
        ({"DJANGO_ALLOWED_HOSTS": "*"}, "not '*'"),
        ({"DJANGO_ALLOWED_HOSTS": ""}, "DJANGO_ALLOWED_HOSTS is not set"),
        ({"DJANGO_CSRF_TRUSTED_ORIGINS": ""}, "DJANGO_CSRF_TRUSTED_ORIGINS is not set"),
        ({"DJANGO_CSRF_TRUSTED_ORIGINS": "http://127.0.0.1:8000"}, "https://"),
    ],
)
def test_each_default_is_named(change: dict[str, str], complaint: str) -> None:
    with pytest.raises(ImproperlyConfigured, match=re.escape(complaint)):
        production_checks.check({**GOOD, **change})
    production_checks.check(GOOD)  # and the good configuration passes


def test_the_release_step_collects_static_files() -> None:
    release = next(
        line for line in (ROOT / "Procfile").read_text().splitlines() if line.startswith("release:")
    )
    assert "manage.py collectstatic --noinput" in release


@pytest.mark.django_db
def test_production_admin_login_renders_with_debug_off(settings: Any, tmp_path: Path) -> None:
    """The manifest storage production uses, after the release step's collectstatic."""
    settings.DEBUG = False
    settings.STATIC_ROOT = tmp_path / "static"
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
    call_command("collectstatic", "--noinput", verbosity=0)
    client = Client()
    page = client.get("/admin/login/")
    assert page.status_code == 200
    stylesheet = re.search(r'href="(/static/admin/css/base\.[0-9a-f]{12}\.css)"', page.text)
    assert stylesheet is not None, page.text[:1000]
    css = client.get(stylesheet.group(1))
    assert css.status_code == 200
    assert b"".join(css.streaming_content).startswith(b"/*")  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("media", "complaint"),
    [
        ({"ZT_JANUS_URL": "http://127.0.0.1:8088/janus"}, "ZT_JANUS_API_SECRET"),
        (
            {
                "ZT_JANUS_URL": "http://127.0.0.1:8088/janus",
                "ZT_JANUS_API_SECRET": "a",
                "ZT_JANUS_TOKEN_SECRET": "b",
                "ZT_JANUS_ADMIN_KEY": "c",
                "ZT_JANUS_PUBLIC_URL": "ws://meet.example.gov.cn/janus",
            },
            "wss://",
        ),
        ({"ZT_TURN_URLS": "turn:turn.example.gov.cn:3478"}, "ZT_TURN_SECRET"),
    ],
)
def test_production_refuses_media_servers_without_their_secrets(
    media: dict[str, str], complaint: str
) -> None:
    with pytest.raises(ImproperlyConfigured, match=re.escape(complaint)):
        production_checks.check({**GOOD, **media})


def test_production_accepts_configured_media_servers() -> None:
    production_checks.check(
        {
            **GOOD,
            "ZT_JANUS_URL": "http://127.0.0.1:8088/janus",
            "ZT_JANUS_PUBLIC_URL": "wss://meet.example.gov.cn/janus",
            "ZT_JANUS_API_SECRET": "a",
            "ZT_JANUS_TOKEN_SECRET": "b",
            "ZT_JANUS_ADMIN_KEY": "c",
            "ZT_TURN_URLS": "turn:turn.example.gov.cn:3478",
            "ZT_TURN_SECRET": "d",
        }
    )
