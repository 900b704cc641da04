"""What other modules may do with an incident without knowing the command app's pages: write its
log, and add a section to its page and command screen."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import models
from django.http import HttpRequest
from django.utils import timezone

from yingji.command.models import Incident, IncidentLogEntry

LOG_TEXT_LIMIT = 1000


def subject_of(record: models.Model | None) -> str:
    """The log's reference to a record: "app_label.model:pk" (blank for none)."""
    if record is None:
        return ""
    return f"{record._meta.app_label}.{record._meta.model_name}:{record.pk}"


def log_event(
    incident: Incident,
    kind: str,
    text: str,
    *,
    actor: Any = None,
    subject: models.Model | None = None,
    at: Any = None,
) -> IncidentLogEntry:
    """Append one entry to the incident's timeline (kinds: intake, status, report, dispatch, note, …)."""
    return IncidentLogEntry.objects.create(
        incident=incident,
        kind=kind,
        text=text[:LOG_TEXT_LIMIT],
        actor=actor if getattr(actor, "pk", None) else None,
        subject=subject_of(subject),
        at=at or timezone.now(),
    )


@dataclass(frozen=True)
class IncidentSection:
    """A part of an incident's page and of its command screen that another module adds.

    The response module adds its headquarters, dispatch orders, tasks and situation reports this way
    (`add_section` in its AppConfig.ready()); the incident page and the command screen render each
    section's template with the dict its function gives for (request, incident) as `section`.
    `on_screen` puts it on the command screen too, `order` places it.
    """

    key: str
    template: str
    context: Callable[[HttpRequest, Incident], dict[str, Any]]
    order: int = 100
    on_screen: bool = True


_sections: dict[str, IncidentSection] = {}


def add_section(section: IncidentSection) -> None:
    _sections[section.key] = section


def sections_for(request: HttpRequest, incident: Incident, *, screen: bool = False) -> list[dict[str, Any]]:
    """[{key, template, section}] of every section in order, for a page to include."""
    return [
        {"key": section.key, "template": section.template, "section": section.context(request, incident)}
        for section in sorted(_sections.values(), key=lambda s: (s.order, s.key))
        if section.on_screen or not screen
    ]
