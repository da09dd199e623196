"""The shared form engine: its field-type registry, and forms without an approval template."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import pytest

from backend import forms
from backend.approvals import forms as approval_forms
from backend.common.errors import InvalidInput
from backend.directory.models import Department, User

NOBODY = User(mobile="13800009999", name="路人")
REGISTRIES = {"shared": forms.FIELD_TYPES, "approvals": approval_forms.FIELD_TYPES}


@pytest.mark.parametrize(
    ("registry", "name"),
    [(label, name) for label, types in REGISTRIES.items() for name in types],
)
def test_every_registered_type_implements_the_interface(registry: str, name: str) -> None:
    kind = REGISTRIES[registry][name]
    assert isinstance(kind, forms.FieldType)
    assert kind.name == name
    assert kind.required_verb in ("请填写", "请选择", "请上传")
    assert type(kind).clean is not forms.FieldType.clean, "every type cleans its own values"
    if kind.references is not None:
        # A value that names objects is shown by name, looked up in batch.
        assert type(kind).load_names is not forms.FieldType.load_names
        assert type(kind).show is not forms.FieldType.show


def test_approvals_add_the_room_to_the_shared_types_and_nothing_else() -> None:
    shared, approvals = list(forms.FIELD_TYPES), list(approval_forms.FIELD_TYPES)
    assert [name for name in approvals if name != "room"] == shared
    assert approvals.index("room") == approvals.index("table") - 1
    assert approval_forms.FIELD_TYPES["text"] is forms.FIELD_TYPES["text"]


def test_registries_are_read_only_and_refuse_a_name_twice() -> None:
    with pytest.raises(TypeError):
        forms.FIELD_TYPES["room"] = approval_forms.ROOM  # type: ignore[index]
    with pytest.raises(ValueError, match="registered twice"):
        forms.registry(forms.FIELD_TYPES["text"], base=forms.FIELD_TYPES)


# --- a new type is one object ----------------------------------------------------------

PHONE_RE = re.compile(r"1\d{10}")


class PhoneField(forms.FieldType):
    """A mainland mobile number; shown with spaces, compared for equality."""

    name = "phone"

    def options(self, reader: forms.OptionReader) -> dict[str, Any]:
        return {"landline": reader.flag("landline", "座机")}

    def clean(self, field: forms.Field, raw: Any, context: forms.Context) -> str:
        if not isinstance(raw, str) or not PHONE_RE.fullmatch(raw):
            raise forms.FieldError(f"{field['label']}格式不正确")
        return raw

    def comparable(self, field: forms.Field) -> forms.Comparable | None:
        return forms.Comparable(("eq", "ne"), lambda field, value: isinstance(value, str), "号码")

    def show(self, field: forms.Field, value: Any, names: Mapping[int, str]) -> str:
        return f"{value[:3]} {value[3:7]} {value[7:]}"


def test_adding_a_type_is_one_object_in_a_registry() -> None:
    engine = forms.FormEngine(forms.registry(PhoneField(), base=forms.FIELD_TYPES))
    fields = engine.validate_schema([{"key": "tel", "label": "联系电话", "type": "phone"}])
    assert fields[0]["landline"] is False
    cleaned = engine.clean(fields, {"tel": "13800001111"}, context=forms.Context(initiator=NOBODY))
    assert engine.facts(fields, cleaned) == {"tel": "13800001111"}
    assert engine.display(fields, cleaned)[0]["value"] == "138 0000 1111"
    engine.validate_condition({"field": "tel", "op": "eq", "value": "1"}, fields)
    with pytest.raises(InvalidInput) as caught:
        engine.clean(fields, {"tel": "110"}, context=forms.Context(initiator=NOBODY))
    assert caught.value.fields == {"tel": "联系电话格式不正确"}
    assert engine.clean(fields, {}, context=forms.Context(initiator=NOBODY)) == {}
    # The shared registry did not change.
    assert "phone" not in forms.FIELD_TYPES


# --- forms without a template (公文 拟稿, 督办) -------------------------------------


def test_the_shared_engine_needs_no_template_and_knows_no_rooms() -> None:
    fields = forms.validate_schema(
        [
            {"key": "title", "label": "标题", "type": "text", "required": True},
            {"key": "due", "label": "办结期限", "type": "date"},
        ]
    )
    context = forms.Context(initiator=NOBODY)
    cleaned = forms.clean_form(fields, {"title": " 关于防汛的通知 ", "x": 1}, context=context)
    assert cleaned == {"title": "关于防汛的通知"}
    assert forms.display(fields, cleaned) == [
        {"key": "title", "label": "标题", "value": "关于防汛的通知"}
    ]
    with pytest.raises(InvalidInput) as caught:
        forms.validate_schema([{"key": "room", "label": "会议室", "type": "room"}])
    assert caught.value.fields == {"fields.0.type": "不支持的字段类型"}


def test_a_type_that_is_not_a_name_is_a_schema_error() -> None:
    with pytest.raises(InvalidInput) as caught:
        forms.validate_schema([{"key": "a", "label": "甲", "type": ["text"]}])
    assert caught.value.fields == {"fields.0.type": "不支持的字段类型"}


@pytest.mark.django_db
def test_display_many_looks_each_kind_up_once_for_all_forms(
    org: dict[str, Any], staff: User, clerk: User, django_assert_num_queries: Any
) -> None:
    fields = forms.validate_schema(
        [
            {"key": "who", "label": "承办人", "type": "person", "multiple": True},
            {"key": "lead", "label": "牵头部门", "type": "department"},
            {"key": "note", "label": "备注", "type": "text"},
        ]
    )
    secretariat: Department = org["secretariat"]
    pages = [
        (fields, {"who": [staff.pk], "lead": secretariat.pk}),
        (fields, {"who": [clerk.pk, staff.pk], "note": "急"}),
        (fields, {"lead": org["budget"].pk}),
    ]
    with django_assert_num_queries(2):  # people once, departments once
        shown = forms.display_many(pages)
    assert [[row["value"] for row in rows] for rows in shown] == [
        ["张三", "秘书科"],
        ["李秀英、张三", "急"],
        ["预算科"],
    ]
