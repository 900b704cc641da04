"""The shared date form fields: ISO values whatever the language, and the platform's range."""

from __future__ import annotations

from datetime import date

import pytest
from django import forms
from django.utils import translation

from yingji.core.forms import BoundedDateField, BoundedDateTimeField


class Dates(forms.Form):
    day = BoundedDateField(required=False)
    moment = BoundedDateTimeField(
        required=False, widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
    )


@pytest.mark.parametrize("day", ["9999-12-31", "1999-12-31", "2101-01-01", "0001-01-01"])
def test_a_date_outside_the_range_is_an_error_at_its_field(day: str) -> None:
    form = Dates({"day": day})
    assert not form.is_valid() and "2000-01-01" in form.errors["day"][0]


@pytest.mark.parametrize("moment", ["0001-01-01T00:00", "9999-12-31T23:59", "2101-01-01T00:00"])
def test_a_time_outside_the_range_is_an_error_at_its_field(moment: str) -> None:
    form = Dates({"moment": moment})
    assert not form.is_valid() and "moment" in form.errors


def test_the_ends_of_the_range_are_accepted() -> None:
    form = Dates({"day": "2000-01-01", "moment": "2100-12-31T23:59"})
    assert form.is_valid(), form.errors
    assert Dates({"day": "2100-12-31"}).is_valid()


def test_the_date_input_carries_an_iso_value_and_the_range_in_chinese() -> None:
    with translation.override("zh-hans"):
        html = str(Dates(initial={"day": date(2027, 12, 7)})["day"])
    assert 'type="date"' in html and 'value="2027-12-07"' in html
    assert 'min="2000-01-01"' in html and 'max="2100-12-31"' in html
    assert 'min="2000-01-01T00:00"' in str(Dates()["moment"])
