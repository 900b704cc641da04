"""Staff pages of warnings: who sees them, the draft form and its errors, the actions on a warning's
page, deliveries and coverage, and what warnings add to the shared pages."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from yingji.core import roles
from yingji.core.models import User
from yingji.core.registry import county_count_columns
from yingji.messaging.models import Delivery
from yingji.warnings import services
from yingji.warnings.maplayer import feature_collection
from yingji.warnings.models import EarlyWarning
from yingji.warnings.tests.pages_fixtures import (
    COUNTY,
    OTHER_COUNTY,
    SQUARE,
    TOWNSHIP,
    csrf_post,
    make_draft,
    make_published,
    make_submitted,
    nothing_else_on_air,
    user,
)

pytestmark = pytest.mark.django_db

DUTY = f"demo-duty-{COUNTY}"


def form_data(**changes: Any) -> dict[str, Any]:
    onset = timezone.localtime().replace(second=0, microsecond=0) + timedelta(minutes=5)
    data: dict[str, Any] = {
        "region": COUNTY,
        "warning_type": "rainstorm",
        "level": "red",
        "headline": "忻府区气象台发布暴雨红色预警信号",
        "description": "过去3小时忻府区部分地区降雨量已达100毫米以上，且降雨将持续。",
        "instruction": "危险地带人员立即转移到安全场所。",
        "onset": f"{onset:%Y-%m-%dT%H:%M}",
        "expires": f"{onset + timedelta(hours=6):%Y-%m-%dT%H:%M}",
        "area_codes": [TOWNSHIP],
        "area_description": "",
        "area_shapes": json.dumps([SQUARE]),
    }
    data.update(changes)
    return data


def row(page: str, pk: int) -> str:
    """The list's table row of one warning."""
    start = page.index(f'<tr data-warning="{pk}"')
    return page[start : page.index("</tr>", start)]


# Who sees the pages -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "username", ["demo-city", f"demo-county-{COUNTY}", DUTY, "demo-dept-meteorology", "demo-duty"]
)
def test_the_list_and_the_form_open_for_each_role_that_works_with_warnings(
    demo: None, page_client: Any, username: str
) -> None:
    warning = make_submitted("yellow")
    client = page_client(user(username))
    listed = client.get(reverse("warnings:list"))
    assert listed.status_code == 200
    assert client.get(reverse("warnings:new")).status_code == 200
    opened = client.get(reverse("warnings:detail", args=[warning.pk]))
    # The city's staff see everything in the city, the county's its own county.
    assert opened.status_code == 200
    assert warning.headline in opened.content.decode()


@pytest.mark.parametrize("role", [roles.ENTERPRISE_OFFICER, roles.DISASTER_REPORTER])
def test_roles_outside_warnings_get_404(demo: None, page_client: Any, role: str) -> None:
    someone = User.objects.filter(role=role).first()
    warning = make_draft()
    client = page_client(someone)
    assert client.get(reverse("warnings:list")).status_code == 404
    assert client.get(reverse("warnings:new")).status_code == 404
    assert client.get(reverse("warnings:detail", args=[warning.pk])).status_code == 404


def test_a_county_admin_of_another_county_gets_404_everywhere(
    demo: None, page_client: Any, other_county_admin: User
) -> None:
    warning = make_published("blue")
    client = page_client(other_county_admin)
    for name in ("detail", "edit", "deliveries"):
        assert client.get(reverse(f"warnings:{name}", args=[warning.pk])).status_code == 404
    answer = csrf_post(client, reverse("warnings:detail", args=[warning.pk]), {"action": "cancel"})
    assert answer.status_code == 404
    assert EarlyWarning.objects.get(pk=warning.pk).status == EarlyWarning.PUBLISHED
    assert warning.headline not in client.get(reverse("warnings:list") + "?tab=all").content.decode()


def test_the_sign_in_page_comes_first(demo: None, client: Any) -> None:
    answer = client.get(reverse("warnings:list"))
    assert answer.status_code == 302 and answer["Location"].startswith(reverse("core:login"))


# The list ---------------------------------------------------------------------------------------


def test_approvers_land_on_what_waits_for_them(demo: None, page_client: Any, county_admin: User) -> None:
    red = make_submitted("red")
    yellow = make_submitted("yellow")
    make_draft("blue")
    city_page = page_client(user("demo-city")).get(reverse("warnings:list")).content.decode()
    assert 'data-tab="pending" class="on"' in city_page
    assert "待您审批" in row(city_page, red.pk) and "待您审批" in row(city_page, yellow.pk)
    county_page = page_client(county_admin).get(reverse("warnings:list")).content.decode()
    # The county approves its yellow warning; the red one waits for the city.
    assert "待您审批" in row(county_page, yellow.pk)
    assert "待您审批" not in row(county_page, red.pk)


