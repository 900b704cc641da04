"""Every step of the loop as a service: who may take it, from which state, and what it writes."""

from __future__ import annotations

from typing import Any

import pytest

from yingji.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from yingji.core.models import AuditEntry, Deadline, Notification, User
from yingji.hazards import lifecycle, services
from yingji.hazards.models import ExtensionRequest, Hazard, HazardTransition
from yingji.hazards.tests.conftest import PLAN, in_days, rectifying_major, report_general, report_major, today

pytestmark = pytest.mark.django_db


def pending_deadline(hazard: Hazard) -> Deadline | None:
    return Deadline.objects.filter(
        kind=services.OVERDUE, object_id=str(hazard.pk), status=Deadline.PENDING
    ).first()


def awaiting(officer: User, chemical: Any) -> Hazard:
    hazard = rectifying_major(officer, chemical)
    return services.submit_for_acceptance(officer, hazard.pk)


# Reporting ---------------------------------------------------------------------------------------


def test_an_officer_reports_a_hazard_with_its_timeline_row_and_audit_entry(
    officer: User, chemical: Any
) -> None:
    hazard = report_general(officer, chemical)
    assert hazard.status == lifecycle.REPORTED and hazard.reported_by == officer
    step = HazardTransition.objects.get(hazard=hazard)
    assert (step.action, step.from_status, step.to_status, step.actor) == ("report", "", "reported", officer)
    entry = AuditEntry.objects.filter(object_type="hazards.hazard", object_id=str(hazard.pk)).get()
    assert entry.action == "hazard.report" and entry.before is None and entry.after["status"] == "reported"


def test_a_major_hazard_is_reported_to_the_county_admins_at_once(
    officer: User, chemical: Any, county_admin: User, other_county_admin: User
) -> None:
    hazard = report_major(officer, chemical)
    notified = Notification.objects.filter(object_id=str(hazard.pk), object_type="hazards.hazard")
    assert list(notified.values_list("recipient", flat=True)) == [county_admin.pk]
    assert "重大事故隐患" in notified.get().subject


def test_a_general_hazard_notifies_no_one(officer: User, chemical: Any) -> None:
    hazard = report_general(officer, chemical)
    assert not Notification.objects.filter(object_id=str(hazard.pk), object_type="hazards.hazard").exists()


def test_a_major_hazard_of_a_chemical_enterprise_must_name_its_criterion(
    officer: User, chemical: Any
) -> None:
    with pytest.raises(InvalidInput) as error:
        report_major(officer, chemical, criterion_code="")
    assert error.value.details == {"field": "criterion_code"}
    assert not Hazard.objects.filter(enterprise=chemical, title="罐区可燃气体检测报警装置失效").exists()


@pytest.mark.parametrize("code", ["coal-02", "chem-99", "nonsense"])
def test_a_criterion_of_another_industry_or_unknown_is_refused(
    officer: User, chemical: Any, code: str
) -> None:
    with pytest.raises(InvalidInput):
        report_major(officer, chemical, criterion_code=code)


def test_a_hazard_that_meets_a_criterion_cannot_be_general(officer: User, chemical: Any) -> None:
    with pytest.raises(InvalidInput) as error:
        report_general(officer, chemical, criterion_code="chem-12")
    assert error.value.details == {"field": "grade"}


def test_a_major_hazard_of_an_industry_without_a_criteria_list_needs_none(
    builder_officer: User, builder: Any
) -> None:
    hazard = report_major(builder_officer, builder, criterion_code="")
    assert hazard.grade == "major" and hazard.criterion_code == ""


def test_an_officer_reports_only_self_check_findings(
    officer: User, chemical: Any, county_admin: User
) -> None:
    with pytest.raises(InvalidInput):
        report_general(officer, chemical, source="inspection")
    assert report_general(county_admin, chemical, source="inspection").source == "inspection"


