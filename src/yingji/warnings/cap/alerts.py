"""Early warnings as CAP 1.2 messages, out and in.

- `render` writes a published version as a CAP 1.2 alert valid against the OASIS schema: times in
  Beijing time (+08:00), `references` to every earlier version of an Update or Cancel, polygons in
  CAP's "lat,lon" order, circles in kilometres and the area's region codes as geocodes.
- `assign_identifier` gives a version its GB/T 35965.1 identifier, the sequence digit telling apart
  the messages one issuer sends within one second.
- `parse_message` reads a foreign message (after `protocol.problems` found nothing) into what an
  `EarlyWarning` needs, or says in a 400 everything that stops it from becoming one.

Settings (read with defaults, so none is required): `WARNINGS_CAP_SENDER` (default
"yingji@<city code>"), `WARNINGS_SECTOR_CODE` (the GB/T 4657 sector digits of the identifier) and
`SITE_URL` (absolute links to the public pages; unset, links follow the request's host: `site_url`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from lxml import etree

from yingji.core import regioncodes
from yingji.core.errors import InvalidInput
from yingji.core.models import Region
from yingji.warnings.cap import protocol
from yingji.warnings.models import EarlyWarning, WarningType

# 应急管理部's place (24th) in the 2018 list of State Council departments. The code table of
# GB/T 4657-2021 itself was not available to confirm it: a deployment sets the code it registered
# with the provincial release system in WARNINGS_SECTOR_CODE.
DEFAULT_SECTOR_CODE = "324"
DEFAULT_SITE_URL = "http://localhost:8000"
LANGUAGE = "zh-CN"

# Region codes as geocodes: county level and above are GB/T 2260 codes; the 12-digit township and
# village codes are the statistical division codes built on GB/T 2260 by the rules of GB/T 10114.
GEOCODE_COUNTY_AND_ABOVE = "GB/T 2260"
GEOCODE_BELOW_COUNTY = "GB/T 10114"
GEOCODE_NAMES = (GEOCODE_COUNTY_AND_ABOVE, GEOCODE_BELOW_COUNTY)

# <parameter>s and <eventCode>s the platform writes and reads back.
PARAM_LEVEL = "warningLevel"  # blue, yellow, orange, red
PARAM_SIGNAL_TYPE = "signalType"  # the national signal type code: 02 暴雨 …
PARAM_SIGNAL_LEVEL = "signalLevel"  # the signal level code: 01 blue … 04 red
EVENT_CODE_TYPE = "warningType"  # the platform's warning type code: rainstorm …
SIGNAL_LEVEL_CODES = {"blue": "01", "yellow": "02", "orange": "03", "red": "04"}
LEVEL_WORDS = {"blue": "蓝色", "yellow": "黄色", "orange": "橙色", "red": "红色"}

MAX_IDENTIFIER = 120  # EarlyWarning.identifier
MAX_SENDER = 200  # EarlyWarning.sender
MAX_HEADLINE = 200
MAX_AREA_DESCRIPTION = 500


# Settings and formats ----------------------------------------------------------------------------


def site_url(request: HttpRequest | None = None) -> str:
    """The platform's public address for absolute links, without a trailing slash.

    `SITE_URL` when it is set; else the address the request came to (its scheme and its host, which
    Django checks against ALLOWED_HOSTS), so that a reader who opened the platform by its IP address
    or another name gets links that work for them; else http://localhost:8000 (the worker and the
    commands, which have no request: set SITE_URL where their links matter, as SMS links do).
    """
    configured = str(getattr(settings, "SITE_URL", "") or "").rstrip("/")
    if configured:
        return configured
    if request is not None:
        return request.build_absolute_uri("/").rstrip("/")
    return DEFAULT_SITE_URL


def public_url(warning_id: int, request: HttpRequest | None = None) -> str:
    """The absolute address of a warning's public page."""
    return f"{site_url(request)}/public/warnings/{warning_id}/"


