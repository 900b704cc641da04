"""The response's plain rules: the order's life, the team readiness it implies, which profile applies."""

from __future__ import annotations

import pytest

from yingji.response import rules


@pytest.mark.parametrize(
    ("current", "new", "allowed"),
    [
        ("issued", "received", True),
        ("issued", "departed", True),
        ("issued", "arrived", False),
        ("received", "departed", True),
        ("departed", "arrived", True),
        ("arrived", "completed", True),
        ("arrived", "recalled", True),
        ("completed", "recalled", False),
        ("recalled", "issued", False),
        ("issued", "completed", False),
    ],
)
def test_an_order_moves_only_forward_or_is_recalled_before_completing(current, new, allowed):
    assert rules.may_advance(current, new) is allowed


def test_each_step_maps_to_a_team_readiness_and_a_recall_depends_on_where_the_team_is():
    assert [rules.TEAM_STATUS_FOR[s] for s in ("issued", "departed", "arrived", "completed")] == [
        "dispatched",
        "en_route",
        "on_scene",
        "returning",
    ]
    assert rules.TEAM_STATUS_FOR["received"] is None
    assert rules.recall_team_status("dispatched") == "standby"
    assert rules.recall_team_status("en_route") == "returning"


def test_the_subtypes_profile_wins_over_the_categorys_general_one():
    general = rules.Profile("accident", "", ("fire_station",))
    chemical = rules.Profile("accident", "危险化学品事故", ("hazmat",), chemical=True)
    other = rules.Profile("natural", "", ("flood",))
    profiles = [general, chemical, other]
    assert rules.profile_for(profiles, "accident", "危险化学品事故") is chemical
    assert rules.profile_for(profiles, "accident", "火灾") is general
    assert rules.profile_for(profiles, "public_health", "x") is None
