"""The shared org directory: people, units, departments, positions and roles.

One platform serves many units (集约化): a unit tree (province → city →
district/county → town) holds departments, people hold positions in
departments, and roles grant office powers inside a unit.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.core.validators import RegexValidator
from django.db import models
from django.utils import timezone

MOBILE_RE = r"^1[3-9]\d{9}$"
mobile_validator = RegexValidator(MOBILE_RE, "请输入有效的11位中国大陆手机号")


class UserManager(BaseUserManager["User"]):
    """Creates people from a mobile number; used by services and seeding."""

    use_in_migrations = True

    def create_user(self, mobile: str, password: str | None = None, **extra: Any) -> User:
        user = self.model(mobile=mobile, **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, mobile: str, password: str, **extra: Any) -> User:
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self.create_user(mobile, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who logs in with a mainland mobile number and a password.

    `name_pinyin` / `name_initials` are derived once at creation (services do
    it) so directory search by 拼音 is an indexed lookup, not a per-row
    conversion.
    """

    mobile = models.CharField("手机号", max_length=11, unique=True, validators=[mobile_validator])
    name = models.CharField("姓名", max_length=64)
    name_pinyin = models.CharField(max_length=256, blank=True, db_index=True)
    name_initials = models.CharField(max_length=64, blank=True, db_index=True)
    employee_no = models.CharField("工号", max_length=32, blank=True)
    # Shown to everyone in the directory (the personal mobile is not: selectors.ContactScope).
    office_phone = models.CharField("办公电话", max_length=32, blank=True)
    avatar = models.ImageField(upload_to="avatars/", blank=True)
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False)
    # A system sender such as 审批助手: never logs in, never listed in the directory.
    is_bot = models.BooleanField(default=False)
    date_joined = models.DateTimeField(default=timezone.now)
    # An administrator's lock of the whole account (the Django admin sets it).
    # Wrong passwords lock one source only: `LoginAttempt`.
    locked_until = models.DateTimeField("锁定至", null=True, blank=True)
    # When the password was last set by its owner (expiry: ZT_PASSWORD_MAX_AGE_DAYS).
    password_changed_at = models.DateTimeField(null=True, blank=True)

    objects: ClassVar[UserManager] = UserManager()

    USERNAME_FIELD = "mobile"
    REQUIRED_FIELDS: ClassVar[list[str]] = ["name"]

    class Meta:
        verbose_name = "人员"
        verbose_name_plural = "人员"

    def __str__(self) -> str:
        return f"{self.name}({self.mobile})"

    @property
    def mobile_tail(self) -> str:
        return self.mobile[-4:]


class Unit(models.Model):
    """An organisation in the tree: 市委、市政府、人大、政协、a bureau, a town…"""

    class Level(models.TextChoices):
        PROVINCE = "province", "省"
        CITY = "city", "市"
        DISTRICT = "district", "区县"
        TOWN = "town", "乡镇街道"

    class Kind(models.TextChoices):
        PARTY = "party", "党委"
        CONGRESS = "congress", "人大"
        GOVERNMENT = "government", "政府"
        CPPCC = "cppcc", "政协"
        DEPARTMENT = "department", "部门"
        REGION = "region", "行政区"

    name = models.CharField("单位名称", max_length=128)
    short_name = models.CharField("简称", max_length=32, blank=True)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    level = models.CharField(max_length=16, choices=Level.choices)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    code = models.CharField("机构代码", max_length=32, unique=True)
    order = models.IntegerField(default=0)

    class Meta:
        ordering: ClassVar[list[str]] = ["order", "id"]

    def __str__(self) -> str:
        return self.name


class Department(models.Model):
    """A department (处室/科室) inside a unit; departments nest."""

    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="departments")
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    name = models.CharField("部门名称", max_length=128)
    order = models.IntegerField(default=0)

    class Meta:
        ordering: ClassVar[list[str]] = ["order", "id"]
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(
                fields=["unit", "parent", "name"], name="department_unique_name"
            )
        ]

    def __str__(self) -> str:
        return f"{self.unit.name}/{self.name}"


class Position(models.Model):
    """A post a person holds: department, title (职务), rank for ordering, leader flag.

    A person may hold several (兼职). `rank` orders people inside a
    department: lower comes first (局长 before 副局长 before 科员).
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="positions")
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="positions")
    title = models.CharField("职务", max_length=64)
    rank = models.IntegerField("排序", default=100)
    is_leader = models.BooleanField("部门负责人", default=False)
    is_primary = models.BooleanField("主职", default=True)

    class Meta:
        ordering: ClassVar[list[str]] = ["rank", "id"]
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(
                fields=["user", "department"], name="position_unique_per_department"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user.name} {self.title}"


class Role(models.TextChoices):
    UNIT_ADMIN = "unit_admin", "单位管理员"
    CLERK = "clerk", "文书/收发员"
    LEADER = "leader", "领导"
    STAFF = "staff", "工作人员"


class RoleAssignment(models.Model):
    """A role a person holds in a unit; office apps ask for these."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="roles")
    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="role_assignments")
    role = models.CharField(max_length=16, choices=Role.choices)

    class Meta:
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(fields=["user", "unit", "role"], name="role_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user.name} {self.get_role_display()}@{self.unit.name}"


class LoginAttempt(models.Model):
    """Wrong passwords for one mobile number from one source IP, and its lock.

    Keyed on the number as typed (normalised), registered or not, so an unknown
    number fails and locks exactly like a real one (no enumeration), and on the
    client IP (`backend.common.client_ip`), so someone guessing from one place
    locks out that place only: the official's correct password from anywhere
    else still works. Each lock lasts twice as long as the one before
    (`ZT_LOGIN_LOCK_SECONDS`, doubling up to `ZT_LOGIN_LOCK_MAX_SECONDS`); a
    successful login from the source deletes the row.
    """

    mobile = models.CharField(max_length=11)
    ip = models.CharField(max_length=45, blank=True)
    failures = models.PositiveIntegerField(default=0)
    locks = models.PositiveIntegerField(default=0)
    locked_until = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(fields=["mobile", "ip"], name="login_attempt_unique_source")
        ]

    def __str__(self) -> str:
        return f"{self.mobile}@{self.ip or '?'}"


class DeviceSession(models.Model):
    """One signed-in device: a PWA browser session or a native client's bearer token.

    Each login makes its own row, so each device can be listed (我的 → 登录设备)
    and signed out on its own. A token is stored only as its SHA-256
    (`token_digest`): the database never holds a usable credential. Expiry is
    sliding: every use (at most one write per `ZT_DEVICE_TOUCH_SECONDS`) pushes
    `expires_at` to `ZT_TOKEN_IDLE_SECONDS` from now. A browser session lives as
    long as its Django session (`session_key`); signing the device out deletes
    that session too.
    """

    class Kind(models.TextChoices):
        SESSION = "session", "浏览器"
        TOKEN = "token", "客户端"

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="device_sessions")
    kind = models.CharField(max_length=8, choices=Kind.choices)
    token_digest = models.CharField(max_length=64, unique=True, null=True, blank=True)
    session_key = models.CharField(max_length=40, blank=True, db_index=True)
    name = models.CharField("设备", max_length=64, blank=True)
    user_agent = models.CharField(max_length=256, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()

    class Meta:
        ordering: ClassVar[list[str]] = ["-last_used_at", "-id"]

    def __str__(self) -> str:
        return f"{self.user_id} {self.name or self.kind}"


class PasswordHistory(models.Model):
    """A password a person used before (its hash only): no reuse of the last few."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    password = models.CharField(max_length=128)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.user_id} {self.created_at:%Y-%m-%d}"