def with_links_for(warning: EarlyWarning, request: HttpRequest) -> bytes:
    """A version's stored CAP message as served to this request: a platform message published while
    no SITE_URL was set carries the default address in `<web>`, which is replaced by this request's
    (`site_url`). Imported messages are served exactly as received."""
    stored = warning.cap_xml
    default_web = f"<web>{DEFAULT_SITE_URL}/"
    if warning.source != EarlyWarning.IMPORTED and default_web in stored:
        stored = stored.replace(default_web, f"<web>{site_url(request)}/", 1)
    return stored.encode()


def sector_code() -> str:
    return str(getattr(settings, "WARNINGS_SECTOR_CODE", DEFAULT_SECTOR_CODE))


def platform_sender(region: Region) -> str:
    """The CAP sender of this platform's own messages: the setting, else "yingji@<city code>"."""
    configured = getattr(settings, "WARNINGS_CAP_SENDER", "")
    if configured:
        return str(configured)
    city = next(
        (
            code
            for code in regioncodes.codes_in_path(region.path)
            if regioncodes.is_valid_code(code) and regioncodes.level_of(code) == regioncodes.CITY
        ),
        region.code,
    )
    return f"yingji@{city}"


def cap_time(moment: datetime) -> str:
    """A CAP dateTime: Beijing time with its offset, whole seconds (2027-07-01T08:00:00+08:00)."""
    if moment.tzinfo is None:
        raise ValueError("CAP times need their offset")
    return moment.astimezone(protocol.BEIJING).replace(microsecond=0).isoformat()


# Out: render ------------------------------------------------------------------------------------


def _add(parent: etree._Element, tag: str, text: str | None = None) -> etree._Element:
    element = etree.SubElement(parent, f"{{{protocol.CAP_NS}}}{tag}")
    if text is not None:
        element.text = text
    return element


def _add_pair(parent: etree._Element, tag: str, name: str, value: str) -> None:
    pair = _add(parent, tag)
    _add(pair, "valueName", name)
    _add(pair, "value", value)


def response_type(msg_type: str, level: str) -> str:
    """What people should do, in CAP's words: prepare for orange and red, watch blue and yellow."""
    if msg_type == EarlyWarning.CANCEL:
        return "AllClear"
    return "Prepare" if level in ("orange", "red") else "Monitor"


def urgency(msg_type: str, sent: datetime, onset: datetime) -> str:
    """Immediate once the hazard has begun, Expected within the hour, Future beyond; Past when lifted."""
    if msg_type == EarlyWarning.CANCEL:
        return "Past"
    if onset <= sent:
        return "Immediate"
    return "Expected" if onset - sent <= timedelta(hours=1) else "Future"


def certainty(sent: datetime, onset: datetime) -> str:
    """Observed once the hazard has begun, Likely while it is forecast."""
    return "Observed" if onset <= sent else "Likely"


def reference_of(version: EarlyWarning) -> str:
    """The "sender,identifier,sent" of a published version, as the world received it.

    The stored message is the authority (an imported one carries its issuer's sender and sent time);
    a version without one is described from its fields.
    """
    if version.cap_xml:
        root = protocol.parse(version.cap_xml.encode())
        parts = [
            root.findtext(f"cap:{name}", namespaces=protocol.NS) or ""
            for name in ("sender", "identifier", "sent")
        ]
        if all(part.strip() for part in parts):
            return ",".join(part.strip() for part in parts)
    if version.published_at is None or not version.identifier:
        raise ValueError(f"warning {version.pk} was never published, it cannot be referenced")
    sender = version.sender or platform_sender(version.region)
    return f"{sender},{version.identifier},{cap_time(version.published_at)}"


def earlier_versions(warning: EarlyWarning) -> list[EarlyWarning]:
    """The versions this one supersedes, directly or through others, oldest first."""
    found: list[EarlyWarning] = []
    current = warning.supersedes
    while current is not None:
        found.append(current)
        current = current.supersedes
    return found[::-1]


def _degrees(value: float) -> str:
    """A coordinate in plain decimal notation to 6 places (about 0.1 m), trailing zeros dropped."""
    return f"{value:.6f}".rstrip("0").rstrip(".")


