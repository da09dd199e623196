"""The messaging core: conversations, members, messages, attachments, events.

Two counters per conversation, both gapless and advanced under a row lock on
the conversation (see `services._lock_conversation`):

- `Message.seq` numbers messages (1, 2, 3 …) — what read pointers, unread
  counts and receipts speak of.
- `ConversationEvent.pos` numbers everything a client must not miss in that
  conversation (new messages, recalls, card updates, membership changes). A
  client keeps its last `pos` per conversation and resumes from it.
"""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q


class Conversation(models.Model):
    """A one-to-one or group conversation, possibly across units."""

    class Kind(models.TextChoices):
        DIRECT = "direct", "单聊"
        GROUP = "group", "群聊"

    kind = models.CharField(max_length=8, choices=Kind.choices)
    name = models.CharField(max_length=64, blank=True)
    # "<small id>:<large id>" for one-to-one conversations: the unique
    # constraint makes "exactly one per pair" hold under races.
    direct_key = models.CharField(max_length=64, null=True, blank=True, unique=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    last_seq = models.BigIntegerField(default=0)
    last_pos = models.BigIntegerField(default=0)
    member_count = models.IntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    last_message_at = models.DateTimeField(null=True, blank=True, db_index=True)
    dissolved_at = models.DateTimeField(null=True, blank=True)
    # Pre-join history policy (groups): a member reads only what was sent after
    # they joined, unless the owner/admins share the history with newcomers.
    # The one rule is `realtime.selectors.visible_messages`.
    history_visible_to_new_members = models.BooleanField(default=False)

    def __str__(self) -> str:
        return self.name or f"conversation {self.pk}"

    @property
    def is_group(self) -> bool:
        return self.kind == self.Kind.GROUP


class Membership(models.Model):
    """A person's place in a conversation and their private state there.

    `last_read_seq` is the read pointer: one row per member, not one per
    message per reader, so read receipts cost a count over members.
    Rows are never deleted: leaving sets `is_active=False` and `left_pos`, so
    resume knows which events a former member may still see.
    """

    class Role(models.TextChoices):
        OWNER = "owner", "群主"
        ADMIN = "admin", "管理员"
        MEMBER = "member", "成员"

    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="memberships"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=8, choices=Role.choices, default=Role.MEMBER)
    is_active = models.BooleanField(default=True)
    joined_at = models.DateTimeField(auto_now_add=True)
    joined_pos = models.BigIntegerField(default=0)
    # The conversation's `last_seq` when this member (last) joined: messages
    # with a larger seq are theirs; earlier ones only if the group shares its
    # history with new members.
    joined_seq = models.BigIntegerField(default=0)
    left_pos = models.BigIntegerField(null=True, blank=True)
    last_read_seq = models.BigIntegerField(default=0)
    muted = models.BooleanField(default=False)
    pinned = models.BooleanField(default=False)

    class Meta:
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(fields=["conversation", "user"], name="membership_unique")
        ]
        indexes: ClassVar[list[models.Index]] = [
            models.Index(fields=["user", "is_active"], name="membership_user_active"),
            models.Index(
                fields=["conversation", "is_active", "last_read_seq"],
                name="membership_read_ptr",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id}@{self.conversation_id}"

    @property
    def is_admin(self) -> bool:
        return self.role in (self.Role.OWNER, self.Role.ADMIN)


def attachment_path(instance: Attachment, filename: str) -> str:
    # The stored name never comes from the uploader: no path tricks, no leaks.
    return f"attachments/{instance.created_at:%Y/%m}/{instance.token}"


class Attachment(models.Model):
    """An uploaded file or image, private to the conversations it is sent in."""

    class Kind(models.TextChoices):
        IMAGE = "image", "图片"
        FILE = "file", "文件"

    token = models.CharField(max_length=32, unique=True)
    uploader = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(max_length=8, choices=Kind.choices)
    name = models.CharField(max_length=255)
    mime = models.CharField(max_length=128)
    size = models.BigIntegerField()
    sha256 = models.CharField(max_length=64)
    file = models.FileField(upload_to=attachment_path, max_length=255)
    width = models.IntegerField(null=True, blank=True)
    height = models.IntegerField(null=True, blank=True)
    thumbnail = models.FileField(upload_to="thumbnails/", blank=True, max_length=255)
    created_at = models.DateTimeField()

    def __str__(self) -> str:
        return self.name


class Message(models.Model):
    """One message in a conversation; `seq` is gapless within the conversation."""

    class Kind(models.TextChoices):
        TEXT = "text", "文本"
        IMAGE = "image", "图片"
        FILE = "file", "文件"
        SYSTEM = "system", "系统消息"
        CARD = "card", "卡片"

    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="messages"
    )
    seq = models.BigIntegerField()
    sender = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    kind = models.CharField(max_length=8, choices=Kind.choices)
    text = models.TextField(blank=True)
    # System messages and cards carry structured data (who did what).
    data = models.JSONField(default=dict, blank=True)
    attachment = models.ForeignKey(
        Attachment, null=True, blank=True, on_delete=models.PROTECT, related_name="messages"
    )
    card_type = models.CharField(max_length=32, blank=True)
    card_object_id = models.CharField(max_length=64, blank=True)
    reply_to = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    mentions_all = models.BooleanField(default=False)
    client_id = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField()
    recalled_at = models.DateTimeField(null=True, blank=True)
    recalled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(fields=["conversation", "seq"], name="message_seq_unique"),
            models.UniqueConstraint(
                fields=["sender", "client_id"],
                condition=~Q(client_id=""),
                name="message_client_id_unique",
            ),
        ]
        indexes: ClassVar[list[models.Index]] = [
            models.Index(fields=["card_type", "card_object_id"], name="message_card_ref"),
        ]

    def __str__(self) -> str:
        return f"{self.conversation_id}#{self.seq}"

    @property
    def is_recalled(self) -> bool:
        return self.recalled_at is not None


