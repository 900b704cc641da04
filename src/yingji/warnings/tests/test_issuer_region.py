"""A warning stays in its issuer's region: shapes within the boundary (500 m allowed), recipients inside.

The outside tester's case: `demo-county-140921` (定襄县) drafted a blue warning over a polygon of the
whole city, and publishing it queued deliveries in all 14 counties, loudspeakers included.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import numpy as np
import pyproj
import pytest
import shapely
from django.test import Client
from django.utils import timezone
from shapely.geometry import mapping, shape

from yingji.core.errors import Forbidden, InvalidInput
from yingji.core.models import AuditEntry, Region, User
from yingji.geography import population
from yingji.messaging.models import Delivery
from yingji.warnings import coverage, services, targeting
from yingji.warnings.cap import importing
from yingji.warnings.models import BroadcastTerminal, EarlyWarning, Subscriber

from .capfixtures import message

COUNTY = "140921"  # 定襄县
CITY = "140900"


def grown(code: str, metres: float) -> Any:
    """A region's boundary grown outwards by `metres` (a shapely geometry in lon/lat)."""
    boundary = shape(Region.objects.get(code=code).geometry)
    centre = boundary.centroid
    metric = pyproj.CRS.from_proj4(f"+proj=tmerc +lon_0={centre.x} +ellps=GRS80 +units=m")
    forward = pyproj.Transformer.from_crs("EPSG:4326", metric, always_xy=True)
    back = pyproj.Transformer.from_crs(metric, "EPSG:4326", always_xy=True)
    in_metres = shapely.transform(boundary, lambda xy: np.column_stack(forward.transform(xy[:, 0], xy[:, 1])))
    return shapely.transform(
        in_metres.buffer(metres), lambda xy: np.column_stack(back.transform(xy[:, 0], xy[:, 1]))
    )


def band_point(code: str, metres: float) -> tuple[float, float, str]:
    """A point about `metres` outside the region, inside a neighbouring county, and that county's code."""
    ring = grown(code, metres)
    outline = ring.exterior if ring.geom_type == "Polygon" else max(ring.geoms, key=lambda g: g.area).exterior
    counties = [
        (other.code, shape(other.geometry))
        for other in Region.objects.filter(level="county", geometry__isnull=False).exclude(code=code)
    ]
    for lon, lat in outline.coords:
        for other, boundary in counties:
            if boundary.contains(shape({"type": "Point", "coordinates": [lon, lat]})):
                return lon, lat, other
    raise AssertionError("no neighbouring county along the boundary")


def draft_body(shapes: list[dict[str, Any]], codes: list[str] | None = None) -> dict[str, Any]:
    now = timezone.now()
    return {
        "warning_type": "cold_wave",
        "level": "blue",
        "headline": "定襄县寒潮蓝色预警",
        "description": "预计未来48小时定襄县最低气温下降8℃以上。",
        "area_codes": codes or [],
        "area_shapes": shapes,
        "onset": now.isoformat(),
        "expires": (now + timedelta(hours=12)).isoformat(),
    }


@pytest.fixture
def county_user(demo: None) -> User:
    return User.objects.select_related("region").get(username=f"demo-county-{COUNTY}")


def test_a_county_warning_over_the_whole_city_is_refused(
    county_user: User, api_client: Callable[[User], Client]
) -> None:
    city = Region.objects.get(code=CITY).geometry
    before = (EarlyWarning.objects.count(), AuditEntry.objects.count())
    answer = api_client(county_user).post(
        "/api/v1/warnings", draft_body([city]), content_type="application/json"
    )
    assert answer.status_code == 400, answer.content
    body = answer.json()
    assert body["code"] == "area_outside_region"
    assert body["details"]["field"] == "area_shapes[0]" and body["details"]["region"] == COUNTY
    assert body["details"]["tolerance_m"] == 500 and body["details"]["reach_m"] > 10_000
    assert "定襄县" in body["message"] and "500 m" in body["message"]
    assert (EarlyWarning.objects.count(), AuditEntry.objects.count()) == before


def test_an_edit_cannot_widen_a_draft_past_the_county(
    county_user: User, api_client: Callable[[User], Client]
) -> None:
    client = api_client(county_user)
    created = client.post("/api/v1/warnings", draft_body([], [COUNTY]), content_type="application/json")
    assert created.status_code == 201, created.content
    warning_id = created.json()["id"]
    wider = {"type": "Circle", "coordinates": list(band_point(COUNTY, 300)[:2]), "radius_km": 20}
    answer = client.patch(
        f"/api/v1/warnings/{warning_id}", {"area_shapes": [wider]}, content_type="application/json"
    )
    assert answer.status_code == 400 and answer.json()["code"] == "area_outside_region"
    assert answer.json()["details"]["field"] == "area_shapes[0]"
    codes = client.patch(
        f"/api/v1/warnings/{warning_id}", {"area_codes": ["140902"]}, content_type="application/json"
    )
    assert codes.status_code == 400 and codes.json()["code"] == "area_outside_region"
    assert codes.json()["details"]["field"] == "area_codes"
    assert EarlyWarning.objects.get(pk=warning_id).area_shapes == []


def test_the_tolerance_is_a_setting(county_user: User, settings: Any) -> None:
    shapes = [mapping(grown(COUNTY, 800))]
    with pytest.raises(InvalidInput) as refused:
        services.check_shapes_within(county_user.region, shapes)
    assert refused.value.code == "area_outside_region"
    settings.WARNINGS_AREA_TOLERANCE_M = 1000
    services.check_shapes_within(county_user.region, shapes)


