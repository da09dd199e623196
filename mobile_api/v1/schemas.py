"""Output shapes for the OpenAPI schema.

The payload builders in `realtime.payloads` produce these dicts; the
serializers here only describe them so clients can generate types.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import inline_serializer
from rest_framework import serializers

S = serializers.Serializer


class UserBriefOut(S[Any]):
    id = serializers.IntegerField()
    name = serializers.CharField()
    avatar = serializers.CharField(allow_null=True)


class AttachmentOut(S[Any]):
    id = serializers.CharField()
    kind = serializers.ChoiceField(choices=["image", "file"])
    name = serializers.CharField()
    mime = serializers.CharField()
    size = serializers.IntegerField()
    width = serializers.IntegerField(allow_null=True)
    height = serializers.IntegerField(allow_null=True)
    url = serializers.CharField()
    thumbnail_url = serializers.CharField(allow_null=True)


# `label`, `style`, `fields` and `data` are attribute names of DRF's own
# classes, so these shapes are declared as inline serializers.
CardActionOut = inline_serializer(
    "CardAction",
    {
        "action": serializers.CharField(),
        "label": serializers.CharField(),
        "style": serializers.CharField(),
        "needs_opinion": serializers.BooleanField(),
    },
)

CardViewOut = inline_serializer(
    "CardView",
    {
        "title": serializers.CharField(),
        "status": serializers.CharField(),
        "status_label": serializers.CharField(),
        "fields": serializers.ListField(child=serializers.DictField(child=serializers.CharField())),
        "actions": serializers.ListField(child=CardActionOut),
        "link": serializers.CharField(),
    },
    allow_null=True,
)


class CardOut(S[Any]):
    card_type = serializers.CharField()
    object_id = serializers.CharField()
    view = CardViewOut


class QuoteOut(S[Any]):
    id = serializers.IntegerField()
    seq = serializers.IntegerField()
    sender_name = serializers.CharField()
    excerpt = serializers.CharField()


MessageOut = inline_serializer(
    "Message",
    {
        "id": serializers.IntegerField(),
        "conversation_id": serializers.IntegerField(),
        "seq": serializers.IntegerField(),
        "kind": serializers.ChoiceField(choices=["text", "image", "file", "system", "card"]),
        "sender": UserBriefOut(allow_null=True),
        "text": serializers.CharField(),
        "data": serializers.DictField(),
        "attachment": AttachmentOut(allow_null=True),
        "card": CardOut(allow_null=True),
        "reply_to": QuoteOut(allow_null=True),
        "mentions": serializers.ListField(child=serializers.IntegerField()),
        "mention_all": serializers.BooleanField(),
        "client_id": serializers.CharField(),
        "created_at": serializers.DateTimeField(),
        "recalled": serializers.BooleanField(),
        "recalled_by": serializers.IntegerField(allow_null=True),
    },
)


class ConversationOut(S[Any]):
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=["direct", "group"])
    name = serializers.CharField()
    owner_id = serializers.IntegerField(allow_null=True)
    member_count = serializers.IntegerField()
    last_seq = serializers.IntegerField()
    last_pos = serializers.IntegerField()
    dissolved = serializers.BooleanField()
    peer = UserBriefOut(allow_null=True)
    my_role = serializers.ChoiceField(choices=["owner", "admin", "member"])
    unread_count = serializers.IntegerField()
    mention_count = serializers.IntegerField()
    muted = serializers.BooleanField()
    pinned = serializers.BooleanField()
    last_read_seq = serializers.IntegerField()
    last_message = serializers.JSONField(allow_null=True, help_text="Message 或 null")
    last_message_at = serializers.DateTimeField(allow_null=True)


class MemberOut(S[Any]):
    user = UserBriefOut()
    role = serializers.ChoiceField(choices=["owner", "admin", "member"])
    last_read_seq = serializers.IntegerField()


class HistoryOut(S[Any]):
    messages = serializers.ListField(child=MessageOut)
    has_more = serializers.BooleanField()


class ReadOut(S[Any]):
    last_read_seq = serializers.IntegerField()


class ReceiptCountOut(S[Any]):
    read = serializers.IntegerField()
    unread = serializers.IntegerField()


class ReceiptCountsOut(S[Any]):
    counts = serializers.DictField(child=ReceiptCountOut())


class ReceiptsOut(S[Any]):
    read = UserBriefOut(many=True)
    unread = UserBriefOut(many=True)


class TicketOut(S[Any]):
    ticket = serializers.CharField()
    expires_at = serializers.DateTimeField()
