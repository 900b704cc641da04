"""targeting.resolve: who receives a warning, by region code and by location, once per channel."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import numpy as np
import pytest
from django.utils import timezone
from shapely.geometry import shape

from yingji.core import regioncodes, roles
from yingji.core.models import Organization, Region, User
from yingji.enterprises.models import Enterprise
from yingji.geography import areas, population
from yingji.geography.models import PopulationGrid
from yingji.messaging.models import Delivery
from yingji.warnings import targeting
from yingji.warnings.models import (
    BroadcastTerminal,
    EarlyWarning,
    Responder,
    Subscriber,
    WarningType,
)

SUBSCRIBER, USER, RESPONDER, TERMINAL = (
    targeting.SUBSCRIBER,
    targeting.USER,
    targeting.RESPONDER,
    targeting.TERMINAL,
)
SMS, APP, INBOX, BROADCAST = Delivery.SMS, Delivery.APP, Delivery.INBOX, Delivery.BROADCAST
SIDE = 0.01  # half the side of the drawn square, in degrees (~1 km)


def square(lon, lat, half):
    corners = [(-1, -1), (1, -1), (1, 1), (-1, 1), (-1, -1)]
    return [[lon + dx * half, lat + dy * half] for dx, dy in corners]


@dataclass
class Place:
    """The test's geography: a point well inside 忻府区, one inside 定襄县, villages and a township."""

    here: tuple[float, float]
    hole: tuple[float, float]
    outside: tuple[float, float]
    dingxiang: tuple[float, float]
    village: Region
    township: Region
    other_village: Region


@pytest.fixture
def place(demo):
    xinfu, dingxiang = Region.objects.get(code="140902"), Region.objects.get(code="140921")
    point = shape(xinfu.geometry).representative_point()
    other = shape(dingxiang.geometry).representative_point()
    village = (
        Region.objects.filter(level=regioncodes.VILLAGE, path__startswith=xinfu.path).order_by("code").first()
    )
    return Place(
        here=(point.x, point.y),
        hole=(point.x + SIDE / 2, point.y + SIDE / 2),
        outside=(point.x + 2.5 * SIDE, point.y),
        dingxiang=(other.x, other.y),
        village=village,
        township=village.parent,
        other_village=Region.objects.filter(
            level=regioncodes.VILLAGE, path__startswith=dingxiang.path
        ).first(),
    )


def subscriber(number, region, where=None, *, channel=SMS, min_level="blue", active=True):
    lon, lat = where or (None, None)
    return Subscriber.objects.create(
        channel=channel,
        address=f"139{number:08d}",
        region_id=region if isinstance(region, str) else region.code,
        longitude=lon,
        latitude=lat,
        min_level=min_level,
        active=active,
    )


@pytest.fixture
def subscribers(place):
    return {
        "here": subscriber(1, "140902", place.here),
        "dingxiang": subscriber(2, "140921", place.dingxiang),
        "village": subscriber(3, place.village),
        "county": subscriber(4, "140902"),
        "other_village": subscriber(5, place.other_village),
        "inactive": subscriber(6, "140902", place.here, active=False),
        "red_only": subscriber(7, "140902", place.here, min_level="red"),
        "in_hole": subscriber(8, "140902", place.hole),
        "outside": subscriber(9, "140902", place.outside, channel=APP),
    }


def warning(level="yellow", codes=(), shapes=(), region="140900"):
    now = timezone.now()
    return EarlyWarning.objects.create(
        warning_type=WarningType.objects.get(code="rainstorm"),
        category="natural",
        level=level,
        headline="暴雨预警",
        description="test",
        area_codes=list(codes),
        area_shapes=list(shapes),
        onset=now,
        expires=now + timedelta(hours=12),
        region_id=region,
    )


def entries(recipients):
    kinds, ids, channels = (
        recipients.kind.tolist(),
        recipients.recipient_id.tolist(),
        recipients.channel.tolist(),
    )
    return set(zip(kinds, ids, channels, strict=True))


def subscribers_in(recipients, subscribers):
    ids = {rid for kind, rid, _ in entries(recipients) if kind == SUBSCRIBER}
    return {name for name, row in subscribers.items() if row.pk in ids}


def drawn_square(place):
    """A ~2 km square around `here`, with a hole around `hole`."""
    lon, lat = place.here
    return {
        "type": "Polygon",
        "coordinates": [square(lon, lat, SIDE), square(place.hole[0], place.hole[1], SIDE / 5)],
    }


# Subscribers ------------------------------------------------------------------------------------


