"""The 一张图 layer of monitored objects, the county count of open alarms, the nav entry and the panel."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from yingji.core import roles
from yingji.core.models import User
from yingji.core.registry import county_count_columns, map_layers_for, nav_items_for
from yingji.enterprises.panels import enterprise_panels
from yingji.majorhazards.models import Installation
from yingji.monitoring import alarms, pipeline, services
from yingji.monitoring.maplayer import OFFLINE_COLOR, map_features
from yingji.monitoring.models import Alarm, Sensor
from yingji.monitoring.sensortypes import LEVEL_COLORS

from .conftest import Rig, make_rig, recent

pytestmark = pytest.mark.django_db


def reading(rig: Rig, kind: str, value: float) -> None:
    item = {"sensor": rig.sensors[kind].code, "ts": recent(3), "value": value}
    pipeline.ingest_items(rig.gateway, [(1, item)], now=timezone.now())


def features_by_id(user: Any) -> dict[str, dict[str, Any]]:
    return {feature["properties"]["id"]: feature for feature in map_features(user)["features"]}


def test_a_county_admin_sees_only_their_countys_objects(county_admin, rig, other_rig):
    ids = features_by_id(county_admin)

    assert f"enterprise-{rig.enterprise.pk}" in ids
    assert f"enterprise-{other_rig.enterprise.pk}" not in ids


def test_an_enterprise_officer_sees_only_their_own_enterprise(rig, other_rig):
    officer = User.objects.get(role=roles.ENTERPRISE_OFFICER, organization_id=rig.enterprise.organization_id)
    own_installations = set(
        Installation.objects.filter(enterprise=rig.enterprise).values_list("pk", flat=True)
    )

    ids = set(features_by_id(officer))

    assert f"enterprise-{rig.enterprise.pk}" in ids
    assert ids <= {f"enterprise-{rig.enterprise.pk}"} | {f"installation-{pk}" for pk in own_installations}


def test_an_object_whose_sensors_never_reported_is_grey(city_admin, rig):
    feature = features_by_id(city_admin)[f"enterprise-{rig.enterprise.pk}"]

    assert feature["properties"]["style"]["fillColor"] == OFFLINE_COLOR
    assert "传感器全部离线" in feature["properties"]["popup"]


def test_a_reporting_object_is_green_then_red_with_its_alarm(city_admin, rig):
    key = f"enterprise-{rig.enterprise.pk}"
    reading(rig, "o2", 20.9)
    normal = features_by_id(city_admin)[key]["properties"]

    reading(rig, "methane", 1.7)
    alarming = features_by_id(city_admin)[key]["properties"]

    assert normal["style"]["fillColor"] == LEVEL_COLORS[0] and "正常" in normal["popup"]
    assert alarming["style"]["fillColor"] == LEVEL_COLORS[4] and alarming["level"] == 4
    assert alarming["popup"][0] == rig.enterprise.name
    watching = Sensor.objects.filter(
        enterprise=rig.enterprise, installation=None, hazard_unit=None, active=True
    ).count()
    assert {"红色报警", f"传感器 {watching} 个，在线 2 个", "未关闭报警 1 条"} <= set(alarming["popup"])
    assert alarming["url"] == f"/monitoring/?enterprise={rig.enterprise.pk}"


def test_an_acknowledged_alarm_still_colors_the_object_a_closed_one_no_longer(city_admin, county_admin, rig):
    key = f"enterprise-{rig.enterprise.pk}"
    reading(rig, "methane", 1.2)
    alarm = Alarm.objects.get(sensor=rig.sensors["methane"], rule=Alarm.THRESHOLD)

    alarms.acknowledge(county_admin, alarm.pk)
    acknowledged = features_by_id(city_admin)[key]["properties"]["style"]["fillColor"]
    alarms.close(county_admin, alarm.pk, "已处置")
    closed = features_by_id(city_admin)[key]["properties"]["style"]["fillColor"]

    assert acknowledged == LEVEL_COLORS[3]
    assert closed == LEVEL_COLORS[0]


def test_sensors_on_an_installation_make_a_point_of_the_installation(city_admin, rig):
    installation = Installation.objects.filter(enterprise__region__path__contains="/140902/").first()
    enterprise = installation.enterprise
    gateway = services.create_gateway(None, name="test-gw-inst", enterprise_id=enterprise.pk).gateway
    services.create_sensor(
        None,
        code="TEST-INST-CO",
        name="一氧化碳",
        kind="co",
        gateway_id=gateway.pk,
        installation_id=installation.pk,
    )

    feature = features_by_id(city_admin)[f"installation-{installation.pk}"]

    expected = [installation.longitude, installation.latitude]
    if installation.longitude is None:
        expected = [enterprise.longitude, enterprise.latitude]
    assert feature["geometry"]["coordinates"] == expected
    assert feature["properties"]["popup"][:2] == [installation.name, enterprise.name]
    assert feature["properties"]["url"] == f"/monitoring/?installation={installation.pk}"


def test_a_natural_hazard_site_is_a_point_at_the_site(county_admin, demo):
    site = services.create_site(
        None,
        code="TEST-RG-9",
        name="测试雨量站",
        kind="rain_gauge",
        region_code="140902",
        longitude=112.6,
        latitude=38.5,
    )
    gateway = services.create_gateway(None, name="test-hydro-9", region_code="140902").gateway
    services.create_sensor(
        None, code="TEST-RG-9-P", name="雨量", kind="rainfall", gateway_id=gateway.pk, site_id=site.pk
    )

    feature = features_by_id(county_admin)[f"site-{site.pk}"]

    assert feature["geometry"] == {"type": "Point", "coordinates": [112.6, 38.5]}
    assert feature["properties"]["popup"][0] == "测试雨量站"


def test_the_layer_takes_two_queries_however_many_sensors(city_admin, rig, other_rig):
    make_rig(rig.enterprise, "test-gw-more")
    reading(rig, "methane", 1.7)

    with CaptureQueriesContext(connection) as queries:
        map_features(city_admin)

    assert len(queries) == 2


def test_the_county_count_counts_alarms_not_yet_closed(city_admin, county_admin, rig, other_rig):
    column = next(column for column in county_count_columns() if column.key == "open_alarms")
    before = column.count(city_admin)
    reading(rig, "methane", 1.7)
    reading(other_rig, "methane", 1.7)
    reading(other_rig, "o2", 19.2)
    closed = Alarm.objects.get(sensor=other_rig.sensors["methane"], rule=Alarm.THRESHOLD)
    alarms.acknowledge(city_admin, closed.pk)
    alarms.close(city_admin, closed.pk, "误报，已校准")

    after = column.count(city_admin)

    assert after["140902"] - before.get("140902", 0) == 1
    assert after["140921"] - before.get("140921", 0) == 1  # the low oxygen one; the closed one is gone
    assert set(column.count(county_admin)) == {"140902"}


def test_the_nav_entry_is_for_roles_that_work_with_monitoring(county_admin, demo):
    reporter = User.objects.filter(role=roles.DISASTER_REPORTER).first()

    assert "monitoring:wall" in [item.url_name for item in nav_items_for(county_admin)]
    assert "monitoring:wall" not in [item.url_name for item in nav_items_for(reporter)]


def test_the_enterprise_page_has_the_monitoring_panel():
    assert "monitoring" in [panel.key for panel in enterprise_panels()]


def test_the_layer_is_offered_to_roles_that_work_with_monitoring(county_admin, demo):
    reporter = User.objects.filter(role=roles.DISASTER_REPORTER).first()

    assert "monitoring" in [layer.key for layer in map_layers_for(county_admin)]
    assert "monitoring" not in [layer.key for layer in map_layers_for(reporter)]


def test_the_map_page_serves_the_layer_scoped(api_client, county_admin, rig, other_rig):
    layer = next(layer for layer in map_layers_for(county_admin) if layer.key == "monitoring")

    answer = api_client(county_admin).get(layer.as_config()["url"])

    ids = {feature["properties"]["id"] for feature in answer.json()["features"]}
    assert answer.status_code == 200
    assert f"enterprise-{rig.enterprise.pk}" in ids and f"enterprise-{other_rig.enterprise.pk}" not in ids