def _ring_text(ring: list[list[float]]) -> str:
    points = [(_degrees(lat), _degrees(lon)) for lon, lat in ring]
    if points[0] != points[-1]:
        points.append(points[0])
    return " ".join(f"{lat},{lon}" for lat, lon in points)


def cap_polygons(shape: dict[str, Any]) -> list[str]:
    """CAP polygons ("lat,lon …", closed) of a GeoJSON Polygon or MultiPolygon: one per outer ring.

    CAP has no holes, so a hole's area stays inside the warning's area.
    """
    if shape["type"] == "Polygon":
        return [_ring_text(shape["coordinates"][0])]
    if shape["type"] == "MultiPolygon":
        return [_ring_text(polygon[0]) for polygon in shape["coordinates"]]
    return []


def cap_circle(shape: dict[str, Any]) -> str:
    """A CAP circle "lat,lon radius_km" of a stored Circle shape."""
    lon, lat = shape["coordinates"]
    return f"{_degrees(lat)},{_degrees(lon)} {_degrees(float(shape['radius_km']))}"


def geocode_name(code: str) -> str:
    return GEOCODE_COUNTY_AND_ABOVE if len(code) == 6 else GEOCODE_BELOW_COUNTY


def _render_areas(info: etree._Element, warning: EarlyWarning) -> None:
    """The region codes in one <area>, the drawn shapes in another: the warning covers their union."""
    codes = list(warning.area_codes or [])
    shapes = list(warning.area_shapes or [])
    if not codes and not shapes:
        raise ValueError(f"warning {warning.pk} has no area")
    names = dict(Region.objects.filter(code__in=codes).values_list("code", "name"))
    code_description = "、".join(names.get(code, code) for code in codes)[:MAX_AREA_DESCRIPTION]
    if codes:
        described = warning.area_description if not shapes else ""
        area = _add(info, "area")
        _add(area, "areaDesc", described or code_description)
        for code in codes:
            _add_pair(area, "geocode", geocode_name(code), code)
    if shapes:
        area = _add(info, "area")
        _add(area, "areaDesc", warning.area_description or f"{warning.region.name}预警区域")
        for shape in shapes:
            for polygon in cap_polygons(shape):
                _add(area, "polygon", polygon)
        for shape in shapes:
            if shape["type"] == "Circle":
                _add(area, "circle", cap_circle(shape))


def render(warning: EarlyWarning) -> bytes:
    """The CAP 1.2 message of a published version (identifier assigned, published_at set)."""
    if warning.published_at is None or not warning.identifier:
        raise ValueError("only a published version with an identifier has a CAP message")
    sent = warning.published_at
    earlier = earlier_versions(warning)
    if warning.msg_type != EarlyWarning.ALERT and not earlier:
        raise ValueError(f"an {warning.msg_type} needs the version it supersedes")
    warning_type = warning.warning_type
    alert = etree.Element(f"{{{protocol.CAP_NS}}}alert", nsmap={None: protocol.CAP_NS})
    _add(alert, "identifier", warning.identifier)
    _add(alert, "sender", warning.sender or platform_sender(warning.region))
    _add(alert, "sent", cap_time(sent))
    _add(alert, "status", "Actual")
    _add(alert, "msgType", warning.msg_type)
    _add(alert, "scope", "Public")
    if earlier:
        _add(alert, "references", " ".join(reference_of(version) for version in earlier))

    info = _add(alert, "info")
    _add(info, "language", LANGUAGE)
    _add(info, "category", warning_type.cap_category or "Other")
    _add(info, "event", warning_type.name)
    _add(info, "responseType", response_type(warning.msg_type, warning.level))
    _add(info, "urgency", urgency(warning.msg_type, sent, warning.onset))
    _add(info, "severity", protocol.SEVERITY_BY_LEVEL[warning.level])
    _add(info, "certainty", certainty(sent, warning.onset))
    _add_pair(info, "eventCode", EVENT_CODE_TYPE, warning_type.code)
    _add(info, "effective", cap_time(sent))
    _add(info, "onset", cap_time(warning.onset))
    if warning.expires > sent:  # a lifted warning may already be past its expiry
        _add(info, "expires", cap_time(warning.expires))
    organization = warning.organization
    _add(info, "senderName", organization.name if organization else warning.region.name)
    _add(info, "headline", warning.headline)
    _add(info, "description", warning.description)
    if warning.instruction:
        _add(info, "instruction", warning.instruction)
    _add(info, "web", public_url(warning.pk))
    if organization is not None and organization.phone:
        _add(info, "contact", organization.phone)
    _add_pair(info, "parameter", PARAM_LEVEL, warning.level)
    if warning_type.signal_code:
        _add_pair(info, "parameter", PARAM_SIGNAL_TYPE, warning_type.signal_code)
        _add_pair(info, "parameter", PARAM_SIGNAL_LEVEL, SIGNAL_LEVEL_CODES[warning.level])
    _render_areas(info, warning)
    return etree.tostring(alert, xml_declaration=True, encoding="UTF-8", pretty_print=True)


