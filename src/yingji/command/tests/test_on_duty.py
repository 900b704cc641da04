"""Who is on duty drives notifications: alarms and warnings awaiting approval go to the shift, falling
back to the role when no rota covers the moment (ADR 0038)."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from yingji.command.tests.conftest import COUNTY, no_rota_now, people_on, shift_now, user
from yingji.core import jobs, roles
from yingji.core.models import Region, User
from yingji.monitoring import alarms
from yingji.monitoring.models import Sensor
from yingji.warnings import services as warnings
from yingji.warnings.tests.pages_fixtures import make_draft


def county_sensor() -> Sensor:
    return Sensor.objects.select_related("region").filter(region__path__contains=f"/{COUNTY}/").first()


def names(users: Any) -> set[str]:
    return {person.username for person in users}


def test_the_resolver_names_the_leader_and_officers_of_the_shift_on_now(demo: None) -> None:
    shift = shift_now(COUNTY)
    ids = jobs.on_duty_ids(Region.objects.get(code=COUNTY))
    assert names(User.objects.filter(pk__in=ids)) == people_on(shift)


def test_county_alarms_go_to_the_people_on_shift(demo: None) -> None:
    shift = shift_now(COUNTY)
    told = alarms.recipients_at_tier(county_sensor(), alarms.COUNTY_TIER)
    assert names(told) == people_on(shift)


def test_without_a_rota_county_alarms_go_to_its_duty_officers(demo: None) -> None:
    no_rota_now(COUNTY)
    told = alarms.recipients_at_tier(county_sensor(), alarms.COUNTY_TIER)
    expected = User.objects.filter(region_id=COUNTY, role=roles.DUTY_OFFICER, is_active=True)
    assert told and names(told) == names(expected)


def test_city_alarms_follow_the_city_rota(demo: None) -> None:
    shift = shift_now("140900")
    told = alarms.recipients_at_tier(county_sensor(), alarms.CITY_TIER)
    assert names(told) == people_on(shift)


def _second_admin_leads_now() -> User:
    """A second county administrator, made leader on duty of the shift on now."""
    deputy = User.objects.create(username="deputy-xinfu", role=roles.COUNTY_ADMIN, region_id=COUNTY)
    shift = shift_now(COUNTY)
    shift.leader = deputy
    shift.save(update_fields=["leader"])
    return deputy


def test_a_warning_to_approve_goes_to_the_approver_on_duty(demo: None) -> None:
    deputy = _second_admin_leads_now()
    warning = warnings.submit(user(f"demo-county-{COUNTY}"), make_draft("blue").pk)
    todo = set(warning_todos(warning).values_list("recipient__username", flat=True))
    assert todo == {deputy.username}


def test_without_a_rota_a_warning_to_approve_goes_to_every_approver(demo: None) -> None:
    _second_admin_leads_now()
    no_rota_now(COUNTY)
    warning = warnings.submit(user(f"demo-county-{COUNTY}"), make_draft("blue").pk)
    todo = set(warning_todos(warning).values_list("recipient__username", flat=True))
    assert todo == {"deputy-xinfu", f"demo-county-{COUNTY}"}


def test_a_shift_without_an_approver_falls_back_to_the_role(demo: None) -> None:
    shift = shift_now(COUNTY)
    shift.leader = user(f"demo-duty-{COUNTY}-4")
    shift.save(update_fields=["leader"])
    warning = warnings.submit(user(f"demo-county-{COUNTY}"), make_draft("blue").pk)
    assert set(warning_todos(warning).values_list("recipient__username", flat=True)) == {
        f"demo-county-{COUNTY}"
    }


def warning_todos(warning: Any) -> Any:
    from yingji.core.models import Notification

    return Notification.objects.filter(
        object_type=warning._meta.label_lower, object_id=str(warning.pk), task=warnings.APPROVE_TASK
    )


def test_a_moment_outside_the_rota_is_not_covered(demo: None) -> None:
    far = timezone.now().replace(year=timezone.now().year + 3)
    assert jobs.on_duty_ids(Region.objects.get(code=COUNTY), far) is None
