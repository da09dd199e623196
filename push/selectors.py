"""Reads of out-of-band reach; each returns only what its viewer may see."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Q, QuerySet

from backend.common import error_catalogue as codes
from backend.common.errors import PermissionDenied
from backend.directory.models import Position, Role, RoleAssignment, User
from push.models import Delivery, NotificationSettings, PushSubscription


def settings_get(*, user_id: int) -> NotificationSettings:
    """A person's 通知设置; the defaults (unsaved) when they never changed any."""
    found = NotificationSettings.objects.filter(user_id=user_id).first()
    return found or NotificationSettings(user_id=user_id)


def deliveries_of(
    *, viewer: User, limit: int = 50, before_id: int | None = None
) -> QuerySet[Delivery]:
    """The viewer's own delivery log, newest first (administrators: `deliveries_for_admin`)."""
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


@dataclass(frozen=True)
class DeliveryFilter:
    """What an administrator narrows the log to; None = any."""

    user_id: int | None = None
    channel: str | None = None
    state: str | None = None
    before_id: int | None = None


def admin_unit_ids(viewer: User) -> list[int] | None:
    """The units whose people's log the viewer may read; None = every unit (superuser).

    Refused unless the viewer is a 单位管理员 of at least one unit.
    """
    if viewer.is_superuser:
        return None
    units = list(
        RoleAssignment.objects.filter(user=viewer, role=Role.UNIT_ADMIN).values_list(
            "unit_id", flat=True
        )
    )
    if not units:
        raise PermissionDenied.of(codes.NOT_DELIVERY_ADMIN)
    return units


def deliveries_for_admin(
    *, viewer: User, where: DeliveryFilter = DeliveryFilter(), limit: int = 50
) -> QuerySet[Delivery]:
    """The delivery log of the people of the units the viewer administers, newest first.

    "People of a unit" hold a position in one of its departments (a person in
    two units is seen by both units' administrators). Asking for one person
    outside them is refused (`person_not_in_unit`) rather than answered empty.
    """
    units = admin_unit_ids(viewer)
    rows = Delivery.objects.select_related("notification", "notification__user")
    if units is not None:
        people = Position.objects.filter(department__unit_id__in=units).values("user_id")
        rows = rows.filter(notification__user_id__in=people)
        if (
            where.user_id is not None
            and not Position.objects.filter(
                user_id=where.user_id, department__unit_id__in=units
            ).exists()
        ):
            raise PermissionDenied.of(codes.PERSON_NOT_IN_UNIT)
    if where.user_id is not None:
        rows = rows.filter(notification__user_id=where.user_id)
    if where.channel:
        rows = rows.filter(channel=where.channel)
    if where.state:
        rows = rows.filter(state=where.state)
    if where.before_id is not None:
        rows = rows.filter(pk__lt=where.before_id)
    return rows.order_by("-pk")[:limit]


def vapid_public_key() -> str:
    """The application server key browsers subscribe with (created on first use
    on the embedded default, see `push.vapid.keys`)."""
    from push import vapid

    return vapid.keys().public_key
