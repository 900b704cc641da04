"""The stored road network: the bundled graph by default, a load replaces it and every process sees it."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from yingji.core.errors import InvalidInput
from yingji.core.models import AuditEntry
from yingji.geography import roads
from yingji.geography.models import RoadGraph
from yingji.geography.roads import store

XINZHOU = (112.73, 38.42)  # 忻府区
TAIYUAN = (112.55, 37.87)


def _write(path: Path, features: list[dict]) -> Path:
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8")
    return path


def _line(*points: tuple[float, float], **properties: object) -> dict:
    geometry = {"type": "LineString", "coordinates": [list(p) for p in points]}
    return {"type": "Feature", "properties": properties, "geometry": geometry}


@pytest.mark.django_db
def test_a_fresh_database_routes_on_the_bundled_xinzhou_network() -> None:
    network = roads.network()
    assert network.name == store.BUNDLED_NAME
    assert 1400 < network.node_count < 1600
    trip = network.trip(XINZHOU, TAIYUAN)
    assert trip is not None and 60 < trip.minutes < 150
    assert roads.network() is network  # built once per process


def test_the_bundled_network_builds_in_well_under_a_second() -> None:
    store._bundled_network()  # the first use in a process also loads pyproj's database
    store.bundled_data.cache_clear()
    store._bundled_network.cache_clear()
    started = time.process_time()  # CPU time: the wall clock on a shared machine says little
    store._bundled_network()
    assert time.process_time() - started < 0.5


@pytest.mark.django_db
def test_loading_a_file_replaces_the_network_in_use_and_is_audited(tmp_path: Path) -> None:
    roads.network()
    path = _write(tmp_path / "roads.geojson", [_line((112.0, 38.0), (112.5, 38.0), highway="motorway")])
    row = roads.load_file(path)
    network = roads.network()
    assert (network.node_count, network.edge_count, network.winding_factor) == (2, 1, 1.0)
    trip = network.trip((112.0, 38.0), (112.5, 38.0))
    assert trip is not None and trip.minutes == pytest.approx(trip.km / 100 * 60)
    assert RoadGraph.objects.count() == 1
    assert AuditEntry.objects.filter(action="roads.load", object_id=str(row.pk)).exists()


@pytest.mark.django_db
def test_a_bad_file_changes_nothing(tmp_path: Path) -> None:
    roads.load_bundled()
    before = list(RoadGraph.objects.values_list("id", flat=True))
    path = _write(tmp_path / "bad.geojson", [_line((112.0, 38.0), (200.0, 38.0))])
    with pytest.raises(InvalidInput, match="feature 1"):
        roads.load_file(path)
    assert list(RoadGraph.objects.values_list("id", flat=True)) == before
    assert roads.network().node_count > 1000


@pytest.mark.django_db
def test_a_points_polygon_is_refused(tmp_path: Path) -> None:
    polygon = {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 0]]]}
    path = _write(tmp_path / "x.geojson", [{"type": "Feature", "properties": {}, "geometry": polygon}])
    with pytest.raises(InvalidInput, match="LineString"):
        roads.load_file(path)
    assert not RoadGraph.objects.exists()
