"""Two-factor login (GB/T 22239 三级: password + a second factor).

A person's second factors (`SecondFactor`: an authenticator app's TOTP key,
SMS codes to their mobile), their single-use recovery codes
(`RecoveryCode`), the pending step of a login or an enrolment
(`Challenge`), and each unit's policy (`UnitPolicy`).
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from backend.directory.models import Unit, User


class SecondFactor(models.Model):
    """One person's enrolled second factors; no row (or neither enabled) = not enrolled.

    `totp_secret` is the authenticator's shared key (RFC 6238, base32);
    `totp_last_step` the last time step accepted, so a code is never accepted
    twice. `sms_enabled_at` set = SMS codes to the person's own mobile.
    """

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="second_factor")
    totp_secret = models.CharField(max_length=64, blank=True)
    totp_confirmed_at = models.DateTimeField(null=True, blank=True)
    totp_last_step = models.BigIntegerField(default=0)
    sms_enabled_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "两步验证"
        verbose_name_plural = "两步验证"

    def __str__(self) -> str:
        return f"两步验证 #{self.user_id}"

    @property
    def totp_on(self) -> bool:
        return self.totp_confirmed_at is not None and bool(self.totp_secret)

    @property
    def sms_on(self) -> bool:
        return self.sms_enabled_at is not None

    @property
    def enrolled(self) -> bool:
        return self.totp_on or self.sms_on


class RecoveryCode(models.Model):
    """A single-use recovery code, stored only as its SHA-256; shown once at enrolment."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    digest = models.CharField(max_length=64)
    used_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["user", "digest"])]

    def __str__(self) -> str:
        return f"恢复码 #{self.pk}"


class Challenge(models.Model):
    """A step between the password and the session, or an enrolment in progress.

    `purpose` login: the password was right; the holder of the token (only
    its SHA-256 is stored) has `ZT_TWO_FACTOR_CHALLENGE_SECONDS` and
    `ZT_TWO_FACTOR_MAX_ATTEMPTS` codes to finish the login it was issued
    for (`channel`: the PWA session, a native token, the admin). `setup`:
    a signed-in person enrolling from 我的 → 安全. `pending_secret` is a TOTP
    key being enrolled; `sms_code_digest` the SMS code last sent (valid for
    `ZT_TWO_FACTOR_SMS_CODE_SECONDS`, single use).
    """

    class Purpose(models.TextChoices):
        LOGIN = "login", "登录"
        SETUP = "setup", "设置"

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    purpose = models.CharField(max_length=8, choices=Purpose.choices)
    channel = models.CharField(max_length=8, blank=True)
    digest = models.CharField(max_length=64, unique=True)
    device_name = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    attempts = models.PositiveIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)
    pending_secret = models.CharField(max_length=64, blank=True)
    sms_code_digest = models.CharField(max_length=64, blank=True)
    sms_code_expires_at = models.DateTimeField(null=True, blank=True)
    sms_sends = models.PositiveIntegerField(default=0)
    sms_last_sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["user", "purpose"])]

    def __str__(self) -> str:
        return f"{self.get_purpose_display()}验证 #{self.pk}"


class UnitPolicy(models.Model):
    """A unit's two-factor policy: `required` = everyone holding a position in it must use
    a second factor. Changed by the unit's 单位管理员, audited (`2fa.policy_set`)."""

    unit = models.OneToOneField(Unit, on_delete=models.CASCADE, related_name="two_factor_policy")
    required = models.BooleanField(default=False)
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = "单位两步验证策略"
        verbose_name_plural = "单位两步验证策略"

    def __str__(self) -> str:
        return f"{self.unit_id}: {'必须' if self.required else '可选'}"
