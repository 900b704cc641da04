"""To-dos: a message that asks for an action stays in the to-do list until the action is taken or moot."""

from __future__ import annotations

import pytest
from django.db import transaction

from yingji.core import jobs
from yingji.core.models import Notification, Region, User

TASK = "core.tests.confirm_region"


@jobs.todo_task(TASK)
def _region_unconfirmed(region: Region) -> bool:
    return not region.population_is_estimate


@pytest.fixture
def region(demo: None) -> Region:
    return Region.objects.get(code="140902")


def test_a_to_do_stays_open_until_its_task_is_done(
    region: Region, city_admin: User, county_admin: User
) -> None:
    with transaction.atomic():
        jobs.notify([city_admin, county_admin], "请核对人口", about=region, task=TASK)
        jobs.notify([city_admin], "仅供了解", about=region)
    inbox = Notification.objects.filter(object_id=region.pk)
    assert inbox.todo().count() == 2 and inbox.information().count() == 1
    assert all(jobs.still_waiting(row) for row in inbox.todo())

    assert jobs.tasks_done(region, TASK) == 2
    assert inbox.todo().count() == 0 and inbox.done().count() == 2 and inbox.information().count() == 1
    assert jobs.tasks_done(region, TASK) == 0  # done once


def test_only_the_named_tasks_are_closed(region: Region, city_admin: User) -> None:
    jobs.notify([city_admin], "请核对人口", about=region, task=TASK)
    assert jobs.tasks_done(region, "core.tests.another_task") == 0
    assert Notification.objects.filter(object_id=region.pk).todo().count() == 1


def test_a_to_do_needs_a_registered_task_and_an_object(region: Region, city_admin: User) -> None:
    with pytest.raises(ValueError):
        jobs.notify([city_admin], "请处理", about=region, task="nobody.registered_this")
    with pytest.raises(ValueError):
        jobs.notify([city_admin], "请处理", task=TASK)


def test_the_inbox_page_shows_open_to_dos_apart_from_information(
    region: Region, city_admin: User, page_client
) -> None:
    Notification.objects.filter(recipient=city_admin).delete()
    jobs.notify([city_admin], "请核对人口", about=region, task=TASK)
    jobs.notify([city_admin], "通报：人口数据已更新", about=region)
    client = page_client(city_admin)

    todo = client.get("/notifications/").content.decode()  # the to-do part opens first when there is one
    assert "请核对人口" in todo and "通报：人口数据已更新" not in todo
    info = client.get("/notifications/?tab=info").content.decode()
    assert "通报：人口数据已更新" in info and "请核对人口" not in info

    jobs.tasks_done(region, TASK)
    assert "请核对人口" not in client.get("/notifications/?tab=todo").content.decode()
    assert "请核对人口" in client.get("/notifications/?tab=done").content.decode()


def test_the_badge_counts_open_to_dos_and_unread_information(
    region: Region, city_admin: User, page_client
) -> None:
    Notification.objects.filter(recipient=city_admin).delete()
    jobs.notify([city_admin], "请核对人口", about=region, task=TASK)
    jobs.notify([city_admin], "通报", about=region)
    from yingji.core.context_processors import waiting_in_inbox

    assert waiting_in_inbox(city_admin) == 2
    Notification.objects.filter(recipient=city_admin).update(read_at="2026-01-01T00:00:00Z")
    assert waiting_in_inbox(city_admin) == 1  # a to-do read but not done still waits
    jobs.tasks_done(region, TASK)
    assert waiting_in_inbox(city_admin) == 0


def test_the_api_lists_each_part(region: Region, city_admin: User, api_client) -> None:
    Notification.objects.filter(recipient=city_admin).delete()
    jobs.notify([city_admin], "请核对人口", about=region, task=TASK)
    jobs.notify([city_admin], "通报", about=region)
    client = api_client(city_admin)
    todo = client.get("/api/v1/notifications?part=todo").json()
    assert [(row["subject"], row["task"], row["is_todo"]) for row in todo["items"]] == [
        ("请核对人口", TASK, True)
    ]
    assert [row["subject"] for row in client.get("/api/v1/notifications?part=info").json()["items"]] == [
        "通报"
    ]
    assert client.get("/api/v1/notifications?part=done").json()["count"] == 0


def test_every_open_to_do_of_the_demo_still_waits_for_its_action(demo: None) -> None:
    open_todos = list(Notification.objects.todo())
    assert {row.task for row in open_todos} >= {
        "warnings.approve",
        "warnings.check_draft",
        "hazards.accept",
        "hazards.decide_extension",
        "monitoring.acknowledge",
        "risks.reassess",
        "majorhazards.refile",
    }
    lying = [f"{row.task} {row.subject}" for row in open_todos if not jobs.still_waiting(row)]
    assert not lying
