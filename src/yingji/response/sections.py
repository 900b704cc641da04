"""What the response adds to an incident's page and command screen: the context of each section.

Each function takes (request, incident) and returns the dict its template reads as `section`; none
writes anything. The forms in the templates post to `response:act` (views.py), which calls the services.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from yingji.command.models import Incident
from yingji.resources import kinds
from yingji.response import access, recommend, rules
from yingji.response.models import (
    DispatchOrder,
    GroupKind,
    HeadquartersGroup,
    LevelChange,
    Response,
    SituationReport,
    Task,
)


def _response(incident: Incident) -> Response | None:
    return Response.objects.filter(incident=incident).select_related("commander").first()


def _base(request: HttpRequest, incident: Incident) -> dict[str, Any]:
    user = request.user
    return {
        "incident": incident,
        "may_command": access.may_command(user, incident) and incident.is_open,
        "next": request.get_full_path(),
        "now": timezone.now(),
    }


def response_section(request: HttpRequest, incident: Incident) -> dict[str, Any]:
    """The response (its level, matters, measures, the level changes) and the headquarters."""
    response = _response(incident)
    groups = []
    if response is not None:
        groups = list(
            HeadquartersGroup.objects.filter(response=response)
            .select_related("kind")
            .prefetch_related("members")
        )
    return {
        **_base(request, incident),
        "response": response,
        "levels": list(rules.LEVELS.items()),
        "level_changes": list(LevelChange.objects.filter(response=response)) if response else [],
        "groups": groups,
        "group_kinds": list(GroupKind.objects.filter(active=True)),
    }


def recommendation_section(request: HttpRequest, incident: Incident) -> dict[str, Any]:
    """The nearest help with a "dispatch" button beside each team standing by."""
    found = recommend.recommend(request.user, incident) if incident.is_open else None
    return {**_base(request, incident), "found": found, "team_kinds": kinds.TEAM_KINDS}


def orders_section(request: HttpRequest, incident: Incident) -> dict[str, Any]:
    """The dispatch orders: status, ETA, the teams on the way."""
    orders = list(
        DispatchOrder.objects.filter(incident=incident).select_related("team").order_by("-issued_at", "-id")
    )
    return {
        **_base(request, incident),
        "orders": orders,
        "en_route": [o for o in orders if o.status in (rules.ISSUED, rules.RECEIVED, rules.DEPARTED)],
    }


def tasks_section(request: HttpRequest, incident: Incident) -> dict[str, Any]:
    tasks = list(
        Task.objects.filter(response__incident=incident)
        .select_related("group__kind", "organization")
        .order_by("status", "due_at", "id")
    )
    return {
        **_base(request, incident),
        "tasks": tasks,
        "open_count": sum(1 for t in tasks if t.status == Task.OPEN),
        "group_kinds": list(GroupKind.objects.filter(active=True)),
        "has_response": any(True for _ in tasks) or Response.objects.filter(incident=incident).exists(),
    }


def sitreps_section(request: HttpRequest, incident: Incident) -> dict[str, Any]:
    response = _response(incident)
    sitreps = (
        list(SituationReport.objects.filter(response=response).order_by("-sequence")) if response else []
    )
    due = [s for s in sitreps if s.status == SituationReport.DUE]
    return {
        **_base(request, incident),
        "response": response,
        "sitreps": [s for s in sitreps if s.status == SituationReport.FILED],
        "next_due": min(due, key=lambda s: s.due_at) if due else None,
        "count_fields": [
            ("deaths", _("死亡")),
            ("missing", _("失踪")),
            ("injured", _("受伤")),
            ("trapped", _("被困")),
            ("evacuated", _("转移安置")),
        ],
    }