def test_a_duty_officer_lands_on_drafts(demo: None, page_client: Any) -> None:
    draft = make_draft()
    page = page_client(user(DUTY)).get(reverse("warnings:list")).content.decode()
    assert 'data-tab="draft" class="on"' in page and f'data-warning="{draft.pk}"' in page


def test_the_list_filters_by_tab_level_and_type(demo: None, page_client: Any, county_admin: User) -> None:
    red = make_published("red")
    blue = make_draft("blue", warning_type="geohazard", headline="忻府区发布地质灾害气象风险蓝色预警")
    client = page_client(county_admin)
    live = client.get(reverse("warnings:list") + "?tab=live").content.decode()
    assert f'data-warning="{red.pk}"' in live and f'data-warning="{blue.pk}"' not in live
    by_type = client.get(reverse("warnings:list") + "?tab=all&type=geohazard").content.decode()
    assert f'data-warning="{blue.pk}"' in by_type and f'data-warning="{red.pk}"' not in by_type
    by_level = client.get(reverse("warnings:list") + "?tab=all&level=red").content.decode()
    assert f'data-warning="{red.pk}"' in by_level and f'data-warning="{blue.pk}"' not in by_level


def test_the_list_costs_the_same_for_many_warnings(
    demo: None, page_client: Any, django_assert_max_num_queries: Any
) -> None:
    for level in ("blue", "yellow", "orange", "red") * 3:
        make_draft(level)
        make_submitted(level)
    for username in (DUTY, f"demo-county-{COUNTY}", "demo-city"):
        client = page_client(user(username))
        with django_assert_max_num_queries(16):
            assert client.get(reverse("warnings:list") + "?tab=all").status_code == 200


# The draft form ---------------------------------------------------------------------------------


def test_a_new_form_is_prefilled_from_the_type_and_the_issuer(demo: None, page_client: Any) -> None:
    page = page_client(user(DUTY)).get(reverse("warnings:new")).content.decode()
    assert "忻府区应急管理局发布暴雨蓝色预警" in page  # the issuer is the bureau, not the observatory
    assert "政府及相关部门按照职责做好防暴雨准备工作" in page  # the blue rainstorm instruction
    assert f'value="{TOWNSHIP}"' in page  # 秀容街道 is on offer
    assert f'value="{OTHER_COUNTY}"' not in page


def test_the_city_may_issue_for_a_county(demo: None, page_client: Any, city_admin: User) -> None:
    page = page_client(city_admin).get(reverse("warnings:new")).content.decode()
    assert '<select name="region"' in page and f'<option value="{OTHER_COUNTY}">' in page
    answer = csrf_post(
        page_client(city_admin),
        reverse("warnings:new"),
        form_data(region=OTHER_COUNTY, area_codes=[OTHER_COUNTY], area_shapes="[]"),
    )
    warning = EarlyWarning.objects.filter(created_by=city_admin).latest("pk")
    assert answer.status_code == 302 and warning.region_id == OTHER_COUNTY


def test_posting_the_form_creates_the_draft_with_its_area(demo: None, page_client: Any) -> None:
    duty = user(DUTY)
    answer = csrf_post(page_client(duty), reverse("warnings:new"), form_data())
    warning = EarlyWarning.objects.filter(created_by=duty).latest("pk")
    assert answer.status_code == 302 and answer["Location"] == reverse("warnings:detail", args=[warning.pk])
    assert (warning.status, warning.level, warning.region_id) == ("draft", "red", COUNTY)
    assert warning.area_codes == [TOWNSHIP] and warning.area_shapes == [SQUARE]
    assert timezone.localtime(warning.expires) - timezone.localtime(warning.onset) == timedelta(hours=6)


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"expires": "2020-01-01T00:00"}, "expires", "失效时间须晚于开始时间"),
        ({"area_codes": [], "area_shapes": "[]"}, "area_codes", "预警区域不能为空"),
        (
            {"area_shapes": json.dumps([{"type": "Circle", "coordinates": [100.0, 30.0], "radius_km": 3}])},
            "area_shapes",
            "区域图形超出发布单位辖区",
        ),
        ({"area_shapes": "{not json"}, "area_shapes", "区域图形格式有误"),
        ({"headline": "   "}, "headline", ""),
        ({"level": "purple"}, "level", ""),
    ],
)
def test_form_errors_show_at_their_field_and_keep_nothing(
    demo: None, page_client: Any, changes: dict[str, Any], field: str, message: str
) -> None:
    before = EarlyWarning.objects.count()
    answer = csrf_post(page_client(user(DUTY)), reverse("warnings:new"), form_data(**changes))
    assert answer.status_code == 200
    assert EarlyWarning.objects.count() == before
    form = answer.context["form"]
    assert field in form.errors
    assert message in " ".join(form.errors[field])
    assert form["headline"].value() == form_data(**changes)["headline"]  # what was typed stays


