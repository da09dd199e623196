"""Two-factor login: the login step after the password, enrolment, policy, resets.

The flow (every channel: the PWA session, a native token, `/admin/login/`):

1. `login_begin`: the password through `directory.services.login_check`
   (lockout, audit, the same answer for unknown numbers). Someone who needs
   no second factor is logged in there and then. Someone who does gets a
   `Challenge` (a short-lived token) and the methods they may use; someone
   who must use one but has none enrolled gets `enrol=True` and may only
   enrol (a TOTP key or SMS to their mobile) — there is no way round it.
2. `login_sms_send` (optional): a 6-digit code by SMS through `push.services`
   (a durable job; exempt from quiet hours), at most every
   `ZT_TWO_FACTOR_SMS_RESEND_SECONDS`, `ZT_TWO_FACTOR_SMS_PER_LOGIN` per
   challenge and `ZT_TWO_FACTOR_SMS_PER_HOUR` per person.
3. `login_verify`: a TOTP code, an SMS code or a recovery code. A wrong code
   counts towards the challenge's `ZT_TWO_FACTOR_MAX_ATTEMPTS` *and* the
   account's password lockout (per number and source). A right one ends the
   challenge and records the login (`auth.login`); an enrolment done here
   hands out recovery codes once.

Everything is audited (`2fa.*`).
"""

from __future__ import annotations

import hashlib
import hmac
import io
import re
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import pyotp
import segno
from django.conf import settings
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from backend.audit.services import NO_CONTEXT, RequestContext, audit_record
from backend.common import error_catalogue as codes
from backend.common.errors import (
    Conflict,
    InvalidInput,
    NotFound,
    PermissionDenied,
    RateLimited,
    ZtError,
)
from backend.directory import duties
from backend.directory import services as directory
from backend.directory.models import MOBILE_RE, Position, Role, RoleAssignment, Unit, User
from backend.twofactor.models import Challenge, RecoveryCode, SecondFactor, UnitPolicy
from push import services as push

TOTP = "totp"
SMS = "sms"
RECOVERY = "recovery"
METHODS = (TOTP, SMS, RECOVERY)
RECOVERY_CODES = 10
ISSUER = "政通"


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


# --- who needs it ---------------------------------------------------------------------


def required_for(user: User) -> bool:
    """Administrators always (staff, superuser, any of the 三员 duties); everyone holding
    a position in a unit whose policy requires it."""
    if user.is_staff or user.is_superuser or duties.duties_of(user):
        return True
    units = Position.objects.filter(user=user).values("department__unit_id")
    return UnitPolicy.objects.filter(unit_id__in=units, required=True).exists()


def applies(user: User) -> bool:
    """A second factor is asked of this person at login: required, or enrolled by choice."""
    return required_for(user) or _enrolled(factor_of(user))


def factor_of(user: User) -> SecondFactor | None:
    return SecondFactor.objects.filter(user=user).first()


def _enrolled(factor: SecondFactor | None) -> bool:
    return factor is not None and factor.enrolled


def _recovery_left(user: User) -> int:
    return RecoveryCode.objects.filter(user=user, used_at__isnull=True).count()


def login_methods(user: User, factor: SecondFactor | None) -> list[str]:
    """What the person may answer a login challenge with; at enrolment, what they may enrol."""
    if factor is None or not factor.enrolled:
        return [TOTP, SMS] if _sms_reachable(user) else [TOTP]
    methods = []
    if factor.totp_on:
        methods.append(TOTP)
    if factor.sms_on and _sms_reachable(user):
        methods.append(SMS)
    if _recovery_left(user):
        methods.append(RECOVERY)
    return methods


def _sms_reachable(user: User) -> bool:
    return bool(re.match(MOBILE_RE, user.mobile or ""))


# --- the login step -------------------------------------------------------------------


@dataclass(frozen=True)
class LoginStep:
    """`login_begin`'s answer: logged in (`challenge_key` None) or a second factor asked."""

    user: User
    challenge_key: str | None = None
    expires_at: datetime | None = None
    methods: list[str] = field(default_factory=list)
    enrol: bool = False


@dataclass(frozen=True)
class LoginDone:
    user: User
    channel: str
    device_name: str
    recovery_codes: list[str] | None = None


