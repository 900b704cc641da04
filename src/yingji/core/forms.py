"""Form pieces every domain's pages share: date inputs that carry ISO dates in every language.

A browser's `<input type="date">` accepts only `YYYY-MM-DD` as its value and shows the date in the
reader's own way. Django's `DateInput` writes the first of the active language's input formats,
which in Chinese is `2027/12/07`: the browser drops it and the field comes back empty, so a form
that is posted unchanged erases the date it showed. Every date field of every page uses these.
"""

from __future__ import annotations

from typing import Any

from django import forms

ISO_DATE = "%Y-%m-%d"
ISO_DATETIME_LOCAL = "%Y-%m-%dT%H:%M"  # what `<input type="datetime-local">` carries (no seconds, no zone)


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


def date_field(label: Any, *, required: bool = True, **kwargs: Any) -> forms.DateField:
    """A date field with the ISO date input, reading ISO dates first."""
    return forms.DateField(
        label=label,
        required=required,
        widget=IsoDateInput(),
        input_formats=[ISO_DATE],
        **kwargs,
    )
