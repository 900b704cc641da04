"""What the enterprise register adds to shared pages: the nav entry, the county column, the home item,
and where an enterprise officer's 一张图 opens."""

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
    register_map_focus,
    register_nav_item,
)
from yingji.enterprises import views
from yingji.enterprises.mapfocus import own_enterprise_location


def register_all() -> None:
    register_nav_item(NavItem("enterprises:list", gettext_noop("企业"), order=20))
    register_county_count(
        CountyCount(
            "enterprises", gettext_noop("企业"), link=ListLink("enterprises:list", views.listed_enterprises)
        )
    )
    register_home_item(
        HomeItem(
            "licences_expiring",
            gettext_noop("即将到期的证照"),
            ListLink("enterprises:licences", views.listed_licences, (("expiring", "1"),)),
            frozenset({roles.ENTERPRISE_OFFICER}),
            ACT,
            order=23,
        )
    )
    register_map_focus(own_enterprise_location)
