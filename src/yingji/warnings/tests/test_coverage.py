"""Coverage: the target area's people reached by at least one channel, counted once, per county and month."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta

import numpy as np
import pytest
from django.utils import timezone

from yingji.core.errors import Conflict, InvalidInput
from yingji.core.models import Region
from yingji.geography import areas, population
from yingji.geography.models import PopulationGrid
from yingji.messaging import outbox
from yingji.messaging.models import Delivery
from yingji.warnings import coverage
from yingji.warnings.models import BroadcastTerminal, EarlyWarning, WarningType
from yingji.warnings.targeting import RESPONDER, SUBSCRIBER, TERMINAL

BEIJING = timezone.get_fixed_timezone(8 * 60)
serial = itertools.count(1)


@pytest.fixture
def grid(demo):
    population.build_grid("140900", cell_km=1.0)
    return population.load_grid("140900")


def warning(codes=(), shapes=(), region="140902", published=None, level="yellow"):
    published = published or timezone.now()
    return EarlyWarning.objects.create(
        warning_type=WarningType.objects.get(code="rainstorm"),
        category="natural",
        level=level,
        headline="暴雨黄色预警",
        description="test",
        area_codes=list(codes),
        area_shapes=list(shapes),
        onset=published,
        expires=published + timedelta(hours=12),
        region_id=region,
        status=EarlyWarning.PUBLISHED,
        published_at=published,
    )


def deliver(warning, kind, recipient, channel, cell, status=Delivery.DELIVERED, county="140902"):
    return Delivery.objects.create(
        message_id=outbox.message_for(warning, outbox.Text("测试")),
        channel=channel,
        recipient_kind=kind,
        recipient_id=recipient,
        address="13900000000",
        region_id=county,
        cell=cell,
        idempotency_key=f"test-{next(serial)}",
        status=status,
    )


def loudspeaker(grid, cell, radius_m=300):
    lon, lat = grid.grid.centre_of([cell])
    return BroadcastTerminal.objects.create(
        code=f"T{next(serial)}",
        name="喇叭",
        region_id="140902",
        longitude=float(lon[0]),
        latitude=float(lat[0]),
        audible_radius_m=radius_m,
    )


def busiest_cells(grid, county, count):
    """The `count` most populated cells of a county, most people first."""
    cells = np.flatnonzero(grid.county_index == grid.county_number(county))
    return cells[np.argsort(-grid.people[cells])][:count].tolist()


def test_the_target_of_a_county_code_is_its_census_population(grid):
    measured = coverage.measure(warning(codes=["140902"]))
    assert measured["target"] == 577_089
    assert (measured["reached"], measured["ratio"]) == (0, 0.0)
    assert list(measured["counties"]) == ["140902"]
    assert measured["counties"]["140902"]["name"] == "忻府区"
    assert measured["target_cells"] == int((grid.county_index == grid.county_number("140902")).sum())
    assert measured["goal"] == 0.9


def test_a_loudspeaker_reaches_its_cell_whole_and_messages_reach_their_people_once(grid):
    loud, texted, failed = busiest_cells(grid, "140902", 3)
    alert = warning(codes=["140902"])
    speaker = loudspeaker(grid, loud)
    deliver(alert, TERMINAL, speaker.pk, Delivery.BROADCAST, loud)
    deliver(alert, SUBSCRIBER, 1, Delivery.SMS, loud)  # under the loudspeaker: not counted again
    deliver(alert, SUBSCRIBER, 2, Delivery.SMS, texted)
    deliver(alert, SUBSCRIBER, 3, Delivery.APP, texted)
    deliver(alert, RESPONDER, 2, Delivery.SMS, texted)  # another person, same id of another kind
    deliver(alert, Delivery.USER, 7, Delivery.INBOX, texted)  # the inbox reaches staff, not a place
    deliver(alert, SUBSCRIBER, 4, Delivery.SMS, failed, status=Delivery.FAILED)
    deliver(alert, SUBSCRIBER, 5, Delivery.SMS, -1)  # a regional subscriber: no place
    measured = coverage.measure(alert)
    expected = grid.people[loud] + 3
    assert measured["reached"] == expected
    assert measured["broadcast_cells"] == 1
    assert measured["ratio"] == round(expected / 577_089, 4)
    uncovered = {place["cell"]: place for place in measured["uncovered"]}
    assert loud not in uncovered
    assert uncovered[texted]["unreached"] == grid.people[texted] - 3


def test_messages_in_a_cell_never_count_more_people_than_live_there(grid):
    cells = np.flatnonzero(grid.county_index == grid.county_number("140902"))
    smallest = int(cells[np.argmin(grid.people[cells])])
    alert = warning(codes=["140902"])
    people = int(grid.people[smallest])
    for number in range(people + 5):
        deliver(alert, SUBSCRIBER, 100 + number, Delivery.SMS, smallest)
    assert coverage.measure(alert)["reached"] == people


def test_a_loudspeaker_covers_every_cell_centre_within_its_radius(grid):
    centre = busiest_cells(grid, "140902", 1)[0]
    alert = warning(codes=["140902"])
    speaker = loudspeaker(grid, centre, radius_m=2_500)
    deliver(alert, TERMINAL, speaker.pk, Delivery.BROADCAST, centre)
    measured = coverage.measure(alert)
    lon, lat = grid.grid.centre_of(np.arange(grid.grid.size))
    heard = (areas.haversine_km(speaker.longitude, speaker.latitude, lon, lat) <= 2.5) & (
        grid.county_index == grid.county_number("140902")
    )
    assert measured["broadcast_cells"] == int(heard.sum()) > 9
    assert measured["reached"] == int(grid.people[heard].sum())


def test_a_terminal_not_yet_delivered_reaches_no_one(grid):
    cell = busiest_cells(grid, "140902", 1)[0]
    alert = warning(codes=["140902"])
    deliver(alert, TERMINAL, loudspeaker(grid, cell).pk, Delivery.BROADCAST, cell, status=Delivery.SENT)
    assert coverage.measure(alert)["reached"] == 0


def test_each_county_gets_its_own_share(grid):
    alert = warning(codes=["140902", "140921"], region="140900")
    cell = busiest_cells(grid, "140921", 1)[0]
    deliver(alert, SUBSCRIBER, 1, Delivery.SMS, cell, county="140921")
    measured = coverage.measure(alert)
    assert measured["target"] == 577_089 + 193_997
    assert measured["counties"]["140902"] == {"name": "忻府区", "target": 577_089, "reached": 0, "ratio": 0.0}
    assert measured["counties"]["140921"]["reached"] == 1
    assert measured["counties"]["140921"]["target"] == 193_997


def test_township_and_shape_targets(grid):
    township = Region.objects.get(code="140902001000")
    zone = grid.township_index == grid.township_number(township.code)
    by_township = coverage.measure(warning(codes=[township.code]))
    assert by_township["target"] == int(grid.people[zone].sum())
    assert 0 < by_township["target"] < 577_089
    circle = {"type": "Circle", "coordinates": [112.73, 38.42], "radius_km": 5}
    by_circle = coverage.measure(warning(shapes=[circle]))
    mask = areas.area_mask(grid.grid, [circle]).ravel()
    assert by_circle["target"] == int(grid.people[mask].sum())
    assert by_circle["target_cells"] == int((mask & (grid.county_index >= 0)).sum())


def test_uncovered_places_come_most_unreached_first(grid):
    measured = coverage.measure(warning(codes=["140921"], region="140921"), uncovered_limit=50)
    unreached = [place["unreached"] for place in measured["uncovered"]]
    assert len(unreached) == 50 and unreached == sorted(unreached, reverse=True)
    assert measured["uncovered_cells"] == measured["target_cells"]
    first = measured["uncovered"][0]
    county_cells = grid.county_index == grid.county_number("140921")
    assert first["county"] == "140921"
    assert first["people"] == first["unreached"] == int(grid.people[county_cells].max())
    assert grid.grid.cell_of(first["lon"], first["lat"]) == first["cell"]


def test_refresh_stores_the_measurement(grid):
    alert = warning(codes=["140902"])
    deliver(alert, SUBSCRIBER, 1, Delivery.SMS, busiest_cells(grid, "140902", 1)[0])
    now = timezone.now()
    coverage.refresh(alert, now=now)
    stored = EarlyWarning.objects.get(pk=alert.pk)
    assert stored.coverage_at == now
    assert stored.coverage["reached"] == 1 and stored.coverage["counties"]["140902"]["target"] == 577_089
    assert len(stored.coverage["uncovered"]) == coverage.STORED_UNCOVERED


def test_without_a_grid_coverage_cannot_be_measured(demo):
    PopulationGrid.objects.all().delete()
    with pytest.raises(Conflict):
        coverage.measure(warning(codes=["140902"]))


# Per county and month -----------------------------------------------------------------------------


@pytest.fixture
def unmeasured(demo):
    """No stored measurements but the test's own (the demo's season is measured)."""
    EarlyWarning.objects.update(coverage=None, coverage_at=None)


def stored(codes, published, counties):
    """A published warning whose stored measurement gives `counties` = {code: (target, reached)}."""
    alert = warning(codes=codes, region="140900", published=published)
    alert.coverage = {
        "target": sum(t for t, _ in counties.values()),
        "reached": sum(r for _, r in counties.values()),
        "counties": {
            code: {"name": code, "target": t, "reached": r, "ratio": r / t}
            for code, (t, r) in counties.items()
        },
        "uncovered": [
            {
                "cell": 10 + number,
                "lon": 112.0,
                "lat": 38.0,
                "county": code,
                "people": 100,
                "unreached": 100 - number,
            }
            for number, code in enumerate(counties)
        ],
    }
    alert.save()
    return alert


def test_summary_weighs_warnings_by_population_per_county_and_month(unmeasured, city_admin, county_admin):
    may = datetime(2026, 5, 31, 23, 30, tzinfo=BEIJING)  # still May in Beijing, already June 1 in no zone
    stored(["140902"], may, {"140902": (1000, 950)})
    stored(["140902", "140921"], may - timedelta(days=3), {"140902": (3000, 2400), "140921": (500, 500)})
    stored(["140902"], datetime(2026, 6, 2, 9, tzinfo=BEIJING), {"140902": (800, 790)})
    result = coverage.summary(city_admin, month="2026-05")
    rows = {(row["month"], row["county"]): row for row in result["rows"]}
    assert set(rows) == {("2026-05", "140902"), ("2026-05", "140921")}
    assert rows["2026-05", "140902"]["ratio"] == round(3350 / 4000, 4)
    assert rows["2026-05", "140902"]["warnings"] == 2 and not rows["2026-05", "140902"]["meets_goal"]
    assert rows["2026-05", "140921"]["meets_goal"]
    assert result["months"] == [
        {
            "month": "2026-05",
            "target": 4500,
            "reached": 3850,
            "ratio": round(3850 / 4500, 4),
            "meets_goal": False,
        }
    ]
    everything = coverage.summary(city_admin)
    assert [row["month"] for row in everything["months"]] == ["2026-05", "2026-06"]
    mine = coverage.summary(county_admin)
    assert {row["county"] for row in mine["rows"]} == {"140902"}
    assert list(mine["counties"]) == ["140902"]


def test_summary_refuses_a_bad_month_or_region(city_admin):
    with pytest.raises(InvalidInput):
        coverage.summary(city_admin, month="2026-13")
    with pytest.raises(InvalidInput):
        coverage.summary(city_admin, region_code="999999")


def test_monthly_gaps_add_up_the_warnings_of_the_month(unmeasured, city_admin, county_admin):
    june = datetime(2026, 6, 10, 9, tzinfo=BEIJING)
    stored(["140902"], june, {"140902": (1000, 900)})
    stored(["140902", "140921"], june, {"140902": (1000, 900), "140921": (1000, 900)})
    gaps = coverage.monthly_gaps(city_admin, "2026-06")
    assert [(g["cell"], g["unreached"], g["warnings"]) for g in gaps] == [(10, 200, 2), (11, 99, 1)]
    assert [g["county"] for g in coverage.monthly_gaps(county_admin, "2026-06")] == ["140902"]


# The API and the page -----------------------------------------------------------------------------


def test_the_coverage_api_keeps_to_the_users_county(grid, county_admin, other_county_admin, api_client):
    own = warning(codes=["140902"], region="140902")
    answer = api_client(county_admin).get(f"/api/v1/warnings/{own.pk}/coverage?limit=5")
    assert answer.status_code == 200
    body = answer.json()
    assert body["target"] == 577_089 and len(body["uncovered"]) == 5
    assert body["counties"] == [
        {"code": "140902", "name": "忻府区", "target": 577_089, "reached": 0, "ratio": 0.0}
    ]
    other = api_client(other_county_admin)
    assert other.get(f"/api/v1/warnings/{own.pk}/coverage").status_code == 404
    assert other.get(f"/api/v1/map/warning-gaps?warning={own.pk}").status_code == 404
    assert api_client(county_admin).get(f"/api/v1/warnings/{own.pk}/coverage?limit=1001").status_code == 422


def test_the_summary_and_gaps_api(unmeasured, grid, city_admin, api_client):
    stored(["140902"], datetime(2026, 6, 10, 9, tzinfo=BEIJING), {"140902": (1000, 900)})
    client = api_client(city_admin)
    summary = client.get("/api/v1/warnings/coverage?month=2026-06")
    assert summary.status_code == 200
    row = summary.json()["rows"][0]
    assert (row["month"], row["county"], row["name"], row["warnings"]) == ("2026-06", "140902", "忻府区", 1)
    assert (row["target"], row["reached"], row["ratio"], row["meets_goal"]) == (1000, 900, 0.9, True)
    assert client.get("/api/v1/warnings/coverage?month=June").status_code == 422
    assert client.get("/api/v1/warnings/coverage?month=0001-01").status_code == 400
    assert client.get("/api/v1/warnings/coverage?region=999999").status_code == 400
    gaps = client.get("/api/v1/map/warning-gaps?month=2026-06").json()
    assert gaps["type"] == "FeatureCollection" and len(gaps["features"]) == 1
    feature = gaps["features"][0]
    assert feature["geometry"]["type"] == "Polygon" and feature["properties"]["unreached"] == 100
    alert = warning(codes=["140921"], region="140900")
    live = client.get(f"/api/v1/map/warning-gaps?warning={alert.pk}&limit=7").json()
    assert len(live["features"]) == 7
    assert client.get("/api/v1/map/warning-gaps").status_code == 400


def test_the_coverage_page(unmeasured, grid, county_admin, other_county_admin, page_client):
    own = stored(["140902"], timezone.now(), {"140902": (1000, 950)})
    own.region_id = "140902"
    own.save()
    page = page_client(county_admin).get("/warnings/coverage/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "预警信息公众覆盖率" in html and 'id="coverage-table"' in html and "95.0%" in html
    assert page_client(county_admin).get(f"/warnings/coverage/?warning={own.pk}").status_code == 200
    assert page_client(other_county_admin).get(f"/warnings/coverage/?warning={own.pk}").status_code == 404
    odd = page_client(county_admin).get("/warnings/coverage/?month=0000-01&warning=%C2%B2&region=140921")
    assert odd.status_code == 200  # nonsense in the query is ignored, not an error
