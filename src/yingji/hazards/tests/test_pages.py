"""Hazard pages: the scoped list and its report form, a hazard's page with its step forms, the dashboard."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from yingji.core.models import User
from yingji.hazards.models import Hazard, HazardAttachment
from yingji.hazards.tests.conftest import COUNTY_A, in_days, report_general, report_major, today

pytestmark = pytest.mark.django_db


def form_post(client: Any, path: str, data: dict[str, Any]) -> Any:
    client.get(path)  # sets the CSRF cookie
    return client.post(path, {**data, "csrfmiddlewaretoken": client.cookies["csrftoken"].value})


def test_the_list_shows_the_countys_hazards_with_filters(county_admin: User, page_client: Any) -> None:
    hazard = Hazard.objects.visible_to(county_admin).filter(is_overdue=True).exclude(status="closed").first()
    response = page_client(county_admin).get("/hazards/", {"overdue": "1"})
    text = response.content.decode()
    assert response.status_code == 200 and hazard.title in text and "逾期" in text
    closed = Hazard.objects.visible_to(county_admin).filter(status="closed").first()
    assert closed.title not in page_client(county_admin).get("/hazards/", {"status": "open"}).content.decode()


def test_the_list_takes_a_constant_number_of_queries(city_admin: User, page_client: Any) -> None:
    client = page_client(city_admin)
    client.get("/hazards/")
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/hazards/")
    assert response.status_code == 200 and response.content.decode().count('href="/hazards/') >= 50
    assert len(queries) <= 14, [q["sql"] for q in queries]


def test_an_officer_reports_through_the_form(officer: User, chemical: Any, page_client: Any) -> None:
    client = page_client(officer)
    fields = {"enterprise_id": chemical.pk, "title": "卸油口静电接地失效", "location": "卸油区"}
    fields |= {"found_on": today(), "source": "self_check", "grade": "major", "criterion_code": "chem-12"}
    response = form_post(client, "/hazards/", fields)
    hazard = Hazard.objects.get(title="卸油口静电接地失效")
    assert response.status_code == 302 and response["Location"] == f"/hazards/{hazard.pk}/"
    assert hazard.reported_by == officer and hazard.criterion_code == "chem-12"


def test_a_refused_report_shows_the_message_and_writes_nothing(
    officer: User, chemical: Any, page_client: Any
) -> None:
    fields = {"enterprise_id": chemical.pk, "title": "没有判定依据的重大隐患", "found_on": today()}
    fields |= {"source": "self_check", "grade": "major", "criterion_code": ""}
    response = form_post(page_client(officer), "/hazards/", fields)
    assert response.status_code == 400 and "判定标准条款" in response.content.decode()
    assert not Hazard.objects.filter(title="没有判定依据的重大隐患").exists()


def test_the_detail_page_offers_only_the_users_steps(
    officer: User, chemical: Any, county_admin: User, page_client: Any
) -> None:
    hazard = report_major(officer, chemical)
    officer_page = page_client(officer).get(f"/hazards/{hazard.pk}/").content.decode()
    assert 'data-action="plan"' in officer_page and 'data-action="start_rectification"' in officer_page
    assert 'data-action="list_supervision"' not in officer_page
    admin_page = page_client(county_admin).get(f"/hazards/{hazard.pk}/").content.decode()
    assert 'data-action="list_supervision"' in admin_page and "罐区可燃气体检测报警装置失效" in admin_page


def test_the_step_forms_call_the_services(
    officer: User, chemical: Any, county_admin: User, page_client: Any
) -> None:
    hazard = report_general(officer, chemical)
    path = f"/hazards/{hazard.pk}/"
    enterprise, admin = page_client(officer), page_client(county_admin)
    assert (
        form_post(enterprise, path, {"action": "start_rectification", "deadline": in_days(5)}).status_code
        == 302
    )
    assert form_post(enterprise, path, {"action": "submit", "note": "完成"}).status_code == 302
    refused = form_post(admin, path, {"action": "reject", "reason": ""})
    assert refused.status_code == 400
    assert form_post(admin, path, {"action": "accept", "note": "合格"}).status_code == 302
    hazard.refresh_from_db()
    assert hazard.status == "closed" and hazard.closed_by == county_admin


def test_a_step_the_user_may_not_take_is_refused_with_the_message(
    officer: User, chemical: Any, page_client: Any
) -> None:
    hazard = report_general(officer, chemical)
    response = form_post(page_client(officer), f"/hazards/{hazard.pk}/", {"action": "accept"})
    assert response.status_code == 400 and "您无权验收销号" in response.content.decode()
    hazard.refresh_from_db()
    assert hazard.status == "reported"


def test_a_file_is_uploaded_from_the_page_and_served_back(
    officer: User, chemical: Any, page_client: Any
) -> None:
    hazard = report_general(officer, chemical)
    client = page_client(officer)
    upload = SimpleUploadedFile("整改通知.pdf", b"%PDF-1.4\n%%EOF\n", content_type="application/pdf")
    assert (
        form_post(
            client, f"/hazards/{hazard.pk}/", {"action": "upload", "stage": "document", "file": upload}
        ).status_code
        == 302
    )
    attachment = HazardAttachment.objects.get(hazard=hazard)
    response = client.get(f"/hazards/attachments/{attachment.pk}/")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"


def test_another_countys_hazard_page_and_file_are_not_found(
    county_admin: User, other_county_admin: User, page_client: Any
) -> None:
    hazard = Hazard.objects.visible_to(county_admin).first()
    attachment = HazardAttachment.objects.visible_to(county_admin).first()
    client = page_client(other_county_admin)
    assert client.get(f"/hazards/{hazard.pk}/").status_code == 404
    assert client.get(f"/hazards/attachments/{attachment.pk}/").status_code == 404


def test_roles_that_do_not_see_hazards_get_no_page_and_no_nav_item(page_client: Any, demo: None) -> None:
    duty = User.objects.get(username="demo-duty")
    client = page_client(duty)
    assert client.get("/hazards/").status_code == 404
    assert "隐患排查" not in client.get("/").content.decode()


def test_the_dashboard_shows_rate_and_charts(county_admin: User, page_client: Any) -> None:
    response = page_client(county_admin).get("/hazards/dashboard/")
    text = response.content.decode()
    assert response.status_code == 200 and "整改率" in text and "chart-months" in text
    assert 'id="rectification-rate">' in text and "%" in text.split('id="rectification-rate">')[1][:10]


def test_the_county_table_counts_open_hazards_per_county(county_admin: User, page_client: Any) -> None:
    text = page_client(county_admin).get(f"/regions/{county_admin.region_id}/").content.decode()
    assert "未销号隐患" in text and "隐患排查" in text
    open_count = Hazard.objects.visible_to(county_admin).exclude(status="closed").count()
    assert f'?status=open&amp;county={county_admin.region_id}">{open_count}</a></td>' in text


def test_the_enterprise_page_lists_its_open_hazards(officer: User, chemical: Any, page_client: Any) -> None:
    hazard = report_general(officer, chemical, title="加油岛防撞柱缺失")
    text = page_client(officer).get(f"/enterprises/{chemical.pk}/").content.decode()
    assert "隐患排查治理" in text and hazard.title in text
    assert COUNTY_A
