"""Output serializers shared by the v1 views (and the OpenAPI schema built from them).

The payload builders (`realtime.payloads`, the selectors) produce dicts; every
view passes them through one of these (`output()`), so a response carries
exactly the declared fields, and the API tests validate each body against
/api/schema/ (tests/mobile_api/conftest.py).
"""

from __future__ import annotations

from typing import Any, get_args

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from realtime.event_types import SystemAction

S = serializers.Serializer


def output(serializer: type[S[Any]], payload: Any, *, many: bool = False) -> Any:
    """`payload` as `serializer` declares it (the one way a view shapes a response)."""
    return serializer(payload, many=many).data


@extend_schema_field(OpenApiTypes.NUMBER)
class NumberOut(serializers.Field):
    """An int or a float, sent as it is (FloatField would turn 5 into 5.0)."""

    def to_representation(self, value: Any) -> Any:
        return value


@extend_schema_field({"type": "object", "additionalProperties": True})
class JsonObjectOut(serializers.JSONField):
    """Data whose keys are chosen by people, not by the API (a form's values by field key,
    an administrator's flow definition, a history entry's details)."""


class ChoiceOut(S[Any]):
    """One option of an action (加签 position, 退回 target)."""

    id = serializers.CharField()
    name = serializers.CharField()


class LabelValueOut(S[Any]):
    label = serializers.CharField()  # type: ignore[assignment]
    value = serializers.CharField()


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


class ActionOut(S[Any]):
    """A button the server offers, fully described (realtime.cards.CardAction)."""

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
    positions = ChoiceOut(many=True)
    targets = ChoiceOut(many=True)
    confirm = serializers.CharField(allow_blank=True)
    task_id = serializers.IntegerField(allow_null=True)


class CardViewOut(S[Any]):
    title = serializers.CharField()
    status = serializers.CharField()
    status_label = serializers.CharField(allow_blank=True)
    fields = LabelValueOut(many=True)  # type: ignore[assignment]
    actions = ActionOut(many=True)
    link = serializers.CharField(allow_blank=True)


class CardOut(S[Any]):
    card_type = serializers.CharField()
    object_id = serializers.CharField()
    view = CardViewOut(allow_null=True)


class QuoteOut(S[Any]):
    id = serializers.IntegerField()
    seq = serializers.IntegerField()
    sender_name = serializers.CharField()
    excerpt = serializers.CharField()


class MessageDataOut(S[Any]):
    """What a system or card message says beyond its text (empty for the others)."""

    action = serializers.ChoiceField(required=False, choices=list(get_args(SystemAction)))
    by = serializers.IntegerField(required=False)
    user_ids = serializers.ListField(child=serializers.IntegerField(), required=False)
    old = serializers.CharField(required=False, allow_blank=True)
    new = serializers.CharField(required=False, allow_blank=True)
    is_admin = serializers.BooleanField(required=False)
    visible = serializers.BooleanField(required=False)
    title = serializers.CharField(required=False, allow_blank=True)
    sender_label = serializers.CharField(required=False, allow_blank=True)


class UrgentMarkOut(S[Any]):
    """加急: by which channels (app 应用内+推送, sms 未读短信, ring 响铃), by whom, when."""

    channels = serializers.ListField(child=serializers.ChoiceField(choices=["app", "sms", "ring"]))
    by = serializers.IntegerField(help_text="加急人(发送人)")
    at = serializers.DateTimeField()


class MessageOut(S[Any]):
    id = serializers.IntegerField()
    conversation_id = serializers.IntegerField()
    seq = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=["text", "image", "file", "system", "card"])
    sender = UserBriefOut(allow_null=True)
    text = serializers.CharField(allow_blank=True, trim_whitespace=False)
    data = MessageDataOut()  # type: ignore[assignment]
    attachment = AttachmentOut(allow_null=True)
    card = CardOut(allow_null=True)
    reply_to = QuoteOut(allow_null=True)
    mentions = serializers.ListField(child=serializers.IntegerField())
    mention_all = serializers.BooleanField()
    client_id = serializers.CharField(allow_blank=True)
    created_at = serializers.DateTimeField()
    recalled = serializers.BooleanField()
    recalled_by = serializers.IntegerField(allow_null=True)
    # Until when its sender may recall it; null for system/card/recalled messages.
    recall_until = serializers.DateTimeField(allow_null=True)
    # 加急 (null when not urgent, or recalled); the sender's detail: /messages/{id}/urgent.
    urgent = UrgentMarkOut(allow_null=True)


class ConversationOut(S[Any]):
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=["direct", "group"])
    name = serializers.CharField()
    owner_id = serializers.IntegerField(allow_null=True)
    member_count = serializers.IntegerField()
    last_seq = serializers.IntegerField()
    last_pos = serializers.IntegerField()
    dissolved = serializers.BooleanField()
    history_visible_to_new_members = serializers.BooleanField(
        help_text="群聊：新成员可查看入群前的聊天记录（默认否）"
    )
    peer = UserBriefOut(allow_null=True)
    my_role = serializers.ChoiceField(choices=["owner", "admin", "member"])
    unread_count = serializers.IntegerField()
    mention_count = serializers.IntegerField()
    muted = serializers.BooleanField()
    pinned = serializers.BooleanField()
    last_read_seq = serializers.IntegerField()
    last_message = MessageOut(allow_null=True)
    last_message_at = serializers.DateTimeField(allow_null=True)
    # The viewer may recall anyone's message here (group owner/admin).
    can_recall_any = serializers.BooleanField()


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
