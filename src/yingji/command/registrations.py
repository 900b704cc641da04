"""What the duty rota adds to shared pages: the navigation entry, home items and a county column."""

from __future__ import annotations

from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_noop

from yingji.command import incident_services, services
from yingji.command.incident_map import MAP_LEGEND
from yingji.core import roles
from yingji.core.registry import (
    ACT,
    WATCH,
    CountyCount,
    HomeItem,
    HomeRow,
    ListLink,
    MapLayer,
    NavItem,
    register_county_count,
    register_home_item,
    register_map_layer,
    register_nav_item,
)


def _incident_rows(records: QuerySet, n: int) -> list[HomeRow]:
    """The newest open incidents, for the home page."""
    return [
        HomeRow(
            f"{incident.title}{'（' + incident.grade + '）' if incident.grade else ''}",
            f"{incident.region.name} · {timezone.localtime(incident.known_at):%m-%d %H:%M}",
            reverse("incidents:detail", args=[incident.pk]),
        )
        for incident in records.select_related("region").order_by("-known_at", "-id")[:n]
    ]


def register_incidents() -> None:
    from yingji.command.incident_views import listed_incidents

    def open_incidents(*params: tuple[str, str]) -> ListLink:
        return ListLink("incidents:list", listed_incidents, (("open", "1"), *params))

    register_nav_item(NavItem("incidents:list", gettext_noop("事件"), incident_services.may_view, order=54))
    register_home_item(
        HomeItem(
            "incidents_open",
            gettext_noop("未结束的事件"),
            open_incidents(),
            frozenset({roles.CITY_ADMIN, roles.COUNTY_ADMIN, roles.DUTY_OFFICER}),
            WATCH,
            order=3,
            preview=_incident_rows,
        )
    )
    register_county_count(
        CountyCount(
            "incidents_open", gettext_noop("未结束事件"), link=open_incidents(), path_field="region__path"
        )
    )
    register_map_layer(
        MapLayer(
            key="incidents",
            title=gettext_noop("事件"),
            url_name="api:incidents_map",
            visible_by_default=True,
            legend=MAP_LEGEND,
            is_available=incident_services.may_view,
            order=5,
            on_for_roles=frozenset({roles.CITY_ADMIN, roles.COUNTY_ADMIN, roles.DUTY_OFFICER}),
        )
    )


def register_all() -> None:
    from yingji.command.views import listed_checkins, listed_swaps

    register_incidents()
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
