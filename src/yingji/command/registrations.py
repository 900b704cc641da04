"""What the duty rota adds to shared pages: the navigation entry, home items and a county column."""

from __future__ import annotations

from django.utils.translation import gettext_noop

from yingji.command import services
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


def register_all() -> None:
    from yingji.command.views import listed_checkins, listed_swaps

    register_nav_item(NavItem("command:today", gettext_noop("值班值守"), services.may_view, order=55))
    register_home_item(
        HomeItem(
            "duty_checkins_to_answer",
            gettext_noop("待应答的查岗"),
            ListLink("command:checkins", listed_checkins, (("status", "pending"), ("mine", "1"))),
            frozenset({roles.DUTY_OFFICER, roles.COUNTY_ADMIN}),
            ACT,
            order=5,
        )
    )
    register_home_item(
        HomeItem(
            "duty_swaps_to_approve",
            gettext_noop("待审批的换班申请"),
            ListLink("command:swaps", listed_swaps, (("status", "requested"),)),
            frozenset({roles.CITY_ADMIN, roles.COUNTY_ADMIN}),
            ACT,
            order=40,
        )
    )
    register_county_count(
        CountyCount(
            "duty_checkins_missed",
            gettext_noop("未应答查岗"),
            link=ListLink("command:checkins", listed_checkins, (("status", "missed"),)),
            path_field="post__region__path",
        )
    )
