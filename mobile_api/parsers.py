"""The JSON parser of every REST endpoint: DRF's, plus the limits of `input_guard`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import IO, Any

from rest_framework.parsers import JSONParser

from backend.common import input_guard


class GuardedJSONParser(JSONParser):
    """Refuses deep nesting (`too_deep`), NUL characters and integers beyond bigint."""

    def parse(
        self,
        stream: IO[Any],
        media_type: str | None = None,
        parser_context: Mapping[str, Any] | None = None,
    ) -> Any:
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise input_guard.too_deep() from None
        input_guard.check(data)
        return data
