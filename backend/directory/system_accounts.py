"""Known system accounts (审批助手, 公文助手, 督办助手…): who they are, declared once.

An app that sends cards as a system account registers it in its
`AppConfig.ready()`:

    from backend.directory import system_accounts
    system_accounts.register("approvals", name="审批助手", mobile="10000000001")

and gets its `User` with `backend.directory.services.system_account_get("approvals")`.
The account is created on first use. Its mobile is its stable identity
(existing rows keep working); it starts with 10, outside the range of real
mainland numbers (1[3-9]…), so no person can ever register it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from backend.directory.models import MOBILE_RE

SYSTEM_MOBILE_RE = r"^10\d{9}$"


@dataclass(frozen=True)
class SystemAccount:
    key: str  # how apps ask for it, e.g. "approvals"
    name: str  # what people read as the sender, e.g. 审批助手
    mobile: str  # its stable identity in the users table


_registry: dict[str, SystemAccount] = {}


def register(key: str, *, name: str, mobile: str) -> SystemAccount:
    """Declare a system account; registering the same declaration twice is harmless."""
    if not re.match(SYSTEM_MOBILE_RE, mobile) or re.match(MOBILE_RE, mobile):
        raise ValueError(f"system account {key!r}: mobile must be 10 + 9 digits, got {mobile!r}")
    account = SystemAccount(key=key, name=name, mobile=mobile)
    existing = _registry.get(key)
    if existing is not None and existing != account:
        raise ValueError(f"system account {key!r} is already registered as {existing}")
    taken = next((a for a in _registry.values() if a.mobile == mobile and a.key != key), None)
    if taken is not None:
        raise ValueError(f"mobile {mobile} already belongs to system account {taken.key!r}")
    _registry[key] = account
    return account


def unregister(key: str) -> None:
    _registry.pop(key, None)


def get(key: str) -> SystemAccount:
    try:
        return _registry[key]
    except KeyError:
        raise LookupError(f"no system account registered as {key!r}") from None


def registered() -> list[SystemAccount]:
    return sorted(_registry.values(), key=lambda a: a.key)
