"""The road network in the database and the one every process routes on.

`load` replaces the stored network in one transaction and renews the `roads` cache stamp
(core/caching.py, decision 0023); `network()` builds the `RoadNetwork` once per process and per
stamp, so a load by any process is seen by every other at its next call (one small query). With no
network ever loaded, the bundled Xinzhou graph (data/roads/xinzhou.geojson) is used.
"""

from __future__ import annotations

import functools
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from yingji.core import audit, caching
from yingji.core.errors import InvalidInput
from yingji.geography.models import RoadGraph
from yingji.geography.roads.data import RoadData, RoadDataError, read_file, to_network
from yingji.geography.roads.graph import RoadNetwork

STAMP = "roads"
BUNDLED_FILE = Path(__file__).resolve().parent.parent / "data" / "roads" / "xinzhou.geojson"
BUNDLED_NAME = "忻州市路网（scgraph-data world_highways）"
BUNDLED_SOURCE = (
    "scgraph-data 2.0.0 world_highways, derived from OpenStreetMap: © OpenStreetMap contributors, "
    "ODbL 1.0 (geography/data/roads/SOURCES.md)"
)
MIN_WINDING, MAX_WINDING = 1.0, 3.0
KEPT_NETWORKS = 3  # networks kept per process, by stamp (a rolled-back load leaves its own behind)


@dataclass(frozen=True)
class Summary:
    """What `yingji roads info` shows of the network in use."""

    name: str
    source: str
    bundled: bool
    nodes: int
    edges: int
    km: float
    winding_factor: float
    loaded_at: Any


def build(data: RoadData, winding_factor: float, name: str = "") -> RoadNetwork:
    """A routable network from road data under the configured speeds (settings.ROADS_*)."""
    return to_network(
        data,
        winding_factor=winding_factor,
        speeds=settings.ROADS_SPEEDS,
        other_kmh=settings.ROADS_OTHER_KMH,
        default_kmh=settings.ROADS_DEFAULT_KMH,
        access_kmh=settings.ROADS_ACCESS_KMH,
        access_winding=settings.ROADS_ACCESS_WINDING,
        access_nodes=settings.ROADS_ACCESS_NODES,
        name=name,
    )


@functools.lru_cache(maxsize=1)
def bundled_data() -> RoadData:
    """The bundled Xinzhou road data (read once per process)."""
    return read_file(BUNDLED_FILE)


@functools.lru_cache(maxsize=1)
def _bundled_network() -> RoadNetwork:
    return build(bundled_data(), settings.ROADS_WINDING_BUNDLED, BUNDLED_NAME)


def _arrays(row: RoadGraph) -> RoadData:
    return RoadData(
        lon=np.frombuffer(bytes(row.lon), dtype="<f8"),
        lat=np.frombuffer(bytes(row.lat), dtype="<f8"),
        edge_a=np.frombuffer(bytes(row.edge_a), dtype="<i4"),
        edge_b=np.frombuffer(bytes(row.edge_b), dtype="<i4"),
        edge_km=np.frombuffer(bytes(row.edge_km), dtype="<f8"),
        edge_class=np.frombuffer(bytes(row.edge_class), dtype="<i2"),
        edge_maxspeed=np.frombuffer(bytes(row.edge_maxspeed), dtype="<f4"),
        classes=list(row.classes),
    )


_networks: dict[str, RoadNetwork] = {}
_building = threading.Lock()


def network() -> RoadNetwork:
    """The network in use: the stored one, else the bundled Xinzhou graph. Built once per process and
    per load (the `roads` stamp is read on every call: one small query)."""
    token = caching.stamp(STAMP)
    found = _networks.get(token)
    if found is not None:
        return found
    with _building:
        found = _networks.get(token)
        if found is not None:
            return found
        row = RoadGraph.objects.order_by("-id").first()
        built = _bundled_network() if row is None else build(_arrays(row), row.winding_factor, row.name)
        # A token made inside a transaction that rolls back never comes again: keying by the token is
        # safe even there (decision 0032), unlike caches of data read without one.
        while len(_networks) >= KEPT_NETWORKS:
            _networks.pop(next(iter(_networks)))
        _networks[token] = built
    return built


