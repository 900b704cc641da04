"""Every date and date-time the API accepts refuses extreme values with a 4xx that names the field.

Nothing here names a domain: the fields come from /api/v1/openapi.json (each request body's properties,
nested objects and arrays included, and each query and path parameter, of format `date` or
`date-time`), so a field that a later domain adds is checked the day it is registered. Each field gets
the values that once gave 500 pages (year 1 at +14:00, 9999-12-31) and values hypothesis draws outside
2000-01-01 … 2100-12-31 (core/datebounds.py): the answer must be a 4xx JSON error whose details name the
field, never a 5xx and never a success. A value inside the range is never refused for its date.

A route is called as the first identity its authentication accepts (a city admin's token, the receipt
token, a gateway key); a route that accepts none fails the test: add the identity here. Page forms
are checked by kind: every date field of every form class in the project is a bounded one.
"""

from __future__ import annotations

import importlib
import json
import pkgutil
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import pytest
from django import forms
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import yingji
from yingji.api import api
from yingji.core import datebounds
from yingji.core.forms import BoundedDateField, BoundedDateTimeField
from yingji.core.models import Credential, User
from yingji.monitoring import services as monitoring_services
from yingji.monitoring.models import Gateway
from yingji.resources import services as resources_services
from yingji.resources.models import Team

ARRAY = object()  # a step into an array's items
RECEIPT_TOKEN = "date-bounds-receipt-token"
# The values that gave 500s (issue 12) and the first days outside the range on either side.
FIXED = {
    "date": ["9999-12-31", "0001-01-01", "1900-01-01", "1999-12-31", "2101-01-01"],
    "date-time": [
        "0001-01-01T00:00:00+14:00",
        "9999-12-31T23:59:59-14:00",
        "1900-01-01T00:00:00+08:00",
        "1999-12-31T23:59:59+08:00",
        "2101-01-01T00:00:00Z",
    ],
}
INSIDE = {"date": "2030-06-01", "date-time": "2030-06-01T08:00:00+08:00"}


@dataclass(frozen=True)
class DateField:
    """One date or date-time an operation accepts, and where in the request it goes."""

    method: str
    path: str
    location: str  # body, query or path
    steps: tuple[Any, ...]  # property names and ARRAY, from the body's top (or the parameter's name)
    format: str

    @property
    def name(self) -> str:
        name = ""
        for step in self.steps:
            name += "[0]" if step is ARRAY else (f".{step}" if name else step)
        return name

    def __str__(self) -> str:
        return f"{self.method} {self.path} {self.location}:{self.name}"


