"""Output shapes of the 公文 REST API (docs/documents.md, "REST")."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from mobile_api.v1.flow_shapes import HistoryEntryOut, PersonOut, RouteStepStateOut
from mobile_api.v1.schemas import ActionOut, ChoiceOut

S = serializers.Serializer


class UnitBriefOut(S[Any]):
    id = serializers.IntegerField()
    name = serializers.CharField()


class DocumentSummaryOut(S[Any]):
    id = serializers.IntegerField()
    title = serializers.CharField()
    kind = serializers.CharField()
    kind_label = serializers.CharField()
    doc_number = serializers.CharField(allow_blank=True)
    urgency = serializers.ChoiceField(choices=["normal", "urgent", "extra_urgent"])
    urgency_label = serializers.CharField()
    unit = UnitBriefOut()
    drafter = PersonOut()
    status = serializers.ChoiceField(choices=["running", "returned", "withdrawn", "distributed"])
    status_label = serializers.CharField()
    current_step = serializers.CharField(allow_blank=True)
    archived = serializers.BooleanField()
    created_at = serializers.DateTimeField()


RECEIPT_STATUSES = ["delivered", "refused", "signed", "handling", "done"]


class ReceiptBriefOut(S[Any]):
    id = serializers.IntegerField()
    unit = UnitBriefOut()
    status = serializers.ChoiceField(choices=RECEIPT_STATUSES)
    status_label = serializers.CharField()
    register_no = serializers.CharField(allow_blank=True)
    handle_type = serializers.CharField(allow_blank=True)
    delivered_at = serializers.DateTimeField()


class EntryOut(S[Any]):
    document = DocumentSummaryOut()
    receipt = ReceiptBriefOut(allow_null=True)


class DocCountsOut(S[Any]):
    todo = serializers.IntegerField()
    done = serializers.IntegerField()
    mine = serializers.IntegerField()
    sent = serializers.IntegerField()
    received = serializers.IntegerField()


class DocListOut(S[Any]):
    items = EntryOut(many=True)
    has_more = serializers.BooleanField()
    counts = DocCountsOut()


class DocFileOut(S[Any]):
    token = serializers.CharField()
    name = serializers.CharField()
    mime = serializers.CharField()
    size = serializers.IntegerField()
    url = serializers.CharField()


class SheetEntryOut(HistoryEntryOut):
    """One line of the 处理笺: who, when, which step, the opinion typed or written by hand."""

    handwriting_url = serializers.CharField(allow_null=True)
    party = serializers.CharField(
        allow_blank=True, help_text="会签: the department or unit the actor signed for, else empty"
    )


class CountersignRowOut(S[Any]):
    """One 会签 department or unit: who signs for it (its 负责人, or whom they 转办'd to),
    where it stands and its opinion."""

    kind = serializers.ChoiceField(choices=["department", "unit"])
    kind_label = serializers.CharField()
    id = serializers.IntegerField(help_text="the department's or the unit's id")
    name = serializers.CharField()
    assignee = PersonOut()
    status = serializers.ChoiceField(choices=["future", "pending", "done", "returned", "cancelled"])
    status_label = serializers.CharField()
    opinion = serializers.CharField(allow_blank=True)
    acted_at = serializers.DateTimeField(allow_null=True)
    handwriting_url = serializers.CharField(allow_null=True)


class ReceiptRowOut(S[Any]):
    """One recipient unit's 送达回执."""

    id = serializers.IntegerField()
    unit = UnitBriefOut()
    role = serializers.ChoiceField(choices=["main", "copy"])
    status = serializers.ChoiceField(choices=RECEIPT_STATUSES)
    status_label = serializers.CharField()
    delivered_at = serializers.DateTimeField()
    signed_by = PersonOut(allow_null=True)
    signed_at = serializers.DateTimeField(allow_null=True)
    refused_by = PersonOut(allow_null=True)
    refused_at = serializers.DateTimeField(allow_null=True)
    refuse_reason = serializers.CharField(allow_blank=True)
    register_no = serializers.CharField(allow_blank=True)
    finished_at = serializers.DateTimeField(allow_null=True)
    can_redistribute = serializers.BooleanField()


class MyReceiptOut(S[Any]):
    id = serializers.IntegerField()
    unit = UnitBriefOut()
    status = serializers.ChoiceField(choices=RECEIPT_STATUSES)


class DocumentDetailOut(DocumentSummaryOut):
    direction = serializers.ChoiceField(choices=["up", "parallel", "down"])
    direction_label = serializers.CharField()
    secrecy = serializers.ChoiceField(choices=["none", "internal"])
    secrecy_label = serializers.CharField()
    publicity = serializers.ChoiceField(choices=["public", "on_request", "not_public"])
    publicity_label = serializers.CharField()
    issuer_mark = serializers.CharField()
    body = serializers.CharField(allow_blank=True)
    note = serializers.CharField(allow_blank=True)
    main_file = DocFileOut(allow_null=True)
    attachments = DocFileOut(many=True)
    main_to = UnitBriefOut(many=True)
    copy_to = UnitBriefOut(many=True)
    signer = PersonOut(allow_null=True)
    signed_at = serializers.DateTimeField(allow_null=True)
    sealed_at = serializers.DateTimeField(allow_null=True)
    distributed_at = serializers.DateTimeField(allow_null=True)
    archived_at = serializers.DateTimeField(allow_null=True)
    route = RouteStepStateOut(many=True)
    history = SheetEntryOut(many=True)
    countersign = CountersignRowOut(many=True)
    actions = ActionOut(many=True)
    can_archive = serializers.BooleanField()
    receipts = ReceiptRowOut(many=True)
    my_receipts = MyReceiptOut(many=True)


class DepartmentChoiceOut(S[Any]):
    id = serializers.IntegerField()
    name = serializers.CharField()
    heads = PersonOut(many=True)


class ReceiptDetailOut(ReceiptRowOut):
    document = DocumentDetailOut()
    registered_at = serializers.DateTimeField(allow_null=True)
    source_unit_name = serializers.CharField(allow_blank=True)
    source_number = serializers.CharField(allow_blank=True)
    copies = serializers.IntegerField()
    handle_type = serializers.CharField(allow_blank=True)
    handle_type_label = serializers.CharField(allow_blank=True)
    route = RouteStepStateOut(many=True)
    history = SheetEntryOut(many=True)
    actions = ActionOut(many=True)
    departments = DepartmentChoiceOut(many=True)


class UnitSettingsOut(S[Any]):
    id = serializers.IntegerField()
    name = serializers.CharField()
    prefix = serializers.CharField()
    issuer_mark = serializers.CharField()


class MetaOut(S[Any]):
    kinds = ChoiceOut(many=True)
    secrecy = ChoiceOut(many=True)
    urgency = ChoiceOut(many=True)
    publicity = ChoiceOut(many=True)
    handle_types = ChoiceOut(many=True)
    boxes = ChoiceOut(many=True)
    my_unit = UnitSettingsOut(allow_null=True)
    main_file_types = serializers.ListField(child=serializers.CharField())
    attachment_types = serializers.ListField(child=serializers.CharField())
    max_file_bytes = serializers.IntegerField()
