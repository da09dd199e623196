"""Every error code a client can meet is catalogued, documented and in the schema."""

from __future__ import annotations

import ast
import importlib
import pkgutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from backend.common.error_catalogue import CATALOGUE, markdown
from backend.common.errors import ZtError

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("backend", "realtime", "mobile_api", "push")


def _import_everything() -> None:
    for package in PACKAGES:
        module = importlib.import_module(package)
        for info in pkgutil.walk_packages(module.__path__, f"{package}."):
            if ".migrations" not in info.name:
                importlib.import_module(info.name)


def _error_classes() -> Iterator[type[ZtError]]:
    pending: list[type[ZtError]] = [ZtError]
    while pending:
        cls = pending.pop()
        yield cls
        pending.extend(cls.__subclasses__())


def _sources() -> Iterator[Path]:
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            if "migrations" not in path.parts:
                yield path


def _literal_codes(error_names: set[str]) -> Iterator[tuple[str, str]]:
    """(where, code) for every `SomeError(..., code="literal")` left in the code."""
    for path in _sources():
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if name not in error_names:
                continue
            for keyword in node.keywords:
                if keyword.arg == "code" and isinstance(keyword.value, ast.Constant):
                    yield f"{path.relative_to(ROOT)}:{node.lineno}", str(keyword.value.value)


def test_every_raised_code_is_catalogued_with_its_status() -> None:
    _import_everything()
    classes = list(_error_classes())
    for cls in classes:
        assert cls.code in CATALOGUE, cls
        assert CATALOGUE[cls.code].status == cls.status, cls
    names = {cls.__name__ for cls in classes}
    literal = list(_literal_codes(names))
    # Codes are raised through the catalogue (`InvalidInput.of(codes.X)`), not as strings.
    assert literal == [], literal


def test_docs_list_the_catalogue() -> None:
    documented = (ROOT / "docs" / "errors.md").read_text()
    assert documented == markdown(), (
        "docs/errors.md is stale: python -m backend.common.error_catalogue > docs/errors.md"
    )
    protocol = (ROOT / "docs" / "protocol.md").read_text()
    assert "docs/errors.md" in protocol


def test_of_refuses_a_code_of_another_status() -> None:
    from backend.common import error_catalogue as codes
    from backend.common.errors import InvalidInput, NotFound

    assert InvalidInput.of(codes.NO_FILE).as_dict() == {
        "code": "no_file",
        "message": "请选择要上传的文件",
    }
    with pytest.raises(TypeError):
        NotFound.of(codes.NO_FILE)


@pytest.mark.django_db
def test_schema_lists_every_code() -> None:
    schema: dict[str, Any] = Client().get("/api/schema/?format=json").json()
    code = schema["components"]["schemas"]["ErrorBody"]["properties"]["code"]
    assert code["enum"] == list(CATALOGUE)
