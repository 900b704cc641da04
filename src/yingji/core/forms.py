"""Form fields every page shares: dates bounded to 2000-01-01 … 2100-12-31 (core/datebounds.py).

Every date and date-time field of a page form is one of these (tests/test_date_bounds.py checks), so a
page refuses what the API refuses, with the same range, before any service computes with the value.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy

from yingji.core import datebounds

OUT_OF_RANGE = gettext_lazy("日期须在 %(earliest)s 至 %(latest)s 之间")


def _check(value: date | None) -> None:
    if value is not None and not datebounds.in_range(value):
        raise ValidationError(
            OUT_OF_RANGE,
            code="date_out_of_range",
            params={"earliest": f"{datebounds.EARLIEST:%Y-%m-%d}", "latest": f"{datebounds.LATEST:%Y-%m-%d}"},
        )


class BoundedDateField(forms.DateField):
    """A date picker whose value is ISO (as browsers require, whatever the language) and lies in range."""

    widget = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")

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
