"""Every date and time field of every page's form writes ISO values, in Chinese as in English.

The forms are discovered, not listed: every `forms.Form` subclass defined in a yingji module, so a
new domain's form is checked without anyone adding it here.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from datetime import date, datetime
from typing import Any

import pytest
from django import forms
from django.utils import translation

import yingji
from yingji.core.forms import IsoDateInput, IsoDateTimeInput, date_field


def _import_every_module() -> None:
    for module in pkgutil.walk_packages(yingji.__path__, "yingji."):
        parts = module.name.split(".")
        if {"tests", "migrations", "management"} & set(parts):
            continue
        importlib.import_module(module.name)


def _subclasses(cls: type) -> list[type]:
    found = []
    for sub in cls.__subclasses__():
        found.append(sub)
        found.extend(_subclasses(sub))
    return found


def page_forms() -> list[type[forms.BaseForm]]:
    _import_every_module()
    return sorted(
        {
            cls
            for cls in _subclasses(forms.BaseForm)
            if cls.__module__.startswith("yingji.") and ".tests." not in cls.__module__  # pages' forms only
        },
        key=lambda cls: f"{cls.__module__}.{cls.__qualname__}",
    )


def date_fields() -> list[tuple[str, forms.Field]]:
    found = []
    for form in page_forms():
        for name, field in form.base_fields.items():
            if isinstance(field, forms.DateField | forms.DateTimeField):
                found.append((f"{form.__module__}.{form.__qualname__}.{name}", field))
    return found


def test_the_discovery_finds_the_date_fields_of_every_domain() -> None:
    names = [name for name, _field in date_fields()]
    domains = ("risks.forms", "hazards.views", "majorhazards.views", "enterprises.views", "warnings.views")
    for where in domains:
        assert any(name.startswith(f"yingji.{where}") for name in names), where


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_every_date_input_of_every_form_writes_an_iso_value(language: str) -> None:
    wrong = []
    with translation.override(language):
        for name, field in date_fields():
            widget: Any = field.widget
            if isinstance(field, forms.DateTimeField):
                html = widget.render("when", datetime(2027, 12, 7, 9, 30))
                ok = isinstance(widget, IsoDateTimeInput) and 'value="2027-12-07T09:30"' in html
            else:
                html = widget.render("when", date(2027, 12, 7))
                ok = isinstance(widget, IsoDateInput) and 'value="2027-12-07"' in html
            if not ok:
                wrong.append(f"{name}: {html}")
    assert not wrong, "\n".join(wrong)


def test_a_plain_django_date_input_would_write_a_chinese_date_that_browsers_reject() -> None:
    """Why the shared widget exists: Django's own DateInput follows the language's first format."""
    with translation.override("zh-hans"):
        html = forms.DateInput(attrs={"type": "date"}).render("when", date(2027, 12, 7))
        assert re.search(r'value="2027/12/07"', html)
        assert 'value="2027-12-07"' in IsoDateInput().render("when", date(2027, 12, 7))


def test_the_shared_date_field_reads_what_the_browser_posts() -> None:
    field = date_field("下次评价日期", required=False)
    with translation.override("zh-hans"):
        assert field.clean("2027-12-07") == date(2027, 12, 7)
        assert field.clean("") is None
