"""The enterprise register: GB 32100 codes, scope, officers' rights, Excel import/export, pages."""

import json
from io import BytesIO
from typing import Any

import pytest
from conftest import COUNTY_A, COUNTY_B
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import Workbook, load_workbook

from yingji.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from yingji.core.models import AuditEntry, User
from yingji.enterprises import ledger, services
from yingji.enterprises.gb32100 import make_credit_code
from yingji.enterprises.models import Enterprise

TOWNSHIP_A = "140902101000"  # 忻府区奇村镇


def _fields(**overrides: Any) -> dict[str, Any]:
    fields = {
        "name": "忻府测试化工有限公司",
        "credit_code": make_credit_code(COUNTY_A, 12345678),
        "industry": "hazardous_chemicals",
        "region_code": TOWNSHIP_A,
        "legal_representative": "张伟",
        "longitude": 112.7,
        "latitude": 38.45,
    }
    return fields | overrides


def _officer_of(enterprise: Enterprise) -> User:
    return User.objects.get(role="enterprise_officer", organization=enterprise.organization)


def test_a_county_admin_registers_an_enterprise_with_its_organization(county_admin: Any) -> None:
    enterprise = services.create_enterprise(county_admin, **_fields())
    assert enterprise.organization.kind == "enterprise" and enterprise.organization.name == enterprise.name
    assert AuditEntry.objects.filter(action="enterprise.created", object_id=str(enterprise.pk)).exists()


def test_a_wrong_check_character_is_a_clear_400_and_nothing_is_written(county_admin: Any) -> None:
    code = make_credit_code(COUNTY_A, 12345678)
    wrong = code[:-1] + ("0" if code[-1] != "0" else "1")
    before = Enterprise.objects.count()
    with pytest.raises(InvalidInput) as error:
        services.create_enterprise(county_admin, **_fields(credit_code=wrong))
    assert error.value.code == "invalid_credit_code"
    assert Enterprise.objects.count() == before


def test_a_registered_code_cannot_be_registered_twice(county_admin: Any) -> None:
    services.create_enterprise(county_admin, **_fields())
    with pytest.raises(Conflict):
        services.create_enterprise(county_admin, **_fields(name="另一家"))


def test_a_county_admin_cannot_register_in_another_county(county_admin: Any) -> None:
    with pytest.raises(NotFound):
        services.create_enterprise(county_admin, **_fields(region_code=COUNTY_B))


def test_an_officer_updates_contacts_but_not_identity(demo: None) -> None:
    enterprise = Enterprise.objects.filter(region__path__contains=f"/{COUNTY_A}/").first()
    officer = _officer_of(enterprise)
    services.update_enterprise(officer, enterprise.pk, safety_officer_phone="13900000000")
    with pytest.raises(Forbidden):
        services.update_enterprise(officer, enterprise.pk, name="改名")
    other = (
        Enterprise.objects.exclude(pk=enterprise.pk).filter(region__path__contains=f"/{COUNTY_A}/").first()
    )
    with pytest.raises(NotFound):
        services.update_enterprise(officer, other.pk, safety_officer_phone="1")


def test_an_officer_sees_only_their_own_enterprise(demo: None, api_client: Any) -> None:
    enterprise = Enterprise.objects.first()
    body = api_client(_officer_of(enterprise)).get("/api/v1/enterprises").json()
    assert [item["id"] for item in body["items"]] == [enterprise.pk]


def test_the_api_lists_with_filters_and_a_constant_number_of_queries(
    api_client: Any, city_admin: Any
) -> None:
    api = api_client(city_admin)
    with CaptureQueriesContext(connection) as queries:
        body = api.get("/api/v1/enterprises", {"industry": "coal_mine", "limit": 1000}).json()
    assert len(queries) <= 5
    assert body["count"] == len(body["items"]) > 10
    assert {item["industry"] for item in body["items"]} == {"coal_mine"}
    coal_counties = {item["region_code"][:6] for item in body["items"]}
    assert coal_counties <= {"140981", "140925", "140926", "140930", "140931", "140932", "140928", "140927"}


def test_the_api_creates_and_refuses_bad_codes(api_client: Any, county_admin: Any) -> None:
    api = api_client(county_admin)
    response = api.post("/api/v1/enterprises", json.dumps(_fields()), content_type="application/json")
    assert response.status_code == 201 and response.json()["region_code"] == TOWNSHIP_A
    bad = _fields(credit_code="91140902MA0ABCDEFG", name="坏代码公司")
    response = api.post("/api/v1/enterprises", json.dumps(bad), content_type="application/json")
    assert response.status_code == 400 and response.json()["code"] == "invalid_credit_code"


