"""Directory writes that the seed relies on."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.hashers import make_password

from backend.directory import services as directory


def test_user_create_with_a_prehashed_password(db: Any) -> None:
    shared = make_password("zhengtong2026")
    first = directory.user_create(
        mobile="13700000001", name="张三", password=None, password_hash=shared
    )
    second = directory.user_create(
        mobile="13700000002", name="李四", password=None, password_hash=shared
    )
    for user in (first, second):
        user.refresh_from_db()
        assert user.check_password("zhengtong2026")
        assert not user.check_password("wrong")
    assert (first.name_pinyin, first.name_initials) == ("zhangsan", "zs")


def test_user_create_refuses_a_non_hash(db: Any) -> None:
    with pytest.raises(ValueError):
        directory.user_create(
            mobile="13700000003", name="王五", password=None, password_hash="plain-text"
        )
    with pytest.raises(ValueError):
        directory.user_create(
            mobile="13700000004",
            name="王五",
            password="x",
            password_hash=make_password("x"),
        )


def test_each_token_is_its_own_device_and_revoke_is_audited(director: Any) -> None:
    from backend.audit.models import AuditEntry
    from backend.directory.models import DeviceSession

    key = directory.token_issue(user=director)
    other = directory.token_issue(user=director)
    assert other != key
    device = directory.token_authenticate(key=key)
    assert device is not None and device.user_id == director.pk
    # Only a digest is stored: the key itself is nowhere in the database.
    assert not DeviceSession.objects.filter(token_digest=key).exists()
    directory.logout_record(user=director, device=device)
    assert directory.token_authenticate(key=key) is None
    assert directory.token_authenticate(key=other) is not None
    actions = list(
        AuditEntry.objects.filter(actor=director).order_by("pk").values_list("action", flat=True)
    )
    assert actions[-4:] == [
        "auth.token_issue",
        "auth.token_issue",
        "auth.logout",
        "auth.device_revoke",
    ]
