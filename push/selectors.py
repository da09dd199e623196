"""Reads of out-of-band reach; each returns only what its viewer may see."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Q, QuerySet

from backend.directory.models import User
from push.models import Delivery, NotificationSettings, PushSubscription


def settings_get(*, user_id: int) -> NotificationSettings:
    """A person's 通知设置; the defaults (unsaved) when they never changed any."""
    found = NotificationSettings.objects.filter(user_id=user_id).first()
    return found or NotificationSettings(user_id=user_id)


def deliveries_of(
    *, viewer: User, limit: int = 50, before_id: int | None = None
) -> QuerySet[Delivery]:
    """The viewer's own delivery log, newest first (an administrator's view comes later)."""
    rows = Delivery.objects.filter(notification__user=viewer).select_related("notification")
    if before_id is not None:
        rows = rows.filter(pk__lt=before_id)
    return rows.order_by("-pk")[:limit]


def subscriptions_of(*, viewer: User) -> QuerySet[PushSubscription]:
    return PushSubscription.objects.filter(user=viewer).order_by("-created_at")


def deliveries_under_key(*, user_ids: Iterable[int], key: str) -> dict[int, list[Delivery]]:
    """The delivery log of notifications keyed `key` or `key:…`, per person, oldest first.

    For a rule's own status view (加急: how each recipient was reached); the
    caller has checked that its viewer may see it.
    """
    rows = (
        Delivery.objects.filter(notification__user_id__in=list(user_ids))
        .filter(Q(notification__dedup_key=key) | Q(notification__dedup_key__startswith=f"{key}:"))
        .select_related("notification")
        .order_by("pk")
    )
    found: dict[int, list[Delivery]] = {}
    for row in rows:
        found.setdefault(row.notification.user_id, []).append(row)
    return found


def vapid_public_key() -> str:
    """The application server key browsers subscribe with (created on first use
    on the embedded default, see `push.vapid.keys`)."""
    from push import vapid

    return vapid.keys().public_key
