"""Reads of out-of-band reach; each returns only what its viewer may see."""

from __future__ import annotations

from django.db.models import QuerySet

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
