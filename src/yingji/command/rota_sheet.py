"""A month's rota as Excel: one row per shift (date, shift, leader on duty, duty officers), exported as
shown and imported all or nothing (through core/spreadsheets.py, like the enterprise ledger)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.db import transaction

from yingji.command import services
from yingji.command.models import DutyPost, Shift
from yingji.core import datebounds, spreadsheets
from yingji.core.errors import DomainError, Forbidden, InvalidInput
from yingji.core.models import User

MAX_ROWS = 500
HEADERS = ["日期", "班次", "开始", "结束", "带班领导账号", "带班领导", "值班员账号", "值班员"]
REQUIRED = ("日期", "班次", "带班领导账号", "值班员账号")
WIDTHS = [12, 8, 8, 8, 22, 10, 44, 24]
SEPARATORS = ("、", "，", ";", "；")


def _name(user: User) -> str:
    return user.full_name or user.username


def export_month(post: DutyPost, shifts: Any) -> bytes:
    """The shifts given (a month of one post) as an .xlsx file that imports back unchanged."""
    rows = []
    for shift in (
        shifts.select_related("pattern", "leader").prefetch_related("officers").order_by("starts_at")
    ):
        officers = sorted(shift.officers.all(), key=lambda user: user.username)
        rows.append([
            shift.day.isoformat(),
            shift.pattern.name,
            f"{shift.pattern.starts:%H:%M}",
            f"{shift.pattern.ends:%H:%M}",
            shift.leader.username,
            _name(shift.leader),
            ",".join(user.username for user in officers),
            "、".join(_name(user) for user in officers),
        ])  # fmt: skip
    return spreadsheets.workbook(post.name[:31], HEADERS, rows, WIDTHS)


def _day(cell: Any) -> date:
    if isinstance(cell, datetime):
        value = cell.date()
    elif isinstance(cell, date):
        value = cell
    else:
        try:
            value = date.fromisoformat(str(cell).strip())
        except ValueError:
            raise ValueError("“日期”须为 YYYY-MM-DD / 日期 must be YYYY-MM-DD") from None
    if not datebounds.in_range(value):
        raise ValueError(datebounds.message("日期"))
    return value


def _usernames(cell: Any) -> list[str]:
    text = str(cell or "")
    for separator in SEPARATORS:
        text = text.replace(separator, ",")
    return [name.strip() for name in text.split(",") if name.strip()]


def import_month(actor: User, post_id: int, content: bytes) -> list[Shift]:
    """Write every row's shift, or none: a bad row is a 400 listing every row's reason."""
    post = DutyPost.objects.select_related("region").get_visible_or_404(actor, pk=post_id)
    if not services.may_manage(actor, post):
        raise Forbidden()
    rows = spreadsheets.read_rows(content)
    header = [str(cell).strip() if cell is not None else "" for cell in next(rows, ())]
    missing = [name for name in REQUIRED if name not in header]
    if missing:
        raise InvalidInput(
            f"缺少列：{'、'.join(missing)} / Missing columns", details={"missing_columns": missing}
        )
    at = {name: header.index(name) for name in REQUIRED}
    patterns = set(post.patterns.values_list("name", flat=True))
    people = set(services.eligible_people(post).values_list("username", flat=True))
    prepared, errors, seen = [], [], {}  # type: ignore[var-annotated]
    for number, row in enumerate(rows, start=2):
        if all(cell in (None, "") for cell in row):
            continue
        if len(prepared) + len(errors) >= MAX_ROWS:
            raise InvalidInput(f"一次最多导入 {MAX_ROWS} 行 / At most {MAX_ROWS} rows per file")
        cells = {name: row[index] if index < len(row) else None for name, index in at.items()}
        try:
            day = _day(cells["日期"])
            pattern = str(cells["班次"] or "").strip()
            if pattern not in patterns:
                raise ValueError(f"没有班次“{pattern}” / no shift named {pattern}")
            names = [str(cells["带班领导账号"] or "").strip(), *_usernames(cells["值班员账号"])]
            unknown = [name for name in names if name not in people]
            if unknown:
                raise ValueError(
                    f"不是本单位值班人员的账号：{'、'.join(unknown)} / not on this bureau's duty staff"
                )
            key = (day, pattern)
            if key in seen:
                raise ValueError(f"与第 {seen[key]} 行重复 / the same shift as row {seen[key]}")
            seen[key] = number
            checked = services.prepare_shift(post, pattern, day, names[0], names[1:])
        except DomainError as error:
            errors.append({"row": number, "message": error.message})
        except ValueError as error:
            errors.append({"row": number, "message": str(error)})
        else:
            prepared.append(checked)
    if errors:
        raise InvalidInput(f"{len(errors)} 行有误，未导入任何数据 / {len(errors)} bad rows, nothing imported",
                           code="import_rejected", details={"errors": errors})  # fmt: skip
    with transaction.atomic():
        return [services.save_shift(actor, post, *checked) for checked in prepared]
