"""The duty rota's pages: today's shift, the month's rota with Excel, handover, swaps, check-ins."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from yingji.command.models import CheckIn, Handover, ShiftSwap
from yingji.command.tests.conftest import COUNTY, OTHER, post_of, shift_now, user
from yingji.core import spreadsheets


def csrf(client: Any) -> str:
    client.get("/duty/")
    return client.cookies["csrftoken"].value


def test_today_shows_the_leader_officers_and_open_matters(page_client: Any, county_admin: Any) -> None:
    page = page_client(county_admin).get("/duty/").content.decode()
    shift = shift_now(COUNTY)
    assert shift.leader.full_name in page
    assert all(officer.full_name in page for officer in shift.officers.all())
    matter = post_of(COUNTY).matters.filter(closed_at__isnull=True).first()
    assert matter.text in page


def test_the_rota_is_a_grid_of_the_month_and_exports_to_excel(page_client: Any, county_admin: Any) -> None:
    client = page_client(county_admin)
    page = client.get("/duty/rota/").content.decode()
    assert "夜班" in page and f"{timezone.localdate():%m-%d}" in page
    export = client.get("/duty/rota/export.xlsx")
    rows = list(spreadsheets.read_rows(export.content))
    assert rows[0][:2] == ("日期", "班次") and len(rows) > 10


def test_a_county_cannot_open_another_countys_rota(
    page_client: Any, county_admin: Any, city_admin: Any
) -> None:
    assert page_client(county_admin).get(f"/duty/rota/?region={OTHER}").status_code == 404
    assert page_client(city_admin).get(f"/duty/rota/?region={OTHER}").status_code == 200


def test_reporters_cannot_open_the_duty_pages(page_client: Any, demo: None) -> None:
    client = page_client(user(f"demo-reporter-{COUNTY}"))
    for path in ("/duty/", "/duty/rota/", "/duty/swaps/", "/duty/checkins/"):
        assert client.get(path).status_code == 404, path


def test_the_handover_form_writes_the_handover(page_client: Any, demo: None) -> None:
    shift = shift_now(COUNTY)
    officer = shift.officers.first()
    client = page_client(officer)
    token = csrf(client)
    form = {"notes": "本班平稳", "new_matters": "核实停电\n", "csrfmiddlewaretoken": token}
    answer = client.post(f"/duty/shifts/{shift.pk}/handover/", form)
    assert answer.status_code == 302
    assert Handover.objects.get(shift=shift).written_by == officer


def test_the_administrator_refuses_a_swap_on_the_swaps_page(page_client: Any, county_admin: Any) -> None:
    swap = ShiftSwap.objects.filter(shift__post__region_id=COUNTY, status=ShiftSwap.REQUESTED).first()
    client = page_client(county_admin)
    assert swap.reason in client.get("/duty/swaps/?status=requested").content.decode()
    token = csrf(client)
    client.post(
        f"/duty/swaps/{swap.pk}/decide/",
        {"decision": "refuse", "note": "人手不足", "csrfmiddlewaretoken": token},
    )
    swap.refresh_from_db()
    assert swap.status == ShiftSwap.REFUSED


def test_the_city_sends_a_check_in_and_the_county_answers_on_its_page(
    page_client: Any, city_admin: Any
) -> None:
    city = page_client(city_admin)
    token = csrf(city)
    city.post("/duty/checkins/", {"counties": [COUNTY], "question": "夜间查岗", "csrfmiddlewaretoken": token})
    checkin = CheckIn.objects.get(question="夜间查岗")
    county = page_client(user(f"demo-duty-{COUNTY}"))
    page = county.get("/duty/checkins/?status=pending&mine=1").content.decode()
    assert "夜间查岗" in page and f"/duty/checkins/{checkin.pk}/answer/" in page
    county.post(
        f"/duty/checkins/{checkin.pk}/answer/", {"answer": "在岗", "csrfmiddlewaretoken": csrf(county)}
    )
    checkin.refresh_from_db()
    assert checkin.status == CheckIn.ANSWERED and checkin.answer == "在岗"


def test_the_city_sees_the_missed_check_in_and_counties_only_their_own(
    page_client: Any, city_admin: Any
) -> None:
    missed = CheckIn.objects.get(status=CheckIn.MISSED)
    assert missed.post.name in page_client(city_admin).get("/duty/checkins/?status=missed").content.decode()
    page = page_client(user(f"demo-county-{COUNTY}")).get("/duty/checkins/").content.decode()
    assert missed.post.name not in page
