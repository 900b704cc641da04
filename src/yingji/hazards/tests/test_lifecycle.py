"""The closed loop's table: which action leads where, from which state, and who may take it."""

import pytest

from yingji.hazards import lifecycle as lc


@pytest.mark.parametrize(
    ("action", "state", "target"),
    [
        (lc.START_RECTIFICATION, lc.REPORTED, lc.RECTIFYING),
        (lc.SUBMIT, lc.RECTIFYING, lc.AWAITING_ACCEPTANCE),
        (lc.ACCEPT, lc.AWAITING_ACCEPTANCE, lc.CLOSED),
        (lc.REJECT, lc.AWAITING_ACCEPTANCE, lc.RECTIFYING),
    ],
)
def test_each_step_of_the_loop_leads_to_the_next_state(action: str, state: str, target: str) -> None:
    actor = lc.SUPERVISOR
    assert lc.check(action, state, actor, lc.COUNTY) == target


def test_reporting_creates_a_reported_hazard_and_cannot_apply_to_an_existing_one() -> None:
    assert lc.check(lc.REPORT, None, lc.ENTERPRISE) == lc.REPORTED
    with pytest.raises(lc.NotAllowed) as refusal:
        lc.check(lc.REPORT, lc.RECTIFYING, lc.ENTERPRISE)
    assert refusal.value.reason == lc.NotAllowed.WRONG_STATE


@pytest.mark.parametrize("action", [lc.ACCEPT, lc.REJECT, lc.LIST_SUPERVISION, lc.DECIDE_EXTENSION])
def test_an_enterprise_cannot_take_the_supervisors_steps(action: str) -> None:
    state = lc.AWAITING_ACCEPTANCE if action in (lc.ACCEPT, lc.REJECT) else lc.RECTIFYING
    with pytest.raises(lc.NotAllowed) as refusal:
        lc.check(action, state, lc.ENTERPRISE)
    assert refusal.value.reason == lc.NotAllowed.WRONG_ACTOR


@pytest.mark.parametrize("action", [lc.START_RECTIFICATION, lc.SUBMIT, lc.REQUEST_EXTENSION, lc.EDIT_PLAN])
def test_the_enterprises_steps_are_its_own_or_recorded_by_a_supervisor(action: str) -> None:
    state = lc.REPORTED if action in (lc.START_RECTIFICATION, lc.EDIT_PLAN) else lc.RECTIFYING
    assert lc.check(action, state, lc.ENTERPRISE)
    assert lc.check(action, state, lc.SUPERVISOR, lc.COUNTY)


def test_nobody_else_takes_any_step() -> None:
    for action in lc.TABLE:
        with pytest.raises(lc.NotAllowed):
            lc.check(action, lc.REPORTED, None)


@pytest.mark.parametrize(
    ("action", "state"),
    [
        (lc.SUBMIT, lc.REPORTED),
        (lc.ACCEPT, lc.RECTIFYING),
        (lc.REJECT, lc.CLOSED),
        (lc.START_RECTIFICATION, lc.CLOSED),
        (lc.LIST_SUPERVISION, lc.CLOSED),
        (lc.REQUEST_EXTENSION, lc.AWAITING_ACCEPTANCE),
        (lc.EDIT_PLAN, lc.AWAITING_ACCEPTANCE),
    ],
)
def test_a_step_from_the_wrong_state_is_refused(action: str, state: str) -> None:
    with pytest.raises(lc.NotAllowed) as refusal:
        lc.check(action, state, lc.SUPERVISOR, lc.CITY)
    assert refusal.value.reason == lc.NotAllowed.WRONG_STATE


@pytest.mark.parametrize("action", [lc.ACCEPT, lc.REJECT])
def test_once_the_city_supervises_only_the_city_accepts_or_rejects(action: str) -> None:
    with pytest.raises(lc.NotAllowed) as refusal:
        lc.check(action, lc.AWAITING_ACCEPTANCE, lc.SUPERVISOR, lc.COUNTY, supervising_level=lc.CITY)
    assert refusal.value.reason == lc.NotAllowed.WRONG_LEVEL
    assert lc.check(action, lc.AWAITING_ACCEPTANCE, lc.SUPERVISOR, lc.CITY, supervising_level=lc.CITY)


def test_the_city_may_decide_on_a_hazard_the_county_supervises() -> None:
    assert lc.check(lc.ACCEPT, lc.AWAITING_ACCEPTANCE, lc.SUPERVISOR, lc.CITY) == lc.CLOSED


def test_allowed_actions_lists_what_the_table_permits_in_order() -> None:
    assert lc.allowed_actions(lc.RECTIFYING, lc.ENTERPRISE, None, lc.COUNTY) == [
        lc.SUBMIT,
        lc.REQUEST_EXTENSION,
        lc.EDIT_PLAN,
        lc.ADD_ATTACHMENT,
    ]
    assert lc.allowed_actions(lc.CLOSED, lc.SUPERVISOR, lc.CITY, lc.CITY) == []
    assert lc.ACCEPT not in lc.allowed_actions(lc.AWAITING_ACCEPTANCE, lc.SUPERVISOR, lc.COUNTY, lc.CITY)


def test_an_overdue_major_hazard_moves_from_county_to_city_and_a_general_one_stays() -> None:
    assert lc.escalated_level(True, lc.COUNTY) == lc.CITY
    assert lc.escalated_level(True, lc.CITY) == lc.CITY
    assert lc.escalated_level(False, lc.COUNTY) == lc.COUNTY


def test_a_hazard_is_listed_once_per_level_and_the_city_may_list_over_the_county() -> None:
    assert lc.listing_level_allowed(lc.COUNTY, None)
    assert lc.listing_level_allowed(lc.CITY, lc.COUNTY)
    assert not lc.listing_level_allowed(lc.COUNTY, lc.COUNTY)
    assert not lc.listing_level_allowed(lc.COUNTY, lc.CITY)
    assert not lc.listing_level_allowed(lc.CITY, lc.CITY)
