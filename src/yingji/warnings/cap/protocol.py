"""CAP 1.2 (OASIS Common Alerting Protocol) as the platform reads and writes it.

- `parse` reads XML safely: no DTD, so no entity expansion and no external entities, nothing fetched
  from the network, a size limit; a hostile file is refused with a clear reason and touches nothing.
- `problems` lists everything wrong with a message: errors against the OASIS schema shipped in
  data/cap12.xsd, then the rules CAP validators apply beyond it (Update and Cancel need references,
  expiry after effective, every area located, polygons closed with at least four points).
- `identifier` builds the GB/T 35965.1-2018 identifier (Annex A, shared/domain/STANDARDS.md §8), and
  `SEVERITY_BY_LEVEL` maps the four warning colours to CAP severities.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

from lxml import etree

from yingji.core import datebounds

CAP_NS = "urn:oasis:names:tc:emergency:cap:1.2"
NS = {"cap": CAP_NS}
SCHEMA_PATH = Path(__file__).parents[1] / "data" / "cap12.xsd"
MAX_BYTES = 1_000_000  # a real alert with a detailed polygon is tens of kilobytes
BEIJING = ZoneInfo("Asia/Shanghai")

# GB/T 35965.1 names the four colours; the CAP severities they map to are the customary reading
# (red is the gravest), not a mapping the standard's confirmed text gives: documented in the docs.
SEVERITY_BY_LEVEL = {"red": "Extreme", "orange": "Severe", "yellow": "Moderate", "blue": "Minor"}
LEVEL_BY_SEVERITY = {severity: level for level, severity in SEVERITY_BY_LEVEL.items()}

_DECLARATION = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)


class CapError(ValueError):
    """A message that cannot be read at all, with the reasons."""

    def __init__(self, *problems: str) -> None:
        super().__init__("; ".join(problems))
        self.problems = list(problems)


def _parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False, huge_tree=False
    )


def parse(data: bytes) -> etree._Element:
    """The message's root element, or CapError: too large, a DTD or entity declaration, not well-formed."""
    if len(data) > MAX_BYTES:
        raise CapError(f"消息超过 {MAX_BYTES} 字节 / The message is larger than {MAX_BYTES} bytes")
    if _DECLARATION.search(data):
        raise CapError("不接受 DTD 或实体声明 / DTDs and entity declarations are not accepted")
    try:
        root = etree.fromstring(data, _parser())
    except etree.XMLSyntaxError as error:
        raise CapError(f"不是格式正确的 XML / Not well-formed XML: {error}") from None
    if root.getroottree().docinfo.doctype:
        raise CapError("不接受 DTD 或实体声明 / DTDs and entity declarations are not accepted")
    return root


@lru_cache(maxsize=1)
def schema() -> etree.XMLSchema:
    """The OASIS CAP 1.2 schema shipped with the platform (read once, never fetched)."""
    return etree.XMLSchema(etree.parse(str(SCHEMA_PATH), _parser()))


def problems(data: bytes) -> list[str]:
    """Every problem of a CAP 1.2 message: unreadable, schema errors, then the rules beyond the schema."""
    try:
        root = parse(data)
    except CapError as error:
        return error.problems
    found = []
    cap_schema = schema()
    if not cap_schema.validate(root):
        found += [f"第 {e.line} 行 / line {e.line}: {e.message}" for e in cap_schema.error_log]
    if root.tag == f"{{{CAP_NS}}}alert":
        found += rule_problems(root)
    return found


def rule_problems(root: etree._Element) -> list[str]:
    """The checks CAP validators make beyond the schema, on a message the schema may or may not accept."""
    found: list[str] = []
    msg_type = (root.findtext("cap:msgType", namespaces=NS) or "").strip()
    references = (root.findtext("cap:references", namespaces=NS) or "").split()
    if msg_type in ("Update", "Cancel") and not references:
        found.append(f"{msg_type} 消息必须有 references / An {msg_type} message needs <references>")
    for reference in references:
        if len(reference.split(",")) != 3:
            found.append(
                f"references 的每项应为 sender,identifier,sent：{reference} / "
                f"each reference is sender,identifier,sent: {reference}"
            )
    sent = _moment(root.findtext("cap:sent", namespaces=NS))
    found += _range_problems("sent", sent)
    for number, info in enumerate(root.findall("cap:info", NS), 1):
        found += _info_problems(number, info, sent)
    return found


