"""Domain errors: a stable English code, a Chinese message, an HTTP status.

Services raise these; the REST exception handler and the WebSocket consumer
turn them into `{"error": {"code", "message"}}` without translating anything.
"""

from __future__ import annotations

from typing import Any, ClassVar, Self

from backend.common import error_catalogue as codes
from backend.common.error_catalogue import CATALOGUE, ErrorCode


class ZtError(Exception):
    """Base of every error a client is meant to see.

    Every code is catalogued (`backend.common.error_catalogue`). A subclass
    names its catalogue `entry` (`entry = codes.ROOM_TAKEN`) and takes the code,
    default message and status from it. A kind of error (a direct subclass:
    `NotFound`, `Conflict`, …) has its entry's status; a specific error keeps its
    kind's (so `except NotFound` means 404). The older spelling, `code = "…"`
    with an own `message`, still names the entry by its code. A class naming no
    catalogued entry, or one whose entry has another status, fails at import.
    """

    entry: ClassVar[ErrorCode] = codes.ERROR
    code: str = codes.ERROR.code
    message: str = codes.ERROR.message
    status: ClassVar[int] = 400

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        own = cls.__dict__
        entry = own.get("entry") or CATALOGUE.get(own.get("code", ""))
        if entry is None or CATALOGUE.get(entry.code) is not entry:
            raise TypeError(f"{cls.__name__} names no catalogued entry")
        # A kind's status is its entry's; a specific error's is its kind's (`cls.status`,
        # not yet replaced), unless the class states its own.
        kind_status = entry.status if ZtError in cls.__bases__ else cls.status
        expected = own.get("status", kind_status)
        if entry.status != expected:
            raise TypeError(f"{cls.__name__}: {entry.code} is {entry.status}, not {expected}")
        cls.entry, cls.code, cls.status = entry, entry.code, entry.status
        if "message" not in own:
            cls.message = entry.message

    @classmethod
    def of(
        cls, entry: ErrorCode, message: str | None = None, *, fields: dict[str, Any] | None = None
    ) -> Self:
        """This error with a catalogued code (and its exact text when it names a value)."""
        if entry.status != cls.status:
            raise TypeError(f"{entry.code} is {entry.status}, not {cls.__name__} ({cls.status})")
        return cls(message or entry.message, code=entry.code, fields=fields)

    def __init__(
        self,
        message: str | None = None,
        *,
        code: str | None = None,
        fields: dict[str, Any] | None = None,
    ) -> None:
        self.message = message or self.message
        self.code = code or self.code
        self.fields = fields
        super().__init__(self.message)

    def as_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.fields:
            body["fields"] = self.fields
        return body


class InvalidInput(ZtError):
    entry = codes.INVALID


class NotFound(ZtError):
    entry = codes.NOT_FOUND


class PermissionDenied(ZtError):
    entry = codes.PERMISSION_DENIED


class Conflict(ZtError):
    entry = codes.CONFLICT


class RateLimited(ZtError):
    entry = codes.RATE_LIMITED
