"""Who may see and who may command an incident's response: one place for every service and view."""

from __future__ import annotations

from typing import Any

from yingji.command.models import Incident
from yingji.core import regioncodes, roles
from yingji.core.errors import Forbidden

VIEW_ROLES = roles.ALL_ROLES - {roles.DISASTER_REPORTER}
COMMAND_ROLES = frozenset({roles.CITY_ADMIN, roles.COUNTY_ADMIN, roles.DUTY_OFFICER})
CITY_LEVELS = (regioncodes.PROVINCE, regioncodes.CITY)


def may_view(user: Any) -> bool:
    """Whether the user's role works with responses at all (records are still scoped by incident)."""
    return bool(getattr(user, "is_authenticated", False)) and user.is_active and user.role in VIEW_ROLES


def is_city(user: Any) -> bool:
    return user.region.level in CITY_LEVELS


def may_command(user: Any, incident: Incident) -> bool:
    """The bureau of the incident's county (administrators and duty officers), or the city's, commands:
    launches and ends the response, dispatches, sets tasks and files situation reports."""
    if not may_view(user) or user.role not in COMMAND_ROLES:
        return False
    if is_city(user):
        return incident.region.path.startswith(user.region.path)
    return user.region.level == regioncodes.COUNTY and incident.region.path.startswith(user.region.path)


def require_command(user: Any, incident: Incident) -> None:
    if not may_command(user, incident):
        raise Forbidden("仅事发地县级或市级应急部门可指挥 / Only the county's or the city's bureau commands")


def may_keep_references(user: Any) -> bool:
    """The city's administrators keep the group kinds, measure checklists and incident profiles."""
    return may_view(user) and user.role == roles.CITY_ADMIN and is_city(user)
