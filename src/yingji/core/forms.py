"""Form pieces every domain's pages share: date inputs that carry ISO dates in every language, and
dates bounded to 2000-01-01 … 2100-12-31 (core/datebounds.py).

A browser's `<input type="date">` accepts only `YYYY-MM-DD` as its value and shows the date in the
reader's own way. Django's `DateInput` writes the first of the active language's input formats,
which in Chinese is `2027/12/07`: the browser drops it and the field comes back empty, so a form
that is posted unchanged erases the date it showed. Every date and date-time field of a page form is
one of these (tests/test_date_bounds.py checks), so a page refuses what the API refuses, with the same
range, before any service computes with the value.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy

from yingji.core import datebounds

ISO_DATE = "%Y-%m-%d"
ISO_DATETIME_LOCAL = "%Y-%m-%dT%H:%M"  # what `<input type="datetime-local">` carries (no seconds, no zone)
OUT_OF_RANGE = gettext_lazy("日期须在 %(earliest)s 至 %(latest)s 之间")


class IsoDateInput(forms.DateInput):
    """`<input type="date">` whose value is always ISO, whatever the interface's language."""

    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs=attrs, format=ISO_DATE)


class IsoDateTimeInput(forms.DateTimeInput):
    """`<input type="datetime-local">` whose value is always `YYYY-MM-DDTHH:MM`."""

    input_type = "datetime-local"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs=attrs, format=ISO_DATETIME_LOCAL)


def _check(value: date | None) -> None:
    if value is not None and not datebounds.in_range(value):
        raise ValidationError(
            OUT_OF_RANGE,
            code="date_out_of_range",
            params={"earliest": f"{datebounds.EARLIEST:%Y-%m-%d}", "latest": f"{datebounds.LATEST:%Y-%m-%d}"},
        )


class BoundedDateField(forms.DateField):
    """A date picker whose value is ISO (as browsers require, whatever the language) and lies in range."""

    widget = IsoDateInput

    def validate(self, value: Any) -> None:
        super().validate(value)
        _check(value)

    def widget_attrs(self, widget: forms.Widget) -> dict[str, Any]:
        attrs = super().widget_attrs(widget)
        if getattr(widget, "input_type", "") == "date":
            attrs.update(min=f"{datebounds.EARLIEST:%Y-%m-%d}", max=f"{datebounds.LATEST:%Y-%m-%d}")
        return attrs


class BoundedDateTimeField(forms.DateTimeField):
    """A date and time (in the user's time zone) whose calendar date lies in range."""

    widget = IsoDateTimeInput

    def validate(self, value: Any) -> None:
        super().validate(value)
        _check(value)

    def widget_attrs(self, widget: forms.Widget) -> dict[str, Any]:
        attrs = super().widget_attrs(widget)
        if getattr(widget, "input_type", "") == "datetime-local":
            attrs.update(
                min=f"{datebounds.EARLIEST:%Y-%m-%d}T00:00", max=f"{datebounds.LATEST:%Y-%m-%d}T23:59"
            )
        return attrs


def date_field(label: Any, *, required: bool = True, **kwargs: Any) -> BoundedDateField:
    """A bounded date field with the ISO date input, reading ISO dates first."""
    return BoundedDateField(label=label, required=required, input_formats=[ISO_DATE], **kwargs)
