"""Audio/video calls started from a conversation (docs/calls.md).

A `Call` belongs to one conversation, which has at most one live call
(ringing or ongoing) at a time. A `CallParticipant` is one person in it (rung,
joined, gone); a `CallPeer` is one joined device — the WebSocket that holds it
and the `peer_id` other devices address their signalling to. The database is
the truth of who is in a call; the channel layer only carries the doorbells.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q


class Call(models.Model):
    """A call in a conversation: mesh while small, SFU (Janus) above the mesh limit."""

    class Media(models.TextChoices):
        AUDIO = "audio", "语音通话"
        VIDEO = "video", "视频通话"

    class Mode(models.TextChoices):
        MESH = "mesh", "点对点"
        SFU = "sfu", "媒体服务器"

    class State(models.TextChoices):
        RINGING = "ringing", "呼叫中"
        ONGOING = "ongoing", "通话中"
        ENDED = "ended", "已结束"

    class EndReason(models.TextChoices):
        NONE = "", ""
        HUNG_UP = "hung_up", "通话结束"  # the last joined person left
        HOST_ENDED = "host_ended", "发起人结束了通话"
        CANCELLED = "cancelled", "已取消"  # the host left before anyone answered
        MISSED = "missed", "未接来电"  # nobody answered the ring
        DECLINED = "declined", "已拒绝"  # everyone rung declined

    conversation = models.ForeignKey(
        "realtime.Conversation", on_delete=models.CASCADE, related_name="+"
    )
    host = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    media = models.CharField(max_length=8, choices=Media.choices)
    mode = models.CharField(max_length=8, choices=Mode.choices, default=Mode.MESH)
    state = models.CharField(max_length=8, choices=State.choices, default=State.RINGING)
    end_reason = models.CharField(max_length=16, choices=EndReason.choices, blank=True)
    started_at = models.DateTimeField()
    answered_at = models.DateTimeField(null=True, blank=True)  # the first join after the host's
    ended_at = models.DateTimeField(null=True, blank=True)
    recording = models.BooleanField(default=False)
    sfu_room = models.BigIntegerField(null=True, blank=True)

    class Meta:
        constraints = [
            # One live call per conversation, under any race (call_in_progress).
            models.UniqueConstraint(
                fields=["conversation"],
                condition=Q(ended_at__isnull=True),
                name="calls_one_live_call_per_conversation",
            )
        ]

    def __str__(self) -> str:
        return f"call {self.pk} in conversation {self.conversation_id}"

    @property
    def is_live(self) -> bool:
        return self.state != self.State.ENDED


class CallParticipant(models.Model):
    """One person in a call: rung, joined, gone; their device's media state."""

    class State(models.TextChoices):
        RINGING = "ringing", "呼叫中"
        JOINED = "joined", "通话中"
        LEFT = "left", "已离开"
        DECLINED = "declined", "已拒绝"
        MISSED = "missed", "未接听"
        REMOVED = "removed", "已被移出"

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="participants")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    state = models.CharField(max_length=8, choices=State.choices)
    invited = models.BooleanField(default=False)  # rung (by the starter or an invite)
    ring_until = models.DateTimeField(null=True, blank=True)
    joined_at = models.DateTimeField(null=True, blank=True)  # the first join
    left_at = models.DateTimeField(null=True, blank=True)
    muted = models.BooleanField(default=False)
    camera = models.BooleanField(default=False)
    screen = models.BooleanField(default=False)
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["call", "user"], name="calls_one_participant_per_user")
        ]
        indexes = [models.Index(fields=["user", "state"])]

    def __str__(self) -> str:
        return f"user {self.user_id} in call {self.call_id} ({self.state})"


class CallPeer(models.Model):
    """One joined device: the socket (channel name) that signalling for `peer_id` goes to.

    A socket that closes while joined keeps its peer until `rejoin_until`
    (ZT_CALL_REJOIN_SECONDS): a `call_join` with the same `peer_id` from a new
    socket continues it; after that the peer has left.
    """

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="peers")
    participant = models.ForeignKey(CallParticipant, on_delete=models.CASCADE, related_name="peers")
    peer_id = models.CharField(max_length=32, unique=True)
    channel_name = models.CharField(max_length=200)
    connection_id = models.CharField(max_length=64)
    joined_at = models.DateTimeField()
    detached_at = models.DateTimeField(null=True, blank=True)
    rejoin_until = models.DateTimeField(null=True, blank=True)
    left_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["channel_name"])]

    def __str__(self) -> str:
        return f"peer {self.peer_id} of call {self.call_id}"