class MessageMention(models.Model):
    """An explicit @ of one member; @所有人 is `Message.mentions_all` instead."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="mentions")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="+")
    seq = models.BigIntegerField()

    class Meta:
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(fields=["message", "user"], name="mention_unique")
        ]
        indexes: ClassVar[list[models.Index]] = [
            models.Index(fields=["user", "conversation", "seq"], name="mention_lookup")
        ]

    def __str__(self) -> str:
        return f"@{self.user_id} in {self.message_id}"


class ConversationEvent(models.Model):
    """A durable event a member's client must not miss, numbered by `pos`.

    The payload is rebuilt from current rows at delivery time (a resumed
    `message.new` shows the message as it is now), so `data` holds only what
    is not in another row (who was added, what was renamed).
    """

    class Type(models.TextChoices):
        MESSAGE_NEW = "message.new"
        MESSAGE_RECALLED = "message.recalled"
        CARD_UPDATED = "card.updated"
        MEMBER_ADDED = "member.added"
        MEMBER_REMOVED = "member.removed"
        CONVERSATION_UPDATED = "conversation.updated"
        CONVERSATION_DISSOLVED = "conversation.dissolved"

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="events")
    pos = models.BigIntegerField()
    type = models.CharField(max_length=32, choices=Type.choices)
    message = models.ForeignKey(
        Message, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(fields=["conversation", "pos"], name="event_pos_unique")
        ]

    def __str__(self) -> str:
        return f"{self.conversation_id}@{self.pos} {self.type}"


class WsTicket(models.Model):
    """A short-lived, single-use ticket that authenticates one WebSocket."""

    key = models.CharField(max_length=64, unique=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    expires_at = models.DateTimeField()
    # The login that asked for it, as a digest (`realtime.services.credential_tag`):
    # the socket closes when that session or token ends.
    credential = models.CharField(max_length=80, blank=True, default="")

    def __str__(self) -> str:
        return f"ticket for {self.user_id}"


class UrgentNotice(models.Model):
    """A message its sender marked 加急 (DING): who must read it, and by which channels.

    No read tracking of its own: a recipient has read it when their read
    pointer reached it (`Membership.last_read_seq >= message.seq`). How each
    was reached is push's delivery log under the keys ``urgent:msg:<id>:…``.
    `recipient_ids` are the members when it was marked (later joiners are not
    chased).
    """

    message = models.OneToOneField(Message, on_delete=models.CASCADE, related_name="urgent")
    sender = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    channels = models.JSONField(default=list)  # "app" always; "sms", "ring"
    recipient_ids = models.JSONField(default=list)
    created_at = models.DateTimeField()
    sms_after = models.DateTimeField(null=True, blank=True)
    remind_count = models.PositiveSmallIntegerField(default=0)
    reminded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "加急"
        verbose_name_plural = "加急"

    def __str__(self) -> str:
        return f"加急 {self.message_id}"
