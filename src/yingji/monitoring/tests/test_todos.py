"""A raised alarm is a to-do of everyone told until someone acknowledges it or it clears."""

from __future__ import annotations

from yingji.core import jobs
from yingji.core.models import Notification
from yingji.monitoring import alarms
from yingji.monitoring.models import Alarm

from .test_alarms import open_alarms, send


def todos(alarm: Alarm) -> list[bool]:
    rows = Notification.objects.filter(
        object_type="monitoring.alarm", object_id=str(alarm.pk), task=alarms.ACKNOWLEDGE_TASK
    )
    return [row.is_todo for row in rows]


def test_every_one_told_of_a_raised_alarm_has_a_to_do_until_one_acknowledges(rig, county_admin):
    send(rig, "methane", 1.6)
    alarm = open_alarms(rig, "methane").get()
    assert todos(alarm) and all(todos(alarm))
    assert all(jobs.still_waiting(row) for row in Notification.objects.filter(object_id=str(alarm.pk)).todo())

    alarms.acknowledge(county_admin, alarm.pk, "已通知矿井调度")
    assert todos(alarm) and not any(todos(alarm))


def test_an_alarm_that_clears_by_itself_leaves_no_to_do(rig, settings):
    settings.MONITORING_CLEAR_AFTER_SECONDS = 300
    send(rig, "methane", 1.1, start=1000)
    alarm = open_alarms(rig, "methane").get()
    assert all(todos(alarm))
    send(rig, "methane", *([0.2] * 35), start=700, step=10)
    alarm.refresh_from_db()
    assert alarm.status == Alarm.CLEARED and todos(alarm) and not any(todos(alarm))


def test_telling_the_county_of_an_acknowledged_alarm_that_climbs_is_information(rig, county_admin):
    send(rig, "methane", 0.8, start=900)
    alarm = open_alarms(rig, "methane").get()
    alarms.acknowledge(county_admin, alarm.pk)
    send(rig, "methane", 1.6, start=300)
    newest = Notification.objects.filter(object_type="monitoring.alarm", object_id=str(alarm.pk)).latest("id")
    assert newest.task == "" and not newest.is_todo
