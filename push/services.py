"""Every write of out-of-band reach, and the delivery jobs' steps.

The surface for the rules that come (messages, 待办, 加急, deadlines) is
`notify()`: call it inside the transaction of the change that causes the
notification; the delivery jobs are stored in that same transaction (the
database task backend) and run by the worker (`manage.py db_worker`).
docs/notifications.md describes the contract.
"""

from __future__ import annotations

import binascii
import logging
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from cryptography.hazmat.primitives.asymmetric import ec
from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django_tasks import task_backends
from django_tasks_db.backend import DatabaseBackend

from backend.audit.services import NO_CONTEXT, RequestContext, audit_record
from backend.common import error_catalogue as codes
from backend.common.errors import InvalidInput
from backend.directory.models import MOBILE_RE, User
from push import rules, selectors, sms, vapid, webpush
from push.kinds import Urgency, kind_of
from push.models import Delivery, Notification, NotificationSettings, PushSubscription
from push.quiet import EXEMPT_KINDS, quiet_until

logger = logging.getLogger(__name__)

JOB_CHUNK = 100
State = Delivery.State


# --- notify: the API the rules call -----------------------------------------------------


def notify(
    user_ids: Iterable[int],
    *,
    kind: str,
    title: str,
    body: str = "",
    sender_name: str = "",
    url: str = "",
    tag: str = "",
    dedup_key: str = "",
    urgency: Urgency | None = None,
    sms_params: Mapping[str, str] | None = None,
    sms_template: str = "",
    not_before: datetime | None = None,
    push: bool = True,
    condition: str = "",
    condition_ref: Mapping[str, Any] | None = None,
) -> list[Notification]:
    """Tell people about something, by web push and (when `sms_params` is given) SMS.

    - `kind` is a row of `push.kinds.KINDS`; it sets Urgency, TTL, collapsing
      and which person setting can switch the SMS off.
    - `title`/`body`/`sender_name` are the full text; each person's lock-screen
      setting decides how much of it leaves the server.
    - `url` is what a tap opens; `tag` groups notifications on the device
      (e.g. ``conv:12``) and, for collapsing kinds, becomes the push `Topic`.
    - `dedup_key` (per person) makes the call idempotent: a person who already
      has a notification with this key gets nothing new, now or after a retry.
    - `sms_params` asks for an SMS too: the template is `sms_template` or
      `settings.ZT_SMS_TEMPLATES[kind]`; people without a usable mobile number
      get push only, and their SMS delivery is logged as skipped (`no_mobile`).
      `push=False` makes it an SMS only (an escalation after a push).
    - `not_before` delays the deliveries (an escalation, a reminder).
    - `condition` (+ `condition_ref`) names a check registered in `push.rules`,
      asked again when the delivery runs: "read already" or "task done" skips it.
    - Quiet hours are applied when the delivery runs (everything but 加急 waits).

    Runs in the caller's transaction (a savepoint): the notification rows, the
    delivery rows and the delivery jobs commit or roll back with the change.
    Returns the notifications created (duplicates by `dedup_key` left out).
    """
    spec = kind_of(kind)
    wanted = sorted(set(user_ids))
    if not wanted:
        return []
    now = timezone.now()
    template = sms_template or settings.ZT_SMS_TEMPLATES.get(kind, "")
    if sms_params is not None and not template:
        raise ValueError(f"no SMS template for kind {kind!r}: set ZT_SMS_TEMPLATES")
    with transaction.atomic():
        if dedup_key:
            seen = set(
                Notification.objects.filter(user_id__in=wanted, dedup_key=dedup_key).values_list(
                    "user_id", flat=True
                )
            )
            wanted = [u for u in wanted if u not in seen]
        rows = [
            Notification(
                user_id=user_id,
                kind=kind,
                title=title[:128],
                body=body[:512],
                sender_name=sender_name[:64],
                url=url[:256],
                tag=tag[:64],
                urgency=str(urgency or spec.urgency),
                dedup_key=dedup_key,
                sms_template=template if sms_params is not None else "",
                # Pairs, not an object: PostgreSQL's jsonb reorders object keys, and
                # positional providers (Tencent) need the caller's order.
                sms_params=[[str(k), str(v)] for k, v in (sms_params or {}).items()],
                condition=condition,
                condition_ref=dict(condition_ref or {}),
                created_at=now,
            )
            for user_id in wanted
        ]
        return _store(rows, now, push=push, sms=sms_params is not None, not_before=not_before)


