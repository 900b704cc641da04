"""The "risks.reassessment_due" deadline: a date coming due marks the point and tells the officers."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from yingji.core import jobs
from yingji.core.models import AuditEntry, Deadline, Notification
from yingji.risks import services
from yingji.risks.tests.conftest import lec_point

SHANGHAI = ZoneInfo("Asia/Shanghai")
DUE = date(2027, 3, 1)
DUE_AT = datetime(2027, 3, 1, 8, 0, tzinfo=SHANGHAI)


def pending(point: Any) -> Any:
    return Deadline.objects.filter(
        kind=services.REASSESSMENT_DUE, object_id=str(point.pk), status=Deadline.PENDING
    )


def test_a_date_coming_due_marks_the_point_and_notifies_the_officers(
    county_admin: Any, enterprise_a: Any, officer_a: Any
) -> None:
    point = services.create_risk_point(
        county_admin, enterprise_id=enterprise_a.pk, **lec_point(reassess_on=DUE)
    )
    assert pending(point).get().due_at == DUE_AT
    jobs.run_due(DUE_AT - timedelta(minutes=1))
    point.refresh_from_db()
    assert not point.reassessment_due
    jobs.run_due(DUE_AT)
    point.refresh_from_db()
    assert point.reassessment_due and not pending(point).exists()
    notification = Notification.objects.get(object_type="risks.riskpoint", object_id=str(point.pk))
    assert notification.recipient == officer_a
    assert notification.link == f"/risks/points/{point.pk}/"
    entry = AuditEntry.objects.filter(action="risk_point.reassessment_due", object_id=str(point.pk)).get()
    assert (entry.before["reassessment_due"], entry.after["reassessment_due"]) == (False, True)
    assert entry.actor_name == "system"


def test_reassessing_with_a_new_date_replaces_the_deadline(county_admin: Any, enterprise_a: Any) -> None:
    point = services.create_risk_point(
        county_admin, enterprise_id=enterprise_a.pk, **lec_point(reassess_on=DUE)
    )
    later = date(2028, 3, 1)
    services.reassess_risk_point(county_admin, point.pk, l=1, e=6, c=15, reassess_on=later)
    assert pending(point).get().due_at.date() == later
    jobs.run_due(DUE_AT + timedelta(days=1))
    point.refresh_from_db()
    assert not point.reassessment_due


def test_clearing_the_date_cancels_the_deadline(county_admin: Any, enterprise_a: Any) -> None:
    point = services.create_risk_point(
        county_admin, enterprise_id=enterprise_a.pk, **lec_point(reassess_on=DUE)
    )
    services.update_risk_point(county_admin, point.pk, reassess_on=None)
    assert not pending(point).exists()
    jobs.run_due(DUE_AT + timedelta(days=1))
    point.refresh_from_db()
    assert not point.reassessment_due


def test_a_reassessment_clears_the_due_mark(county_admin: Any, enterprise_a: Any) -> None:
    point = services.create_risk_point(
        county_admin, enterprise_id=enterprise_a.pk, **lec_point(reassess_on=DUE)
    )
    jobs.run_due(DUE_AT)
    point = services.reassess_risk_point(county_admin, point.pk, l=3, e=6, c=15)
    assert not point.reassessment_due


def test_the_demo_has_points_due_and_deadlines_pending(demo: None) -> None:
    from yingji.risks.models import RiskPoint

    assert RiskPoint.objects.filter(reassessment_due=True).exists()
    assert Deadline.objects.filter(kind=services.REASSESSMENT_DUE, status=Deadline.PENDING).exists()
