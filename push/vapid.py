"""VAPID keys (RFC 8292): the server's identity towards browser push services.

Production sets `ZT_VAPID_PRIVATE_KEY` / `ZT_VAPID_PUBLIC_KEY` (base64url, as
`manage.py vapid_keys` prints them). The embedded default creates a pair on
first use and keeps it in `settings.ZT_VAPID_KEY_FILE` (var/vapid.json), so
subscriptions stay valid across restarts. Changing keys invalidates every
subscription: browsers must subscribe again.
"""

from __future__ import annotations

import base64
import json
import os
import threading
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.conf import settings
from py_vapid import Vapid02


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass(frozen=True)
class VapidKeys:
    private_key: str  # base64url of the raw 32-byte P-256 scalar
    public_key: str  # base64url of the 65-byte uncompressed point (applicationServerKey)
    subject: str  # mailto: or https: contact the push service may use


def generate_pair() -> tuple[str, str]:
    """A fresh (private, public) pair, both base64url."""
    key = ec.generate_private_key(ec.SECP256R1())
    private = key.private_numbers().private_value.to_bytes(32, "big")
    public = key.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    return b64url(private), b64url(public)


def public_of(private_key: str) -> str:
    scalar = int.from_bytes(b64url_decode(private_key), "big")
    key = ec.derive_private_key(scalar, ec.SECP256R1())
    return b64url(
        key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
    )


_file_lock = threading.Lock()


def _stored_pair(path: Path) -> tuple[str, str]:
    """Read the embedded default's pair, creating it once (0600) if missing."""
    with _file_lock:
        if path.exists():
            stored = json.loads(path.read_text())
            return stored["private_key"], stored["public_key"]
        private, public = generate_pair()
        path.parent.mkdir(parents=True, exist_ok=True)
        # O_EXCL: two processes starting together must not write two pairs.
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            stored = json.loads(path.read_text())
            return stored["private_key"], stored["public_key"]
        with os.fdopen(fd, "w") as handle:
            json.dump({"private_key": private, "public_key": public}, handle)
        return private, public


def keys() -> VapidKeys:
    """The keys in force: from settings, else the stored embedded pair."""
    return _keys(
        settings.ZT_VAPID_PRIVATE_KEY,
        settings.ZT_VAPID_PUBLIC_KEY,
        settings.ZT_VAPID_SUBJECT,
        str(settings.ZT_VAPID_KEY_FILE),
    )


@lru_cache(maxsize=4)
def _keys(private: str, public: str, subject: str, key_file: str) -> VapidKeys:
    if not private:
        private, public = _stored_pair(Path(key_file))
    return VapidKeys(private_key=private, public_key=public or public_of(private), subject=subject)


@lru_cache(maxsize=4)
def signer(private_key: str) -> Vapid02:
    """py_vapid's signer for a key (parsing the key once per process)."""
    return Vapid02.from_raw(private_key.encode("ascii"))
