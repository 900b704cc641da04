"""Deadlines an enterprise sets itself lie within the city's period (90 / 180 days); later needs an extension.

Issue 12, defects 7 and 8: an enterprise set a rectification deadline of 9999-12-30 and escaped
escalation and extension approval; 9999-12-31 gave an HTML 500 (OverflowError).
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest

from yingji.core.errors import Forbidden, InvalidInput
from yingji.core.models import AuditEntry, User
from yingji.hazards import services
from yingji.hazards.models import DeadlineLimit
from yingji.hazards.tests.conftest import PLAN, in_days, report_general, report_major

pytestmark = pytest.mark.django_db


def form_post(client: Any, path: str, data: dict[str, Any]) -> Any:
    client.get(path)  # sets the CSRF cookie
    return client.post(path, {**data, "csrfmiddlewaretoken": client.cookies["csrftoken"].value})


# The bound -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("deadline", [date(9999, 12, 30), date(9999, 12, 31), date(2101, 1, 1)])
def test_a_deadline_past_2100_is_refused_naming_the_field(
    officer: User, chemical: Any, deadline: date
) -> None:
    hazard = report_general(officer, chemical)
    with pytest.raises(InvalidInput) as refusal:
        services.start_rectification(officer, hazard.pk, deadline=deadline)
    assert refusal.value.details["field"] == "deadline"
    hazard.refresh_from_db()
    assert hazard.status == "reported" and hazard.rectification_deadline is None


def test_a_general_hazard_gets_at_most_90_days(officer: User, chemical: Any) -> None:
    hazard = report_general(officer, chemical)
    with pytest.raises(InvalidInput) as refusal:
        services.start_rectification(officer, hazard.pk, deadline=in_days(91))
    assert refusal.value.code == "deadline_beyond_limit"
    assert "90 天" in refusal.value.message and in_days(90).isoformat() in refusal.value.message
    assert refusal.value.details == {"field": "deadline", "max_days": 90, "latest": in_days(90).isoformat()}
    started = services.start_rectification(officer, hazard.pk, deadline=in_days(90))
    assert started.rectification_deadline == in_days(90)


def test_an_administrator_recording_the_enterprises_step_is_bounded_too(
    county_admin: User, officer: User, chemical: Any
) -> None:
    hazard = report_general(officer, chemical)
    with pytest.raises(InvalidInput):
        services.start_rectification(county_admin, hazard.pk, deadline=in_days(120))


def test_a_major_hazard_gets_at_most_180_days_in_its_plan_and_its_start(officer: User, chemical: Any) -> None:
    hazard = report_major(officer, chemical)
    with pytest.raises(InvalidInput) as refusal:
        services.save_plan(officer, hazard.pk, deadline=in_days(181), **PLAN)
    assert refusal.value.details["max_days"] == 180
    services.save_plan(officer, hazard.pk, deadline=in_days(180), **PLAN)
    with pytest.raises(InvalidInput):
        services.start_rectification(officer, hazard.pk, deadline=in_days(200))
    assert services.start_rectification(officer, hazard.pk).rectification_deadline == in_days(180)


def test_the_city_configures_a_grade_and_a_criterion(city_admin: User, officer: User, chemical: Any) -> None:
    services.set_deadline_limit(city_admin, grade="general", max_days=30)
    services.set_deadline_limit(city_admin, grade="major", criterion_code="chem-12", max_days=365)
    general = report_general(officer, chemical)
    with pytest.raises(InvalidInput) as refusal:
        services.start_rectification(officer, general.pk, deadline=in_days(31))
    assert "30 天" in refusal.value.message
    major = report_major(officer, chemical)  # criterion chem-12
    assert services.save_plan(officer, major.pk, deadline=in_days(300), **PLAN).deadline == in_days(300)
    other = report_major(officer, chemical, criterion_code="chem-15")
    with pytest.raises(InvalidInput):
        services.save_plan(officer, other.pk, deadline=in_days(300), **PLAN)


def test_clearing_a_configured_period_goes_back_to_the_default(city_admin: User) -> None:
    services.set_deadline_limit(city_admin, grade="general", max_days=30)
    cleared = services.set_deadline_limit(city_admin, grade="general", max_days=None)
    assert (cleared.max_days, cleared.configured) == (90, False)
    assert not DeadlineLimit.objects.exists()
    actions = AuditEntry.objects.filter(object_type="hazards.deadlinelimit").values_list("action", flat=True)
    assert list(actions.order_by("id")) == ["hazard_deadline_limit.saved", "hazard_deadline_limit.cleared"]


@pytest.mark.parametrize(
    "changes",
    [
        {"grade": "urgent", "max_days": 10},
        {"grade": "general", "criterion_code": "chem-12", "max_days": 10},
        {"grade": "major", "criterion_code": "chem-99", "max_days": 10},
        {"grade": "general", "max_days": 0},
        {"grade": "general", "max_days": 731},
    ],
)
def test_bad_configuration_is_refused(city_admin: User, changes: dict[str, Any]) -> None:
    with pytest.raises(InvalidInput):
        services.set_deadline_limit(city_admin, **changes)
    assert not DeadlineLimit.objects.exists()


def test_only_the_city_configures_the_periods(county_admin: User, officer: User) -> None:
    for user in (county_admin, officer):
        with pytest.raises(Forbidden):
            services.set_deadline_limit(user, grade="general", max_days=365)
    assert not DeadlineLimit.objects.exists()


# Longer needs the supervisor -------------------------------------------------------------------------


def test_a_longer_deadline_comes_through_an_approved_extension(
    officer: User, chemical: Any, county_admin: User
) -> None:
    hazard = report_general(officer, chemical)
    services.start_rectification(officer, hazard.pk, deadline=in_days(90))
    services.request_extension(officer, hazard.pk, requested_deadline=in_days(200), reason="设备到货延迟")
    services.decide_extension(county_admin, hazard.pk, approve=True)
    hazard.refresh_from_db()
    assert hazard.rectification_deadline == in_days(200)


def test_a_listed_hazard_runs_to_the_listing_deadline(
    officer: User, chemical: Any, county_admin: User
) -> None:
    hazard = report_major(officer, chemical)
    services.list_for_supervision(county_admin, hazard.pk, deadline=in_days(300), document_number="督1号")
    services.save_plan(officer, hazard.pk, deadline=in_days(300), **PLAN)
    with pytest.raises(InvalidInput) as refusal:
        services.start_rectification(officer, hazard.pk, deadline=in_days(301))
    assert refusal.value.details["latest"] == in_days(300).isoformat()
    assert services.start_rectification(officer, hazard.pk).rectification_deadline == in_days(300)


# Through the API and the page ------------------------------------------------------------------------


def test_the_api_answers_400_with_the_limit(officer: User, chemical: Any, api_client: Any) -> None:
    hazard = report_general(officer, chemical)
    client = api_client(officer)
    path = f"/api/v1/hazards/{hazard.pk}/start-rectification"
    cases = (("9999-12-30", "invalid_input"), (in_days(91).isoformat(), "deadline_beyond_limit"))
    for deadline, code in cases:
        answer = client.post(path, json.dumps({"deadline": deadline}), content_type="application/json")
        assert answer.status_code == 400, answer.content
        assert answer.json()["code"] == code and answer.json()["details"]["field"] == "deadline"
    assert "90" in answer.json()["message"]


def test_the_api_lists_and_sets_the_periods(city_admin: User, county_admin: User, api_client: Any) -> None:
    listed = api_client(county_admin).get("/api/v1/hazard-deadline-limits").json()
    by_key = {(row["grade"], row["criterion_code"]): row for row in listed}
    assert by_key[("general", "")]["max_days"] == 90 and by_key[("major", "")]["max_days"] == 180
    assert by_key[("major", "coal-06")]["max_days"] == 180 and not by_key[("major", "coal-06")]["configured"]
    body = json.dumps({"grade": "major", "criterion_code": "coal-06", "max_days": 365})
    refused = api_client(county_admin).put("/api/v1/hazard-deadline-limits", body, "application/json")
    assert refused.status_code == 403
    answer = api_client(city_admin).put("/api/v1/hazard-deadline-limits", body, "application/json")
    assert answer.status_code == 200
    assert answer.json() == {
        "grade": "major",
        "criterion_code": "coal-06",
        "criterion_title": "有严重水患，未采取有效措施",
        "max_days": 365,
        "configured": True,
    }


def test_the_page_refuses_a_far_deadline_and_shows_the_latest(
    officer: User, chemical: Any, page_client: Any
) -> None:
    hazard = report_general(officer, chemical)
    client, path = page_client(officer), f"/hazards/{hazard.pk}/"
    page = client.get(path).content.decode()
    assert f'max="{in_days(90).isoformat()}"' in page
    far = form_post(client, path, {"action": "start_rectification", "deadline": "9999-12-31"})
    assert far.status_code == 400 and "2100-12-31" in far.content.decode()
    late = form_post(client, path, {"action": "start_rectification", "deadline": in_days(91).isoformat()})
    assert late.status_code == 400 and "90 天" in late.content.decode()
    hazard.refresh_from_db()
    assert hazard.status == "reported"
