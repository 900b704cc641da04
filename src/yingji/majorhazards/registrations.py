"""What the register adds to shared pages: nav entry, map layer, county count, enterprise panel."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext_noop

from yingji.core import roles
from yingji.core.registry import (
    CountyCount,
    ListLink,
    MapLayer,
    NavItem,
    register_county_count,
    register_map_layer,
    register_nav_item,
)
from yingji.enterprises.panels import EnterprisePanel, register_enterprise_panel
from yingji.majorhazards import services
from yingji.majorhazards.models import Installation

# Level colors of the four grades (一级 highest), and grey for installations below S = 1.
LEVEL_COLORS = {1: "#d7263d", 2: "#f28c28", 3: "#f2c400", 4: "#2f6fde"}
NOT_MAJOR_COLOR = "#9aa3ad"


def level_color(level: int | None) -> str:
    return LEVEL_COLORS.get(level, NOT_MAJOR_COLOR) if level else NOT_MAJOR_COLOR


def enterprise_panel_context(request: HttpRequest, enterprise: Any) -> dict[str, Any]:
    installations = (
        Installation.objects.visible_to(request.user).filter(enterprise=enterprise).order_by("level", "name")
    )
    return {
        "installations": installations if services.may_view(request.user) else [],
        "may_add": services.may_view(request.user)
        and services.may_edit_installation(request.user, Installation(enterprise=enterprise)),
        "enterprise": enterprise,
    }


def register_all() -> None:
    register_nav_item(NavItem("majorhazards:list", gettext_noop("重大危险源"), services.may_view, order=40))
    register_map_layer(
        MapLayer(
            key="major_hazards",
            title=gettext_noop("重大危险源"),
            url_name="api:majorhazards_map",
            legend=[
                (LEVEL_COLORS[1], "一级"),
                (LEVEL_COLORS[2], "二级"),
                (LEVEL_COLORS[3], "三级"),
                (LEVEL_COLORS[4], "四级"),
                (NOT_MAJOR_COLOR, "未构成重大危险源"),
            ],
            is_available=services.may_view,
            order=60,
            on_for_roles=frozenset({roles.CITY_ADMIN, roles.COUNTY_ADMIN, roles.ENTERPRISE_OFFICER}),
        )
    )
    from yingji.majorhazards.views import listed_installations

    register_county_count(
        CountyCount(
            "major_hazard_installations",
            gettext_noop("重大危险源"),
            link=ListLink("majorhazards:list", listed_installations, (("is_major", "1"),)),
            path_field="enterprise__region__path",
            county_param="region",
        )
    )
    register_enterprise_panel(
        EnterprisePanel(
            key="major_hazards",
            title=gettext_noop("重大危险源"),
            template="majorhazards/_enterprise_panel.html",
            context=enterprise_panel_context,
            order=40,
        )
    )
