"""Pages: sign-in, the county dashboard, the map and region pages, in Chinese and scoped."""

import re
from typing import Any

from conftest import COUNTY_A, COUNTY_B


def test_healthz_reports_the_database(client: Any, db: Any) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


def test_pages_need_a_signed_in_user(client: Any, db: Any) -> None:
    response = client.get("/map/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_the_login_page_is_chinese_whatever_the_browser_prefers(client: Any, db: Any) -> None:
    response = client.get("/login/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert response.status_code == 200
    assert '<html lang="zh-hans">' in response.content.decode()
    assert "登录" in response.content.decode()


def test_the_city_page_has_a_row_per_county_with_real_counts(page_client: Any, city_admin: Any) -> None:
    html = page_client(city_admin).get("/regions/140900/").content.decode()
    table = html.split('id="county-table"')[1].split("</table>")[0]
    assert table.count('href="/regions/1409') == 14
    assert "2,689,668" in html
    assert "忻府区" in html and "原平市" in html


def test_a_county_page_counts_only_that_county(page_client: Any, county_admin: Any) -> None:
    html = page_client(county_admin).get(f"/regions/{COUNTY_A}/").content.decode()
    table = html.split('id="county-table"')[1].split("</table>")[0]
    assert table.count("<tr>") == 2 and COUNTY_A in table and COUNTY_B not in table  # header and one county
    assert "577,089" in table


def test_the_map_page_lists_the_registered_layers(page_client: Any, county_admin: Any) -> None:
    html = page_client(county_admin).get("/map/").content.decode()
    assert '"key": "counties"' in html and "/api/v1/map/counties" in html
    assert "vendor/leaflet/leaflet.js" in html


def test_the_county_base_layer_links_only_the_users_own_county(client: Any, county_admin: Any) -> None:
    client.force_login(county_admin)
    features = client.get("/api/v1/map/counties").json()["features"]
    assert len(features) == 14
    linked = [f["properties"]["code"] for f in features if f["properties"]["url"]]
    assert linked == [COUNTY_A]


def test_a_county_page_opens_for_its_county_and_is_404_for_another(
    page_client: Any, county_admin: Any
) -> None:
    client = page_client(county_admin)
    own = client.get(f"/regions/{COUNTY_A}/")
    assert own.status_code == 200 and "秀容街道" in own.content.decode()
    assert client.get(f"/regions/{COUNTY_B}/").status_code == 404


def test_admin_lists_are_scoped(page_client: Any, county_admin: Any) -> None:
    client = page_client(county_admin)
    organizations = client.get("/organizations/").content.decode()
    assert "忻府区应急管理局" in organizations and "定襄县应急管理局" not in organizations
    users = client.get("/users/").content.decode()
    assert f"demo-reporter-{COUNTY_A}" in users and f"demo-reporter-{COUNTY_B}" not in users


def test_a_reporter_has_no_administration_pages(page_client: Any, demo: None) -> None:
    from yingji.core.models import User

    reporter = User.objects.get(username=f"demo-reporter-{COUNTY_A}")
    client = page_client(reporter)
    assert client.get("/users/").status_code == 404
    assert client.get("/audit/").status_code == 404
    assert "审计日志" not in client.get("/").content.decode()


def test_logout_needs_a_post_with_csrf(page_client: Any, county_admin: Any) -> None:
    client = page_client(county_admin)
    assert client.post("/logout/").status_code == 403  # no CSRF token


def test_english_is_one_choice_away(client: Any, db: Any) -> None:
    client.cookies["django_language"] = "en"
    html = client.get("/login/").content.decode()
    assert '<html lang="en">' in html and "Sign in" in html and "登录" not in html


def test_every_interface_message_has_its_english() -> None:
    from pathlib import Path

    import polib

    po = Path(__file__).resolve().parents[2] / "locale" / "en" / "LC_MESSAGES" / "django.po"
    untranslated = [entry.msgid for entry in polib.pofile(str(po)).untranslated_entries()]
    assert untranslated == [], (
        f"run `make messages` and add English to scripts/translations_en.py for {untranslated}"
    )
    fuzzy = [entry.msgid for entry in polib.pofile(str(po)).fuzzy_entries()]
    assert fuzzy == []


def test_a_bearer_client_sees_the_map_layers_of_its_role(
    api_client: Any, county_admin: Any, client: Any
) -> None:
    signed_in = {layer["key"] for layer in api_client(county_admin).get("/api/v1/map/layers").json()}
    anonymous = {layer["key"] for layer in client.get("/api/v1/map/layers").json()}
    assert {"counties", "population_density"} <= anonymous <= signed_in
    features = api_client(county_admin).get("/api/v1/map/counties").json()["features"]
    assert [f["properties"]["code"] for f in features if f["properties"]["url"]] == [COUNTY_A]


def test_village_and_township_populations_are_labelled_estimates_county_ones_are_not(
    page_client: Any, city_admin: Any
) -> None:
    def population_header(path: str) -> str:
        html = page_client(city_admin).get(path).content.decode()
        found = re.search(r'<th class="num" id="children-population">(.*?)</th>', html)
        assert found is not None, path
        return found.group(1)

    assert population_header("/regions/140900/") == "人口"  # the counties: 2020 census
    assert population_header(f"/regions/{COUNTY_A}/") == "人口（估算）"  # its townships
    assert population_header(f"/regions/{COUNTY_A}001000/") == "人口（估算）"  # the township's villages
