"""CAP out and in: rendered versions validate and say what the warning says; foreign messages read back."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.test import override_settings
from lxml import etree

from yingji.core.errors import InvalidInput
from yingji.warnings.cap import alerts, protocol
from yingji.warnings.models import EarlyWarning

from .capfixtures import COUNTY, OTHER_COUNTY, centre_of, message, published, square

pytestmark = pytest.mark.django_db


def read(warning: EarlyWarning) -> etree._Element:
    data = alerts.render(warning)
    assert protocol.problems(data) == []
    return protocol.parse(data)


def texts(root: etree._Element, path: str) -> list[str]:
    return [element.text or "" for element in root.findall(path, protocol.NS)]


def test_an_alert_says_what_the_warning_says(demo: None) -> None:
    at = datetime(2026, 7, 1, 0, 0, 5, 123456, tzinfo=UTC)  # 08:00:05 in Beijing
    lon, lat = centre_of(COUNTY)
    warning = published(
        at=at, area_codes=[COUNTY], area_shapes=[{"type": "Polygon", "coordinates": [square(lon, lat)]}]
    )
    root = read(warning)
    assert root.findtext("cap:identifier", namespaces=protocol.NS) == warning.identifier
    assert root.findtext("cap:sender", namespaces=protocol.NS) == "yingji@140900"
    assert root.findtext("cap:sent", namespaces=protocol.NS) == "2026-07-01T08:00:05+08:00"
    assert root.findtext("cap:msgType", namespaces=protocol.NS) == "Alert"
    assert root.find("cap:references", protocol.NS) is None
    info = root.find("cap:info", protocol.NS)
    assert info is not None
    assert [
        info.findtext(f"cap:{tag}", namespaces=protocol.NS)
        for tag in ("language", "category", "event", "severity")
    ] == [
        "zh-CN",
        "Met",
        "暴雨",
        "Extreme",
    ]
    assert info.findtext("cap:responseType", namespaces=protocol.NS) == "Prepare"
    assert info.findtext("cap:expires", namespaces=protocol.NS) == "2026-07-01T20:00:05+08:00"
    assert info.findtext("cap:senderName", namespaces=protocol.NS) == "忻府区应急管理局"
    assert (
        info.findtext("cap:web", namespaces=protocol.NS)
        == f"http://localhost:8000/public/warnings/{warning.pk}/"
    )
    parameters = dict(
        zip(texts(info, "cap:parameter/cap:valueName"), texts(info, "cap:parameter/cap:value"), strict=True)
    )
    assert parameters == {"warningLevel": "red", "signalType": "02", "signalLevel": "04"}
    code_area, shape_area = info.findall("cap:area", protocol.NS)
    assert code_area.findtext("cap:areaDesc", namespaces=protocol.NS) == "忻府区"
    assert texts(code_area, "cap:geocode/cap:valueName") == ["GB/T 2260"]
    assert texts(code_area, "cap:geocode/cap:value") == [COUNTY]
    (polygon,) = texts(shape_area, "cap:polygon")
    first, *_, last = polygon.split()
    assert first == last == f"{round(lat - 0.02, 6)!r},{round(lon - 0.02, 6)!r}"  # lat,lon


def test_sender_and_links_follow_the_settings(demo: None) -> None:
    with override_settings(WARNINGS_CAP_SENDER="xz-yjj@140900", SITE_URL="https://yj.example.cn/"):
        root = read(published())
    assert root.findtext("cap:sender", namespaces=protocol.NS) == "xz-yjj@140900"
    assert root.findtext("cap:info/cap:web", namespaces=protocol.NS).startswith(
        "https://yj.example.cn/public/warnings/"
    )


def test_an_update_and_a_cancel_reference_every_earlier_version(demo: None) -> None:
    at = datetime(2026, 7, 1, 0, 0, tzinfo=UTC)
    first = published(at=at, level="orange")
    second = published(at=at + timedelta(hours=1), supersedes=first, msg_type=EarlyWarning.UPDATE)
    lifted = published(at=at + timedelta(hours=2), supersedes=second, msg_type=EarlyWarning.CANCEL)
    update_root = read(second)
    assert update_root.findtext("cap:msgType", namespaces=protocol.NS) == "Update"
    assert update_root.findtext("cap:references", namespaces=protocol.NS) == (
        f"yingji@140900,{first.identifier},2026-07-01T08:00:00+08:00"
    )
    cancel_root = read(lifted)
    assert cancel_root.findtext("cap:references", namespaces=protocol.NS).split() == [
        f"yingji@140900,{first.identifier},2026-07-01T08:00:00+08:00",
        f"yingji@140900,{second.identifier},2026-07-01T09:00:00+08:00",
    ]
    assert cancel_root.findtext("cap:info/cap:responseType", namespaces=protocol.NS) == "AllClear"
    assert cancel_root.findtext("cap:info/cap:urgency", namespaces=protocol.NS) == "Past"


def test_an_update_of_an_imported_warning_cites_the_issuer_as_received(demo: None) -> None:
    at = datetime(2026, 7, 1, 0, 0, tzinfo=UTC)
    first = published(at=at)
    sent = "2026-07-01T07:59:00+08:00"
    first.sender, first.source = "qxt@140900", EarlyWarning.IMPORTED
    first.cap_xml = first.cap_xml.replace(alerts.cap_time(at), sent).replace("yingji@140900", "qxt@140900")
    first.save()
    update = published(supersedes=first, msg_type=EarlyWarning.UPDATE)
    assert (
        read(update).findtext("cap:references", namespaces=protocol.NS)
        == f"qxt@140900,{first.identifier},{sent}"
    )


def test_circles_and_every_polygon_of_a_multipolygon(demo: None) -> None:
    lon, lat = centre_of(COUNTY)
    shapes: list[dict[str, Any]] = [
        {"type": "MultiPolygon", "coordinates": [[square(lon, lat)], [square(lon + 0.1, lat + 0.1, 0.01)]]},
        {"type": "Circle", "coordinates": [lon, lat], "radius_km": 5.5},
    ]
    root = read(published(area_shapes=shapes))
    (area,) = root.findall("cap:info/cap:area", protocol.NS)
    assert len(texts(area, "cap:polygon")) == 2
    assert texts(area, "cap:circle") == [f"{round(lat, 6)!r},{round(lon, 6)!r} 5.5"]
    assert area.find("cap:geocode", protocol.NS) is None


def test_townships_are_geocoded_by_their_statistical_code(demo: None) -> None:
    township = "140902001000"
    root = read(published(area_codes=[COUNTY, township]))
    assert texts(root, "cap:info/cap:area/cap:geocode/cap:valueName") == ["GB/T 2260", "GB/T 10114"]


def test_only_a_published_version_renders() -> None:
    with pytest.raises(ValueError):
        alerts.render(EarlyWarning(identifier="", published_at=None))


def test_identifiers_take_the_first_free_digit_then_the_next_second(demo: None) -> None:
    at = datetime(2026, 7, 1, 0, 0, 5, tzinfo=UTC)
    made = [published(at=at).identifier for _ in range(10)]
    assert made == [f"140902{alerts.DEFAULT_SECTOR_CODE}00000_20260701080005_{n}" for n in range(10)]
    assert published(at=at).identifier == f"140902{alerts.DEFAULT_SECTOR_CODE}00000_20260701080006_0"
    assert published(at=at, region=OTHER_COUNTY).identifier.endswith("080005_0")
    with override_settings(WARNINGS_SECTOR_CODE="416"):
        assert published(at=at).identifier == "14090241600000_20260701080005_0"


# In ---------------------------------------------------------------------------------------------


def test_a_rendered_message_reads_back_as_the_same_warning(demo: None) -> None:
    lon, lat = centre_of(COUNTY)
    shapes: list[dict[str, Any]] = [
        {"type": "Polygon", "coordinates": [square(lon, lat)]},
        {"type": "Circle", "coordinates": [lon, lat], "radius_km": 3.0},
    ]
    warning = published(level="yellow", type_code="geohazard", area_codes=[COUNTY], area_shapes=shapes)
    read_back = alerts.parse_message(warning.cap_xml.encode())
    assert (read_back.identifier, read_back.sender, read_back.msg_type) == (
        warning.identifier,
        "yingji@140900",
        "Alert",
    )
    info = read_back.info
    assert info is not None
    assert (info.warning_type.code, info.level, info.category) == ("geohazard", "yellow", "natural")
    assert (info.headline, info.description, info.instruction) == (
        warning.headline,
        warning.description,
        warning.instruction,
    )
    assert info.area_codes == [COUNTY]
    assert info.area_shapes[0]["coordinates"][0] == [[round(x, 6), round(y, 6)] for x, y in square(lon, lat)]
    assert info.area_shapes[1] == {
        "type": "Circle",
        "coordinates": [round(lon, 6), round(lat, 6)],
        "radius_km": 3.0,
    }
    assert info.onset == warning.onset.replace(microsecond=0) and info.expires == warning.expires.replace(
        microsecond=0
    )
    assert read_back.text == warning.cap_xml


@pytest.mark.parametrize("event", ["暴雨", "Rainstorm", "rainstorm", "暴雨橙色预警信号", "暴雨预警"])
def test_events_match_a_warning_type_by_name(demo: None, event: str) -> None:
    info = alerts.parse_message(message(event=event)).info
    assert info is not None and info.warning_type.code == "rainstorm" and info.level == "orange"


def test_a_signal_parameter_names_the_type(demo: None) -> None:
    signal = "<parameter><valueName>signalType</valueName><value>12</value></parameter>"
    info = alerts.parse_message(message(event="Dense fog", parameters=signal)).info
    assert info is not None and info.warning_type.code == "fog"


def test_an_unknown_event_lists_the_accepted_ones(demo: None) -> None:
    with pytest.raises(InvalidInput) as refused:
        alerts.parse_message(message(event="龙卷风"))
    (problem,) = refused.value.details["problems"]
    assert "龙卷风" in problem and "暴雨 (Rainstorm)" in problem and "森林火险" in problem


def test_every_reason_a_message_cannot_become_a_warning_is_listed(demo: None) -> None:
    area = "<geocode><valueName>GB/T 2260</valueName><value>110101</value></geocode>"
    with pytest.raises(InvalidInput) as refused:
        alerts.parse_message(message(severity="Unknown", expires=False, area=area, status="Exercise"))
    problems = " ".join(refused.value.details["problems"])
    assert (
        "Exercise" in problems
        and "Unknown" in problems
        and "expires" in problems
        and "region code" in problems
    )


def test_a_level_the_type_does_not_have_is_refused(demo: None) -> None:
    with pytest.raises(InvalidInput, match="no blue level"):
        alerts.parse_message(message(event="冰雹", severity="Minor"))


def test_geocodes_become_known_region_codes(demo: None) -> None:
    area = (
        "<geocode><valueName>GB/T 2260</valueName><value>140902</value></geocode>"
        "<geocode><valueName>乡镇</valueName><value>140902001</value></geocode>"  # 9 digits: a township
        "<geocode><valueName>GB/T 2260</valueName><value>110101</value></geocode>"  # not on this platform
        "<geocode><valueName>UGC</valueName><value>KSC001</value></geocode>"
    )
    info = alerts.parse_message(message(area=area)).info
    assert info is not None and info.area_codes == ["140902", "140902001000"]


def test_schema_errors_and_hostile_files_are_refused_with_every_problem(demo: None) -> None:
    with pytest.raises(InvalidInput) as refused:
        alerts.parse_message(message(msg_type="Update"))
    assert any("references" in p for p in refused.value.details["problems"])
    hostile = b'<?xml version="1.0"?><!DOCTYPE a [<!ENTITY x SYSTEM "file:///etc/passwd">]><a>&x;</a>'
    with pytest.raises(InvalidInput, match="DTD"):
        alerts.parse_message(hostile)


def test_a_cancel_needs_neither_info_nor_expiry(demo: None) -> None:
    reference = f"yingji@140900,{'1' * 14}_20260701080000_0,2026-07-01T08:00:00+08:00"
    read_back = alerts.parse_message(message(msg_type="Cancel", references=reference, info=False))
    assert read_back.info is None and read_back.references[0].sent == "2026-07-01T08:00:00+08:00"
    lifted = alerts.parse_message(message(msg_type="Cancel", references=reference, expires=False)).info
    assert lifted is not None and lifted.expires == lifted.onset
    with pytest.raises(InvalidInput, match="no <info>"):
        alerts.parse_message(message(info=False))
