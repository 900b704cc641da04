"""The dates the platform accepts from people and machines: 2000-01-01 … 2100-12-31, and the check.

Pure, no Django import. Python's dates end at years 1 and 9999, so arithmetic on a date someone typed
(a deadline's end of day, a time zone's offset) can overflow near those ends, and a deadline in
year 9999 never comes due. Every API schema (`api_common.BoundedDate`, `BoundedDateTime`), every
page form (`forms.BoundedDateField`, `BoundedDateTimeField`) and the services that take dates from
other channels (CAP import) check against these two constants.
"""

from __future__ import annotations

from datetime import date, datetime

from yingji.core.errors import InvalidInput

EARLIEST = date(2000, 1, 1)
LATEST = date(2100, 12, 31)


def message(field: str) -> str:
    """The refusal, in Chinese and English, naming the field."""
    return (
        f"{field}：日期须在 {EARLIEST:%Y-%m-%d} 至 {LATEST:%Y-%m-%d} 之间 / "
        f"{field}: the date must lie between {EARLIEST:%Y-%m-%d} and {LATEST:%Y-%m-%d}"
    )


def in_range(value: date) -> bool:
    """Whether a date, or a datetime's calendar date as written (before any conversion), is in range."""
    day = value.date() if isinstance(value, datetime) else value
    return EARLIEST <= day <= LATEST


def require_in_range(value: date | None, field: str) -> None:
    """Raise 400 `invalid_input` naming `field` if `value` lies outside the accepted range (None passes)."""
    if value is not None and not in_range(value):
        raise InvalidInput(
            message(field),
            details={"field": field, "earliest": EARLIEST.isoformat(), "latest": LATEST.isoformat()},
        )
