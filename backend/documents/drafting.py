"""Checking a draft (拟稿) and its files before anything is written.

Every refusal happens here, before the transaction that creates the
document: a 秘密/机密/绝密 mark, a 请示 with more than one 主送, a unit that
does not exist, a file whose content is not what its extension says or that
is over the limit.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import IO, Any

from django.conf import settings
from PIL import Image

from backend.common import error_catalogue as codes
from backend.common.errors import InvalidInput
from backend.directory.models import Department, Position, Role, RoleAssignment, Unit, User
from backend.documents.kinds import (
    CLASSIFIED_VALUES,
    Kind,
    Publicity,
    Secrecy,
    Urgency,
    has_classified_mark,
)
from realtime import files
from realtime.models import Attachment

TITLE_MAX = 200
BODY_MAX = 100_000
NOTE_MAX = 200
ATTACHMENTS_MAX = 20
# 正文 files: extension -> the content types their bytes may sniff as.
MAIN_FILE_TYPES = {
    ".docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document",),
    ".pdf": ("application/pdf",),
    ".ofd": ("application/ofd",),
    ".wps": ("application/msword",),
}
# 附件 may also be images, spreadsheets and plain text; the same match is required.
ATTACHMENT_TYPES = {
    **MAIN_FILE_TYPES,
    ".doc": ("application/msword",),
    ".xls": ("application/msword",),
    ".xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",),
    ".jpg": ("image/jpeg",),
    ".jpeg": ("image/jpeg",),
    ".png": ("image/png",),
    ".txt": ("text/plain",),
}
HANDWRITING_MAX_BYTES = 512 * 1024
HANDWRITING_MAX_SIDE = 2400


COUNTERSIGN_MAX = 30


@dataclass(frozen=True)
class Party:
    """A 会签 department or unit and the 负责人 who signs for it."""

    kind: str  # "department" | "unit"
    unit: Unit | None
    department: Department | None
    name: str
    assignee_id: int


@dataclass
class Draft:
    """A checked draft, ready to be written."""

    kind: str
    title: str
    secrecy: str
    urgency: str
    publicity: str
    body: str
    note: str
    main_to: list[Unit]
    copy_to: list[Unit]
    main_file: Attachment | None
    attachments: list[Attachment] = field(default_factory=list)
    countersign: list[Party] = field(default_factory=list)

    @property
    def countersigners(self) -> list[int]:
        """The 会签 people: each party's 负责人, once each, in the parties' order."""
        return list(dict.fromkeys(p.assignee_id for p in self.countersign))


def _bad(name: str, message: str) -> InvalidInput:
    return InvalidInput.of(codes.INVALID_DOCUMENT, message, fields={name: message})


def _choice(data: Mapping[str, Any], name: str, choices: type[Any], default: str) -> str:
    value = data.get(name) or default
    if value not in choices.values:
        raise _bad(name, f"{name} 的取值无效")
    return str(value)


def refuse_classified(*texts: str) -> None:
    if any(has_classified_mark(t) for t in texts):
        raise InvalidInput.of(codes.CLASSIFIED_REFUSED, fields={"secrecy": "不接受涉密公文"})


def _secrecy(data: Mapping[str, Any]) -> str:
    value = str(data.get("secrecy") or Secrecy.NONE)
    if value in CLASSIFIED_VALUES:
        raise InvalidInput.of(codes.CLASSIFIED_REFUSED, fields={"secrecy": "不接受涉密公文"})
    if value not in Secrecy.values:
        raise _bad("secrecy", "密级只能为非密或内部")
    return value


def _text(data: Mapping[str, Any], name: str, limit: int, *, required: bool = False) -> str:
    value = data.get(name)
    text = value.strip() if isinstance(value, str) else ""
    if value is not None and not isinstance(value, str):
        raise _bad(name, f"{name} 应为文字")
    if required and not text:
        raise _bad(name, "请填写标题")
    if len(text) > limit:
        raise _bad(name, f"不能超过{limit}字")
    return text


def _ids(data: Mapping[str, Any], name: str) -> list[int]:
    value = data.get(name) or []
    if not isinstance(value, list) or not all(
        isinstance(i, int) and not isinstance(i, bool) for i in value
    ):
        raise _bad(name, "应为编号列表")
    return list(dict.fromkeys(value))


def _units(ids: list[int]) -> list[Unit]:
    found = Unit.objects.in_bulk(ids)
    if len(found) != len(ids):
        raise InvalidInput.of(codes.UNKNOWN_UNIT)
    return [found[i] for i in ids]


def _first_head(department: Department) -> int | None:
    return (
        Position.objects.filter(department=department, is_leader=True, user__is_active=True)
        .order_by("rank", "user_id")
        .values_list("user_id", flat=True)
        .first()
    )


def _first_leader(unit: Unit) -> int | None:
    """The unit's 负责人: of its leaders (Role.LEADER), the one ranked first in the unit."""
    leaders = set(
        RoleAssignment.objects.filter(
            unit=unit, role=Role.LEADER, user__is_active=True, user__is_bot=False
        ).values_list("user_id", flat=True)
    )
    ranked = (
        Position.objects.filter(user_id__in=leaders, department__unit=unit)
        .order_by("rank", "user_id")
        .values_list("user_id", flat=True)
    )
    return next(iter(ranked), None) or min(leaders, default=None)


