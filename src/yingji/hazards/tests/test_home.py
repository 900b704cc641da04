"""Deadlines on the home pages: due today and this week for supervisors, the enterprise's own list."""

from __future__ import annotations

import re
from typing import Any

import pytest

from yingji.core.models import User
from yingji.hazards import services
from yingji.hazards.models import Hazard
from yingji.hazards.tests.conftest import in_days, report_general, today
from yingji.hazards.views import listed_hazards

pytestmark = pytest.mark.django_db


def figure(client: Any, key: str) -> int:
    page = client.get("/").content.decode()
    return int(re.search(rf'data-home-item="{key}"><span class="value">(\d+)<', page).group(1))


def test_deadlines_due_today_and_this_week_are_on_the_county_home_and_in_the_filtered_list(
    officer: User, chemical: Any, county_admin: User, page_client: Any
) -> None:
    client = page_client(county_admin)
    before = {key: figure(client, f"hazards_due_{key}") for key in ("today", "week")}
    due_today = report_general(officer, chemical, title="今天到期的隐患")
    services.start_rectification(officer, due_today.pk, deadline=today())
    due_soon = report_general(officer, chemical, title="五天后到期的隐患")
    services.start_rectification(officer, due_soon.pk, deadline=in_days(5))
    later = report_general(officer, chemical, title="一个月后到期的隐患")
    services.start_rectification(officer, later.pk, deadline=in_days(30))

    assert figure(client, "hazards_due_today") == before["today"] + 1
    assert figure(client, "hazards_due_week") == before["week"] + 1
    assert due_today in listed_hazards(county_admin, {"due": "today"})
    assert due_soon in listed_hazards(county_admin, {"due": "week"})
    assert not listed_hazards(county_admin, {"due": "week"}).filter(pk__in=[due_today.pk, later.pk]).exists()
    assert "今天到期的隐患" in client.get("/hazards/?due=today").content.decode()


def test_a_hazard_submitted_for_acceptance_no_longer_counts_as_due(
    officer: User, chemical: Any, county_admin: User
) -> None:
    hazard = report_general(officer, chemical)
    services.start_rectification(officer, hazard.pk, deadline=today())
    services.submit_for_acceptance(officer, hazard.pk)
    assert not listed_hazards(county_admin, {"due": "today"}).filter(pk=hazard.pk).exists()


def test_the_enterprise_officer_sees_their_open_hazards_with_deadlines(
    officer: User, chemical: Any, page_client: Any
) -> None:
    Hazard.objects.filter(enterprise__organization_id=officer.organization_id).delete()
    later = report_general(officer, chemical, title="消防器材过期")
    services.start_rectification(officer, later.pk, deadline=in_days(9))
    sooner = report_general(officer, chemical, title="安全出口堵塞")
    services.start_rectification(officer, sooner.pk, deadline=in_days(3))
    page = page_client(officer).get("/").content.decode()
    assert 'data-home-item="hazards_own_open"><span class="value">2<' in page
    rows = page.split('data-home-rows="hazards_own_open"')[1].split("</table>")[0]
    assert rows.index("安全出口堵塞") < rows.index("消防器材过期")  # the nearest deadline first
    assert f"{in_days(3):%Y-%m-%d}" in rows and f"{in_days(9):%Y-%m-%d}" in rows