def login_begin(
    *,
    mobile: str,
    password: str,
    channel: str,
    context: RequestContext = NO_CONTEXT,
    device_name: str = "",
) -> LoginStep:
    """The password step of every login; see the module docstring."""
    needs = directory.second_factor_needed(mobile)
    user = directory.login_check(
        mobile=mobile, password=password, context=context, channel=_via(channel), complete=not needs
    )
    if not needs:
        return LoginStep(user=user)
    factor = factor_of(user)
    enrol = not _enrolled(factor)
    methods = login_methods(user, factor)
    key = secrets.token_urlsafe(32)
    now = timezone.now()
    with transaction.atomic():
        challenge = Challenge.objects.create(
            user=user,
            purpose=Challenge.Purpose.LOGIN,
            channel=channel,
            digest=_digest(key),
            device_name=device_name[:64],
            created_at=now,
            expires_at=now + timedelta(seconds=settings.ZT_TWO_FACTOR_CHALLENGE_SECONDS),
        )
        audit_record(
            "2fa.challenge",
            actor=user,
            target=challenge,
            data={"via": channel, "methods": methods, "enrol": enrol},
            context=context,
        )
    return LoginStep(
        user=user, challenge_key=key, expires_at=challenge.expires_at, methods=methods, enrol=enrol
    )


SESSION_CHANNEL = "session"
# A channel name, not a secret:
TOKEN_CHANNEL = "token"  # noqa: S105  # nosec B105
ADMIN_CHANNEL = "admin"


def _via(channel: str) -> str:
    """The login audit's `via` (api / admin), as before two-factor login existed."""
    return ADMIN_CHANNEL if channel == ADMIN_CHANNEL else "api"


def _login_challenge(key: str, channel: str | None) -> Challenge:
    """The live login challenge of `key` for `channel`, row-locked; or the one answer
    for every reason it is not (unknown, other channel, used, expired, out of attempts)."""
    found = Challenge.objects.select_for_update().filter(
        digest=_digest(key or ""), purpose=Challenge.Purpose.LOGIN
    )
    if channel is not None:  # finishing: only on the channel it was issued for
        found = found.filter(channel=channel)
    challenge = found.select_related("user").first()
    if (
        challenge is None
        or challenge.used_at is not None
        or challenge.expires_at <= timezone.now()
        or challenge.attempts >= settings.ZT_TWO_FACTOR_MAX_ATTEMPTS
        or not challenge.user.is_active
    ):
        raise InvalidInput.of(codes.TWO_FACTOR_CHALLENGE_INVALID)
    return challenge


@dataclass(frozen=True)
class StepState:
    methods: list[str]
    enrol: bool


def login_step_state(*, key: str, channel: str | None = None) -> StepState | None:
    """What a live login challenge offers (the admin's page shows it); None when it is dead."""
    try:
        with transaction.atomic():
            challenge = _login_challenge(key, channel)
    except InvalidInput:
        return None
    factor = factor_of(challenge.user)
    return StepState(methods=login_methods(challenge.user, factor), enrol=not _enrolled(factor))


@dataclass(frozen=True)
class TotpSetup:
    secret: str
    otpauth_uri: str
    qr_svg: str


def _totp_setup(challenge: Challenge) -> TotpSetup:
    if not challenge.pending_secret:
        challenge.pending_secret = pyotp.random_base32()
        challenge.save(update_fields=["pending_secret"])
    return totp_setup_of(challenge.user, challenge.pending_secret)


def totp_setup_of(user: User, secret: str) -> TotpSetup:
    """The key three ways: as text, as an `otpauth://` URI, as a QR code (SVG) of it."""
    uri = pyotp.TOTP(secret).provisioning_uri(name=user.mobile, issuer_name=ISSUER)
    out = io.BytesIO()
    # A standalone SVG document (with its namespace): clients may show it as an image.
    segno.make(uri, error="m").save(
        out, kind="svg", xmldecl=False, svgns=True, omitsize=True, border=2, dark="#1f2329"
    )
    svg = out.getvalue().decode()
    return TotpSetup(secret=secret, otpauth_uri=uri, qr_svg=svg)


def login_totp_setup(*, key: str) -> TotpSetup:
    """Enrolment at login (a person who must use a second factor and has none): the new key."""
    with transaction.atomic():
        challenge = _login_challenge(key, None)
        if _enrolled(factor_of(challenge.user)):
            raise InvalidInput.of(codes.TWO_FACTOR_METHOD_UNAVAILABLE)
        return _totp_setup(challenge)


@dataclass(frozen=True)
class SmsSent:
    sent_to: str
    expires_at: datetime
    resend_after: int


