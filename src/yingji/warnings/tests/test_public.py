"""Public pages of warnings, with no sign-in: only what was published, no staff data, "where I am"
(subscribing by SMS: test_subscription_codes.py)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from yingji.core.models import User
from yingji.warnings import services
from yingji.warnings.models import EarlyWarning, Responder, Subscriber
from yingji.warnings.tests.pages_fixtures import (
    COUNTY,
    INSIDE_LAT,
    INSIDE_LON,
    OTHER_COUNTY,
    SQUARE,
    TOWNSHIP,
    make_draft,
    make_published,
    make_submitted,
    nothing_else_on_air,
    user,
)

pytestmark = pytest.mark.django_db

PHONE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")  # a mobile number, not digits inside an identifier


def here(client: Client, **query: Any) -> Any:
    return client.get(reverse("warnings_public:here"), query)


def shown(answer: Any, group: str) -> set[int]:
    return {warning.pk for warning in answer.context[group]}


def test_the_list_shows_only_live_warnings(demo: None, client: Client) -> None:
    nothing_else_on_air()
    live = make_published("red")
    expired = make_published("blue")
    EarlyWarning.objects.filter(pk=expired.pk).update(
        expires=expired.onset
    )  # past expiry, worker not run yet
    draft, submitted = make_draft("yellow"), make_submitted("orange")
    page = client.get(reverse("warnings_public:list"))
    assert page.status_code == 200
    assert [w.pk for w in page.context["warnings"]] == [live.pk]
    body = page.content.decode()
    assert draft.headline not in body and submitted.headline not in body
    assert "/cap/feed.atom" in body and reverse("warnings_public:here") in body
    features = page.context["map_config"]["features"]["features"]
    assert {feature["properties"]["warning"] for feature in features} == {live.pk}
    assert all(
        feature["properties"]["url"] == reverse("warnings_public:detail", args=[live.pk])
        for feature in features
    )


def test_a_warning_page_shows_its_instruction_and_cap_link(demo: None, client: Client) -> None:
    warning = make_published("red")
    page = client.get(reverse("warnings_public:detail", args=[warning.pk])).content.decode()
    assert warning.headline in page and "危险地带人员立即转移到安全场所" in page
    assert f"/cap/{warning.identifier}.xml" in page and "生效中" in page


@pytest.mark.parametrize("state", ["draft", "submitted", "discarded"])
def test_versions_never_published_do_not_exist_here(demo: None, client: Client, state: str) -> None:
    warning = make_draft("blue") if state != "submitted" else make_submitted("red")
    if state == "discarded":
        services.cancel(user(f"demo-duty-{COUNTY}"), warning.pk, "重复起草")
    answer = client.get(reverse("warnings_public:detail", args=[warning.pk]))
    assert answer.status_code == 404 and warning.headline not in answer.content.decode()


def test_an_updated_warning_points_to_the_newer_version(demo: None, client: Client, city_admin: User) -> None:
    first = make_published("orange")
    update = services.start_update(city_admin, first.pk)
    services.edit_draft(
        city_admin, update.pk, _same_as(update, level="red", headline="忻府区气象台升级暴雨红色预警信号")
    )
    services.submit(city_admin, update.pk)
    services.publish(city_admin, update.pk)
    page = client.get(reverse("warnings_public:detail", args=[first.pk]))
    assert page.context["ended_label"] == "已更新" and page.context["newer"].pk == update.pk
    assert reverse("warnings_public:detail", args=[update.pk]) in page.content.decode()
    lifted = services.cancel(city_admin, update.pk, "雨停")
    page = client.get(reverse("warnings_public:detail", args=[update.pk]))
    assert page.context["ended_label"] == "已解除" and page.context["newer"].pk == lifted.pk
    assert (
        client.get(reverse("warnings_public:detail", args=[lifted.pk])).context["ended_label"] == "解除通知"
    )


def _same_as(warning: EarlyWarning, **changes: Any) -> services.DraftInput:
    fields = {name: getattr(warning, name) for name in services.DRAFT_FIELDS if name != "warning_type"}
    fields["warning_type"] = warning.warning_type.code
    fields.update(changes)
    return services.DraftInput(**fields)


def test_public_pages_show_no_phone_numbers_and_no_staff(
    demo: None, client: Client, county_admin: User
) -> None:
    Responder.objects.create(
        name="王村长", kind=Responder.VILLAGE_HEAD, phone="13912345678", region_id=TOWNSHIP
    )
    Subscriber.objects.create(
        channel=Subscriber.SMS,
        address="13812345678",
        region_id=COUNTY,
        longitude=INSIDE_LON,
        latitude=INSIDE_LAT,
    )
    warning = make_published("red", area_codes=[COUNTY])
    pages = [
        reverse("warnings_public:list"),
        reverse("warnings_public:detail", args=[warning.pk]),
        reverse("warnings_public:here") + f"?lat={INSIDE_LAT}&lon={INSIDE_LON}",
        reverse("warnings_public:here") + f"?region={COUNTY}",
        reverse("warnings_public:subscribe"),
    ]
    staff = [warning.created_by.username, str(warning.created_by), str(county_admin), "demo-city", "王村长"]
    for url in pages:
        body = client.get(url).content.decode()
        assert warning.headline in body or url.endswith("subscribe/")
        assert not PHONE.search(body), url
        assert not [name for name in staff if name in body], url


# Warnings where I am ----------------------------------------------------------------------------


def test_a_point_finds_the_warnings_over_it(demo: None, client: Client) -> None:
    nothing_else_on_air()
    county_wide = make_published("blue", area_codes=[COUNTY])
    drawn = make_published("red", area_codes=[], area_shapes=[SQUARE])
    some_townships = make_published("yellow", area_codes=[TOWNSHIP])
    elsewhere = make_published(
        "orange",
        area_codes=[],
        area_shapes=[{"type": "Circle", "coordinates": [112.45, 38.62], "radius_km": 2}],
    )
    answer = here(client, lat=INSIDE_LAT, lon=INSIDE_LON)
    assert answer.status_code == 200
    assert [w.pk for w in answer.context["inside"]] == [drawn.pk, county_wide.pk]  # the highest level first
    assert shown(answer, "partial") == {some_townships.pk}
    assert elsewhere.pk not in shown(answer, "inside") | shown(answer, "partial")
    assert "忻府区" in answer.context["place"].label


def test_a_region_finds_the_warnings_touching_it(demo: None, client: Client) -> None:
    nothing_else_on_air()
    county_wide = make_published("blue", area_codes=[COUNTY])
    township = make_published("yellow", area_codes=[TOWNSHIP])
    drawn = make_published("red", area_codes=[], area_shapes=[SQUARE])
    of_township = here(client, region=TOWNSHIP)
    assert shown(of_township, "inside") == {county_wide.pk, township.pk}
    assert shown(of_township, "partial") == {drawn.pk}  # a shape in its county may reach it
    of_county = here(client, region=COUNTY)
    assert shown(of_county, "inside") == {county_wide.pk}
    assert shown(of_county, "partial") == {township.pk, drawn.pk}
    other = here(client, region=OTHER_COUNTY)
    assert shown(other, "inside") == set() and shown(other, "partial") == set()


@pytest.mark.parametrize(
    "query",
    [
        {"lat": "abc", "lon": "112.7"},
        {"lat": "95", "lon": "112.7"},
        {"lat": "38.4"},
        {"lat": "nan", "lon": "inf"},
        {"region": "999999"},
    ],
)
def test_bad_places_are_a_400_page_that_says_why(demo: None, client: Client, query: dict[str, str]) -> None:
    answer = here(client, **query)
    assert answer.status_code == 400
    assert "经纬度无效" in answer.content.decode() or "未知的行政区划" in answer.content.decode()


def test_a_point_outside_the_city_says_so(demo: None, client: Client) -> None:
    make_published("red")
    answer = here(client, lat="39.9", lon="116.4")
    assert answer.status_code == 200 and answer.context["outside"]
    assert not answer.context["inside"] and 'id="outside"' in answer.content.decode()


def test_the_base_map_is_the_citys_counties(demo: None, client: Client) -> None:
    answer = client.get(reverse("warnings_public:counties"))
    assert answer.status_code == 200 and "max-age=3600" in answer["Cache-Control"]
    names = {feature["properties"]["name"] for feature in answer.json()["features"]}
    assert len(names) == 14 and "忻府区" in names
