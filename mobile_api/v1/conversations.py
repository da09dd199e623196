"""Conversations, members and messages over REST (for lists, history and socket-less clients)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from django.db import transaction
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from backend.common import error_catalogue as codes
from backend.common.errors import InvalidInput
from mobile_api.v1 import schemas as out
from mobile_api.v1.common import (
    errors,
    query_int,
    query_int_list,
    request_context,
    user_of,
    validated,
)
from mobile_api.v1.schemas import output
from realtime import selectors, services
from realtime.payloads import (
    conversation_item_payload,
    conversation_item_payloads,
    message_payload,
    message_payloads,
    user_brief,
)


def _item(request: Request, conversation_id: int) -> Any:
    item = selectors.conversation_item_get(viewer=user_of(request), conversation_id=conversation_id)
    return output(out.ConversationOut, conversation_item_payload(item))


class ConversationCreateInput(serializers.Serializer[Any]):
    kind = serializers.ChoiceField(choices=["direct", "group"])
    user_id = serializers.IntegerField(required=False)
    name = serializers.CharField(required=False, allow_blank=True, max_length=64)
    member_ids = serializers.ListField(
        child=serializers.IntegerField(), required=False, max_length=5000
    )


class ConversationListView(APIView):
    @extend_schema(
        operation_id="conversations_list",
        responses={200: out.ConversationOut(many=True), **errors(401)},
    )
    def get(self, request: Request) -> Response:
        viewer = user_of(request)
        items = selectors.conversation_list(viewer=viewer)
        return Response(
            output(out.ConversationOut, conversation_item_payloads(items, viewer), many=True)
        )

    @extend_schema(
        request=ConversationCreateInput,
        responses={201: out.ConversationOut, **errors(400, 401, 409)},
    )
    def post(self, request: Request) -> Response:
        v = validated(ConversationCreateInput, request.data)
        actor = user_of(request)
        if v["kind"] == "direct":
            if "user_id" not in v:
                raise InvalidInput.of(codes.INVALID_DIRECT, "请选择聊天对象")
            conversation = services.direct_conversation_get_or_create(
                actor=actor, other_id=v["user_id"]
            )
        else:
            conversation = services.group_create(
                actor=actor,
                name=v.get("name", ""),
                member_ids=v.get("member_ids", []),
                context=request_context(request),
            )
        return Response(_item(request, conversation.pk), status=status.HTTP_201_CREATED)


class ConversationUpdateInput(serializers.Serializer[Any]):
    name = serializers.CharField(max_length=64, allow_blank=True, required=False)
    history_visible_to_new_members = serializers.BooleanField(
        required=False, help_text="群主/管理员：新成员可查看入群前的聊天记录"
    )


class ConversationDetailView(APIView):
    @extend_schema(responses={200: out.ConversationOut, **errors(401, 403, 404)})
    def get(self, request: Request, conversation_id: int) -> Response:
        return Response(_item(request, conversation_id))

    @extend_schema(
        request=ConversationUpdateInput,
        responses={200: out.ConversationOut, **errors(400, 401, 403, 404)},
    )
    def patch(self, request: Request, conversation_id: int) -> Response:
        v = validated(ConversationUpdateInput, request.data)
        if not v:
            raise InvalidInput.of(codes.INVALID_FIELD, "请提供要修改的群名称或设置")
        actor, context = user_of(request), request_context(request)
        with transaction.atomic():  # both changes or neither
            if "name" in v:
                services.group_rename(
                    actor=actor, conversation_id=conversation_id, name=v["name"], context=context
                )
            if "history_visible_to_new_members" in v:
                services.group_history_visibility_set(
                    actor=actor,
                    conversation_id=conversation_id,
                    visible=v["history_visible_to_new_members"],
                    context=context,
                )
        return Response(_item(request, conversation_id))


class SettingsInput(serializers.Serializer[Any]):
    muted = serializers.BooleanField(required=False)
    pinned = serializers.BooleanField(required=False)


class ConversationSettingsView(APIView):
    @extend_schema(
        request=SettingsInput, responses={200: out.ConversationOut, **errors(400, 401, 403)}
    )
    def patch(self, request: Request, conversation_id: int) -> Response:
        data = validated(SettingsInput, request.data)
        services.membership_settings_update(
            actor=user_of(request), conversation_id=conversation_id, **data
        )
        return Response(_item(request, conversation_id))


class MembersInput(serializers.Serializer[Any]):
    user_ids = serializers.ListField(
        child=serializers.IntegerField(), min_length=1, max_length=2000
    )


class MemberListView(APIView):
    @extend_schema(responses={200: out.MemberOut(many=True), **errors(401, 403, 404)})
    def get(self, request: Request, conversation_id: int) -> Response:
        members = selectors.member_list(viewer=user_of(request), conversation_id=conversation_id)
        return Response(
            output(
                out.MemberOut,
                [
                    {"user": user_brief(m.user), "role": m.role, "last_read_seq": m.last_read_seq}
                    for m in members
                ],
                many=True,
            )
        )

    @extend_schema(
        request=MembersInput, responses={200: out.ConversationOut, **errors(400, 401, 403, 409)}
    )
    def post(self, request: Request, conversation_id: int) -> Response:
        data = validated(MembersInput, request.data)
        services.group_members_add(
            actor=user_of(request),
            conversation_id=conversation_id,
            user_ids=data["user_ids"],
            context=request_context(request),
        )
        return Response(_item(request, conversation_id))


class MemberDetailView(APIView):
    @extend_schema(responses={204: None, **errors(400, 401, 403)})
    def delete(self, request: Request, conversation_id: int, user_id: int) -> Response:
        services.group_member_remove(
            actor=user_of(request),
            conversation_id=conversation_id,
            user_id=user_id,
            context=request_context(request),
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


class _GroupCommandView(APIView):
    # A POST with no body that runs one group service for the caller; 204. (A comment,
    # not a docstring: drf-spectacular would publish a docstring as each operation's text.)
    command: ClassVar[Callable[..., None]]

    @extend_schema(request=None, responses={204: None, **errors(400, 401, 403)})
    def post(self, request: Request, conversation_id: int) -> Response:
        type(self).command(
            actor=user_of(request),
            conversation_id=conversation_id,
            context=request_context(request),
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


class LeaveView(_GroupCommandView):
    command = staticmethod(services.group_leave)


class DissolveView(_GroupCommandView):
    command = staticmethod(services.group_dissolve)


class TransferInput(serializers.Serializer[Any]):
    user_id = serializers.IntegerField()


class TransferView(APIView):
    @extend_schema(
        request=TransferInput, responses={200: out.ConversationOut, **errors(400, 401, 403)}
    )
    def post(self, request: Request, conversation_id: int) -> Response:
        data = validated(TransferInput, request.data)
        services.group_transfer_ownership(
            actor=user_of(request),
            conversation_id=conversation_id,
            new_owner_id=data["user_id"],
            context=request_context(request),
        )
        return Response(_item(request, conversation_id))


class AdminInput(serializers.Serializer[Any]):
    user_id = serializers.IntegerField()
    is_admin = serializers.BooleanField()


class AdminView(APIView):
    @extend_schema(
        request=AdminInput, responses={200: out.ConversationOut, **errors(400, 401, 403)}
    )
    def post(self, request: Request, conversation_id: int) -> Response:
        data = validated(AdminInput, request.data)
        services.group_admin_set(
            actor=user_of(request),
            conversation_id=conversation_id,
            user_id=data["user_id"],
            is_admin=data["is_admin"],
            context=request_context(request),
        )
        return Response(_item(request, conversation_id))


class SendInput(serializers.Serializer[Any]):
    text = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False)
    client_id = serializers.CharField(required=False, allow_blank=True, max_length=64)
    attachment_id = serializers.CharField(required=False, allow_null=True, max_length=64)
    reply_to = serializers.IntegerField(required=False, allow_null=True)
    mentions = serializers.ListField(
        child=serializers.IntegerField(), required=False, max_length=2000
    )
    mention_all = serializers.BooleanField(required=False, default=False)


class MessageListView(APIView):
    @extend_schema(
        parameters=[
            OpenApiParameter("before_seq", int, required=False),
            OpenApiParameter("limit", int, required=False),
        ],
        responses={200: out.HistoryOut, **errors(400, 401, 403, 404)},
    )
    def get(self, request: Request, conversation_id: int) -> Response:
        viewer = user_of(request)
        before = query_int(request, "before_seq", not_int=codes.INVALID_FIELD)
        limit = query_int(request, "limit", not_int=codes.INVALID_FIELD) or 50
        messages, has_more = selectors.message_history(
            viewer=viewer, conversation_id=conversation_id, before_seq=before, limit=limit
        )
        history = {"messages": message_payloads(messages, viewer), "has_more": has_more}
        return Response(output(out.HistoryOut, history))

    @extend_schema(
        request=SendInput,
        responses={
            201: out.MessageOut,
            200: out.MessageOut,
            **errors(400, 401, 403, 404, 409, 429),
        },
    )
    def post(self, request: Request, conversation_id: int) -> Response:
        v = validated(SendInput, request.data)
        actor = user_of(request)
        services.message_rate_take(actor=actor)
        message, created = services.message_send(
            actor=actor,
            conversation_id=conversation_id,
            text=v.get("text", ""),
            client_id=v.get("client_id", ""),
            attachment_id=v.get("attachment_id"),
            reply_to_id=v.get("reply_to"),
            mention_ids=v.get("mentions", []),
            mention_all=v.get("mention_all", False),
        )
        return Response(
            output(out.MessageOut, message_payload(message, actor)),
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )


class ReadInput(serializers.Serializer[Any]):
    seq = serializers.IntegerField(min_value=0)


class ReadView(APIView):
    @extend_schema(request=ReadInput, responses={200: out.ReadOut, **errors(400, 401, 403)})
    def post(self, request: Request, conversation_id: int) -> Response:
        data = validated(ReadInput, request.data)
        seq = services.conversation_mark_read(
            actor=user_of(request), conversation_id=conversation_id, seq=data["seq"]
        )
        return Response(output(out.ReadOut, {"last_read_seq": seq}))


class ReceiptCountsView(APIView):
    @extend_schema(
        parameters=[OpenApiParameter("seqs", str, description="逗号分隔的消息序号")],
        responses={200: out.ReceiptCountsOut, **errors(400, 401, 403)},
    )
    def get(self, request: Request, conversation_id: int) -> Response:
        seqs = query_int_list(request, "seqs", not_int=codes.INVALID_FIELD)
        counts = selectors.receipt_counts(
            viewer=user_of(request), conversation_id=conversation_id, seqs=seqs
        )
        by_seq = {str(seq): {"read": r, "unread": u} for seq, (r, u) in counts.items()}
        return Response(output(out.ReceiptCountsOut, {"counts": by_seq}))


class MessageReceiptsView(APIView):
    @extend_schema(responses={200: out.ReceiptsOut, **errors(401, 403, 404)})
    def get(self, request: Request, message_id: int) -> Response:
        receipts = selectors.message_receipts(viewer=user_of(request), message_id=message_id)
        return Response(
            output(
                out.ReceiptsOut,
                {
                    "read": [user_brief(u) for u in receipts.read],
                    "unread": [user_brief(u) for u in receipts.unread],
                },
            )
        )


class RecallView(APIView):
    @extend_schema(request=None, responses={200: out.MessageOut, **errors(401, 403, 404)})
    def post(self, request: Request, message_id: int) -> Response:
        actor = user_of(request)
        message = services.message_recall(
            actor=actor, message_id=message_id, context=request_context(request)
        )
        return Response(output(out.MessageOut, message_payload(message, actor)))


class SearchView(APIView):
    @extend_schema(
        parameters=[
            OpenApiParameter("q", str),
            OpenApiParameter("conversation_id", int, required=False),
        ],
        responses={200: out.MessageOut(many=True), **errors(400, 401, 403)},
    )
    def get(self, request: Request) -> Response:
        viewer = user_of(request)
        messages = selectors.message_search(
            viewer=viewer,
            query=request.query_params.get("q", "")[:100],
            conversation_id=query_int(request, "conversation_id", not_int=codes.INVALID_FIELD),
        )
        return Response(output(out.MessageOut, message_payloads(messages, viewer), many=True))