# Out: identifier --------------------------------------------------------------------------------


def issuer_code(region: Region) -> str:
    """The 6-digit division code of the issuer: the region itself, or its county if it lies below one."""
    if len(region.code) == 6:
        return region.code
    county = region.ancestor_at(regioncodes.COUNTY)
    if county is None:
        raise ValueError(f"region {region.code} has no county-level issuer")
    return county.code


def assign_identifier(warning: EarlyWarning, now: datetime) -> str:
    """Give the version its GB/T 35965.1 identifier (issuer code + sector + 000 + 00, time, N) and return it.

    N is the first digit 0–9 that no warning of the same issuer and second holds; when all ten are
    taken the next second is used. Publications of one issuer are serialized on its region row, so
    two concurrent ones cannot pick the same digit.
    """
    region_code = issuer_code(warning.region)
    if transaction.get_connection().in_atomic_block:
        list(Region.objects.select_for_update().filter(code=region_code).values_list("code", flat=True))
    moment = now
    while True:
        prefix = protocol.identifier(region_code, sector_code(), moment, 0)[:-1]
        taken = {
            identifier[-1]
            for identifier in EarlyWarning.objects.filter(identifier__startswith=prefix).values_list(
                "identifier", flat=True
            )
            if len(identifier) == len(prefix) + 1
        }
        free = next((digit for digit in range(10) if str(digit) not in taken), None)
        if free is not None:
            warning.identifier = f"{prefix}{free}"
            return warning.identifier
        moment += timedelta(seconds=1)


# In: parse --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Reference:
    """One earlier message an Update or Cancel refers to."""

    sender: str
    identifier: str
    sent: str


@dataclass
class ImportedInfo:
    """What one CAP <info> says, in the terms of an EarlyWarning."""

    warning_type: WarningType
    category: str
    level: str
    headline: str
    description: str
    instruction: str
    onset: datetime
    expires: datetime
    area_description: str
    area_codes: list[str] = field(default_factory=list)
    area_shapes: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class ImportedMessage:
    """A foreign CAP message read for import; `info` is None only for a Cancel without <info>."""

    identifier: str
    sender: str
    sent: datetime
    msg_type: str
    references: list[Reference]
    info: ImportedInfo | None
    text: str


def invalid(problems: list[str]) -> InvalidInput:
    """The 400 for a message that cannot be imported, listing every problem."""
    return InvalidInput(
        f"CAP 消息无法导入 / The CAP message cannot be imported: {'; '.join(problems)}",
        code="invalid_cap",
        details={"problems": problems},
    )


def _text(element: etree._Element, tag: str) -> str:
    return (element.findtext(f"cap:{tag}", namespaces=protocol.NS) or "").strip()


def _moment(text: str) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def _stored_text(data: bytes, root: etree._Element) -> str:
    """The message as text to keep: as received when UTF-8, else re-encoded as UTF-8 (same document)."""
    encoding = (root.getroottree().docinfo.encoding or "UTF-8").upper().replace("_", "-")
    if encoding in ("UTF-8", "UTF8"):
        try:
            return data.decode("utf-8-sig")
        except UnicodeDecodeError:
            pass
    return etree.tostring(root.getroottree(), xml_declaration=True, encoding="UTF-8").decode()


