"""The monitoring pages: the wall and its live part, a sensor with its chart and limits, alarms, gateways."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Any

import pytest
from django.utils import timezone

from yingji.core import roles
from yingji.core.models import AuditEntry, User
from yingji.core.registry import counties_for
from yingji.enterprises.models import Enterprise
from yingji.monitoring import pipeline, services, views
from yingji.monitoring.models import Alarm, Gateway, Sensor, ThresholdRule

from .conftest import Rig, make_rig, recent

pytestmark = pytest.mark.django_db


def ingest(rig: Rig, kind: str, *values: float) -> Any:
    """Readings of one sensor, a second apart and ending a few seconds ago, through the real pipeline."""
    code = rig.sensors[kind].code
    items = [
        (line, {"sensor": code, "ts": recent(5 + len(values) - line), "value": value})
        for line, value in enumerate(values, 1)
    ]
    return pipeline.ingest_items(rig.gateway, items, now=timezone.now())


def red_methane(rig: Rig) -> Alarm:
    ingest(rig, "methane", 0.2, 1.8)
    return Alarm.objects.get(sensor=rig.sensors["methane"], rule=Alarm.THRESHOLD)


def officer_of(rig: Rig) -> User:
    return User.objects.get(role=roles.ENTERPRISE_OFFICER, organization_id=rig.enterprise.organization_id)


def post(client: Any, path: str, data: dict[str, Any], **headers: Any) -> Any:
    """A form post with the CSRF token a page of the wall hands out (the client checks CSRF)."""
    client.get("/monitoring/")
    return client.post(path, {**data, "csrfmiddlewaretoken": client.cookies["csrftoken"].value}, **headers)


def sensor_codes(html: str) -> set[str]:
    return set(re.findall(r'data-sensor="([^"]+)"', html))


def quiet_enterprise(county: str, skip: int = 0) -> Enterprise:
    """An enterprise of the county that the demo gave no sensors, so that only a test's own report there."""
    quiet = Enterprise.objects.filter(region__path__contains=f"/{county}/", sensors__isnull=True).order_by(
        "id"
    )
    return quiet[skip]


@pytest.fixture
def quiet_rigs(demo: None) -> tuple[Rig, Rig]:
    """Two enterprises of county 140902 without demo sensors, each with a gateway and sensors of its own."""
    return make_rig(quiet_enterprise("140902"), "test-gw-q1"), make_rig(
        quiet_enterprise("140902", 1), "test-gw-q2"
    )


def shown_on_the_wall(client: Any, **filters: Any) -> set[str]:
    return sensor_codes(client.get("/monitoring/", filters).content.decode())


# The wall ---------------------------------------------------------------------------------------


def test_the_wall_shows_a_county_admin_only_their_countys_sensors(page_client, county_admin, rig, other_rig):
    client = page_client(county_admin)

    everything = shown_on_the_wall(client)
    own = shown_on_the_wall(client, enterprise=rig.enterprise.pk)
    other = shown_on_the_wall(client, enterprise=other_rig.enterprise.pk)

    assert everything and not Sensor.objects.filter(code__in=everything).exclude(
        region__path__contains="/140902/"
    )
    assert {sensor.code for sensor in rig.sensors.values()} <= own
    assert other == set()


def test_the_city_filters_the_wall_by_county(page_client, city_admin, rig, other_rig):
    client = page_client(city_admin)

    dingxiang = shown_on_the_wall(client, county="140921")
    own_there = shown_on_the_wall(client, county="140921", enterprise=other_rig.enterprise.pk)
    xinfu_there = shown_on_the_wall(client, county="140921", enterprise=rig.enterprise.pk)

    assert dingxiang and not Sensor.objects.filter(code__in=dingxiang).exclude(
        region__path__contains="/140921/"
    )
    assert {sensor.code for sensor in other_rig.sensors.values()} <= own_there
    assert xinfu_there == set()


def test_objects_with_alarms_come_first_and_the_alarm_filter_keeps_only_them(county_admin, quiet_rigs):
    calm, alarming = quiet_rigs
    ingest(calm, "o2", 20.9)
    red_methane(alarming)
    counties = list(counties_for(county_admin))

    order = [card.key for card in views._cards(county_admin, views.WallFilter(), counties)]
    only_alarming = [
        card.key for card in views._cards(county_admin, views.WallFilter(alarming=True), counties)
    ]

    calm_key, alarming_key = f"enterprise-{calm.enterprise.pk}", f"enterprise-{alarming.enterprise.pk}"
    assert order.index(alarming_key) < order.index(calm_key)
    assert alarming_key in only_alarming and calm_key not in only_alarming