def test_a_county_code_reaches_everyone_whose_region_lies_in_it(subscribers):
    found = subscribers_in(targeting.resolve(warning(codes=["140902"])), subscribers)
    assert found == {"here", "village", "county", "in_hole", "outside"}


def test_a_polygon_reaches_the_points_inside_it_and_regional_subscribers_it_touches(place, subscribers):
    found = subscribers_in(targeting.resolve(warning(shapes=[drawn_square(place)])), subscribers)
    # The hole and the point outside are out; a regional subscription to the county (or a village of
    # it, which has no location of its own) is in: the polygon lies in that county.
    assert found == {"here", "county", "village"}


def test_a_township_code_reaches_its_villages_and_the_subscribers_of_its_county(place, subscribers):
    found = subscribers_in(targeting.resolve(warning(codes=[place.township.code])), subscribers)
    # A located subscriber whose region is the county is selected by location only (no township boundary).
    assert found == {"village", "county"}


def test_a_circle_measures_its_radius_on_the_ground(place, subscribers):
    circle = {"type": "Circle", "coordinates": list(place.here), "radius_km": 1.0}
    found = subscribers_in(targeting.resolve(warning(shapes=[circle])), subscribers)
    assert {"here", "in_hole"} <= found  # ~0.7 km away
    assert "outside" not in found  # ~2.2 km away


def test_subscribers_get_only_the_levels_they_asked_for(subscribers):
    assert "red_only" not in subscribers_in(
        targeting.resolve(warning("orange", codes=["140902"])), subscribers
    )
    assert "red_only" in subscribers_in(targeting.resolve(warning("red", codes=["140902"])), subscribers)


def test_a_county_boundary_as_a_shape_does_not_spill_into_its_neighbours(subscribers):
    county = Region.objects.get(code="140902")
    found = subscribers_in(targeting.resolve(warning(shapes=[county.geometry])), subscribers)
    assert found == {"here", "village", "county", "in_hole", "outside"}
    assert "other_village" not in found and "dingxiang" not in found


def test_each_recipient_appears_once_per_channel(place, subscribers):
    result = targeting.resolve(warning(codes=["140902", place.township.code], shapes=[drawn_square(place)]))
    keys = list(zip(result.kind.tolist(), result.recipient_id.tolist(), result.channel.tolist(), strict=True))
    assert len(keys) == len(set(keys)) == len(result)
    assert keys.count((SUBSCRIBER, subscribers["here"].pk, SMS)) == 1
    assert (SUBSCRIBER, subscribers["outside"].pk, APP) in keys
    # Coverage counts delivered SMS and app rows as people: nobody gets both.
    texted = [(kind, rid) for kind, rid, channel in keys if channel in (SMS, APP)]
    assert len(texted) == len(set(texted))
    assert subscribers["outside"].address in result.address.tolist()


def test_recipients_carry_their_county_and_population_cell(place, subscribers):
    population.build_grid("140900", cell_km=2.0)
    grid = population.load_grid("140900").grid
    result = targeting.resolve(warning(codes=["140902"]))
    by_id = {
        rid: i
        for i, (kind, rid) in enumerate(zip(result.kind, result.recipient_id, strict=True))
        if kind == SUBSCRIBER
    }
    here = by_id[subscribers["here"].pk]
    assert result.county_code[here] == "140902"
    assert result.cell[here] == grid.cell_of(*place.here)
    village = by_id[subscribers["village"].pk]
    assert (result.county_code[village], result.cell[village]) == ("140902", -1)
    assert result.cell.dtype == np.int32 and result.recipient_id.dtype == np.int64


def test_without_a_population_grid_cells_are_unknown(subscribers):
    PopulationGrid.objects.all().delete()
    result = targeting.resolve(warning(codes=["140902"]))
    assert (result.cell == -1).all()


# People of the platform, responders and loudspeakers --------------------------------------------


def make_user(username, role, region, organization=None, phone="13900000000"):
    return User.objects.create(
        username=username, role=role, region_id=region, organization=organization, phone=phone
    )


def test_duty_officers_of_the_covered_counties_and_of_the_city(place):
    xinfu = make_user("duty-xinfu", roles.DUTY_OFFICER, "140902")
    dingxiang = make_user("duty-dingxiang", roles.DUTY_OFFICER, "140921", phone="")
    city = User.objects.get(username="demo-duty")
    found = entries(targeting.resolve(warning(shapes=[drawn_square(place)])))
    assert {
        (USER, xinfu.pk, INBOX),
        (USER, xinfu.pk, SMS),
        (USER, city.pk, INBOX),
        (USER, city.pk, SMS),
    } <= found
    assert not {entry for entry in found if entry[:2] == (USER, dingxiang.pk)}
    found = entries(targeting.resolve(warning(codes=["140921"])))
    assert (USER, dingxiang.pk, INBOX) in found and (USER, dingxiang.pk, SMS) not in found  # no phone
    assert (USER, xinfu.pk, INBOX) not in found


