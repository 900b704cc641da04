"""Model instances from plain-SQL rows, for the few reads that every request makes.

Building a query through the ORM costs more CPU than running it (about 0.5 ms for a three-table join,
against 0.05 ms of SQLite): for the bearer-token lookup that every API request makes, that was a fifth
of a scoped list's cost. A `RowReader` names a model's columns once and turns a row of them into an
instance exactly as the ORM would: the same database converters (SQLite's datetimes become aware,
booleans become bool) and deferred fields for the columns left out. Everything else uses the ORM.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from django.db import connection
from django.db.models import Model
from django.db.models.sql import Query
from django.utils.dateparse import parse_datetime

Converter = Callable[[Any, Any, Any], Any]


class RowReader:
    """One model's columns under a table alias, and instances made from those columns of a row."""

    def __init__(self, model: type[Model], alias: str, *, leave_out: Sequence[str] = ()):
        self.model = model
        self.alias = alias
        self.fields = [field for field in model._meta.concrete_fields if field.name not in leave_out]
        self.attnames = [field.attname for field in self.fields]
        self._converters: dict[str, list[tuple[int, list[Converter], Any]]] = {}

    @property
    def width(self) -> int:
        return len(self.fields)

    def columns(self) -> str:
        """The SELECT list of this model's columns, e.g. `u."id", u."username", …`."""
        quote = connection.ops.quote_name
        return ", ".join(f"{self.alias}.{quote(str(field.column))}" for field in self.fields)

    def table(self) -> str:
        """`"core_user" u`: the table under its alias, for the FROM clause."""
        return f"{connection.ops.quote_name(self.model._meta.db_table)} {self.alias}"

    def instance(self, row: Sequence[Any], start: int = 0) -> Any:
        """The model instance from this model's columns of `row`, beginning at `start`."""
        values = convert_columns(row[start : start + self.width], self._converters_for_connection())
        return self.model.from_db(connection.alias, self.attnames, values)

    def _converters_for_connection(self) -> list[tuple[int, list[Converter], Any]]:
        found = self._converters.get(connection.vendor)
        if found is None:
            compiler = Query(self.model).get_compiler(connection=connection)
            table = self.model._meta.db_table
            by_index = compiler.get_converters([field.get_col(table) for field in self.fields])
            found = [(index, converters, expression) for index, (converters, expression) in by_index.items()]
            self._converters[connection.vendor] = found
        return found


def convert_columns(row: Sequence[Any], converters: list[tuple[int, list[Converter], Any]]) -> list[Any]:
    """A plain-SQL row's values as the ORM would hand them over: each column through the database's
    converters for its expression (`compiler.get_converters`), as (index, converters, expression)."""
    values = list(row)
    for index, column_converters, expression in converters:
        for convert in column_converters:
            values[index] = convert(values[index], expression, connection)
    return values


def moment(value: Any) -> datetime | None:
    """A date-time column or aggregate (`MAX(published_at)`) of a plain-SQL row as an aware datetime.

    PostgreSQL answers aware datetimes; SQLite answers text (an aggregate has no declared type) in UTC,
    as Django stores it there.
    """
    if value is None:
        return None
    found = value if isinstance(value, datetime) else parse_datetime(str(value))
    if found is None:
        raise ValueError(f"not a date-time: {value!r}")
    return found if found.tzinfo is not None else found.replace(tzinfo=UTC)
