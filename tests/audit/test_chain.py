"""The audit log's SM3 hash chain: linking, verifying, concurrency, archiving, the trigger."""

from __future__ import annotations

import importlib
import io
import json
import threading
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps as django_apps
from django.core.management import CommandError, call_command
from django.db import connection, connections, transaction
from django.utils import timezone

from backend.audit import chain, integrity
from backend.audit import services as audit_services
from backend.audit.models import AuditArchive, AuditChainHead, AuditEntry
from backend.audit.services import RequestContext, audit_record
from tests.conftest import require_postgresql

pytestmark = pytest.mark.django_db(transaction=True)


def tamper(sql: str, params: tuple[Any, ...] = ()) -> None:
    """What an attacker with database access does (past the trigger, on PostgreSQL)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE audit_auditentry DISABLE TRIGGER USER")
        cursor.execute(sql, params)
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE audit_auditentry ENABLE TRIGGER USER")


def record(n: int, **kw: Any) -> list[AuditEntry]:
    return [audit_record(f"test.action{i}", data={"i": i, "名": "张三"}, **kw) for i in range(n)]


@pytest.fixture
def archive_dir(settings: Any, tmp_path: Path) -> Path:
    settings.ZT_AUDIT_ARCHIVE_DIR = tmp_path / "archive"
    return Path(settings.ZT_AUDIT_ARCHIVE_DIR)


@pytest.fixture
def long_ago(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """Within the block, entries are written 200 days in the past."""

    class Clock:
        def now(self) -> Any:
            return timezone.now() - timedelta(days=200)

    def use() -> Any:
        monkeypatch.setattr(audit_services, "timezone", Clock())
        return monkeypatch

    yield use


def test_sm3_is_the_national_standard() -> None:
    # GB/T 32905-2016, example 1.
    assert chain.sm3(b"abc") == ("66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0")


def test_entries_link_into_one_chain(director: Any) -> None:
    first, second, third = record(
        3, actor=director, context=RequestContext(ip="2001:db8::1", user_agent="测试")
    )
    base = AuditEntry.objects.count() - 3
    assert [e.seq for e in (first, second, third)] == [base + 1, base + 2, base + 3]
    assert second.prev_hash == first.hash and third.prev_hash == second.hash
    stored = AuditEntry.objects.get(pk=second.pk)
    assert chain.link(stored.prev_hash, stored) == stored.hash == second.hash
    assert AuditChainHead.objects.get().hash == third.hash
    assert integrity.chain_verify() == integrity.Report(AuditEntry.objects.count(), None)
    out = call_command_out("audit_verify")
    assert "chain intact" in out


def call_command_out(*args: Any) -> str:
    buffer = io.StringIO()
    call_command(*args, stdout=buffer)
    return buffer.getvalue()


def test_an_address_that_is_not_one_is_not_stored() -> None:
    entry = audit_record("test.bad_ip", context=RequestContext(ip="not-an-ip, 10.0.0.1"))
    assert entry.ip is None
    assert integrity.chain_verify().broken is None


@pytest.mark.parametrize(
    ("attack", "reason"),
    [
        ("UPDATE audit_auditentry SET data = %s WHERE seq = %s", "content does not match"),
        ("DELETE FROM audit_auditentry WHERE seq = %s", "missing"),
    ],
)
def test_tampering_names_the_first_broken_link(attack: str, reason: str) -> None:
    entries = record(5)
    target = entries[2].seq
    params = ('{"i": 99}', target) if attack.startswith("UPDATE") else (target,)
    tamper(attack, params)
    report = integrity.chain_verify()
    assert report.broken is not None
    expected_seq = target if attack.startswith("UPDATE") else target + 1
    assert report.broken.seq == expected_seq
    assert reason in report.broken.reason
    with pytest.raises(CommandError, match=f"first broken link: seq {expected_seq} "):
        call_command("audit_verify")


def test_rewriting_the_whole_chain_after_an_entry_is_caught_at_the_head() -> None:
    record(3)
    last = AuditEntry.objects.order_by("-seq").first()
    assert last is not None
    tamper("DELETE FROM audit_auditentry WHERE seq = %s", (last.seq,))
    report = integrity.chain_verify()
    assert report.broken is not None
    assert "missing" in report.broken.reason


def test_concurrent_writers_never_fork_the_chain() -> None:
    require_postgresql("row locks across connections")
    errors: list[BaseException] = []

    def writer(n: int) -> None:
        try:
            for i in range(15):
                with transaction.atomic():
                    audit_record("test.concurrent", data={"writer": n, "i": i})
        except BaseException as error:
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    seqs = list(AuditEntry.objects.order_by("seq").values_list("seq", flat=True))
    assert seqs == list(range(1, len(seqs) + 1))
    assert AuditEntry.objects.filter(action="test.concurrent").count() == 60
    assert integrity.chain_verify() == integrity.Report(len(seqs), None)


def test_archiving_keeps_the_chain_continuous(archive_dir: Path, long_ago: Any) -> None:
    patch = long_ago()
    old = record(4)
    patch.undo()
    recent = record(2)
    archive = integrity.archive_old()
    assert archive is not None
    assert (archive.first_seq, archive.last_seq, archive.count) == (1, old[-1].seq, old[-1].seq)
    assert archive.last_hash == old[-1].hash
    assert list(AuditEntry.objects.order_by("seq").values_list("pk", flat=True)) == [
        e.pk for e in recent
    ]
    # The table's chain starts where the archive ends.
    assert integrity.chain_verify() == integrity.Report(2, None)
    path = Path(archive.path)
    assert path.parent == archive_dir
    lines = path.read_text(encoding="utf-8").splitlines()
    assert json.loads(lines[-1])["last_hash"] == old[-1].hash
    assert integrity.archive_verify(path).broken is None
    assert "chain intact" in call_command_out("audit_verify", "--archive", str(path))
    # Nothing more is old enough.
    assert integrity.archive_old() is None
    # A changed archive line is caught.
    lines[1] = lines[1].replace("test.action1", "test.forged")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    broken = integrity.archive_verify(path).broken
    assert broken is not None
    assert broken.seq == old[1].seq


def test_archive_command_and_retention_floor(
    settings: Any, archive_dir: Path, long_ago: Any
) -> None:
    assert settings.ZT_AUDIT_RETENTION_DAYS >= 180
    assert "nothing past the retention" in call_command_out("audit_archive")
    patch = long_ago()
    record(2)
    patch.undo()
    out = call_command_out("audit_archive")
    assert "archived 2 entries" in out
    assert AuditArchive.objects.count() == 1


def test_a_broken_chain_is_never_archived(archive_dir: Path, long_ago: Any) -> None:
    patch = long_ago()
    entries = record(3)
    patch.undo()
    tamper("UPDATE audit_auditentry SET action = 'x' WHERE seq = %s", (entries[1].seq,))
    with pytest.raises(CommandError, match="拒绝归档"):
        call_command("audit_archive")
    assert AuditEntry.objects.filter(pk__in=[e.pk for e in entries]).count() == 3
    assert not AuditArchive.objects.exists()


def test_the_trigger_refuses_updates_and_recent_deletes() -> None:
    require_postgresql("the append-only trigger is PostgreSQL's")
    entry = record(1)[0]
    for sql in (
        "UPDATE audit_auditentry SET action = 'x' WHERE id = %s",
        "DELETE FROM audit_auditentry WHERE id = %s",
    ):
        with (
            pytest.raises(Exception, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute("SET LOCAL zt.audit_archive = 'on'")
            cursor.execute(sql, (entry.pk,))
    assert AuditEntry.objects.filter(pk=entry.pk, action=entry.action).exists()


def test_the_migration_links_existing_entries_the_same_way() -> None:
    entries = record(3)
    AuditChainHead.objects.all().delete()
    migration = importlib.import_module("backend.audit.migrations.0004_hash_chain_archive")
    with connection.schema_editor() as editor:
        migration.link_existing(django_apps, editor)
    assert [AuditEntry.objects.get(pk=e.pk).hash for e in entries] == [e.hash for e in entries]
    assert integrity.chain_verify().broken is None
