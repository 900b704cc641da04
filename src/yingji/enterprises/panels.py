"""Sections other domains add to an enterprise's page (its risk points, hazards, installations)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest

PanelContext = Callable[[HttpRequest, Any], dict[str, Any]]


@dataclass(frozen=True)
class EnterprisePanel:
    """A titled block rendered with `template` and the context `context(request, enterprise)` returns."""

    key: str
    title: str
    template: str
    context: PanelContext
    order: int = 100


_panels: dict[str, EnterprisePanel] = {}


def register_enterprise_panel(panel: EnterprisePanel) -> None:
    _panels[panel.key] = panel


def enterprise_panels() -> list[EnterprisePanel]:
    return sorted(_panels.values(), key=lambda panel: panel.order)
