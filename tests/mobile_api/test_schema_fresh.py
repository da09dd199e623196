"""The committed schema the PWA generates its types from (pwa/openapi.json) is the server's.

The PWA's TypeScript types (pwa/src/api/schema.d.ts) are generated from
pwa/openapi.json, so a serializer or `realtime.event_types` change that is not
re-exported would leave the client compiling against a contract the server no
longer keeps. This test regenerates the document exactly as `make api-schema`
does and compares it, as parsed JSON (key order does not matter; list order
does, and the generator's is stable), with the committed file. The PWA's
`npm run check:api` then checks schema.d.ts against pwa/openapi.json.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.conf import settings

from tests.mobile_api import openapi_check

COMMITTED = Path(settings.BASE_DIR) / "pwa" / "openapi.json"
HOW_TO_FIX = "run `make api-schema`, then `cd pwa && npm run gen:api`, and commit both files"


def _differences(old: Any, new: Any, where: str = "") -> list[str]:
    """Where `old` and `new` differ, as key paths (the first place on each branch)."""
    if isinstance(old, dict) and isinstance(new, dict):
        found: list[str] = []
        for key in sorted(old.keys() | new.keys()):
            here = f"{where} › {key}" if where else key
            if key not in new:
                found.append(f"{here}: only in the committed file")
            elif key not in old:
                found.append(f"{here}: new on the server")
            else:
                found.extend(_differences(old[key], new[key], here))
        return found
    if old != new:
        return [f"{where or '(root)'}: changed"]
    return []


def test_committed_openapi_json_is_the_servers_schema() -> None:
    assert COMMITTED.exists(), f"{COMMITTED} is missing: {HOW_TO_FIX}"
    committed = json.loads(COMMITTED.read_text(encoding="utf-8"))
    current = openapi_check.document()
    differences = _differences(committed, current)
    assert not differences, (
        "pwa/openapi.json is stale (the PWA's types would not match the server): "
        f"{HOW_TO_FIX}.\nDifferences:\n"
        + "\n".join(f"  {line}" for line in differences[:20])
        + (f"\n  … and {len(differences) - 20} more" if len(differences) > 20 else "")
    )


def test_differences_name_the_places_that_changed() -> None:
    old = {"paths": {"/a": {"get": 1}}, "components": {"X": [1, 2]}}
    new = {"paths": {"/b": {"get": 1}}, "components": {"X": [2, 1]}}
    assert _differences(old, new) == [
        "components › X: changed",
        "paths › /a: only in the committed file",
        "paths › /b: new on the server",
    ]