def test_no_one_reports_for_an_enterprise_outside_their_scope(
    chemical: Any, builder_officer: User, other_county_admin: User
) -> None:
    with pytest.raises(NotFound):
        report_general(builder_officer, chemical)
    with pytest.raises(NotFound):
        report_general(other_county_admin, chemical)


def test_a_role_that_does_not_see_hazards_cannot_report(chemical: Any) -> None:
    duty = User.objects.get(username="demo-duty")
    with pytest.raises(Forbidden):
        report_general(duty, chemical)


def test_a_hazard_cannot_be_found_in_the_future(officer: User, chemical: Any) -> None:
    with pytest.raises(InvalidInput):
        report_general(officer, chemical, found_on=in_days(1))


# Plan and start ------------------------------------------------------------------------------------


def test_a_major_hazard_cannot_start_rectification_without_a_plan(officer: User, chemical: Any) -> None:
    hazard = report_major(officer, chemical)
    with pytest.raises(InvalidInput) as error:
        services.start_rectification(officer, hazard.pk, deadline=in_days(10))
    assert error.value.code == "plan_required"
    assert Hazard.objects.get(pk=hazard.pk).status == lifecycle.REPORTED


def test_starting_rectification_schedules_the_overdue_deadline(officer: User, chemical: Any) -> None:
    hazard = report_major(officer, chemical)
    services.save_plan(officer, hazard.pk, deadline=in_days(20), **PLAN)
    hazard = services.start_rectification(officer, hazard.pk)
    assert hazard.status == lifecycle.RECTIFYING and hazard.rectification_deadline == in_days(20)
    assert pending_deadline(hazard).due_at == services.due_at(in_days(20))
    assert AuditEntry.objects.filter(action="hazard.start_rectification", object_id=str(hazard.pk)).exists()


def test_a_general_hazard_needs_a_deadline_not_in_the_past(officer: User, chemical: Any) -> None:
    hazard = report_general(officer, chemical)
    with pytest.raises(InvalidInput):
        services.start_rectification(officer, hazard.pk)
    with pytest.raises(InvalidInput):
        services.start_rectification(officer, hazard.pk, deadline=in_days(-1))
    assert services.start_rectification(officer, hazard.pk, deadline=today()).status == lifecycle.RECTIFYING


def test_a_general_hazard_has_no_plan(officer: User, chemical: Any) -> None:
    hazard = report_general(officer, chemical)
    with pytest.raises(InvalidInput):
        services.save_plan(officer, hazard.pk, deadline=in_days(5), **PLAN)


def test_the_plan_is_audited_and_can_be_rewritten(officer: User, chemical: Any) -> None:
    hazard = report_major(officer, chemical)
    services.save_plan(officer, hazard.pk, deadline=in_days(5), **PLAN)
    plan = services.save_plan(officer, hazard.pk, deadline=in_days(9), **{**PLAN, "funds": "1234.5"})
    assert str(plan.funds) == "1234.50" and plan.deadline == in_days(9)
    entries = AuditEntry.objects.filter(action="hazard.plan_saved", object_id=str(plan.pk)).order_by("id")
    assert entries[0].before is None and entries[1].before["deadline"] == in_days(5).isoformat()


def test_starting_twice_is_a_conflict(officer: User, chemical: Any) -> None:
    hazard = rectifying_major(officer, chemical)
    with pytest.raises(Conflict) as error:
        services.start_rectification(officer, hazard.pk, deadline=in_days(3))
    assert error.value.code == "wrong_state"


# Submit, accept, reject ------------------------------------------------------------------------------


def test_submitting_stops_the_deadline(officer: User, chemical: Any) -> None:
    hazard = awaiting(officer, chemical)
    assert hazard.status == lifecycle.AWAITING_ACCEPTANCE
    assert pending_deadline(hazard) is None