def test_editing_a_draft_saves_it_and_a_submitted_one_cannot_be_edited(demo: None, page_client: Any) -> None:
    draft = make_draft("blue")
    client = page_client(user(DUTY))
    page = client.get(reverse("warnings:edit", args=[draft.pk])).content.decode()
    assert draft.headline in page
    answer = csrf_post(client, reverse("warnings:edit", args=[draft.pk]), form_data(level="orange"))
    assert answer.status_code == 302
    draft.refresh_from_db()
    assert draft.level == "orange" and draft.area_shapes == [SQUARE]
    services.submit(user(DUTY), draft.pk)
    answer = client.get(reverse("warnings:edit", args=[draft.pk]))
    assert answer.status_code == 302 and answer["Location"] == reverse("warnings:detail", args=[draft.pk])


# A warning's page -------------------------------------------------------------------------------


def action_forms(page: str) -> set[str]:
    return {
        action
        for action in ("submit", "return", "approve", "publish", "update", "cancel")
        if f'data-action="{action}"' in page
    }


def test_the_buttons_are_exactly_the_allowed_actions(
    demo: None, page_client: Any, county_admin: User
) -> None:
    red = make_submitted("red")
    city = user("demo-city")
    county_page = page_client(county_admin).get(reverse("warnings:detail", args=[red.pk])).content.decode()
    city_page = page_client(city).get(reverse("warnings:detail", args=[red.pk])).content.decode()
    assert action_forms(county_page) == set(services.allowed_actions(county_admin, red)) - {"edit"}
    assert (
        action_forms(city_page)
        == set(services.allowed_actions(city, red))
        == {"return", "approve", "publish", "cancel"}
    )


def test_a_red_warning_goes_from_draft_to_published_by_the_buttons(demo: None, page_client: Any) -> None:
    warning = make_draft("red")
    url = reverse("warnings:detail", args=[warning.pk])
    csrf_post(page_client(user(f"demo-county-{COUNTY}")), url, {"action": "submit"})
    city = page_client(user("demo-city"))
    csrf_post(city, url, {"action": "approve"})
    answer = csrf_post(city, url, {"action": "publish"})
    warning.refresh_from_db()
    assert answer.status_code == 302 and warning.status == EarlyWarning.PUBLISHED
    assert (
        warning.submitted_by.username == f"demo-county-{COUNTY}"
        and warning.published_by.username == "demo-city"
    )
    page = city.get(url).content.decode()
    assert "预警已发布" in page and f"/api/v1/warnings/{warning.pk}/cap.xml" in page
    assert reverse("warnings_public:detail", args=[warning.pk]) in page


def test_a_refused_action_is_a_message_and_changes_nothing(
    demo: None, page_client: Any, county_admin: User
) -> None:
    red = make_submitted("red")
    client = page_client(county_admin)
    answer = csrf_post(client, reverse("warnings:detail", args=[red.pk]), {"action": "publish"})
    assert answer.status_code == 302
    assert "无权执行此操作" in client.get(answer["Location"]).content.decode()
    assert EarlyWarning.objects.get(pk=red.pk).status == EarlyWarning.SUBMITTED
    city = page_client(user("demo-city"))
    csrf_post(city, reverse("warnings:detail", args=[red.pk]), {"action": "return", "note": ""})
    assert EarlyWarning.objects.get(pk=red.pk).status == EarlyWarning.SUBMITTED  # a return needs a note


def test_returning_shows_the_note_to_the_drafter(demo: None, page_client: Any) -> None:
    red = make_submitted("red")
    csrf_post(
        page_client(user("demo-city")),
        reverse("warnings:detail", args=[red.pk]),
        {"action": "return", "note": "请补充降雨实况"},
    )
    page = page_client(user(DUTY)).get(reverse("warnings:detail", args=[red.pk])).content.decode()
    assert 'id="returned-note"' in page and "请补充降雨实况" in page and 'id="edit-warning"' in page


