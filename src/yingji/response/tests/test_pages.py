"""The sections the response adds to the incident page (rendered through the template loader, as the
incident page includes them), the form endpoint behind them, and the team leader's link page."""

from __future__ import annotations

import re

from django.template.loader import render_to_string
from django.test import Client, RequestFactory
from django.urls import reverse

from yingji.command.incidents import sections_for
from yingji.response import dispatch, rules, services
from yingji.response.models import DispatchOrder, Response
from yingji.response.tests.conftest import COUNTY, standby_teams

HOSTILE = '<script>alert("x")</script>'


def render_sections(user, incident, *, screen=False) -> str:
    request = RequestFactory().get(f"/command/incidents/{incident.pk}/")
    request.user = user
    parts = sections_for(request, incident, screen=screen)
    return "".join(
        render_to_string(part["template"], {"section": part["section"]}, request=request) for part in parts
    )


def test_before_a_response_the_sections_offer_the_launch_and_the_recommendation(county_admin, incident):
    html = render_sections(county_admin, incident)
    assert 'name="action" value="launch"' in html
    assert 'name="action" value="dispatch"' in html  # a "dispatch" button beside each team
    assert "调度推荐" in html and "周边人口" in html


def test_the_command_screen_leaves_the_recommendation_to_the_page(county_admin, incident):
    html = render_sections(county_admin, incident, screen=True)
    assert "rp-orders" in html and "rp-recommendation" not in html


def test_a_running_response_shows_its_headquarters_orders_tasks_and_next_report(county_admin, incident):
    services.launch_response(county_admin, incident.pk, level=3, sitrep_every_hours=2, matters=HOSTILE)
    services.add_member(county_admin, incident.pk, group="rescue", name=HOSTILE)
    order = dispatch.issue_order(county_admin, incident.pk, team_id=standby_teams(COUNTY)[0].pk, task=HOSTILE)

    html = render_sections(county_admin, incident)

    assert HOSTILE not in html and "&lt;script&gt;" in html
    assert "Ⅲ级" in html and order.number in html and "抢险救援组" in html
    assert 'value="adjust"' in html and 'value="end"' in html and 'value="sitrep"' in html
    assert re.search(r"第 1 期应于 .* 前报送", html)


def test_a_viewer_without_command_sees_no_forms(incident, county_admin):
    from yingji.core.models import User

    department = User.objects.filter(role="department_staff", region_id=COUNTY).first() or User.objects.get(
        username="demo-dept-transport"
    )
    services.launch_response(county_admin, incident.pk, level=4)
    html = render_sections(department, incident)
    assert "<form" not in html


def _csrf(client: Client, path: str = "/") -> str:
    client.get(path)
    return client.cookies["csrftoken"].value


def test_the_launch_form_launches_and_goes_back_to_the_page(page_client, county_admin, incident):
    client = page_client(county_admin)
    token = _csrf(client)
    page = f"/command/incidents/{incident.pk}/"
    answer = client.post(
        f"/response/incidents/{incident.pk}/act/",
        {"action": "launch", "level": "4", "next": page, "csrfmiddlewaretoken": token},
    )
    assert answer.status_code == 302 and answer["Location"] == page
    assert Response.objects.get(incident=incident).level == 4
    again = client.post(
        f"/response/incidents/{incident.pk}/act/",
        {"action": "launch", "level": "4", "next": "https://evil.example/", "csrfmiddlewaretoken": token},
    )
    assert again.status_code == 302 and again["Location"] == reverse("core:home")  # never off-site


def test_the_form_endpoint_is_404_for_another_county_and_needs_csrf(
    page_client, other_county_admin, county_admin, incident
):
    client = page_client(other_county_admin)
    token = _csrf(client)
    answer = client.post(
        f"/response/incidents/{incident.pk}/act/",
        {"action": "launch", "level": "4", "csrfmiddlewaretoken": token},
    )
    assert answer.status_code == 404
    no_token = page_client(county_admin).post(
        f"/response/incidents/{incident.pk}/act/", {"action": "launch", "level": "4"}
    )
    assert no_token.status_code == 403
    assert not Response.objects.filter(incident=incident).exists()


def _issued_with_link(county_admin, incident) -> tuple[DispatchOrder, str]:
    from yingji.messaging.models import Delivery

    team = standby_teams(COUNTY)[0]
    team.phone = "13800000009"
    team.save(update_fields=["phone"])
    order = dispatch.issue_order(county_admin, incident.pk, team_id=team.pk, task=HOSTILE)
    body = Delivery.objects.about(order).get(channel=Delivery.SMS).message.body
    return order, "/public/dispatch/" + body.rsplit("/public/dispatch/", 1)[1]


def test_the_team_leader_reads_the_order_and_confirms_it_with_a_post(county_admin, incident):
    order, link = _issued_with_link(county_admin, incident)
    leader = Client(enforce_csrf_checks=True)

    page = leader.get(link)
    text = page.content.decode()
    assert (
        page.status_code == 200 and order.number in text and "&lt;script&gt;" in text and HOSTILE not in text
    )
    assert 'id="ack-button"' in text
    assert DispatchOrder.objects.get(pk=order.pk).status == rules.ISSUED  # opening the link confirms nothing

    assert leader.post(link).status_code == 403  # no CSRF token
    done = leader.post(link, {"csrfmiddlewaretoken": leader.cookies["csrftoken"].value})
    assert done.status_code == 200 and 'id="ack-done"' in done.content.decode()
    assert DispatchOrder.objects.get(pk=order.pk).received_via == DispatchOrder.LINK
    assert leader.get(link).status_code == 404  # used


def test_a_made_up_link_is_404(demo):
    answer = Client().get("/public/dispatch/yjd_madeup/")
    assert answer.status_code == 404 and 'id="ack-invalid"' in answer.content.decode()
