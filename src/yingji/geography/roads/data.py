"""Road data as arrays, read from GeoJSON, and the travel minutes of its edges: pure, no Django.

`RoadData` is what the database stores (models.RoadGraph) and what a `RoadNetwork` is built from:
nodes (every distinct vertex of the lines, to 1e-6°), straight edges between consecutive vertices,
each with its length (haversine km), OSM `highway` class and `maxspeed` (km/h, NaN if none).
Minutes = km × winding factor ÷ speed, the speed from `maxspeed`, else the class's (a `_link` like
its parent), else the default for an edge with no class (settings.ROADS_*, docs/roads.md).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from yingji.geography.roads.graph import RoadNetwork, haversine_km

COORDINATE_SCALE = 1_000_000  # vertices closer than 1e-6° (≈ 0.1 m) are one node
MAX_KMH = 150.0  # a maxspeed above this is a typo, not a road
MPH = 1.609344
MAX_FEATURES_REPORTED = 5


class RoadDataError(ValueError):
    """A road file Yingji cannot read, with where and why (Chinese / English)."""


@dataclass(frozen=True)
class RoadData:
    """Nodes and straight edges of a road network with each edge's class and speed limit."""

    lon: np.ndarray  # float64 per node
    lat: np.ndarray
    edge_a: np.ndarray  # int32 node index
    edge_b: np.ndarray
    edge_km: np.ndarray  # float64
    edge_class: np.ndarray  # int16 index into `classes`, −1: no class
    edge_maxspeed: np.ndarray  # float32 km/h, NaN: none
    classes: list[str]

    @property
    def node_count(self) -> int:
        return len(self.lon)

    @property
    def edge_count(self) -> int:
        return len(self.edge_a)

    @property
    def total_km(self) -> float:
        return float(self.edge_km.sum())


def parse_maxspeed(value: Any) -> float:
    """An OSM maxspeed in km/h ("60", "60 mph", 80), NaN for none or what is not a number ("signals")."""
    if value is None or isinstance(value, bool):
        return math.nan
    if isinstance(value, int | float):
        speed = float(value)
    else:
        match = re.match(r"^\s*(\d+(?:\.\d+)?)\s*(mph|km/h|kmh|kph)?\s*$", str(value).split(";")[0], re.I)
        if not match:
            return math.nan
        speed = float(match.group(1)) * (MPH if (match.group(2) or "").lower() == "mph" else 1.0)
    return speed if 0 < speed <= MAX_KMH else math.nan


def class_kmh(name: str, speeds: Mapping[str, float], other_kmh: float) -> float:
    """The speed of an OSM highway class: its own, its parent's for a `_link`, else `other_kmh`."""
    base = name.removesuffix("_link")
    return float(speeds.get(name, speeds.get(base, other_kmh)))


def edge_kmh(data: RoadData, speeds: Mapping[str, float], other_kmh: float, default_kmh: float) -> np.ndarray:
    """Each edge's speed: maxspeed, else its class's, else `default_kmh` (no class at all)."""
    by_class = np.array([class_kmh(name, speeds, other_kmh) for name in data.classes] + [default_kmh])
    kmh = by_class[np.where(data.edge_class >= 0, data.edge_class, len(data.classes))]
    maxspeed = data.edge_maxspeed.astype(np.float64)
    return np.where(np.isfinite(maxspeed), maxspeed, kmh)


def to_network(
    data: RoadData,
    *,
    winding_factor: float,
    speeds: Mapping[str, float],
    other_kmh: float,
    default_kmh: float,
    access_kmh: float,
    access_winding: float,
    access_nodes: int,
    direct_km: float = math.inf,
    name: str = "",
) -> RoadNetwork:
    """A routable network from road data and the speed assumptions."""
    kmh = edge_kmh(data, speeds, other_kmh, default_kmh)
    minutes = data.edge_km * winding_factor * 60.0 / kmh
    return RoadNetwork(
        data.lon,
        data.lat,
        data.edge_a,
        data.edge_b,
        data.edge_km * winding_factor,
        minutes,
        access_kmh=access_kmh,
        access_winding=access_winding,
        access_nodes=access_nodes,
        direct_km=direct_km,
        name=name,
        winding_factor=winding_factor,
    )


# GeoJSON --------------------------------------------------------------------------------------


def _lines(geometry: Any, where: str) -> list[Any]:
    if not isinstance(geometry, dict):
        raise RoadDataError(f"{where}：缺少几何 / {where}: no geometry")
    kind = geometry.get("type")
    coordinates = geometry.get("coordinates")
    if kind == "LineString":
        lines = [coordinates]
    elif kind == "MultiLineString" and isinstance(coordinates, list):
        lines = coordinates
    else:
        raise RoadDataError(
            f"{where}：几何类型应为 LineString 或 MultiLineString，而不是 {str(kind)[:40]} / "
            f"{where}: geometry must be a LineString or MultiLineString, not {str(kind)[:40]}"
        )
    for line in lines:
        if not isinstance(line, list) or len(line) < 2:
            raise RoadDataError(f"{where}：线至少需要两个点 / {where}: a line needs at least two positions")
    return lines


