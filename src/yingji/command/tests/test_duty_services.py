"""The duty rota's services: permission and scope first, nothing half-written, audited, to-dos kept true."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from yingji.command import rota_sheet, services
from yingji.command.models import CheckIn, DutyMatter, Handover, Shift, ShiftSwap
from yingji.command.tests.conftest import COUNTY, OTHER, people_on, post_of, shift_now, user
from yingji.core import jobs, spreadsheets
from yingji.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from yingji.core.models import AuditEntry, Deadline, Notification
from yingji.messaging.models import Delivery

FAR_DAY = timezone.localdate() + timedelta(days=200)


def todos(about: Any, task: str) -> Any:
    return Notification.objects.filter(
        object_type=about._meta.label_lower, object_id=str(about.pk), task=task
    )


# The rota ----------------------------------------------------------------------------------------------


def test_an_administrator_puts_people_on_a_shift_and_it_is_audited(county_admin: Any) -> None:
    post = post_of(COUNTY)
    shift = services.assign_shift(
        county_admin, post.pk, pattern="夜班", day=FAR_DAY,
        leader=county_admin.username, officers=[f"demo-duty-{COUNTY}", f"demo-duty-{COUNTY}-2"],
    )  # fmt: skip
    assert people_on(shift) == {county_admin.username, f"demo-duty-{COUNTY}", f"demo-duty-{COUNTY}-2"}
    assert (shift.ends_at - shift.starts_at) == timedelta(
        hours=12
    ) and shift.ends_at.date() > shift.starts_at.date()
    entry = AuditEntry.objects.filter(action="shift.assigned", object_id=str(shift.pk)).get()
    assert entry.before is None and len(entry.after["officer_ids"]) == 2


def test_a_second_assignment_replaces_the_shifts_people(county_admin: Any) -> None:
    shift = shift_now(COUNTY)
    again = services.assign_shift(
        county_admin, shift.post_id, pattern=shift.pattern.name, day=shift.day,
        leader=f"demo-duty-{COUNTY}-4", officers=[f"demo-duty-{COUNTY}-3"],
    )  # fmt: skip
    assert again.pk == shift.pk and people_on(again) == {f"demo-duty-{COUNTY}-4", f"demo-duty-{COUNTY}-3"}
    assert (
        AuditEntry.objects.filter(action="shift.assigned", object_id=str(shift.pk)).latest("id").before
        is not None
    )


def test_people_of_another_bureau_cannot_stand_a_shift(county_admin: Any) -> None:
    before = Shift.objects.count()
    with pytest.raises(InvalidInput) as refused:
        services.assign_shift(
            county_admin, post_of(COUNTY).pk, pattern="白班", day=FAR_DAY,
            leader=county_admin.username, officers=[f"demo-duty-{OTHER}"],
        )  # fmt: skip
    assert refused.value.details["usernames"] == [f"demo-duty-{OTHER}"]
    assert Shift.objects.count() == before


def test_duty_officers_do_not_draw_up_the_rota_and_other_counties_are_not_found(
    county_duty: Any, county_admin: Any
) -> None:
    with pytest.raises(Forbidden):
        services.assign_shift(county_duty, post_of(COUNTY).pk, pattern="白班", day=FAR_DAY,
                              leader=county_duty.username, officers=[f"demo-duty-{COUNTY}-2"])  # fmt: skip
    with pytest.raises(NotFound):
        services.assign_shift(county_admin, post_of(OTHER).pk, pattern="白班", day=FAR_DAY,
                              leader=county_admin.username, officers=[f"demo-duty-{COUNTY}-2"])  # fmt: skip


def test_a_shift_that_has_begun_cannot_be_removed(county_admin: Any) -> None:
    with pytest.raises(Conflict):
        services.remove_shift(county_admin, shift_now(COUNTY).pk)


def test_the_months_rota_exports_and_imports_back_unchanged(county_admin: Any) -> None:
    post = post_of(COUNTY)
    month = post.shifts.filter(day__gte=timezone.localdate().replace(day=1))
    content = rota_sheet.export_month(post, month)
    count = month.count()
    imported = rota_sheet.import_month(county_admin, post.pk, content)
    assert len(imported) == count
    assert {people_on(s) == people_on(Shift.objects.get(pk=s.pk)) for s in imported} == {True}


def test_an_import_with_a_bad_row_writes_nothing(county_admin: Any) -> None:
    post = post_of(COUNTY)
    day = FAR_DAY.isoformat()
    content = spreadsheets.workbook(
        "rota",
        rota_sheet.HEADERS,
        [
            [day, "白班", "", "", county_admin.username, "", f"demo-duty-{COUNTY}", ""],
            [day, "夜班", "", "", county_admin.username, "", f"demo-duty-{OTHER}", ""],
            [day, "早班", "", "", county_admin.username, "", f"demo-duty-{COUNTY}", ""],
            ["2026-13-01", "白班", "", "", county_admin.username, "", f"demo-duty-{COUNTY}", ""],
        ],
    )
    with pytest.raises(InvalidInput) as refused:
        rota_sheet.import_month(county_admin, post.pk, content)
    assert [row["row"] for row in refused.value.details["errors"]] == [3, 4, 5]
    assert not post.shifts.filter(day=FAR_DAY).exists()


# Swaps ----------------------------------------------------------------------------------------------------


def _future_shift() -> Shift:
    return (
        Shift.objects.filter(post__region_id=COUNTY, starts_at__gt=timezone.now() + timedelta(days=3))
        .order_by("starts_at")
        .first()
    )


def test_an_officer_asks_for_a_swap_and_the_administrator_approves_it(county_admin: Any) -> None:
    shift = _future_shift()
    officer = shift.officers.order_by("pk").first()
    free = services.eligible_people(shift.post).exclude(
        pk__in=[shift.leader_id, *shift.officers.values_list("pk", flat=True)]
    )
    incoming = free.filter(role="duty_officer").first()
    swap = services.request_swap(officer, shift.pk, incoming=incoming.username, reason="参加培训")
    assert set(todos(swap, services.APPROVE_SWAP_TASK).values_list("recipient__username", flat=True)) == {
        county_admin.username
    }
    services.decide_swap(county_admin, swap.pk, approve=True, note="同意")
    assert incoming.username in people_on(shift) and officer.username not in people_on(shift)
    assert not todos(swap, services.APPROVE_SWAP_TASK).filter(done_at__isnull=True).exists()
    assert AuditEntry.objects.filter(action="shift.swapped", object_id=str(shift.pk)).exists()
    with pytest.raises(Conflict):
        services.decide_swap(county_admin, swap.pk, approve=False)


def test_a_refused_swap_leaves_the_shift_as_it_was(county_admin: Any) -> None:
    swap = ShiftSwap.objects.filter(shift__post__region_id=COUNTY, status=ShiftSwap.REQUESTED).first()
    before = people_on(swap.shift)
    services.decide_swap(county_admin, swap.pk, approve=False, note="人手不足")
    swap.refresh_from_db()
    assert swap.status == ShiftSwap.REFUSED and people_on(swap.shift) == before


def test_only_people_on_the_shift_ask_for_their_own_place(county_duty: Any) -> None:
    shift = _future_shift()
    outsider = next(
        u
        for u in services.eligible_people(shift.post).filter(role="duty_officer")
        if u.username not in people_on(shift)
    )
    with pytest.raises(InvalidInput):
        services.request_swap(outsider, shift.pk, incoming=outsider.username, reason="x")
    with pytest.raises(Forbidden):
        services.request_swap(
            outsider, shift.pk, incoming=outsider.username, reason="x", outgoing=shift.leader.username
        )


# Handovers ------------------------------------------------------------


def test_a_handover_closes_matters_and_passes_new_ones_on(county_duty: Any) -> None:
    shift = shift_now(COUNTY)
    open_before = list(services.open_matters(shift.post))
    assert open_before, "the demo carries open matters"
    officer = shift.officers.first()
    handover = services.hand_over(
        officer,
        shift.pk,
        notes="本班平稳。",
        closed_matter_ids=[open_before[0].pk],
        new_matters=["核实某村停电情况", " "],
    )
    assert handover.written_by == officer
    open_after = list(services.open_matters(shift.post))
    assert open_before[0] not in open_after
    assert open_after[-1].text == "核实某村停电情况" and open_after[-1].opened_in == shift
    with pytest.raises(Conflict):
        services.hand_over(officer, shift.pk, notes="再交一次")


def test_a_handover_with_a_matter_of_another_post_writes_nothing(county_admin: Any) -> None:
    shift = shift_now(COUNTY)
    foreign = DutyMatter.objects.filter(post__region_id=OTHER).first()
    with pytest.raises(InvalidInput):
        services.hand_over(county_admin, shift.pk, notes="本班平稳。", closed_matter_ids=[foreign.pk])
    assert not Handover.objects.filter(shift=shift).exists()


# Check-ins ------------------------------------------------------------


def test_the_city_checks_a_county_and_the_shift_answers(demo: None) -> None:
    city_duty = user("demo-duty")
    [checkin] = services.send_checkins(city_duty, [COUNTY], "请报告在岗情况。")
    post = post_of(COUNTY)
    assert checkin.due_at == checkin.sent_at + timedelta(minutes=post.checkin_minutes)
    told = set(todos(checkin, services.ANSWER_CHECKIN_TASK).values_list("recipient__username", flat=True))
    assert told == people_on(shift_now(COUNTY))
    sms = Delivery.objects.about(checkin).get()
    assert (sms.channel, sms.address, sms.recipient_kind) == (Delivery.SMS, post.phone, "dutypost")
    assert jobs.pending_deadlines(checkin).get().kind == services.CHECKIN_MISSED
    answered = services.answer_checkin(user(f"demo-duty-{COUNTY}"), checkin.pk, "在岗")
    assert answered.status == CheckIn.ANSWERED
    assert not jobs.pending_deadlines(checkin).exists()
    assert not todos(checkin, services.ANSWER_CHECKIN_TASK).filter(done_at__isnull=True).exists()


def test_an_unanswered_check_in_is_recorded_missed_and_the_sender_told(demo: None) -> None:
    city_duty = user("demo-duty")
    [checkin] = services.send_checkins(city_duty, [COUNTY], "请报告在岗情况。")
    jobs.run_due(checkin.due_at + timedelta(seconds=1))
    checkin.refresh_from_db()
    assert checkin.status == CheckIn.MISSED
    assert AuditEntry.objects.filter(action="checkin.missed", object_id=str(checkin.pk)).exists()
    assert Notification.objects.filter(recipient=city_duty, object_id=str(checkin.pk), task="").exists()
    with pytest.raises(Conflict):
        services.answer_checkin(
            user(f"demo-duty-{COUNTY}"), checkin.pk, "在岗", at=checkin.due_at + timedelta(minutes=1)
        )


def test_counties_do_not_send_check_ins_and_the_city_does_not_answer_them(
    county_admin: Any, city_admin: Any
) -> None:
    with pytest.raises(Forbidden):
        services.send_checkins(county_admin, [COUNTY], "查岗")
    [checkin] = services.send_checkins(city_admin, [COUNTY], "查岗")
    with pytest.raises(Forbidden):
        services.answer_checkin(city_admin, checkin.pk, "")
    with pytest.raises(NotFound):
        services.answer_checkin(user(f"demo-county-{OTHER}"), checkin.pk, "")


def test_a_check_in_of_every_county_when_none_is_named(city_admin: Any) -> None:
    sent = services.send_checkins(city_admin, [], "夜间查岗")
    assert (
        len(sent) == 14
        and Deadline.objects.filter(kind=services.CHECKIN_MISSED, status="pending").count() >= 14
    )


def test_the_demo_has_one_missed_and_one_pending_check_in(demo: None) -> None:
    assert CheckIn.objects.filter(status=CheckIn.MISSED).count() == 1
    pending = CheckIn.objects.get(status=CheckIn.PENDING)
    assert pending.post.region_id == OTHER and pending.due_at > timezone.now()
    assert todos(pending, services.ANSWER_CHECKIN_TASK).exists()


def test_a_swap_left_to_the_administrator_is_approved_with_the_replacement_named(county_admin: Any) -> None:
    shift = _future_shift()
    officer = shift.officers.order_by("pk").first()
    swap = services.request_swap(officer, shift.pk, reason="家中有事")
    assert swap.incoming is None
    with pytest.raises(InvalidInput):
        services.decide_swap(county_admin, swap.pk, approve=True)
    free = next(
        u
        for u in services.eligible_people(shift.post).filter(role="duty_officer")
        if u.username not in people_on(shift)
    )
    services.decide_swap(county_admin, swap.pk, approve=True, incoming=free.username)
    assert free.username in people_on(shift) and officer.username not in people_on(shift)
