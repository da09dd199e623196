"""Every API test response is checked against the generated /api/schema/ document.

`check(method, path, response)` finds the operation for the request's path and
method, the response entry for its status, and validates the JSON body with
`jsonschema` (the schema is OpenAPI 3.1, i.e. JSON Schema 2020-12); a response
declared by `$ref` (`components.responses`) is looked up first. Response
objects are closed (`mobile_api.schema_hooks`), so an undeclared field fails
as surely as a missing or mistyped one.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from typing import Any

from drf_spectacular.generators import SchemaGenerator
from jsonschema import Draft202012Validator


@dataclass(frozen=True)
class _Route:
    template: str
    pattern: re.Pattern[str]
    operations: dict[str, Any]


@cache
def document() -> dict[str, Any]:
    schema = SchemaGenerator().get_schema(request=None, public=True)
    # Round-trip through JSON: the validator must see what a client sees (lazy strings, enums).
    return json.loads(json.dumps(schema, default=str))


@cache
def _routes() -> tuple[_Route, ...]:
    routes = []
    for template, operations in document()["paths"].items():
        regex = re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(template))
        routes.append(_Route(template, re.compile(f"{regex}/?"), operations))
    # Literal segments win over parameters (`approvals/counts` before `approvals/{id}`).
    return tuple(sorted(routes, key=lambda r: r.template.count("{")))


@cache
def _validator(ref_or_schema: str) -> Draft202012Validator:
    schema = json.loads(ref_or_schema)
    root = {**schema, "components": document()["components"]}
    return Draft202012Validator(root, format_checker=Draft202012Validator.FORMAT_CHECKER)


def _find(path: str) -> _Route | None:
    for route in _routes():
        if route.pattern.fullmatch(path):
            return route
    return None


def check(method: str, path: str, response: Any) -> None:
    """Raise AssertionError when the response is not what the schema promises."""
    if not path.startswith("/api/v1/"):
        return
    route = _find(path)
    operation = route.operations.get(method.lower()) if route else None
    status = str(response.status_code)
    if operation is None:
        # Not an endpoint of the API (unknown route, unsupported method): only the
        # one error shape may come back.
        assert response.status_code >= 400, f"{method} {path}: undocumented endpoint"
        _validate(f"{method} {path} {status}", {"$ref": "#/components/schemas/Error"}, response)
        return
    where = f"{method} {route.template if route else path} {status}"
    declared = _resolve(operation.get("responses", {}).get(status))
    assert declared is not None, f"{where}: status not declared in the schema"
    content = declared.get("content")
    if not content:
        assert not response.content, f"{where}: body sent where the schema declares none"
        return
    media = content.get("application/json")
    if media is None:
        return  # files (downloads, thumbnails, avatars): bytes, nothing to validate
    _validate(where, media["schema"], response)


def _resolve(response: dict[str, Any] | None) -> dict[str, Any] | None:
    """A response declared once under `components.responses` and referred to by `$ref`."""
    while response is not None and "$ref" in response:
        *_, section, name = response["$ref"].split("/")
        response = document()["components"][section].get(name)
    return response


def _validate(where: str, schema: dict[str, Any], response: Any) -> None:
    body = json.loads(response.content)
    errors = sorted(
        _validator(json.dumps(schema, sort_keys=True)).iter_errors(body), key=lambda e: e.path
    )
    assert not errors, f"{where}: response does not match the schema:\n" + "\n".join(
        f"  at {'/'.join(map(str, e.absolute_path)) or '(root)'}: {e.message}" for e in errors[:10]
    )
