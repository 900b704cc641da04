"""The major-hidden-hazard criteria: 15 coal-mine categories, 20 chemical items, unique codes, lookups."""

from yingji.hazards.criteria import (
    CHEMICAL_STANDARD,
    COAL_MINE_STANDARD,
    INDUSTRY_TRADE_STANDARD,
    criteria_for,
    find_criterion,
)


def test_coal_mines_have_15_categories_numbered_in_order() -> None:
    criteria = criteria_for("coal_mine")
    assert [c.code for c in criteria] == [f"coal-{n:02d}" for n in range(1, 16)]
    assert {c.standard for c in criteria} == {COAL_MINE_STANDARD}
    assert criteria[1].title == "瓦斯超限作业"


def test_chemical_enterprises_have_20_items_numbered_in_order() -> None:
    criteria = criteria_for("hazardous_chemicals")
    assert [c.code for c in criteria] == [f"chem-{n:02d}" for n in range(1, 21)]
    assert {c.standard for c in criteria} == {CHEMICAL_STANDARD}
    assert "万向管道" in criteria[6].title


def test_codes_and_titles_are_unique_and_titles_not_empty() -> None:
    criteria = criteria_for("coal_mine") + criteria_for("hazardous_chemicals")
    assert len({c.code for c in criteria}) == len(criteria) == 35
    assert len({c.title for c in criteria}) == 35
    assert all(c.title.strip() for c in criteria)


def test_other_industries_have_no_criteria_here() -> None:
    assert criteria_for("metallurgy") == []
    assert "工贸" in INDUSTRY_TRADE_STANDARD


def test_a_criterion_is_found_by_its_code() -> None:
    criterion = find_criterion("chem-08")
    assert criterion is not None
    assert (criterion.industry, criterion.number) == ("hazardous_chemicals", 8)
    assert find_criterion("coal-16") is None


def test_callers_cannot_change_the_shared_list() -> None:
    criteria_for("coal_mine").clear()
    assert len(criteria_for("coal_mine")) == 15
