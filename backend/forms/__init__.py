"""The shared form engine: form schemas any app can author, clean, evaluate and show.

Approvals use it for their templates; 公文 拟稿 and 督办 forms use it the same
way, with or without anything like an approval template. A schema is a JSON
list of fields (docs/workflow.md, "Form schemas"):

    from backend import forms

    fields = forms.validate_schema(raw_fields)          # InvalidInput "invalid_schema"
    cleaned = forms.clean_form(fields, submitted, context=forms.Context(initiator=user))
    facts = forms.facts(fields, cleaned)                # for workflow conditions
    rows = forms.display(fields, cleaned)               # [{key, label, value}] in Chinese
    pages = forms.display_many([(fields, a), (fields, b)])  # one name query per kind
    forms.validate_condition(when, fields)              # a flow editor's branch condition

Each field type is one `FieldType` object (backend/forms/fields.py) carrying
its schema options, cleaning, fact, display and comparisons; `FIELD_TYPES`
is the registry built from them. An app with types of its own (approvals'
meeting room) builds its own registry with `registry(..., base=FIELD_TYPES)`
and its own `FormEngine`; the module functions here use the shared types.
This package never imports an app (an import-linter contract says so).
"""

from __future__ import annotations

from backend.forms.base import (
    COMPARE_ID,
    COMPARE_NUMBER,
    Comparable,
    Context,
    Field,
    FieldError,
    FieldType,
    FieldTypes,
    NameLookup,
    is_empty,
    is_id,
    registry,
)
from backend.forms.engine import INVALID_FORM, Form, FormEngine, Row
from backend.forms.fields import FIELD_TYPES, TABLE_COLUMN_TYPES
from backend.forms.schema import OptionReader

# The comparison itself lives with the flow engine, which decides branches;
# it is re-exported here because forms produce the facts it compares.
from backend.workflow.conditions import evaluate

__all__ = [
    "COMPARE_ID",
    "COMPARE_NUMBER",
    "FIELD_TYPES",
    "INVALID_FORM",
    "TABLE_COLUMN_TYPES",
    "Comparable",
    "Context",
    "Field",
    "FieldError",
    "FieldType",
    "FieldTypes",
    "Form",
    "FormEngine",
    "NameLookup",
    "OptionReader",
    "Row",
    "clean_form",
    "display",
    "display_many",
    "evaluate",
    "facts",
    "is_empty",
    "is_id",
    "registry",
    "validate_condition",
    "validate_schema",
]

# The shared types' engine; its methods are this package's functions.
ENGINE = FormEngine(FIELD_TYPES)
validate_schema = ENGINE.validate_schema
validate_condition = ENGINE.validate_condition
clean_form = ENGINE.clean
facts = ENGINE.facts
display = ENGINE.display
display_many = ENGINE.display_many