def test_the_alarm_filter_on_the_page(page_client, county_admin, quiet_rigs):
    calm, alarming = quiet_rigs
    red_methane(alarming)
    client = page_client(county_admin)

    assert shown_on_the_wall(client, alarming="1", enterprise=calm.enterprise.pk) == set()
    assert alarming.sensors["methane"].code in shown_on_the_wall(
        client, alarming="1", enterprise=alarming.enterprise.pk
    )


def test_the_wall_filters_by_kind_of_object_and_by_one_enterprise(page_client, county_admin, rig):
    client = page_client(county_admin)

    sites_only = shown_on_the_wall(client, kind="site")
    one = shown_on_the_wall(client, enterprise=rig.enterprise.pk)

    assert not Sensor.objects.filter(code__in=sites_only, site__isnull=True).exists()
    assert one == set(
        Sensor.objects.filter(enterprise=rig.enterprise, active=True).values_list("code", flat=True)
    )


def test_the_live_part_shows_each_sensors_value_level_and_the_new_alarm(page_client, county_admin, rig):
    alarm = red_methane(rig)

    response = page_client(county_admin).get(
        "/monitoring/live/", {"enterprise": rig.enterprise.pk}, HTTP_HX_REQUEST="true"
    )

    html = response.content.decode()
    assert response.status_code == 200 and response["X-Wall-Live"] == "1"
    assert "<html" not in html  # a fragment, swapped into the page
    tile = re.search(
        rf'<a class="tile tile-(\w+)[^"]*"[^>]*data-sensor="{rig.sensors["methane"].code}"', html
    )
    assert tile is not None and tile.group(1) == "red"
    assert "<b>1.8</b>" in html
    assert re.search(rf'data-alarm="{alarm.pk}" data-status="raised" data-level="red"', html)
    assert f'data-sensor="{rig.sensors["pressure"].code}" data-level="offline"' in html  # never reported


def test_the_wall_page_polls_its_live_part_every_five_seconds(page_client, county_admin, rig):
    html = page_client(county_admin).get("/monitoring/", {"county": "x", "alarming": "1"}).content.decode()

    assert 'hx-get="/monitoring/live/?alarming=1" hx-trigger="every 5s"' in html
    assert "vendor/htmx/htmx.min.js" in html


def test_acknowledge_then_close_from_the_wall_changes_the_status_and_is_audited(
    page_client, county_admin, rig
):
    alarm = red_methane(rig)
    client = page_client(county_admin)

    acknowledged = post(
        client, "/monitoring/live/", {"action": "acknowledge", "alarm": alarm.pk}, HTTP_HX_REQUEST="true"
    )
    alarm.refresh_from_db()
    assert acknowledged.status_code == 200 and "报警已确认" in acknowledged.content.decode()
    assert alarm.status == Alarm.ACKNOWLEDGED and alarm.acknowledged_by == county_admin
    assert f'data-alarm="{alarm.pk}" data-status="acknowledged"' in acknowledged.content.decode()

    closed = post(
        client,
        "/monitoring/live/",
        {"action": "close", "alarm": alarm.pk, "disposal_note": "撤出人员，加强通风后恢复正常"},
        HTTP_HX_REQUEST="true",
    )
    alarm.refresh_from_db()
    assert closed.status_code == 200 and alarm.status == Alarm.CLOSED
    assert alarm.disposal_note == "撤出人员，加强通风后恢复正常"
    assert f'data-alarm="{alarm.pk}"' not in closed.content.decode()
    actions = AuditEntry.objects.filter(object_id=str(alarm.pk), actor=county_admin)
    assert set(actions.values_list("action", flat=True)) == {"alarm.acknowledged", "alarm.closed"}


def test_closing_without_a_note_shows_the_error_and_changes_nothing(page_client, county_admin, rig):
    alarm = red_methane(rig)
    client = page_client(county_admin)
    post(client, "/monitoring/", {"action": "acknowledge", "alarm": alarm.pk})

    response = post(client, "/monitoring/", {"action": "close", "alarm": alarm.pk, "disposal_note": "  "})

    alarm.refresh_from_db()
    assert response.status_code == 200 and "请填写处置情况" in response.content.decode()
    assert alarm.status == Alarm.ACKNOWLEDGED


