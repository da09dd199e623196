"""Writes to the org directory."""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Callable
from datetime import datetime, timedelta
from importlib import import_module
from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import identify_hasher
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from pypinyin import Style, lazy_pinyin
from ua_parser import parse as ua_parse

from backend.audit.services import NO_CONTEXT, RequestContext, audit_record
from backend.common import error_catalogue as codes
from backend.common.errors import InvalidInput, NotFound, ZtError
from backend.directory import duties, sign_out, system_accounts, unit_setup
from backend.directory.models import (
    MOBILE_RE,
    Department,
    DeviceSession,
    LoginAttempt,
    PasswordHistory,
    Position,
    Role,
    RoleAssignment,
    Unit,
    User,
)

_MOBILE = re.compile(MOBILE_RE)


def normalize_mobile(raw: str) -> str:
    """Accept '+86 138-0013-8000', '8613800138000', '13800138000'; return 11 digits."""
    digits = re.sub(r"[\s\-()]", "", raw or "")
    if digits.startswith("+86"):
        digits = digits[3:]
    elif digits.startswith("0086"):
        digits = digits[4:]
    elif len(digits) == 13 and digits.startswith("86"):
        digits = digits[2:]
    if not _MOBILE.match(digits):
        raise InvalidInput.of(codes.INVALID_MOBILE)
    return digits


def name_pinyin(name: str) -> tuple[str, str]:
    """'张三' → ('zhangsan', 'zs'); used for directory search."""
    syllables = lazy_pinyin(name, style=Style.NORMAL, errors="ignore")
    full = "".join(syllables).lower()
    initials = "".join(s[0] for s in syllables if s).lower()
    return full, initials


def user_create(
    *,
    mobile: str,
    name: str,
    password: str | None,
    employee_no: str = "",
    password_hash: str | None = None,
    **extra: Any,
) -> User:
    """Create a person. `password_hash` (instead of `password`) stores an
    already hashed password, so seeding hundreds of people with one shared
    demo password hashes it once instead of once per person (argon2 is slow
    on purpose)."""
    mobile = normalize_mobile(mobile)
    if not name.strip():
        raise InvalidInput.of(codes.INVALID_NAME)
    if User.objects.filter(mobile=mobile).exists():
        raise InvalidInput.of(codes.MOBILE_TAKEN)
    full, initials = name_pinyin(name)
    fields: dict[str, Any] = {
        "name": name.strip(),
        "name_pinyin": full,
        "name_initials": initials,
        "employee_no": employee_no,
        **extra,
    }
    if password_hash is None:
        return User.objects.create_user(mobile, password, **fields)
    if password is not None:
        raise ValueError("pass either password or password_hash, not both")
    identify_hasher(password_hash)  # ValueError for anything that is not a known hash
    user = User(mobile=mobile, password=password_hash, **fields)
    user.save()
    return user


@transaction.atomic
def unit_create(
    *,
    name: str,
    code: str,
    level: str,
    kind: str,
    short_name: str = "",
    parent: Unit | None = None,
    order: int = 0,
) -> Unit:
    """The one way to create a unit: the row, then every app's set-up hook
    (`unit_setup`: e.g. approvals' built-in templates and rooms), in one transaction.
    """
    name, code = name.strip(), code.strip()
    if not name:
        raise InvalidInput.of(codes.INVALID_UNIT, "单位名称不能为空")
    if Unit.objects.filter(code=code).exists():
        raise InvalidInput.of(codes.UNIT_CODE_TAKEN)
    unit = Unit(
        name=name,
        short_name=short_name,
        code=code,
        level=level,
        kind=kind,
        parent=parent,
        order=order,
    )
    try:
        unit.full_clean(validate_unique=False)
    except ValidationError as error:
        fields = {key: "；".join(messages) for key, messages in error.message_dict.items()}
        raise InvalidInput.of(codes.INVALID_UNIT, fields=fields) from None
    unit.save()
    unit_setup.run(unit)
    return unit


def system_account_get(key: str) -> User:
    """The `User` of a registered system account (`system_accounts.register`), created on
    first use: never logs in (unusable password), never listed in the directory (`is_bot`).

    Safe under concurrency: the mobile is unique, so of two first uses racing,
    one inserts and the other's insert fails inside its savepoint and it reads
    the winner's row. Works inside or outside the caller's transaction.
    """
    account = system_accounts.get(key)
    bot = User.objects.filter(mobile=account.mobile).first()
    if bot is None:
        bot = _system_account_create(account)
    if not bot.is_bot:
        raise RuntimeError(f"{account.mobile} belongs to a person, not to {account.key!r}")
    return bot


