"""drf-spectacular post-processing: make /api/schema/ state the whole contract.

- `ErrorBody.code` lists every catalogued error code (backend.common.error_catalogue);
- every write declares the 403 a missing CSRF token gets;
- every operation declares the 400 odd input gets before any view runs (a NUL
  in the query, an id beyond bigint, over-deep JSON: backend.common.input_guard);
- every signed-in operation declares the 403 `password_expired`
  (`mobile_api.permissions`) unless its view is `allowed_with_expired_password`;
- every object a response returns is closed (`additionalProperties: false`):
  the server sends exactly the declared fields, so a generated client type is
  exact and the API tests (tests/mobile_api/conftest.py) fail on any extra;
- the WebSocket frames (`realtime.event_types`, pydantic) join the components
  as `Ws…` (`WsServerFrame` is any frame the server sends), so the PWA
  generates its socket types from the same document;
- each error response (status + description, the one `Error` body) is declared
  once under `components.responses` (`Error403PasswordExpired`, …) and every
  operation refers to it by `$ref`, so the generated client types name it once.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from backend.common.error_catalogue import CATALOGUE
from realtime import event_types

REF_PREFIX = "#/components/schemas/"
RESPONSE_PREFIX = "#/components/responses/"
# The content of every error response: the one `Error` body.
ERROR_CONTENT = {"application/json": {"schema": {"$ref": f"{REF_PREFIX}Error"}}}


def contract(result: dict[str, Any], generator: Any, request: Any, public: bool) -> dict[str, Any]:
    schemas: dict[str, Any] = result.setdefault("components", {}).setdefault("schemas", {})
    _list_error_codes(schemas)
    _declare_everywhere(
        result, "403", "无权限 (code: csrf_failed, …)", ("post", "put", "patch", "delete")
    )
    _declare_everywhere(
        result,
        "400",
        "输入有误 (code: nul_character, out_of_range, too_deep, …)",
        ("get", "post", "put", "patch", "delete"),
    )
    _declare_password_expired(result, generator)
    _close_response_objects(result, schemas)
    schemas.update(event_types.openapi_components())
    _share_error_responses(result)
    return result


def _list_error_codes(schemas: dict[str, Any]) -> None:
    body = schemas.get("ErrorBody")
    if body is None:
        return
    body["properties"]["code"] = {
        "type": "string",
        "enum": list(CATALOGUE),
        "description": "稳定的英文错误码，见 docs/errors.md",
    }


def _declare_everywhere(
    result: dict[str, Any], status: str, description: str, methods: tuple[str, ...]
) -> None:
    """Declare an error response on every operation of these methods that lacks one.

    A write with a session cookie can be refused for a missing CSRF token
    (403); any request can be refused by the input guard (400).
    """
    for operations in result.get("paths", {}).values():
        for method, operation in operations.items():
            if method in methods:
                operation.setdefault("responses", {}).setdefault(
                    status, {"content": ERROR_CONTENT, "description": description}
                )


def _declare_password_expired(result: dict[str, Any], generator: Any) -> None:
    """With `ZT_PASSWORD_MAX_AGE_DAYS` on, an expired password is refused (403) by the
    default permission everywhere but the views that let it be changed."""
    exempt = {
        (path, method.lower())
        for path, _, method, callback in getattr(generator, "endpoints", None) or []
        if getattr(getattr(callback, "cls", None), "allowed_with_expired_password", False)
    }
    for path, operations in result.get("paths", {}).items():
        for method, operation in operations.items():
            if not isinstance(operation, dict) or (path, method) in exempt:
                continue
            if {} in operation.get("security", [{}]):  # anonymous access: no password to age
                continue
            response = operation.setdefault("responses", {}).setdefault(
                "403",
                {"content": ERROR_CONTENT, "description": "无权限"},
            )
            response["description"] += " (code: password_expired, …)"


def _close_response_objects(result: dict[str, Any], schemas: dict[str, Any]) -> None:
    seen: set[str] = set()
    pending = [
        media["schema"]
        for operations in result.get("paths", {}).values()
        for operation in operations.values()
        if isinstance(operation, dict)
        for response in operation.get("responses", {}).values()
        for media in response.get("content", {}).values()
        if "schema" in media
    ]
    while pending:
        node = pending.pop()
        for ref in _refs(node):
            name = ref.removeprefix(REF_PREFIX)
            if name in seen or name not in schemas:
                continue
            seen.add(name)
            pending.append(schemas[name])
    for name in seen:
        _close(schemas[name])


def _refs(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith(REF_PREFIX):
            yield ref
        for value in node.values():
            yield from _refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _refs(value)


def _close(node: Any) -> None:
    """Close this object and the inline objects inside it (not the referenced ones)."""
    if isinstance(node, list):
        for value in node:
            _close(value)
        return
    if not isinstance(node, dict) or "$ref" in node:
        return
    if "properties" in node and "additionalProperties" not in node:
        node["additionalProperties"] = False
    for key, value in node.items():
        if key == "properties":
            for child in value.values():
                _close(child)
        elif key in ("items", "oneOf", "anyOf", "allOf"):
            _close(value)


def _share_error_responses(result: dict[str, Any]) -> None:
    """Replace every inline error response by a `$ref` to one shared declaration.

    Only the responses that are exactly a description and the `Error` body are
    shared; each distinct (status, description) becomes one component, named
    after its status and the codes its description lists.
    """
    shared: dict[tuple[str, str], str] = {}
    components: dict[str, Any] = result.setdefault("components", {})
    responses: dict[str, Any] = components.setdefault("responses", {})
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            if not isinstance(operation, dict):
                continue
            for status, response in operation.get("responses", {}).items():
                if (
                    set(response) != {"description", "content"}
                    or response["content"] != ERROR_CONTENT
                ):
                    continue
                key = (status, str(response["description"]))
                if key not in shared:
                    name = _response_name(*key)
                    while name in responses:
                        name += "_"
                    shared[key] = name
                    responses[name] = {"description": key[1], "content": ERROR_CONTENT}
                operation["responses"][status] = {"$ref": f"{RESPONSE_PREFIX}{shared[key]}"}
    if responses:
        components["responses"] = dict(sorted(responses.items()))
    else:
        del components["responses"]


def _response_name(status: str, description: str) -> str:
    """`Error403PermissionDeniedCsrfFailed` for "无权限 (code: permission_denied, csrf_failed)"."""
    codes = re.findall(r"[a-z][a-z0-9_]*", description.replace("code:", ""))
    return f"Error{status}" + "".join(part.title() for code in codes for part in code.split("_"))
