"""Incidents through the services and the API: intake and its bounds, the township found, duplicates
and merging, grading and regrading, the reporting clocks as deadlines (迟报 by a job run), reports and
their judgment, notes, the city's take-over, scoping and the audit."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.utils import timezone

from yingji.command import categories
from yingji.command import incident_services as services
from yingji.command.models import AccidentReport, Incident
from yingji.command.tests.conftest import COUNTY, OTHER, user
from yingji.core import jobs
from yingji.core.models import AuditEntry, Deadline, Notification
from yingji.geography import locate

XINFU_POINT = (112.70, 38.40)  # 忻府区
DINGXIANG_POINT = (112.9745, 38.4862)  # 定襄县


def post(client: Any, path: str, data: Any) -> Any:
    return client.post(path, json.dumps(data), content_type="application/json")


def patch(client: Any, path: str, data: Any) -> Any:
    return client.patch(path, json.dumps(data), content_type="application/json")


def iso(moment: datetime) -> str:
    return moment.isoformat()


def intake_body(**changes: Any) -> dict[str, Any]:
    now = timezone.now()
    body = {
        "title": "忻府区某小区燃气泄漏",
        "category": "accident",
        "subtype": "燃气事故",
        "source": "phone",
        "longitude": XINFU_POINT[0],
        "latitude": XINFU_POINT[1],
        "occurred_at": iso(now - timedelta(minutes=30)),
        "known_at": iso(now - timedelta(minutes=10)),
        "deaths": 0,
        "serious_injuries": 1,
        "description": "居民报告楼道燃气味浓",
    }
    return body | changes


def enterprise_in(code: str) -> Any:
    from yingji.enterprises.models import Enterprise

    return (
        Enterprise.objects.filter(region__path__contains=f"/{code}/", longitude__isnull=False)
        .order_by("pk")
        .first()
    )


def accident(actor: Any, *, deaths: int = 0, injuries: int = 1, known: datetime | None = None) -> Incident:
    enterprise = enterprise_in(COUNTY)
    known = known or timezone.now() - timedelta(minutes=5)
    return services.take_in(
        actor,
        title="化工厂反应釜爆燃",
        category="accident",
        subtype="危险化学品事故",
        source="phone",
        longitude=enterprise.longitude,
        latitude=enterprise.latitude,
        occurred_at=known - timedelta(minutes=10),
        known_at=known,
        enterprise_id=enterprise.pk,
        deaths=deaths,
        serious_injuries=injuries,
    ).incident


def take_call(actor: Any) -> Incident:
    body = intake_body()
    now = timezone.now()
    times = {"occurred_at": now - timedelta(minutes=30), "known_at": now - timedelta(minutes=10)}
    return services.take_in(actor, **(body | times)).incident


# Categories and places ----------------------------------------------------------------------------


def test_categories_are_data_and_unknown_pairs_are_refused() -> None:
    assert categories.check("accident", "矿山事故") == ("accident", "矿山事故")
    for category, subtype, field in (("weather", "洪涝", "category"), ("natural", "矿山事故", "subtype"),
                                     (None, "洪涝", "category"), ("natural", 3, "subtype")):  # fmt: skip
        with pytest.raises(categories.UnknownCategory) as refused:
            categories.check(category, subtype)
        assert refused.value.field == field
    assert categories.accident_kind("道路交通事故") == "road_traffic"
    assert categories.accident_kind("火灾") == "fire" and categories.accident_kind("矿山事故") == "other"
    assert len(categories.SUBTYPES) == 4 and all(
        len(subtypes) >= 3 for subtypes in categories.SUBTYPES.values()
    )


def test_a_point_is_placed_down_to_the_township(demo: None) -> None:
    township = locate.region_at(*DINGXIANG_POINT)
    assert (
        township is not None
        and township.level == "township"
        and township.path.startswith("140000/140900/140921/")
    )
    assert locate.region_at(100.0, 30.0) is None


# Intake -------------------------------------------------------------------------------------------


def test_intake_numbers_places_logs_audits_and_tells_the_duty_room(demo: None, api_client: Any) -> None:
    officer = user(f"demo-duty-{COUNTY}")
    answer = post(api_client(officer), "/api/v1/incidents", intake_body())
    assert answer.status_code == 201, answer.content
    data = answer.json()["incident"]
    incident = Incident.objects.get(pk=data["id"])
    assert incident.number.startswith(f"SJ{COUNTY}") and len(incident.number) == 2 + 6 + 8 + 3
    assert incident.region.level == "township" and incident.region.path.startswith(f"140000/140900/{COUNTY}/")
    assert incident.grade == "" and data["grade"] == ""  # no enterprise: not graded
    assert incident.log.filter(kind="intake").count() == 1
    assert AuditEntry.objects.filter(action="incident.taken_in", object_id=str(incident.pk)).exists()
    told = Notification.objects.filter(object_type="command.incident", object_id=str(incident.pk))
    assert told.exists() and all(n.recipient.region_id == COUNTY for n in told)


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"occurred_at": iso(timezone.now() + timedelta(hours=2))}, "occurred_at"),
        ({"known_at": iso(timezone.now() - timedelta(hours=3))}, "known_at"),  # before it occurred
        ({"longitude": 100.0, "latitude": 30.0}, "longitude"),  # outside the city
        ({"longitude": DINGXIANG_POINT[0], "latitude": DINGXIANG_POINT[1]}, "longitude"),  # another county
        ({"subtype": "地震"}, "subtype"),  # not an accident's subtype
        ({"category": "weather"}, "category"),
        ({"deaths": -1}, "deaths"),
        ({"deaths": 1.5}, "deaths"),
        ({"longitude": True}, "longitude"),
        ({"title": "x" * 101}, "title"),
        ({"source": "alarm"}, "source"),  # only the alarm route takes an alarm in
        ({"occurred_at": "1999-12-31T10:00:00+08:00"}, "occurred_at"),
    ],
)
def test_intake_refuses_bad_input_with_a_4xx_naming_the_field_and_writes_nothing(
    demo: None, api_client: Any, changes: dict[str, Any], field: str
) -> None:
    officer = user(f"demo-duty-{COUNTY}")
    before = Incident.objects.count()
    answer = post(api_client(officer), "/api/v1/incidents", intake_body(**changes))
    assert answer.status_code in (400, 422), answer.content  # the services' 400, the schema's 422
    assert answer.json()["code"] == "invalid_input"
    assert field in json.dumps(answer.json(), ensure_ascii=False)
    assert Incident.objects.count() == before


def test_an_enterprise_officer_cannot_take_incidents_in(demo: None, api_client: Any) -> None:
    from yingji.core.models import User

    officer = User.objects.filter(role="enterprise_officer").first()
    assert post(api_client(officer), "/api/v1/incidents", intake_body()).status_code == 403


def test_an_enterprise_incident_is_an_accident_graded_with_its_clocks(county_admin: Any) -> None:
    enterprise = enterprise_in(COUNTY)
    with pytest.raises(Exception) as refused:
        services.take_in(county_admin, **(intake_body(category="natural", subtype="洪涝") | {
            "occurred_at": timezone.now() - timedelta(minutes=5), "known_at": timezone.now(),
            "enterprise_id": enterprise.pk}))  # fmt: skip
    assert getattr(refused.value, "details", {}).get("field") == "category"
    incident = accident(county_admin, deaths=3)
    assert incident.grade == "较大" and incident.organization_id == enterprise.organization_id
    due = {r.level: r.due_at for r in incident.reports.all()}
    assert set(due) == {"county", "city", "province"}
    assert due["county"] == incident.known_at + timedelta(hours=1)
    assert due["province"] == incident.known_at + timedelta(hours=5)
    late = Deadline.objects.filter(kind=services.REPORT_LATE, status=Deadline.PENDING)
    assert late.filter(object_id__in=[str(r.pk) for r in incident.reports.all()]).count() == 3


# Duplicates and merging --------------------------------------------------------------------------


def test_a_second_intake_nearby_is_offered_for_merging_and_merged(demo: None, api_client: Any) -> None:
    client = api_client(user(f"demo-duty-{COUNTY}"))
    first = post(client, "/api/v1/incidents", intake_body()).json()["incident"]
    second = post(
        client, "/api/v1/incidents", intake_body(longitude=XINFU_POINT[0] + 0.003, title="同一泄漏")
    ).json()
    assert [d["id"] for d in second["duplicates"]] == [first["id"]]
    far = post(client, "/api/v1/incidents", intake_body(longitude=XINFU_POINT[0] + 0.1)).json()
    assert far["duplicates"] == []
    dup = second["incident"]["id"]
    assert post(client, f"/api/v1/incidents/{dup}/merge", {"into": dup}).status_code == 400
    merged = post(client, f"/api/v1/incidents/{dup}/merge", {"into": first["id"]})
    assert merged.status_code == 200 and merged.json()["status"] == "merged"
    assert merged.json()["merged_into_id"] == first["id"]
    assert Incident.objects.get(pk=first["id"]).log.filter(kind="merge").count() == 1
    assert Incident.objects.get(pk=dup).log.filter(kind="merge").count() == 1
    again = post(client, f"/api/v1/incidents/{dup}/merge", {"into": first["id"]})
    assert again.status_code == 409
    third = post(client, "/api/v1/incidents", intake_body(latitude=XINFU_POINT[1] + 0.002)).json()["incident"]
    assert post(client, f"/api/v1/incidents/{first['id']}/merge", {}).status_code == 409  # nothing earlier
    assert post(client, f"/api/v1/incidents/{third['id']}/merge", {}).json()["merged_into_id"] == first["id"]


# Regrading and the clocks -------------------------------------------------------------------------


def test_a_regrade_recomputes_the_clocks_and_is_logged(api_client: Any, county_admin: Any) -> None:
    incident = accident(county_admin)
    assert incident.grade == "一般" and set(incident.reports.values_list("level", flat=True)) == {
        "county",
        "city",
    }
    answer = patch(api_client(county_admin), f"/api/v1/incidents/{incident.pk}", {"deaths": 10})
    assert answer.status_code == 200 and answer.json()["grade"] == "重大"
    levels = {r.level: r for r in incident.reports.all()}
    assert set(levels) == {"county", "city", "province", "national"}
    assert levels["national"].due_at == incident.known_at + timedelta(hours=7)
    assert incident.log.filter(kind="grade", text__contains="一般 → 重大").exists()
    assert incident.log.filter(kind="numbers", text__contains="死亡 0→10").exists()
    down = patch(api_client(county_admin), f"/api/v1/incidents/{incident.pk}", {"deaths": 0})
    assert down.json()["grade"] == "一般"
    statuses = dict(incident.reports.values_list("level", "status"))
    assert statuses["province"] == statuses["national"] == AccidentReport.NOT_REQUIRED
    assert not Deadline.objects.filter(
        kind=services.REPORT_LATE, status=Deadline.PENDING, object_id=str(levels["national"].pk)
    ).exists()
    assert (
        patch(api_client(county_admin), f"/api/v1/incidents/{incident.pk}", {"deaths": -2}).status_code == 422
    )


def test_a_report_not_filed_in_time_is_reminded_then_marked_late_by_the_job_run(county_admin: Any) -> None:
    known = timezone.now() - timedelta(minutes=5)
    incident = accident(county_admin, known=known)
    county_report = incident.reports.get(level="county")
    # Only this incident's deadlines and messages fall due in the runs below (the demo's own wait).
    later = timezone.now() + timedelta(days=365)
    Deadline.objects.filter(status=Deadline.PENDING).exclude(object_type="command.accidentreport").update(
        due_at=later
    )
    Notification.objects.filter(status=Notification.PENDING).update(next_attempt_at=later)
    jobs.run_due(now=known + timedelta(minutes=45))
    assert Notification.objects.filter(
        subject__startswith="事故报告即将超时", object_id=str(incident.pk)
    ).exists()
    county_report.refresh_from_db()
    assert not county_report.late
    jobs.run_due(now=known + timedelta(hours=1, minutes=1))
    county_report.refresh_from_db()
    assert county_report.late and county_report.status == AccidentReport.DUE
    assert incident.log.filter(kind="report", text__contains="迟报").exists()
    assert AuditEntry.objects.filter(action="accident_report.late", object_id=str(county_report.pk)).exists()
    assert services.clock_rows(incident, known + timedelta(hours=1, minutes=1))[0]["state"] == "overdue"


def test_reports_filed_on_time_and_late_and_judged_by_the_city(
    api_client: Any, county_admin: Any, city_admin: Any
) -> None:
    incident = accident(county_admin)
    client = api_client(county_admin)
    body = {"level": "county", "reporting_unit": "企业", "to_whom": "忻府区应急管理局", "course": "爆燃",
            "measures": "疏散"}  # fmt: skip
    filed = post(client, f"/api/v1/incidents/{incident.pk}/reports", body)
    assert (
        filed.status_code == 201 and filed.json()["late"] is False and filed.json()["serious_injuries"] == 1
    )
    assert post(client, f"/api/v1/incidents/{incident.pk}/reports", body).status_code == 409
    assert (
        post(client, f"/api/v1/incidents/{incident.pk}/reports", body | {"level": "province"}).status_code
        == 400
    )
    late_at = incident.known_at + timedelta(hours=3, minutes=5)
    with_time = body | {"level": "city", "filed_at": iso(late_at)}
    assert (
        post(client, f"/api/v1/incidents/{incident.pk}/reports", with_time).status_code == 400
    )  # in the future
    report = services.file_report(county_admin, incident.pk, **(body | {"level": "city"}), now=late_at)
    assert report.late and report.filed_at == late_at
    flag = {"flag": "concealed", "reason": "隐瞒 1 名重伤人员"}
    assert post(client, f"/api/v1/incidents/reports/{report.pk}/flag", flag).status_code == 403  # to the city
    unit_report = incident.reports.get(level="county")
    by_county = post(client, f"/api/v1/incidents/reports/{unit_report.pk}/flag", flag | {"flag": "falsified"})
    assert by_county.status_code == 200 and by_county.json()["flag"] == "falsified"  # the report it received
    assert post(client, f"/api/v1/incidents/reports/{unit_report.pk}/flag", flag).status_code == 409
    judged = post(api_client(city_admin), f"/api/v1/incidents/reports/{report.pk}/flag", flag)
    assert judged.status_code == 200 and judged.json()["flag"] == "concealed"
    assert AuditEntry.objects.filter(action="accident_report.flagged", object_id=str(report.pk)).exists()
    detail = api_client(county_admin).get(f"/api/v1/incidents/{incident.pk}").json()
    assert {c["level"]: c["state"] for c in detail["clocks"]} == {"county": "filed", "city": "late"}
    assert detail["casualty_updates_until"] is not None


# Notes, take-over, scope ---------------------------------------------------------------------------


def test_notes_and_the_citys_take_over_are_logged_and_audited(
    api_client: Any, county_admin: Any, city_admin: Any, other_county_admin: Any
) -> None:
    incident = accident(county_admin)
    note = post(api_client(county_admin), f"/api/v1/incidents/{incident.pk}/notes", {"text": "工作组到场"})
    assert note.status_code == 201 and note.json()["kind"] == "note"
    assert AuditEntry.objects.filter(action="incident.note_added").exists()
    taken = post(api_client(city_admin), f"/api/v1/incidents/{incident.pk}/takeover", {})
    assert taken.status_code == 200 and taken.json()["commanded_by_city"] is True
    assert incident.log.filter(kind="takeover", text__startswith="市级越级指挥").exists()
    assert AuditEntry.objects.filter(action="incident.taken_over", object_id=str(incident.pk)).exists()
    assert post(api_client(city_admin), f"/api/v1/incidents/{incident.pk}/takeover", {}).status_code == 409
    handed = take_call(county_admin)
    assert (
        post(api_client(other_county_admin), f"/api/v1/incidents/{handed.pk}/takeover", {}).status_code == 404
    )
    assert post(api_client(county_admin), f"/api/v1/incidents/{handed.pk}/takeover", {}).status_code == 200
    assert handed.log.filter(kind="takeover", text__contains="提请市级指挥").exists()


def test_another_county_neither_lists_nor_opens_nor_changes_an_incident(
    api_client: Any, county_admin: Any, other_county_admin: Any
) -> None:
    incident = accident(county_admin)
    other = api_client(other_county_admin)
    assert other.get(f"/api/v1/incidents/{incident.pk}").status_code == 404
    assert post(other, f"/api/v1/incidents/{incident.pk}/notes", {"text": "x"}).status_code == 404
    listed = other.get("/api/v1/incidents?limit=1000").json()["items"]
    assert listed and incident.pk not in {row["id"] for row in listed}
    assert {row["region_code"][:6] for row in listed} == {OTHER}
    mine = (
        api_client(county_admin).get(f"/api/v1/incidents?county={COUNTY}&category=accident&q=反应釜").json()
    )
    assert [row["id"] for row in mine["items"]] == [incident.pk]
    assert api_client(county_admin).get(f"/api/v1/incidents?county={OTHER}").status_code == 400


def test_the_demo_has_the_season_of_incidents(demo: None) -> None:
    mine = Incident.objects.get(title="宁武县煤矿瓦斯爆炸事故")
    assert mine.grade == "较大"
    reports = {r.level: r for r in mine.reports.filter(kind="initial")}
    assert [reports[level].late for level in ("county", "city", "province")] == [False, False, True]
    assert Incident.objects.get(title="偏关县水泉镇群众报告河水漫堤").status == Incident.MERGED
    assert Incident.objects.filter(status=Incident.CLOSED).exclude(summary="").exists()
    assert Incident.objects.get(title="定襄县群众报告省道 S312 车祸").is_open  # a duplicate to merge now
    road = Incident.objects.get(title="定襄县货车侧翻道路交通事故")
    assert road.region.path.startswith(
        f"140000/140900/{OTHER}/"
    ) and road.known_at > timezone.now() - timedelta(days=1)


def test_a_red_alarm_becomes_an_incident_once(api_client: Any, county_admin: Any) -> None:
    from yingji.monitoring.models import Alarm

    alarm = Alarm.objects.filter(peak_level=4, sensor__enterprise__isnull=False).first()
    Alarm.objects.filter(pk=alarm.pk).update(status=Alarm.RAISED)
    city = user("demo-city")
    made = post(api_client(city), "/api/v1/incidents/from-alarm", {"alarm_id": alarm.pk})
    assert made.status_code == 201, made.content
    incident = made.json()["incident"]
    assert (
        incident["source"] == "alarm" and incident["category"] == "accident" and incident["grade"] == "一般"
    )
    assert incident["subtype"] == "矿山事故"
    assert post(api_client(city), "/api/v1/incidents/from-alarm", {"alarm_id": alarm.pk}).status_code == 409
    yellow = Alarm.objects.filter(peak_level__lt=4, status__in=Alarm.OPEN_STATUSES).first()
    assert post(api_client(city), "/api/v1/incidents/from-alarm", {"alarm_id": yellow.pk}).status_code == 409
