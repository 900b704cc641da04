"""The response's plain rules: the four levels, the dispatch order's life and the team readiness it
implies, and which incident profile applies. No Django import."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from yingji.core.labels import gettext_noop

# Response levels (应急响应级别): 1 is the highest (一级, Ⅰ), 4 the lowest (四级, Ⅳ).
LEVELS: dict[int, str] = {1: "Ⅰ级", 2: "Ⅱ级", 3: "Ⅲ级", 4: "Ⅳ级"}
LEVEL_NAMES: dict[int, str] = {1: "一级", 2: "二级", 3: "三级", 4: "四级"}

MAX_EXPECTED_HOURS = 24 * 30  # a response planned for more than a month is a typing error
MIN_SITREP_HOURS, MAX_SITREP_HOURS = 1, 24
MAX_TASK_HOURS = 24 * 30

# A dispatch order (调派令): issued → received → departed → arrived → completed, or recalled before
# it completes. Each step sets the team's readiness (出动, 在途, 到场, 返回), never by hand.
ISSUED = "issued"  # sent to the team leader; the team is 出动
RECEIVED = "received"  # the leader acknowledged it (by the link or the API)
DEPARTED = "departed"  # the team left its base: 在途
ARRIVED = "arrived"  # at the scene: 到场
COMPLETED = "completed"  # the work is done; the team heads back: 返回
RECALLED = "recalled"  # called back before completing
ORDER_STATUSES: dict[str, str] = {
    ISSUED: gettext_noop("已下达"),
    RECEIVED: gettext_noop("已接收"),
    DEPARTED: gettext_noop("已出发"),
    ARRIVED: gettext_noop("已到场"),
    COMPLETED: gettext_noop("已完成"),
    RECALLED: gettext_noop("已撤回"),
}
OPEN_ORDER_STATUSES = (ISSUED, RECEIVED, DEPARTED, ARRIVED)
ORDER_NEXT: dict[str, frozenset[str]] = {
    ISSUED: frozenset({RECEIVED, DEPARTED, RECALLED}),
    RECEIVED: frozenset({DEPARTED, RECALLED}),
    DEPARTED: frozenset({ARRIVED, RECALLED}),
    ARRIVED: frozenset({COMPLETED, RECALLED}),
    COMPLETED: frozenset(),
    RECALLED: frozenset(),
}
# The team readiness (resources.kinds codes) each order step moves the team to; None: no change.
TEAM_STATUS_FOR: dict[str, str | None] = {
    ISSUED: "dispatched",
    RECEIVED: None,
    DEPARTED: "en_route",
    ARRIVED: "on_scene",
    COMPLETED: "returning",
}


def may_advance(current: str, new: str) -> bool:
    return new in ORDER_NEXT.get(current, frozenset())


def recall_team_status(team_status: str) -> str:
    """Where a recalled team goes: straight back to standby if it had not left, else on its way back."""
    return "standby" if team_status == "dispatched" else "returning"


@dataclass(frozen=True)
class Profile:
    """What an incident of a category (and subtype) needs: team kinds, equipment kinds, and whether the
    recommendation adds the chemical surroundings (installations, enterprises, population, shelters)."""

    category: str
    subtype: str
    team_kinds: tuple[str, ...]
    equipment_kinds: tuple[str, ...] = ()
    chemical: bool = False
    aviation: bool = False


def profile_for(profiles: Iterable[Profile], category: str, subtype: str) -> Profile | None:
    """The profile of the incident's subtype, else its category's general one (subtype blank)."""
    general = None
    wanted = subtype.strip()
    for profile in profiles:
        if profile.category != category:
            continue
        if profile.subtype and profile.subtype == wanted:
            return profile
        if not profile.subtype and general is None:
            general = profile
    return general


def bounded_text(value: str | None, limit: int) -> str:
    return (value or "").strip()[:limit]