def parse_message(data: bytes) -> ImportedMessage:
    """A valid CAP 1.2 message read for import; InvalidInput listing every problem otherwise."""
    problems = protocol.problems(data)
    if problems:
        raise invalid(problems)
    root = protocol.parse(data)
    identifier, sender = _text(root, "identifier"), _text(root, "sender")
    if len(identifier) > MAX_IDENTIFIER:
        problems.append(f"identifier 超过 {MAX_IDENTIFIER} 字符 / identifier is longer than {MAX_IDENTIFIER}")
    if len(sender) > MAX_SENDER:
        problems.append(f"sender 超过 {MAX_SENDER} 字符 / sender is longer than {MAX_SENDER}")
    status = _text(root, "status")
    if status != "Actual":
        problems.append(
            f"只导入 status 为 Actual 的消息，收到 {status} / Only Actual messages are imported, not {status}"
        )
    msg_type = _text(root, "msgType")
    if msg_type not in (EarlyWarning.ALERT, EarlyWarning.UPDATE, EarlyWarning.CANCEL):
        problems.append(
            f"不导入 {msg_type} 消息 / {msg_type} messages are not imported (Alert, Update, Cancel)"
        )
    references = [
        Reference(*(part.strip() for part in item.split(",")))
        for item in _text(root, "references").split()
        if len(item.split(",")) == 3
    ]
    infos = root.findall("cap:info", protocol.NS)
    chosen = next(
        (i for i in infos if _text(i, "language").lower().startswith("zh")), infos[0] if infos else None
    )
    info = None
    if chosen is None:
        if msg_type != EarlyWarning.CANCEL:
            problems.append("消息没有 <info> / The message has no <info>")
    else:
        try:
            info = _read_info(chosen, _moment(_text(root, "sent")), lifts=msg_type == EarlyWarning.CANCEL)
        except InvalidInput as error:
            problems += error.details.get("problems", [error.message])
    if problems:
        raise invalid(problems)
    return ImportedMessage(
        identifier=identifier,
        sender=sender,
        sent=datetime.fromisoformat(_text(root, "sent")),
        msg_type=msg_type,
        references=references,
        info=info,
        text=_stored_text(data, root),
    )


def _pairs(info: etree._Element, tag: str) -> dict[str, str]:
    return {
        _text(pair, "valueName"): _text(pair, "value") for pair in info.findall(f"cap:{tag}", protocol.NS)
    }


def _read_info(info: etree._Element, sent: datetime | None, *, lifts: bool) -> ImportedInfo:
    """The info's warning; `lifts` for a Cancel, which ends on arrival and so needs no expiry of its own."""
    problems: list[str] = []
    event = _text(info, "event")
    codes = _pairs(info, "eventCode") | _pairs(info, "parameter")
    warning_type = match_warning_type(event, codes)
    severity = _text(info, "severity")
    level = protocol.LEVEL_BY_SEVERITY.get(severity)
    if warning_type is None:
        accepted = [f"{t.name} ({t.name_en or t.code})" for t in WarningType.objects.filter(active=True)]
        problems.append(
            f"未知的预警事件“{event}”，可接受：{'、'.join(accepted)} / "
            f"Unknown event {event!r}; accepted events: {', '.join(accepted)}"
        )
    if level is None:
        problems.append(
            f"严重程度 {severity} 无法对应预警级别（Extreme/Severe/Moderate/Minor）/ "
            f"Severity {severity} has no warning level (Extreme, Severe, Moderate, Minor)"
        )
    elif warning_type is not None and warning_type.levels and level not in warning_type.levels:
        problems.append(
            f"{warning_type.name}预警没有{LEVEL_WORDS[level]}级别 / "
            f"{warning_type.name_en or warning_type.code} has no {level} level"
        )
    effective = _moment(_text(info, "effective")) or sent
    onset = _moment(_text(info, "onset")) or effective
    expires = _moment(_text(info, "expires"))
    if expires is None and not lifts:
        problems.append(
            "缺少失效时间 expires：平台据此自动结束预警 / "
            "<expires> is required: the platform ends the warning by it"
        )
    elif expires is not None and onset is not None and expires <= onset:
        problems.append("失效时间须晚于开始时间 onset / expires must be after onset")
    if expires is None and lifts:  # a Cancel ends on arrival: its own expiry is its onset
        expires = onset
    area_codes, area_shapes, descriptions = _read_areas(info, problems)
    if problems or warning_type is None or level is None or onset is None or expires is None:
        raise invalid(problems)
    headline = _text(info, "headline") or f"{warning_type.name}{LEVEL_WORDS[level]}预警"
    return ImportedInfo(
        warning_type=warning_type,
        category=warning_type.category,
        level=level,
        headline=headline[:MAX_HEADLINE],
        description=_text(info, "description") or headline,
        instruction=_text(info, "instruction"),
        onset=onset,
        expires=expires,
        area_description="、".join(descriptions)[:MAX_AREA_DESCRIPTION],
        area_codes=area_codes,
        area_shapes=area_shapes,
    )


