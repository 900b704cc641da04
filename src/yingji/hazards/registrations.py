"""What hidden hazards add to shared pages: the nav entry, the county column, the home items, the
enterprise panel."""

from __future__ import annotations

from django.db.models import F, QuerySet
from django.urls import reverse
from django.utils.translation import gettext, gettext_noop

from yingji.core import roles
from yingji.core.registry import (
    ACT,
    WATCH,
    CountyCount,
    HomeItem,
    HomeRow,
    ListLink,
    NavItem,
    register_county_count,
    register_home_item,
    register_nav_item,
)
from yingji.enterprises.panels import EnterprisePanel, register_enterprise_panel
from yingji.hazards import services, views

SUPERVISORS = services.SUPERVISOR_ROLES
PATH = "enterprise__region__path"


def hazards_with_deadlines(hazards: QuerySet, size: int) -> list[HomeRow]:
    """An enterprise's open hazards, the nearest deadline first, each with its deadline or 逾期."""
    rows = []
    for hazard in hazards.order_by(F("rectification_deadline").asc(nulls_last=True), "id")[:size]:
        deadline = f"{hazard.rectification_deadline:%Y-%m-%d}" if hazard.rectification_deadline else ""
        if hazard.is_overdue:
            detail = gettext("已逾期（期限 %(date)s）") % {"date": deadline}
        elif deadline:
            detail = gettext("整改期限 %(date)s") % {"date": deadline}
        else:
            detail = gettext("未定整改期限")
        rows.append(HomeRow(hazard.title, detail, reverse("hazards:detail", args=[hazard.pk])))
    return rows


def listed(*params: tuple[str, str]) -> ListLink:
    return ListLink("hazards:list", views.listed_hazards, params)


OPEN = ("status", "open")
HOME_ITEMS = (
    HomeItem("hazards_overdue", gettext_noop("逾期未整改的隐患"), listed(OPEN, ("overdue", "1")), SUPERVISORS,
             ACT, order=30),
    HomeItem("hazards_listed", gettext_noop("挂牌督办中的隐患"), listed(OPEN, ("listed", "1")), SUPERVISORS,
             ACT, order=31),
    HomeItem("hazards_due_today", gettext_noop("今天到期的整改"), listed(("due", "today")), SUPERVISORS,
             ACT, order=32),
    HomeItem("hazards_due_week", gettext_noop("7 天内到期的整改"), listed(("due", "week")), SUPERVISORS,
             WATCH, order=62),
    HomeItem("hazards_own_open", gettext_noop("本企业未销号隐患"), listed(OPEN),
             frozenset({roles.ENTERPRISE_OFFICER}), ACT, order=20, preview=hazards_with_deadlines),
)  # fmt: skip


def register_all() -> None:
    register_nav_item(NavItem("hazards:list", gettext_noop("隐患排查"), services.may_view, order=40))
    register_county_count(
        CountyCount("open_hazards", gettext_noop("未销号隐患"), link=listed(OPEN), path_field=PATH)
    )
    for item in HOME_ITEMS:
        register_home_item(item)
    register_enterprise_panel(
        EnterprisePanel(
            "hazards",
            gettext_noop("隐患排查治理"),
            "hazards/_enterprise_panel.html",
            views.enterprise_panel,
            30,
        )
    )