def _system_account_create(account: system_accounts.SystemAccount) -> User:
    """Insert the account's row, or return the row a concurrent first use inserted."""
    full, initials = name_pinyin(account.name)
    bot = User(
        mobile=account.mobile,
        name=account.name,
        name_pinyin=full,
        name_initials=initials,
        is_bot=True,
    )
    bot.set_unusable_password()
    try:
        with transaction.atomic():  # a savepoint: a lost race leaves the caller's work intact
            bot.save(force_insert=True)
    except IntegrityError:
        return User.objects.get(mobile=account.mobile)
    return bot


@transaction.atomic
def position_assign(
    *,
    user: User,
    department: Department,
    title: str,
    rank: int = 100,
    is_leader: bool = False,
    is_primary: bool = True,
) -> Position:
    position, _ = Position.objects.update_or_create(
        user=user,
        department=department,
        defaults={
            "title": title,
            "rank": rank,
            "is_leader": is_leader,
            "is_primary": is_primary,
        },
    )
    return position


def avatar_set(*, user: User, content: bytes | None, name: str = "avatar.jpg") -> User:
    """Give `user` a new avatar (None: none); the old file leaves storage (剩余信息保护)."""
    with transaction.atomic():
        old = user.avatar.name or ""
        if content is None:
            user.avatar = None
        else:
            user.avatar.save(name, ContentFile(content), save=False)
        user.save(update_fields=["avatar"])
        avatar_discard(user=user, old_name=old)
    return user


def avatar_discard(*, user: User, old_name: str) -> None:
    """After commit, delete `old_name` from storage if `user`'s avatar is no longer it."""
    if not old_name or old_name == (user.avatar.name or ""):
        return
    storage = user.avatar.storage
    transaction.on_commit(lambda: storage.delete(old_name) if storage.exists(old_name) else None)


def role_grant(
    *,
    actor: User | None,
    user: User,
    unit: Unit,
    role: Role | str,
    context: RequestContext = NO_CONTEXT,
) -> RoleAssignment:
    """Give `user` a unit role (单位管理员, 领导, 文书…); idempotent.

    Only a security administrator may (三员分立: roles are permissions, and
    permissions are the security administrator's), never to themself;
    `actor=None` is the operator's own path (installation, the demo seed, a
    migration), audited as such. A new grant is audited (`role.grant`).
    """
    with transaction.atomic():
        if actor is not None:
            duties.require_duty(actor, duties.SECURITY)
            if actor.pk == user.pk:
                raise InvalidInput.of(codes.ROLE_SELF)
        assignment, created = RoleAssignment.objects.get_or_create(user=user, unit=unit, role=role)
        if created:
            audit_record(
                "role.grant",
                actor=actor,
                target=user,
                data={
                    "unit_id": unit.pk,
                    "role": str(role),
                    "by": "operator" if actor is None else "security_admin",
                },
                context=context,
            )
    return assignment


class InvalidCredentials(InvalidInput):
    entry = codes.INVALID_CREDENTIALS


class AccountLocked(ZtError):
    entry = codes.ACCOUNT_LOCKED


# Checks that say a person must give a second factor after the password
# (`backend.twofactor` registers its own in its AppConfig.ready()).
_second_factor_gates: list[Callable[[User], bool]] = []


def second_factor_gate_register(gate: Callable[[User], bool]) -> None:
    if gate not in _second_factor_gates:
        _second_factor_gates.append(gate)


def second_factor_needed(mobile: str) -> bool:
    """Whether the account of `mobile` (if any) must give a second factor to log in."""
    try:
        normalized = normalize_mobile(mobile)
    except InvalidInput:
        return False
    user = User.objects.filter(mobile=normalized, is_bot=False).first()
    return user is not None and any(gate(user) for gate in _second_factor_gates)


