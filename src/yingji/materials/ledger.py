"""Stock as Excel: export the batches a user may see, import receipts all rows or none.

An import row is a receipt (入库) of one batch into one warehouse; a batch number the item already
has in that warehouse is refused, so importing an exported file again receives nothing twice.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from django.db import transaction

from yingji.core import spreadsheets
from yingji.core.errors import DomainError, InvalidInput
from yingji.core.models import User
from yingji.materials import services
from yingji.materials.models import SOURCE_CHOICES, Batch, Warehouse

MAX_ROWS = 5000
HEADERS = [
    "仓库编号",
    "仓库名称",
    "物资编码",
    "物资名称",
    "计量单位",
    "批次号",
    "来源",
    "数量",
    "生产日期",
    "有效期至",
]
WIDTHS = [10, 28, 10, 18, 8, 20, 8, 10, 12, 12]
REQUIRED = ["仓库编号", "物资编码", "数量", "来源"]
SOURCE_LABELS = {str(label): key for key, label in SOURCE_CHOICES}
SOURCE_NAMES = {key: str(label) for key, label in SOURCE_CHOICES}


def export_workbook(batches: Iterable[Batch]) -> bytes:
    """The batches with stock left, one row each (written by core.spreadsheets: no cell is a formula)."""
    rows = (
        [
            b.stock_item.warehouse_id,
            b.stock_item.warehouse.name,
            b.stock_item.material.code,
            b.stock_item.material.name,
            b.stock_item.material.unit,
            b.number,
            SOURCE_NAMES.get(b.source, b.source),
            b.remaining,
            b.produced_on,
            b.expires_on,
        ]
        for b in batches
    )
    return spreadsheets.workbook("应急物资库存", HEADERS, rows, WIDTHS)


def import_workbook(actor: User, content: bytes) -> list[Batch]:
    """Receive every row as a batch, or none: any bad row is a 400 listing each row's reason."""
    services.require_permission(actor, services.MANAGE)
    rows = spreadsheets.read_rows(content)
    header = [str(cell).strip() if cell is not None else "" for cell in next(rows, ())]
    missing = [name for name in REQUIRED if name not in header]
    if missing:
        raise InvalidInput(
            f"缺少列：{'、'.join(missing)} / Missing columns", details={"missing_columns": missing}
        )
    position = {name: header.index(name) for name in HEADERS if name in header}
    warehouses = {w.pk: w for w in Warehouse.objects.visible_to(actor)}
    prepared: list[tuple[int, dict[str, Any]]] = []
    errors: list[dict[str, Any]] = []
    seen: dict[tuple[int, str, str], int] = {}
    for number, row in enumerate(rows, start=2):
        if all(cell in (None, "") for cell in row):
            continue
        if len(prepared) + len(errors) >= MAX_ROWS:
            raise InvalidInput(f"一次最多导入 {MAX_ROWS} 行 / At most {MAX_ROWS} rows per file")
        try:
            values = _row(row, position, warehouses)
            key = (values["warehouse_id"], values["material_code"], values["number"])
            if values["number"] and key in seen:
                raise ValueError(f"与第 {seen[key]} 行批次重复 / duplicate batch in the file")
            seen[key] = number
            if (
                values["number"]
                and Batch.objects.filter(
                    stock_item__warehouse_id=key[0], stock_item__material__code=key[1], number=key[2]
                ).exists()
            ):
                raise ValueError(f"批次 {key[2]} 已入库 / batch {key[2]} was already received")
            services.material_by_code(values["material_code"])
        except (ValueError, DomainError) as error:
            message = error.message if isinstance(error, DomainError) else str(error)
            errors.append({"row": number, "message": message})
            continue
        prepared.append((number, values))
    if errors:
        raise InvalidInput(
            f"{len(errors)} 行有误，未导入任何数据 / {len(errors)} bad rows, nothing imported",
            code="import_rejected",
            details={"errors": errors},
        )
    if not prepared:
        raise InvalidInput(
            "文件中没有数据 / The file has no rows", code="import_rejected", details={"errors": []}
        )
    received = []
    with transaction.atomic():
        for number, values in prepared:
            warehouse_id = values.pop("warehouse_id")
            try:
                received.append(services.receive(actor, warehouse_id, **values))
            except DomainError as error:  # a rule only the service knows (dates): name the row, write nothing
                raise InvalidInput(
                    f"第 {number} 行：{error.message}",
                    code="import_rejected",
                    details={"errors": [{"row": number, "message": error.message}]},
                ) from None
    return received


def _row(row: tuple[Any, ...], position: dict[str, int], warehouses: dict[int, Warehouse]) -> dict[str, Any]:
    def cell(name: str) -> Any:
        index = position.get(name)
        value = row[index] if index is not None and index < len(row) else None
        return None if value is None or str(value).strip() == "" else value

    for name in REQUIRED:
        if cell(name) is None:
            raise ValueError(f"“{name}”不能为空 / {name} is required")
    warehouse_id = _whole(cell("仓库编号"), "仓库编号")
    if warehouse_id not in warehouses:
        raise ValueError(f"仓库编号 {warehouse_id} 不存在或不在管辖范围 / unknown warehouse")
    quantity = _whole(cell("数量"), "数量")
    source = str(cell("来源")).strip()
    if source not in SOURCE_LABELS and source not in SOURCE_NAMES:
        raise ValueError(f"“来源”的值“{source}”无效 / invalid source")
    return {
        "warehouse_id": warehouse_id,
        "material_code": str(cell("物资编码")).strip(),
        "quantity": quantity,
        "source": SOURCE_LABELS.get(source, source),
        "number": str(cell("批次号") or "").strip()[:40],
        "produced_on": _date(cell("生产日期"), "生产日期"),
        "expires_on": _date(cell("有效期至"), "有效期至"),
    }


def _whole(value: Any, name: str) -> int:
    if isinstance(value, bool):
        raise ValueError(f"“{name}”须为整数 / {name} must be a whole number")
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"“{name}”须为整数 / {name} must be a whole number") from None
    if not number.is_integer() or not 0 < number <= 10**9:
        raise ValueError(f"“{name}”须为正整数 / {name} must be a positive whole number")
    return int(number)


def _date(value: Any, name: str) -> date | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        value = value.date()
    if not isinstance(value, date):
        try:
            value = date.fromisoformat(str(value).strip()[:10])
        except ValueError:
            raise ValueError(f"“{name}”须为日期 YYYY-MM-DD / {name} must be a date") from None
    if not date(2000, 1, 1) <= value <= date(2100, 12, 31):
        raise ValueError(f"“{name}”须在 2000-01-01 至 2100-12-31 之间 / {name} out of range")
    return value