def clean_countersign(data: Mapping[str, Any], own_unit: Unit | None) -> list[Party]:
    """会签 parties: departments (of any unit) and other units, each resolved to its 负责人."""
    department_ids = _ids(data, "countersign_departments")
    unit_ids = _ids(data, "countersign_units")
    if len(department_ids) + len(unit_ids) > COUNTERSIGN_MAX:
        raise _bad("countersign_units", f"会签部门和单位最多{COUNTERSIGN_MAX}个")
    departments = Department.objects.select_related("unit").in_bulk(department_ids)
    if len(departments) != len(department_ids):
        raise _bad("countersign_departments", "会签部门不存在")
    if own_unit is not None and own_unit.pk in unit_ids:
        raise _bad("countersign_units", "会签单位不能是本单位，请选择本单位的部门")
    parties = []
    for department in (departments[i] for i in department_ids):
        name = f"{department.unit.short_name or department.unit.name}{department.name}"
        head = _first_head(department)
        if head is None:
            raise InvalidInput.of(
                codes.COUNTERSIGN_NO_HEAD,
                f"「{name}」没有负责人，不能会签",
                fields={"countersign_departments": f"「{name}」没有负责人"},
            )
        parties.append(Party("department", department.unit, department, name, head))
    for unit in _units(unit_ids):
        leader = _first_leader(unit)
        if leader is None:
            raise InvalidInput.of(
                codes.COUNTERSIGN_NO_HEAD,
                f"「{unit.name}」没有负责人，不能会签",
                fields={"countersign_units": f"「{unit.name}」没有负责人"},
            )
        parties.append(Party("unit", unit, None, unit.name, leader))
    return parties


def clean_draft(actor: User, data: Mapping[str, Any], unit: Unit | None = None) -> Draft:
    """The draft as it will be stored, or the first refusal; `unit` is the drafting unit."""
    secrecy = _secrecy(data)
    kind = _choice(data, "kind", Kind, "")
    title = _text(data, "title", TITLE_MAX, required=True)
    body = _text(data, "body", BODY_MAX)
    note = _text(data, "note", NOTE_MAX)
    refuse_classified(title, body, note)
    main_ids, copy_ids = _ids(data, "main_to"), _ids(data, "copy_to")
    if not main_ids:
        raise _bad("main_to", "请选择主送机关")
    if kind == Kind.REQUEST and len(main_ids) != 1:
        raise InvalidInput.of(codes.REQUEST_ONE_MAIN, fields={"main_to": "请示只能主送一个机关"})
    if set(main_ids) & set(copy_ids):
        raise _bad("copy_to", "同一单位不能既主送又抄送")
    main_file = _file(actor, data.get("main_file"), MAIN_FILE_TYPES, "main_file")
    if not body and main_file is None:
        raise _bad("body", "请填写正文或上传正文文件")
    tokens = data.get("attachments") or []
    if not isinstance(tokens, list) or len(tokens) > ATTACHMENTS_MAX:
        raise _bad("attachments", f"附件最多{ATTACHMENTS_MAX}个")
    return Draft(
        kind=kind,
        title=title,
        secrecy=secrecy,
        urgency=_choice(data, "urgency", Urgency, Urgency.NORMAL),
        publicity=_choice(data, "publicity", Publicity, Publicity.NOT_PUBLIC),
        body=body,
        note=note,
        main_to=_units(main_ids),
        copy_to=_units(copy_ids),
        main_file=main_file,
        attachments=[_file(actor, t, ATTACHMENT_TYPES, "attachments") for t in tokens],  # type: ignore[misc]
        countersign=clean_countersign(data, unit),
    )


