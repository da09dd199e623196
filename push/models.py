"""Out-of-band reach: devices that take web push, per-person settings, and the
delivery log (one notification per person, one delivery per channel).
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q


class PushSubscription(models.Model):
    """One browser/device that accepts web push for a person (W3C Push API).

    The endpoint is the push service URL the browser handed out; `p256dh` and
    `auth` are the subscription's public key and secret (base64url) used to
    encrypt every payload (RFC 8291). Rows the push service answers 404/410
    for are deleted.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="push_subscriptions"
    )
    endpoint = models.URLField("推送地址", max_length=2048, unique=True)
    p256dh = models.CharField(max_length=128)
    auth = models.CharField(max_length=64)
    user_agent = models.CharField(max_length=256, blank=True)
    created_at = models.DateTimeField()
    last_success_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "推送订阅"
        verbose_name_plural = "推送订阅"

    def __str__(self) -> str:
        return f"{self.user_id}: {self.endpoint[:60]}"


class LockScreen(models.TextChoices):
    FULL = "full", "显示发送人和内容"
    SENDER = "sender", "仅显示发送人"
    HIDDEN = "hidden", "仅提示“您有一条新消息”"


class NotificationSettings(models.Model):
    """A person's 通知设置. Absent row = the defaults below (selectors fill them in)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_settings"
    )
    lock_screen = models.CharField(
        max_length=8, choices=LockScreen.choices, default=LockScreen.FULL
    )
    quiet_start = models.TimeField(default=dt.time(22, 0))
    quiet_end = models.TimeField(default=dt.time(7, 0))
    sms_urgent = models.BooleanField("加急短信", default=True)
    sms_deadlines = models.BooleanField("到期提醒短信", default=True)
    updated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "通知设置"
        verbose_name_plural = "通知设置"

    def __str__(self) -> str:
        return f"通知设置 {self.user_id}"


class Notification(models.Model):
    """One thing one person is told about, through one or more channels.

    `dedup_key` (per person) makes `push.services.notify` idempotent: the same
    reminder asked for twice exists once. The text fields are the full detail;
    what reaches a lock screen is cut down by the person's setting at send time.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=16)
    title = models.CharField(max_length=128)
    body = models.CharField(max_length=512, blank=True)
    sender_name = models.CharField(max_length=64, blank=True)
    url = models.CharField(max_length=256, blank=True)
    tag = models.CharField(max_length=64, blank=True)
    urgency = models.CharField(max_length=8)
    dedup_key = models.CharField(max_length=128, blank=True)
    sms_template = models.CharField(max_length=64, blank=True)
    # [[name, value], …] in template order (jsonb would reorder an object's keys).
    sms_params = models.JSONField(default=list, blank=True)
    # Coalescing (chat messages): later messages of the same conversation update
    # this row while its push is still pending; `count` of them, the newest
    # position covered in `coalesce_seq` (a re-run of the fan-out skips it).
    coalesce_key = models.CharField(max_length=64, blank=True)
    coalesce_seq = models.BigIntegerField(default=0)
    count = models.PositiveIntegerField(default=1)
    # Asked again at delivery time (push.rules): a registered check may say the
    # notification is no longer needed (read, online, done) and it is skipped.
    condition = models.CharField(max_length=32, blank=True)
    condition_ref = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = "通知"
        verbose_name_plural = "通知"
        constraints = [
            models.UniqueConstraint(
                fields=["user", "dedup_key"],
                condition=~Q(dedup_key=""),
                name="push_notification_dedup",
            )
        ]
        indexes = [
            models.Index(fields=["user", "-created_at"]),
            models.Index(fields=["user", "coalesce_key", "coalesce_seq"]),
        ]

    def __str__(self) -> str:
        return f"{self.kind} → {self.user_id}: {self.title}"


class Delivery(models.Model):
    """One channel's attempt to reach one person for one notification.

    State machine (the worker moves it; `push.services` documents each step)::

        pending ──claim──▶ sending ──▶ sent
           ▲                  │──transient──▶ retry ──claim──▶ sending …
           │                  │──permanent / out of attempts──▶ failed
           └──────────────────┘ (push only: a crash while sending is retried)
        pending ──no mobile / no device / rate limit / setting off──▶ skipped
        sending (SMS, found again after a crash) ──▶ uncertain (never re-sent)

    The SMS row is committed in state `sending` *before* the provider call, so
    a worker that dies after the provider accepted the message can never send
    it twice: the retry finds `sending` and stops.
    """

    class Channel(models.TextChoices):
        PUSH = "push", "网页推送"
        SMS = "sms", "短信"

    class State(models.TextChoices):
        PENDING = "pending", "待发送"
        SENDING = "sending", "发送中"
        RETRY = "retry", "等待重试"
        SENT = "sent", "已发送"
        FAILED = "failed", "发送失败"
        SKIPPED = "skipped", "未发送"
        UNCERTAIN = "uncertain", "结果未知"

    notification = models.ForeignKey(
        Notification, on_delete=models.CASCADE, related_name="deliveries"
    )
    channel = models.CharField(max_length=8, choices=Channel.choices)
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    target = models.CharField(max_length=32, blank=True, help_text="短信: 手机号")
    attempts = models.PositiveSmallIntegerField(default=0)
    provider = models.CharField(max_length=32, blank=True)
    provider_message_id = models.CharField(max_length=128, blank=True)
    error_code = models.CharField(max_length=64, blank=True)
    error = models.CharField(max_length=512, blank=True)
    # push: the subscription ids already accepted, so a retry skips them.
    done = models.JSONField(default=list, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "投递记录"
        verbose_name_plural = "投递记录"
        constraints = [
            models.UniqueConstraint(
                fields=["notification", "channel"], name="push_delivery_one_per_channel"
            )
        ]
        indexes = [
            models.Index(fields=["channel", "target", "sent_at"]),
            models.Index(fields=["state", "updated_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.channel} #{self.notification_id}: {self.state}"
