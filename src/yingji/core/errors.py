"""Domain errors: each maps to one HTTP 4xx status and the `{code, message, details}` body.

The API answers with both languages in one message ("中文 / English", ADR 0010); a page shows its
reader one of them (`DomainError.page_message`, `in_reader_language`).
"""

from __future__ import annotations

import re
from typing import Any

from django.utils import translation

_CJK = re.compile(r"[\u3000-\u30ff\u3400-\u9fff\uff00-\uffef]")
_SEPARATOR = " / "


def in_reader_language(message: str) -> str:
    """The half of a "中文 / English" message in the active language; a message without both, whole.

    The English half is what follows the first " / " after which no Chinese character comes, so a
    Chinese half may itself contain " / " (a unit, "第 3 行 / line 3").
    """
    position = message.find(_SEPARATOR)
    while position != -1:
        chinese, english = message[:position], message[position + len(_SEPARATOR) :]
        if _CJK.search(chinese) and english.strip() and not _CJK.search(english):
            return english.strip() if (translation.get_language() or "").startswith("en") else chinese.strip()
        position = message.find(_SEPARATOR, position + 1)
    return message


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

    @property
    def page_message(self) -> str:
        """The message for a page: in its reader's language only."""
        return in_reader_language(self.message)


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
