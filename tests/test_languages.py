"""Pages speak one language: no "中文 / English" text on any page, and the labels of the standards, the
generated headline and the platform's own notes are in the reader's language (issue 12, new user 8).

The walk is not a list of pages: every page route of Django's resolver is opened as a county
administrator, a parameter filled with a record that administrator sees, in English and in Chinese.
"""

from __future__ import annotations

import html
import json
import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.test_scope_walk import PARAMETER, fill, is_public_page, page_routes, scoped_models
from yingji.core.models import User
from yingji.monitoring import alarms
from yingji.monitoring.models import Alarm, AlarmEvent, Sensor
from yingji.risks.models import RiskPoint
from yingji.warnings.models import EarlyWarning, WarningType

COUNTY = "140902"
BOTH_LANGUAGES = re.compile(r"[\u3400-\u9fff][^<>\n/]{0,60} / [A-Za-z][a-z]")
TAGS = re.compile(r"<script.*?</script>|<style.*?</style>|<[^>]+>", re.S)


def client_in(language: str, user: User) -> Client:
    client = Client()
    client.force_login(user)
    client.cookies["django_language"] = language
    return client


def text_of(response: Any) -> str:
    return html.unescape(TAGS.sub(" ", response.content.decode()))


def first_visible(user: User) -> dict[str, str]:
    """A record of each scoped model that the user sees, by the name a route's parameter may give it."""
    found = {}
    for model in scoped_models():
        pk = model.objects.visible_to(user).values_list("pk", flat=True).first()
        if pk is not None:
            found[model._meta.model_name] = str(pk)
    return found


def path_for(route: str, records: dict[str, str], user: User) -> str | None:
    names = [name for pair in PARAMETER.findall(route) for name in pair if name]
    if not names:
        return route
    wanted = names[0].removesuffix("_id").replace("_", "")
    if wanted in ("code",):
        return fill(route, user.region_id)
    match = next((pk for model, pk in records.items() if model == wanted or model.endswith(wanted)), None)
    return fill(route, match) if match is not None else None


@pytest.mark.slow(reason="opens every page twice, in English and in Chinese")
@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_no_page_shows_a_message_in_both_languages(demo: None, language: str) -> None:
    admin = User.objects.get(username=f"demo-county-{COUNTY}")
    client = client_in(language, admin)
    records = first_visible(admin)
    opened, mixed = 0, []
    for route in page_routes():
        path = path_for(route, records, admin)
        if path is None or route.startswith("/logout") or (is_public_page(route) and PARAMETER.search(route)):
            continue
        response = client.get(path)
        if response.status_code != 200 or not response["Content-Type"].startswith("text/html"):
            continue
        opened += 1
        mixed += [f"{path}: {found}" for found in BOTH_LANGUAGES.findall(text_of(response))]
    assert opened > 30 and not mixed, "\n".join(mixed)


def test_the_generated_headline_names_the_issuing_bureau_in_the_readers_language(demo: None) -> None:
    city = User.objects.get(username="demo-city")
    chinese = client_in("zh-hans", city).get("/warnings/new/").content.decode()
    english = client_in("en", city).get("/warnings/new/").content.decode()
    assert "忻州市应急管理局发布" in chinese and "气象台" not in chinese
    assert "忻州市应急管理局 issues " in english and "Meteorological Observatory" not in english
    # The editor names each issuer's bureau (a county's draft is the county bureau's) and the type in English.
    editor = json.loads(
        html.unescape(english.split('id="editor-config" type="application/json">')[1].split("</script>")[0])
    )
    assert editor["issuers"]["140921"]["name"] == "定襄县应急管理局"
    assert editor["types"]["rainstorm"]["name"] == "Rainstorm"
    assert editor["headline"] == "%(issuer)s issues %(level)s %(type)s warning"


