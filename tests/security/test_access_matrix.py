"""越权 matrix: every REST endpoint × (anonymous, other unit, non-member, non-admin,
member) gets exactly the status `access_matrix.MATRIX` says (#11, "Tested, not assumed").

The endpoints are read from the URL configuration: a new endpoint without a
row fails `test_every_endpoint_has_a_row` until its rows are added.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from tests.mobile_api.conftest import (
    _responses_match_the_schema,  # noqa: F401 - every response here is schema-checked
)
from tests.security import matrix_world
from tests.security.access_matrix import BODIES, MATRIX, MULTIPART, ROW_PARAMS

pytestmark = pytest.mark.django_db


def ask(world: matrix_world.World, row: str, persona: str) -> str:
    """The status (and error code) `persona` gets for `row`, as the matrix writes it."""
    method, template = row.split(" ", 1)
    params = dict(world.params)
    for name, source in ROW_PARAMS.get(row, {}).items():
        params[name] = world.params[source]
    path = template.format(**params)
    body = BODIES.get(row, {})
    if callable(body):
        body = body(world)
    client: Client = world.client(persona)
    if method == "GET":
        response = client.get(path, body)
    elif row in MULTIPART:
        response = client.post(path, body)
    else:
        response = client.generic(method, path, _json(body), content_type="application/json")
    status = str(response.status_code)
    if response.status_code >= 400 and response.get("Content-Type", "").startswith(
        "application/json"
    ):
        status += ":" + response.json()["error"]["code"]
    return status


def _json(body: dict[str, Any]) -> str:
    return json.dumps(body, ensure_ascii=False)


def test_every_endpoint_has_a_row() -> None:
    served = set(matrix_world.endpoints())
    missing = sorted(served - set(MATRIX))
    stale = sorted(set(MATRIX) - served)
    assert not missing, f"endpoints with no row in tests/security/access_matrix.py: {missing}"
    assert not stale, f"rows for endpoints that no longer exist: {stale}"
    assert set(BODIES) <= served


@pytest.mark.parametrize("row", sorted(MATRIX))
def test_access(row: str, org: Any, director: Any, clerk: Any, staff: Any, outsider: Any) -> None:
    world = matrix_world.build(org, director, clerk, staff, outsider)
    got = tuple(ask(world, row, persona) for persona in matrix_world.PERSONAS)
    expected = MATRIX[row]
    assert got == expected, "\n".join(
        f"  {persona:>10}: expected {e}, got {g}"
        for persona, e, g in zip(matrix_world.PERSONAS, expected, got, strict=True)
        if e != g
    )
