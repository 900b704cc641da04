"""Deadlines are data: `jobs.run_due` after the deadline marks the hazard overdue and escalates it."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from yingji.core import jobs
from yingji.core.errors import Forbidden
from yingji.core.models import AuditEntry, Notification, User
from yingji.hazards import lifecycle, services
from yingji.hazards.models import Hazard, HazardTransition
from yingji.hazards.tests.conftest import in_days, rectifying_major, report_general

pytestmark = pytest.mark.django_db


def after(deadline_days: int, hours: int = 1) -> Any:
    return services.due_at(in_days(deadline_days)) + timedelta(hours=hours)


def notified(hazard: Hazard) -> set[str]:
    return set(
        Notification.objects.filter(object_type="hazards.hazard", object_id=str(hazard.pk)).values_list(
            "recipient__username", flat=True
        )
    )


def test_an_overdue_major_hazard_is_marked_notified_and_moved_to_the_city(
    officer: User, chemical: Any, county_admin: User, city_admin: User
) -> None:
    hazard = rectifying_major(officer, chemical, deadline_days=3)
    Notification.objects.filter(object_id=str(hazard.pk)).delete()
    jobs.run_due(after(3))
    hazard.refresh_from_db()
    assert hazard.is_overdue and hazard.overdue_at == after(3)
    assert hazard.supervising_level == lifecycle.CITY
    assert notified(hazard) == {county_admin.username, city_admin.username, officer.username}
    step = HazardTransition.objects.filter(hazard=hazard).last()
    assert (step.action, step.actor, step.actor_name) == ("escalate", None, "system")
    entry = AuditEntry.objects.get(action="hazard.escalate", object_id=str(hazard.pk))
    assert entry.actor_name == "system" and entry.before["is_overdue"] is False and entry.after["is_overdue"]


def test_an_overdue_general_hazard_stays_with_the_county(
    officer: User, chemical: Any, county_admin: User, city_admin: User
) -> None:
    hazard = report_general(officer, chemical)
    services.start_rectification(officer, hazard.pk, deadline=in_days(2))
    jobs.run_due(after(2))
    hazard.refresh_from_db()
    assert hazard.is_overdue and hazard.supervising_level == lifecycle.COUNTY
    assert county_admin.username in notified(hazard) and city_admin.username not in notified(hazard)


def test_nothing_happens_before_the_deadline_has_passed(officer: User, chemical: Any) -> None:
    hazard = rectifying_major(officer, chemical, deadline_days=3)
    jobs.run_due(services.due_at(in_days(3)) - timedelta(minutes=1))
    hazard.refresh_from_db()
    assert not hazard.is_overdue and hazard.supervising_level == lifecycle.COUNTY


def test_a_hazard_submitted_in_time_does_not_escalate(officer: User, chemical: Any) -> None:
    hazard = rectifying_major(officer, chemical, deadline_days=3)
    services.submit_for_acceptance(officer, hazard.pk)
    jobs.run_due(after(3))
    hazard.refresh_from_db()
    assert not hazard.is_overdue
    assert not HazardTransition.objects.filter(hazard=hazard, action="escalate").exists()


def test_a_rejection_after_the_deadline_makes_the_hazard_overdue_at_the_next_run(
    officer: User, chemical: Any, county_admin: User
) -> None:
    hazard = rectifying_major(officer, chemical, deadline_days=3)
    services.submit_for_acceptance(officer, hazard.pk)
    jobs.run_due(after(3))
    services.reject(county_admin, hazard.pk, reason="不合格")
    jobs.run_due(after(3, hours=2))
    hazard.refresh_from_db()
    assert hazard.is_overdue and hazard.supervising_level == lifecycle.CITY


def test_an_approved_extension_lifts_the_overdue_mark_and_runs_a_new_deadline(
    officer: User, chemical: Any, city_admin: User
) -> None:
    hazard = rectifying_major(officer, chemical, deadline_days=3)
    jobs.run_due(after(3))
    services.request_extension(officer, hazard.pk, requested_deadline=in_days(30), reason="r")
    services.decide_extension(city_admin, hazard.pk, approve=True)
    hazard.refresh_from_db()
    assert not hazard.is_overdue and hazard.rectification_deadline == in_days(30)
    jobs.run_due(after(30))
    hazard.refresh_from_db()
    assert hazard.is_overdue


def test_the_county_cannot_decide_an_extension_once_the_city_supervises(
    officer: User, chemical: Any, county_admin: User
) -> None:
    hazard = rectifying_major(officer, chemical, deadline_days=3)
    jobs.run_due(after(3))
    services.request_extension(officer, hazard.pk, requested_deadline=in_days(30), reason="r")
    with pytest.raises(Forbidden):
        services.decide_extension(county_admin, hazard.pk, approve=True)
