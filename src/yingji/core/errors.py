"""Domain errors: each maps to one HTTP 4xx status and the `{code, message, details}` body."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """A request that cannot be carried out, explained in Chinese and English."""

    status = 400
    code = "bad_request"
    message = "请求无效 / The request is invalid"

    def __init__(self, message: str | None = None, *, code: str | None = None, details: Any = None):
        super().__init__(message or self.message)
        self.message = message or self.message
        self.code = code or self.code
        self.details = details if details is not None else {}

    def as_body(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, "details": self.details}


class InvalidInput(DomainError):
    status = 400
    code = "invalid_input"
    message = "输入有误 / The input is invalid"


class NotAuthenticated(DomainError):
    status = 401
    code = "not_authenticated"
    message = "需要登录或有效令牌 / Authentication required"


class Forbidden(DomainError):
    status = 403
    code = "forbidden"
    message = "无权执行此操作 / You may not do this"


class NotFound(DomainError):
    status = 404
    code = "not_found"
    message = "未找到该对象 / Not found"


class Conflict(DomainError):
    status = 409
    code = "conflict"
    message = "与现有数据冲突 / Conflicts with existing data"


class RateLimited(DomainError):
    status = 429
    code = "rate_limited"
    message = "尝试次数过多，请稍后再试 / Too many attempts, try again later"
