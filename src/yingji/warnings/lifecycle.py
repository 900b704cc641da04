"""The warning lifecycle as a table, and who approves what: plain Python, no Django.

    draft ──submit──▶ submitted ──approve──▶ approved ──publish──▶ published
      ▲                  │                                         │ update (a new version) → updated
      └────return────────┘                                         │ cancel                 → cancelled
                                                                   └ expiry (worker)        → expired

An approver may approve and publish in one step ("publish" straight from submitted). A county's
own-tier warnings (blue and yellow by default) are approved by the county; orange and red by the
city; the city approves and publishes anything in the city. The per-region rules are data
(`ApprovalRule`), this module holds the defaults and the arithmetic.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

DRAFT, SUBMITTED, APPROVED, PUBLISHED = "draft", "submitted", "approved", "published"
UPDATED, CANCELLED, EXPIRED = "updated", "cancelled", "expired"

SUBMIT, RETURN, APPROVE, PUBLISH, UPDATE, CANCEL, EXPIRE = (
    "submit",
    "return",
    "approve",
    "publish",
    "update",
    "cancel",
    "expire",
)

# (action, from status) → to status. "update" ends the published version; its successor is a new row.
TRANSITIONS: dict[tuple[str, str], str] = {
    (SUBMIT, DRAFT): SUBMITTED,
    (RETURN, SUBMITTED): DRAFT,
    (RETURN, APPROVED): DRAFT,
    (APPROVE, SUBMITTED): APPROVED,
    (PUBLISH, APPROVED): PUBLISHED,
    (PUBLISH, SUBMITTED): PUBLISHED,  # approve and publish in one step
    (UPDATE, PUBLISHED): UPDATED,
    (CANCEL, PUBLISHED): CANCELLED,
    (CANCEL, DRAFT): CANCELLED,  # discarded before publication (e.g. a draft the platform opened)
    (CANCEL, SUBMITTED): CANCELLED,
    (CANCEL, APPROVED): CANCELLED,
    (EXPIRE, PUBLISHED): EXPIRED,
}

EDITABLE = frozenset({DRAFT})
LEVELS = ("blue", "yellow", "orange", "red")

COUNTY, CITY = "county", "city"
DEFAULT_APPROVAL: dict[str, str] = {"blue": COUNTY, "yellow": COUNTY, "orange": CITY, "red": CITY}


class TransitionError(ValueError):
    """An action that the warning's status does not allow."""


def next_status(action: str, status: str) -> str:
    """The status after `action`, or TransitionError."""
    try:
        return TRANSITIONS[(action, status)]
    except KeyError:
        raise TransitionError(f"{action} is not possible from {status}") from None


def actions_from(status: str) -> list[str]:
    """The actions the table allows from `status`, in lifecycle order."""
    order = (SUBMIT, RETURN, APPROVE, PUBLISH, UPDATE, CANCEL, EXPIRE)
    return [action for action in order if (action, status) in TRANSITIONS]


def approver_tier(level: str, issuing_path_codes: Iterable[str], rules: Mapping[tuple[str, str], str]) -> str:
    """Which tier approves a warning of `level` issued in the region whose path is `issuing_path_codes`.

    `rules` maps (region code, level) to a tier; the nearest region up the path that has a rule for
    the level wins, else the default. A warning issued by the city itself is always the city's.
    """
    codes = list(issuing_path_codes)
    for code in reversed(codes):
        tier = rules.get((code, level))
        if tier is not None:
            return tier
    return DEFAULT_APPROVAL[level]


def level_rank(level: str) -> int:
    """0 for blue … 3 for red."""
    return LEVELS.index(level)
