"""The enterprise ledger (台账) as Excel: export what a user may see, import all rows or none.

Columns are the ones the bureau's spreadsheets use, in Chinese; an exported file imports back.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import transaction

from yingji.core import spreadsheets
from yingji.core.errors import DomainError, InvalidInput
from yingji.core.models import User
from yingji.core.services import require_permission
from yingji.enterprises import models
from yingji.enterprises.services import MANAGE_ENTERPRISES, prepare_enterprise, save_new_enterprise

MAX_ROWS = 5000


@dataclass(frozen=True)
class Column:
    header: str
    field: str
    choices: dict[str, str] | None = None  # key → Chinese label, for columns that hold a choice
    width: float = 12


COLUMNS = [
    Column("企业名称", "name", width=32),
    Column("统一社会信用代码", "credit_code", width=22),
    Column("行业", "industry", dict(models.INDUSTRY_CHOICES), width=16),
    Column("规模", "scale", dict(models.SCALE_CHOICES), width=8),
    Column("状态", "status", dict(models.STATUS_CHOICES), width=10),
    Column("所属区划代码", "region_code", width=14),
    Column("地址", "address", width=36),
    Column("经度", "longitude", width=10),
    Column("纬度", "latitude", width=10),
    Column("法定代表人", "legal_representative"),
    Column("法定代表人电话", "legal_representative_phone", width=16),
    Column("安全管理负责人", "safety_officer"),
    Column("安全管理负责人电话", "safety_officer_phone", width=16),
    Column("从业人员", "employees", width=10),
]
REQUIRED = {"name", "credit_code", "industry", "region_code", "legal_representative"}
NUMERIC = {"longitude": float, "latitude": float, "employees": int}


def export_workbook(enterprises: Iterable[models.Enterprise]) -> bytes:
    """An .xlsx ledger of the given enterprises (written by core.spreadsheets: no cell is a formula)."""
    return spreadsheets.workbook(
        "企业台账",
        [column.header for column in COLUMNS],
        (_row(enterprise) for enterprise in enterprises),
        [column.width for column in COLUMNS],
    )


def _row(enterprise: models.Enterprise) -> list[Any]:
    row = []
    for column in COLUMNS:
        value = enterprise.region_id if column.field == "region_code" else getattr(enterprise, column.field)
        row.append(column.choices.get(value, value) if column.choices else value)
    return row


def import_workbook(actor: User, content: bytes) -> list[models.Enterprise]:
    """Register every row of an .xlsx ledger, or none: any bad row is a 400 listing each row's reason."""
    require_permission(actor, MANAGE_ENTERPRISES)
    rows, errors = _read_rows(content)
    prepared: list[models.Enterprise] = []
    codes_seen: dict[str, int] = {}
    for number, values in rows:
        try:
            enterprise = prepare_enterprise(actor, **values)
        except DomainError as error:
            errors.append({"row": number, "message": error.message, "details": error.details})
            continue
        if enterprise.credit_code in codes_seen:
            first = codes_seen[enterprise.credit_code]
            errors.append(
                {"row": number, "message": f"与第 {first} 行代码重复 / duplicate credit code in the file"}
            )
            continue
        codes_seen[enterprise.credit_code] = number
        prepared.append(enterprise)
    if errors:
        errors.sort(key=lambda error: error["row"])
        raise InvalidInput(f"{len(errors)} 行有误，未导入任何数据 / {len(errors)} bad rows, nothing imported",
                           code="import_rejected", details={"errors": errors})  # fmt: skip
    with transaction.atomic():
        return [save_new_enterprise(actor, enterprise) for enterprise in prepared]


def _read_rows(content: bytes) -> tuple[list[tuple[int, dict[str, Any]]], list[dict[str, Any]]]:
    """The rows as field values by row number, and the rows that could not be read, with reasons."""
    rows = spreadsheets.read_rows(content)
    header = [str(cell).strip() if cell is not None else "" for cell in next(rows, ())]
    positions = {column.field: header.index(column.header) for column in COLUMNS if column.header in header}
    missing = [
        column.header for column in COLUMNS if column.field in REQUIRED and column.field not in positions
    ]
    if missing:
        raise InvalidInput(
            f"缺少列：{'、'.join(missing)} / Missing columns", details={"missing_columns": missing}
        )
    parsed: list[tuple[int, dict[str, Any]]] = []
    errors: list[dict[str, Any]] = []
    for number, row in enumerate(rows, start=2):
        if all(cell in (None, "") for cell in row):
            continue
        if len(parsed) + len(errors) >= MAX_ROWS:
            raise InvalidInput(f"一次最多导入 {MAX_ROWS} 行 / At most {MAX_ROWS} rows per file")
        try:
            parsed.append((number, _row_values(row, positions)))
        except ValueError as error:
            errors.append({"row": number, "message": str(error)})
    return parsed, errors


def _row_values(row: tuple[Any, ...], positions: dict[str, int]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for column in COLUMNS:
        if column.field not in positions or positions[column.field] >= len(row):
            continue
        cell = row[positions[column.field]]
        if cell is None or str(cell).strip() == "":
            if column.field in REQUIRED:
                raise ValueError(f"“{column.header}”不能为空 / {column.field} is required")
            continue
        text = str(cell).strip()
        if column.choices:
            by_label = {label: key for key, label in column.choices.items()}
            if text not in column.choices and text not in by_label:
                raise ValueError(f"“{column.header}”的值“{text}”无效 / invalid {column.field}")
            values[column.field] = by_label.get(text, text)
        elif column.field in NUMERIC:
            try:
                if isinstance(cell, bool):  # a TRUE/FALSE cell is not a number (float(True) would be 1.0)
                    raise ValueError(cell)
                values[column.field] = NUMERIC[column.field](cell)
            except (TypeError, ValueError):
                raise ValueError(f"“{column.header}”须为数字 / {column.field} must be a number") from None
        else:
            values[column.field] = text
    return values
