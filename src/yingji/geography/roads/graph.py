"""A road network routed in memory: nodes, undirected edges with travel minutes, Dijkstra by scipy.

Pure (numpy, scipy, pyproj; no Django). A point off the graph joins it through its k nearest nodes
of the largest connected part (a KD-tree on metres of a local transverse Mercator projection) by a
straight *access leg* of `haversine × access_winding` at `access_kmh`, standing for the local roads
the graph lacks; two points may also be joined by such a straight leg alone when that is quicker
(two points near each other, far from any main road), up to `direct_km` apart (no limit by default).
One query runs one Dijkstra (scipy.sparse.csgraph) from a virtual node whose edges are the origin's
access legs, so a search from one origin to hundreds of destinations, or from many origins at once
(reach), costs one search, cut at `limit_minutes`.

What holds exactly: between nodes, road minutes are shortest-path distances (a metric; symmetric,
triangle inequality). A trip is never quicker than the straight line at the fastest speed of the
network (every leg is a haversine length × a factor ≥ 1 at a speed ≤ that top speed), and on this
undirected graph trip(a, b) = trip(b, a) up to rounding. For any points the triangle inequality
holds when each joins through its one nearest node and no direct leg is allowed; with k nodes and
direct legs it can fail, rarely and by little: b's legs may bridge two roads that are far apart by
road, a shortcut the route from a to c cannot take (docs/roads.md gives the measured figures).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pyproj

if TYPE_CHECKING:
    from scipy.sparse import csr_matrix

# scipy is imported where a network is built or searched, not here: importing it costs about 0.6 s,
# which every process that merely loads the apps (each `yingji` command, each test worker) would pay.

EARTH_RADIUS_KM = 6371.0088  # IUGG mean radius, as geography/areas.py
MIN_EDGE_MINUTES = 1e-9  # csgraph needs positive weights; two nodes at the same place are this far apart
NO_PARENT = -9999  # scipy's predecessor for the source and for nodes not reached
COVER_MARGIN_DEGREES = 0.1  # how far past its nodes' box a network answers for points
MIN_NEAREST_MINUTES = 10.0  # the first search of `nearest` reaches at least this far
MAX_NEAREST_MINUTES = 24 * 60.0  # past this, `nearest` searches the whole graph

Point = tuple[float, float]


@dataclass(frozen=True)
class Trip:
    """The quickest trip between two points: travel minutes and the route's length in km."""

    minutes: float
    km: float


def haversine_km(lon1: np.ndarray, lat1: np.ndarray, lon2: np.ndarray, lat2: np.ndarray) -> np.ndarray:
    """Great-circle km between points (arrays broadcast); NaN where a coordinate is not finite."""
    with np.errstate(invalid="ignore"):
        p1, p2 = np.radians(lat1), np.radians(lat2)
        dlon = np.radians(lon2 - lon1)
        a = np.sin((p2 - p1) / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dlon / 2) ** 2
        return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


def points_array(points: Sequence[Point] | np.ndarray) -> np.ndarray:
    """Points as an (n, 2) float array of longitude, latitude."""
    array = np.asarray(points, dtype=np.float64)
    if array.size == 0:
        return np.empty((0, 2))
    return array.reshape(-1, 2)