def test_warning_types_and_factors_of_the_standards_are_in_the_readers_language(demo: None) -> None:
    admin = User.objects.get(username=f"demo-county-{COUNTY}")
    english = client_in("en", admin)
    warning = EarlyWarning.objects.visible_to(admin).select_related("warning_type").first()
    page = english.get(f"/warnings/{warning.pk}/").content.decode()
    meta = page.split('class="head-meta">')[1].split("<")[0]
    assert meta.startswith(warning.warning_type.name_en) and warning.warning_type.name not in meta
    risk = RiskPoint.objects.visible_to(admin).filter(method="lec").first()
    page = text_of(english.get(f"/risks/points/{risk.pk}/"))
    assert "Quite possible" in page and "相当可能" not in page  # LEC's L = 6
    assert "Continuous exposure" in page and "连续暴露" not in page
    chinese = text_of(client_in("zh-hans", admin).get(f"/risks/points/{risk.pk}/"))
    assert "相当可能" in chinese


def test_the_hazard_criteria_and_gb18218_categories_are_translated(demo: None) -> None:
    from yingji.enterprises.models import HAZARDOUS_CHEMICALS
    from yingji.majorhazards.models import Installation

    officer = User.objects.filter(
        role="enterprise_officer", organization__enterprise__industry=HAZARDOUS_CHEMICALS
    ).first()
    page = text_of(client_in("en", officer).get("/hazards/"))
    assert "Special-operations workers without certificates" in page and "特种作业人员未持证上岗" not in page
    admin = User.objects.get(username=f"demo-county-{COUNTY}")
    installation = Installation.objects.visible_to(admin).filter(units__isnull=False).first()
    page = text_of(client_in("en", admin).get(reverse("majorhazards:detail", args=[installation.pk])))
    assert "W2 Flammable gases, categories 1 and 2" in page and "类别1和类别2易燃气体" not in page


def test_the_platforms_own_steps_of_an_alarm_are_in_the_readers_language(demo: None) -> None:
    admin = User.objects.get(username=f"demo-county-{COUNTY}")
    sensor = Sensor.objects.visible_to(admin).filter(kind="combustible_gas").select_related("region").first()
    now = timezone.now()
    alarm = Alarm.objects.create(
        sensor=sensor, rule=Alarm.THRESHOLD, level=3, peak_level=3, raised_at=now, last_triggered_at=now,
        peak_value=1.2, notified_tier=alarms.COUNTY_TIER, region_id=sensor.region_id,
    )  # fmt: skip
    AlarmEvent.objects.create(alarm=alarm, kind="raised", at=now, level=3, told_tier=alarms.COUNTY_TIER)
    AlarmEvent.objects.create(alarm=alarm, kind="cleared", at=now, level=3)
    english = text_of(client_in("en", admin).get(f"/monitoring/alarms/{alarm.pk}/"))
    chinese = text_of(client_in("zh-hans", admin).get(f"/monitoring/alarms/{alarm.pk}/"))
    assert "Notified up to: County" in english and "已通知至" not in english
    assert "Readings back to normal" in english
    assert "已通知至县级" in chinese and "读数恢复正常" in chinese and "notified" not in chinese


def test_an_error_on_a_page_is_in_the_readers_language(demo: None) -> None:
    admin = User.objects.get(username=f"demo-county-{COUNTY}")
    sensor = Sensor.objects.visible_to(admin).filter(kind="combustible_gas").select_related("region").first()
    now = timezone.now()
    alarm = Alarm.objects.create(
        sensor=sensor, rule=Alarm.THRESHOLD, level=2, peak_level=2, raised_at=now, last_triggered_at=now,
        status=Alarm.CLEARED, region_id=sensor.region_id,
    )  # fmt: skip
    for language, shown, hidden in (
        ("en", "Only a raised alarm", "无需确认"),
        ("zh-hans", "无需确认", "Only a raised"),
    ):
        client = client_in(language, admin)
        client.get(f"/monitoring/alarms/{alarm.pk}/")
        response = client.post(
            f"/monitoring/alarms/{alarm.pk}/",
            {"action": "acknowledge", "alarm": alarm.pk, "note": ""},
            follow=True,
        )
        page = text_of(response)
        assert shown in page and hidden not in page, language


def test_a_warning_types_name_follows_the_reader(demo: None) -> None:
    from django.utils import translation

    kind = WarningType.objects.get(code="rainstorm")
    with translation.override("en"):
        assert kind.display_name == "Rainstorm"
    with translation.override("zh-hans"):
        assert kind.display_name == "暴雨"
