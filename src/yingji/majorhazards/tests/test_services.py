"""The register's services: recomputation on every change, errors that write nothing, permission and scope."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import pytest

from yingji.core import jobs, roles
from yingji.core.errors import Forbidden, InvalidInput, NotFound
from yingji.core.models import AuditEntry, Deadline, Notification, User
from yingji.enterprises.models import Enterprise
from yingji.majorhazards import services
from yingji.majorhazards.models import FILED, REVIEW_DUE, Installation, Inventory, Unit

pytestmark = pytest.mark.django_db


def _installation(
    actor: Any, enterprise: Enterprise, population: int = 30, name: str = "测试罐区"
) -> Installation:
    return services.create_installation(
        actor, enterprise_id=enterprise.pk, name=name, exposed_population=population
    )


def _gasoline_unit(actor: Any, installation: Installation, tonnes: float) -> Unit:
    return services.add_unit(
        actor,
        installation.pk,
        name="汽油罐区",
        kind="storage",
        inventories=[{"name": "汽油", "cas": "86290-81-5", "quantity_t": tonnes}],
    )


def test_a_unit_whose_inventory_crosses_s_1_becomes_major_with_its_r_and_level(
    county_admin: Any, station_a: Enterprise
) -> None:
    installation = _installation(county_admin, station_a, population=30)  # α = 1.2
    unit = _gasoline_unit(county_admin, installation, 150)  # q/Q = 150/200
    assert (unit.s, unit.is_major, unit.r, unit.level) == (0.75, False, None, None)
    line = unit.inventories.get()

    services.update_inventory(county_admin, line.pk, quantity_t=250)

    unit.refresh_from_db()
    installation.refresh_from_db()
    assert (unit.s, unit.is_major, unit.r, unit.level) == (1.25, True, 1.5, 4)  # R = 1.2 × 1 × 1.25
    assert (installation.is_major, installation.level, installation.max_s, installation.max_r) == (
        True,
        4,
        1.25,
        1.5,
    )
    line.refresh_from_db()
    assert (line.table1_no, line.critical_t, line.beta, line.ratio) == (66, 200.0, 1.0, 1.25)


def test_recomputation_is_audited_with_the_figures_before_and_after(
    county_admin: Any, station_a: Enterprise
) -> None:
    installation = _installation(county_admin, station_a)
    unit = _gasoline_unit(county_admin, installation, 150)

    services.update_inventory(county_admin, unit.inventories.get().pk, quantity_t=250)

    entry = AuditEntry.objects.filter(
        action="major_hazard.recomputed", object_id=str(installation.pk)
    ).first()
    assert entry is not None and entry.actor == county_admin
    assert entry.before["is_major"] is False and entry.before["units"][str(unit.pk)]["s"] == 0.75
    assert entry.after["is_major"] is True and entry.after["level"] == 4
    assert entry.after["units"][str(unit.pk)] == {"s": 1.25, "is_major": True, "r": 1.5, "level": 4}
    assert entry.region_id.startswith("140902")


def test_more_people_within_500_m_raise_r_and_the_level(county_admin: Any, station_a: Enterprise) -> None:
    installation = _installation(county_admin, station_a, population=0)  # α = 0.5
    unit = services.add_unit(
        county_admin,
        installation.pk,
        name="液氯库",
        kind="storage",
        inventories=[{"name": "氯", "quantity_t": 40}],
    )
    assert (unit.s, unit.r, unit.level) == (8.0, 16.0, 3)  # R = 0.5 × 4 × 40/5

    services.update_installation(county_admin, installation.pk, exposed_population=100)  # α = 2

    unit.refresh_from_db()
    installation.refresh_from_db()
    assert (unit.r, unit.level, installation.level) == (64.0, 2, 2)


@pytest.mark.parametrize(
    "line",
    [
        {"name": "某未知溶剂", "quantity_t": 10},
        {"name": "某溶剂", "category": "W9.9", "quantity_t": 10},
        {"cas": "71-43-3", "quantity_t": 10},
        {"name": "苯", "cas": "7664-41-7", "quantity_t": 10},
    ],
    ids=["unknown-name", "unknown-category", "bad-cas-check-digit", "name-and-cas-disagree"],
)
def test_a_substance_the_standard_cannot_place_is_refused_and_nothing_is_written(
    county_admin: Any, station_a: Enterprise, line: dict[str, Any]
) -> None:
    installation = _installation(county_admin, station_a)
    unit = _gasoline_unit(county_admin, installation, 150)
    counts = (Inventory.objects.count(), AuditEntry.objects.count())

    with pytest.raises(InvalidInput) as raised:
        services.add_inventory(county_admin, unit.pk, **line)

    assert raised.value.code == "invalid_substance"
    assert " / " in raised.value.message  # 中文 / English
    assert (Inventory.objects.count(), AuditEntry.objects.count()) == counts


def test_a_failed_change_leaves_the_line_and_the_figures_as_they_were(
    county_admin: Any, station_a: Enterprise
) -> None:
    installation = _installation(county_admin, station_a)
    unit = _gasoline_unit(county_admin, installation, 250)
    line = unit.inventories.get()

    with pytest.raises(InvalidInput):
        services.update_inventory(county_admin, line.pk, name="某未知溶剂", cas="", quantity_t=900)

    line.refresh_from_db()
    unit.refresh_from_db()
    assert (line.name, line.quantity_t, unit.s, unit.is_major) == ("汽油", 250, 1.25, True)


def test_a_unit_created_with_a_bad_line_is_not_created_at_all(
    county_admin: Any, station_a: Enterprise
) -> None:
    installation = _installation(county_admin, station_a)

    with pytest.raises(InvalidInput):
        services.add_unit(
            county_admin,
            installation.pk,
            name="混合罐区",
            kind="storage",
            inventories=[{"name": "甲醇", "quantity_t": 10}, {"name": "无名物", "quantity_t": 1}],
        )

    assert not Unit.objects.filter(installation=installation).exists()


def test_removing_lines_and_units_recomputes_the_installation(
    county_admin: Any, station_a: Enterprise
) -> None:
    installation = _installation(county_admin, station_a)
    unit = _gasoline_unit(county_admin, installation, 250)
    services.add_unit(county_admin, installation.pk, name="空单元", kind="production")

    services.remove_inventory(county_admin, unit.inventories.get().pk)
    installation.refresh_from_db()
    unit.refresh_from_db()
    assert (unit.s, unit.is_major, installation.is_major, installation.level) == (0, False, False, None)

    services.remove_unit(county_admin, unit.pk)
    installation.refresh_from_db()
    assert installation.unit_count == 1
    assert AuditEntry.objects.filter(action="major_hazard_unit.deleted", object_id=str(unit.pk)).exists()


def test_an_enterprise_officer_keeps_the_register_of_their_own_enterprise_only(
    officer_a: Any, station_a: Enterprise, station_b: Enterprise
) -> None:
    installation = _installation(officer_a, station_a, name="二号罐区")
    assert installation.enterprise == station_a

    with pytest.raises(NotFound):
        _installation(officer_a, station_b)
    other = Enterprise.objects.filter(region__path__contains="/140902/").exclude(pk=station_a.pk).first()
    with pytest.raises(NotFound):
        _installation(officer_a, other)


def test_a_county_admin_cannot_reach_another_countys_installation(
    county_admin: Any, station_b: Enterprise
) -> None:
    installation = Installation.objects.filter(enterprise=station_b).first()
    unit = installation.units.first()

    with pytest.raises(NotFound):
        services.update_installation(county_admin, installation.pk, exposed_population=5)
    with pytest.raises(NotFound):
        services.add_inventory(county_admin, unit.pk, name="汽油", quantity_t=1)
    with pytest.raises(NotFound):
        services.remove_unit(county_admin, unit.pk)
    with pytest.raises(NotFound):
        _installation(county_admin, station_b)


def test_department_staff_may_read_but_not_change_their_sectors_register(
    department_staff: Any, station_a: Enterprise
) -> None:
    # demo-dept-housing supervises gas (an LNG depot), not hazardous chemicals (a gas station).
    depot = Installation.objects.filter(enterprise__industry="gas").order_by("id").first()
    assert Installation.objects.visible_to(department_staff).filter(pk=depot.pk).exists()
    station = Installation.objects.filter(enterprise=station_a).first()
    assert not Installation.objects.visible_to(department_staff).filter(pk=station.pk).exists()

    with pytest.raises(Forbidden):
        services.update_installation(department_staff, depot.pk, exposed_population=5)


def test_only_administrators_record_filings(officer_a: Any, county_admin: Any, station_a: Enterprise) -> None:
    installation = _installation(county_admin, station_a)
    _gasoline_unit(county_admin, installation, 250)
    filing = {
        "filed_on": date(2026, 11, 1),
        "filing_number": "忻应急危备〔2026〕1号",
        "review_due_on": date(2029, 11, 1),
    }

    with pytest.raises(Forbidden):
        services.record_filing(officer_a, installation.pk, **filing)
    installation = services.record_filing(county_admin, installation.pk, **filing)

    assert (installation.filing_status, installation.filing_number) == (FILED, "忻应急危备〔2026〕1号")


def test_an_installation_that_is_not_major_cannot_be_filed(county_admin: Any, station_a: Enterprise) -> None:
    installation = _installation(county_admin, station_a)
    _gasoline_unit(county_admin, installation, 100)

    with pytest.raises(InvalidInput):
        services.record_filing(
            county_admin,
            installation.pk,
            filed_on=date(2026, 1, 1),
            filing_number="1",
            review_due_on=date(2029, 1, 1),
        )


def test_a_review_date_before_the_filing_date_is_refused(county_admin: Any, station_a: Enterprise) -> None:
    installation = _installation(county_admin, station_a)
    _gasoline_unit(county_admin, installation, 250)

    with pytest.raises(InvalidInput) as raised:
        services.record_filing(
            county_admin,
            installation.pk,
            filed_on=date(2026, 1, 1),
            filing_number="1",
            review_due_on=date(2025, 1, 1),
        )
    assert raised.value.details == {"field": "review_due_on"}


def _filed(county_admin: Any, station_a: Enterprise, review_due_on: date) -> Installation:
    installation = _installation(county_admin, station_a)
    _gasoline_unit(county_admin, installation, 250)
    return services.record_filing(
        county_admin,
        installation.pk,
        filed_on=date(2026, 1, 5),
        filing_number="忻危备9",
        review_due_on=review_due_on,
    )


def test_a_review_coming_due_marks_the_filing_and_notifies_the_officers_and_county_admins(
    county_admin: Any, officer_a: Any, station_a: Enterprise
) -> None:
    installation = _filed(county_admin, station_a, date(2029, 1, 5))
    notice = services.review_notice_at(date(2029, 1, 5))
    assert notice.date() == date(2028, 12, 6)
    # Only this filing's notice is due by then: the demo's own deadlines up to 2028 are not this test's.
    Deadline.objects.filter(status=Deadline.PENDING).exclude(
        pk__in=jobs.pending_deadlines(installation).values("pk")
    ).update(status=Deadline.CANCELLED)

    jobs.run_due(notice - timedelta(minutes=1))
    installation.refresh_from_db()
    assert installation.filing_status == FILED

    jobs.run_due(notice)
    installation.refresh_from_db()
    assert installation.filing_status == REVIEW_DUE
    recipients = set(
        Notification.objects.filter(
            object_type="majorhazards.installation", object_id=str(installation.pk)
        ).values_list("recipient__username", flat=True)
    )
    assert recipients == {officer_a.username, county_admin.username}
    assert AuditEntry.objects.filter(
        action="major_hazard.review_due", object_id=str(installation.pk)
    ).exists()


def test_a_new_filing_replaces_the_pending_review_notice(county_admin: Any, station_a: Enterprise) -> None:
    installation = _filed(county_admin, station_a, date(2027, 3, 1))
    services.record_filing(
        county_admin,
        installation.pk,
        filed_on=date(2027, 2, 1),
        filing_number="忻危备10",
        review_due_on=date(2030, 2, 1),
    )

    pending = Deadline.objects.filter(
        kind=services.REVIEW_DUE_KIND, object_id=str(installation.pk), status=Deadline.PENDING
    )
    assert [deadline.due_at.date() for deadline in pending] == [date(2030, 1, 1)]
    jobs.run_due(datetime.fromisoformat("2027-02-15T00:00:00+08:00"))
    installation.refresh_from_db()
    assert installation.filing_status == FILED


def test_the_county_admins_notified_are_those_of_the_enterprises_county(station_b: Enterprise) -> None:
    county = station_b.region.ancestor_at("county")
    assert county is not None and county.code == "140921"
    assert User.objects.filter(role=roles.COUNTY_ADMIN, region=county).exists()
