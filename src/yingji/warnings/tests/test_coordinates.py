"""Booleans are not coordinates in a warning's area, drafted through the API or imported as CAP.

The outside tester's `[true, 38.4]` went into a polygon and out in CAP as "38.4,1".
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from yingji.core.models import User
from yingji.warnings.models import EarlyWarning

from .capfixtures import message

BOOLEAN_SHAPES = [
    {"type": "Polygon", "coordinates": [[[True, 38.4], [112.8, 38.4], [112.8, 38.5], [True, 38.4]]]},
    {"type": "Polygon", "coordinates": [[[112.7, 38.4], [112.8, False], [112.8, 38.5], [112.7, 38.4]]]},
    {"type": "MultiPolygon", "coordinates": [[[[112.7, 38.4], [True, 38.4], [112.8, 38.5], [112.7, 38.4]]]]},
    {"type": "Circle", "coordinates": [True, 38.4], "radius_km": 2},
    {"type": "Circle", "coordinates": [112.7, 38.4], "radius_km": True},
]


def draft(shapes: list[Any]) -> dict[str, Any]:
    now = timezone.now()
    return {
        "warning_type": "rainstorm",
        "level": "blue",
        "headline": "忻府区暴雨蓝色预警",
        "description": "预计未来6小时忻府区降雨量将达50毫米以上。",
        "area_codes": ["140902"],
        "area_shapes": shapes,
        "onset": now.isoformat(),
        "expires": (now + timedelta(hours=6)).isoformat(),
    }


@pytest.mark.parametrize("shape", BOOLEAN_SHAPES)
def test_a_draft_with_a_boolean_coordinate_is_refused(
    county_admin: User, api_client: Callable[[User], Client], shape: dict[str, Any]
) -> None:
    client = api_client(county_admin)
    before = EarlyWarning.objects.count()
    answer = client.post("/api/v1/warnings", draft([shape]), content_type="application/json")
    assert answer.status_code == 400, answer.content
    assert answer.json()["details"] == {"field": "area_shapes[0]"} and "numbers" in answer.json()["message"]
    assert EarlyWarning.objects.count() == before


@pytest.mark.parametrize("shape", BOOLEAN_SHAPES)
def test_an_edit_with_a_boolean_coordinate_is_refused(
    county_admin: User, api_client: Callable[[User], Client], shape: dict[str, Any]
) -> None:
    client = api_client(county_admin)
    created = client.post("/api/v1/warnings", draft([]), content_type="application/json").json()
    answer = client.patch(
        f"/api/v1/warnings/{created['id']}", {"area_shapes": [shape]}, content_type="application/json"
    )
    assert answer.status_code == 400 and answer.json()["details"] == {"field": "area_shapes[0]"}
    assert EarlyWarning.objects.get(pk=created["id"]).area_shapes == []


@pytest.mark.parametrize(
    "area",
    [
        "<polygon>38.40,112.70 38.40,true 38.50,112.80 38.40,112.70</polygon>",
        "<circle>38.45,true 2</circle>",
        "<circle>38.45,112.70 true</circle>",
    ],
)
def test_a_cap_message_with_a_boolean_coordinate_is_refused(
    county_admin: User, api_client: Callable[[User], Client], area: str
) -> None:
    before = EarlyWarning.objects.count()
    answer = api_client(county_admin).post(
        "/api/v1/warnings/cap", message(area=area), content_type="application/cap+xml"
    )
    assert answer.status_code == 400 and answer.json()["code"] == "invalid_cap", answer.content
    assert EarlyWarning.objects.count() == before
