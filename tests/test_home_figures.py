"""Every figure on a home page, and every linked figure of the county table, equals the total of the list it
links to, for every role (issue 12: the home page said 203 units / 189 accounts / 14 live warnings where
the lists said 210 / 197 / 5).

The figures are discovered from the pages, not listed here: a domain that registers a home item or a
county column is checked as soon as it does. A list shows its total in an element marked
`data-list-total`.
"""

from __future__ import annotations

import html
import re
from typing import Any

import pytest

from yingji.core.models import User

ITEM = re.compile(
    r'<a class="home-item[^"]*" href="([^"]+)" data-home-item="([^"]+)"><span class="value">(\d+)<'
)
LIST_TOTAL = re.compile(r"data-list-total>(\d+)<")
CELL = re.compile(r'<td class="num"><a href="([^"]+)">([\d,]+)</a></td>')

# What each role's home must offer (issue 12, new user 6); more may come from later domains.
SUPERVISOR = {
    "warnings_awaiting_me",
    "hazards_overdue",
    "hazards_listed",
    "alarms_to_acknowledge",
    "warnings_live",
    "hazards_due_today",
    "hazards_due_week",
    "todo",
}
EXPECTED = {
    "demo-city": SUPERVISOR,
    "demo-county-140902": SUPERVISOR,
    "demo-duty-140932": {"alarms_to_acknowledge", "warnings_platform_drafts", "todo"},
    "demo-duty": {"alarms_to_acknowledge", "warnings_platform_drafts", "todo"},
    "demo-dept-water": {"warnings_live", "todo"},
    "demo-reporter-140902": {"todo"},
}  # fmt: skip


def list_total(client: Any, url: str) -> int:
    response = client.get(url)
    assert response.status_code == 200, url
    found = LIST_TOTAL.findall(response.content.decode())
    assert len(found) == 1, f"{url} shows its total once in data-list-total, found {found}"
    return int(found[0])


def home_figures(client: Any) -> dict[str, tuple[str, int]]:
    page = client.get("/").content.decode()
    return {key: (html.unescape(url), int(count)) for url, key, count in ITEM.findall(page)}


def enterprise_officer() -> User:
    """The officer of the first demo enterprise with an open hazard and a licence expiring."""
    from yingji.enterprises.models import Licence

    organization = (
        Licence.objects.filter(enterprise__hazards__status="rectifying")
        .order_by("enterprise_id")
        .values_list("enterprise__organization_id", flat=True)
        .first()
    )
    return User.objects.get(role="enterprise_officer", organization_id=organization)


@pytest.mark.parametrize("username", [*EXPECTED, "enterprise officer"])
def test_every_home_figure_is_the_total_of_the_list_it_links_to(
    demo: None, page_client: Any, username: str
) -> None:
    user = enterprise_officer() if username == "enterprise officer" else User.objects.get(username=username)
    client = page_client(user)
    figures = home_figures(client)
    expected = EXPECTED.get(
        username, {"hazards_own_open", "alarms_active", "risk_points_due", "licences_expiring"}
    )
    assert expected <= set(figures), f"{username} misses {expected - set(figures)}"
    for key, (url, count) in figures.items():
        assert list_total(client, url) == count, f"{username}: {key} says {count}, {url} lists otherwise"
    if username == "enterprise officer":
        assert figures["hazards_own_open"][1] > 0 and figures["licences_expiring"][1] > 0


@pytest.mark.parametrize("username", ["demo-city", "demo-county-140902"])
def test_the_county_tables_figures_are_the_totals_of_the_lists_they_link_to(
    demo: None, page_client: Any, username: str
) -> None:
    user = User.objects.get(username=username)
    client = page_client(user)
    page = client.get(f"/regions/{user.region_id}/").content.decode()
    table = page.split('id="county-table"')[1].split("</table>")[0]
    # The county's own row (忻府区, the first) and, on the city's page, the totals.
    first_row = table.split("<tbody>")[1].split("</tr>")[0]
    cells = CELL.findall(first_row) + CELL.findall(table.split("<tfoot>")[1] if "<tfoot>" in table else "")
    assert len(cells) >= 6
    for url, shown in cells:
        assert list_total(client, html.unescape(url)) == int(shown.replace(",", "")), url


def test_the_city_page_counts_the_records_of_the_city_itself_in_its_own_row(
    demo: None, page_client: Any
) -> None:
    """The old home summed the county rows: the city's bureaus, departments and accounts were missing."""
    from yingji.core.models import Organization

    client = page_client(User.objects.get(username="demo-city"))
    page = client.get("/regions/140900/").content.decode()
    totals = page.split('id="county-totals"')[1].split("</tr>")[0]
    assert f">{Organization.objects.count():,}</a>" in totals
    assert list_total(client, "/organizations/") == Organization.objects.count()
    assert "市本级" in page and 'class="city-level"' in page


def test_the_home_page_keeps_no_census_table(demo: None, page_client: Any) -> None:
    page = page_client(User.objects.get(username="demo-city")).get("/").content.decode()
    assert 'id="county-table"' not in page and 'href="/regions/140900/"' in page
