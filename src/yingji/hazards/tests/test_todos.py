"""The supervisors' and the enterprise's to-dos about a hazard open and close with its state."""

from __future__ import annotations

from typing import Any

import pytest

from yingji.core.models import Notification, User
from yingji.hazards import services
from yingji.hazards.models import Hazard
from yingji.hazards.tests.conftest import in_days, rectifying_major

pytestmark = pytest.mark.django_db


def todos(hazard: Hazard, task: str) -> dict[str, bool]:
    rows = Notification.objects.filter(object_type="hazards.hazard", object_id=str(hazard.pk), task=task)
    rows = rows.select_related("recipient").order_by("id")
    return {row.recipient.username: row.is_todo for row in rows}


def test_acceptance_is_the_county_admins_to_do_until_accepted(
    officer: User, chemical: Any, county_admin: User
) -> None:
    hazard = services.submit_for_acceptance(officer, rectifying_major(officer, chemical).pk)
    assert todos(hazard, services.ACCEPT_TASK) == {county_admin.username: True}
    services.accept(county_admin, hazard.pk, note="合格")
    assert todos(hazard, services.ACCEPT_TASK) == {county_admin.username: False}


def test_a_rejection_closes_the_acceptance_and_gives_the_enterprise_a_to_do_until_resubmitted(
    officer: User, chemical: Any, county_admin: User
) -> None:
    hazard = services.submit_for_acceptance(officer, rectifying_major(officer, chemical).pk)
    services.reject(county_admin, hazard.pk, reason="报警装置仍未联动")
    assert todos(hazard, services.ACCEPT_TASK) == {county_admin.username: False}
    assert todos(hazard, services.RECTIFY_AGAIN_TASK) == {officer.username: True}
    services.submit_for_acceptance(officer, hazard.pk)
    assert todos(hazard, services.RECTIFY_AGAIN_TASK) == {officer.username: False}


def test_an_extension_request_waits_for_a_decision_or_becomes_moot_on_submission(
    officer: User, chemical: Any, county_admin: User
) -> None:
    hazard = rectifying_major(officer, chemical)
    services.request_extension(officer, hazard.pk, requested_deadline=in_days(40), reason="设备到货延迟")
    assert todos(hazard, services.DECIDE_EXTENSION_TASK) == {county_admin.username: True}
    services.submit_for_acceptance(officer, hazard.pk)  # the request is withdrawn: nothing left to decide
    assert todos(hazard, services.DECIDE_EXTENSION_TASK) == {county_admin.username: False}


def test_deciding_an_extension_closes_its_to_do(officer: User, chemical: Any, county_admin: User) -> None:
    hazard = rectifying_major(officer, chemical)
    services.request_extension(officer, hazard.pk, requested_deadline=in_days(40), reason="设备到货延迟")
    services.decide_extension(county_admin, hazard.pk, approve=False)
    assert todos(hazard, services.DECIDE_EXTENSION_TASK) == {county_admin.username: False}


def test_in_the_demo_every_hazard_awaiting_acceptance_is_on_its_supervisors_to_do_lists(demo: None) -> None:
    from yingji.hazards import lifecycle

    for hazard in Hazard.objects.filter(status=lifecycle.AWAITING_ACCEPTANCE).select_related(
        "enterprise__region"
    ):
        supervisors = {
            user.username for user in services._supervisors(hazard.enterprise, hazard.supervising_level)
        }
        assert supervisors and todos(hazard, services.ACCEPT_TASK) == dict.fromkeys(supervisors, True)