def _position(value: Any, where: str) -> tuple[float, float]:
    if (
        isinstance(value, list)
        and len(value) >= 2
        and all(isinstance(v, int | float) and not isinstance(v, bool) for v in value[:2])
    ):
        lon, lat = float(value[0]), float(value[1])
        if -180 <= lon <= 180 and -90 <= lat <= 90 and math.isfinite(lon) and math.isfinite(lat):
            return lon, lat
    text = json.dumps(value)[:60] if not isinstance(value, float) else str(value)
    raise RoadDataError(
        f"{where}：坐标 {text} 不是有效的经纬度 / {where}: {text} is not a valid longitude, latitude"
    )


def from_features(features: Iterable[Any]) -> RoadData:
    """Road data from GeoJSON features (LineString / MultiLineString, optional `highway`, `maxspeed`)."""
    xs: list[float] = []
    ys: list[float] = []
    line_of: list[int] = []  # which line each vertex belongs to
    line_class: list[int] = []
    line_speed: list[float] = []
    classes: dict[str, int] = {}
    lines_read = 0
    for number, feature in enumerate(features):
        where = f"第 {number + 1} 个要素 / feature {number + 1}"
        if not isinstance(feature, dict) or feature.get("type") != "Feature":
            raise RoadDataError(f"{where}：不是 GeoJSON Feature / {where}: not a GeoJSON Feature")
        properties = feature.get("properties")
        properties = {} if properties is None else properties
        if not isinstance(properties, dict):
            raise RoadDataError(f"{where}：properties 应为对象 / {where}: properties must be an object")
        highway = properties.get("highway")
        highway = str(highway).strip().lower()[:40] if highway not in (None, "") else ""
        class_number = classes.setdefault(highway, len(classes)) if highway else -1
        speed = parse_maxspeed(properties.get("maxspeed"))
        for line in _lines(feature.get("geometry"), where):
            for value in line:
                lon, lat = _position(value, where)
                xs.append(lon)
                ys.append(lat)
                line_of.append(lines_read)
            line_class.append(class_number)
            line_speed.append(speed)
            lines_read += 1
    if lines_read == 0:
        raise RoadDataError("文件中没有道路线 / The file holds no road lines")
    return from_vertices(
        np.array(xs),
        np.array(ys),
        np.array(line_of),
        np.array(line_class),
        np.array(line_speed),
        list(classes),
    )


def from_vertices(
    lon: np.ndarray,
    lat: np.ndarray,
    line_of: np.ndarray,
    line_class: np.ndarray,
    line_maxspeed: np.ndarray,
    classes: list[str],
) -> RoadData:
    """Road data from the vertices of lines (in order, `line_of` numbering each vertex's line)."""
    keys = np.round(lon * COORDINATE_SCALE).astype(np.int64) * (361 * COORDINATE_SCALE) + np.round(
        (lat + 90) * COORDINATE_SCALE
    ).astype(np.int64)
    _unique, first, node_of = np.unique(keys, return_index=True, return_inverse=True)
    node_of = node_of.ravel()
    same_line = line_of[1:] == line_of[:-1]
    a = node_of[:-1][same_line]
    b = node_of[1:][same_line]
    lines = line_of[:-1][same_line]
    km = haversine_km(lon[first][a], lat[first][a], lon[first][b], lat[first][b])
    keep = a != b
    return RoadData(
        lon=lon[first].astype(np.float64),
        lat=lat[first].astype(np.float64),
        edge_a=a[keep].astype(np.int32),
        edge_b=b[keep].astype(np.int32),
        edge_km=km[keep].astype(np.float64),
        edge_class=np.asarray(line_class, dtype=np.int16)[lines[keep]],
        edge_maxspeed=np.asarray(line_maxspeed, dtype=np.float32)[lines[keep]],
        classes=classes,
    )


def read_geojson(text: str | bytes) -> RoadData:
    """Road data from a GeoJSON FeatureCollection (or a single Feature)."""
    try:
        document = json.loads(text)
    except (ValueError, UnicodeDecodeError) as error:
        raise RoadDataError(f"不是有效的 JSON：{error} / Not valid JSON: {error}") from None
    if isinstance(document, dict) and document.get("type") == "FeatureCollection":
        features = document.get("features")
        if not isinstance(features, list):
            raise RoadDataError(
                "FeatureCollection 缺少 features 数组 / The FeatureCollection has no features array"
            )
    elif isinstance(document, dict) and document.get("type") == "Feature":
        features = [document]
    else:
        raise RoadDataError(
            "应为 GeoJSON FeatureCollection（道路 LineString）/ "
            "Expected a GeoJSON FeatureCollection of road LineStrings"
        )
    return from_features(features)


def read_file(path: Path) -> RoadData:
    try:
        text = path.read_bytes()
    except OSError as error:
        raise RoadDataError(
            f"无法读取 {path}：{error.strerror} / Cannot read {path}: {error.strerror}"
        ) from None
    return read_geojson(text)