def test_enterprise_officers_by_their_enterprise_location(place):
    organization = Organization.objects.create(
        region_id="140902", name="测试化工有限公司", kind=Organization.ENTERPRISE
    )
    Enterprise.objects.create(
        organization=organization,
        name="测试化工有限公司",
        credit_code="91140900MA0TEST01X",
        industry="hazardous_chemicals",
        region_id="140902",
        longitude=place.here[0],
        latitude=place.here[1],
        legal_representative="张三",
        safety_officer_phone="13911112222",
    )
    officer = make_user("ent-officer", roles.ENTERPRISE_OFFICER, "140902", organization, phone="")
    inside = targeting.resolve(warning(shapes=[drawn_square(place)]))
    assert {(USER, officer.pk, INBOX), (USER, officer.pk, SMS)} <= entries(inside)
    sms = [i for i, rid in enumerate(inside.recipient_id) if rid == officer.pk and inside.channel[i] == SMS]
    assert inside.address[sms[0]] == "13911112222"  # the enterprise's safety officer phone
    far = {"type": "Circle", "coordinates": list(place.outside), "radius_km": 0.5}
    assert (USER, officer.pk, INBOX) not in entries(targeting.resolve(warning(shapes=[far])))


def test_disaster_reporters_by_their_region(place):
    reporter = make_user("reporter-village", roles.DISASTER_REPORTER, place.village.code)
    other = make_user("reporter-other", roles.DISASTER_REPORTER, place.other_village.code)
    found = entries(targeting.resolve(warning(codes=[place.township.code])))
    assert (USER, reporter.pk, INBOX) in found and (USER, other.pk, INBOX) not in found
    county_reporter = User.objects.get(username="demo-reporter-140902")
    assert (USER, county_reporter.pk, INBOX) in found  # the township lies in their county


def test_responders_by_location_else_by_region(place):
    lon, lat = place.here
    located = Responder.objects.create(
        name="李四",
        kind=Responder.VILLAGE_HEAD,
        phone="13922223333",
        region=place.village,
        longitude=lon,
        latitude=lat,
    )
    regional = Responder.objects.create(
        name="王五", kind=Responder.SCHOOL, phone="13922224444", region=place.village
    )
    retired = Responder.objects.create(
        name="赵六", kind=Responder.OTHER, phone="13922225555", region=place.village, active=False
    )
    found = entries(targeting.resolve(warning(shapes=[drawn_square(place)])))
    assert {(RESPONDER, located.pk, SMS), (RESPONDER, regional.pk, SMS)} <= found
    assert (RESPONDER, retired.pk, SMS) not in found
    far = {"type": "Circle", "coordinates": list(place.dingxiang), "radius_km": 2}
    mine = {(RESPONDER, row.pk, SMS) for row in (located, regional, retired)}
    assert not mine & entries(targeting.resolve(warning(shapes=[far])))


def test_broadcast_terminals_in_the_area(place):
    def terminal(code, where, active=True):
        return BroadcastTerminal.objects.create(
            code=code, name=code, region_id="140902", longitude=where[0], latitude=where[1], active=active
        )

    inside, outside = terminal("T-IN", place.here), terminal("T-OUT", place.outside)
    off = terminal("T-OFF", place.here, active=False)
    result = targeting.resolve(warning(shapes=[drawn_square(place)]))
    found = entries(result)
    assert (TERMINAL, inside.pk, BROADCAST) in found
    assert (TERMINAL, outside.pk, BROADCAST) not in found and (TERMINAL, off.pk, BROADCAST) not in found
    assert "T-IN" in result.address.tolist()
    assert (TERMINAL, outside.pk, BROADCAST) in entries(targeting.resolve(warning(codes=["140902"])))


def test_an_area_with_nothing_in_it_has_no_recipients(demo):
    empty = targeting.resolve(
        warning(shapes=[{"type": "Circle", "coordinates": [100.0, 30.0], "radius_km": 1}])
    )
    assert len(empty) == 0 and empty.cell.dtype == np.int32


def test_target_area_reports_the_counties_it_covers(place):
    circle = {"type": "Circle", "coordinates": list(place.dingxiang), "radius_km": 1}
    area = targeting.target_area(warning(codes=[place.township.code], shapes=[circle]))
    assert area.counties == {"140902", "140921"}
    assert place.village.code in area.inside and "140902" in area.containing
    assert isinstance(area.shapes, areas.Area)