def test_the_county_accepts_and_closes_the_hazard(officer: User, chemical: Any, county_admin: User) -> None:
    hazard = services.accept(county_admin, awaiting(officer, chemical).pk, note="验收合格")
    assert hazard.status == lifecycle.CLOSED and hazard.closed_by == county_admin and hazard.closed_at
    last = HazardTransition.objects.filter(hazard=hazard).last()
    assert (last.action, last.note, last.to_status) == ("accept", "验收合格", "closed")
    assert Notification.objects.filter(recipient=officer, object_id=str(hazard.pk), subject__contains="销号")


def test_an_officer_cannot_accept_their_own_rectification(officer: User, chemical: Any) -> None:
    hazard = awaiting(officer, chemical)
    with pytest.raises(Forbidden):
        services.accept(officer, hazard.pk)
    assert Hazard.objects.get(pk=hazard.pk).status == lifecycle.AWAITING_ACCEPTANCE


def test_another_countys_admin_gets_not_found(officer: User, chemical: Any, other_county_admin: User) -> None:
    hazard = awaiting(officer, chemical)
    for step in (services.accept, services.submit_for_acceptance):
        with pytest.raises(NotFound):
            step(other_county_admin, hazard.pk)
    with pytest.raises(NotFound):
        services.reject(other_county_admin, hazard.pk, reason="x")


def test_another_enterprises_officer_gets_not_found(
    officer: User, chemical: Any, builder_officer: User
) -> None:
    hazard = rectifying_major(officer, chemical)
    with pytest.raises(NotFound):
        services.submit_for_acceptance(builder_officer, hazard.pk)


def test_accepting_a_hazard_still_in_rectification_is_a_conflict(
    officer: User, chemical: Any, county_admin: User
) -> None:
    hazard = rectifying_major(officer, chemical)
    with pytest.raises(Conflict):
        services.accept(county_admin, hazard.pk)


def test_a_rejection_needs_a_reason_and_restarts_the_deadline(
    officer: User, chemical: Any, county_admin: User
) -> None:
    hazard = awaiting(officer, chemical)
    with pytest.raises(InvalidInput):
        services.reject(county_admin, hazard.pk, reason="  ")
    hazard = services.reject(county_admin, hazard.pk, reason="报警装置未校验")
    assert hazard.status == lifecycle.RECTIFYING
    assert pending_deadline(hazard).due_at == services.due_at(hazard.rectification_deadline)
    assert HazardTransition.objects.filter(hazard=hazard).last().note == "报警装置未校验"


def test_a_county_admin_may_record_the_enterprises_steps_on_its_behalf(
    officer: User, chemical: Any, county_admin: User
) -> None:
    hazard = report_general(county_admin, chemical, source="inspection")
    services.start_rectification(county_admin, hazard.pk, deadline=in_days(7))
    hazard = services.submit_for_acceptance(county_admin, hazard.pk)
    steps = HazardTransition.objects.filter(hazard=hazard).values_list("actor", flat=True)
    assert set(steps) == {county_admin.pk}


# Listed supervision ------------------------------------------------------------------------------------


def test_listing_sets_the_deadline_and_schedules_it(officer: User, chemical: Any, county_admin: User) -> None:
    hazard = rectifying_major(officer, chemical, deadline_days=60)
    hazard = services.list_for_supervision(
        county_admin, hazard.pk, deadline=in_days(30), document_number="忻督1号"
    )
    assert (hazard.listed_by_level, hazard.listed_deadline, hazard.rectification_deadline) == (
        "county",
        in_days(30),
        in_days(30),
    )
    assert hazard.supervising_level == "county"
    assert pending_deadline(hazard).due_at == services.due_at(in_days(30))
    assert Notification.objects.filter(recipient=officer, object_id=str(hazard.pk), subject__contains="挂牌")


def test_only_a_major_hazard_is_listed(officer: User, chemical: Any, county_admin: User) -> None:
    hazard = report_general(officer, chemical)
    with pytest.raises(InvalidInput):
        services.list_for_supervision(county_admin, hazard.pk, deadline=in_days(9), document_number="1")


def test_an_enterprise_cannot_list_its_own_hazard(officer: User, chemical: Any) -> None:
    hazard = report_major(officer, chemical)
    with pytest.raises(Forbidden):
        services.list_for_supervision(officer, hazard.pk, deadline=in_days(9), document_number="1")


