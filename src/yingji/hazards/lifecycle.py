"""The hidden-hazard closed loop (隐患排查治理闭环) as a table: states, actions, who may take each.

Pure rules with no Django import (安全生产事故隐患排查治理暂行规定, SAWS Order 16; 安全生产法 Art.41).
A hazard is reported, rectified, submitted for acceptance and closed (销号) by the supervisor; a
rejected acceptance sends it back to rectification with a reason. The enterprise's own safety officer
takes the enterprise's steps; an administrator in scope (county or city bureau) may record them on
the enterprise's behalf (代录, e.g. for inspection findings or an enterprise without an account) and
alone takes the supervisor's steps. Once a hazard is supervised by the city (listed by the city, or
escalated there because it went overdue), only the city decides on it.
"""

from __future__ import annotations

from dataclasses import dataclass

# States ------------------------------------------------------------------------------------------
REPORTED = "reported"  # 已上报: found and recorded, rectification not yet started
RECTIFYING = "rectifying"  # 整改中: being fixed, against a deadline
AWAITING_ACCEPTANCE = "awaiting_acceptance"  # 待验收: the enterprise says it is fixed
CLOSED = "closed"  # 已销号: the supervisor accepted the rectification

STATES = (REPORTED, RECTIFYING, AWAITING_ACCEPTANCE, CLOSED)
STATE_LABELS = {REPORTED: "已上报", RECTIFYING: "整改中", AWAITING_ACCEPTANCE: "待验收", CLOSED: "已销号"}
OPEN_STATES = frozenset({REPORTED, RECTIFYING, AWAITING_ACCEPTANCE})
# States in which a rectification deadline runs (and can pass).
DEADLINE_STATES = frozenset({REPORTED, RECTIFYING})

# Who acts ----------------------------------------------------------------------------------------
ENTERPRISE = "enterprise"  # the safety officer of the hazard's own enterprise
SUPERVISOR = "supervisor"  # a county or city administrator whose region contains the enterprise

COUNTY = "county"
CITY = "city"
LEVEL_LABELS = {COUNTY: "县级", CITY: "市级"}

# Actions -----------------------------------------------------------------------------------------
REPORT = "report"
START_RECTIFICATION = "start_rectification"
SUBMIT = "submit"
ACCEPT = "accept"
REJECT = "reject"
LIST_SUPERVISION = "list_supervision"
REQUEST_EXTENSION = "request_extension"
DECIDE_EXTENSION = "decide_extension"
EDIT_PLAN = "edit_plan"
ADD_ATTACHMENT = "add_attachment"
ESCALATE = "escalate"  # the deadline passed: done by the system, never by a person

ACTION_LABELS = {
    REPORT: "上报隐患",
    START_RECTIFICATION: "开始整改",
    SUBMIT: "提交验收",
    ACCEPT: "验收销号",
    REJECT: "验收不通过",
    LIST_SUPERVISION: "挂牌督办",
    REQUEST_EXTENSION: "申请延期",
    DECIDE_EXTENSION: "审批延期",
    EDIT_PLAN: "整改方案",
    ADD_ATTACHMENT: "上传附件",
    ESCALATE: "逾期升级",
}


@dataclass(frozen=True)
class Rule:
    """One action: the states it starts from, the state it leads to (None: unchanged), who may take it."""

    action: str
    sources: frozenset[str]
    target: str | None
    actors: frozenset[str]
    # Whether a county may take it when the city supervises the hazard (False: the city decides).
    county_may_when_city_supervises: bool = True


_BOTH = frozenset({ENTERPRISE, SUPERVISOR})
_SUPERVISOR = frozenset({SUPERVISOR})

TABLE: dict[str, Rule] = {
    rule.action: rule
    for rule in (
        Rule(REPORT, frozenset(), REPORTED, _BOTH),
        Rule(START_RECTIFICATION, frozenset({REPORTED}), RECTIFYING, _BOTH),
        Rule(SUBMIT, frozenset({RECTIFYING}), AWAITING_ACCEPTANCE, _BOTH),
        Rule(ACCEPT, frozenset({AWAITING_ACCEPTANCE}), CLOSED, _SUPERVISOR, False),
        Rule(REJECT, frozenset({AWAITING_ACCEPTANCE}), RECTIFYING, _SUPERVISOR, False),
        Rule(LIST_SUPERVISION, OPEN_STATES, None, _SUPERVISOR),
        Rule(REQUEST_EXTENSION, frozenset({RECTIFYING}), None, _BOTH),
        Rule(DECIDE_EXTENSION, frozenset({RECTIFYING}), None, _SUPERVISOR, False),
        Rule(EDIT_PLAN, frozenset({REPORTED, RECTIFYING}), None, _BOTH),
        Rule(ADD_ATTACHMENT, OPEN_STATES, None, _BOTH),
    )
}


class NotAllowed(Exception):
    """An action refused by the table; `reason` says whether the actor or the state is wrong."""

    WRONG_ACTOR = "wrong_actor"
    WRONG_STATE = "wrong_state"
    WRONG_LEVEL = "wrong_level"

    def __init__(self, reason: str, action: str, state: str | None):
        super().__init__(f"{action} not allowed ({reason}) in state {state}")
        self.reason = reason
        self.action = action
        self.state = state


def check(
    action: str,
    state: str | None,
    actor: str | None,
    actor_level: str | None = None,
    supervising_level: str = COUNTY,
) -> str:
    """The state after `action`, or NotAllowed.

    `actor` is ENTERPRISE, SUPERVISOR or None (neither); `actor_level` the supervisor's level
    (COUNTY or CITY); `supervising_level` the level that supervises the hazard now.
    """
    rule = TABLE[action]
    if actor is None or actor not in rule.actors:
        raise NotAllowed(NotAllowed.WRONG_ACTOR, action, state)
    if (
        actor == SUPERVISOR
        and not rule.county_may_when_city_supervises
        and supervising_level == CITY
        and actor_level != CITY
    ):
        raise NotAllowed(NotAllowed.WRONG_LEVEL, action, state)
    if rule.sources and state not in rule.sources:
        raise NotAllowed(NotAllowed.WRONG_STATE, action, state)
    if not rule.sources and state is not None:
        raise NotAllowed(NotAllowed.WRONG_STATE, action, state)
    if rule.target is not None:
        return rule.target
    assert state is not None  # every action without a target starts from a listed state
    return state


def allowed_actions(
    state: str, actor: str | None, actor_level: str | None, supervising_level: str
) -> list[str]:
    """Every action (except reporting) the actor may take on a hazard in `state`, in table order."""
    allowed = []
    for action in TABLE:
        if action == REPORT:
            continue
        try:
            check(action, state, actor, actor_level, supervising_level)
        except NotAllowed:
            continue
        allowed.append(action)
    return allowed


def escalated_level(grade_is_major: bool, supervising_level: str) -> str:
    """The level that supervises an overdue hazard: an overdue major hazard moves from county to city."""
    if grade_is_major and supervising_level == COUNTY:
        return CITY
    return supervising_level


def listing_level_allowed(actor_level: str, listed_by_level: str | None) -> bool:
    """A hazard is listed once per level: the city may list what a county listed, never the reverse."""
    if listed_by_level is None or listed_by_level == "":
        return True
    return actor_level == CITY and listed_by_level == COUNTY