def login_check(
    *,
    mobile: str,
    password: str,
    context: RequestContext = NO_CONTEXT,
    channel: str = "api",
    complete: bool = True,
) -> User:
    """Verify a password login; count failures per (number, source IP) and lock after too many.

    Every outcome is audited. The answer for a number nobody has is the
    answer for a real account with a wrong password, lockout included
    (`LoginAttempt`); a correct password from another source is not locked out.

    `complete=False`: the password is only the first step (a second factor
    follows, `backend.twofactor`): audited as `auth.password_ok`, and the
    failure count is kept, so wrong second-factor codes
    (`second_factor_failure_record`) add up to the same lockout across
    attempts; `login_complete` then records the login.
    """
    try:
        normalized = normalize_mobile(mobile)
    except InvalidInput:
        User().set_password(password)  # as long as a real check
        raise InvalidCredentials() from None
    source = context.ip or ""
    # The failure count and the audit entries must be committed even though
    # the call then fails: decide inside the transaction, raise after it.
    with transaction.atomic():
        now = timezone.now()
        attempt = _login_attempt(normalized, source)
        user = User.objects.filter(mobile=normalized, is_bot=False).first()
        outcome: ZtError | None = None
        locked_until = _latest(attempt.locked_until, user.locked_until if user else None)
        if locked_until is not None and locked_until > now:
            audit_record(
                "auth.login_locked",
                actor=user,
                data={"mobile": normalized, "via": channel},
                context=context,
            )
            outcome = _locked(locked_until)
        elif user is None or not user.is_active or not user.check_password(password):
            if user is None:
                # Hash anyway, so the answer takes as long as for a real account.
                User().set_password(password)
            outcome = _record_failure(attempt, user, now, context, channel)
        elif complete:
            _login_record(user, attempt, now, context, channel)
        else:
            audit_record("auth.password_ok", actor=user, data={"via": channel}, context=context)
    if outcome is not None or user is None:
        raise outcome or InvalidCredentials()
    return user


def _login_record(
    user: User, attempt: LoginAttempt, now: datetime, context: RequestContext, channel: str
) -> None:
    attempt.delete()
    user.last_login = now
    user.save(update_fields=["last_login"])
    audit_record("auth.login", actor=user, data={"via": channel}, context=context)


def login_complete(
    *, user: User, context: RequestContext = NO_CONTEXT, channel: str = "api"
) -> None:
    """The second factor passed: the login happens now (`auth.login`, `last_login`, the
    (number, source) failure count cleared)."""
    with transaction.atomic():
        attempt = _login_attempt(user.mobile, context.ip or "")
        _login_record(user, attempt, timezone.now(), context, channel)


def second_factor_failure_record(
    *, user: User, context: RequestContext = NO_CONTEXT, channel: str = "api"
) -> AccountLocked | None:
    """A wrong second-factor code counts like a wrong password for (number, source):
    the same back-off lockout. Returns the lock to answer with when this one locks.
    Commits on its own (the caller then raises)."""
    with transaction.atomic():
        attempt = _login_attempt(user.mobile, context.ip or "")
        outcome = _record_failure(
            attempt, user, timezone.now(), context, channel, action="auth.second_factor_failed"
        )
    return outcome if isinstance(outcome, AccountLocked) else None


def login_locked_until(*, user: User, context: RequestContext = NO_CONTEXT) -> datetime | None:
    """When the account or its (number, source) lock ends, if it is locked now."""
    attempt = LoginAttempt.objects.filter(mobile=user.mobile, ip=context.ip or "").first()
    until = _latest(attempt.locked_until if attempt else None, user.locked_until)
    return until if until is not None and until > timezone.now() else None


def account_locked_error(until: datetime) -> AccountLocked:
    return _locked(until)


def _login_attempt(mobile: str, source: str) -> LoginAttempt:
    """The (number, source) row, locked for this transaction; created on first failure."""
    attempt = LoginAttempt.objects.select_for_update().filter(mobile=mobile, ip=source).first()
    if attempt is not None:
        return attempt
    try:
        with transaction.atomic():
            return LoginAttempt.objects.create(mobile=mobile, ip=source)
    except IntegrityError:  # a concurrent first attempt inserted it
        return LoginAttempt.objects.select_for_update().get(mobile=mobile, ip=source)


def _latest(*moments: datetime | None) -> datetime | None:
    present = [m for m in moments if m is not None]
    return max(present) if present else None


def _locked(locked_until: datetime) -> AccountLocked:
    until = timezone.localtime(locked_until).strftime("%H:%M")
    return AccountLocked(f"登录失败次数过多，账号已锁定至 {until}，请稍后再试")


