"""Spreadsheets in and out: the one module that writes (and reads) Excel files, so no cell is a formula.

Text from the database is data. A text cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage
return would be taken for a formula by Excel or LibreOffice when the file is opened, edited or saved
as CSV (formula injection; OWASP "CSV Injection"). Every such text is written as OWASP advises: with
a leading apostrophe, in a cell typed as a string. Numbers, dates and empty cells keep their types.
Characters a workbook cannot hold (control characters) are dropped rather than failing the export.

Reading strips that apostrophe again, so that an exported file imports back with the values it was
exported with. Every export and import of every domain goes through here; core/tests/test_spreadsheets.py
fails if another module imports a spreadsheet library or writes CSV itself.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime, time
from decimal import Decimal
from io import BytesIO
from typing import Any
from zipfile import BadZipFile

from django.http import HttpResponse
from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException

from yingji.core.errors import InvalidInput

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
QUOTE = "'"
CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_TYPED = (bool, int, float, Decimal, date, datetime, time)  # written as themselves


def cell_text(value: str) -> str:
    """Text as a cell holds it: a formula's first character behind an apostrophe, no control characters."""
    text = ILLEGAL_CHARACTERS_RE.sub("", value)
    return QUOTE + text if text.startswith(FORMULA_STARTS) else text


def _put(cell: Cell, value: Any) -> None:
    if value is None or isinstance(value, _TYPED):
        cell.value = value
        return
    cell.value = cell_text(str(value))
    cell.data_type = "s"  # never "f", whatever the text


def workbook(
    title: str, headers: Sequence[str], rows: Iterable[Sequence[Any]], widths: Sequence[float] = ()
) -> bytes:
    """An .xlsx file of one sheet: a bold, frozen header row, then the rows, every text cell as text."""
    book = Workbook()
    sheet = book.active
    sheet.title = title
    for column, header in enumerate(headers, start=1):
        cell = sheet.cell(row=1, column=column)
        _put(cell, header)
        cell.font = Font(bold=True)
    for number, values in enumerate(rows, start=2):
        for column, value in enumerate(values, start=1):
            _put(sheet.cell(row=number, column=column), value)
    sheet.freeze_panes = "A2"
    for column, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(column)].width = width
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def download(content: bytes, filename: str) -> HttpResponse:
    """A workbook as a file to save (`filename` is ASCII, e.g. "enterprises.xlsx")."""
    response = HttpResponse(content, content_type=CONTENT_TYPE)
    response["Content-Disposition"] = f"attachment; filename={filename}"
    return response


def read_rows(content: bytes) -> Iterator[tuple[Any, ...]]:
    """The first sheet's rows as values (a formula as its last computed value), exported texts as exported.

    An unreadable file is a 400.
    """
    try:
        sheet = load_workbook(BytesIO(content), read_only=True, data_only=True).worksheets[0]
    except (InvalidFileException, BadZipFile, KeyError, OSError, ValueError, IndexError) as error:
        raise InvalidInput(
            "不是有效的 Excel (.xlsx) 文件 / Not a valid .xlsx file", details={"reason": str(error)}
        ) from None
    return (tuple(_unquoted(value) for value in row) for row in sheet.iter_rows(values_only=True))


def _unquoted(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(QUOTE) and value[1:].startswith(FORMULA_STARTS):
        return value[1:]
    return value