def _info_problems(number: int, info: etree._Element, sent: datetime | None) -> list[str]:
    found = []
    effective = _moment(info.findtext("cap:effective", namespaces=NS)) or sent
    expires = _moment(info.findtext("cap:expires", namespaces=NS))
    if effective is not None and expires is not None and expires <= effective:
        found.append(f"info {number}: 失效时间须晚于生效时间 / expires must be after effective")
    for tag in ("effective", "onset", "expires"):
        found += _range_problems(f"info {number} {tag}", _moment(info.findtext(f"cap:{tag}", namespaces=NS)))
    for area_number, area in enumerate(info.findall("cap:area", NS), 1):
        where = f"info {number} area {area_number}"
        polygons = [p.text or "" for p in area.findall("cap:polygon", NS)]
        circles = [c.text or "" for c in area.findall("cap:circle", NS)]
        geocodes = area.findall("cap:geocode", NS)
        if not (polygons or circles or geocodes):
            found.append(f"{where}: 须有多边形、圆或地理编码 / needs a polygon, a circle or a geocode")
        for polygon in polygons:
            found += [f"{where}: {problem}" for problem in polygon_problems(polygon)]
        for circle in circles:
            found += [f"{where}: {problem}" for problem in circle_problems(circle)]
    return found


@dataclass
class _Points:
    points: list[tuple[float, float]] = field(default_factory=list)
    bad: list[str] = field(default_factory=list)


def _points(text: str) -> _Points:
    result = _Points()
    for pair in text.split():
        try:
            lat_text, lon_text = pair.split(",")
            lat, lon = float(lat_text), float(lon_text)
        except ValueError:
            result.bad.append(pair)
            continue
        if not (math.isfinite(lat) and math.isfinite(lon) and -90 <= lat <= 90 and -180 <= lon <= 180):
            result.bad.append(pair)
            continue
        result.points.append((lat, lon))
    return result


def polygon_problems(text: str) -> list[str]:
    """A CAP polygon is "lat,lon lat,lon …", at least four points, the first repeated as the last."""
    parsed = _points(text)
    found = [f"坐标无效 / bad point {pair!r} (lat,lon in WGS84)" for pair in parsed.bad]
    if len(parsed.points) + len(parsed.bad) < 4:
        found.append("多边形至少四个点 / a polygon needs at least four points")
    elif parsed.points and parsed.points[0] != parsed.points[-1]:
        found.append("多边形未闭合（首尾点须相同）/ the polygon is not closed (first point = last)")
    return found


def circle_problems(text: str) -> list[str]:
    """A CAP circle is "lat,lon radius" with the radius in kilometres."""
    parts = text.split()
    if len(parts) != 2:
        return [f"圆应为“纬度,经度 半径” / a circle is 'lat,lon radius': {text!r}"]
    parsed = _points(parts[0])
    try:
        radius = float(parts[1])
    except ValueError:
        radius = -1.0
    if parsed.bad or not math.isfinite(radius) or radius < 0:
        return [f"圆无效 / bad circle {text!r}"]
    return []


def _range_problems(where: str, moment: datetime | None) -> list[str]:
    """A time outside the platform's accepted dates (core/datebounds.py) is a problem of the message."""
    return [datebounds.message(where)] if moment is not None and not datebounds.in_range(moment) else []


def _moment(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        return None  # the schema reports the format
    return moment if moment.tzinfo is not None else None


def identifier(
    region_code: str,
    sector_code: str,
    sent: datetime,
    sequence: int,
    *,
    sub_code: str = "000",
    extension: str = "00",
) -> str:
    """GB/T 35965.1-2018 Annex A: `ZZZZZZDDDUUUXX_YYYYMMDDhhmmss_N`, 31 characters.

    ZZZZZZ the issuer's division code (GB/T 2260), DDD its sector code (GB/T 4657), UUU an internal
    sub-code (000 by default), XX an extension (00); then the entry time in Beijing time and N, 0–9,
    telling apart messages of one issuer in one second.
    """
    for name, value, digits in (
        ("region_code", region_code, 6),
        ("sector_code", sector_code, 3),
        ("sub_code", sub_code, 3),
        ("extension", extension, 2),
    ):
        if not (len(value) == digits and value.isascii() and value.isdigit()):
            raise ValueError(f"{name} must be {digits} digits, not {value!r}")
    if not 0 <= sequence <= 9:
        raise ValueError(f"sequence must be 0–9, not {sequence}")
    if sent.tzinfo is None:
        raise ValueError("sent must carry its offset")
    stamp = sent.astimezone(BEIJING).strftime("%Y%m%d%H%M%S")
    return f"{region_code}{sector_code}{sub_code}{extension}_{stamp}_{sequence}"