def test_a_shape_300_m_past_the_boundary_is_taken_but_reaches_only_the_county(
    county_user: User, city_admin: User
) -> None:
    lon, lat, neighbour = band_point(COUNTY, 150)
    in_band = Subscriber.objects.create(
        channel=Subscriber.SMS, address="13912300001", region_id=neighbour, longitude=lon, latitude=lat
    )
    loudspeaker = BroadcastTerminal.objects.create(
        code="GB-BAND-1", name="边界喇叭", region_id=neighbour, longitude=lon, latitude=lat
    )
    inside = shape(county_user.region.geometry).representative_point()
    at_home = Subscriber.objects.create(
        channel=Subscriber.SMS, address="13912300002", region_id=COUNTY, longitude=inside.x, latitude=inside.y
    )
    shapes = [mapping(grown(COUNTY, 300))]
    draft = services.create_draft(
        county_user,
        services.DraftInput(
            warning_type="cold_wave",
            level="blue",
            headline="定襄县寒潮蓝色预警",
            description="预计未来48小时定襄县最低气温下降8℃以上。",
            onset=timezone.now(),
            expires=timezone.now() + timedelta(hours=12),
            area_shapes=shapes,
        ),
    )
    services.submit(county_user, draft.pk)
    warning = services.publish(county_user, draft.pk)

    recipients = targeting.resolve(warning)
    subscribers = set(recipients.recipient_id[recipients.kind == targeting.SUBSCRIBER].tolist())
    terminals = set(recipients.recipient_id[recipients.kind == targeting.TERMINAL].tolist())
    assert at_home.pk in subscribers and in_band.pk not in subscribers
    assert loudspeaker.pk not in terminals and terminals
    outside = (
        Delivery.objects.about(warning)
        .exclude(region__path__startswith=county_user.region.path)
        .values_list("recipient_kind", "region_id")
        .distinct()
    )
    # Only the city's duty room, which hears of every warning issued below it, lies outside the county.
    assert {(kind, region) for kind, region in outside} <= {(targeting.USER, CITY)}

    loaded = population.load_grid(warning.region)
    cells = coverage.target_cells(warning, loaded)
    assert cells.any()
    assert set(np.unique(loaded.county_index[cells]).tolist()) == {loaded.county_number(COUNTY)}


def test_targeting_never_leaves_the_issuer_even_for_an_area_stored_past_it(city_admin: User) -> None:
    """Whatever reached the table (an older row, a direct write), no recipient lies past the issuer."""
    draft = services.create_draft(
        User.objects.get(username=f"demo-duty-{COUNTY}"),
        services.DraftInput(
            warning_type="cold_wave",
            level="blue",
            headline="定襄县寒潮蓝色预警",
            description="预计未来48小时定襄县最低气温下降8℃以上。",
            onset=timezone.now(),
            expires=timezone.now() + timedelta(hours=12),
            area_codes=[COUNTY],
        ),
    )
    EarlyWarning.objects.filter(pk=draft.pk).update(
        area_shapes=[Region.objects.get(code=CITY).geometry], area_codes=[CITY]
    )
    draft.refresh_from_db()
    recipients = targeting.resolve(draft)
    county_path = draft.region.path
    paths = dict(
        Region.objects.filter(code__in=set(recipients.county_code.tolist())).values_list("code", "path")
    )
    outside = {
        (str(kind), str(code))
        for kind, code in zip(recipients.kind, recipients.county_code, strict=True)
        if not paths[str(code)].startswith(county_path)
    }
    assert outside <= {(targeting.USER, CITY)}
    assert len(recipients) > 0


def test_a_cap_message_reaching_from_the_county_into_the_next_is_not_the_countys(county_user: User) -> None:
    here = shape(county_user.region.geometry).representative_point()
    there = shape(Region.objects.get(code="140902").geometry).representative_point()
    band = shapely.LineString([here, there]).buffer(0.01)
    polygon = " ".join(f"{lat:.6f},{lon:.6f}" for lon, lat in band.exterior.coords)
    data = message(area=f"<polygon>{polygon}</polygon>", severity="Minor", event="寒潮")
    before = EarlyWarning.objects.count()
    with pytest.raises(Forbidden, match=CITY):  # the area is the city's: not this county's to import
        importing.import_cap(county_user, data)
    assert EarlyWarning.objects.count() == before


def test_a_cap_shape_300_m_past_the_county_is_the_countys_and_stays_inside(county_user: User) -> None:
    band = grown(COUNTY, 300)
    outer = band.exterior if band.geom_type == "Polygon" else max(band.geoms, key=lambda g: g.area).exterior
    polygon = " ".join(f"{lat:.6f},{lon:.6f}" for lon, lat in outer.coords)
    lon, lat, neighbour = band_point(COUNTY, 150)
    in_band = Subscriber.objects.create(
        channel=Subscriber.SMS, address="13912300003", region_id=neighbour, longitude=lon, latitude=lat
    )
    warning = importing.import_cap(
        county_user, message(area=f"<polygon>{polygon}</polygon>", severity="Minor", event="寒潮")
    )
    assert warning.region_id == COUNTY
    recipients = targeting.resolve(warning)
    assert in_band.pk not in recipients.recipient_id[recipients.kind == targeting.SUBSCRIBER].tolist()
