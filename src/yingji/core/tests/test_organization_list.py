"""`GET /api/v1/organizations`: rows straight from the database in the documented shape, scoped, paged,
and a fixed number of queries however long the page."""

from __future__ import annotations

from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext

from yingji.core.api import OrganizationOut
from yingji.core.models import Organization, Region

COUNTY_A_PATH = "140000/140900/140902/"


def test_it_answers_the_scopes_organizations_as_the_schema_documents(
    api_client: Any, county_admin: Any
) -> None:
    body = api_client(county_admin).get("/api/v1/organizations", {"limit": 1000}).json()
    expected = Organization.objects.filter(region__path__startswith=COUNTY_A_PATH).order_by("id")
    assert body["count"] == expected.count() and len(body["items"]) == body["count"]
    assert [item["id"] for item in body["items"]] == [organization.pk for organization in expected]
    first = expected.first()
    assert first is not None
    assert body["items"][0] == OrganizationOut.from_orm(first).model_dump(by_alias=False)
    paths = dict(
        Region.objects.filter(code__in={item["region_code"] for item in body["items"]}).values_list(
            "code", "path"
        )
    )
    assert all(path.startswith(COUNTY_A_PATH) for path in paths.values())


def test_a_page_costs_the_same_queries_however_many_rows(api_client: Any, city_admin: Any) -> None:
    client = api_client(city_admin)
    client.get("/api/v1/organizations")  # the token's first use also records when it was used
    counts = []
    for limit in (1, 200):  # the scale-1 demo city has a little over 200
        with CaptureQueriesContext(connection) as queries:
            body = client.get("/api/v1/organizations", {"limit": limit, "offset": 2}).json()
        assert len(body["items"]) == limit
        counts.append(len(queries))
    assert counts[0] == counts[1] <= 3  # the bearer token, the page, the count


def test_the_count_is_the_lists_whole_length_on_every_page(api_client: Any, county_admin: Any) -> None:
    client = api_client(county_admin)
    total = Organization.objects.filter(region__path__startswith=COUNTY_A_PATH).count()
    for query in ({"limit": 1000}, {"limit": 2}, {"limit": 2, "offset": total - 1}, {"offset": total + 5}):
        body = client.get("/api/v1/organizations", query).json()
        assert body["count"] == total, query
    whole = client.get("/api/v1/organizations", {"limit": 1000}).json()
    assert len(whole["items"]) == total  # a first page that is not full is not counted again


def test_the_compiled_list_reads_the_database_as_it_is_now(api_client: Any, county_admin: Any) -> None:
    """Only the SQL is kept per scope and filter, never a result: a new organization shows at once."""
    client = api_client(county_admin)
    before = client.get("/api/v1/organizations", {"limit": 1000}).json()
    added = Organization.objects.create(
        name="忻府区新设单位",
        kind=Organization.objects.filter(pk=before["items"][0]["id"]).get().kind,
        region=Region.objects.get(code="140902"),
    )
    after = client.get("/api/v1/organizations", {"limit": 1000}).json()
    assert after["count"] == before["count"] + 1
    assert after["items"][-1]["id"] == added.pk and after["items"][-1]["name"] == "忻府区新设单位"


def test_each_filter_and_scope_has_its_own_compiled_list(
    api_client: Any, county_admin: Any, other_county_admin: Any, city_admin: Any
) -> None:
    city = api_client(city_admin)
    whole = city.get("/api/v1/organizations", {"limit": 1000}).json()
    in_county = city.get("/api/v1/organizations", {"limit": 1000, "region": "140921"}).json()
    kind = whole["items"][0]["kind"]
    of_kind = city.get("/api/v1/organizations", {"limit": 1000, "kind": kind}).json()
    assert 0 < in_county["count"] < whole["count"]
    assert {item["kind"] for item in of_kind["items"]} == {kind}
    assert (
        of_kind["count"]
        == Organization.objects.filter(region__path__startswith="140000/140900/", kind=kind).count()
    )
    ids_a = {item["id"] for item in api_client(county_admin).get("/api/v1/organizations").json()["items"]}
    ids_b = {
        item["id"] for item in api_client(other_county_admin).get("/api/v1/organizations").json()["items"]
    }
    assert ids_a and ids_b and not ids_a & ids_b
