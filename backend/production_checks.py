"""Refuse to start a production deployment that still has the repository's defaults.

Called from `backend.settings` when `ZT_PRODUCTION` is on: a missing, default or
short `DJANGO_SECRET_KEY` (sessions, CSRF and password-reset tokens would be
forgeable by anyone who read the repository), and missing or non-https
`DJANGO_ALLOWED_HOSTS` / `DJANGO_CSRF_TRUSTED_ORIGINS` (the localhost defaults
would refuse every real request or, worse, trust a local origin) raise
`ImproperlyConfigured` with what to set. So do calls' media servers configured
without their secrets (Janus, coturn) or a Janus URL browsers cannot open (not wss://).
"""

from __future__ import annotations

from collections.abc import Mapping

from django.core.exceptions import ImproperlyConfigured

EMBEDDED_SECRET_KEY = "zt-embedded-insecure-key-only-for-local-use-" + "x" * 20
MIN_SECRET_KEY_LENGTH = 50
MIN_SECRET_KEY_CHARACTERS = 5


def check(environ: Mapping[str, str]) -> None:
    """Every problem at once, so an operator fixes them in one go."""
    problems: list[str] = []
    key = environ.get("DJANGO_SECRET_KEY", "")
    if not key or key == EMBEDDED_SECRET_KEY or key.startswith("zt-embedded-insecure"):
        problems.append(
            "DJANGO_SECRET_KEY is not set (the repository's default key is public); set a random "
            "key of at least 50 characters, e.g. from "
            "`python -c 'import secrets; print(secrets.token_urlsafe(64))'`"
        )
    elif len(key) < MIN_SECRET_KEY_LENGTH or len(set(key)) < MIN_SECRET_KEY_CHARACTERS:
        problems.append(
            f"DJANGO_SECRET_KEY is too weak: use at least {MIN_SECRET_KEY_LENGTH} random "
            f"characters ({MIN_SECRET_KEY_CHARACTERS} or more distinct)"
        )
    hosts = [h.strip() for h in environ.get("DJANGO_ALLOWED_HOSTS", "").split(",") if h.strip()]
    if not hosts:
        problems.append("DJANGO_ALLOWED_HOSTS is not set: list the site's host names")
    elif "*" in hosts:
        problems.append("DJANGO_ALLOWED_HOSTS must name the hosts, not '*'")
    raw_origins = environ.get("DJANGO_CSRF_TRUSTED_ORIGINS", "")
    origins = [o.strip() for o in raw_origins.split(",") if o.strip()]
    if not origins:
        problems.append(
            "DJANGO_CSRF_TRUSTED_ORIGINS is not set (the default is localhost): "
            "list the site's origins, e.g. https://zt.example.gov.cn"
        )
    elif any(not o.startswith("https://") for o in origins):
        problems.append("DJANGO_CSRF_TRUSTED_ORIGINS must all be https:// origins in production")
    problems.extend(_media_server_problems(environ))
    if problems:
        raise ImproperlyConfigured("ZT_PRODUCTION=1 refuses to start:\n- " + "\n- ".join(problems))


JANUS_SECRETS = ("ZT_JANUS_API_SECRET", "ZT_JANUS_TOKEN_SECRET", "ZT_JANUS_ADMIN_KEY")


def _media_server_problems(environ: Mapping[str, str]) -> list[str]:
    """Calls' media servers (docs/operations.md "Calls: Janus and coturn"): an SFU or a
    TURN server configured without its secrets would fail at the first meeting."""
    problems: list[str] = []
    if environ.get("ZT_JANUS_URL"):
        missing = [name for name in JANUS_SECRETS if not environ.get(name)]
        if missing:
            problems.append(f"ZT_JANUS_URL is set but {', '.join(missing)} is not")
        public = environ.get("ZT_JANUS_PUBLIC_URL", "")
        if not public.startswith("wss://"):
            problems.append(
                "ZT_JANUS_PUBLIC_URL must be the wss:// URL browsers open Janus at "
                "(an https page cannot open ws://)"
            )
    if environ.get("ZT_TURN_URLS") and not environ.get("ZT_TURN_SECRET"):
        problems.append("ZT_TURN_URLS is set but ZT_TURN_SECRET (coturn static-auth-secret) is not")
    return problems
