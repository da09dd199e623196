"""Domain errors: a stable English code, a Chinese message, an HTTP status.

Services raise these; the REST exception handler and the WebSocket consumer
turn them into `{"error": {"code", "message"}}` without translating anything.
"""

from __future__ import annotations

from typing import Any, ClassVar, Self

from backend.common.error_catalogue import CATALOGUE, ErrorCode


class ZtError(Exception):
    """Base of every error a client is meant to see.

    Every code is catalogued (`backend.common.error_catalogue`): a subclass
    naming an uncatalogued code, or one whose status disagrees with the
    catalogue, fails at import.
    """

    code = "error"
    message = "操作失败"
    status: ClassVar[int] = 400

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        entry = CATALOGUE.get(cls.code)
        if entry is None or entry.status != cls.status:
            raise TypeError(f"{cls.__name__}: code {cls.code!r} is not catalogued as {cls.status}")

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
    code = "invalid"
    message = "输入有误"


class NotFound(ZtError):
    code = "not_found"
    message = "对象不存在或无权查看"
    status = 404


class PermissionDenied(ZtError):
    code = "permission_denied"
    message = "您没有权限执行此操作"
    status = 403


class Conflict(ZtError):
    code = "conflict"
    message = "状态已变化,请刷新后重试"
    status = 409


class RateLimited(ZtError):
    code = "rate_limited"
    message = "操作过于频繁,请稍后再试"
    status = 429
