"""Deadlines and the notification outbox: run once when due, retried on failure, nothing lost."""

from datetime import datetime, timedelta
from io import StringIO
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command

from yingji.core import jobs
from yingji.core.models import Deadline, Notification, Organization

SHANGHAI = ZoneInfo("Asia/Shanghai")
T0 = datetime(2026, 12, 1, 8, 0, tzinfo=SHANGHAI)
calls: list[tuple[int, datetime]] = []


@jobs.deadline_handler("test.touch")
def touch(deadline: Deadline, now: datetime) -> None:
    organization = Organization.objects.get(pk=int(deadline.object_id))
    organization.phone = deadline.payload.get("phone", "touched")
    organization.save(update_fields=["phone"])
    calls.append((organization.pk, now))
    if deadline.payload.get("explode"):
        raise RuntimeError("boom")


@pytest.fixture(autouse=True)
def _only_this_tests_work(demo: None) -> None:
    """The demo schedules its own deadlines and notifications; these tests count only theirs."""
    Deadline.objects.all().delete()
    Notification.objects.all().delete()


@pytest.fixture
def organization(demo: None) -> Organization:
    calls.clear()
    return Organization.objects.filter(region_id="140902").first()


def test_a_deadline_runs_once_when_due_and_not_before(organization: Organization) -> None:
    jobs.schedule("test.touch", organization, T0, phone="0350-1")
    assert jobs.run_due(T0 - timedelta(seconds=1)).deadlines_done == 0
    assert jobs.run_due(T0).deadlines_done == 1
    assert jobs.run_due(T0 + timedelta(days=1)).deadlines_done == 0
    organization.refresh_from_db()
    assert organization.phone == "0350-1" and len(calls) == 1


def test_rescheduling_replaces_the_pending_deadline(organization: Organization) -> None:
    jobs.schedule("test.touch", organization, T0)
    jobs.schedule("test.touch", organization, T0 + timedelta(days=3))
    assert Deadline.objects.filter(kind="test.touch", status=Deadline.PENDING).count() == 1
    assert jobs.run_due(T0 + timedelta(days=1)).deadlines_done == 0
    assert jobs.run_due(T0 + timedelta(days=3)).deadlines_done == 1


def test_a_cancelled_deadline_never_runs(organization: Organization) -> None:
    jobs.schedule("test.touch", organization, T0)
    assert jobs.cancel("test.touch", organization) == 1
    assert jobs.run_due(T0 + timedelta(days=1)).deadlines_done == 0


def test_a_failing_handler_changes_nothing_and_is_retried_then_given_up(organization: Organization) -> None:
    jobs.schedule("test.touch", organization, T0, phone="never", explode=True)
    now = T0
    for attempt in range(1, jobs.MAX_ATTEMPTS + 1):
        report = jobs.run_due(now)
        assert report.deadlines_failed == 1, attempt
        now += jobs.RETRY_DELAY * attempt
    deadline = Deadline.objects.get(kind="test.touch")
    assert deadline.status == Deadline.FAILED and "boom" in deadline.last_error
    organization.refresh_from_db()
    assert organization.phone != "never"


def test_scheduling_an_unknown_kind_is_refused(organization: Organization) -> None:
    with pytest.raises(ValueError, match="no handler"):
        jobs.schedule("test.unknown", organization, T0)


def test_notifications_wait_in_the_outbox_until_delivered(county_admin: Any) -> None:
    jobs.notify([county_admin], "隐患逾期", body="某企业隐患已逾期", link="/")
    notification = Notification.objects.get(recipient=county_admin)
    assert notification.status == Notification.PENDING
    assert jobs.run_due().notifications_sent == 1
    notification.refresh_from_db()
    assert notification.status == Notification.SENT and notification.sent_at is not None
    assert jobs.run_due().notifications_sent == 0


def test_a_failed_delivery_is_retried(county_admin: Any) -> None:
    attempts: list[int] = []

    @jobs.notification_sender("test-sms")
    def flaky(notification: Notification) -> None:
        attempts.append(notification.pk)
        if len(attempts) == 1:
            raise ConnectionError("gateway down")

    jobs.notify([county_admin], "测试", channels=("test-sms",))
    now = datetime.now(tz=SHANGHAI)
    assert jobs.run_due(now).notifications_failed == 1
    assert jobs.run_due(now).notifications_sent == 0  # not hammered again in the same minute
    assert jobs.run_due(now + jobs.RETRY_DELAY).notifications_sent == 1
    assert Notification.objects.get(channel="test-sms").attempts == 2


def test_run_due_command_reads_a_shanghai_time(organization: Organization) -> None:
    jobs.schedule("test.touch", organization, T0)
    out = StringIO()
    call_command("run-due", "--now", "2026-12-01T07:59:59", stdout=out)
    assert "0 done" in out.getvalue()
    call_command("run-due", "--now", "2026-12-01T08:00:00", stdout=out)
    assert "1 done" in out.getvalue()


def test_the_inbox_page_lists_and_marks_read(county_admin: Any, page_client: Any) -> None:
    jobs.notify([county_admin], "请核查隐患", link="/map/")
    client = page_client(county_admin)
    client.get("/notifications/")  # sets the CSRF cookie
    html = client.get("/notifications/").content.decode()
    assert "请核查隐患" in html
    assert '<span class="badge">1</span>' in html
    notification = Notification.objects.get(recipient=county_admin)
    token = client.cookies["csrftoken"].value
    response = client.post("/notifications/", {"id": notification.pk, "csrfmiddlewaretoken": token})
    assert response.status_code == 302 and response["Location"] == "/map/"
    notification.refresh_from_db()
    assert notification.read_at is not None


def test_deadlines_made_and_cancelled_in_bulk(organization: Organization) -> None:
    others = list(Organization.objects.filter(region_id="140921")[:2])
    assert jobs.schedule_new("test.touch", [(organization, T0), *((org, T0) for org in others)]) == 3
    assert jobs.cancel_all("test.touch", others) == 2
    assert jobs.cancel_all("test.touch", []) == 0
    assert jobs.run_due(T0).deadlines_done == 1
    assert [pk for pk, _ in calls] == [organization.pk]
    with pytest.raises(ValueError):
        jobs.schedule_new("test.no-such-kind", [(organization, T0)])


@jobs.deadline_handler("test.again")
def again(deadline: Deadline, now: datetime) -> None:
    organization = Organization.objects.get(pk=int(deadline.object_id))
    calls.append((organization.pk, now))
    if len(calls) < 3:
        jobs.schedule("test.again", organization, now + timedelta(hours=1))


def test_a_handler_can_schedule_its_own_kind_again(organization: Organization) -> None:
    jobs.schedule("test.again", organization, T0)
    for hours in range(4):
        jobs.run_due(T0 + timedelta(hours=hours))
    assert [at for _, at in calls] == [T0, T0 + timedelta(hours=1), T0 + timedelta(hours=2)]
    assert not Deadline.objects.filter(kind="test.again", status=Deadline.PENDING).exists()
