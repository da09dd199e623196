"""System accounts: declared once, created on first use, once, even when first uses race."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from django.db import connections, transaction

from backend.directory import selectors, system_accounts
from backend.directory import services as directory
from backend.directory.models import User

KEY = "test_helper"
MOBILE = "10000000042"


@pytest.fixture
def helper_account() -> Iterator[system_accounts.SystemAccount]:
    account = system_accounts.register(KEY, name="测试助手", mobile=MOBILE)
    yield account
    system_accounts.unregister(KEY)


@pytest.mark.django_db
def test_the_approvals_assistant_keeps_its_existing_row(director: User) -> None:
    existing = User(mobile="10000000001", name="审批助手", is_bot=True)
    existing.set_unusable_password()
    existing.save()
    assert directory.system_account_get("approvals").pk == existing.pk
    assert User.objects.filter(mobile="10000000001").count() == 1


@pytest.mark.django_db
def test_created_on_first_use_unusable_and_never_listed(
    helper_account: system_accounts.SystemAccount, director: User
) -> None:
    bot = directory.system_account_get(KEY)
    assert (bot.name, bot.mobile, bot.is_bot) == ("测试助手", MOBILE, True)
    assert not bot.has_usable_password()
    assert directory.system_account_get(KEY).pk == bot.pk
    assert User.objects.filter(mobile=MOBILE).count() == 1
    assert selectors.people_search(viewer=director, query="测试助手") == []
    assert selectors.people_search(viewer=director, query="100000") == []


@pytest.mark.django_db
def test_a_lost_race_reads_the_winners_row_and_keeps_the_callers_transaction(
    helper_account: system_accounts.SystemAccount, director: User
) -> None:
    winner = directory.system_account_get(KEY)
    with transaction.atomic():
        # As if another first use inserted between our read and our insert.
        loser = directory._system_account_create(helper_account)
        director.name = "王建国2"
        director.save(update_fields=["name"])
    assert loser.pk == winner.pk
    director.refresh_from_db()
    assert director.name == "王建国2"


@pytest.mark.django_db(transaction=True)
def test_concurrent_first_uses_make_one_account(
    helper_account: system_accounts.SystemAccount,
) -> None:
    """Several threads, each on its own database connection, ask at the same moment."""
    workers = 4
    barrier = threading.Barrier(workers)
    got: list[int] = []
    failures: list[BaseException] = []

    def first_use() -> None:
        try:
            barrier.wait()
            got.append(directory.system_account_get(KEY).pk)
        except BaseException as error:  # reported below, not lost in the thread
            failures.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=first_use) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert len(got) == workers and len(set(got)) == 1
    assert User.objects.filter(mobile=MOBILE).count() == 1


def test_registry_refuses_conflicts(helper_account: system_accounts.SystemAccount) -> None:
    assert system_accounts.register(KEY, name="测试助手", mobile=MOBILE) == helper_account
    with pytest.raises(ValueError):
        system_accounts.register(KEY, name="别的助手", mobile=MOBILE)
    with pytest.raises(ValueError):
        system_accounts.register("other", name="别的助手", mobile=MOBILE)
    with pytest.raises(ValueError):
        system_accounts.register("person", name="某人", mobile="13800000009")
    with pytest.raises(LookupError):
        system_accounts.get("nobody")
    assert system_accounts.get("approvals").name == "审批助手"