def test_the_city_may_list_over_the_county_and_then_decides_alone(
    officer: User, chemical: Any, county_admin: User, city_admin: User
) -> None:
    hazard = rectifying_major(officer, chemical)
    services.list_for_supervision(county_admin, hazard.pk, deadline=in_days(20), document_number="县1")
    with pytest.raises(Conflict):
        services.list_for_supervision(county_admin, hazard.pk, deadline=in_days(20), document_number="县2")
    hazard = services.list_for_supervision(city_admin, hazard.pk, deadline=in_days(15), document_number="市1")
    assert (hazard.listed_by_level, hazard.supervising_level) == ("city", "city")
    services.submit_for_acceptance(officer, hazard.pk)
    with pytest.raises(Forbidden):
        services.accept(county_admin, hazard.pk)
    assert services.accept(city_admin, hazard.pk).status == lifecycle.CLOSED


# Extensions ---------------------------------------------------------------------------------------------


def test_an_approved_extension_moves_the_deadline(officer: User, chemical: Any, county_admin: User) -> None:
    hazard = rectifying_major(officer, chemical, deadline_days=10)
    request = services.request_extension(
        officer, hazard.pk, requested_deadline=in_days(40), reason="设备未到货"
    )
    assert request.status == "pending" and request.previous_deadline == in_days(10)
    decided = services.decide_extension(county_admin, hazard.pk, approve=True, note="同意")
    hazard.refresh_from_db()
    assert decided.status == "approved" and decided.decided_by == county_admin
    assert hazard.rectification_deadline == in_days(40)
    assert pending_deadline(hazard).due_at == services.due_at(in_days(40))


def test_a_refused_extension_keeps_the_deadline(officer: User, chemical: Any, county_admin: User) -> None:
    hazard = rectifying_major(officer, chemical, deadline_days=10)
    services.request_extension(officer, hazard.pk, requested_deadline=in_days(40), reason="r")
    assert services.decide_extension(county_admin, hazard.pk, approve=False).status == "refused"
    hazard.refresh_from_db()
    assert hazard.rectification_deadline == in_days(10)


def test_one_extension_request_at_a_time_and_later_than_the_deadline(officer: User, chemical: Any) -> None:
    hazard = rectifying_major(officer, chemical, deadline_days=10)
    with pytest.raises(InvalidInput):
        services.request_extension(officer, hazard.pk, requested_deadline=in_days(10), reason="r")
    services.request_extension(officer, hazard.pk, requested_deadline=in_days(20), reason="r")
    with pytest.raises(Conflict):
        services.request_extension(officer, hazard.pk, requested_deadline=in_days(30), reason="r")


def test_no_one_decides_their_own_extension_request(officer: User, chemical: Any, county_admin: User) -> None:
    hazard = rectifying_major(officer, chemical, deadline_days=10)
    services.request_extension(county_admin, hazard.pk, requested_deadline=in_days(20), reason="代企业申请")
    with pytest.raises(Forbidden):
        services.decide_extension(county_admin, hazard.pk, approve=True)
    with pytest.raises(Forbidden):
        services.decide_extension(officer, hazard.pk, approve=True)


def test_deciding_without_a_pending_request_is_a_conflict(
    officer: User, chemical: Any, county_admin: User
) -> None:
    hazard = rectifying_major(officer, chemical)
    with pytest.raises(Conflict):
        services.decide_extension(county_admin, hazard.pk, approve=True)


def test_submitting_withdraws_a_pending_extension(officer: User, chemical: Any) -> None:
    hazard = rectifying_major(officer, chemical, deadline_days=10)
    request = services.request_extension(officer, hazard.pk, requested_deadline=in_days(20), reason="r")
    services.submit_for_acceptance(officer, hazard.pk)
    assert ExtensionRequest.objects.get(pk=request.pk).status == "withdrawn"
