"""Who may see a 公文, in one place; every endpoint and card reads through here.

A person sees a document if they are in its 发文 flow (drafter, handler,
copied), an admin of its unit, or in a recipient unit's handling of it (a
clerk or admin of that unit, or a person in that unit's 收文 flow). A 收文
(receipt) is seen by its unit's clerks and admins and by people in its flow.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from backend.common import error_catalogue as codes
from backend.common.errors import NotFound
from backend.directory.models import Role, RoleAssignment, User
from backend.documents.models import Document, HandSign, Receipt
from backend.workflow.models import Instance
from backend.workflow.selectors import involved_q
from realtime.models import Attachment

OFFICE_ROLES = (Role.CLERK, Role.UNIT_ADMIN)


def units_with_role(user: User, roles: tuple[str, ...]) -> QuerySet[RoleAssignment, Any]:
    """A subquery of the unit ids where the person holds one of the roles."""
    return RoleAssignment.objects.filter(user=user, role__in=roles).values("unit_id")


def _involved_instances(user: User) -> QuerySet[Instance, Any]:
    return Instance.objects.filter(involved_q(user)).values("pk")


def receipts_visible_q(viewer: User) -> Q:
    return Q(unit_id__in=units_with_role(viewer, OFFICE_ROLES)) | Q(
        instance_id__in=_involved_instances(viewer)
    )


def documents_visible_q(viewer: User) -> Q:
    handled = Receipt.objects.filter(receipts_visible_q(viewer)).values("document_id")
    return (
        Q(instance_id__in=_involved_instances(viewer))
        | Q(unit_id__in=units_with_role(viewer, (Role.UNIT_ADMIN,)))
        | Q(pk__in=handled)
    )


def documents_visible(viewer: User) -> QuerySet[Document]:
    return Document.objects.filter(documents_visible_q(viewer))


def receipts_visible(viewer: User) -> QuerySet[Receipt]:
    return Receipt.objects.filter(receipts_visible_q(viewer))


def document_get(*, viewer: User, document_id: int) -> Document:
    """The document if the viewer may see it; else DocumentNotFound (never a 403 that leaks it)."""
    document = (
        documents_visible(viewer)
        .select_related("unit", "drafter", "department", "main_file", "signer", "instance")
        .filter(pk=document_id)
        .first()
    )
    if document is None:
        raise NotFound.of(codes.DOCUMENT_NOT_FOUND)
    return document


def receipt_get(*, viewer: User, receipt_id: int) -> Receipt:
    receipt = (
        receipts_visible(viewer)
        .select_related("document", "unit", "instance", "signed_by", "refused_by")
        .filter(pk=receipt_id)
        .first()
    )
    if receipt is None:
        raise NotFound.of(codes.RECEIPT_NOT_FOUND)
    return receipt


def is_office_of(user: User, unit_id: int) -> bool:
    """A clerk (收发员) or admin of the unit: who signs for, refuses and registers its 收文."""
    return RoleAssignment.objects.filter(user=user, unit_id=unit_id, role__in=OFFICE_ROLES).exists()


def clerks_of(unit_ids: list[int]) -> dict[int, list[int]]:
    """The 收发员 of each unit (falling back to its admins where it has none)."""
    rows = RoleAssignment.objects.filter(
        unit_id__in=unit_ids, role__in=OFFICE_ROLES, user__is_active=True
    ).values_list("unit_id", "role", "user_id")
    clerks: dict[int, list[int]] = {}
    admins: dict[int, list[int]] = {}
    for unit_id, role, user_id in rows.order_by("user_id"):
        (clerks if role == Role.CLERK else admins).setdefault(unit_id, []).append(user_id)
    return {u: clerks.get(u) or admins.get(u, []) for u in unit_ids}


def document_file_get(*, viewer: User, document_id: int, token: str) -> Attachment:
    """A file of a document the viewer may see: its 正文 file, an 附件, or a 手写签批
    image in its 发文 flow or in a 收文 flow the viewer may see."""
    document = document_get(viewer=viewer, document_id=document_id)
    attachment = Attachment.objects.filter(token=token).first()
    if attachment is None:
        raise NotFound.of(codes.ATTACHMENT_NOT_FOUND)
    handled = receipts_visible(viewer).filter(document=document, instance__isnull=False)
    instances = [document.instance_id, *handled.values_list("instance_id", flat=True)]
    belongs = (
        document.main_file_id == attachment.pk
        or document.files.filter(attachment=attachment).exists()
        or HandSign.objects.filter(image=attachment, instance_id__in=instances).exists()
    )
    if not belongs:
        raise NotFound.of(codes.ATTACHMENT_NOT_FOUND)
    return attachment
