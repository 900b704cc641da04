"""The county resource board's include point: other domains add a section (a template and its context).

The materials domain adds its stock-against-targets table here (`add_section` in its AppConfig.ready()):
the board renders each section's template with the dict its function gives for the request as `board`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest


@dataclass(frozen=True)
class BoardSection:
    key: str
    template: str
    context: Callable[[HttpRequest], dict[str, Any]]
    order: int = 100


_sections: dict[str, BoardSection] = {}


def add_section(section: BoardSection) -> None:
    _sections[section.key] = section


def sections_for(request: HttpRequest) -> list[dict[str, Any]]:
    """[{template, context}] of every section, in order, for the board page to include."""
    return [
        {"template": section.template, "context": section.context(request)}
        for section in sorted(_sections.values(), key=lambda s: s.order)
    ]
