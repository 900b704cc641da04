"""Pieces every domain's API shares: authentication, pagination, id parameters, the region filter."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from datetime import date, datetime
from typing import Annotated, Any, Literal

import orjson
from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from ninja import Field, Path, Schema
from ninja.pagination import PaginationBase
from ninja.responses import codes_4xx
from ninja.security import APIKeyCookie, HttpBearer
from pydantic import AfterValidator, WithJsonSchema
from pydantic_core import PydanticCustomError

from yingji.core import datebounds
from yingji.core.authentication import user_for_bearer
from yingji.core.errors import Forbidden, InvalidInput, NotAuthenticated
from yingji.core.models import Region, User
from yingji.core.plainrows import convert_columns

_DJANGO_ENCODER = DjangoJSONEncoder()
MAX_ID = 2**53  # larger than any id a table will reach, small enough for every database and JSON
MAX_OFFSET = 10**9


class BearerAuth(HttpBearer):
    """`Authorization: Bearer <secret>` with a user's API token or a machine API key.

    A request that presents credentials which open nothing (a garbage, expired or revoked secret, or
    another scheme) is answered 401 `not_authenticated` at once, on every method and on public routes
    too: it is never passed on to the session (whose CSRF check would answer 403) or served as anonymous.
    """

    def __call__(self, request: HttpRequest) -> Any:
        presented = request.headers.get(self.header)
        if not presented:
            return None
        scheme, _, secret = presented.partition(" ")
        user = user_for_bearer(secret.strip()) if scheme.lower() == "bearer" and secret.strip() else None
        if user is None:
            raise NotAuthenticated(BAD_CREDENTIALS)
        request.user = user
        return admitted(request, user)

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        return user_for_bearer(token)


BAD_CREDENTIALS = "令牌无效、已过期或已吊销 / The bearer token is invalid, expired or revoked"


class SessionAuth(APIKeyCookie):
    """The page session, with its CSRF check on unsafe methods.

    Ninja's `django_auth` runs the CSRF check before it knows whether anyone is signed in, so a
    request with no credentials at all got the check's 403; here only a signed-in session is checked,
    and a request without one falls through to 401 `not_authenticated`.
    """

    param_name = settings.SESSION_COOKIE_NAME

    def _get_key(self, request: HttpRequest) -> str | None:
        if not request.user.is_authenticated:
            return None
        return super()._get_key(request)

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        return admitted(request, request.user) if request.user.is_authenticated else None


# The routes an account whose password was reset may still use: to change it, see who it is, sign out.
PASSWORD_CHANGE_ROUTES = frozenset({"auth_password", "auth_me", "auth_token"})


def admitted(request: HttpRequest, user: Any) -> Any:
    """The user, unless an administrator's reset requires a new password first (403)."""
    if getattr(user, "must_change_password", False):
        route = request.resolver_match.url_name if request.resolver_match else None
        if route not in PASSWORD_CHANGE_ROUTES:
            raise Forbidden(
                "请先修改密码（POST /api/v1/auth/password）/ Change your password first "
                "(POST /api/v1/auth/password)",
                code="password_change_required",
            )
    return user


def anonymous_allowed(request: HttpRequest) -> Any:
    """Last in an auth list: let the request through as whoever it is, signed in or not."""
    return request.user if request.user.is_authenticated else True


# Either a bearer secret or the page session (with its CSRF check on unsafe methods).
AUTH = [BearerAuth(), SessionAuth()]
# Public routes that say more to a signed-in user (the map's layers link the user's own regions).
PUBLIC = [BearerAuth(), SessionAuth(), anonymous_allowed]
# Routes anyone may call without a session (signing in for a token): a presented bearer must still be valid.
OPEN = [BearerAuth(), anonymous_allowed]


class ErrorOut(Schema):
    """Every error: a stable machine code, a message in Chinese and English, and details."""

    code: str
    message: str
    details: dict[str, Any]


class FeatureCollectionOut(Schema):
    """A map layer: GeoJSON features that carry their own style and popup in `properties`."""

    type: Literal["FeatureCollection"]
    features: list[dict[str, Any]]


