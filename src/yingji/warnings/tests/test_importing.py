"""Importing foreign CAP: who may, the issuing region, updates and cancels, duplicates, hostile files."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone

from yingji.core.errors import Conflict, Forbidden, InvalidInput
from yingji.core.models import AuditEntry, User
from yingji.warnings.cap import importing, protocol
from yingji.warnings.models import EarlyWarning, TrustedSender

from .capfixtures import COUNTY, FOREIGN_SENDER, OTHER_COUNTY, centre_of, message, published, square

GEOCODE = "<geocode><valueName>GB/T 2260</valueName><value>{}</value></geocode>"
BILLION_LAUGHS = (
    b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>'
    b'<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"><identifier>&lol2;</identifier></alert>'
)


def counts() -> tuple[int, int]:
    return EarlyWarning.objects.count(), AuditEntry.objects.count()


def post(client: Client, data: bytes, content_type: str = "application/cap+xml") -> Any:
    return client.post("/api/v1/warnings/cap", data, content_type=content_type)


def sent_of(warning: EarlyWarning) -> str:
    """The <sent> of the message a version went out with, as a reference cites it."""
    return protocol.parse(warning.cap_xml.encode()).findtext("cap:sent", namespaces=protocol.NS) or ""


@pytest.fixture(autouse=True)
def trusted(demo: None) -> TrustedSender:
    """The observatory is trusted for the whole city here: these tests are about what an import does
    once it may go on air (test_trusted_senders.py is about who may put it there)."""
    return TrustedSender.objects.create(sender=FOREIGN_SENDER, region_id="140900", name="忻州市气象台")


@pytest.fixture
def duty_officer(demo: None) -> User:
    return User.objects.select_related("region").get(username="demo-duty")


def test_an_alert_goes_on_air_as_received(county_admin: User) -> None:
    data = message(area=GEOCODE.format("140902001000"))  # a township of the county
    warning = importing.import_cap(county_admin, data)
    warning.refresh_from_db()
    assert warning.status == EarlyWarning.PUBLISHED and warning.published_at is not None
    assert warning.source == EarlyWarning.IMPORTED and warning.msg_type == EarlyWarning.ALERT
    assert (warning.sender, warning.identifier) == (FOREIGN_SENDER, "14090041600000_20261129080000_0")
    assert warning.cap_xml == data.decode()
    assert (warning.region_id, warning.warning_type.code, warning.level) == (COUNTY, "rainstorm", "orange")
    assert warning.area_codes == ["140902001000"] and warning.series_id == warning.pk
    assert warning.headline == "忻府区气象台发布暴雨橙色预警信号"
    assert warning.approved_by == county_admin and warning.organization is None


def test_a_shape_is_issued_by_the_county_around_its_centre(county_admin: User) -> None:
    lon, lat = centre_of(COUNTY)
    ring = " ".join(f"{y},{x}" for x, y in square(lon, lat))
    warning = importing.import_cap(county_admin, message(area=f"<polygon>{ring}</polygon>"))
    assert warning.region_id == COUNTY
    assert warning.area_shapes == [{"type": "Polygon", "coordinates": [square(lon, lat)]}]


def test_an_area_over_two_counties_is_the_citys(county_admin: User, city_admin: User) -> None:
    data = message(area=GEOCODE.format(COUNTY) + GEOCODE.format(OTHER_COUNTY))
    before = counts()
    with pytest.raises(Forbidden):
        importing.import_cap(county_admin, data)
    assert counts() == before
    assert importing.import_cap(city_admin, data).region_id == "140900"


def test_a_message_for_another_county_is_refused(other_county_admin: User) -> None:
    before = counts()
    with pytest.raises(Forbidden, match="140902"):
        importing.import_cap(other_county_admin, message())
    assert counts() == before


def test_who_may_import(duty_officer: User, demo: None) -> None:
    assert importing.import_cap(duty_officer, message()).status == EarlyWarning.PUBLISHED
    reporter = User.objects.get(username=f"demo-reporter-{COUNTY}")
    with pytest.raises(Forbidden):
        importing.import_cap(reporter, message(identifier="other-1"))


def test_the_same_message_twice_is_a_conflict(county_admin: User) -> None:
    importing.import_cap(county_admin, message())
    before = counts()
    with pytest.raises(Conflict, match="already imported"):
        importing.import_cap(county_admin, message())
    assert counts() == before


def test_an_update_replaces_the_version_it_references(county_admin: User) -> None:
    first = importing.import_cap(county_admin, message(identifier="qxt-1"))
    reference = f"{FOREIGN_SENDER},qxt-1,{sent_of(first)}"
    update = importing.import_cap(
        county_admin, message(identifier="qxt-2", msg_type="Update", references=reference, severity="Extreme")
    )
    first.refresh_from_db()
    assert first.status == EarlyWarning.UPDATED
    assert (update.supersedes_id, update.series_id, update.version) == (first.pk, first.pk, 2)
    assert update.status == EarlyWarning.PUBLISHED and update.level == "red"
    references = f"{reference} {FOREIGN_SENDER},qxt-2,{sent_of(update)}"
    lifted = importing.import_cap(
        county_admin, message(identifier="qxt-3", msg_type="Cancel", references=references, info=False)
    )
    update.refresh_from_db()
    assert update.status == EarlyWarning.CANCELLED and lifted.status == EarlyWarning.CANCELLED
    assert (lifted.supersedes_id, lifted.version, lifted.level) == (update.pk, 3, "red")
    assert lifted.headline.startswith("解除")


def test_unknown_or_ended_references_are_refused(county_admin: User, other_county_admin: User) -> None:
    before = counts()
    unknown = f"{FOREIGN_SENDER},nothing-like-it,2026-07-01T08:00:00+08:00"
    with pytest.raises(InvalidInput, match="references"):
        importing.import_cap(county_admin, message(identifier="u-1", msg_type="Update", references=unknown))
    first = importing.import_cap(county_admin, message(identifier="qxt-1"))
    reference = f"{FOREIGN_SENDER},qxt-1,{sent_of(first)}"
    with pytest.raises(InvalidInput, match="references"):  # not in that user's county: as if unknown
        importing.import_cap(
            other_county_admin,
            message(identifier="u-2", msg_type="Cancel", references=reference, info=False),
        )
    EarlyWarning.objects.filter(pk=first.pk).update(status=EarlyWarning.EXPIRED)
    before = counts()
    with pytest.raises(Conflict, match="no longer published"):
        importing.import_cap(county_admin, message(identifier="u-3", msg_type="Update", references=reference))
    assert counts() == before


def test_an_update_of_the_platforms_own_warning_is_found_by_its_sender(county_admin: User) -> None:
    own = published()
    reference = f"yingji@140900,{own.identifier},{sent_of(own)}"
    update = importing.import_cap(county_admin, message(msg_type="Update", references=reference))
    own.refresh_from_db()
    assert update.supersedes_id == own.pk and own.status == EarlyWarning.UPDATED
    with pytest.raises(Conflict, match="already imported"):  # its own message coming back
        importing.import_cap(county_admin, own.cap_xml.encode())


def test_an_expired_message_is_not_put_on_air(county_admin: User) -> None:
    sent = timezone.now().replace(microsecond=0) - timedelta(hours=13)
    with pytest.raises(Conflict, match="expired"):
        importing.import_cap(county_admin, message(sent=sent, hours=12))


@pytest.mark.parametrize(
    "hostile",
    [
        BILLION_LAUGHS,
        b'<?xml version="1.0"?><!DOCTYPE a [<!ENTITY x SYSTEM "file:///etc/passwd">]><a>&x;</a>',
        b'<?xml version="1.0"?><!DOCTYPE alert SYSTEM "http://example.invalid/cap.dtd"><alert/>',
        b"<alert>" + b" " * protocol.MAX_BYTES + b"</alert>",
    ],
)
def test_hostile_files_touch_nothing_through_the_api(
    county_admin: User, api_client: Callable[[User], Client], hostile: bytes
) -> None:
    before = counts()
    answer = post(api_client(county_admin), hostile)
    assert answer.status_code == 400
    body = answer.json()
    assert body["code"] == "invalid_cap" and ("DTD" in body["message"] or "larger than" in body["message"])
    assert counts() == before


def test_the_api_imports_and_answers_with_the_summary(
    county_admin: User, other_county_admin: User, api_client: Callable[[User], Client]
) -> None:
    client = api_client(county_admin)
    answer = post(client, message(), "application/xml")
    assert answer.status_code == 201, answer.content
    created = answer.json()
    warning = EarlyWarning.objects.get(pk=created["id"])
    assert created == {
        "id": warning.pk,
        "identifier": "14090041600000_20261129080000_0",
        "status": "published",
        "msg_type": "Alert",
        "level": "orange",
        "headline": warning.headline,
        "region_code": COUNTY,
    }
    assert post(client, message()).json()["code"] == "already_imported"
    assert post(client, message(identifier="x-2"), "application/json").status_code == 415
    refused = post(api_client(other_county_admin), message(identifier="x-3"))
    assert refused.status_code == 403 and "140902" in refused.json()["message"]
    unknown = post(client, message(identifier="x-4", event="龙卷风"))
    assert unknown.status_code == 400 and "暴雨 (Rainstorm)" in unknown.json()["message"]


def test_the_command_imports_or_lists_every_problem(
    tmp_path: Path, county_admin: User, capsys: pytest.CaptureFixture[str]
) -> None:
    good, bad, hostile = tmp_path / "good.xml", tmp_path / "bad.xml", tmp_path / "hostile.xml"
    good.write_bytes(message())
    bad.write_bytes(message(identifier="b-1", severity="Unknown", expires=False))
    hostile.write_bytes(BILLION_LAUGHS)
    call_command("cap", "import", str(good), "--user", county_admin.username)
    warning = EarlyWarning.objects.get(identifier="14090041600000_20261129080000_0")
    assert f"warning {warning.pk} {warning.identifier}" in capsys.readouterr().out
    before = counts()
    with pytest.raises(CommandError) as failed:
        call_command("cap", "import", str(bad), "--user", county_admin.username)
    assert failed.value.returncode == 1
    errors = capsys.readouterr().err
    assert "Unknown" in errors and "expires" in errors
    with pytest.raises(CommandError):
        call_command("cap", "import", str(hostile), "--user", county_admin.username)
    assert "DTD" in capsys.readouterr().err
    with pytest.raises(CommandError, match="no active account"):
        call_command("cap", "import", str(good), "--user", "nobody")
    assert counts() == before
