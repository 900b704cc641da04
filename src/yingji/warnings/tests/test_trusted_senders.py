"""CAP imports go on air at once only from senders the city trusts, within their region.

The outside tester's case: a duty officer imported a message with a made-up `<sender>` and severity
Extreme, and it was published at once as a red warning with thousands of deliveries.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import Client

from yingji.core.errors import Conflict, Forbidden
from yingji.core.models import AuditEntry, Notification, User
from yingji.messaging.models import Delivery
from yingji.warnings import services
from yingji.warnings.cap import importing
from yingji.warnings.models import EarlyWarning, TrustedSender

from .capfixtures import COUNTY, FOREIGN_SENDER, OTHER_COUNTY, message

PROVINCE_OBSERVATORY = "sxqxt@cma.gov.cn"


@pytest.fixture
def duty_officer(demo: None) -> User:
    return User.objects.select_related("region").get(username=f"demo-duty-{COUNTY}")


def test_an_unknown_sender_is_not_published_but_waits_for_approval(
    duty_officer: User, county_admin: User, city_admin: User
) -> None:
    warning = importing.import_cap(duty_officer, message(sender="anyone@example.cn", severity="Extreme"))
    warning.refresh_from_db()
    assert (warning.status, warning.level, warning.source) == ("submitted", "red", "imported")
    assert warning.published_at is None and warning.approved_by is None
    assert warning.submitted_by == duty_officer
    assert not Delivery.objects.about(warning).exists()
    assert AuditEntry.objects.filter(action="warning.imported", object_id=str(warning.pk)).exists()
    # Red is the city's to approve: its administrators are told, and the county may not publish it.
    told = Notification.objects.filter(link=f"/warnings/{warning.pk}/").values_list(
        "recipient__username", flat=True
    )
    assert "demo-city" in set(told)
    assert services.allowed_actions(county_admin, warning) == []
    with pytest.raises(Forbidden):
        services.publish(county_admin, warning.pk)
    published = services.publish(city_admin, warning.pk)
    assert published.status == "published" and published.identifier == "14090041600000_20261129080000_0"
    assert published.cap_xml.startswith("<?xml") and Delivery.objects.about(published).exists()


def test_an_imported_message_is_published_or_discarded_never_edited(
    duty_officer: User, county_admin: User
) -> None:
    warning = importing.import_cap(duty_officer, message(sender="anyone@example.cn", severity="Minor"))
    assert "edit" not in services.allowed_actions(county_admin, warning)
    services.return_to_draft(county_admin, warning.pk, "请核实来源")
    with pytest.raises(Conflict, match="never edited"):
        services.edit_draft(
            county_admin,
            warning.pk,
            services.DraftInput(
                warning_type="rainstorm",
                level="red",
                headline="改过的标题",
                description="x",
                onset=warning.onset,
                expires=warning.expires,
                area_codes=[COUNTY],
            ),
        )
    assert services.cancel(county_admin, warning.pk, "来源不明").status == "cancelled"


def test_a_trusted_sender_publishes_directly_within_its_region(duty_officer: User) -> None:
    TrustedSender.objects.create(sender=FOREIGN_SENDER, region_id=COUNTY, name="忻府区气象台")
    warning = importing.import_cap(duty_officer, message())
    assert warning.status == "published" and warning.approved_by == duty_officer
    assert Delivery.objects.about(warning).exists()


def test_a_trusted_sender_outside_its_region_waits_like_anyone(city_admin: User) -> None:
    TrustedSender.objects.create(sender=FOREIGN_SENDER, region_id=COUNTY)
    area = f"<geocode><valueName>GB/T 2260</valueName><value>{OTHER_COUNTY}</value></geocode>"
    warning = importing.import_cap(city_admin, message(area=area))
    assert warning.region_id == OTHER_COUNTY and warning.status == "submitted"


def test_the_demo_trusts_the_observatories_for_their_regions(demo: None) -> None:
    trusted = dict(TrustedSender.objects.values_list("sender", "region_id"))
    assert trusted["sx-qxt@cma.example.cn"] == "140900" and trusted["qxj-140921@cma.example.cn"] == "140921"


def test_the_city_keeps_the_list_and_every_change_is_audited(
    city_admin: User, county_admin: User, api_client: Callable[[User], Client]
) -> None:
    TrustedSender.objects.all().delete()  # the demo's list aside: this test starts from none
    since = AuditEntry.objects.order_by("-id").values_list("id", flat=True).first()
    client = api_client(city_admin)
    url = "/api/v1/warnings/trusted-senders"
    senders = [
        {"sender": PROVINCE_OBSERVATORY, "region_code": "140900", "name": "山西省气象台"},
        {"sender": FOREIGN_SENDER, "region_code": COUNTY, "name": "忻府区气象台"},
    ]
    answer = client.put(url, {"senders": senders}, content_type="application/json")
    assert answer.status_code == 200, answer.content
    assert [row["sender"] for row in answer.json()] == sorted([PROVINCE_OBSERVATORY, FOREIGN_SENDER])
    assert client.get(url).json() == answer.json()
    saved = AuditEntry.objects.filter(id__gt=since, action="warning_trusted_sender.saved")
    assert saved.count() == 2 and saved.filter(actor=city_admin).count() == 2

    answer = client.put(url, {"senders": senders[:1]}, content_type="application/json")
    assert [row["sender"] for row in answer.json()] == [PROVINCE_OBSERVATORY]
    assert AuditEntry.objects.filter(id__gt=since, action="warning_trusted_sender.removed").count() == 1
    assert saved.count() == 2  # the unchanged entry is not written again

    for bad, field in [
        ([{"sender": "x@y", "region_code": "140902001000"}], "senders[0].region_code"),  # a township
        ([{"sender": "x@y", "region_code": "999999"}], "senders[0].region_code"),
        (
            [{"sender": "x@y", "region_code": COUNTY}, {"sender": "x@y", "region_code": COUNTY}],
            "senders[1].sender",
        ),
        ([{"sender": "   ", "region_code": COUNTY}], "senders[0].sender"),
    ]:
        refused = client.put(url, {"senders": bad}, content_type="application/json")
        assert refused.status_code == 400 and refused.json()["details"]["field"] == field, refused.content
    assert list(TrustedSender.objects.values_list("sender", flat=True)) == [PROVINCE_OBSERVATORY]


def test_only_the_city_reads_or_changes_the_list(
    county_admin: User, duty_officer: User, api_client: Callable[[User], Client]
) -> None:
    for user in (county_admin, duty_officer):
        client = api_client(user)
        assert client.get("/api/v1/warnings/trusted-senders").status_code == 403
        answer = client.put(
            "/api/v1/warnings/trusted-senders",
            {"senders": [{"sender": "me@example.cn", "region_code": COUNTY}]},
            content_type="application/json",
        )
        assert answer.status_code == 403
    assert not TrustedSender.objects.filter(sender="me@example.cn").exists()


def test_the_command_says_when_an_import_waits_for_approval(
    tmp_path: Path, duty_officer: User, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "alert.xml"
    path.write_bytes(message(sender="anyone@example.cn"))
    call_command("cap", "import", str(path), "--user", duty_officer.username)
    out = capsys.readouterr().out
    assert "submitted" in out and "waits for approval" in out
    assert EarlyWarning.objects.get(sender="anyone@example.cn").status == "submitted"