def test_acknowledging_twice_shows_why_on_the_page(page_client, county_admin, rig):
    alarm = red_methane(rig)
    client = page_client(county_admin)

    first = post(client, "/monitoring/", {"action": "acknowledge", "alarm": alarm.pk})
    again = post(client, "/monitoring/", {"action": "acknowledge", "alarm": alarm.pk})

    assert first.status_code == 302
    assert "无需确认" in again.content.decode()


def test_another_countys_alarm_cannot_be_acted_on_from_the_wall(page_client, other_county_admin, rig):
    alarm = red_methane(rig)

    response = post(
        page_client(other_county_admin), "/monitoring/", {"action": "acknowledge", "alarm": alarm.pk}
    )

    alarm.refresh_from_db()
    assert response.status_code == 404 and alarm.status == Alarm.RAISED


def test_the_wall_is_not_there_for_a_disaster_reporter(page_client, demo):
    reporter = User.objects.filter(role=roles.DISASTER_REPORTER).first()

    assert page_client(reporter).get("/monitoring/").status_code == 404
    assert page_client(reporter).get("/monitoring/live/").status_code == 404


# Pages for every kind of user -------------------------------------------------------------------


@pytest.mark.parametrize("who", ["city", "county", "officer"])
def test_every_page_renders_for_city_county_and_the_enterprise_officer(page_client, rig, who, demo):
    alarm = red_methane(rig)
    user = {
        "city": lambda: User.objects.get(username="demo-city"),
        "county": lambda: User.objects.get(username="demo-county-140902"),
        "officer": lambda: officer_of(rig),
    }[who]()
    client = page_client(user)
    sensor = rig.sensors["methane"]

    for path in (
        "/monitoring/",
        "/monitoring/live/",
        f"/monitoring/sensors/{sensor.pk}/",
        "/monitoring/alarms/",
        f"/monitoring/alarms/{alarm.pk}/",
        f"/enterprises/{rig.enterprise.pk}/",
    ):
        response = client.get(path)
        assert response.status_code == 200, path
    assert sensor.code in shown_on_the_wall(client, enterprise=rig.enterprise.pk)


def test_a_county_admin_gets_404_for_another_countys_sensor_and_alarm(
    page_client, county_admin, other_county_admin, rig
):
    alarm = red_methane(rig)
    client = page_client(other_county_admin)

    assert client.get(f"/monitoring/sensors/{rig.sensors['methane'].pk}/").status_code == 404
    assert client.get(f"/monitoring/alarms/{alarm.pk}/").status_code == 404
    assert page_client(county_admin).get(f"/monitoring/alarms/{alarm.pk}/").status_code == 200


# A sensor ---------------------------------------------------------------------------------------


def chart_of(html: str) -> dict[str, Any]:
    found = re.search(r'<script id="chart-data" type="application/json">(.*?)</script>', html, re.S)
    assert found is not None
    return json.loads(found.group(1))


def test_the_sensor_page_shows_its_limits_their_source_and_the_chart_data(page_client, county_admin, rig):
    ingest(rig, "methane", 0.2, 0.3, 0.25)
    sensor = rig.sensors["methane"]

    html = (
        page_client(county_admin).get(f"/monitoring/sensors/{sensor.pk}/", {"period": "1h"}).content.decode()
    )

    chart = chart_of(html)
    assert [point[1] for point in chart["points"]] == [0.2, 0.3, 0.25]
    assert chart["resolution"] == "raw" and chart["high"] == [0.5, 0.75, 1.0, 1.5]
    assert chart["end"] - chart["start"] == 3600 * 1000
    assert "平台内置默认" in html
    assert f'href="/enterprises/{rig.enterprise.pk}/"' in html
    assert "设置本传感器阈值" in html  # the county keeps the enterprise's sensors


def test_a_long_period_charts_minute_aggregates(page_client, county_admin, rig):
    ingest(rig, "o2", 20.9, 20.7)

    html = page_client(county_admin).get(f"/monitoring/sensors/{rig.sensors['o2'].pk}/", {"period": "7d"})

    chart = chart_of(html.content.decode())
    assert chart["resolution"] == "minute" and len(chart["points"][0]) == 4
    assert chart["low"] == [19.5, 19.0, 18.5, 18.0]


