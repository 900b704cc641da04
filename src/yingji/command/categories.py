"""The four categories of 突发事件 of the Emergency Response Law (突发事件应对法 Art.2) and their subtypes,
as data. Pure, no Django import.

A subtype belongs to one category; `check` refuses an unknown pair. `accident_kind` maps an accident's
subtype to the kind 国务院令第493号 Art.13 times casualty updates by (road traffic and fire: 7 days).
"""

from __future__ import annotations

from yingji.core.labels import gettext_noop

NATURAL = "natural"
ACCIDENT = "accident"
PUBLIC_HEALTH = "public_health"
SOCIAL_SECURITY = "social_security"

CATEGORY_LABELS: dict[str, str] = {
    NATURAL: gettext_noop("自然灾害"),
    ACCIDENT: gettext_noop("事故灾难"),
    PUBLIC_HEALTH: gettext_noop("公共卫生事件"),
    SOCIAL_SECURITY: gettext_noop("社会安全事件"),
}

# category → subtypes, in the order forms offer them. A subtype is its own Chinese name.
SUBTYPES: dict[str, tuple[str, ...]] = {
    NATURAL: (
        gettext_noop("洪涝"),
        gettext_noop("干旱"),
        gettext_noop("地震"),
        gettext_noop("地质灾害"),
        gettext_noop("森林草原火灾"),
        gettext_noop("气象灾害"),
        gettext_noop("雪灾冰冻"),
    ),
    ACCIDENT: (
        gettext_noop("矿山事故"),
        gettext_noop("危险化学品事故"),
        gettext_noop("工贸事故"),
        gettext_noop("建筑施工事故"),
        gettext_noop("道路交通事故"),
        gettext_noop("火灾"),
        gettext_noop("特种设备事故"),
        gettext_noop("燃气事故"),
        gettext_noop("烟花爆竹事故"),
    ),
    PUBLIC_HEALTH: (
        gettext_noop("传染病疫情"),
        gettext_noop("群体性不明原因疾病"),
        gettext_noop("食品安全事件"),
        gettext_noop("职业中毒"),
    ),
    SOCIAL_SECURITY: (
        gettext_noop("群体性事件"),
        gettext_noop("恐怖袭击事件"),
        gettext_noop("涉外突发事件"),
        gettext_noop("网络与信息安全事件"),
    ),
}

ROAD_TRAFFIC_SUBTYPE = "道路交通事故"
FIRE_SUBTYPES = frozenset({"火灾", "森林草原火灾"})


class UnknownCategory(ValueError):
    """A category or subtype not in the table; `field` names which."""

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.field = field


def check(category: object, subtype: object) -> tuple[str, str]:
    """The (category, subtype) pair if the table has it, else UnknownCategory."""
    if not isinstance(category, str) or category not in SUBTYPES:
        raise UnknownCategory("未知的事件类别 / Unknown category", "category")
    if not isinstance(subtype, str) or subtype not in SUBTYPES[category]:
        raise UnknownCategory(
            f"“{CATEGORY_LABELS[category]}”没有该事件类型 / Unknown subtype for category {category}",
            "subtype",
        )
    return category, subtype


def accident_kind(subtype: str) -> str:
    """The 国务院令第493号 Art.13 kind of an accident: road_traffic, fire or other."""
    if subtype == ROAD_TRAFFIC_SUBTYPE:
        return "road_traffic"
    if subtype in FIRE_SUBTYPES:
        return "fire"
    return "other"


def choices() -> list[tuple[str, str, tuple[str, ...]]]:
    """[(category, label, subtypes)] for forms."""
    return [(category, CATEGORY_LABELS[category], SUBTYPES[category]) for category in SUBTYPES]
