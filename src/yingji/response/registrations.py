"""What the response adds to shared places: its sections on the incident page and the command screen."""

from __future__ import annotations

from yingji.command.incidents import IncidentSection, add_section
from yingji.response import sections


def register_all() -> None:
    add_section(IncidentSection("response", "response/_response.html", sections.response_section, order=20))
    add_section(
        IncidentSection(
            "recommendation",
            "response/_recommendation.html",
            sections.recommendation_section,
            order=30,
            on_screen=False,  # road searches on every refresh of the wall would be wasted: the page has it
        )
    )
    add_section(
        IncidentSection("dispatch_orders", "response/_orders.html", sections.orders_section, order=40)
    )
    add_section(IncidentSection("tasks", "response/_tasks.html", sections.tasks_section, order=50))
    add_section(IncidentSection("sitreps", "response/_sitreps.html", sections.sitreps_section, order=60))
