"""CAP 1.2: valid messages pass, every rule beyond the schema is checked, hostile XML is refused untouched."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from yingji.warnings.cap import protocol

POLYGON = "38.40,112.60 38.40,112.90 38.60,112.90 38.60,112.60 38.40,112.60"
GEOCODE = "<geocode><valueName>GB/T 2260</valueName><value>140902</value></geocode>"


def message(
    *,
    msg_type: str = "Alert",
    references: str = "",
    status: str = "Actual",
    effective: str = "2027-07-01T08:00:00+08:00",
    expires: str = "2027-07-01T20:00:00+08:00",
    area: str = f"<polygon>{POLYGON}</polygon>{GEOCODE}",
) -> bytes:
    refs = f"<references>{references}</references>" if references else ""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">
  <identifier>14090211100000_20270701080000_0</identifier>
  <sender>xinzhou-yingji@140900</sender>
  <sent>2027-07-01T08:00:00+08:00</sent>
  <status>{status}</status>
  <msgType>{msg_type}</msgType>
  <scope>Public</scope>
  {refs}
  <info>
    <language>zh-CN</language>
    <category>Met</category>
    <event>暴雨</event>
    <urgency>Immediate</urgency>
    <severity>Extreme</severity>
    <certainty>Observed</certainty>
    <effective>{effective}</effective>
    <expires>{expires}</expires>
    <headline>忻府区暴雨红色预警</headline>
    <description>过去3小时降雨量已达100毫米以上，降雨将持续。</description>
    <instruction>停止户外作业，危险地带人员撤离。</instruction>
    <area><areaDesc>忻府区</areaDesc>{area}</area>
  </info>
</alert>""".encode()


def test_a_well_formed_red_rainstorm_warning_is_valid() -> None:
    assert protocol.problems(message()) == []


def test_update_and_cancel_need_references() -> None:
    assert any("references" in p for p in protocol.problems(message(msg_type="Update")))
    assert any("references" in p for p in protocol.problems(message(msg_type="Cancel")))
    reference = "xinzhou-yingji@140900,14090211100000_20270701070000_0,2027-07-01T07:00:00+08:00"
    assert protocol.problems(message(msg_type="Update", references=reference)) == []
    assert any(
        "sender,identifier,sent" in p for p in protocol.problems(message(msg_type="Cancel", references="x,y"))
    )


def test_expiry_must_follow_effective() -> None:
    found = protocol.problems(message(expires="2027-07-01T07:59:59+08:00"))
    assert any("expires must be after effective" in p for p in found)


def test_every_area_needs_a_location_and_polygons_are_closed_rings() -> None:
    assert any("needs a polygon" in p for p in protocol.problems(message(area="")))
    open_ring = "38.40,112.60 38.40,112.90 38.60,112.90 38.60,112.60"
    assert any("not closed" in p for p in protocol.problems(message(area=f"<polygon>{open_ring}</polygon>")))
    triangle = "38.40,112.60 38.40,112.90 38.40,112.60"
    assert any(
        "at least four" in p for p in protocol.problems(message(area=f"<polygon>{triangle}</polygon>"))
    )
    bad = "38.40,112.60 95,112.90 38.60,112.90 38.40,112.60"
    assert any("bad point" in p for p in protocol.problems(message(area=f"<polygon>{bad}</polygon>")))
    assert protocol.problems(message(area="<circle>38.45,112.72 5.0</circle>")) == []
    assert any("bad circle" in p for p in protocol.problems(message(area="<circle>38.45,112.72 -1</circle>")))


def test_schema_errors_are_listed_with_their_line() -> None:
    found = protocol.problems(message(status="Rumour"))
    assert found and "line" in found[0] and "status" in found[0]


@pytest.mark.parametrize(
    "hostile",
    [
        # Billion laughs: entity expansion.
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>'
        b'<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"><identifier>&lol2;</identifier></alert>',
        # An external entity reading a local file.
        b'<?xml version="1.0"?><!DOCTYPE a [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        b'<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"><identifier>&x;</identifier></alert>',
        # A DTD fetched from the network.
        b'<?xml version="1.0"?><!DOCTYPE alert SYSTEM "http://example.invalid/cap.dtd">'
        b'<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"/>',
        # Declarations hidden behind case and whitespace.
        b'<?xml version="1.0"?><!doctype a [<! ENTITY x "y">]><a>&x;</a>',
    ],
)
def test_hostile_xml_is_refused_before_parsing(hostile: bytes) -> None:
    with pytest.raises(protocol.CapError) as refused:
        protocol.parse(hostile)
    assert "DTD" in str(refused.value)
    assert protocol.problems(hostile) == refused.value.problems


def test_oversized_and_broken_messages_are_refused() -> None:
    assert "larger than" in protocol.problems(b" " * (protocol.MAX_BYTES + 1))[0]
    assert "well-formed" in protocol.problems(b"<alert><unclosed></alert>")[0]


def test_identifier_follows_gb_t_35965_1() -> None:
    sent = datetime(2027, 7, 1, 0, 0, 5, tzinfo=UTC)  # 08:00:05 in Beijing
    made = protocol.identifier("140902", "111", sent, 0)
    assert made == "14090211100000_20270701080005_0" and len(made) == 31
    for bad in (("14090", "111", 0), ("140902", "11", 0), ("140902", "111", 10)):
        with pytest.raises(ValueError):
            protocol.identifier(bad[0], bad[1], sent, bad[2])
    with pytest.raises(ValueError):
        protocol.identifier("140902", "111", datetime(2027, 7, 1), 0)
    assert protocol.SEVERITY_BY_LEVEL["red"] == "Extreme" and protocol.LEVEL_BY_SEVERITY["Minor"] == "blue"


def test_the_command_exits_0_or_1_with_every_problem(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good, bad = tmp_path / "good.xml", tmp_path / "bad.xml"
    good.write_bytes(message())
    bad.write_bytes(message(msg_type="Update", expires="2027-07-01T07:00:00+08:00", area=""))
    call_command("cap", "validate", str(good))
    assert "valid" in capsys.readouterr().out
    with pytest.raises(CommandError) as failed:
        call_command("cap", "validate", str(bad))
    assert failed.value.returncode == 1
    errors = capsys.readouterr().err
    assert "references" in errors and "expires" in errors and "needs a polygon" in errors
    with pytest.raises(CommandError):
        call_command("cap", "validate", str(tmp_path / "missing.xml"))
