"""Errors of the messaging core (codes are part of the protocol: never rename)."""

from typing import Any

from django.conf import settings

from backend.common import error_catalogue as codes
from backend.common.errors import Conflict, InvalidInput, NotFound, PermissionDenied


class NotAMember(PermissionDenied):
    entry = codes.NOT_A_MEMBER


class ConversationNotFound(NotFound):
    entry = codes.CONVERSATION_NOT_FOUND


class MessageNotFound(NotFound):
    entry = codes.MESSAGE_NOT_FOUND


class NotGroupAdmin(PermissionDenied):
    entry = codes.NOT_GROUP_ADMIN


class NotGroupOwner(PermissionDenied):
    entry = codes.NOT_GROUP_OWNER


class NotDirectPair(InvalidInput):
    entry = codes.INVALID_DIRECT


class ConversationDissolved(Conflict):
    entry = codes.CONVERSATION_DISSOLVED


class GroupFull(Conflict):
    entry = codes.GROUP_FULL


class TextTooLong(InvalidInput):
    entry = codes.TEXT_TOO_LONG


class EmptyMessage(InvalidInput):
    entry = codes.EMPTY_MESSAGE


class RecallNotAllowed(PermissionDenied):
    # With the default window; raised, the text follows ZT_RECALL_WINDOW_SECONDS.
    entry = codes.RECALL_NOT_ALLOWED

    def __init__(self, message: str | None = None, **kwargs: Any) -> None:
        super().__init__(message or f"只能撤回自己{recall_window_text()}内发送的消息", **kwargs)


def recall_window_text() -> str:
    """「24小时」, 「2分钟」, or 「90秒」 when ZT_RECALL_WINDOW_SECONDS is not whole minutes."""
    seconds = int(settings.ZT_RECALL_WINDOW_SECONDS)
    if seconds % 3600 == 0:
        return f"{seconds // 3600}小时"
    if seconds % 60 == 0:
        return f"{seconds // 60}分钟"
    return f"{seconds}秒"


class AttachmentRejected(InvalidInput):
    entry = codes.ATTACHMENT_REJECTED


class AttachmentTooLarge(InvalidInput):
    entry = codes.ATTACHMENT_TOO_LARGE


class AttachmentNotFound(NotFound):
    entry = codes.ATTACHMENT_NOT_FOUND


class ClientIdReused(Conflict):
    entry = codes.CLIENT_ID_REUSED


class TicketInvalid(PermissionDenied):
    entry = codes.TICKET_INVALID
