"""A warning waiting for approval is a to-do of its approvers until it is published, returned or
cancelled; a returned one is the drafter's until resubmitted; a platform draft the duty officers'."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from yingji.core import jobs
from yingji.core.models import Notification, Region, User
from yingji.monitoring import alarms
from yingji.monitoring.models import Alarm, Sensor
from yingji.warnings import services
from yingji.warnings.models import EarlyWarning
from yingji.warnings.tests.pages_fixtures import COUNTY, make_draft, make_submitted, user


def about(warning: EarlyWarning) -> Any:
    return Notification.objects.filter(object_type="early_warnings.earlywarning", object_id=str(warning.pk))


def todos(warning: EarlyWarning, task: str) -> dict[str, bool]:
    """{recipient's username: still open} for the latest to-do `task` of each about the warning."""
    rows = about(warning).filter(task=task).select_related("recipient").order_by("id")
    return {row.recipient.username: row.is_todo for row in rows}


def test_the_city_approves_an_orange_warning_and_its_to_do_closes_when_it_is_published(demo: None) -> None:
    warning = make_submitted("orange")
    assert todos(warning, services.APPROVE_TASK) == {"demo-city": True}

    services.approve(user("demo-city"), warning.pk)
    assert todos(warning, services.APPROVE_TASK) == {"demo-city": True}  # approved still waits to go out

    services.publish(user("demo-city"), warning.pk)
    assert todos(warning, services.APPROVE_TASK) == {"demo-city": False}


def test_a_county_tier_warning_is_the_county_admins_to_do_not_the_citys(demo: None) -> None:
    warning = make_submitted("blue")
    assert todos(warning, services.APPROVE_TASK) == {f"demo-county-{COUNTY}": True}
    assert set(services.approvers_of(warning).values_list("username", flat=True)) == {f"demo-county-{COUNTY}"}


def test_returning_closes_the_approvers_to_do_and_opens_the_drafters_until_resubmitted(demo: None) -> None:
    warning = make_submitted("orange")
    services.return_to_draft(user("demo-city"), warning.pk, "请补充影响范围")
    assert todos(warning, services.APPROVE_TASK) == {"demo-city": False}
    assert todos(warning, services.REVISE_TASK) == {f"demo-county-{COUNTY}": True}

    services.submit(user(f"demo-county-{COUNTY}"), warning.pk)
    assert todos(warning, services.REVISE_TASK) == {f"demo-county-{COUNTY}": False}
    rounds = about(warning).filter(task=services.APPROVE_TASK).order_by("id")
    assert [row.is_todo for row in rounds] == [False, True]  # the first round's closed, the new one's open


def test_cancelling_a_submitted_warning_closes_every_to_do_about_it(demo: None) -> None:
    warning = make_submitted("orange")
    services.cancel(user("demo-city"), warning.pk, "不再需要")
    assert not about(warning).todo().exists()
    assert about(warning).filter(task=services.APPROVE_TASK).done().exists()


def test_a_platform_draft_is_the_duty_officers_to_do_until_submitted(demo: None) -> None:
    sensor = Sensor.objects.filter(kind="rainfall", site__isnull=False, region__path__contains=f"/{COUNTY}/")
    gauge = sensor.select_related("region").first()
    now = timezone.now()
    alarm = Alarm.objects.create(
        sensor=gauge, rule=Alarm.WINDOW, level=3, peak_level=3, raised_at=now, last_triggered_at=now,
        peak_value=61.5, window_h=3, region_id=gauge.region_id,
    )  # fmt: skip
    alarms._tell_listeners([alarm], now)
    draft = EarlyWarning.objects.get(source_key=f"monitoring.alarm:{alarm.pk}")
    # The county's duty room: the people on shift by its rota (ADR 0038), else its duty officers.
    on_duty = jobs.on_duty_ids(Region.objects.get(code=COUNTY))
    people = (
        User.objects.filter(pk__in=on_duty)
        if on_duty
        else User.objects.filter(role="duty_officer", region_id=COUNTY)
    )
    officers = set(people.values_list("username", flat=True))
    assert officers and todos(draft, services.CHECK_DRAFT_TASK) == dict.fromkeys(officers, True)

    services.submit(user(f"demo-duty-{COUNTY}"), draft.pk)
    assert set(todos(draft, services.CHECK_DRAFT_TASK).values()) == {False}


def test_a_drafts_own_to_do_list_is_untouched_by_another_warnings_changes(demo: None) -> None:
    waiting, other = make_submitted("orange"), make_draft("orange")
    services.cancel(user(f"demo-duty-{COUNTY}"), other.pk)
    assert todos(waiting, services.APPROVE_TASK) == {"demo-city": True}


def test_the_list_of_warnings_awaiting_me_is_my_approval_to_do_list(demo: None) -> None:
    from yingji.warnings.views.staff import listed_warnings

    make_submitted("orange")
    make_submitted("blue")
    for username in ("demo-city", f"demo-county-{COUNTY}", "demo-county-140921", "demo-county-140928"):
        approver = user(username)
        listed = set(
            listed_warnings(approver, {"tab": "pending", "awaiting": "me"}).values_list("pk", flat=True)
        )
        on_todo_list = {
            int(pk)
            for pk in Notification.objects.filter(recipient=approver, task=services.APPROVE_TASK)
            .todo()
            .values_list("object_id", flat=True)
        }
        assert listed == on_todo_list, username
    assert listed_warnings(user(f"demo-duty-{COUNTY}"), {"awaiting": "me"}).count() == 0
