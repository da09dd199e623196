"""A form engine: one registry of field types, and what a form needs done with it.

Every operation looks a field's type up in the registry and asks the type;
there is no per-type branching here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from backend.common import error_catalogue as codes
from backend.common.errors import InvalidInput
from backend.forms import schema
from backend.forms.base import (
    Context,
    Field,
    FieldError,
    FieldType,
    FieldTypes,
    NameLookup,
    clean_value,
    is_empty,
)

INVALID_FORM = "表单填写有误"

Form = tuple[Sequence[Field], Mapping[str, Any]]  # (schema fields, cleaned values)
Row = dict[str, str]


class FormEngine:
    """Validate schemas, clean submissions, derive facts and display values for `types`."""

    def __init__(self, types: FieldTypes) -> None:
        self.types = types

    def validate_schema(self, fields: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """See `schema.validate_schema`: the field list checked and normalised."""
        return schema.validate_schema(fields, self.types)

    def validate_condition(
        self, condition: Mapping[str, Any], fields: list[dict[str, Any]], *, path: str = "when"
    ) -> None:
        """See `schema.validate_condition`: raises InvalidInput(code="invalid_flow")."""
        schema.validate_condition(condition, fields, self.types, path=path)

    def clean(
        self, fields: Sequence[Field], values: dict[str, Any], *, context: Context
    ) -> dict[str, Any]:
        """Check submitted values against a (validated) schema; return what is stored.

        Every field is checked so the person sees all problems at once, in one
        InvalidInput(code="invalid_form") keyed by field (`lines.2.amount` inside
        a table). Keys the schema does not know are dropped, and so are empty
        optional fields: an absent key means "not filled in" everywhere downstream.
        """
        if not isinstance(values, dict):
            raise InvalidInput.of(codes.INVALID_FORM, INVALID_FORM, fields={"form": "表单格式错误"})
        cleaned: dict[str, Any] = {}
        errors: dict[str, str] = {}
        for field in fields:
            key = field["key"]
            try:
                value = clean_value(self._type(field), field, values.get(key), context)
            except FieldError as problem:
                errors.update(problem.keyed(key))
                continue
            if value is not None:
                cleaned[key] = value
        if errors:
            raise InvalidInput.of(codes.INVALID_FORM, INVALID_FORM, fields=errors)
        return cleaned

    def facts(self, fields: Sequence[Field], cleaned: Mapping[str, Any]) -> dict[str, object]:
        """One scalar per filled field, for flow conditions: days, hours, totals, amounts."""
        out: dict[str, object] = {}
        for field in fields:
            value = cleaned.get(field["key"])
            if value is None:
                continue
            fact = self._type(field).fact(field, value)
            if fact is not None:
                out[field["key"]] = fact
        return out

    def display(
        self,
        fields: Sequence[Field],
        cleaned: Mapping[str, Any],
        *,
        lookups: Mapping[str, NameLookup] | None = None,
    ) -> list[Row]:
        """`[{key, label, value}]` in Chinese for people to read; empty fields are left out.

        Names of referenced objects cost one lookup per kind (people,
        departments…), called with every id the form mentions. `lookups`
        replaces a kind's loader (keyed like `FieldType.references`).
        """
        return self.display_many([(fields, cleaned)], lookups=lookups)[0]

    def display_many(
        self, forms: Sequence[Form], *, lookups: Mapping[str, NameLookup] | None = None
    ) -> list[list[Row]]:
        """`display` for a whole page of forms, with one lookup per kind for all of them."""
        filled = [
            [f for f in fields if not is_empty(cleaned.get(f["key"]))] for fields, cleaned in forms
        ]
        wanted: dict[str, list[int]] = {}
        loaders: dict[str, NameLookup] = {}
        for (_, cleaned), shown in zip(forms, filled, strict=True):
            for field in shown:
                kind = self._type(field)
                if kind.references is None:
                    continue
                ids = kind.referenced_ids(field, cleaned[field["key"]])
                wanted.setdefault(kind.references, []).extend(ids)
                loaders.setdefault(kind.references, kind.load_names)
        chosen = {**loaders, **(lookups or {})}
        names = {ref: chosen[ref](ids) for ref, ids in wanted.items() if ids}
        return [
            [self._row(field, cleaned[field["key"]], names) for field in shown]
            for (_, cleaned), shown in zip(forms, filled, strict=True)
        ]

    def _row(self, field: Field, value: Any, names: Mapping[str, dict[int, str]]) -> Row:
        kind = self._type(field)
        known = names.get(kind.references, {}) if kind.references else {}
        return {
            "key": field["key"],
            "label": field["label"],
            "value": kind.show(field, value, known),
        }

    def _type(self, field: Field) -> FieldType:
        # A schema is validated before it is stored, so its types are registered.
        return self.types[field["type"]]