def _store(
    rows: list[Notification],
    now: datetime,
    *,
    push: bool = True,
    sms: bool = False,
    not_before: datetime | None = None,
) -> list[Notification]:
    """Save notifications of active people, their deliveries and the jobs (caller's transaction)."""
    people = {
        u.pk: u
        for u in User.objects.filter(pk__in={r.user_id for r in rows}, is_active=True).only(
            "id", "mobile", "is_bot"
        )
    }
    created = Notification.objects.bulk_create(r for r in rows if r.user_id in people)
    deliveries = _deliveries_for(created, people, now, want_push=push, want_sms=sms)
    for delivery in deliveries:
        # A deferred delivery is not "stale" for push_resume before its time.
        delivery.next_attempt_at = not_before
    Delivery.objects.bulk_create(deliveries)
    ids = list(
        Delivery.objects.filter(notification__in=created, state=State.PENDING)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    for start in range(0, len(ids), JOB_CHUNK):
        _enqueue(ids[start : start + JOB_CHUNK], run_after=not_before)
    return created


# --- fan-out and coalescing (rules that need an app's knowledge) -----------------------------


def fanout(rule: str, ref: Mapping[str, Any]) -> None:
    """Store one job that expands `ref` into notifications through the registered `rule`.

    Cheap for the caller (one insert in its transaction, whatever the
    audience); the per-person work happens in the worker (`fanout_run`).
    """
    from push.tasks import fanout as fanout_job  # the job module imports this one

    payload = {str(k): v for k, v in ref.items()}
    if isinstance(task_backends[fanout_job.backend], DatabaseBackend):
        fanout_job.enqueue(rule, payload)
    else:
        transaction.on_commit(lambda: fanout_job.enqueue(rule, payload))


KIND_RANK = {"message": 0, "mention": 1}


def fanout_run(rule: str, ref: Mapping[str, Any]) -> list[Notification]:
    """Expand `ref` and store the notices: coalescing ones merge into a pending one.

    A notice with a `coalesce_key` joins that person's notification with the
    same key whose push is still pending (count + 1, newest text), else starts
    one held for `ZT_PUSH_COALESCE_SECONDS`. Running twice for the same
    reference changes nothing: a notice whose `coalesce_seq` is already
    covered is dropped. Returns the notifications created.
    """
    notices = rules.expand(rule, ref)
    now = timezone.now()
    with transaction.atomic():
        plain = [n for n in notices if not n.coalesce_key]
        fresh = _coalesce([n for n in notices if n.coalesce_key])
        created = _store([_row_for(n, now) for n in plain], now)
        window = timedelta(seconds=settings.ZT_PUSH_COALESCE_SECONDS)
        created += _store([_row_for(n, now) for n in fresh], now, not_before=now + window)
    return created


def _row_for(notice: rules.Notice, now: datetime) -> Notification:
    return Notification(
        user_id=notice.user_id,
        kind=notice.kind,
        title=notice.title[:128],
        body=notice.body[:512],
        sender_name=notice.sender_name[:64],
        url=notice.url[:256],
        tag=notice.tag[:64],
        urgency=str(kind_of(notice.kind).urgency),
        coalesce_key=notice.coalesce_key,
        coalesce_seq=notice.coalesce_seq,
        condition=notice.condition,
        condition_ref=dict(notice.condition_ref),
        created_at=now,
    )


def _coalesce(notices: list[rules.Notice]) -> list[rules.Notice]:
    """Merge into pending notifications; return the notices that need a row of their own."""
    fresh: list[rules.Notice] = []
    by_key: dict[str, list[rules.Notice]] = {}
    for notice in notices:
        by_key.setdefault(notice.coalesce_key, []).append(notice)
    for key, group in by_key.items():
        ids = [n.user_id for n in group]
        covered = dict(
            Notification.objects.filter(user_id__in=ids, coalesce_key=key)
            .values("user_id")
            .annotate(upto=Max("coalesce_seq"))
            .values_list("user_id", "upto")
        )
        group = [n for n in group if n.coalesce_seq > covered.get(n.user_id, -1)]
        pending = {
            d.notification.user_id: d.notification
            for d in Delivery.objects.select_for_update()
            .filter(
                channel=Delivery.Channel.PUSH,
                state=State.PENDING,
                notification__user_id__in=[n.user_id for n in group],
                notification__coalesce_key=key,
            )
            .select_related("notification")
        }
        merged = []
        for notice in group:
            row = pending.get(notice.user_id)
            if row is None:
                fresh.append(notice)
                continue
            _merge(row, notice)
            merged.append(row)
        fields = ["kind", "urgency", "title", "body", "sender_name", "url", "count"]
        Notification.objects.bulk_update(
            merged, [*fields, "coalesce_seq", "condition_ref"], batch_size=500
        )
    return fresh


def _merge(row: Notification, notice: rules.Notice) -> None:
    if KIND_RANK.get(notice.kind, 0) >= KIND_RANK.get(row.kind, 0):
        row.kind = notice.kind
        row.urgency = str(kind_of(notice.kind).urgency)
    row.title = notice.title[:128]
    row.body = notice.body[:512]
    row.sender_name = notice.sender_name[:64]
    row.url = notice.url[:256]
    row.count += 1
    row.coalesce_seq = notice.coalesce_seq
    row.condition_ref = dict(notice.condition_ref)


# --- reminders: scheduled, moved, cancelled ---------------------------------------------------


def remind(
    user_ids: Iterable[int],
    *,
    key: str,
    at: datetime,
    kind: str,
    title: str,
    body: str = "",
    url: str = "",
    tag: str = "",
    sms_params: Mapping[str, str] | None = None,
    condition: str = "",
    condition_ref: Mapping[str, Any] | None = None,
) -> list[Notification]:
    """A notification to go out at `at`, once per person and `key`.

    Put what the reminder depends on into `key` (``wf-task:7:<due>:due2h``):
    asking again with the same key never doubles it, and a moved deadline
    makes a new key — `cancel()` the old prefix in the same transaction.
    A `condition` is asked when it runs, so a reminder for a finished item is
    skipped even if nobody cancelled it.
    """
    return notify(
        user_ids,
        kind=kind,
        title=title,
        body=body,
        url=url,
        tag=tag,
        dedup_key=key,
        sms_params=sms_params,
        not_before=at,
        condition=condition,
        condition_ref=condition_ref,
    )


def cancel(key_prefix: str, *, user_ids: Iterable[int] | None = None) -> int:
    """Settle the not-yet-sent deliveries of reminders whose key starts with `key_prefix`.

    They become `skipped` (`cancelled`); their jobs find nothing to do. Returns
    how many deliveries were cancelled. Call inside the change's transaction.
    """
    if not key_prefix:
        raise ValueError("cancel needs a key prefix")
    rows = Delivery.objects.select_for_update().filter(
        state__in=[State.PENDING, State.RETRY], notification__dedup_key__startswith=key_prefix
    )
    if user_ids is not None:
        rows = rows.filter(notification__user_id__in=list(user_ids))
    with transaction.atomic():
        ids = list(rows.values_list("pk", flat=True))
        return Delivery.objects.filter(pk__in=ids).update(
            state=State.SKIPPED,
            error_code="cancelled",
            error="提醒已取消",
            updated_at=timezone.now(),
        )


def _usable_mobile(user: User) -> str:
    return user.mobile if not user.is_bot and re.fullmatch(MOBILE_RE, user.mobile or "") else ""


def _deliveries_for(
    notifications: list[Notification],
    people: Mapping[int, User],
    now: datetime,
    *,
    want_push: bool = True,
    want_sms: bool,
) -> list[Delivery]:
    rows: list[Delivery] = []
    for notification in notifications:
        if want_push:
            rows.append(_row(notification, Delivery.Channel.PUSH, now))
        if not want_sms:
            continue
        mobile = _usable_mobile(people[notification.user_id])
        row = _row(notification, Delivery.Channel.SMS, now, target=mobile)
        if not mobile:
            row.state = State.SKIPPED
            row.error_code = "no_mobile"
            row.error = "该人员没有可用的手机号，仅网页推送"
        rows.append(row)
    return rows


def _row(notification: Notification, channel: str, now: datetime, target: str = "") -> Delivery:
    return Delivery(
        notification=notification, channel=channel, target=target, created_at=now, updated_at=now
    )


def _enqueue(delivery_ids: list[int], *, run_after: datetime | None = None) -> None:
    """Store the delivery job; in the caller's transaction when the backend is the database.

    Other back ends (the immediate one of browser tests) run the job at
    enqueue: they get it after commit, so it sees the committed rows.
    """
    from push.tasks import deliver  # the job module imports this one

    if run_after and not task_backends[deliver.backend].supports_defer:
        # A back end that cannot hold a job until later (the immediate one of the
        # browser tests) must not run it now: the rows keep `next_attempt_at`,
        # and `push_resume` enqueues them once that time has passed.
        return
    job = deliver.using(run_after=run_after) if run_after else deliver
    if isinstance(task_backends[job.backend], DatabaseBackend):
        job.enqueue(delivery_ids)
    else:
        transaction.on_commit(lambda: job.enqueue(delivery_ids))


# --- the delivery job ------------------------------------------------------------------------


def deliver(delivery_ids: list[int]) -> None:
    """Run each delivery once; a failure of one never stops the others."""
    for delivery_id in delivery_ids:
        try:
            channel = Delivery.objects.values_list("channel", flat=True).get(pk=delivery_id)
        except Delivery.DoesNotExist:
            continue
        if channel == Delivery.Channel.PUSH:
            push_deliver(delivery_id)
        else:
            sms_deliver(delivery_id)


def _claimable(delivery: Delivery, now: datetime) -> bool:
    """pending/retry are ours to take; `sending` only when its claim went stale."""
    if delivery.state in (State.PENDING, State.RETRY):
        return True
    stale = now - timedelta(seconds=settings.ZT_DELIVERY_STALE_SECONDS)
    return delivery.state == State.SENDING and delivery.updated_at < stale


def _finish(
    delivery: Delivery, state: str, *, code: str = "", error: str = "", **extra: Any
) -> None:
    delivery.state = state
    delivery.error_code = code[:64]
    delivery.error = error[:512]
    delivery.updated_at = timezone.now()
    for name, value in extra.items():
        setattr(delivery, name, value)
    fields = ["state", "error_code", "error", "updated_at", *extra]
    delivery.save(update_fields=fields)


def _dropped_or_held(delivery: Delivery, notification: Notification, now: datetime) -> bool:
    """Before a claim (the row locked): True when the delivery was skipped or put off.

    Skipped when the rule's condition says it is no longer needed (read,
    online, done); put off to the end of the person's quiet hours unless the
    kind is exempt (加急). Both are decided now, at delivery time, not when
    the notification was created.
    """
    reason = rules.not_needed(
        notification.condition, notification.user_id, notification.condition_ref
    )
    if reason:
        _finish(delivery, State.SKIPPED, code="not_needed", error=reason)
        return True
    if notification.kind in EXEMPT_KINDS:
        return False
    until = quiet_until(selectors.settings_get(user_id=notification.user_id), now)
    if until is None:
        return False
    _finish(
        delivery,
        State.PENDING,
        code="quiet_hours",
        error=f"免打扰时段，{until:%H:%M}后发送",
        next_attempt_at=until,
    )
    _enqueue([delivery.pk], run_after=until)
    return True


def backoff_seconds(attempts: int, retry_after: int | None = None) -> float:
    """Exponential back-off from the attempt count; a server's Retry-After wins if longer."""
    delay = settings.ZT_DELIVERY_BACKOFF_SECONDS * 2 ** max(0, attempts - 1)
    delay = min(delay, settings.ZT_DELIVERY_BACKOFF_MAX_SECONDS)
    return max(delay, float(retry_after or 0))


def _retry_or_fail(
    delivery: Delivery, code: str, error: str, retry_after: int | None = None, **extra: Any
) -> None:
    if delivery.attempts >= settings.ZT_DELIVERY_MAX_ATTEMPTS:
        _finish(
            delivery,
            State.FAILED,
            code=code,
            error=f"重试{delivery.attempts}次后仍失败: {error}",
            **extra,
        )
        return
    when = timezone.now() + timedelta(seconds=backoff_seconds(delivery.attempts, retry_after))
    with transaction.atomic():
        _finish(delivery, State.RETRY, code=code, error=error, next_attempt_at=when, **extra)
        _enqueue([delivery.pk], run_after=when)


# --- web push -----------------------------------------------------------------------------------


def push_deliver(delivery_id: int) -> None:
    """Send one notification to every device of its person (the devices not yet reached)."""
    with transaction.atomic():
        delivery = Delivery.objects.select_for_update().filter(pk=delivery_id).first()
        now = timezone.now()
        if delivery is None or not _claimable(delivery, now):
            return
        notification = Notification.objects.get(pk=delivery.notification_id)
        if _dropped_or_held(delivery, notification, now):
            return
        delivery.attempts += 1
        # Taken: no attempt is scheduled any more (push_resume judges it by updated_at).
        _finish(delivery, State.SENDING, attempts=delivery.attempts, next_attempt_at=None)
    devices = list(
        PushSubscription.objects.filter(user_id=notification.user_id).exclude(pk__in=delivery.done)
    )
    if not devices and not delivery.done:
        _finish(delivery, State.SKIPPED, code="no_device", error="该人员没有开启网页推送的设备")
        return
    spec = kind_of(notification.kind)
    data = webpush.payload_for(
        notification, selectors.settings_get(user_id=notification.user_id).lock_screen
    )
    topic = webpush.topic_for(notification.tag) if spec.collapse and notification.tag else ""
    results = _push_to_devices(
        devices, data, urgency=notification.urgency, ttl=spec.ttl_seconds, topic=topic
    )
    done = [*delivery.done, *results.accepted]
    if results.transient:
        _retry_or_fail(
            delivery, "push_unavailable", results.summary(), results.retry_after, done=done
        )
    elif done:
        _finish(
            delivery,
            State.SENT,
            error=results.summary(),
            done=done,
            sent_at=timezone.now(),
            provider="webpush",
        )
    else:
        _finish(
            delivery, State.FAILED, code=results.failure_code(), error=results.summary(), done=done
        )


@dataclass
class _DeviceResults:
    accepted: list[int]
    gone: int = 0
    rejected: int = 0
    transient: int = 0
    retry_after: int | None = None
    last_error: str = ""

    def summary(self) -> str:
        parts = []
        if self.gone:
            parts.append(f"{self.gone}台设备订阅已失效并移除")
        if self.rejected:
            parts.append(f"{self.rejected}台设备被推送服务拒绝")
        if self.transient:
            parts.append(f"{self.transient}台设备暂时无法送达")
        if self.last_error:
            parts.append(self.last_error)
        return ";".join(parts)

    def failure_code(self) -> str:
        return "subscription_gone" if self.gone and not self.rejected else "push_rejected"


def _push_to_devices(
    devices: list[PushSubscription], data: dict[str, Any], *, urgency: str, ttl: int, topic: str
) -> _DeviceResults:
    results = _DeviceResults(accepted=[])
    for device in devices:
        result = webpush.send(device, data, urgency=urgency, ttl=ttl, topic=topic)
        if result.outcome == webpush.Outcome.ACCEPTED:
            results.accepted.append(device.pk)
            PushSubscription.objects.filter(pk=device.pk).update(last_success_at=timezone.now())
        elif result.outcome == webpush.Outcome.GONE:
            results.gone += 1
            PushSubscription.objects.filter(pk=device.pk).delete()
            logger.info("push subscription %s gone (%s), removed", device.pk, result.status)
        elif result.outcome == webpush.Outcome.TRANSIENT:
            results.transient += 1
            results.retry_after = max(results.retry_after or 0, result.retry_after or 0) or None
            results.last_error = f"HTTP {result.status or '-'} {result.detail}".strip()
        else:
            results.rejected += 1
            results.last_error = f"HTTP {result.status} {result.detail}".strip()
    return results


# --- SMS ---------------------------------------------------------------------------------------


def sms_deliver(delivery_id: int) -> None:
    """Send one SMS at most once.

    The claim (state `sending`, committed) comes before the provider call. If
    the worker dies after the provider took the message, the row stays
    `sending`; a later run that finds it so marks it `uncertain` instead of
    sending again (`deliveries_resume`). Only failures the gateway calls
    transient are retried.
    """
    claimed = _sms_claim(delivery_id)
    if claimed is None:
        return
    delivery, message = claimed
    try:
        sent = sms.gateway().send(message)
    except sms.SmsError as error:
        if error.transient:
            _retry_or_fail(delivery, error.code, error.message)
        else:
            _finish(delivery, State.FAILED, code=error.code, error=error.message)
        return
    _finish(delivery, State.SENT, provider_message_id=sent.provider_message_id[:128])


def _sms_claim(delivery_id: int) -> tuple[Delivery, sms.SmsMessage] | None:
    """Take the row for sending, or settle it without sending; None = nothing to send.

    Locks the person's row so two workers cannot both pass the per-number
    rate limit for the same number (a mobile number belongs to one person).
    """
    with transaction.atomic():
        user_id = (
            Delivery.objects.filter(pk=delivery_id)
            .values_list("notification__user_id", flat=True)
            .first()
        )
        if user_id is None:
            return None
        User.objects.select_for_update().filter(pk=user_id).first()
        delivery = Delivery.objects.select_for_update().get(pk=delivery_id)
        notification = Notification.objects.get(pk=delivery.notification_id)
        now = timezone.now()
        if delivery.state == State.SENDING and _claimable(delivery, now):
            _finish(
                delivery,
                State.UNCERTAIN,
                code="interrupted",
                error="发送过程中断，为避免重复短信不再重发",
            )
            return None
        if not _claimable(delivery, now):
            return None
        if _dropped_or_held(delivery, notification, now):
            return None
        refusal = _sms_refusal(delivery, now)
        if refusal:
            _finish(delivery, State.SKIPPED, code=refusal[0], error=refusal[1])
            return None
        delivery.attempts += 1
        provider = sms.gateway().name
        _finish(
            delivery,
            State.SENDING,
            attempts=delivery.attempts,
            sent_at=now,
            provider=provider,
            next_attempt_at=None,
        )
    message = sms.SmsMessage(
        mobile=delivery.target,
        template=notification.sms_template,
        params=_sms_params(notification.sms_params),
        sign_name=settings.ZT_SMS_SIGN_NAME,
        out_id=f"zt-{delivery.pk}",
    )
    return delivery, message


def _sms_refusal(delivery: Delivery, now: datetime) -> tuple[str, str] | None:
    notification = delivery.notification
    setting = kind_of(notification.kind).sms_setting
    if setting and not getattr(selectors.settings_get(user_id=notification.user_id), setting):
        return "sms_off", "本人已关闭此类短信提醒"
    handed = Delivery.objects.filter(
        channel=Delivery.Channel.SMS,
        target=delivery.target,
        state__in=[State.SENDING, State.SENT, State.UNCERTAIN],
    ).exclude(pk=delivery.pk)
    if handed.filter(sent_at__gte=now - timedelta(hours=1)).count() >= settings.ZT_SMS_MAX_PER_HOUR:
        return "rate_limited", f"该号码1小时内已发送{settings.ZT_SMS_MAX_PER_HOUR}条短信"
    if handed.filter(sent_at__gte=now - timedelta(days=1)).count() >= settings.ZT_SMS_MAX_PER_DAY:
        return "rate_limited", f"该号码24小时内已发送{settings.ZT_SMS_MAX_PER_DAY}条短信"
    return None


# --- recovery ----------------------------------------------------------------------------------


def deliveries_resume() -> int:
    """Re-enqueue deliveries whose job died with a worker; returns how many.

    A worker killed mid-job leaves its task row RUNNING for ever and the
    delivery `pending`/`retry`/`sending`. Enqueuing again is safe: the claim
    step takes a row only in a state it may act on, so SMS left `sending`
    become `uncertain`, never a second message. Run by `manage.py
    push_resume` (cron or the worker's start).
    """
    stale = timezone.now() - timedelta(seconds=settings.ZT_DELIVERY_STALE_SECONDS)
    ids = list(
        Delivery.objects.filter(
            state__in=[State.PENDING, State.RETRY, State.SENDING], updated_at__lt=stale
        )
        .exclude(next_attempt_at__gt=stale)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    with transaction.atomic():
        for start in range(0, len(ids), JOB_CHUNK):
            _enqueue(ids[start : start + JOB_CHUNK])
    return len(ids)


# --- subscriptions and settings (REST) -----------------------------------------------------------


@dataclass(frozen=True)
class SubscriptionInput:
    endpoint: str
    p256dh: str
    auth: str
    user_agent: str = ""


class InvalidSubscription(InvalidInput):
    entry = codes.INVALID_SUBSCRIPTION


def subscription_check(data: SubscriptionInput) -> None:
    """Refuse a malformed subscription now rather than fail on every push later."""
    parts = urlsplit(data.endpoint)
    loopback = parts.hostname in ("127.0.0.1", "localhost", "::1")
    if len(data.endpoint) > 2048 or not parts.hostname or parts.scheme not in ("https", "http"):
        raise InvalidSubscription.of(codes.INVALID_ENDPOINT, "推送地址格式不正确")
    if parts.scheme == "http" and not (loopback and settings.ZT_PUSH_ALLOW_HTTP_LOOPBACK):
        raise InvalidSubscription.of(codes.ENDPOINT_NOT_HTTPS, "推送地址必须使用 HTTPS")
    try:
        point = vapid.b64url_decode(data.p256dh)
        secret = vapid.b64url_decode(data.auth)
        ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), point)
    except (ValueError, binascii.Error):
        raise InvalidSubscription.of(codes.INVALID_P256DH, "设备公钥(p256dh)无效") from None
    if len(point) != 65:
        raise InvalidSubscription.of(codes.INVALID_P256DH, "设备公钥(p256dh)长度应为65字节")
    if len(secret) != 16:
        raise InvalidSubscription.of(codes.INVALID_AUTH, "认证密钥(auth)长度应为16字节")


