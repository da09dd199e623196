"""发文 end to end in-process: 拟稿 → 核稿 → 会签 → 签发 → 复核 → 登记 → 用印 → 分发."""

from __future__ import annotations

from typing import Any

import pytest

from backend.directory.models import User
from backend.documents.models import Document, Receipt, SerialCounter, UnitSettings
from tests.documents.conftest import to_distributed

pytestmark = pytest.mark.django_db(transaction=True)


def test_full_outgoing_flow_numbers_and_delivers(
    org: dict[str, Any], people: dict[str, User]
) -> None:
    document = to_distributed(people, org, copy_to=[org["city"].pk])
    prefix = UnitSettings.objects.get(unit=org["office"]).prefix
    assert document.status == Document.Status.DISTRIBUTED
    assert document.signer == people["director"]
    assert document.doc_number.startswith(f"{prefix}〔")
    assert document.doc_number.endswith("〕1号")
    assert document.sealed_at is not None and document.distributed_at is not None
    receipts = Receipt.objects.filter(document=document).order_by("role")
    assert [(r.unit_id, r.role, r.status) for r in receipts] == [
        (org["city"].pk, "copy", "delivered"),
        (org["finance"].pk, "main", "delivered"),
    ]
    assert SerialCounter.objects.get(scope=f"out:{prefix}").last == 1
