"""The monitoring API: readings with a gateway key, sensors, alarms and their actions, gateways, rules."""

from __future__ import annotations

import orjson
from django.test import Client

from yingji.core.models import AuditEntry
from yingji.monitoring.models import Alarm, Gateway, Reading

from .conftest import recent as stamp


def post_readings(key: str, body: bytes, content_type: str = "application/json"):
    return Client().post(
        "/api/v1/monitoring/readings", body, content_type=content_type, HTTP_AUTHORIZATION=f"Bearer {key}"
    )


def test_readings_over_http_with_the_gateway_key(rig, other_rig):
    code = rig.sensors["methane"].code
    body = orjson.dumps(
        [
            {"sensor": code, "ts": stamp(20), "value": 0.2},
            {"sensor": other_rig.sensors["methane"].code, "ts": stamp(20), "value": 0.2},
            {"sensor": code, "ts": stamp(10), "value": "high"},
        ]
    )
    answer = post_readings(rig.key, body)
    assert answer.status_code == 200
    assert answer.json() == {
        "accepted": 1,
        "duplicates": 0,
        "rejected": [
            {"line": 2, "reason": "传感器属于其他企业或网关 / sensor of another enterprise or gateway"},
            {"line": 3, "reason": "读数不是有限数值 / value is not a finite number"},
        ],
    }
    again = post_readings(rig.key, body)
    assert (again.json()["accepted"], again.json()["duplicates"]) == (0, 1)


def test_ndjson_body(rig):
    code = rig.sensors["o2"].code
    lines = b"\n".join(orjson.dumps({"sensor": code, "ts": stamp(s), "value": 20.9}) for s in (30, 20, 10))
    answer = post_readings(rig.key, lines, "application/x-ndjson")
    assert answer.json()["accepted"] == 3


def test_readings_need_a_live_gateway_key(rig, county_admin, api_client):
    body = orjson.dumps([{"sensor": rig.sensors["o2"].code, "ts": stamp(5), "value": 20.9}])
    assert post_readings("yjg_not-a-key", body).status_code == 401
    person = api_client(county_admin).post(
        "/api/v1/monitoring/readings", body, content_type="application/json"
    )
    assert person.status_code == 401
    assert post_readings(rig.key, b"[{broken").status_code == 400
    assert post_readings(rig.key, b"").status_code == 400
    Gateway.objects.filter(pk=rig.gateway.pk).update(revoked_at="2026-11-01T00:00:00Z")
    assert post_readings(rig.key, body).status_code == 401
    assert not Reading.objects.filter(sensor_id=rig.sensors["o2"].pk).exists()


def test_sensors_show_limits_and_latest_value(rig, county_admin, other_county_admin, api_client):
    post_readings(
        rig.key, orjson.dumps([{"sensor": rig.sensors["methane"].code, "ts": stamp(5), "value": 0.8}])
    )
    client = api_client(county_admin)
    found = client.get("/api/v1/sensors", {"enterprise_id": rig.enterprise.pk}).json()
    methane = next(s for s in found["items"] if s["kind"] == "methane")
    assert methane["latest"]["value"] == 0.8 and methane["latest"]["level"] == "yellow"
    assert methane["limits"]["source"] == "default" and methane["limits"]["high"] == [0.5, 0.75, 1.0, 1.5]
    assert methane["alarm_level"] == "yellow" and methane["online"]
    assert api_client(other_county_admin).get(f"/api/v1/sensors/{methane['id']}").status_code == 404
    own = client.put(
        f"/api/v1/sensors/{methane['id']}/thresholds",
        {"high": [0.6, 0.8, 1.0, 1.5], "low": [None, None, None, None]},
        content_type="application/json",
    ).json()
    assert own["limits"]["source"] == "sensor" and own["limits"]["high"][0] == 0.6
    refused = client.put(
        f"/api/v1/sensors/{methane['id']}/thresholds",
        {"high": [1.5, 1.0, 0.8, 0.6], "low": [None, None, None, None]},
        content_type="application/json",
    )
    assert refused.status_code == 400
    series = client.get(f"/api/v1/sensors/{methane['id']}/series", {"start": stamp(1800)}).json()
    assert series["resolution"] == "raw" and series["points"][-1][1] == 0.8
    day = client.get(f"/api/v1/sensors/{methane['id']}/series", {"start": stamp(86400)}).json()
    assert day["resolution"] == "minute" and day["points"][-1][1:] == [0.8, 0.8, 0.8]