def test_an_update_opens_the_new_version_and_cancel_lifts_it(demo: None, page_client: Any) -> None:
    published = make_published("orange")
    city = page_client(user("demo-city"))
    answer = csrf_post(city, reverse("warnings:detail", args=[published.pk]), {"action": "update"})
    update = EarlyWarning.objects.get(supersedes=published, msg_type=EarlyWarning.UPDATE)
    assert answer["Location"] == reverse("warnings:edit", args=[update.pk])
    page = city.get(reverse("warnings:detail", args=[update.pk])).content.decode()
    assert 'id="versions"' in page and reverse("warnings:detail", args=[published.pk]) in page
    csrf_post(city, reverse("warnings:detail", args=[published.pk]), {"action": "cancel", "note": "降雨减弱"})
    lifted = EarlyWarning.objects.get(supersedes=published, msg_type=EarlyWarning.CANCEL)
    assert EarlyWarning.objects.get(pk=published.pk).status == EarlyWarning.CANCELLED
    assert lifted.note == "降雨减弱"


def test_the_page_shows_deliveries_by_channel_and_status(
    demo: None, page_client: Any, county_admin: User
) -> None:
    warning = make_published("blue", area_codes=[COUNTY])
    # A county's staff count the messages to their county's recipients (the city's users are the city's).
    queued = Delivery.objects.visible_to(county_admin).about(warning).count()
    assert 0 < queued < Delivery.objects.about(warning).count()
    first = Delivery.objects.visible_to(county_admin).about(warning).order_by("id").first()
    Delivery.objects.filter(pk=first.pk).update(status=Delivery.DELIVERED)
    page = page_client(county_admin).get(reverse("warnings:detail", args=[warning.pk]))
    context = page.context
    assert context["delivery_total"] == queued
    assert context["deliveries_pending"] == queued - 1
    statuses = [status for status, _label in context["delivery_statuses"]]
    channel_row = next(row for row in context["delivery_rows"] if row["channel"] == first.channel)
    assert channel_row["cells"][statuses.index(Delivery.DELIVERED)] == 1
    assert 'hx-trigger="every 5s"' in page.content.decode()


def test_the_block_stops_polling_when_nothing_is_left_to_send(
    demo: None, page_client: Any, county_admin: User
) -> None:
    warning = make_published("blue")
    Delivery.objects.about(warning).update(status=Delivery.DELIVERED)
    EarlyWarning.objects.filter(pk=warning.pk).update(
        coverage={
            "target": 1000,
            "reached": 950,
            "ratio": 0.95,
            "goal": 0.9,
            "counties": {COUNTY: {"name": "忻府区", "target": 1000, "reached": 950, "ratio": 0.95}},
        },
        coverage_at=timezone.now(),
    )
    answer = page_client(county_admin).get(reverse("warnings:deliveries", args=[warning.pk]))
    body = answer.content.decode()
    assert answer["X-Warning-Deliveries"] == "1"
    assert "hx-trigger" not in body
    assert 'id="coverage-percent">95.0%' in body and "忻府区" in body
    assert f"/warnings/coverage/?warning={warning.pk}" in body


# What warnings add to the shared pages ----------------------------------------------------------


def test_the_map_layer_and_the_county_count_follow_live_warnings(
    demo: None, city_admin: User, county_admin: User
) -> None:
    nothing_else_on_air()
    city_wide = make_draft(
        "orange",
        by="demo-city",
        area_codes=["140900"],
        headline="忻州市发布森林火险橙色预警",
        warning_type="forest_fire",
    )
    services.submit(city_admin, city_wide.pk)
    services.publish(city_admin, city_wide.pk)
    county = make_published("red", area_codes=[TOWNSHIP], area_shapes=[SQUARE])
    make_draft("blue")  # not live: not on the map, not counted
    column = next(column for column in county_count_columns() if column.key == "live_warnings")
    # Counted by the issuing region, as the list's county filter: the city's own warning is the city's.
    assert column.count(city_admin) == {COUNTY: 1} and column.total(city_admin) == 2
    assert column.count(county_admin) == {COUNTY: 1} and column.total(county_admin) == 1
    layer = feature_collection(county_admin)
    assert {f["properties"]["warning"] for f in layer["features"]} == {county.pk}
    shapes = [f for f in layer["features"] if f["geometry"] == SQUARE]
    assert len(shapes) == 1 and shapes[0]["properties"]["url"] == reverse("warnings:detail", args=[county.pk])
    dashed = [f for f in layer["features"] if f["properties"]["style"].get("dashArray")]
    assert len(dashed) == 1  # 忻府区, of which only 秀容街道 is coded
    assert column.count(user("demo-ent-1")) == {} and column.total(user("demo-ent-1")) == 0