def test_licences_are_added_and_removed_with_audit(api_client: Any, county_admin: Any) -> None:
    enterprise = services.create_enterprise(county_admin, **_fields())
    api = api_client(county_admin)
    payload = {
        "kind": "hazardous_chemicals_operation",
        "number": "忻危化经字〔2026〕001",
        "expires_on": "2029-01-31",
    }
    created = api.post(
        f"/api/v1/enterprises/{enterprise.pk}/licences", payload, content_type="application/json"
    )
    assert created.status_code == 201
    bad = payload | {"number": "x2", "issued_on": "2030-01-01"}
    response = api.post(f"/api/v1/enterprises/{enterprise.pk}/licences", bad, content_type="application/json")
    assert response.status_code == 400
    assert api.delete(f"/api/v1/licences/{created.json()['id']}").status_code == 200
    assert AuditEntry.objects.filter(action="licence.deleted").exists()


def _workbook(rows: list[list[Any]]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append([column.header for column in ledger.COLUMNS])
    for row in rows:
        sheet.append(row)
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _row(name: str, serial: int, **overrides: Any) -> list[Any]:
    values = {
        "name": name, "credit_code": make_credit_code(COUNTY_A, serial), "industry": "煤矿", "scale": "中型",
        "status": "正常生产", "region_code": TOWNSHIP_A, "legal_representative": "李强", "employees": 320,
    } | overrides  # fmt: skip
    return [values.get(column.field) for column in ledger.COLUMNS]


def test_an_excel_ledger_imports_every_row(county_admin: Any) -> None:
    created = ledger.import_workbook(county_admin, _workbook([_row("甲煤业", 11), _row("乙煤业", 12)]))
    assert [e.name for e in created] == ["甲煤业", "乙煤业"]
    assert created[0].scale == "medium" and created[0].industry == "coal_mine"


def test_one_bad_row_rejects_the_whole_file_with_row_numbers(county_admin: Any) -> None:
    rows = [_row("甲煤业", 21), _row("乙煤业", 22, industry="造船"), _row("丙煤业", 23, credit_code="123")]
    before = Enterprise.objects.count()
    with pytest.raises(InvalidInput) as error:
        ledger.import_workbook(county_admin, _workbook(rows))
    assert [e["row"] for e in error.value.details["errors"]] == [3, 4]
    assert Enterprise.objects.count() == before


def test_a_true_or_false_cell_is_not_a_coordinate(county_admin: Any) -> None:
    """Excel's TRUE is not a longitude (float(True) would have made it 1.0)."""
    rows = [
        _row("甲煤业", 31, longitude=True, latitude=38.4),
        _row("乙煤业", 32, longitude=112.7, latitude=False),
        _row("丙煤业", 33, longitude=112.7, latitude=38.4),
    ]
    with pytest.raises(InvalidInput) as error:
        ledger.import_workbook(county_admin, _workbook(rows))
    assert [(e["row"], "must be a number" in e["message"]) for e in error.value.details["errors"]] == [
        (2, True),
        (3, True),
    ]


def test_an_exported_ledger_imports_back_after_removal(county_admin: Any, api_client: Any) -> None:
    content = api_client(county_admin).get("/api/v1/enterprises/export").content
    sheet = load_workbook(BytesIO(content)).active
    assert (
        sheet.cell(1, 1).value == "企业名称"
        and sheet.max_row - 1 == Enterprise.objects.visible_to(county_admin).count()
    )
    with pytest.raises(InvalidInput) as error:  # every code is already registered
        ledger.import_workbook(county_admin, content)
    assert "already registered" in error.value.details["errors"][0]["message"]


def test_a_file_that_is_not_excel_is_a_400(county_admin: Any, api_client: Any) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("x.xlsx", b"not a zip at all")
    response = api_client(county_admin).post("/api/v1/enterprises/import", {"file": upload})
    assert response.status_code == 400


def test_pages_list_detail_and_register(page_client: Any, county_admin: Any) -> None:
    client = page_client(county_admin)
    html = client.get("/enterprises/").content.decode()
    assert "忻府" in html and "定襄" not in html
    enterprise = Enterprise.objects.visible_to(county_admin).first()
    assert client.get(f"/enterprises/{enterprise.pk}/").status_code == 200
    other = Enterprise.objects.filter(region__path__contains=f"/{COUNTY_B}/").first()
    assert client.get(f"/enterprises/{other.pk}/").status_code == 404
    assert client.get("/enterprises/new/").status_code == 200


def test_a_reporter_cannot_open_the_registration_form(page_client: Any, demo: None) -> None:
    reporter = User.objects.get(username=f"demo-reporter-{COUNTY_A}")
    assert page_client(reporter).get("/enterprises/new/").status_code == 404


def test_the_demo_puts_coal_mines_on_the_coal_fields_and_every_county_has_enterprises(demo: None) -> None:
    def counties(enterprises: Any) -> set[str]:
        return {path.split("/")[2] for path in enterprises.values_list("region__path", flat=True)}

    coal = {"140981", "140925", "140926", "140930", "140931", "140932", "140928", "140927"}
    assert counties(Enterprise.objects.filter(industry="coal_mine")) == coal
    assert len(counties(Enterprise.objects.all())) == 14
    assert User.objects.filter(username="demo-ent-1", role="enterprise_officer").exists()
