"""GB/T 38565-2020 material codes: seven digits C MM SS DD, first digit 1–3, levels 01–99, 99 catch-all."""

from __future__ import annotations

import pytest

from yingji.materials import gb38565
from yingji.materials.catalog import catalog_rows


@pytest.mark.parametrize("code", ["1010101", "2999999", "3010199", "1990101"])
def test_it_accepts_codes_of_the_standards_structure(code: str) -> None:
    parsed = gb38565.parse(code)

    assert parsed.code == code
    assert parsed.prefixes() == (code[:1], code[:3], code[:5], code)


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        ("101010", "7"),  # six digits
        ("10101011", "7"),  # eight
        ("4010101", "1、2 或 3"),  # no fourth top class
        ("0010101", "1、2 或 3"),
        ("1000101", "中类"),  # level 00 does not exist
        ("1010001", "小类"),
        ("1010100", "细类"),
        ("10a0101", "7"),
        ("１０１０１０１", "7"),  # full-width digits are digits to str.isdigit, not to the standard
        ("", "7"),
    ],
)
def test_it_refuses_what_the_structure_does_not_allow(code: str, reason: str) -> None:
    with pytest.raises(gb38565.InvalidMaterialCode) as refused:
        gb38565.parse(code)

    assert reason in refused.value.reason
    assert not gb38565.is_valid(code)


def test_99_is_the_catch_all_of_its_level() -> None:
    assert gb38565.parse("1019901").is_catch_all
    assert not gb38565.parse("1010101").is_catch_all


def test_the_top_class_names_the_standards_three_classes() -> None:
    assert gb38565.top_class_label("1010201") == "基本生活保障物资"
    assert gb38565.top_class_label("2030103") == "应急装备及配套物资"
    assert gb38565.top_class_label("3010101") == "工程材料与机械加工设备"


def test_the_shipped_catalog_is_valid_and_covers_the_plans_five_categories() -> None:
    rows = catalog_rows()

    assert len({row["code"] for row in rows}) == len(rows)
    assert {row["category"] for row in rows} == {
        "living",
        "fire_rescue",
        "forest_fire",
        "flood",
        "mine_rescue",
    }
    names = {row["name"] for row in rows}
    # Items XINZHOU.md lists for each category (one or two of each, by name).
    assert {"棉大衣", "棉被", "睡袋", "单帐篷", "家庭应急包", "苫布", "简易厕所"} <= names
    assert {"正压式空气呼吸器", "消防水带", "泡沫灭火剂", "泡沫发生器"} <= names
    assert {"风力灭火机", "油锯", "履带式森林消防车", "小型侦察无人机", "挖掘机"} <= names
    assert {"编织袋", "土工布", "冲锋舟", "船外机", "排水泵", "水下探测仪"} <= names
    assert {"矿用潜水泵", "排水管", "应急电源", "矿山救援帐篷"} <= names