class RoadNetwork:
    """An undirected road graph with minutes per edge, ready to route (read-only, shareable by threads)."""

    def __init__(
        self,
        lon: np.ndarray,
        lat: np.ndarray,
        edge_a: np.ndarray,
        edge_b: np.ndarray,
        edge_km: np.ndarray,
        edge_minutes: np.ndarray,
        *,
        access_kmh: float = 20.0,
        access_winding: float = 1.25,
        access_nodes: int = 3,
        direct_km: float = math.inf,
        name: str = "",
        winding_factor: float = 1.0,
    ) -> None:
        if len(lon) == 0:
            raise ValueError("a road network needs at least one node")
        self.name = name
        self.winding_factor = float(winding_factor)
        self.lon = np.ascontiguousarray(lon, dtype=np.float64)
        self.lat = np.ascontiguousarray(lat, dtype=np.float64)
        self.access_kmh = float(access_kmh)
        self.access_winding = float(access_winding)
        self.direct_km = float(direct_km)
        self.node_count = len(self.lon)
        self.access_nodes = max(1, min(int(access_nodes), self.node_count))
        a, b, km, minutes = _undirected(edge_a, edge_b, edge_km, edge_minutes)
        self.edge_a, self.edge_b, self.edge_km, self.edge_minutes = a, b, km, minutes
        self.total_km = float(km.sum())
        with np.errstate(divide="ignore", invalid="ignore"):
            speeds = np.where(minutes > 0, km * 60.0 / minutes, 0.0)
        self.top_kmh = float(max(speeds.max(initial=0.0), self.access_kmh / self.access_winding))
        n = self.node_count
        self.west, self.east = float(self.lon.min()), float(self.lon.max())
        self.south, self.north = float(self.lat.min()), float(self.lat.max())
        centre_lon = (self.west + self.east) / 2
        centre_lat = (self.south + self.north) / 2
        crs = pyproj.CRS.from_proj4(
            f"+proj=tmerc +lon_0={centre_lon} +lat_0={centre_lat} +k=1 +ellps=GRS80 +units=m"
        )
        self._project = pyproj.Transformer.from_crs("EPSG:4326", crs, always_xy=True)
        x, y = self._project.transform(self.lon, self.lat)
        xy = np.column_stack((x, y))
        rows = np.concatenate((a, b))
        cols = np.concatenate((b, a))
        order = np.lexsort((cols, rows))
        rows, cols = rows[order], cols[order]
        self._indices = cols.astype(np.int32)
        self._data = np.maximum(np.concatenate((minutes, minutes))[order], MIN_EDGE_MINUTES)
        self._indptr = np.searchsorted(rows, np.arange(n + 1)).astype(np.int32)
        # Directed edge keys (row * (n + 1) + col, sorted) and their km: the km of a route's edges.
        self._keys = rows.astype(np.int64) * (n + 1) + cols
        self._key_km = np.concatenate((km, km))[order]
        # Points join the largest connected part only: a fragment (a road cut off by the data's edge
        # or a gap in it) would make every point that joins it unreachable from everywhere else.
        from scipy.sparse import csr_matrix
        from scipy.sparse.csgraph import connected_components
        from scipy.spatial import cKDTree

        _, part = connected_components(
            csr_matrix((self._data, self._indices, self._indptr), shape=(n, n)), directed=False
        )
        self._joinable = np.flatnonzero(part == np.bincount(part).argmax())
        self.access_nodes = min(self.access_nodes, len(self._joinable))
        self._tree = cKDTree(xy[self._joinable])

    def __repr__(self) -> str:
        return f"<RoadNetwork {self.name!r}: {self.node_count} nodes, {len(self.edge_a)} edges>"

    @property
    def edge_count(self) -> int:
        return len(self.edge_a)

    def covers(self, point: Point) -> bool:
        """Whether `point` lies in the area this network answers for (its nodes' box plus a margin)."""
        lon, lat = point
        margin = COVER_MARGIN_DEGREES
        return bool(
            self.west - margin <= lon <= self.east + margin
            and self.south - margin <= lat <= self.north + margin
        )

    # Joining points to the graph ----------------------------------------------------------------

    def access(self, points: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """For (n, 2) points: their k nearest nodes (n, k), and the access legs' minutes and km (inf for
        a point that is not a pair of finite numbers: it joins nothing)."""
        valid = np.isfinite(points).all(axis=1)
        where = np.where(valid[:, None], points, [[self.west, self.south]])
        x, y = self._project.transform(where[:, 0], where[:, 1])
        _, found = self._tree.query(np.column_stack((x, y)), k=self.access_nodes)
        nodes = self._joinable[np.asarray(found, dtype=np.int64).reshape(len(points), self.access_nodes)]
        km = self.access_winding * haversine_km(
            where[:, 0:1], where[:, 1:2], self.lon[nodes], self.lat[nodes]
        )
        km[~valid] = np.inf
        return nodes, km * 60.0 / self.access_kmh, km

    def _walk(self, origin: np.ndarray, points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        km = self.access_winding * haversine_km(origin[0], origin[1], points[:, 0], points[:, 1])
        minutes = np.where(km <= self.direct_km, km * 60.0 / self.access_kmh, np.inf)
        return minutes, km

    # Searching ----------------------------------------------------------------------------------

    def _graph_from(self, nodes: np.ndarray, minutes: np.ndarray) -> csr_matrix:
        """The graph plus a virtual node (index n) with edges to `nodes` weighing `minutes`."""
        from scipy.sparse import csr_matrix

        nodes = nodes.ravel()
        minutes = minutes.ravel()
        unique, first = np.unique(nodes, return_inverse=True)
        best = np.full(len(unique), np.inf)
        np.minimum.at(best, first, minutes)
        n = self.node_count
        nnz = len(self._indices)
        indptr = np.concatenate((self._indptr, np.array([nnz + len(unique)], dtype=np.int32)))
        indices = np.concatenate((self._indices, unique.astype(np.int32)))
        data = np.concatenate((self._data, np.maximum(best, MIN_EDGE_MINUTES)))
        return csr_matrix((data, indices, indptr), shape=(n + 1, n + 1))

    def _search(
        self, origins: np.ndarray, limit_minutes: float | None, predecessors: bool
    ) -> tuple[np.ndarray, np.ndarray | None]:
        from scipy.sparse.csgraph import dijkstra

        nodes, minutes, _ = self.access(origins)
        graph = self._graph_from(nodes, minutes)
        limit = np.inf if limit_minutes is None else float(limit_minutes)
        if predecessors:
            dist, pred = dijkstra(
                graph, directed=True, indices=self.node_count, limit=limit, return_predecessors=True
            )
            return dist, pred
        dist = dijkstra(graph, directed=True, indices=self.node_count, limit=limit)
        return dist, None

    def _route_km(self, pred: np.ndarray, nodes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Km along the search tree to each of `nodes` from where its route entered the graph (the
        origin's access leg excluded), and that entry node."""
        n = self.node_count
        km = np.zeros(len(nodes))
        current = nodes.astype(np.int64).copy()
        active = np.ones(len(nodes), dtype=bool)
        while True:
            parent = np.where(active, pred[current], NO_PARENT)
            active &= (parent != NO_PARENT) & (parent != n)
            if not active.any():
                return km, current
            keys = parent[active] * (n + 1) + current[active]
            km[active] += self._key_km[np.searchsorted(self._keys, keys)]
            current[active] = parent[active]

    def trips_from(
        self,
        origin: Point,
        destinations: Sequence[Point] | np.ndarray,
        limit_minutes: float | None = None,
    ) -> list[Trip | None]:
        """The quickest trip from `origin` to each destination (one search); None where unreachable or
        beyond `limit_minutes`."""
        targets = points_array(destinations)
        if len(targets) == 0:
            return []
        start = points_array([origin])
        if not np.isfinite(start).all():
            return [None] * len(targets)
        dist, pred = self._search(start, limit_minutes, predecessors=True)
        assert pred is not None
        nodes, leg_minutes, leg_km = self.access(targets)
        total = dist[nodes] + leg_minutes
        best = np.argmin(total, axis=1)
        rows = np.arange(len(targets))
        minutes = total[rows, best]
        joins = nodes[rows, best]
        reached = np.isfinite(minutes)
        km = np.full(len(targets), np.inf)
        if reached.any():
            road_km, entry = self._route_km(pred, joins[reached])
            # Plus both access legs: the origin's to the node the route entered the graph at.
            origin_leg = haversine_km(start[0, 0], start[0, 1], self.lon[entry], self.lat[entry])
            km[reached] = road_km + leg_km[rows, best][reached] + self.access_winding * origin_leg
        walk_minutes, walk_km = self._walk(start[0], targets)
        walk = np.nan_to_num(walk_minutes, nan=np.inf) < minutes
        minutes = np.where(walk, walk_minutes, minutes)
        km = np.where(walk, walk_km, km)
        limit = np.inf if limit_minutes is None else float(limit_minutes)
        return [
            Trip(float(m), float(k)) if np.isfinite(m) and m <= limit else None
            for m, k in zip(minutes, km, strict=True)
        ]

    def nearest(
        self,
        origin: Point,
        destinations: Sequence[Point] | np.ndarray,
        count: int = 5,
        limit_minutes: float | None = None,
    ) -> list[tuple[int, Trip]]:
        """The `count` destinations quickest to reach from `origin` (index, trip), quickest first.

        Searches as far as needed only: first to twice the time the `count`-th nearest would take by
        straight line at the network's top speed (a lower bound), then twice as far each round until
        `count` are reached; every destination not reached within a search's limit is slower than
        all reached, so the answer is exact.
        """
        targets = points_array(destinations)
        if len(targets) == 0 or count < 1:
            return []
        start = points_array([origin])[0]
        bound = haversine_km(start[0], start[1], targets[:, 0], targets[:, 1]) / self.top_kmh * 60.0
        bound = np.nan_to_num(bound, nan=np.inf)
        kth = float(np.partition(bound, min(count, len(bound)) - 1)[min(count, len(bound)) - 1])
        reach = max(MIN_NEAREST_MINUTES, 2.0 * kth)
        while True:
            unlimited = reach > MAX_NEAREST_MINUTES
            cap = None if unlimited else reach
            if limit_minutes is not None:
                cap = limit_minutes if cap is None else min(cap, limit_minutes)
            trips = self.trips_from(origin, targets, cap)
            found = [(index, trip) for index, trip in enumerate(trips) if trip is not None]
            if len(found) >= count or cap is None or cap == limit_minutes:
                found.sort(key=lambda item: (item[1].minutes, item[0]))
                return found[:count]
            reach *= 2.0

    def trip(self, origin: Point, destination: Point) -> Trip | None:
        """The quickest trip from `origin` to `destination`, None if no road joins them."""
        return self.trips_from(origin, [destination])[0]

    def minutes_to(
        self,
        origins: Sequence[Point] | np.ndarray,
        points: Sequence[Point] | np.ndarray,
        limit_minutes: float | None = None,
    ) -> np.ndarray:
        """Minutes from the nearest of `origins` (one multi-source search) to each point; inf where
        unreachable or beyond `limit_minutes`."""
        sources = points_array(origins)
        sources = sources[np.isfinite(sources).all(axis=1)]
        targets = points_array(points)
        if len(targets) == 0:
            return np.empty(0)
        if len(sources) == 0:
            return np.full(len(targets), np.inf)
        dist, _ = self._search(sources, limit_minutes, predecessors=False)
        nodes, leg_minutes, _ = self.access(targets)
        minutes = (dist[nodes] + leg_minutes).min(axis=1)
        for source in sources:
            minutes = np.fmin(minutes, self._walk(source, targets)[0])
        if limit_minutes is not None:
            minutes[minutes > limit_minutes] = np.inf
        return minutes

    def node_minutes(
        self, sources: Sequence[int] | np.ndarray, limit_minutes: float | None = None
    ) -> np.ndarray:
        """Road minutes from each source node to every node (rows: sources), with no access legs."""
        from scipy.sparse import csr_matrix
        from scipy.sparse.csgraph import dijkstra

        graph = csr_matrix(
            (self._data, self._indices, self._indptr), shape=(self.node_count, self.node_count)
        )
        limit = np.inf if limit_minutes is None else float(limit_minutes)
        return np.atleast_2d(dijkstra(graph, directed=True, indices=np.asarray(sources), limit=limit))


def _undirected(
    a: np.ndarray, b: np.ndarray, km: np.ndarray, minutes: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Edges as (low, high) node pairs, without loops; of parallel edges the quickest is kept."""
    a = np.asarray(a, dtype=np.int64)
    b = np.asarray(b, dtype=np.int64)
    km = np.asarray(km, dtype=np.float64)
    minutes = np.asarray(minutes, dtype=np.float64)
    keep = a != b
    low, high = np.minimum(a, b)[keep], np.maximum(a, b)[keep]
    km, minutes = km[keep], minutes[keep]
    order = np.lexsort((minutes, high, low))
    low, high, km, minutes = low[order], high[order], km[order], minutes[order]
    first = np.ones(len(low), dtype=bool)
    first[1:] = (low[1:] != low[:-1]) | (high[1:] != high[:-1])
    return low[first], high[first], km[first], minutes[first]
