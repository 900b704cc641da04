"""What every domain may do to an incident without knowing the command app's pages: write its log."""

from __future__ import annotations

from typing import Any

from django.db import models
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