def responses(schema: Any, status: int = 200) -> dict[Any, Any]:
    """The documented answers of a route: its success schema and ErrorOut for every 4xx."""
    return {status: schema, codes_4xx: ErrorOut}


def json_response(data: Any, status: int = 200) -> HttpResponse:
    """An answer encoded by orjson, handed back as is: Ninja neither validates nor re-encodes it.

    For hot read routes whose data is already in the shape of the route's documented schema (built
    from `values()` rows or cached pieces); the schema still documents the route, and the fuzz test
    (tests/test_api_fuzz.py) checks the answers against it. Chinese stays unescaped, as in the API's
    renderer; datetimes are written as Django's JSON encoder writes them.
    """
    body = orjson.dumps(data, default=_encode_other, option=orjson.OPT_PASSTHROUGH_DATETIME)
    return HttpResponse(body, status=status, content_type="application/json; charset=utf-8")


def _encode_other(value: Any) -> Any:
    return _DJANGO_ENCODER.default(value)


def current_user(request: HttpRequest) -> User:
    """The authenticated account of an API request (every route with AUTH has one)."""
    return request.user  # type: ignore[return-value]


def id_path(description: str = "记录编号 / record id") -> Any:
    """A positive integer id in the path, bounded so no database overflows on it."""
    return Path(..., ge=1, le=MAX_ID, description=description)


DATE_OUT_OF_RANGE = "date_out_of_range"  # the pydantic error type; the API answers it with a 400


def _in_range(value: date) -> date:
    if not datebounds.in_range(value):
        raise PydanticCustomError(
            DATE_OUT_OF_RANGE,
            "日期须在 {earliest} 至 {latest} 之间 / The date must lie between {earliest} and {latest}",
            {"earliest": datebounds.EARLIEST.isoformat(), "latest": datebounds.LATEST.isoformat()},
        )
    return value


_RANGE = {"formatMinimum": datebounds.EARLIEST.isoformat(), "formatMaximum": datebounds.LATEST.isoformat()}
# Every date and date-time an API route accepts (body, query or path) is one of these two types, so that
# nothing a client sends reaches a service outside 2000-01-01 … 2100-12-31 (core/datebounds.py). A value
# outside is a 400 `invalid_input` naming the field; tests/test_date_bounds.py checks every route.
BoundedDate = Annotated[
    date, AfterValidator(_in_range), WithJsonSchema({"type": "string", "format": "date", **_RANGE})
]
BoundedDateTime = Annotated[
    datetime,
    AfterValidator(_in_range),
    WithJsonSchema({"type": "string", "format": "date-time", **_RANGE}),
]


class Page(PaginationBase):
    """`limit` (1–1000, default 100) and `offset`, answering `{"items": [...], "count": N}`."""

    class Input(Schema):
        limit: int = Field(100, ge=1, le=1000, description="每页条数 / items per page (≤ 1000)")
        offset: int = Field(0, ge=0, le=MAX_OFFSET, description="跳过的条数 / items to skip")

    items_attribute = "items"

    def paginate_queryset(
        self, queryset: QuerySet, pagination: Any, request: HttpRequest, **params: Any
    ) -> Any:
        offset, limit = pagination.offset, pagination.limit
        return {"items": list(queryset[offset : offset + limit]), "count": self._items_count(queryset)}


