"""Incident pages: the list with its county counts, the intake form, the incident's page and its
actions, the command screen and its live part, scoping, and hostile text shown as text."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from yingji.command import incident_services as services
from yingji.command.incidents import IncidentSection, _sections, add_section
from yingji.command.models import Incident
from yingji.command.tests.conftest import COUNTY, OTHER, user

HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def csrf(client: Any) -> str:
    client.get("/command/incidents/")
    return client.cookies["csrftoken"].value


def take(actor: Any, **changes: Any) -> Incident:
    now = timezone.now()
    fields = {
        "title": "忻府区民房火灾",
        "category": "accident",
        "subtype": "火灾",
        "source": "transfer_119",
        "longitude": 112.70,
        "latitude": 38.40,
        "occurred_at": now - timedelta(minutes=20),
        "known_at": now - timedelta(minutes=10),
        "description": "民房起火",
    }
    return services.take_in(actor, **(fields | changes)).incident


def test_the_list_shows_the_users_incidents_with_county_counts(page_client: Any, city_admin: Any) -> None:
    page = page_client(city_admin).get("/command/incidents/?open=1")
    text = page.content.decode()
    assert page.status_code == 200
    assert "宁武县煤矿瓦斯爆炸事故" in text and "原平市山体滑坡" not in text  # closed: not open
    assert "各县未结束事件" in text and "定襄县" in text
    county = user(f"demo-county-{OTHER}")
    mine = page_client(county).get("/command/incidents/").content.decode()
    assert "定襄县货车侧翻道路交通事故" in mine and "宁武县煤矿瓦斯爆炸事故" not in mine


def test_the_intake_form_takes_a_call_and_refuses_a_point_outside(
    page_client: Any, county_admin: Any
) -> None:
    client = page_client(county_admin)
    assert client.get("/command/incidents/new/").status_code == 200
    now = timezone.localtime()
    form = {
        "title": "忻府区某路口车辆起火",
        "category": "accident",
        "subtype": "火灾",
        "source": "transfer_119",
        "occurred_at": (now - timedelta(minutes=15)).strftime("%Y-%m-%dT%H:%M"),
        "known_at": (now - timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M"),
        "longitude": "112.70",
        "latitude": "38.40",
        "deaths": "0", "missing": "0", "serious_injuries": "0", "trapped": "0", "direct_loss_cny": "0",
        "csrfmiddlewaretoken": csrf(client),
    }  # fmt: skip
    outside = client.post("/command/incidents/new/", form | {"longitude": "100", "latitude": "30"})
    assert outside.status_code == 400 and "不在本市范围内" in outside.content.decode()
    made = client.post("/command/incidents/new/", form)
    incident = Incident.objects.get(title="忻府区某路口车辆起火")
    assert made.status_code == 302 and made["Location"] == f"/command/incidents/{incident.pk}/"


def test_the_incident_page_shows_clocks_reports_log_and_sections(page_client: Any, city_admin: Any) -> None:
    mine = Incident.objects.get(title="宁武县煤矿瓦斯爆炸事故")
    add_section(IncidentSection("test-section", "command/_incident_log.html", lambda request, incident: {}))
    try:
        page = page_client(city_admin).get(f"/command/incidents/{mine.pk}/").content.decode()
    finally:
        _sections.pop("test-section")
    assert "逐级报告时限" in page and "省级应急管理部门" in page and "迟报" in page
    assert "被困 3 人已全部升井" in page  # the log
    assert "认定瞒报/谎报" in page  # the city may judge
    assert "市级接管指挥" in page


def test_actions_on_the_page_note_and_numbers(page_client: Any, county_admin: Any) -> None:
    incident = take(county_admin)
    client = page_client(county_admin)
    assert "提请市级指挥" in client.get(f"/command/incidents/{incident.pk}/").content.decode()
    token = csrf(client)
    url = f"/command/incidents/{incident.pk}/act/"
    client.post(url, {"action": "note", "text": "消防已到场", "csrfmiddlewaretoken": token})
    assert incident.log.filter(kind="note", text="消防已到场").exists()
    numbers = {"action": "numbers", "deaths": "1", "missing": "0", "serious_injuries": "2", "trapped": "0",
               "direct_loss_cny": "1000", "csrfmiddlewaretoken": token}  # fmt: skip
    client.post(url, numbers)
    incident.refresh_from_db()
    assert incident.deaths == 1 and incident.serious_injuries == 2
    refused = client.post(url, numbers | {"deaths": "-1"}, follow=True).content.decode()
    assert "伤亡人数须为非负整数" in refused
    other = page_client(user(f"demo-county-{OTHER}"))
    assert other.get(f"/command/incidents/{incident.pk}/").status_code == 404
    assert other.get(f"/command/incidents/{incident.pk}/screen/").status_code == 404


def test_the_screen_shows_hostile_text_as_text_and_refreshes_its_live_part(
    page_client: Any, county_admin: Any
) -> None:
    incident = take(county_admin, title=HOSTILE[:100], description=HOSTILE, address=HOSTILE)
    services.add_note(county_admin, incident.pk, HOSTILE)
    client = page_client(county_admin)
    screen = client.get(f"/command/incidents/{incident.pk}/screen/?radius=99")
    text = screen.content.decode()
    assert screen.status_code == 200 and "<script>alert" not in text and "onerror=alert(1)>" not in text
    assert "&lt;script&gt;" in text and 'hx-get="/command/incidents/' in text
    assert 'value="30"' in text  # the radius is bounded
    live = client.get(f"/command/incidents/{incident.pk}/screen/live/?radius=abc")
    assert live.status_code == 200 and live["X-Screen-Live"] == "1"
    assert "<img src=x" not in live.content.decode()
    detail = client.get(f"/command/incidents/{incident.pk}/").content.decode()
    assert "<script>alert" not in detail


def test_the_map_layer_and_the_home_count_the_open_incidents(api_client: Any, city_admin: Any) -> None:
    layer = api_client(city_admin).get("/api/v1/map/incidents").json()
    titles = {f["properties"]["popup"][0] for f in layer["features"]}
    assert any("宁武县煤矿瓦斯爆炸事故" in title for title in titles)
    assert not any("原平市山体滑坡" in title for title in titles)
    county = api_client(user(f"demo-county-{COUNTY}")).get("/api/v1/map/incidents").json()
    assert all("宁武" not in f["properties"]["popup"][0] for f in county["features"])


def test_a_red_alarm_offers_an_incident_on_its_page(page_client: Any, city_admin: Any) -> None:
    from yingji.monitoring.models import Alarm

    alarm = Alarm.objects.filter(peak_level=4, sensor__enterprise__isnull=False).first()
    Alarm.objects.filter(pk=alarm.pk).update(status=Alarm.RAISED)
    client = page_client(city_admin)
    assert "转为事件" in client.get(f"/monitoring/alarms/{alarm.pk}/").content.decode()
    made = client.post(f"/command/incidents/from-alarm/{alarm.pk}/", {"csrfmiddlewaretoken": csrf(client)})
    incident = Incident.objects.get(source_ref=f"monitoring.alarm:{alarm.pk}")
    assert made.status_code == 302 and made["Location"] == f"/command/incidents/{incident.pk}/"
    assert f"已转为事件 {incident.number}" in client.get(f"/monitoring/alarms/{alarm.pk}/").content.decode()
