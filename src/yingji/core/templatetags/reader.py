"""Template filters for text meant for both languages: a page shows its reader one."""

from __future__ import annotations

from django import template

from yingji.core.errors import in_reader_language as _in_reader_language

register = template.Library()


@register.filter
def in_reader_language(message: str) -> str:
    """The reader's half of a "中文 / English" message (an API error shown on a page)."""
    return _in_reader_language(str(message))
