"""Tasks with deadlines and feedback; situation reports on the commander's schedule."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from yingji.command.models import IncidentLogEntry
from yingji.core import jobs
from yingji.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from yingji.core.models import AuditEntry, Notification
from yingji.response import services
from yingji.response.models import SituationReport, Task
from yingji.response.tests.conftest import COUNTY, pending, run_deadline, user


@pytest.fixture
def response(county_admin, incident):
    return services.launch_response(county_admin, incident.pk, level=4)


def test_a_task_for_a_group_is_told_to_its_people_and_reminded_before_its_deadline(
    county_admin, incident, response
):
    duty = user(f"demo-duty-{COUNTY}")
    services.add_member(county_admin, incident.pk, group="logistics", username=duty.username)
    due = timezone.now() + timedelta(hours=2)
    task = services.add_task(
        county_admin, incident.pk, title="调运帐篷 200 顶", group="logistics", due_at=due
    )

    assert Notification.objects.filter(recipient=duty, object_id=str(task.pk), task=services.DO_TASK).exists()
    assert pending(services.TASK_REMIND, task).due_at == due - timedelta(minutes=30)
    run_deadline(services.TASK_REMIND, task, services.remind_task)
    assert Notification.objects.filter(recipient=duty, subject__startswith="任务即将到期").exists()


def test_a_task_still_open_at_its_deadline_is_marked_overdue_and_the_commander_told(
    county_admin, incident, response
):
    task = services.add_task(
        county_admin, incident.pk, title="清点人员", due_at=timezone.now() + timedelta(hours=1)
    )
    run_deadline(services.TASK_OVERDUE, task, services.mark_task_overdue)

    task.refresh_from_db()
    assert task.overdue and task.status == Task.OPEN
    assert Notification.objects.filter(recipient=county_admin, subject__startswith="任务超时").exists()
    assert AuditEntry.objects.filter(action="response_task.overdue", object_id=str(task.pk)).exists()


def test_feedback_then_done_closes_the_task_its_deadlines_and_to_dos(county_admin, incident, response):
    task = services.add_task(
        county_admin, incident.pk, title="清点人员", due_at=timezone.now() + timedelta(hours=1)
    )
    services.report_task(county_admin, task.pk, feedback="已清点 30 人")
    task = services.report_task(county_admin, task.pk, feedback="全部清点完毕", done=True)

    assert task.status == Task.DONE and task.done_by_id == county_admin.pk
    assert not jobs.pending_deadlines(task).exists()
    assert not Notification.objects.filter(
        object_id=str(task.pk), task=services.DO_TASK, done_at__isnull=True
    ).exists()
    assert IncidentLogEntry.objects.filter(incident=incident, text__startswith="任务完成").exists()
    with pytest.raises(Conflict):
        services.report_task(county_admin, task.pk, feedback="again")


def test_task_input_is_bounded(county_admin, other_county_admin, incident, response):
    soon = timezone.now() + timedelta(hours=1)
    with pytest.raises(InvalidInput):
        services.add_task(county_admin, incident.pk, title="", due_at=soon)
    with pytest.raises(InvalidInput):
        services.add_task(county_admin, incident.pk, title="x", due_at=timezone.now() - timedelta(minutes=1))
    with pytest.raises(InvalidInput):
        services.add_task(county_admin, incident.pk, title="x", due_at=timezone.now() + timedelta(days=31))
    with pytest.raises(InvalidInput):
        services.add_task(county_admin, incident.pk, title="x" * 201, due_at=soon)
    with pytest.raises(NotFound):
        services.add_task(other_county_admin, incident.pk, title="x", due_at=soon)
    task = services.add_task(county_admin, incident.pk, title="x", due_at=soon)
    with pytest.raises(NotFound):
        services.report_task(other_county_admin, task.pk, feedback="x")
    with pytest.raises(Forbidden):
        services.report_task(user(f"demo-reporter-{COUNTY}"), task.pk, feedback="x")


def test_a_due_report_reminds_then_is_marked_late_and_filing_it_schedules_the_next(
    county_admin, incident, response
):
    services.set_sitrep_schedule(county_admin, incident.pk, every_hours=2)
    first = SituationReport.objects.get(response=response, status=SituationReport.DUE)
    run_deadline(services.SITREP_REMIND, first, services.remind_sitrep)
    assert Notification.objects.filter(
        task=services.FILE_SITREP, object_id=str(first.pk), recipient=county_admin
    ).exists()
    due = run_deadline(services.SITREP_LATE, first, services.mark_sitrep_late)
    assert SituationReport.objects.get(pk=first.pk).late

    filed = services.file_sitrep(
        county_admin,
        incident.pk,
        progress="火势得到控制",
        deaths=1,
        evacuated=300,
        now=due + timedelta(minutes=20),
    )

    assert filed.pk == first.pk and filed.status == SituationReport.FILED and filed.late
    second = SituationReport.objects.get(response=response, status=SituationReport.DUE)
    assert second.sequence == 2 and second.due_at == due + timedelta(hours=2)
    assert not Notification.objects.filter(
        object_id=str(first.pk), task=services.FILE_SITREP, done_at__isnull=True
    ).exists()
    assert IncidentLogEntry.objects.filter(incident=incident, text__contains="（迟报）").exists()


def test_a_report_filed_in_time_is_not_late_and_one_out_of_schedule_is_allowed(
    county_admin, incident, response
):
    report = services.file_sitrep(county_admin, incident.pk, progress="现场平稳")
    assert report.sequence == 1 and not report.late
    services.set_sitrep_schedule(county_admin, incident.pk, every_hours=3)
    due = SituationReport.objects.get(response=response, status=SituationReport.DUE)
    assert due.sequence == 2
    on_time = services.file_sitrep(
        county_admin, incident.pk, progress="继续处置", now=due.due_at - timedelta(minutes=5)
    )
    assert not on_time.late


@pytest.mark.parametrize(
    "changes",
    [{"progress": ""}, {"deaths": -1}, {"injured": 10**7}, {"deaths": "3"}, {"progress": "x" * 2001}],
)
def test_bad_report_input_is_refused(county_admin, incident, response, changes):
    with pytest.raises(InvalidInput):
        services.file_sitrep(county_admin, incident.pk, **{"progress": "ok", **changes})
    assert not SituationReport.objects.filter(response=response, status=SituationReport.FILED).exists()


@pytest.mark.parametrize("hours", [0, 25, "2"])
def test_the_schedule_is_bounded(county_admin, incident, response, hours):
    with pytest.raises(InvalidInput):
        services.set_sitrep_schedule(county_admin, incident.pk, every_hours=hours)
