"""Output shapes for the OpenAPI schema.

The payload builders in `realtime.payloads` produce these dicts; the
serializers here only describe them so clients can generate types.
"""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

S = serializers.Serializer


class UserBriefOut(S[Any]):
    id = serializers.IntegerField()
    name = serializers.CharField()
    avatar = serializers.CharField(allow_null=True)
    is_bot = serializers.BooleanField()


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


# `label`, `style`, `fields` and `data` are also attribute names on DRF's
# own classes. DRF's metaclass pops declared fields out of the class body, so
# at run time they do not shadow anything; only the stubs disagree.


class ActionChoiceOut(S[Any]):
    id = serializers.CharField()
    name = serializers.CharField()


class CardActionOut(S[Any]):
    """realtime.cards.CardAction: the one action shape (cards and detail pages)."""

    action = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]
    style = serializers.ChoiceField(  # type: ignore[assignment]
        choices=["primary", "danger", "warning", "default"]
    )
    enabled = serializers.BooleanField()
    disabled_reason = serializers.CharField(allow_blank=True)
    opinion = serializers.ChoiceField(choices=["none", "optional", "required"])
    opinion_label = serializers.CharField(allow_blank=True)
    needs_opinion = serializers.BooleanField()
    needs_person = serializers.BooleanField()
    needs_next_assignees = serializers.BooleanField()
    may_pass_on = serializers.BooleanField()
    positions = ActionChoiceOut(many=True)
    targets = ActionChoiceOut(many=True)
    confirm = serializers.CharField(allow_blank=True)
    task_id = serializers.IntegerField(allow_null=True)


class CardViewOut(S[Any]):
    title = serializers.CharField()
    status = serializers.CharField()
    status_label = serializers.CharField()
    fields = serializers.ListField(  # type: ignore[assignment]
        child=serializers.DictField(child=serializers.CharField())
    )
    actions = CardActionOut(many=True)
    link = serializers.CharField()


class CardOut(S[Any]):
    card_type = serializers.CharField()
    object_id = serializers.CharField()
    view = CardViewOut(allow_null=True)


class QuoteOut(S[Any]):
    id = serializers.IntegerField()
    seq = serializers.IntegerField()
    sender_name = serializers.CharField()
    excerpt = serializers.CharField()


class MessageOut(S[Any]):
    id = serializers.IntegerField()
    conversation_id = serializers.IntegerField()
    seq = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=["text", "image", "file", "system", "card"])
    sender = UserBriefOut(allow_null=True)
    text = serializers.CharField()
    data = serializers.DictField()  # type: ignore[assignment]
    attachment = AttachmentOut(allow_null=True)
    card = CardOut(allow_null=True)
    reply_to = QuoteOut(allow_null=True)
    mentions = serializers.ListField(child=serializers.IntegerField())
    mention_all = serializers.BooleanField()
    client_id = serializers.CharField()
    created_at = serializers.DateTimeField()
    recalled = serializers.BooleanField()
    recalled_by = serializers.IntegerField(allow_null=True)
    recall_until = serializers.DateTimeField(allow_null=True)


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
    can_recall_any = serializers.BooleanField()
    last_message = MessageOut(allow_null=True)
    last_message_at = serializers.DateTimeField(allow_null=True)


class MemberOut(S[Any]):
    user = UserBriefOut()
    role = serializers.ChoiceField(choices=["owner", "admin", "member"])
    last_read_seq = serializers.IntegerField()


class HistoryOut(S[Any]):
    messages = MessageOut(many=True)
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