def _resolve(schema: dict[str, Any], components: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = components[schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def _dates_in(
    schema: dict[str, Any], components: dict[str, Any], steps: tuple[Any, ...], seen: frozenset[str]
) -> Iterator[tuple[tuple[Any, ...], str]]:
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        if name in seen:
            return
        seen = seen | {name}
    schema = _resolve(schema, components)
    if schema.get("format") in FIXED:
        yield steps, schema["format"]
    for key in ("anyOf", "oneOf", "allOf"):
        for option in schema.get(key, []):
            yield from _dates_in(option, components, steps, seen)
    for name, option in schema.get("properties", {}).items():
        yield from _dates_in(option, components, (*steps, name), seen)
    if "items" in schema:
        yield from _dates_in(schema["items"], components, (*steps, ARRAY), seen)


def date_fields() -> list[DateField]:
    schema = api.get_openapi_schema()
    components = schema.get("components", {}).get("schemas", {})
    found: list[DateField] = []
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            for parameter in operation.get("parameters", []):
                for steps, form in _dates_in(parameter.get("schema", {}), components, (), frozenset()):
                    found.append(
                        DateField(method.upper(), path, parameter["in"], (parameter["name"], *steps), form)
                    )
            for content_type, content in operation.get("requestBody", {}).get("content", {}).items():
                for steps, form in _dates_in(content.get("schema", {}), components, (), frozenset()):
                    assert content_type == "application/json", (
                        f"{method.upper()} {path}: a date in a {content_type} body; teach the test to send it"
                    )
                    found.append(DateField(method.upper(), path, "body", steps, form))
    return found


DATE_FIELDS = date_fields()


def _nest(steps: tuple[Any, ...], value: Any) -> Any:
    for step in reversed(steps):
        value = [value] if step is ARRAY else {step: value}
    return value


def _request(client: Client, field: DateField, value: str, headers: dict[str, str]) -> Any:
    path = field.path
    query: dict[str, str] = {}
    body: Any = {}
    if field.location == "path":
        path = path.replace("{" + field.steps[0] + "}", value)
    elif field.location == "query":
        query[field.steps[0]] = value
    else:
        body = _nest(field.steps, value)
    path = re.sub(r"\{\w+\}", "1", path)
    if query:
        path += "?" + "&".join(f"{key}={item.replace('+', '%2B')}" for key, item in query.items())
    if field.method == "GET":
        return client.get(path, headers=headers)
    return client.generic(
        field.method, path, json.dumps(body), content_type="application/json", headers=headers
    )


def _names_the_field(answer: Any, field: DateField) -> bool:
    """Whether the error's details name the field (ours: `details.field`; Ninja's: an error's `loc`)."""
    details = answer.json().get("details", {})
    if details.get("field") == field.name:
        return True
    wanted = [step for step in field.steps if step is not ARRAY]
    for error in details.get("errors", []):
        loc = [part for part in error.get("loc", []) if not isinstance(part, int)]
        if loc[-len(wanted) :] == wanted and error.get("type") not in ("missing", "model_attributes_type"):
            return True
    return False


class Callers:
    """The identities a route may accept, tried in order until one is not refused as unauthenticated."""

    def __init__(self) -> None:
        city_admin = User.objects.get(username="demo-city")
        secret, digest = Credential.new_secret(Credential.TOKEN)
        Credential.objects.create(kind=Credential.TOKEN, user=city_admin, digest=digest, hint=secret[:8])
        gateway = Gateway.objects.order_by("id").first()
        assert gateway is not None, "the demo has no monitoring gateway"
        issued = monitoring_services.rotate_gateway_key(city_admin, gateway.pk)
        team = Team.objects.order_by("id").first()
        assert team is not None, "the demo has no rescue team"
        team_key = resources_services.issue_team_key(city_admin, team.pk).key
        self.identities = [
            {"Authorization": f"Bearer {secret}"},
            {"Authorization": f"Bearer {RECEIPT_TOKEN}"},
            {"Authorization": f"Bearer {issued.key}"},
            {"Authorization": f"Bearer {team_key}"},
        ]
        self.client = Client()

    def call(self, field: DateField, value: str) -> Any:
        for headers in self.identities:
            answer = _request(self.client, field, value, headers)
            if answer.status_code != 401:
                return answer
        pytest.fail(f"{field}: no identity of this test is accepted; add the route's kind to `Callers`")


@pytest.fixture
def callers(demo: None, settings: Any) -> Callers:
    settings.MESSAGING_RECEIPT_TOKEN = RECEIPT_TOKEN
    return Callers()


def _check_refused(callers: Callers, field: DateField, value: str) -> None:
    answer = callers.call(field, value)
    where = f"{field} = {value!r}"
    assert 400 <= answer.status_code < 500, f"{where}: answered {answer.status_code}"
    assert answer["Content-Type"].startswith("application/json"), f"{where}: not a JSON answer"
    assert answer.json()["code"] == "invalid_input", f"{where}: {answer.json()}"
    assert _names_the_field(answer, field), f"{where}: the error does not name the field: {answer.json()}"


def outside(form: str) -> st.SearchStrategy[str]:
    """Dates (or date-times at any offset a time zone has) before 2000-01-01 or after 2100-12-31."""
    before = st.dates(max_value=datebounds.EARLIEST - timedelta(days=1))
    after = st.dates(min_value=datebounds.LATEST + timedelta(days=1))
    days = before | after
    if form == "date":
        return days.map(date.isoformat)
    offsets = st.integers(min_value=-14 * 60, max_value=14 * 60).map(
        lambda minutes: timezone(timedelta(minutes=minutes))
    )
    return st.builds(
        lambda day, seconds, zone: (
            datetime.combine(day, datetime.min.time(), zone)
            .replace(hour=seconds // 3600, minute=seconds // 60 % 60, second=seconds % 60)
            .isoformat()
        ),
        days,
        st.integers(min_value=0, max_value=86_399),
        offsets,
    )


@pytest.mark.parametrize("field", DATE_FIELDS, ids=str)
def test_extreme_dates_are_refused_with_a_4xx_naming_the_field(callers: Callers, field: DateField) -> None:
    for value in FIXED[field.format]:
        _check_refused(callers, field, value)

    @settings(max_examples=6, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
    @given(value=outside(field.format))
    def drawn(value: str) -> None:
        _check_refused(callers, field, value)

    drawn()


@pytest.mark.parametrize("field", DATE_FIELDS, ids=str)
def test_a_date_inside_the_range_is_not_refused_for_it(callers: Callers, field: DateField) -> None:
    answer = callers.call(field, INSIDE[field.format])
    assert answer.status_code < 500, f"{field}: answered {answer.status_code}"
    if answer.status_code >= 400 and answer["Content-Type"].startswith("application/json"):
        errors = answer.json().get("details", {}).get("errors", [])
        assert not [error for error in errors if error.get("type") == "date_out_of_range"], answer.json()


def test_the_discovery_finds_the_fields_it_is_meant_to() -> None:
    found = {str(field) for field in DATE_FIELDS}
    assert "POST /api/v1/warnings body:onset" in found
    assert "GET /api/v1/hazards/stats query:start" in found
    assert "POST /api/v1/messages/receipts body:receipts[0].at" in found
    assert all(field.location in ("body", "query", "path") for field in DATE_FIELDS)


def test_the_bounds_are_the_documented_ones() -> None:
    assert (date(2000, 1, 1), date(2100, 12, 31)) == (datebounds.EARLIEST, datebounds.LATEST)
    assert datebounds.in_range(datetime(2000, 1, 1, 0, 0, tzinfo=timezone(timedelta(hours=14))))
    assert not datebounds.in_range(datetime(2101, 1, 1, tzinfo=UTC))


# Page forms ----------------------------------------------------------------------------------------


def page_forms() -> list[type[forms.BaseForm]]:
    """Every form class the project defines (each module of each app imported once)."""
    for info in pkgutil.walk_packages(yingji.__path__, "yingji."):
        if not any(part in info.name for part in (".tests", ".migrations", ".management")):
            importlib.import_module(info.name)
    found: list[type[forms.BaseForm]] = []
    pending = [forms.BaseForm]
    while pending:
        for subclass in pending.pop().__subclasses__():
            pending.append(subclass)
            if subclass.__module__.startswith("yingji."):
                found.append(subclass)
    return found


def test_every_date_field_of_every_page_form_is_bounded() -> None:
    found = page_forms()
    unbounded = [
        f"{form.__module__}.{form.__name__}.{name}"
        for form in found
        for name, field in form.base_fields.items()
        if (isinstance(field, forms.DateField) and not isinstance(field, BoundedDateField))
        or (isinstance(field, forms.DateTimeField) and not isinstance(field, BoundedDateTimeField))
    ]
    assert not unbounded, f"use core.forms.BoundedDateField / BoundedDateTimeField: {unbounded}"
    fields = [(form.__name__, field) for form in found for field in form.base_fields.values()]
    dated = {name for name, field in fields if isinstance(field, BoundedDateField)}
    assert {"StartForm", "LicenceForm", "FilingForm", "AssessForm"} <= dated