def _without_level_words(event: str) -> str:
    """暴雨红色预警信号 → 暴雨: the event name without the colour and the word for warning."""
    for suffix in ("预警信号", "预警", "信号"):
        event = event.removesuffix(suffix)
    for word in LEVEL_WORDS.values():
        event = event.removesuffix(word)
    return event.strip()


def match_warning_type(event: str, codes: dict[str, str]) -> WarningType | None:
    """The warning type an event names: by the platform's code, name, English name or signal code."""
    types = list(WarningType.objects.filter(active=True))
    by_code = {t.code: t for t in types}
    if codes.get(EVENT_CODE_TYPE) in by_code:
        return by_code[codes[EVENT_CODE_TYPE]]
    short = _without_level_words(event)
    for warning_type in types:
        if event in (warning_type.name, warning_type.code) or short == warning_type.name:
            return warning_type
        if warning_type.name_en and event.casefold() == warning_type.name_en.casefold():
            return warning_type
    signal = codes.get(PARAM_SIGNAL_TYPE)
    return next((t for t in types if signal and t.signal_code == signal), None)


def _points(text: str) -> list[list[float]]:
    """CAP "lat,lon lat,lon …" as GeoJSON [lon, lat] pairs."""
    return [[float(pair.split(",")[1]), float(pair.split(",")[0])] for pair in text.split()]


def _read_areas(
    info: etree._Element, problems: list[str]
) -> tuple[list[str], list[dict[str, Any]], list[str]]:
    """Region codes (existing regions only), shapes in GeoJSON lon/lat, and the areas' descriptions."""
    shapes: list[dict[str, Any]] = []
    candidates: list[str] = []
    descriptions: list[str] = []
    for area in info.findall("cap:area", protocol.NS):
        description = _text(area, "areaDesc")
        if description and description not in descriptions:
            descriptions.append(description)
        for polygon in area.findall("cap:polygon", protocol.NS):
            shapes.append({"type": "Polygon", "coordinates": [_points(polygon.text or "")]})
        for circle in area.findall("cap:circle", protocol.NS):
            centre, radius = (circle.text or "").split()
            lon_lat = _points(centre)[0]
            shapes.append({"type": "Circle", "coordinates": lon_lat, "radius_km": float(radius)})
        for geocode in area.findall("cap:geocode", protocol.NS):
            value = _text(geocode, "value")
            if value.isascii() and value.isdigit() and len(value) in (6, 9, 12):
                candidates.append(value + "000" if len(value) == 9 else value)
    known = set(Region.objects.filter(code__in=candidates).values_list("code", flat=True))
    codes = list(dict.fromkeys(code for code in candidates if code in known))
    if not codes and not shapes:
        problems.append(
            "消息的区域没有平台已知的行政区划代码或图形 / The area has neither a region code known to the "
            "platform nor a polygon or circle"
        )
    return codes, shapes, descriptions
