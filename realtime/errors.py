"""Errors of the messaging core (codes are part of the protocol: never rename)."""

from typing import Any

from django.conf import settings

from backend.common.errors import Conflict, InvalidInput, NotFound, PermissionDenied


class NotAMember(PermissionDenied):
    code = "not_a_member"
    message = "您不是该会话成员"


class ConversationNotFound(NotFound):
    code = "conversation_not_found"
    message = "会话不存在"


class MessageNotFound(NotFound):
    code = "message_not_found"
    message = "消息不存在"


class NotGroupAdmin(PermissionDenied):
    code = "not_group_admin"
    message = "只有群主或管理员可以执行此操作"


class NotGroupOwner(PermissionDenied):
    code = "not_group_owner"
    message = "只有群主可以执行此操作"


class NotDirectPair(InvalidInput):
    code = "invalid_direct"
    message = "单聊需要另一位有效的人员"


class ConversationDissolved(Conflict):
    code = "conversation_dissolved"
    message = "该群聊已解散"


class GroupFull(Conflict):
    code = "group_full"
    message = "群成员已达上限"


class TextTooLong(InvalidInput):
    code = "text_too_long"
    message = "消息过长,最多5000字"


class EmptyMessage(InvalidInput):
    code = "empty_message"
    message = "消息内容不能为空"


class RecallNotAllowed(PermissionDenied):
    code = "recall_not_allowed"
    # With the default window; raised, the text follows ZT_RECALL_WINDOW_SECONDS.
    message = "只能撤回自己2分钟内发送的消息"

    def __init__(self, message: str | None = None, **kwargs: Any) -> None:
        super().__init__(message or f"只能撤回自己{recall_window_text()}内发送的消息", **kwargs)


def recall_window_text() -> str:
    """「2分钟」, or 「90秒」 when ZT_RECALL_WINDOW_SECONDS is not whole minutes."""
    seconds = int(settings.ZT_RECALL_WINDOW_SECONDS)
    if seconds % 60 == 0:
        return f"{seconds // 60}分钟"
    return f"{seconds}秒"


class AttachmentRejected(InvalidInput):
    code = "attachment_rejected"
    message = "不支持的文件类型"


class AttachmentTooLarge(InvalidInput):
    code = "attachment_too_large"
    message = "文件过大"


class AttachmentNotFound(NotFound):
    code = "attachment_not_found"
    message = "附件不存在或无权访问"


class ClientIdReused(Conflict):
    code = "client_id_reused"
    message = "消息编号已用于其他会话"


class TicketInvalid(PermissionDenied):
    code = "ticket_invalid"
    message = "连接凭证无效或已过期"
