"""The bundled Xinzhou tree: real codes, census populations, areas, boundaries and cheap tree queries."""

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from shapely.geometry import shape

from yingji.core.models import Region
from yingji.core.regions_loader import RegionDataError, build_regions

pytestmark = pytest.mark.usefixtures("demo")

XINZHOU_COUNTIES = {
    "140902": "忻府区", "140921": "定襄县", "140922": "五台县", "140923": "代县", "140924": "繁峙县",
    "140925": "宁武县", "140926": "静乐县", "140927": "神池县", "140928": "五寨县", "140929": "岢岚县",
    "140930": "河曲县", "140931": "保德县", "140932": "偏关县", "140981": "原平市",
}  # fmt: skip


def test_the_tree_has_xinzhou_counties_townships_and_villages() -> None:
    counties = dict(Region.objects.filter(parent_id="140900").values_list("code", "name"))
    assert counties == XINZHOU_COUNTIES
    assert Region.objects.get(code="140900").parent_id == "140000"
    assert Region.objects.filter(level="township").count() == 173
    assert Region.objects.filter(level="village").count() == 2878


def test_county_populations_are_the_2020_census_and_add_up_to_the_city() -> None:
    counties = Region.objects.filter(level="county")
    assert sum(c.population for c in counties) == 2_689_668 == Region.objects.get(code="140900").population
    assert Region.objects.get(code="140902").population == 577_089
    assert not any(c.population_is_estimate for c in counties)
    assert Region.objects.get(code="140902001000").population_is_estimate


def test_county_areas_total_near_the_official_25195_km2() -> None:
    total = sum(Region.objects.filter(level="county").values_list("area_km2", flat=True))
    assert abs(total - 25_195) / 25_195 < 0.01


def test_every_county_has_a_valid_boundary_in_wgs84_around_xinzhou() -> None:
    for county in Region.objects.filter(level="county"):
        geometry = shape(county.geometry)
        assert geometry.is_valid
        min_lon, min_lat, max_lon, max_lat = geometry.bounds
        assert 110.8 < min_lon < max_lon < 114.1 and 38.1 < min_lat < max_lat < 39.8
        assert geometry.contains(geometry.representative_point())


def test_wutaishan_townships_belong_to_wutai_county_despite_their_codes() -> None:
    taihuai = Region.objects.get(code="140971100000")
    assert taihuai.parent_id == "140922"
    assert Region.objects.get(code="140922").contains(taihuai)
    assert Region.objects.get(code="140922").children.count() == 17


def test_descendants_and_ancestors_each_take_one_query() -> None:
    county = Region.objects.get(code="140902")
    village = Region.objects.get(code="140902001002")
    with CaptureQueriesContext(connection) as queries:
        assert county.descendants().count() == 18 + 282
        assert [r.code for r in village.ancestors()] == ["140000", "140900", "140902", "140902001000"]
    assert len(queries) == 2


def test_building_a_tree_with_an_unknown_parent_is_an_error() -> None:
    rows: list[dict[str, Any]] = [
        {
            "code": "140902",
            "name": "x",
            "level": "county",
            "parent_code": "140900",
            "population": "1",
            "area_km2": "1",
        }
    ]
    with pytest.raises(RegionDataError, match="parent 140900"):
        build_regions(rows, {})


def test_region_api_lists_the_fourteen_counties(client: Any) -> None:
    response = client.get("/api/v1/regions", {"parent": "140900"})
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 14
    first = body["items"][0]
    assert first == {
        "code": "140902", "name": "忻府区", "level": "county", "parent_code": "140900",
        "population": 577089, "population_is_estimate": False, "area_km2": first["area_km2"],
    }  # fmt: skip
    assert 1900 < first["area_km2"] < 2100


def test_region_api_detail_includes_the_geometry(client: Any) -> None:
    body = client.get("/api/v1/regions/140921").json()
    assert body["name"] == "定襄县"
    assert body["geometry"]["type"] == "MultiPolygon"
    assert body["path"] == ["140000", "140900", "140921"]


def test_region_api_unknown_code_is_a_404_in_the_error_format(client: Any) -> None:
    response = client.get("/api/v1/regions/999999")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_region_list_needs_a_constant_number_of_queries(client: Any) -> None:
    with CaptureQueriesContext(connection) as queries:
        client.get("/api/v1/regions", {"level": "village", "limit": 1000})
    assert len(queries) <= 3