def _record_failure(
    attempt: LoginAttempt,
    user: User | None,
    now: datetime,
    context: RequestContext,
    channel: str,
    *,
    action: str = "auth.login_failed",
) -> ZtError:
    """Count a failed attempt; return what to answer (the attempt that locks says so).

    Identical for unknown numbers: the same row, count, lock and answer.
    """
    if attempt.locked_until is not None and now - attempt.locked_until > timedelta(
        seconds=settings.ZT_LOGIN_LOCK_MAX_SECONDS
    ):
        attempt.locks = 0  # quiet for a long while: the back-off starts again
    attempt.failures += 1
    data: dict[str, Any] = {"mobile": attempt.mobile, "via": channel}
    audit_record(action, actor=user, data=data, context=context)
    if attempt.failures < settings.ZT_LOGIN_MAX_FAILURES:
        attempt.save()
        return InvalidCredentials()
    seconds = min(
        settings.ZT_LOGIN_LOCK_SECONDS * 2**attempt.locks, settings.ZT_LOGIN_LOCK_MAX_SECONDS
    )
    attempt.failures = 0
    attempt.locks += 1
    attempt.locked_until = now + timedelta(seconds=seconds)
    attempt.save()
    audit_record("auth.lockout", actor=user, data={**data, "seconds": seconds}, context=context)
    return _locked(attempt.locked_until)


def logout_record(
    *,
    user: User,
    device: DeviceSession | None = None,
    session_key: str | None = None,
    context: RequestContext = NO_CONTEXT,
) -> None:
    """Record a logout and sign out the device it came from (its token or session row).

    A browser session without a device row (signed in before devices were
    listed) still has its WebSockets closed after commit (`sign_out` hooks).
    """
    with transaction.atomic():
        audit_record("auth.logout", actor=user, context=context)
        if device is not None:
            _devices_revoke(user, [device], context, reason="logout")
        elif session_key is not None:
            credentials = [sign_out.session_credential(session_key)]
            transaction.on_commit(
                lambda: sign_out.run(user.pk, credentials=credentials, reason="logout")
            )


# --- passwords ------------------------------------------------------------------------


def password_change(
    *,
    user: User,
    old_password: str,
    new_password: str,
    keep: DeviceSession | None = None,
    context: RequestContext = NO_CONTEXT,
) -> User:
    """A person changes their own password: the old one must match, the new one
    must pass `AUTH_PASSWORD_VALIDATORS` (length, classes, not common, not one of
    the last few). The old hash goes to the history; every other device of the
    person is signed out (`keep` is the one asking). Audited.
    """
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        if not user.check_password(old_password):
            audit_record("auth.password_change_failed", actor=user, context=context)
            failed = InvalidInput.of(codes.WRONG_PASSWORD)
        else:
            failed = None
    if failed is not None:
        raise failed
    try:
        validate_password(new_password, user)
    except ValidationError as error:
        raise InvalidInput.of(
            codes.WEAK_PASSWORD,
            "新密码不符合要求：" + "；".join(error.messages),
            fields={"new_password": "；".join(error.messages)},
        ) from None
    with transaction.atomic():
        PasswordHistory.objects.create(user=user, password=user.password)
        user.set_password(new_password)
        user.password_changed_at = timezone.now()
        user.save(update_fields=["password", "password_changed_at"])
        audit_record("auth.password_change", actor=user, context=context)
        others = DeviceSession.objects.select_for_update().filter(user=user)
        if keep is not None:
            others = others.exclude(pk=keep.pk)
        _devices_revoke(user, list(others), context, reason="password_change")
    return user


def password_expired(user: User) -> bool:
    """Whether the person must change their password first (`ZT_PASSWORD_MAX_AGE_DAYS`)."""
    days = settings.ZT_PASSWORD_MAX_AGE_DAYS
    if not days:
        return False
    since = user.password_changed_at or user.date_joined
    return timezone.now() - since > timedelta(days=days)


# --- signed-in devices (per-device tokens and sessions) -------------------------------


def token_digest(key: str) -> str:
    """What the database keeps of a bearer token: its SHA-256, hex."""
    return hashlib.sha256(key.encode()).hexdigest()


def device_label(user_agent: str, given: str = "") -> str:
    """The name a device is listed under: the client's own, else from its user agent."""
    if given.strip():
        return given.strip()[:64]
    parsed = ua_parse(user_agent or "")
    device = parsed.device.family if parsed.device else ""
    system = parsed.os.family if parsed.os else ""
    browser = parsed.user_agent.family if parsed.user_agent else ""
    where = device if device and device not in {"Other", "Generic Smartphone"} else system
    parts = [p for p in (where, browser) if p and p != "Other"]
    return " · ".join(parts)[:64] or "未知设备"


