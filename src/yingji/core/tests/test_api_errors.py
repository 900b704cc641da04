"""Bad input is always a clear 4xx in `{code, message, details}`, never a 500 or a half-written record."""

import json
from typing import Any

import pytest
from conftest import COUNTY_B

from yingji.core.models import AuditEntry, Organization, User


@pytest.fixture
def api(api_client: Any, county_admin: Any) -> Any:
    return api_client(county_admin)


def _assert_error(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"code", "message", "details"}
    assert body["code"] == code
    return body


def test_malformed_json_is_a_400(api: Any) -> None:
    response = api.post("/api/v1/organizations", "{not json", content_type="application/json")
    _assert_error(response, 400, "bad_request")


def test_wrong_types_are_a_422_naming_the_field(api: Any) -> None:
    payload = {"name": 5, "kind": "castle", "region_code": "140902"}
    body = _assert_error(
        api.post("/api/v1/organizations", payload, content_type="application/json"), 422, "invalid_input"
    )
    assert {tuple(e["loc"])[-1] for e in body["details"]["errors"]} >= {"kind"}


def test_an_unknown_id_and_an_out_of_scope_id_are_the_same_404(api: Any) -> None:
    other = Organization.objects.filter(region_id=COUNTY_B).first()
    _assert_error(api.get(f"/api/v1/organizations/{other.pk}"), 404, "not_found")
    _assert_error(api.get("/api/v1/organizations/999999999"), 404, "not_found")
    _assert_error(api.get("/api/v1/organizations/0"), 422, "invalid_input")
    _assert_error(api.get("/api/v1/organizations/abc"), 422, "invalid_input")


def test_lists_page_with_limit_and_offset_and_refuse_more_than_1000(api: Any) -> None:
    body = api.get("/api/v1/organizations", {"kind": "department", "limit": 2, "offset": 1}).json()
    assert len(body["items"]) == 2 and body["count"] == 3  # 住建、交通、水利 of 忻府区
    _assert_error(api.get("/api/v1/organizations", {"limit": 1001}), 422, "invalid_input")


def test_lists_filter_by_region_and_refuse_unknown_regions(api: Any) -> None:
    body = api.get("/api/v1/users", {"region": "140902"}).json()
    assert body["count"] >= 2 and {u["region_code"][:6] for u in body["items"]} == {"140902"}
    _assert_error(api.get("/api/v1/users", {"region": "999999"}), 400, "invalid_input")


def test_text_no_database_can_store_is_refused_before_it_reaches_one(api: Any) -> None:
    payload = json.dumps({"name": "a\u0000b", "kind": "team", "region_code": "140902"})
    _assert_error(
        api.post("/api/v1/organizations", payload, content_type="application/json"), 400, "invalid_input"
    )
    lone_surrogate = '{"name": "a\\ud800", "kind": "team", "region_code": "140902"}'
    _assert_error(
        api.post("/api/v1/organizations", lone_surrogate, content_type="application/json"),
        400,
        "invalid_input",
    )
    _assert_error(api.get("/api/v1/users?region=%00"), 400, "invalid_input")


def test_a_refused_create_leaves_nothing_behind(api: Any) -> None:
    users, entries = User.objects.count(), AuditEntry.objects.count()
    payload = {"username": "new-user", "password": "short", "role": "duty_officer", "region_code": "140902"}
    _assert_error(api.post("/api/v1/users", payload, content_type="application/json"), 422, "invalid_input")
    payload["password"] = "12345678"  # long enough for the schema, too common for the validators
    _assert_error(api.post("/api/v1/users", payload, content_type="application/json"), 400, "invalid_input")
    assert (User.objects.count(), AuditEntry.objects.count()) == (users, entries)


def test_an_unknown_route_is_a_json_404(api: Any) -> None:
    _assert_error(api.get("/api/v1/no-such-thing"), 404, "not_found")
