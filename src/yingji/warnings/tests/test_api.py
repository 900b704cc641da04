"""The warnings API: drafts, lifecycle actions, types, approval rules and subscriptions."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from django.utils import timezone

from yingji.core.models import AuditEntry
from yingji.warnings.models import EarlyWarning, Subscriber


def body(**changes: Any) -> dict[str, Any]:
    now = timezone.now()
    fields = {
        "warning_type": "rainstorm",
        "level": "red",
        "headline": "忻府区暴雨红色预警",
        "description": "预计未来3小时降雨量将达100毫米以上。",
        "instruction": "立即转移危险地带人员。",
        "onset": now.isoformat(),
        "expires": (now + timedelta(hours=6)).isoformat(),
        "area_codes": ["140902"],
    }
    fields.update(changes)
    return fields


def post(client: Any, path: str, data: Any = None) -> Any:
    return client.post(path, json.dumps(data or {}), content_type="application/json")


def test_the_red_warning_round_through_the_api(api_client: Any, county_admin: Any, city_admin: Any) -> None:
    county, city = api_client(county_admin), api_client(city_admin)
    created = post(county, "/api/v1/warnings", body())
    assert created.status_code == 201, created.content
    warning = created.json()
    assert warning["status"] == "draft" and warning["approver_tier"] == "city"
    assert "submit" in warning["actions"] and "edit" in warning["actions"]
    wid = warning["id"]
    patched = county.patch(
        f"/api/v1/warnings/{wid}", json.dumps({"headline": "忻府区暴雨红色预警信号"}), "application/json"
    )
    assert patched.status_code == 200 and patched.json()["headline"] == "忻府区暴雨红色预警信号"
    assert post(county, f"/api/v1/warnings/{wid}/submit").json()["status"] == "submitted"
    assert post(county, f"/api/v1/warnings/{wid}/approve").status_code == 403
    published = post(city, f"/api/v1/warnings/{wid}/publish")
    assert published.status_code == 200, published.content
    assert published.json()["status"] == "published" and published.json()["identifier"]
    live = county.get("/api/v1/warnings", {"status": "live"}).json()
    assert wid in [item["id"] for item in live["items"]]
    assert post(county, f"/api/v1/warnings/{wid}/submit").status_code == 409
    update = post(city, f"/api/v1/warnings/{wid}/update")
    assert update.status_code == 201 and update.json()["msg_type"] == "Update"


def test_bad_bodies_are_400_and_write_nothing(api_client: Any, county_admin: Any) -> None:
    client = api_client(county_admin)
    before = (EarlyWarning.objects.count(), AuditEntry.objects.count())
    for bad in (
        body(level="purple"),
        body(area_codes=["140921"]),
        body(expires="not a time"),
        body(area_shapes=[{"type": "Polygon", "coordinates": "x"}]),
        body(headline="\u0000"),
    ):
        answer = post(client, "/api/v1/warnings", bad)
        assert 400 <= answer.status_code < 500, (bad, answer.content)
        assert set(answer.json()) == {"code", "message", "details"}
    assert (EarlyWarning.objects.count(), AuditEntry.objects.count()) == before


def test_another_county_gets_404(api_client: Any, county_admin: Any, other_county_admin: Any) -> None:
    wid = post(api_client(county_admin), "/api/v1/warnings", body(level="blue")).json()["id"]
    other = api_client(other_county_admin)
    assert other.get(f"/api/v1/warnings/{wid}").status_code == 404
    assert post(other, f"/api/v1/warnings/{wid}/submit").status_code == 404
    assert wid not in [item["id"] for item in other.get("/api/v1/warnings").json()["items"]]


def test_types_and_approval_rules(api_client: Any, county_admin: Any, city_admin: Any) -> None:
    types = api_client(county_admin).get("/api/v1/warnings/types").json()
    assert {"rainstorm", "geohazard", "forest_fire", "chemical_leak"} <= {row["code"] for row in types}
    rule = {"region_code": "140902", "level": "orange", "approver_tier": "county"}
    assert (
        api_client(county_admin)
        .put("/api/v1/warnings/approval-rules", json.dumps(rule), "application/json")
        .status_code
        == 403
    )
    saved = api_client(city_admin).put(
        "/api/v1/warnings/approval-rules", json.dumps(rule), "application/json"
    )
    assert saved.status_code == 200 and saved.json() == rule
    listed = api_client(county_admin).get("/api/v1/warnings/approval-rules").json()
    assert rule in listed


def test_subscriptions_are_masked_scoped_and_audited(
    api_client: Any, county_admin: Any, other_county_admin: Any
) -> None:
    client = api_client(county_admin)
    created = post(
        client, "/api/v1/subscriptions", {"channel": "sms", "address": "13812345678", "region_code": "140902"}
    )
    assert created.status_code == 201, created.content
    row = created.json()
    assert row["address"] == "138****5678" and row["region_code"] == "140902"
    assert (
        post(
            client,
            "/api/v1/subscriptions",
            {"channel": "sms", "address": "13812345678", "region_code": "140902"},
        ).status_code
        == 409
    )
    assert (
        post(
            client, "/api/v1/subscriptions", {"channel": "sms", "address": "12345", "region_code": "140902"}
        ).status_code
        == 400
    )
    assert (
        post(
            client,
            "/api/v1/subscriptions",
            {"channel": "sms", "address": "13912345678", "region_code": "140921"},
        ).status_code
        == 404
    )
    other = api_client(other_county_admin)
    assert other.get(f"/api/v1/subscriptions/{row['id']}").status_code == 404
    patched = client.patch(
        f"/api/v1/subscriptions/{row['id']}", json.dumps({"min_level": "orange"}), "application/json"
    )
    assert patched.json()["min_level"] == "orange"
    assert client.delete(f"/api/v1/subscriptions/{row['id']}").status_code == 204
    assert not Subscriber.objects.filter(pk=row["id"]).exists()
    entries = AuditEntry.objects.filter(object_type="early_warnings.subscriber", object_id=str(row["id"]))
    assert entries.count() == 3 and "13812345678" not in json.dumps(list(entries.values("before", "after")))
