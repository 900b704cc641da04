"""What risk grading adds to shared pages: the nav entry, the map layer, the county column, the home item
and the enterprise panel."""

from __future__ import annotations

from django.utils.translation import gettext_noop

from yingji.core import roles
from yingji.core.registry import (
    ACT,
    CountyCount,
    HomeItem,
    ListLink,
    NavItem,
    register_county_count,
    register_home_item,
    register_nav_item,
)
from yingji.enterprises.panels import EnterprisePanel, register_enterprise_panel
from yingji.risks import maplayer, views


def listed(*params: tuple[str, str]) -> ListLink:
    return ListLink("risks:points", views.listed_risk_points, params)


def register_all() -> None:
    maplayer.register_layer()
    register_county_count(
        CountyCount(
            "major_risks",
            gettext_noop("重大风险"),
            link=listed(("level", "major")),
            path_field="enterprise__region__path",
            county_param="region",
        )
    )
    register_home_item(
        HomeItem(
            "risk_points_due",
            gettext_noop("到期待复评的风险点"),
            listed(("due", "1")),
            frozenset({roles.ENTERPRISE_OFFICER}),
            ACT,
            order=22,
        )
    )
    register_nav_item(NavItem("risks:overview", gettext_noop("风险分级"), order=30))
    register_enterprise_panel(
        EnterprisePanel(
            key="risks",
            title=gettext_noop("安全风险分级管控"),
            template="risks/_enterprise_panel.html",
            context=views.enterprise_panel_context,
            order=10,
        )
    )