def summary() -> Summary:
    row = (
        RoadGraph.objects.order_by("-id")
        .defer("lon", "lat", "edge_a", "edge_b", "edge_km", "edge_class", "edge_maxspeed")
        .first()
    )
    if row is None:
        data = bundled_data()
        return Summary(
            BUNDLED_NAME, BUNDLED_SOURCE, True, data.node_count, data.edge_count,
            data.total_km * settings.ROADS_WINDING_BUNDLED, settings.ROADS_WINDING_BUNDLED, None,
        )  # fmt: skip
    return Summary(
        row.name, row.source, False, row.node_count, row.edge_count,
        row.total_km * row.winding_factor, row.winding_factor, row.loaded_at,
    )  # fmt: skip


def load(
    data: RoadData, *, name: str, source: str = "", winding_factor: float, actor: Any = None
) -> RoadGraph:
    """Replace the stored road network with `data`, in one transaction, audited."""
    if not (MIN_WINDING <= winding_factor <= MAX_WINDING):
        raise InvalidInput(
            f"曲折系数应在 {MIN_WINDING:g}–{MAX_WINDING:g} 之间 / The winding factor must be "
            f"{MIN_WINDING:g}–{MAX_WINDING:g}",
            details={"field": "winding_factor"},
        )
    if data.edge_count == 0:
        raise InvalidInput("路网没有路段 / The network has no road segments", details={"field": "file"})
    with transaction.atomic():
        previous = RoadGraph.objects.values("name", "node_count", "edge_count", "total_km").first()
        before = dict(previous) if previous is not None else None
        RoadGraph.objects.all().delete()
        row = RoadGraph.objects.create(
            name=name[:200],
            source=source,
            winding_factor=winding_factor,
            node_count=data.node_count,
            edge_count=data.edge_count,
            total_km=data.total_km,
            classes=data.classes,
            lon=data.lon.astype("<f8").tobytes(),
            lat=data.lat.astype("<f8").tobytes(),
            edge_a=data.edge_a.astype("<i4").tobytes(),
            edge_b=data.edge_b.astype("<i4").tobytes(),
            edge_km=data.edge_km.astype("<f8").tobytes(),
            edge_class=data.edge_class.astype("<i2").tobytes(),
            edge_maxspeed=data.edge_maxspeed.astype("<f4").tobytes(),
            loaded_at=timezone.now(),
        )
        caching.bump(STAMP)
        audit.record(
            actor,
            "roads.load",
            row,
            before=before,
            after={
                "name": row.name,
                "node_count": row.node_count,
                "edge_count": row.edge_count,
                "total_km": round(row.total_km, 1),
                "winding_factor": winding_factor,
            },
        )
    return row


def load_file(
    path: Path, *, winding_factor: float | None = None, name: str = "", actor: Any = None
) -> RoadGraph:
    """Load a GeoJSON file of road lines (a detailed extract: winding factor 1.0 unless given)."""
    try:
        data = read_file(path)
    except RoadDataError as error:
        raise InvalidInput(str(error), details={"field": "file"}) from None
    factor = settings.ROADS_WINDING_DETAILED if winding_factor is None else winding_factor
    return load(data, name=name or path.name, source=str(path), winding_factor=factor, actor=actor)


def load_bundled(*, winding_factor: float | None = None, actor: Any = None) -> RoadGraph:
    """Load the bundled Xinzhou graph into the database (what `network()` uses when none is loaded)."""
    factor = settings.ROADS_WINDING_BUNDLED if winding_factor is None else winding_factor
    return load(bundled_data(), name=BUNDLED_NAME, source=BUNDLED_SOURCE, winding_factor=factor, actor=actor)


def synthetic_network(nodes: int = 250_000, *, seed: int = 13, **options: Any) -> RoadNetwork:
    """A generated detailed network over Xinzhou (roads/synthetic.py) under the configured speeds,
    winding factor 1.0: for benchmarks and tests of scale, never stored."""
    from yingji.geography.roads.synthetic import synthetic_data

    return build(synthetic_data(nodes, seed=seed, **options), 1.0, f"synthetic {nodes} nodes, seed {seed}")
