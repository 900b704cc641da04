"""A generated detailed road network over a box, for benchmarks and tests of scale: pure, deterministic.

A jittered grid of about `nodes` nodes (spacing ≈ the box's area ÷ nodes) whose rows and columns are
roads: every `motorway_every`-th line a motorway, every `primary_every`-th a primary road, every
`tertiary_every`-th a tertiary road, the rest residential (30 km/h), of which a share
(`missing_share`) is left out so that local trips wind. The hierarchy makes the fastest route
differ from the straight line as on real roads.
"""

from __future__ import annotations

import numpy as np

from yingji.geography.roads.data import RoadData

XINZHOU_BOX = (110.94, 38.13, 113.96, 39.66)  # city 140900's boundary box (core/data/xinzhou)
CLASSES = ["motorway", "primary", "tertiary", "residential"]


def synthetic_data(
    nodes: int = 250_000,
    *,
    seed: int = 13,
    box: tuple[float, float, float, float] = XINZHOU_BOX,
    jitter: float = 0.3,
    motorway_every: int = 120,
    primary_every: int = 30,
    tertiary_every: int = 6,
    missing_share: float = 0.15,
) -> RoadData:
    """Road data of a jittered grid of at least `nodes` nodes over `box` (west, south, east, north)."""
    rng = np.random.default_rng(seed)
    west, south, east, north = box
    middle = np.radians((south + north) / 2)
    width, height = (east - west) * np.cos(middle), north - south
    rows = max(2, int(np.ceil(np.sqrt(nodes * height / width))))
    cols = max(2, int(np.ceil(nodes / rows)))
    d_lon, d_lat = (east - west) / (cols - 1), (north - south) / (rows - 1)
    row, col = np.divmod(np.arange(rows * cols), cols)
    lon = west + col * d_lon + rng.uniform(-jitter, jitter, rows * cols) * d_lon
    lat = south + row * d_lat + rng.uniform(-jitter, jitter, rows * cols) * d_lat

    def line_class(index: np.ndarray) -> np.ndarray:
        return np.select(
            [index % motorway_every == 0, index % primary_every == 0, index % tertiary_every == 0],
            [0, 1, 2],
            3,
        )

    ids = np.arange(rows * cols).reshape(rows, cols)
    east_a, east_b = ids[:, :-1].ravel(), ids[:, 1:].ravel()
    north_a, north_b = ids[:-1, :].ravel(), ids[1:, :].ravel()
    east_class = line_class(np.repeat(np.arange(rows), cols - 1))
    north_class = line_class(np.tile(np.arange(cols), rows - 1))
    a = np.concatenate((east_a, north_a))
    b = np.concatenate((east_b, north_b))
    kind = np.concatenate((east_class, north_class)).astype(np.int16)
    keep = (kind < 3) | (rng.random(len(a)) >= missing_share)
    a, b, kind = a[keep], b[keep], kind[keep]
    p1, p2 = np.radians(lat[a]), np.radians(lat[b])
    h = np.sin((p2 - p1) / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(np.radians(lon[b] - lon[a]) / 2) ** 2
    km = 2 * 6371.0088 * np.arcsin(np.sqrt(h))
    return RoadData(
        lon=lon,
        lat=lat,
        edge_a=a.astype(np.int32),
        edge_b=b.astype(np.int32),
        edge_km=km,
        edge_class=kind,
        edge_maxspeed=np.full(len(a), np.nan, dtype=np.float32),
        classes=list(CLASSES),
    )
