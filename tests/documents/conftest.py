"""公文 fixtures: the shared org plus the finance bureau's office, and helpers to drive flows.

- 张三 (staff) drafts in 市府办; 李秀英 (clerk) 核稿/复核/登记/用印/分发; 王建国 (director) 签发.
- 财政局: 陈志明 (finance_head) leads it; 孙丽 (finance_clerk) is its 收发员;
  赵六 (outsider) sits in 预算科, whose head is 陈志明.
"""

from __future__ import annotations

import io
import itertools
from typing import Any

import pytest
from PIL import Image

from backend.directory import services as directory
from backend.directory.models import Role, User
from backend.documents import receiving, services
from backend.documents.models import Document, Receipt
from backend.workflow.services import ActParams
from realtime import services as chat
from realtime.models import Attachment
from tests.conftest import PASSWORD

# The REST tests here get the same signed-in clients and schema check as tests/mobile_api.
from tests.mobile_api.conftest import (  # noqa: F401
    _isolated,
    _responses_match_the_schema,
    client_for,
)

_ids = itertools.count(1)


@pytest.fixture
def finance_clerk(org: dict[str, Any], finance_head: User) -> User:
    directory.role_grant(actor=None, user=finance_head, unit=org["finance"], role=Role.LEADER)
    user = directory.user_create(mobile="13900000003", name="孙丽", password=PASSWORD)
    directory.position_assign(user=user, department=org["budget"], title="收发员", rank=50)
    directory.role_grant(actor=None, user=user, unit=org["finance"], role=Role.CLERK)
    return user


@pytest.fixture
def people(
    director: User,
    clerk: User,
    staff: User,
    finance_head: User,
    finance_clerk: User,
    outsider: User,
) -> dict[str, User]:
    return {
        "director": director,
        "clerk": clerk,
        "staff": staff,
        "finance_head": finance_head,
        "finance_clerk": finance_clerk,
        "outsider": outsider,
    }


def draft(org: dict[str, Any], **over: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "kind": "notice",
        "title": "关于做好2026年防汛工作的通知",
        "secrecy": "none",
        "urgency": "normal",
        "publicity": "public",
        "body": "各单位：\n为做好今年防汛工作，现将有关事项通知如下。",
        "main_to": [org["finance"].pk],
        "copy_to": [],
    }
    data.update(over)
    return data


def submit(staff: User, org: dict[str, Any], **over: Any) -> Document:
    return services.document_submit(
        actor=staff, data=draft(org, **over), client_id=f"d-{next(_ids)}"
    )


def act(user: User, document: Document, action: str = "approve", **kw: Any) -> Document:
    opinion = kw.pop("opinion", "")
    return services.document_act(
        actor=user,
        document_id=document.pk,
        action=action,
        params=ActParams(opinion=opinion, target=kw.pop("target", None)),
        **kw,
    )


def to_distributed(people: dict[str, User], org: dict[str, Any], **over: Any) -> Document:
    """A document through every 发文 step: 核稿, 签发, 复核, 登记, 用印, 分发."""
    document = submit(people["staff"], org, **over)
    act(people["clerk"], document)
    act(people["director"], document, opinion="同意印发")
    for _step in ("复核", "登记", "用印", "分发"):
        document = act(people["clerk"], document)
    return document


def receipt_of(document: Document, unit: Any) -> Receipt:
    return Receipt.objects.get(document=document, unit=unit)


def to_registered(
    people: dict[str, User], org: dict[str, Any], handle_type: str = "handle"
) -> Receipt:
    document = to_distributed(people, org)
    receipt = receipt_of(document, org["finance"])
    receiving.receipt_sign(actor=people["finance_clerk"], receipt_id=receipt.pk)
    return receiving.receipt_register(
        actor=people["finance_clerk"],
        receipt_id=receipt.pk,
        data={"handle_type": handle_type, "copies": 2},
    )


def upload(user: User, name: str, data: bytes) -> Attachment:
    return chat.attachment_upload(actor=user, name=name, size=len(data), stream=io.BytesIO(data))


def png_bytes(size: tuple[int, int] = (200, 80)) -> bytes:
    out = io.BytesIO()
    Image.new("RGBA", size, (0, 0, 0, 0)).save(out, "PNG")
    return out.getvalue()