def page_of_rows(
    rows: QuerySet | Callable[[], QuerySet], page: Page.Input, *, shape: Hashable | None = None
) -> HttpResponse:
    """`Page`'s answer (`{"items": [...], "count": N}`) for `values()` rows already in the shape of the
    route's schema, encoded without building a model or validating a schema per row.

    For lists that every user's screen loads at once: a page of 100 rows costs about a third as much
    as through the models and the schema. A first page that is not full is the whole list, so it is
    not counted again. (Counting in the page's own query, `COUNT(*) OVER ()`, was slower: the database
    then reads every row of the list, not only the page's.)

    With `shape`, `rows` is a function that builds the queryset, and its SQL is built once per process
    for each shape (`CompiledRows`): building and compiling a scoped query costs several times more CPU
    than running it. The shape must name everything the queryset depends on: the user's scope
    (`scoping.scope_for(user)`) and the request's filters.
    """
    if shape is not None:
        compiled = CompiledRows.of(shape, rows if callable(rows) else lambda: rows)
        items = compiled.page(page.offset, page.limit)
        whole_list = page.offset == 0 and len(items) < page.limit
        return json_response({"items": items, "count": len(items) if whole_list else compiled.count()})
    queryset = rows() if callable(rows) else rows
    items = list(queryset[page.offset : page.offset + page.limit])
    whole_list = page.offset == 0 and len(items) < page.limit
    return json_response({"items": items, "count": len(items) if whole_list else count_of(queryset)})


def count_of(rows: QuerySet) -> int:
    """How many rows a queryset has: its own SQL counted, which costs less CPU than `.count()`
    building an aggregate query anew (the database's work is the same)."""
    sql, params = rows.order_by().query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM ({sql}) counted", params)
        return int(cursor.fetchone()[0])


class CompiledRows:
    """A `values()` query compiled to SQL once per process and shape, then run as plain SQL.

    Only the SQL text, its parameters, the row keys and the database converters are kept, never a
    result: every call reads the database as it is. A page appends `LIMIT/OFFSET` (the same on SQLite
    and PostgreSQL), so one entry serves every page of a list. Entries are keyed by the database
    vendor and the caller's shape and kept for the `MAX_SHAPES` most recent shapes.
    """

    MAX_SHAPES = 512
    _entries: OrderedDict[Hashable, CompiledRows] = OrderedDict()
    _lock = threading.Lock()

    def __init__(self, rows: QuerySet):
        compiler = rows.query.get_compiler(connection=connection)
        self.sql, params = compiler.as_sql()
        self.params = tuple(params)
        query = rows.query
        self.keys = (*query.extra_select, *query.values_select, *query.annotation_select)
        by_index = compiler.get_converters([expression for expression, _sql, _alias in compiler.select])
        self.converters = [(index, *pair) for index, pair in by_index.items()]
        count_sql, count_params = rows.order_by().query.sql_with_params()
        self.count_sql = f"SELECT COUNT(*) FROM ({count_sql}) counted"
        self.count_params = tuple(count_params)

    @classmethod
    def of(cls, shape: Hashable, build: Callable[[], QuerySet]) -> CompiledRows:
        key = (connection.vendor, shape)
        with cls._lock:
            found = cls._entries.get(key)
            if found is not None:
                cls._entries.move_to_end(key)
                return found
        compiled = cls(build())
        with cls._lock:
            cls._entries[key] = compiled
            while len(cls._entries) > cls.MAX_SHAPES:
                cls._entries.popitem(last=False)
        return compiled

    @classmethod
    def forget_all(cls) -> None:
        """Drop every compiled query (tests; a process whose regions were reloaded)."""
        with cls._lock:
            cls._entries.clear()

    def page(self, offset: int, limit: int) -> list[dict[str, Any]]:
        """The rows `offset` … `offset + limit - 1` as dicts, converted as `values()` would."""
        with connection.cursor() as cursor:
            cursor.execute(f"{self.sql} LIMIT %s OFFSET %s", (*self.params, limit, offset))
            rows = cursor.fetchall()
        if self.converters:
            rows = [convert_columns(row, self.converters) for row in rows]
        return [dict(zip(self.keys, row, strict=True)) for row in rows]

    def count(self) -> int:
        with connection.cursor() as cursor:
            cursor.execute(self.count_sql, self.count_params)
            return int(cursor.fetchone()[0])


def region_filter(queryset: Any, code: str | None) -> Any:
    """Narrow a scoped queryset to records inside region `code`; an unknown code is a 400."""
    if not code:
        return queryset
    region = Region.objects.filter(code=code).only("code", "path").first()
    if region is None:
        raise InvalidInput(
            f"未知的行政区划代码 {code} / Unknown region code {code}", details={"field": "region"}
        )
    return queryset.in_region(region)