def test_a_bad_custom_period_is_explained_and_the_day_is_shown(page_client, county_admin, rig):
    path = f"/monitoring/sensors/{rig.sensors['o2'].pk}/"

    response = page_client(county_admin).get(
        path, {"period": "custom", "start": "2026-11-20T08:00", "end": "2026-11-01T08:00"}
    )

    chart = chart_of(response.content.decode())
    assert "开始早于结束" in response.content.decode()
    assert chart["end"] - chart["start"] == 24 * 3600 * 1000


def test_a_custom_period_is_read_in_beijing_time(page_client, county_admin, rig):
    path = f"/monitoring/sensors/{rig.sensors['o2'].pk}/"

    response = page_client(county_admin).get(
        path, {"period": "custom", "start": "2026-11-20T08:00", "end": "2026-11-20T20:00"}
    )

    chart = chart_of(response.content.decode())
    assert chart["start"] == datetime(2026, 11, 20, 0, 0, tzinfo=UTC).timestamp() * 1000
    assert chart["end"] - chart["start"] == 12 * 3600 * 1000


def test_setting_a_sensors_own_limits_through_the_page(page_client, county_admin, rig):
    sensor = rig.sensors["pressure"]
    limits = {"high_blue": "2.0", "high_yellow": "2.2", "high_orange": "2.4", "high_red": "2.6"}

    response = post(
        page_client(county_admin),
        f"/monitoring/sensors/{sensor.pk}/",
        {"action": "set_limits", **limits, "rate_per_minute": "0.5", "rate_level": "orange"},
    )

    assert response.status_code == 302
    rule = ThresholdRule.objects.get(sensor=sensor)
    assert (rule.high_blue, rule.high_red, rule.rate_per_minute, rule.rate_level) == (2.0, 2.6, 0.5, 3)
    assert services.effective_limits(sensor)[0] == "sensor"
    assert AuditEntry.objects.filter(action="sensor.thresholds_set", actor=county_admin).exists()


def test_limits_that_do_not_rise_are_refused_with_the_reason(page_client, county_admin, rig):
    sensor = rig.sensors["pressure"]

    response = post(
        page_client(county_admin),
        f"/monitoring/sensors/{sensor.pk}/",
        {"action": "set_limits", "high_blue": "2.0", "high_yellow": "1.0", "rate_level": "yellow"},
    )

    assert response.status_code == 200
    assert "上限须随级别升高" in response.content.decode()
    assert not ThresholdRule.objects.filter(sensor=sensor).exists()


def test_only_those_who_keep_the_sensor_may_set_its_limits(page_client, demo):
    # A department sees the sensors of its sector's enterprises (住建: gas) but may not set their limits.
    staff = User.objects.get(username="demo-dept-housing")
    gas = Enterprise.objects.filter(industry="gas", region__path__contains="/140902/").order_by("id").first()
    sensor = make_rig(gas, "test-gw-gas").sensors["pressure"]
    client = page_client(staff)

    page = client.get(f"/monitoring/sensors/{sensor.pk}/")
    refused = post(client, f"/monitoring/sensors/{sensor.pk}/", {"action": "set_limits", "high_blue": "3"})

    assert page.status_code == 200 and "设置本传感器阈值" not in page.content.decode()
    assert refused.status_code == 404
    assert not ThresholdRule.objects.filter(sensor=sensor).exists()


# Alarms -----------------------------------------------------------------------------------------


def test_the_alarm_list_is_scoped_and_filtered(page_client, county_admin, city_admin, rig, other_rig):
    own, other = red_methane(rig), red_methane(other_rig)
    ingest(rig, "o2", 19.2)  # yellow low-oxygen alarm

    county_page = page_client(county_admin).get("/monitoring/alarms/").content.decode()
    red_only = page_client(city_admin).get("/monitoring/alarms/", {"level": "4"}).content.decode()
    dingxiang = page_client(city_admin).get("/monitoring/alarms/", {"county": "140921"}).content.decode()

    assert f'data-alarm="{own.pk}"' in county_page and f'data-alarm="{other.pk}"' not in county_page
    low_oxygen = Alarm.objects.get(sensor=rig.sensors["o2"])
    assert f'data-alarm="{own.pk}"' in red_only and f'data-alarm="{low_oxygen.pk}"' not in red_only
    assert f'data-alarm="{other.pk}"' in dingxiang and f'data-alarm="{own.pk}"' not in dingxiang