def subscription_save(
    *, actor: User, data: SubscriptionInput, context: RequestContext = NO_CONTEXT
) -> PushSubscription:
    """Register this device for web push (idempotent per endpoint); checks it first.

    An endpoint once held by another person moves to the actor: a browser
    profile belongs to whoever is logged in on it now.
    """
    subscription_check(data)
    now = timezone.now()
    with transaction.atomic():
        existing = (
            PushSubscription.objects.select_for_update().filter(endpoint=data.endpoint).first()
        )
        if (
            existing is None
            and PushSubscription.objects.filter(user=actor).count()
            >= settings.ZT_PUSH_MAX_SUBSCRIPTIONS
        ):
            oldest = PushSubscription.objects.filter(user=actor).order_by("created_at").first()
            if oldest is not None:
                oldest.delete()
        subscription = existing or PushSubscription(endpoint=data.endpoint, created_at=now)
        subscription.user = actor
        subscription.p256dh = data.p256dh
        subscription.auth = data.auth
        subscription.user_agent = data.user_agent[:256]
        subscription.save()
        if existing is None:
            audit_record("push.subscribe", actor=actor, target=subscription, context=context)
    return subscription


def subscription_delete(
    *, actor: User, endpoint: str, context: RequestContext = NO_CONTEXT
) -> bool:
    """Forget the actor's subscription for this endpoint; False if there was none."""
    with transaction.atomic():
        deleted, _ = PushSubscription.objects.filter(user=actor, endpoint=endpoint).delete()
        if deleted:
            audit_record(
                "push.unsubscribe", actor=actor, data={"endpoint": endpoint[:100]}, context=context
            )
    return bool(deleted)


SETTING_FIELDS = ("lock_screen", "quiet_start", "quiet_end", "sms_urgent", "sms_deadlines")


def settings_update(*, actor: User, changes: Mapping[str, Any]) -> NotificationSettings:
    """Change some of the actor's 通知设置; unknown keys are refused."""
    unknown = set(changes) - set(SETTING_FIELDS)
    if unknown:
        raise InvalidInput.of(codes.UNKNOWN_SETTING, f"未知的设置项: {', '.join(sorted(unknown))}")
    with transaction.atomic():
        row, _ = NotificationSettings.objects.select_for_update().get_or_create(user=actor)
        for name, value in changes.items():
            setattr(row, name, value)
        row.updated_at = timezone.now()
        row.full_clean(exclude=["user"])
        row.save()
    return row


def _sms_params(stored: Any) -> dict[str, str]:
    """The SMS parameters in the caller's order (rows written before pairs were objects)."""
    pairs = stored.items() if isinstance(stored, dict) else stored
    return {str(key): str(value) for key, value in pairs}