def test_alarm_actions_over_the_api(rig, county_admin, other_county_admin, api_client):
    post_readings(
        rig.key, orjson.dumps([{"sensor": rig.sensors["methane"].code, "ts": stamp(5), "value": 1.2}])
    )
    alarm = Alarm.objects.get(sensor=rig.sensors["methane"])
    client = api_client(county_admin)
    listed = client.get("/api/v1/alarms", {"status": "open", "level": "orange"}).json()
    assert alarm.pk in [item["id"] for item in listed["items"]]
    assert (
        api_client(other_county_admin)
        .post(f"/api/v1/alarms/{alarm.pk}/acknowledge", {}, content_type="application/json")
        .status_code
        == 404
    )
    closed_too_early = client.post(
        f"/api/v1/alarms/{alarm.pk}/close", {"disposal_note": "x"}, content_type="application/json"
    )
    assert closed_too_early.status_code == 409
    acked = client.post(
        f"/api/v1/alarms/{alarm.pk}/acknowledge", {"note": "调度已知悉"}, content_type="application/json"
    )
    assert (
        acked.json()["status"] == "acknowledged" and acked.json()["acknowledged_by"] == county_admin.username
    )
    assert (
        client.post(
            f"/api/v1/alarms/{alarm.pk}/close", {"disposal_note": ""}, content_type="application/json"
        ).status_code
        == 422
    )
    closed = client.post(
        f"/api/v1/alarms/{alarm.pk}/close",
        {"disposal_note": "撤人、加强通风，30 分钟后恢复"},
        content_type="application/json",
    ).json()
    assert closed["status"] == "closed"
    assert [event["kind"] for event in closed["events"]][-1] == "closed"


def test_gateway_key_is_shown_once_and_hashed(rig, county_admin, api_client):
    client = api_client(county_admin)
    created = client.post(
        "/api/v1/gateways",
        {"name": "api-made-gw", "title": "新系统", "enterprise_id": rig.enterprise.pk},
        content_type="application/json",
    )
    assert created.status_code == 201
    key = created.json()["key"]
    gateway = Gateway.objects.get(name="api-made-gw")
    assert key.startswith("yjg_") and key not in gateway.digest and gateway.digest != key
    assert "key" not in client.get(f"/api/v1/gateways/{gateway.pk}").json()
    rotated = client.post(f"/api/v1/gateways/{rig.gateway.pk}/rotate").json()["key"]
    body = orjson.dumps([{"sensor": rig.sensors["o2"].code, "ts": stamp(5), "value": 20.9}])
    assert post_readings(rig.key, body).status_code == 401
    assert post_readings(rotated, body).status_code == 200
    assert AuditEntry.objects.filter(action="gateway.key_rotated").exists()
    assert (
        client.post(
            "/api/v1/gateways",
            {"name": "Bad Name!", "enterprise_id": rig.enterprise.pk},
            content_type="application/json",
        ).status_code
        == 400
    )


def test_window_rules_per_region(county_admin, other_county_admin, city_admin, api_client):
    client = api_client(county_admin)
    national = client.get("/api/v1/monitoring/window-rules", {"region": "140902"}).json()
    assert national["source"] == "national"
    assert {"level": "orange", "window_h": 3, "threshold": 50.0} in national["criteria"]
    body = {
        "region_code": "140902",
        "kind": "rainfall",
        "criteria": [{"level": "red", "window_h": 1, "threshold": 60}],
    }
    assert (
        client.put("/api/v1/monitoring/window-rules", body, content_type="application/json").json()["source"]
        == "140902"
    )
    assert (
        api_client(other_county_admin)
        .put("/api/v1/monitoring/window-rules", body, content_type="application/json")
        .status_code
        == 404
    )
    assert (
        api_client(other_county_admin)
        .get("/api/v1/monitoring/window-rules", {"region": "140921"})
        .json()["source"]
        == "national"
    )
    default = {"kind": "methane", "high": [0.4, 0.7, 1.0, 1.5], "low": [None, None, None, None]}
    assert (
        client.put(
            "/api/v1/monitoring/threshold-defaults", default, content_type="application/json"
        ).status_code
        == 403
    )
    set_by_city = api_client(city_admin).put(
        "/api/v1/monitoring/threshold-defaults", default, content_type="application/json"
    )
    assert set_by_city.json()["limits"]["source"] == "kind"