def test_the_alarm_page_charts_the_readings_around_the_alarm(page_client, county_admin, rig):
    alarm = red_methane(rig)

    html = page_client(county_admin).get(f"/monitoring/alarms/{alarm.pk}/").content.decode()

    chart = chart_of(html)
    assert [point[1] for point in chart["points"]] == [0.2, 1.8]
    assert chart["marks"][0]["at"] == int(alarm.raised_at.timestamp() * 1000)
    assert chart["start"] <= chart["marks"][0]["at"] <= chart["end"]
    assert 'data-action="acknowledge"' in html


def test_the_alarm_page_acknowledges_and_closes(page_client, county_admin, rig):
    alarm = red_methane(rig)
    client = page_client(county_admin)
    path = f"/monitoring/alarms/{alarm.pk}/"

    post(client, path, {"action": "acknowledge", "note": "已通知企业"})
    post(client, path, {"action": "close", "disposal_note": "现场复核，探头校准"})

    alarm.refresh_from_db()
    assert alarm.status == Alarm.CLOSED and alarm.closed_by == county_admin
    assert "现场复核，探头校准" in client.get(path).content.decode()


# Gateways from the enterprise page -------------------------------------------------------------


def test_creating_a_gateway_shows_its_key_once(page_client, county_admin, rig):
    client = page_client(county_admin)
    enterprise_page = f"/enterprises/{rig.enterprise.pk}/"

    response = post(
        client,
        "/monitoring/gateways/new/",
        {"enterprise": rig.enterprise.pk, "name": "kj95-b", "title": "二号系统"},
    )

    key = re.search(r'id="gateway-key">(yjg_[^<]+)<', response.content.decode()).group(1)
    gateway = Gateway.objects.get(name="kj95-b")
    assert services.gateway_for_key(key) == gateway and gateway.enterprise == rig.enterprise
    assert "no-store" in response["Cache-Control"]
    later = client.get(enterprise_page).content.decode()
    assert key not in later and f"{gateway.hint}…" in later
    assert AuditEntry.objects.filter(action="gateway.created", object_id=str(gateway.pk)).exists()


def test_a_taken_gateway_name_is_refused_on_the_form(page_client, county_admin, rig):
    response = post(
        page_client(county_admin),
        "/monitoring/gateways/new/",
        {"enterprise": rig.enterprise.pk, "name": rig.gateway.name},
    )

    assert response.status_code == 200 and 'id="gateway-key"' not in response.content.decode()
    assert 'role="alert"' in response.content.decode()


def test_rotating_shows_a_new_key_and_the_old_one_stops(page_client, county_admin, rig):
    response = post(page_client(county_admin), f"/monitoring/gateways/{rig.gateway.pk}/rotate/", {})

    key = re.search(r'id="gateway-key">(yjg_[^<]+)<', response.content.decode()).group(1)
    assert services.gateway_for_key(key) == rig.gateway
    assert services.gateway_for_key(rig.key) is None


def test_revoking_a_gateway_from_the_enterprise_page(page_client, county_admin, rig):
    response = post(page_client(county_admin), f"/monitoring/gateways/{rig.gateway.pk}/revoke/", {})

    rig.gateway.refresh_from_db()
    assert response.status_code == 302 and response["Location"].startswith(
        f"/enterprises/{rig.enterprise.pk}/"
    )
    assert rig.gateway.revoked_at is not None and services.gateway_for_key(rig.key) is None


def test_another_county_cannot_make_or_stop_the_enterprises_gateways(page_client, other_county_admin, rig):
    client = page_client(other_county_admin)

    made = post(client, "/monitoring/gateways/new/", {"enterprise": rig.enterprise.pk, "name": "intruder"})
    revoked = post(client, f"/monitoring/gateways/{rig.gateway.pk}/revoke/", {})

    assert made.status_code == 404 and revoked.status_code == 404
    assert not Gateway.objects.filter(name="intruder").exists()
    rig.gateway.refresh_from_db()
    assert rig.gateway.revoked_at is None


def test_the_enterprise_panel_lists_sensors_with_their_level_and_the_gateways(page_client, rig):
    red_methane(rig)

    html = page_client(officer_of(rig)).get(f"/enterprises/{rig.enterprise.pk}/").content.decode()

    assert "在线监测" in html and 'id="new-gateway"' in html  # the officer keeps their own gateways
    assert re.search(r'<span class="lv lv-red">红色</span></td>\s*<td><a href="/monitoring/sensors/', html)
    assert f'data-gateway="{rig.gateway.name}"' in html
