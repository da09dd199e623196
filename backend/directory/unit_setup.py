"""What every new unit starts with, without the directory importing the apps that add it.

An app registers one set-up hook in its `AppConfig.ready()`:

    from backend.directory import unit_setup
    unit_setup.register("approvals", builtins_ensure)

`services.unit_create` runs every hook, in registration order, inside the
unit's creation transaction: a unit never exists half set up. Hooks must be
idempotent (they also serve units that existed before the app did).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from backend.directory.models import Unit

UnitHook = Callable[["Unit"], Any]

_hooks: dict[str, UnitHook] = {}


def register(name: str, hook: UnitHook) -> None:
    """Add (or, under the same name, replace) a set-up hook."""
    _hooks[name] = hook


def unregister(name: str) -> None:
    _hooks.pop(name, None)


def run(unit: Unit) -> None:
    """Set up a new unit; called by `services.unit_create` only."""
    for hook in list(_hooks.values()):
        hook(unit)
