"""Coordinates are numbers on every route: `true` is never a longitude or a latitude.

Pydantic's lax mode reads JSON `true` as 1.0, and `[true, 38.4]` once reached a CAP message as
"38.4,1". Nothing here names a domain: every request body in the OpenAPI schema is searched for
properties named like a coordinate (at any depth), each is sent as `true` (and as text) by a city
administrator, and the answer must be a 4xx that names that property. A new route's coordinates are
walked the day it is registered; a new float field named so without `geography.coordinates`'
`Longitude` / `Latitude` fails here.

Area shapes (GeoJSON lists, not named properties) are tested where they are accepted: warnings'
drafts and CAP import (warnings/tests/test_coordinates.py).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client

from yingji.api import api
from yingji.core.models import User
from yingji.resources import services as resources_services
from yingji.resources.models import Team

COORDINATE_NAMES = frozenset({"lon", "lat", "longitude", "latitude", "lng"})
PARAMETER = re.compile(r"\{(\w+)\}")


def _resolve(schema: dict[str, Any], spec: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        schema = spec["components"]["schemas"][name]
    return schema


def coordinate_paths(schema: dict[str, Any], spec: dict[str, Any], depth: int = 0) -> Iterator[list[str]]:
    """The paths (property names, outermost first) of every coordinate-named property in a body schema."""
    schema = _resolve(schema, spec)
    if depth > 6:
        return
    for branch in schema.get("anyOf", []) + schema.get("allOf", []) + schema.get("oneOf", []):
        yield from coordinate_paths(branch, spec, depth + 1)
    for name, inner in schema.get("properties", {}).items():
        if name.lower() in COORDINATE_NAMES:
            yield [name]
        for below in coordinate_paths(inner, spec, depth + 1):
            yield [name, *below]


def coordinate_routes() -> list[tuple[str, str, list[str]]]:
    spec = api.get_openapi_schema()
    found = []
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            content = operation.get("requestBody", {}).get("content", {})
            body = content.get("application/json", {}).get("schema")
            if body is None:
                continue
            for names in {tuple(names) for names in coordinate_paths(body, spec)}:
                found.append((method.upper(), path, list(names)))
    return sorted(found)


def nested(names: list[str], value: Any) -> dict[str, Any]:
    body: Any = value
    for name in reversed(names):
        body = {name: body}
    return body  # type: ignore[no-any-return]


def test_the_walk_finds_the_coordinate_routes() -> None:
    """The walk cannot pass by finding nothing: the routes known today are among those it finds."""
    found = {(method, path, names[-1]) for method, path, names in coordinate_routes()}
    for expected in [
        ("POST", "/api/v1/enterprises", "longitude"),
        ("PATCH", "/api/v1/enterprises/{enterprise_id}", "latitude"),
        ("POST", "/api/v1/risk-points", "longitude"),
        ("POST", "/api/v1/monitoring/sites", "latitude"),
        ("POST", "/api/v1/subscriptions", "longitude"),
    ]:
        assert expected in found, (expected, sorted(found))


@pytest.mark.parametrize("value", [True, False, "38.4"])
def test_no_route_takes_a_boolean_or_text_for_a_coordinate(
    city_admin: User, api_client: Any, value: Any
) -> None:
    client: Client = api_client(city_admin)
    # A route for devices takes their key, not a person's token: a rescue team's tracker posts positions.
    team = Team.objects.order_by("id").first()
    assert team is not None, "the demo has no rescue team"
    team_key = resources_services.issue_team_key(city_admin, team.pk).key
    tracker = Client(HTTP_AUTHORIZATION=f"Bearer {team_key}")
    accepted = []
    for method, path, names in coordinate_routes():
        url = PARAMETER.sub("1", path)
        body = json.dumps(nested(names, value))
        answer = client.generic(method, url, body, content_type="application/json")
        if answer.status_code == 401:
            answer = tracker.generic(method, url, body, content_type="application/json")
        errors = answer.json()["details"].get("errors", []) if answer.status_code == 422 else []
        named = any(error["loc"][-1] == names[-1] and error["type"] != "missing" for error in errors)
        if not named:
            accepted.append(f"{method} {path} {'.'.join(names)}={value!r}: {answer.status_code}")
    assert not accepted, accepted