def _file(
    actor: User, token: Any, allowed: Mapping[str, tuple[str, ...]], name: str
) -> Attachment | None:
    """An upload of the actor's, checked again: extension allowed and matching its content."""
    if token in (None, ""):
        return None
    attachment = Attachment.objects.filter(token=str(token), uploader=actor).first()
    if attachment is None:
        message = "附件不存在或不是您上传的"
        raise InvalidInput.of(codes.INVALID_DOCUMENT, message, fields={name: message})
    check_type(attachment.name, attachment.mime, allowed)
    check_size(attachment.size)
    return attachment


def extension(name: str) -> str:
    dot = name.rfind(".")
    return name[dot:].lower() if dot > 0 else ""


def check_type(name: str, mime: str, allowed: Mapping[str, tuple[str, ...]]) -> None:
    ext = extension(name)
    if ext not in allowed:
        if allowed is MAIN_FILE_TYPES:
            raise InvalidInput.of(codes.DOCUMENT_FILE_TYPE)
        raise InvalidInput.of(codes.FILE_TYPE_MISMATCH, f"不支持的附件类型：{ext or '无扩展名'}")
    if mime not in allowed[ext]:
        raise InvalidInput.of(codes.FILE_TYPE_MISMATCH, f"文件内容与扩展名{ext}不符")


def check_size(size: int) -> None:
    limit = settings.ZT_DOCUMENT_MAX_BYTES
    if size > limit:
        raise InvalidInput.of(
            codes.DOCUMENT_FILE_TOO_LARGE, f"文件过大，最大{limit // (1024 * 1024)}MB"
        )


def check_upload(name: str, size: int, stream: IO[bytes], *, main: bool) -> None:
    """Before storing a 公文 file: size, extension, content, and no classified mark inside."""
    check_size(size)
    head = stream.read(8192)
    stream.seek(0)
    sniffed = files.sniff(head, stream)
    allowed = MAIN_FILE_TYPES if main else ATTACHMENT_TYPES
    check_type(name, sniffed.mime if sniffed else "", allowed)
    refuse_classified(name, _docx_text(stream) if extension(name) == ".docx" else "")


def _docx_text(stream: IO[bytes]) -> str:
    """The XML of a .docx body, where a 密级 mark would be written."""
    stream.seek(0)
    try:
        with zipfile.ZipFile(stream) as archive:
            return archive.read("word/document.xml").decode("utf-8", "replace")
    except (zipfile.BadZipFile, KeyError):
        return ""
    finally:
        stream.seek(0)


def check_handwriting(size: int, stream: IO[bytes]) -> None:
    """A 手写签批 image: a PNG of bounded bytes and pixels."""
    message = f"手写签批应为不超过{HANDWRITING_MAX_BYTES // 1024}KB的PNG图片"
    if size > HANDWRITING_MAX_BYTES or size == 0:
        raise InvalidInput.of(codes.INVALID_HANDWRITING, message)
    try:
        with Image.open(io.BytesIO(stream.read())) as image:
            ok = image.format == "PNG" and max(image.size) <= HANDWRITING_MAX_SIDE
    except Exception:
        ok = False
    finally:
        stream.seek(0)
    if not ok:
        raise InvalidInput.of(codes.INVALID_HANDWRITING, message)