def token_issue(*, user: User, context: RequestContext = NO_CONTEXT, device_name: str = "") -> str:
    """A new bearer token for one device of a person who has just passed `login_check`.

    Every login is its own device with its own token (listed, signed out one
    by one); the token expires after `ZT_TOKEN_IDLE_SECONDS` without use.
    Only its digest is stored: the key is returned once, here.
    """
    key = secrets.token_urlsafe(32)
    now = timezone.now()
    with transaction.atomic():
        device = DeviceSession.objects.create(
            user=user,
            kind=DeviceSession.Kind.TOKEN,
            token_digest=token_digest(key),
            name=device_label(context.user_agent, device_name),
            user_agent=context.user_agent[:256],
            ip=context.ip,
            created_at=now,
            last_used_at=now,
            expires_at=now + timedelta(seconds=settings.ZT_TOKEN_IDLE_SECONDS),
        )
        audit_record("auth.token_issue", actor=user, target=device, context=context)
    return key


def session_device_register(
    *,
    user: User,
    session_key: str,
    expires_at: datetime,
    context: RequestContext = NO_CONTEXT,
    device_name: str = "",
) -> DeviceSession:
    """The device row of a browser that has just logged in with a session."""
    now = timezone.now()
    return DeviceSession.objects.create(
        user=user,
        kind=DeviceSession.Kind.SESSION,
        session_key=session_key,
        name=device_label(context.user_agent, device_name),
        user_agent=context.user_agent[:256],
        ip=context.ip,
        created_at=now,
        last_used_at=now,
        expires_at=expires_at,
    )


def token_authenticate(*, key: str) -> DeviceSession | None:
    """The live device of a bearer token, touched (sliding expiry); None if unknown or expired."""
    device = (
        DeviceSession.objects.select_related("user")
        .filter(kind=DeviceSession.Kind.TOKEN, token_digest=token_digest(key))
        .first()
    )
    now = timezone.now()
    if device is None or device.expires_at <= now or not device.user.is_active:
        return None
    device_touch(device=device, now=now)
    return device


def device_touch(*, device: DeviceSession, now: datetime | None = None) -> None:
    """Note a use; at most one write per `ZT_DEVICE_TOUCH_SECONDS`. Tokens slide their expiry."""
    now = now or timezone.now()
    if (now - device.last_used_at).total_seconds() < settings.ZT_DEVICE_TOUCH_SECONDS:
        return
    device.last_used_at = now
    fields: dict[str, Any] = {"last_used_at": now}
    if device.kind == DeviceSession.Kind.TOKEN:
        device.expires_at = now + timedelta(seconds=settings.ZT_TOKEN_IDLE_SECONDS)
        fields["expires_at"] = device.expires_at
    DeviceSession.objects.filter(pk=device.pk).update(**fields)


class DeviceNotFound(NotFound):
    code = "device_not_found"
    message = "该登录设备不存在或已退出"


def device_revoke(*, user: User, device_id: int, context: RequestContext = NO_CONTEXT) -> None:
    """Sign one of the person's devices out (its token or session stops working now)."""
    with transaction.atomic():
        device = DeviceSession.objects.select_for_update().filter(user=user, pk=device_id).first()
        if device is None:
            raise DeviceNotFound()
        _devices_revoke(user, [device], context, reason="remote")


def devices_revoke_others(
    *, user: User, keep: DeviceSession | None, context: RequestContext = NO_CONTEXT
) -> int:
    """Sign out every device of the person but `keep` (the one asking); return how many."""
    with transaction.atomic():
        others = DeviceSession.objects.select_for_update().filter(user=user)
        if keep is not None:
            others = others.exclude(pk=keep.pk)
        devices = list(others)
        _devices_revoke(user, devices, context, reason="others")
    return len(devices)


def _devices_revoke(
    user: User, devices: list[DeviceSession], context: RequestContext, *, reason: str
) -> None:
    if not devices:
        return
    store = import_module(settings.SESSION_ENGINE).SessionStore
    for device in devices:
        if device.session_key:
            store(session_key=device.session_key).delete()
        audit_record(
            "auth.device_revoke",
            actor=user,
            target=device,
            data={"reason": reason, "kind": device.kind, "name": device.name},
            context=context,
        )
    DeviceSession.objects.filter(pk__in=[d.pk for d in devices]).delete()
    credentials = [sign_out.device_credential(d) for d in devices]
    # Whatever those logins still hold open (their WebSockets) closes after commit.
    transaction.on_commit(
        lambda: sign_out.run(user.pk, credentials=credentials, reason=f"device {reason}")
    )
