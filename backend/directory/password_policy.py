"""Password rules (等保: length, character classes, no reuse), as Django password validators.

`AUTH_PASSWORD_VALIDATORS` lists them with Django's own; `services.password_change`
runs them all. History keeps only hashes (`PasswordHistory`).
"""

from __future__ import annotations

import re
from typing import Any

from django.contrib.auth import password_validation
from django.contrib.auth.hashers import check_password
from django.core.exceptions import ValidationError

CLASSES = (
    ("小写字母", re.compile(r"[a-z]")),
    ("大写字母", re.compile(r"[A-Z]")),
    ("数字", re.compile(r"[0-9]")),
    ("符号", re.compile(r"[^a-zA-Z0-9]")),
)


class MinimumLengthValidator(password_validation.MinimumLengthValidator):
    """Django's length rule, with its message in Chinese whatever the request's language."""

    def get_error_message(self) -> str:
        return f"密码长度至少{self.min_length}位"

    def get_help_text(self) -> str:
        return self.get_error_message()


class CommonPasswordValidator(password_validation.CommonPasswordValidator):
    """Django's list of 20,000 common passwords, with a Chinese message."""

    def get_error_message(self) -> str:
        return "密码过于常见"

    def get_help_text(self) -> str:
        return "不能是常见密码"


class CharacterClassesValidator:
    """At least `min_classes` of lower case, upper case, digits and symbols."""

    def __init__(self, min_classes: int = 3) -> None:
        self.min_classes = min_classes

    def validate(self, password: str, user: Any = None) -> None:
        present = sum(1 for _, pattern in CLASSES if pattern.search(password))
        if present < self.min_classes:
            raise ValidationError(
                f"密码须包含大写字母、小写字母、数字、符号中的至少{self.min_classes}类",
                code="password_classes",
            )

    def get_help_text(self) -> str:
        return f"至少包含大写字母、小写字母、数字、符号中的{self.min_classes}类"


class PasswordHistoryValidator:
    """None of the last `count` passwords: the current one and `count - 1` before it (hashes)."""

    def __init__(self, count: int = 5) -> None:
        self.count = count

    def validate(self, password: str, user: Any = None) -> None:
        if user is None or user.pk is None:
            return
        from backend.directory.models import PasswordHistory

        recent = PasswordHistory.objects.filter(user=user).order_by("-id")[: self.count - 1]
        hashes = [user.password, *(entry.password for entry in recent)]
        if any(h and check_password(password, h) for h in hashes):
            raise ValidationError(
                f"新密码不能与最近{self.count}次使用过的密码相同", code="password_reused"
            )

    def get_help_text(self) -> str:
        return f"不能与最近{self.count}次使用过的密码相同"
