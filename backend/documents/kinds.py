"""The vocabulary of a 公文 (党政机关公文处理工作条例, 2012).

文种, 密级, 紧急程度, 公开属性, 行文方向.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from django.db import models


class Kind(models.TextChoices):
    """The 15 文种."""

    RESOLUTION = "resolution", "决议"
    DECISION = "decision", "决定"
    ORDER = "order", "命令(令)"
    COMMUNIQUE = "communique", "公报"
    ANNOUNCEMENT = "announcement", "公告"
    PUBLIC_NOTICE = "public_notice", "通告"
    OPINION = "opinion", "意见"
    NOTICE = "notice", "通知"
    BULLETIN = "bulletin", "通报"
    REPORT = "report", "报告"
    REQUEST = "request", "请示"
    REPLY = "reply", "批复"
    MOTION = "motion", "议案"
    LETTER = "letter", "函"
    MINUTES = "minutes", "纪要"


class Secrecy(models.TextChoices):
    """Only non-classified marks: the platform refuses 秘密/机密/绝密 everywhere."""

    NONE = "none", "非密"
    INTERNAL = "internal", "内部"


class Urgency(models.TextChoices):
    NORMAL = "normal", "普通"
    URGENT = "urgent", "加急"
    EXTRA_URGENT = "extra_urgent", "特急"


class Publicity(models.TextChoices):
    PUBLIC = "public", "主动公开"
    ON_REQUEST = "on_request", "依申请公开"
    NOT_PUBLIC = "not_public", "不予公开"


class Direction(models.TextChoices):
    UP = "up", "上行文"
    PARALLEL = "parallel", "平行文"
    DOWN = "down", "下行文"


# Classified marks as a client may send them (value of `secrecy`) or as they
# appear in a text (份号/密级 line: "秘密★1年").
CLASSIFIED_VALUES = frozenset(
    {"secret", "confidential", "top_secret", "秘密", "机密", "绝密", "classified"}
)
CLASSIFIED_MARK = re.compile(r"(绝密|机密|秘密)\s*[★☆*]")

# 文种 that fix their direction; the others (意见, 纪要) follow the recipients.
FIXED_DIRECTION: dict[str, str] = {
    Kind.REQUEST: Direction.UP,
    Kind.REPORT: Direction.UP,
    Kind.MOTION: Direction.UP,
    Kind.LETTER: Direction.PARALLEL,
    Kind.RESOLUTION: Direction.DOWN,
    Kind.DECISION: Direction.DOWN,
    Kind.ORDER: Direction.DOWN,
    Kind.COMMUNIQUE: Direction.DOWN,
    Kind.ANNOUNCEMENT: Direction.DOWN,
    Kind.PUBLIC_NOTICE: Direction.DOWN,
    Kind.NOTICE: Direction.DOWN,
    Kind.BULLETIN: Direction.DOWN,
    Kind.REPLY: Direction.DOWN,
}


def direction_of(kind: str, *, main_to: Iterable[int], above: set[int], below: set[int]) -> str:
    """行文方向: fixed by the 文种, or (意见, 纪要) from where the 主送机关 sit.

    `above` are the sending unit's ancestors, `below` the units whose
    ancestors include it. Any 主送 above the sender makes it 上行; all of
    them below makes it 下行; otherwise 平行.
    """
    fixed = FIXED_DIRECTION.get(kind)
    if fixed is not None:
        return fixed
    targets = set(main_to)
    if targets & above:
        return Direction.UP
    if targets and targets <= below:
        return Direction.DOWN
    return Direction.PARALLEL


def has_classified_mark(text: str) -> bool:
    return bool(CLASSIFIED_MARK.search(text or ""))
