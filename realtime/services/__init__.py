"""Every write of the messaging core, one module per concern (like Zulip's `zerver/actions/`).

Each service owns its transaction, its access check, its audit record and its
events (published on commit). Callers import the package
(`from realtime import services as chat`); the modules are:

- `groups`: direct chats and groups, members, names, owners, settings;
- `messages`: send, recall, read pointers, typing;
- `cards`: delivering cards (to people, into a conversation) and `card.updated`;
- `attachments`: uploads and audited downloads;
- `tickets`: one-time WebSocket tickets;
- `urgent`: 加急 (DING) and 再次提醒;
- `_core`: the conversation lock and the positional event log they share.
"""

from realtime.services.attachments import attachment_download_record, attachment_upload
from realtime.services.cards import (
    card_message_send,
    card_post,
    card_send_to_people,
    card_updated,
)
from realtime.services.groups import (
    GROUP_NAME_MAX,
    direct_conversation_get_or_create,
    group_admin_set,
    group_create,
    group_dissolve,
    group_history_visibility_set,
    group_leave,
    group_member_remove,
    group_members_add,
    group_rename,
    group_transfer_ownership,
    membership_settings_update,
)
from realtime.services.messages import (
    conversation_mark_read,
    message_rate_take,
    message_recall,
    message_send,
    typing_notify,
)
from realtime.services.sockets import credential_tag, sockets_close_for
from realtime.services.tickets import ws_ticket_issue, ws_ticket_redeem, ws_ticket_spend
from realtime.services.urgent import message_send_urgent, message_urge, message_urge_remind

__all__ = [
    "GROUP_NAME_MAX",
    "attachment_download_record",
    "attachment_upload",
    "card_message_send",
    "card_post",
    "card_send_to_people",
    "card_updated",
    "conversation_mark_read",
    "credential_tag",
    "direct_conversation_get_or_create",
    "group_admin_set",
    "group_create",
    "group_dissolve",
    "group_history_visibility_set",
    "group_leave",
    "group_member_remove",
    "group_members_add",
    "group_rename",
    "group_transfer_ownership",
    "membership_settings_update",
    "message_rate_take",
    "message_recall",
    "message_send",
    "message_send_urgent",
    "message_urge",
    "message_urge_remind",
    "sockets_close_for",
    "typing_notify",
    "ws_ticket_issue",
    "ws_ticket_redeem",
    "ws_ticket_spend",
]
