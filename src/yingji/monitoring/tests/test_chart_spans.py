"""What the charts span: an alarm from its start to its end (or now) with margins; a sensor's chart, on
the page and through the API, on its last readings when it has none in the period asked for."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.utils import timezone

from yingji.monitoring import pipeline
from yingji.monitoring.models import Alarm

from .conftest import Rig

pytestmark = pytest.mark.django_db

MINUTE_MS = 60_000
HOUR_MS = 60 * MINUTE_MS


def ms(moment: Any) -> int:
    return int(moment.timestamp() * 1000)


def chart_on(client: Any, path: str, **query: str) -> tuple[dict[str, Any], str]:
    html = client.get(path, query).content.decode()
    found = re.search(r'<script id="chart-data" type="application/json">(.*?)</script>', html, re.S)
    assert found is not None
    return json.loads(found.group(1)), html


def demo_alarm(**lookup: Any) -> Alarm:
    return Alarm.objects.get(sensor__gateway__name__startswith="demo-", **lookup)


def test_a_closed_alarms_chart_ends_after_it_cleared_not_when_the_paperwork_was_done(page_client, city_admin):
    alarm = demo_alarm(rule=Alarm.THRESHOLD, status=Alarm.CLOSED)  # the mine's methane, closed hours later
    raised, cleared = ms(alarm.raised_at), ms(alarm.cleared_at)
    assert ms(alarm.closed_at) - cleared > HOUR_MS

    chart, _ = chart_on(page_client(city_admin), f"/monitoring/alarms/{alarm.pk}/")

    before, after = raised - chart["start"], chart["end"] - cleared
    assert before == after >= 10 * MINUTE_MS  # the same margin on both sides
    assert chart["end"] < ms(alarm.closed_at)
    assert chart["end"] - chart["start"] < 2 * (cleared - raised) + 2 * 10 * MINUTE_MS
    peak = max(point[1] for point in chart["points"])
    assert peak >= 1.5  # the excursion is in view


def test_an_open_alarms_chart_runs_from_before_it_to_now(page_client, city_admin):
    alarm = demo_alarm(rule=Alarm.THRESHOLD, status=Alarm.RAISED)  # the plant's pressure, still yellow
    asked = ms(timezone.now())

    chart, _ = chart_on(page_client(city_admin), f"/monitoring/alarms/{alarm.pk}/")

    assert asked <= chart["end"] <= ms(timezone.now())
    assert chart["start"] <= ms(alarm.raised_at) - 10 * MINUTE_MS


def test_a_window_alarms_chart_shows_the_rain_it_summed(page_client, city_admin):
    alarm = demo_alarm(rule=Alarm.WINDOW)  # the storm's 3-hour total

    chart, _ = chart_on(page_client(city_admin), f"/monitoring/alarms/{alarm.pk}/")

    window_start = ms(alarm.raised_at) - alarm.window_h * HOUR_MS
    assert chart["start"] < window_start
    summed = [point[1] for point in chart["points"] if window_start < point[0] <= ms(alarm.raised_at)]
    assert sum(summed) >= 50  # the 3-hour total of the orange criterion is on the chart


def test_an_offline_alarms_chart_starts_with_the_readings_before_the_silence(page_client, city_admin):
    alarm = demo_alarm(rule=Alarm.OFFLINE)  # a detector silent for two hours before the alarm

    chart, _ = chart_on(page_client(city_admin), f"/monitoring/alarms/{alarm.pk}/")

    assert chart["points"], "the chart shows the readings before the sensor fell silent"
    last = chart["points"][-1][0]
    assert ms(alarm.raised_at) - last >= HOUR_MS
    assert chart["start"] < last < ms(alarm.raised_at) <= chart["end"]


def readings_days_ago(rig: Rig, kind: str, days: float, *values: float) -> int:
    """Readings a minute apart, the last `days` ago, through the pipeline; the last one's epoch ms."""
    last = timezone.now() - timedelta(days=days)
    code = rig.sensors[kind].code
    stamps = [
        (last - timedelta(minutes=len(values) - line)).isoformat() for line in range(1, len(values) + 1)
    ]
    items = [
        (line, {"sensor": code, "ts": stamp, "value": value})
        for line, (stamp, value) in enumerate(zip(stamps, values, strict=True), 1)
    ]
    assert pipeline.ingest_items(rig.gateway, items, now=timezone.now()).accepted == len(values)
    return ms(last.replace(microsecond=last.microsecond // 1000 * 1000))


def test_a_sensor_silent_for_days_opens_on_its_last_readings(page_client, county_admin, rig):
    last = readings_days_ago(rig, "o2", 3, 20.8, 20.7, 20.9)

    chart, html = chart_on(page_client(county_admin), f"/monitoring/sensors/{rig.sensors['o2'].pk}/")

    assert [point[1] for point in chart["points"]] == [20.8, 20.7, 20.9]
    assert chart["end"] - chart["start"] == 24 * HOUR_MS
    assert last < chart["end"] <= last + 24 * HOUR_MS // 10
    assert 'id="period-moved"' in html


def test_a_preset_with_readings_in_it_ends_now_and_a_custom_period_is_taken_as_asked(
    page_client, county_admin, rig
):
    readings_days_ago(rig, "o2", 0, 20.8, 20.7)
    client = page_client(county_admin)
    asked = ms(timezone.now())

    chart, html = chart_on(client, f"/monitoring/sensors/{rig.sensors['o2'].pk}/", period="6h")

    assert chart["end"] >= asked and chart["end"] - chart["start"] == 6 * HOUR_MS
    assert len(chart["points"]) == 2 and 'id="period-moved"' not in html
    chart, html = chart_on(
        client,
        f"/monitoring/sensors/{rig.sensors['o2'].pk}/",
        period="custom",
        start="2026-01-01T00:00",
        end="2026-01-02T00:00",
    )
    assert chart["points"] == [] and 'id="period-moved"' not in html


def test_the_series_api_without_a_period_opens_on_the_last_readings(api_client, county_admin, rig):
    last = readings_days_ago(rig, "pressure", 2, 0.31, 0.32)
    client = api_client(county_admin)
    path = f"/api/v1/sensors/{rig.sensors['pressure'].pk}/series"

    series = client.get(path).json()

    assert [point[1] for point in series["points"]] == [0.31, 0.32]
    start, end = (ms(datetime.fromisoformat(series[key])) for key in ("start", "end"))
    assert end - start == 6 * HOUR_MS and last < end <= last + HOUR_MS
    asked = client.get(path, {"end": timezone.now().isoformat()}).json()
    assert asked["points"] == []  # a period asked for is taken as asked
