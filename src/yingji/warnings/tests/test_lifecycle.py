"""The lifecycle table and the approval arithmetic (pure)."""

import pytest

from yingji.warnings import lifecycle


def test_the_round_from_draft_to_published() -> None:
    status = lifecycle.DRAFT
    for action in (lifecycle.SUBMIT, lifecycle.APPROVE, lifecycle.PUBLISH):
        status = lifecycle.next_status(action, status)
    assert status == lifecycle.PUBLISHED
    assert lifecycle.next_status(lifecycle.PUBLISH, lifecycle.SUBMITTED) == lifecycle.PUBLISHED


@pytest.mark.parametrize(
    ("action", "status"),
    [
        ("publish", "draft"),
        ("approve", "draft"),
        ("submit", "published"),
        ("update", "draft"),
        ("expire", "cancelled"),
        ("cancel", "expired"),
    ],
)
def test_steps_the_table_does_not_allow(action: str, status: str) -> None:
    with pytest.raises(lifecycle.TransitionError):
        lifecycle.next_status(action, status)


def test_ended_versions_allow_nothing() -> None:
    for status in (lifecycle.UPDATED, lifecycle.CANCELLED, lifecycle.EXPIRED):
        assert lifecycle.actions_from(status) == []
    assert lifecycle.actions_from(lifecycle.PUBLISHED) == ["update", "cancel", "expire"]


def test_default_approval_county_for_blue_and_yellow_city_for_orange_and_red() -> None:
    path = ["140000", "140900", "140902"]
    assert [lifecycle.approver_tier(level, path, {}) for level in lifecycle.LEVELS] == [
        "county",
        "county",
        "city",
        "city",
    ]


def test_the_nearest_rule_up_the_path_wins() -> None:
    path = ["140000", "140900", "140902"]
    rules = {("140900", "orange"): "county", ("140902", "orange"): "city", ("140900", "yellow"): "city"}
    assert lifecycle.approver_tier("orange", path, rules) == "city"  # the county's own rule
    assert lifecycle.approver_tier("yellow", path, rules) == "city"  # the city's rule for all counties
    assert lifecycle.approver_tier("orange", ["140000", "140900", "140921"], rules) == "county"