def login_sms_send(*, key: str, context: RequestContext = NO_CONTEXT) -> SmsSent:
    """Text a login code (or, at enrolment, the code that turns SMS on)."""
    with transaction.atomic():
        challenge = _login_challenge(key, None)
        if SMS not in login_methods(challenge.user, factor_of(challenge.user)):
            raise InvalidInput.of(codes.TWO_FACTOR_METHOD_UNAVAILABLE)
        sent = _sms_send(challenge, context)
    return _sent_or_raise(sent)


def _sent_or_raise(sent: SmsSent | ZtError) -> SmsSent:
    if isinstance(sent, ZtError):
        raise sent
    return sent


def _sms_send(challenge: Challenge, context: RequestContext) -> SmsSent | ZtError:
    """Send a new code for `challenge` (row-locked by the caller), within the limits; a
    refusal is returned (its audit entry must commit: the caller raises it afterwards)."""
    user = challenge.user
    now = timezone.now()
    resend = settings.ZT_TWO_FACTOR_SMS_RESEND_SECONDS
    if challenge.sms_last_sent_at is not None:
        wait = resend - int((now - challenge.sms_last_sent_at).total_seconds())
        if wait > 0:
            return RateLimited.of(codes.SMS_CODE_TOO_SOON, f"验证码已发送，请{wait}秒后再试")
    hour_ago = now - timedelta(hours=1)
    sent_this_hour = (
        Challenge.objects.filter(user=user, sms_last_sent_at__gte=hour_ago).aggregate(
            n=Sum("sms_sends")
        )["n"]
        or 0
    )
    if (
        challenge.sms_sends >= settings.ZT_TWO_FACTOR_SMS_PER_LOGIN
        or sent_this_hour >= settings.ZT_TWO_FACTOR_SMS_PER_HOUR
    ):
        audit_record("2fa.sms_refused", actor=user, target=challenge, context=context)
        return RateLimited.of(codes.SMS_CODE_LIMIT)
    code = f"{secrets.randbelow(10**6):06d}"
    challenge.sms_code_digest = _digest(f"{challenge.pk}:{code}")
    challenge.sms_code_expires_at = now + timedelta(seconds=settings.ZT_TWO_FACTOR_SMS_CODE_SECONDS)
    challenge.sms_sends += 1
    challenge.sms_last_sent_at = now
    challenge.save(
        update_fields=["sms_code_digest", "sms_code_expires_at", "sms_sends", "sms_last_sent_at"]
    )
    minutes = max(1, settings.ZT_TWO_FACTOR_SMS_CODE_SECONDS // 60)
    push.notify(
        [user.pk],
        kind="login_code",
        title="登录验证码",
        body="",
        push=False,
        dedup_key=f"2fa:{challenge.pk}:{challenge.sms_sends}",
        sms_params={"code": code, "minutes": str(minutes)},
    )
    sent_to = f"{user.mobile[:3]}****{user.mobile[-4:]}"
    audit_record(
        "2fa.sms_sent",
        actor=user,
        target=challenge,
        data={"to": sent_to, "purpose": challenge.purpose},
        context=context,
    )
    return SmsSent(sent_to=sent_to, expires_at=challenge.sms_code_expires_at, resend_after=resend)


def login_verify(
    *, key: str, channel: str, method: str, code: str, context: RequestContext = NO_CONTEXT
) -> LoginDone:
    """Finish a login with a second-factor code (or enrol with it, when that is due)."""
    error: ZtError | None = None
    with transaction.atomic():
        challenge = _login_challenge(key, channel)
        user = challenge.user
        locked = directory.login_locked_until(user=user, context=context)
        if locked is not None:
            raise directory.account_locked_error(locked)
        factor = factor_of(user)
        if method not in login_methods(user, factor):
            raise InvalidInput.of(codes.TWO_FACTOR_METHOD_UNAVAILABLE)
        now = timezone.now()
        fresh: list[str] | None = None
        if factor is None or not factor.enrolled:  # enrolment is due: the code enrols
            step = _enrolment_code_ok(challenge, method, code, now)
            ok = step is not None
            if step is not None:
                fresh = _enable(user, challenge, method, step, now, context)
        else:
            ok = _code_ok(user, factor, challenge, method, code, now)
        if ok:
            challenge.used_at = now
            challenge.save(update_fields=["used_at"])
            audit_record(
                "2fa.verified",
                actor=user,
                target=challenge,
                data={"via": channel, "method": method},
                context=context,
            )
            directory.login_complete(user=user, context=context, channel=_via(channel))
        else:
            challenge.attempts += 1
            challenge.save(update_fields=["attempts"])
            audit_record(
                "2fa.failed",
                actor=user,
                target=challenge,
                data={"via": channel, "method": method, "attempt": challenge.attempts},
                context=context,
            )
            error = directory.second_factor_failure_record(
                user=user, context=context, channel=_via(channel)
            ) or InvalidInput.of(codes.TWO_FACTOR_CODE_INVALID)
    if error is not None:
        raise error
    return LoginDone(
        user=user, channel=channel, device_name=challenge.device_name, recovery_codes=fresh
    )


def _code_ok(
    user: User,
    factor: SecondFactor,
    challenge: Challenge,
    method: str,
    code: str,
    now: datetime,
) -> bool:
    code = code.strip().replace(" ", "")
    if method == TOTP:
        step = _totp_step(factor.totp_secret, code, factor.totp_last_step, now)
        if step is None:
            return False
        factor.totp_last_step = step
        factor.save(update_fields=["totp_last_step"])
        return True
    if method == SMS:
        return _sms_code_ok(challenge, code, now)
    return _recovery_use(user, code, now)


def _totp_step(secret: str, code: str, last_step: int, now: datetime) -> int | None:
    """The time step (30 s) `code` belongs to, the one before or after now (clock drift),
    and later than the last accepted one (no replay); None if it matches none."""
    if not secret or len(code) != 6 or not code.isdigit():
        return None
    totp = pyotp.TOTP(secret)
    current = int(now.timestamp()) // totp.interval
    for step in (current - 1, current, current + 1):
        if step > last_step and hmac.compare_digest(totp.at(step * totp.interval), code):
            return step
    return None


def _sms_code_ok(challenge: Challenge, code: str, now: datetime) -> bool:
    """The last SMS code of `challenge`, within its validity; single use (cleared)."""
    if (
        not challenge.sms_code_digest
        or challenge.sms_code_expires_at is None
        or challenge.sms_code_expires_at <= now
    ):
        return False
    if not hmac.compare_digest(challenge.sms_code_digest, _digest(f"{challenge.pk}:{code}")):
        return False
    challenge.sms_code_digest = ""
    challenge.save(update_fields=["sms_code_digest"])
    return True


def _recovery_use(user: User, code: str, now: datetime) -> bool:
    normalized = code.lower().replace("-", "")
    row = (
        RecoveryCode.objects.select_for_update()
        .filter(user=user, digest=_digest(normalized), used_at__isnull=True)
        .first()
    )
    if row is None:
        return False
    row.used_at = now
    row.save(update_fields=["used_at"])
    return True


def _enrolment_code_ok(challenge: Challenge, method: str, code: str, now: datetime) -> int | None:
    """The code confirms the enrolment in progress: the TOTP time step it belongs to
    (0 for SMS), or None."""
    code = code.strip().replace(" ", "")
    if method == TOTP:
        if not challenge.pending_secret:
            raise Conflict.of(codes.TWO_FACTOR_NOT_STARTED)
        return _totp_step(challenge.pending_secret, code, 0, now)
    if method == SMS:
        if not challenge.sms_code_digest:
            raise Conflict.of(codes.TWO_FACTOR_NOT_STARTED)
        return 0 if _sms_code_ok(challenge, code, now) else None
    raise InvalidInput.of(codes.TWO_FACTOR_METHOD_UNAVAILABLE)


def _enable(
    user: User,
    challenge: Challenge,
    method: str,
    step: int,
    now: datetime,
    context: RequestContext,
) -> list[str]:
    """Turn `method` on from a confirmed challenge; new recovery codes (returned once).
    `step`: the TOTP time step of the confirming code, never accepted again."""
    factor, _ = SecondFactor.objects.select_for_update().get_or_create(user=user)
    if method == TOTP:
        factor.totp_secret = challenge.pending_secret
        factor.totp_confirmed_at = now
        factor.totp_last_step = step
    else:
        factor.sms_enabled_at = now
    factor.updated_at = now
    factor.save()
    # Clearing the key being enrolled (now the factor's), not a password:
    challenge.pending_secret = ""  # nosec B105
    challenge.save(update_fields=["pending_secret"])
    # A second method added later keeps the codes the person already has.
    fresh = [] if _recovery_left(user) else _recovery_codes_issue(user, now)
    audit_record("2fa.enrol", actor=user, target=user, data={"method": method}, context=context)
    return fresh


def _recovery_codes_issue(user: User, now: datetime) -> list[str]:
    """Ten new single-use codes (`abcd-efgh`), replacing any earlier ones; only digests kept."""
    RecoveryCode.objects.filter(user=user).delete()
    alphabet = "abcdefghjkmnpqrstuvwxyz23456789"
    fresh = ["".join(secrets.choice(alphabet) for _ in range(8)) for _ in range(RECOVERY_CODES)]
    RecoveryCode.objects.bulk_create(
        RecoveryCode(user=user, digest=_digest(code), created_at=now) for code in fresh
    )
    return [f"{code[:4]}-{code[4:]}" for code in fresh]


# --- 我的 → 安全 → 两步验证 (signed in) ------------------------------------------------


@dataclass(frozen=True)
class Status:
    required: bool
    totp: bool
    sms: bool
    recovery_codes_left: int
    sms_to: str


def status_of(user: User) -> Status:
    factor = factor_of(user)
    return Status(
        required=required_for(user),
        totp=bool(factor and factor.totp_on),
        sms=bool(factor and factor.sms_on),
        recovery_codes_left=_recovery_left(user),
        sms_to=f"{user.mobile[:3]}****{user.mobile[-4:]}",
    )


def _setup_challenge(user: User) -> Challenge:
    """The person's enrolment in progress (one at a time), row-locked; a new one if none."""
    now = timezone.now()
    challenge = (
        Challenge.objects.select_for_update()
        .filter(
            user=user,
            purpose=Challenge.Purpose.SETUP,
            used_at__isnull=True,
            expires_at__gt=now,
            attempts__lt=settings.ZT_TWO_FACTOR_MAX_ATTEMPTS,
        )
        .order_by("-pk")
        .first()
    )
    if challenge is not None:
        return challenge
    return Challenge.objects.create(
        user=user,
        purpose=Challenge.Purpose.SETUP,
        digest=_digest(secrets.token_urlsafe(32)),
        created_at=now,
        expires_at=now + timedelta(seconds=settings.ZT_TWO_FACTOR_SETUP_SECONDS),
    )


def setup_totp_start(*, actor: User) -> TotpSetup:
    """A new authenticator key to scan; on only after `setup_confirm` with a code from it."""
    with transaction.atomic():
        User.objects.select_for_update().filter(pk=actor.pk).first()
        factor = factor_of(actor)
        if factor is not None and factor.totp_on:
            raise Conflict.of(codes.TWO_FACTOR_ALREADY_ON)
        return _totp_setup(_setup_challenge(actor))


def setup_sms_send(*, actor: User, context: RequestContext = NO_CONTEXT) -> SmsSent:
    """Text a code to the person's own mobile; confirming it turns SMS codes on."""
    with transaction.atomic():
        User.objects.select_for_update().filter(pk=actor.pk).first()
        factor = factor_of(actor)
        if factor is not None and factor.sms_on:
            raise Conflict.of(codes.TWO_FACTOR_ALREADY_ON)
        if not _sms_reachable(actor):
            raise InvalidInput.of(codes.TWO_FACTOR_METHOD_UNAVAILABLE)
        sent = _sms_send(_setup_challenge(actor), context)
    return _sent_or_raise(sent)


def setup_confirm(
    *, actor: User, method: str, code: str, context: RequestContext = NO_CONTEXT
) -> list[str]:
    """Confirm an enrolment with a code; returns the new recovery codes (shown once)."""
    if method not in (TOTP, SMS):
        raise InvalidInput.of(codes.TWO_FACTOR_METHOD_UNAVAILABLE)
    error: ZtError | None = None
    fresh: list[str] = []
    with transaction.atomic():
        User.objects.select_for_update().filter(pk=actor.pk).first()
        factor = factor_of(actor)
        if factor is not None and (factor.totp_on if method == TOTP else factor.sms_on):
            raise Conflict.of(codes.TWO_FACTOR_ALREADY_ON)
        challenge = _setup_challenge(actor)
        now = timezone.now()
        step = _enrolment_code_ok(challenge, method, code, now)
        if step is not None:
            fresh = _enable(actor, challenge, method, step, now, context)
            challenge.used_at = now
            challenge.save(update_fields=["used_at"])
        else:
            challenge.attempts += 1
            challenge.save(update_fields=["attempts"])
            audit_record("2fa.enrol_failed", actor=actor, data={"method": method}, context=context)
            error = InvalidInput.of(codes.TWO_FACTOR_CODE_INVALID)
    if error is not None:
        raise error
    return fresh


def disable(*, actor: User, password: str, context: RequestContext = NO_CONTEXT) -> None:
    """Turn two-factor login off (password asked again); refused where it is required."""
    with transaction.atomic():
        User.objects.select_for_update().filter(pk=actor.pk).first()
        if required_for(actor):
            raise PermissionDenied.of(codes.TWO_FACTOR_POLICY)
        if not actor.check_password(password):
            raise InvalidInput.of(codes.WRONG_PASSWORD, "密码不正确")
        _forget(actor)
        audit_record("2fa.disable", actor=actor, target=actor, context=context)


def recovery_codes_renew(
    *, actor: User, password: str, context: RequestContext = NO_CONTEXT
) -> list[str]:
    """New recovery codes (the old ones stop working); password asked again."""
    with transaction.atomic():
        User.objects.select_for_update().filter(pk=actor.pk).first()
        if not _enrolled(factor_of(actor)):
            raise Conflict.of(codes.TWO_FACTOR_NOT_STARTED)
        if not actor.check_password(password):
            raise InvalidInput.of(codes.WRONG_PASSWORD, "密码不正确")
        fresh = _recovery_codes_issue(actor, timezone.now())
        audit_record("2fa.recovery_renew", actor=actor, target=actor, context=context)
    return fresh


def _forget(user: User) -> None:
    SecondFactor.objects.filter(user=user).delete()
    RecoveryCode.objects.filter(user=user).delete()
    Challenge.objects.filter(user=user, used_at__isnull=True).update(expires_at=timezone.now())


# --- the unit administrator ------------------------------------------------------------


def _unit_admin_of(actor: User, unit_id: int) -> Unit:
    unit = Unit.objects.filter(pk=unit_id).first()
    if unit is None:
        raise NotFound.of(codes.UNIT_NOT_FOUND)
    if not RoleAssignment.objects.filter(user=actor, unit=unit, role=Role.UNIT_ADMIN).exists():
        raise PermissionDenied.of(codes.NOT_UNIT_ADMIN_OF)
    return unit


def policy_get(*, viewer: User, unit_id: int) -> UnitPolicy:
    unit = _unit_admin_of(viewer, unit_id)
    return UnitPolicy.objects.filter(unit=unit).first() or UnitPolicy(unit=unit, required=False)


def policy_set(
    *, actor: User, unit_id: int, required: bool, context: RequestContext = NO_CONTEXT
) -> UnitPolicy:
    """The unit's 单位管理员 requires (or stops requiring) two-factor login for everyone
    holding a position in the unit; audited with the value before."""
    with transaction.atomic():
        unit = _unit_admin_of(actor, unit_id)
        policy, _ = UnitPolicy.objects.select_for_update().get_or_create(unit=unit)
        before = policy.required
        policy.required = required
        policy.updated_at = timezone.now()
        policy.updated_by = actor
        policy.save()
        audit_record(
            "2fa.policy_set",
            actor=actor,
            target=unit,
            data={"required": required, "before": before},
            context=context,
        )
    return policy


def reset(*, actor: User, user_id: int, context: RequestContext = NO_CONTEXT) -> None:
    """A 单位管理员 clears the second factors of someone holding a position in their unit
    (a lost phone): their next login enrols again if it is required."""
    with transaction.atomic():
        target = User.objects.select_for_update().filter(pk=user_id, is_bot=False).first()
        if target is None:
            raise NotFound.of(codes.PERSON_NOT_FOUND)
        if target.pk == actor.pk:  # a stolen session must not shed the second factor
            raise PermissionDenied.of(codes.PERSON_NOT_IN_UNIT, "不能重置自己的两步验证")
        administered = RoleAssignment.objects.filter(user=actor, role=Role.UNIT_ADMIN).values(
            "unit_id"
        )
        if not Position.objects.filter(user=target, department__unit_id__in=administered).exists():
            raise PermissionDenied.of(codes.PERSON_NOT_IN_UNIT)
        had: dict[str, Any] = {}
        factor = factor_of(target)
        if factor is not None:
            had = {"totp": factor.totp_on, "sms": factor.sms_on}
        _forget(target)
        audit_record("2fa.reset", actor=actor, target=target, data=had, context=context)
