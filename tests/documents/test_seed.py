"""The demo's 公文: seeded through the services, once; 周建国, 李秀英 and 陈志明 each have work."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from backend.directory.models import User
from backend.documents.models import Document, Receipt
from backend.todo import registry

pytestmark = pytest.mark.django_db(transaction=True)


def test_demo_documents_give_the_demo_logins_work() -> None:
    call_command("seed_demo", "--password", "demo-pass-2026", verbosity=0)
    call_command("seed_documents", "--if-empty", verbosity=0)
    call_command("seed_documents", "--if-empty", verbosity=0)
    statuses = sorted(Document.objects.values_list("status", flat=True))
    assert statuses == ["distributed", "distributed", "returned", "running", "running", "withdrawn"]
    assert Document.objects.filter(archived_at__isnull=False).count() == 1
    assert sorted(Receipt.objects.values_list("status", flat=True)) == [
        "delivered",
        "delivered",
        "delivered",
        "handling",
    ]
    for mobile in ("13800000001", "13800000002", "13800000004", "13800000003"):
        person = User.objects.get(mobile=mobile)
        assert registry.counts_for(person)["documents"] >= 1, person.name
