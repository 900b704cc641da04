"""Plant hostile strings in every free-text field: through the API as the roles that may write them,
and straight into the database for text only the platform writes.

Nothing here names a domain or a field. Operations come from the OpenAPI schema (every POST, PATCH
and PUT with a JSON body), their free-text fields from its request schemas (strings with no enum
and no format), the records to change from every model the path parameter names (as the scope walk
finds them), and a valid body from the route's `WALK_BODIES` example where its app gives one, else
from the schema. A field the API refuses hostile text in (a phone number, a code) counts as covered:
it cannot bring the text to a page. An operation with free-text fields that no role could carry
out, and whose fields no other operation wrote, is reported (`Planted.unexercised`); give its app a
`WALK_BODIES` example, or name it in `NOT_STORED` with the reason.
"""

from __future__ import annotations

import functools
import itertools
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.apps import apps
from django.db import models
from django.test import Client

from tests.test_scope_walk import walk_bodies
from yingji.api import api
from yingji.core import caching, regioncodes
from yingji.core import roles as account_roles
from yingji.core.demo import demo_clock
from yingji.core.models import Region, User

MARK = "PWN"  # in every payload: the database scan finds the planted records by it

# Operations whose text is kept nowhere a page shows, with the reason.
NOT_STORED = {
    ("POST", "/api/v1/auth/token"): "a sign-in: the username only feeds the login-attempt counter",
    ("POST", "/api/v1/auth/password"): "a password change: passwords are kept only as hashes, never shown",
}

WRITE_METHODS = ("post", "patch", "put")
PARAMETER = re.compile(r"\{(\w+)\}")
CJK = "[\u4e00-\u9fff]"  # a Chinese character: the value is text people read
TRIES_PER_ROLE = 30  # records tried per role for a route with an id (the right state may be rare)


def payload(tag: str, max_length: int | None, suffix: str = "") -> str | None:
    """The hostile text for one field: ways out of an HTML context, as many as fit, then `suffix`.

    Each sets the page title to (or alerts) `tag`, which names the field in a failure. `suffix` is
    the field's example value, so that a check on how a value ends (a file name's extension) still
    passes. None when not even one way out fits in `max_length`.
    """
    variants = [
        f"\"'><svg onload=alert('{tag}')>",
        f"<img src=x onerror=\"document.title='{tag}'\">",
        f"<script>document.title='{tag}'</script>",
    ]
    room = (max_length or 10_000) - len(suffix)
    chosen = ""
    for variant in variants:
        if len(chosen) + len(variant) <= room:
            chosen += variant
    return chosen + suffix if chosen else None


@dataclass
class Planted:
    """What was planted where: tags by field, the records holding hostile text, what was not reached."""

    tags: dict[str, str] = field(default_factory=dict)  # tag → "METHOD /path field (role)"
    written: set[tuple[str, str]] = field(default_factory=set)  # (resource, field)
    refused: set[tuple[str, str]] = field(default_factory=set)
    too_short: set[tuple[str, str]] = field(default_factory=set)  # no way out fits in them
    unexercised: list[str] = field(default_factory=list)
    records: dict[str, list[Any]] = field(default_factory=dict)  # model label → pks with hostile text
    database_fields: list[str] = field(default_factory=list)  # "model.field" written straight to the database

    def new_tag(self, where: str) -> str:
        tag = f"{MARK}{len(self.tags) + 1}"
        self.tags[tag] = where
        return tag

    def records_of(self, label: str) -> list[Any]:
        return self.records.get(label, [])


# The schema -----------------------------------------------------------------------------------------


def _resolve(schema: dict[str, Any], components: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = components[schema["$ref"].rsplit("/", 1)[1]]
    options = [option for option in schema.get("anyOf", []) if option.get("type") != "null"]
    if len(options) == 1:  # Optional[X]: the X
        return {**_resolve(options[0], components), **{k: v for k, v in schema.items() if k != "anyOf"}}
    return schema


def is_free_text(prop: dict[str, Any]) -> bool:
    """A string a person types: no enum, no const, no format (dates, files)."""
    return prop.get("type") == "string" and not ({"enum", "const", "format"} & prop.keys())


@dataclass
class Operation:
    method: str
    path: str
    properties: dict[str, dict[str, Any]]
    required: set[str]

    @property
    def text_fields(self) -> list[str]:
        return [name for name, prop in self.properties.items() if is_free_text(prop)]

    @property
    def resource(self) -> str:
        """The first part of the path (`/api/v1/enterprises/{id}/licences` → enterprises)."""
        return self.path.removeprefix("/api/v1/").split("/", 1)[0]


@functools.cache
def openapi_schema() -> dict[str, Any]:
    """The API's OpenAPI schema, built once per test process (it takes seconds)."""
    return api.get_openapi_schema()


def write_operations() -> Iterator[Operation]:
    """Every POST, PATCH and PUT of the API with a JSON object body."""
    schema = openapi_schema()
    components = schema.get("components", {}).get("schemas", {})
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            if method not in WRITE_METHODS:
                continue
            content = operation.get("requestBody", {}).get("content", {})
            if "application/json" not in content:
                continue
            body = _resolve(content["application/json"]["schema"], components)
            properties = {
                name: _resolve(prop, components) for name, prop in body.get("properties", {}).items()
            }
            yield Operation(method.upper(), path, properties, set(body.get("required", [])))


# Records to write to --------------------------------------------------------------------------------


def model_for(parameter: str) -> Any:
    """The model a path or body parameter names (`hazard_id` → Hazard, `point_id` → RiskPoint)."""
    wanted = parameter.removesuffix("_id").replace("_", "")
    candidates = [model for model in apps.get_models() if model.__module__.startswith("yingji.")]
    for model in candidates:
        if model.__name__.lower() == wanted:
            return model
    for model in candidates:
        if model.__name__.lower().endswith(wanted):
            return model
    return None


def visible(model: Any, user: Any) -> models.QuerySet:
    manager = model.objects
    return manager.visible_to(user) if hasattr(manager, "visible_to") else manager.all()


def targets(path: str, user: Any) -> list[str]:
    """Paths to try for a route: its parameter filled with the ids of records the user sees."""
    names = PARAMETER.findall(path)
    if not names:
        return [path]
    if len(names) > 1:
        return []
    name = names[0]
    if name == "code" or name.endswith("_code"):
        values = [user.region_id]
    else:
        model = model_for(name)
        if model is None:
            return []
        values = list(visible(model, user).order_by("-pk").values_list("pk", flat=True)[:TRIES_PER_ROLE])
    return [path.replace("{" + name + "}", str(value)) for value in values]


# Bodies ---------------------------------------------------------------------------------------------


@dataclass
class Role:
    """A user who writes, with an API client and the place their records are at."""

    name: str
    user: Any
    client: Client
    longitude: float
    latitude: float


DROP = object()  # an optional field the API refused: leave it out


def plain_values(name: str, prop: dict[str, Any], role: Role) -> list[Any]:
    """Plain values to try, in turn, for a field that must be there (or that refused what it got)."""
    kind = prop.get("type")
    if "enum" in prop:
        return list(prop["enum"])
    if prop.get("format") == "date":
        return [(demo_clock().today + timedelta(days=days)).isoformat() for days in (30, 0, -30)]
    if prop.get("format") == "date-time":
        hours = 24 if "expire" in name else 1
        return [(demo_clock().now + timedelta(hours=hours)).isoformat()]
    if kind == "boolean":
        return [True, False]
    if kind == "integer" and name.endswith("_id"):
        model = model_for(name)
        if model is None:
            return []
        records = visible(model, role.user).order_by("pk")
        if name == "user_id":  # API keys are issued to machine accounts only: those first
            machine_first = models.Case(models.When(role__in=account_roles.MACHINE_ROLES, then=0), default=1)
            records = records.order_by(machine_first, "pk")
        return list(records.values_list("pk", flat=True)[:3])
    if kind in ("integer", "number"):
        if "lon" in name:
            return [role.longitude]
        if "lat" in name:
            return [role.latitude]
        return [max(prop.get("minimum", 1), 1)]
    if kind == "array":
        return [[]]
    if name in ("region", "region_code"):
        return [role.user.region_id]
    n = next(_PLAIN_NUMBERS)
    return [f"plain-{n}", f"安全文本{n}"]


_PLAIN_NUMBERS = itertools.count(1)  # every plain text is new: some fields must be unique


def sample_record(client: Client, path: str) -> dict[str, Any]:
    """The first record a GET of the route's own path lists, for values the API will accept."""
    answer = client.get(path, {"limit": 1})
    if answer.status_code != 200 or not answer["Content-Type"].startswith("application/json"):
        return {}
    body = answer.json()
    items = body.get("items", [body]) if isinstance(body, dict) else body
    return items[0] if items and isinstance(items[0], dict) else {}


def offenders(answer: Any, fields: dict[str, Any]) -> set[str]:
    """The body fields an error answer names (Ninja's `loc`, a service's `field`)."""
    try:
        details = json.loads(answer.content).get("details", {})
    except ValueError:
        return set()
    found: set[str] = set()

    def walk(value: Any) -> None:
        if isinstance(value, str) and value in fields:
            found.add(value)
        elif isinstance(value, dict):
            for key, item in value.items():
                if key in fields:
                    found.add(key)
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    walk(details)
    return found


# Planting ---------------------------------------------------------------------------------------------


def plant_through_api(roles: list[Role], planted: Planted) -> None:
    """Every write operation with free-text fields, as the first role (in order) that may carry it out."""
    examples = walk_bodies()
    pending: list[Operation] = []
    for operation in write_operations():
        if not operation.text_fields or (operation.method, operation.path) in NOT_STORED:
            continue
        if not _carry_out(operation, examples.get((operation.method, operation.path), {}), roles, planted):
            pending.append(operation)
    for operation in pending:
        missing = [
            name
            for name in operation.text_fields
            if (operation.resource, name) not in planted.written | planted.refused | planted.too_short
        ]
        if missing:
            planted.unexercised.append(f"{operation.method} {operation.path} {missing}")


def _carry_out(operation: Operation, example: dict[str, Any], roles: list[Role], planted: Planted) -> bool:
    for role in roles:
        for path in targets(operation.path, role.user):
            if _try(operation, path, example, role, planted):
                return True
    return False


def _try(operation: Operation, path: str, example: dict[str, Any], role: Role, planted: Planted) -> bool:
    """Hostile text in every free-text field of one request; plain values where the API refuses it.

    Returns whether the request was carried out. A field that refused its hostile text is recorded
    as refused whatever the outcome.
    """
    sample = sample_record(role.client, path)
    options: dict[str, list[Any]] = {}
    position: dict[str, int] = {}

    def value(name: str, *, advance: bool = True) -> Any:
        """The field's next value to try: its example, the sample record's, none, then plain ones."""
        if name not in options:
            options[name] = (
                ([example[name]] if name in example else [])
                + ([sample[name]] if sample.get(name) is not None else [])
                + ([] if name in operation.required else [DROP])
                + plain_values(name, operation.properties[name], role)
            )
        index = position.get(name, 0)
        position[name] = index + 1 if advance else index
        return options[name][index] if index < len(options[name]) else None

    body: dict[str, Any] = dict(example)
    for name in operation.required - body.keys():
        body[name] = value(name, advance=name not in operation.text_fields)
    hostile: dict[str, str] = {}
    for name in operation.text_fields:
        where = f"{operation.method} {operation.path} {name} (as {role.name})"
        tag = planted.new_tag(where)
        text = payload(tag, operation.properties[name].get("maxLength"), str(example.get(name, "")))
        if text is None:
            planted.too_short.add((operation.resource, name))
        else:
            hostile[name] = body[name] = text
    for _ in range(12):
        answer = role.client.generic(
            operation.method, path, json.dumps(body), content_type="application/json"
        )
        if 200 <= answer.status_code < 300:
            planted.written |= {(operation.resource, n) for n, text in hostile.items() if body.get(n) == text}
            return True
        named = offenders(answer, operation.properties)
        if answer.status_code in (401, 403, 404) or not named:
            return False
        for name in named:
            if name in hostile and body.get(name) == hostile[name]:
                planted.refused.add((operation.resource, name))
            replacement = value(name)
            if replacement is None:
                return False
            if replacement is DROP:
                body.pop(name, None)
            else:
                body[name] = replacement
    return False


def text_columns(model: Any) -> list[Any]:
    """The columns of a model that hold free text: strings without choices that are no key."""
    return [
        column
        for column in model._meta.concrete_fields
        if isinstance(column, models.CharField | models.TextField)
        and not (column.choices or column.unique or column.primary_key)
    ]


def plant_in_database(viewers: list[Any], planted: Planted, limit: int = 50) -> None:
    """Text only the platform writes (region names, notices, generated messages), straight to the database.

    Every text column still without hostile text gets it in the records the viewers see (at most
    `limit` each) whose value is Chinese text: names, titles and notes, not codes, links or hashes.
    """
    for model in apps.get_models():
        if not model.__module__.startswith("yingji."):
            continue
        for column in text_columns(model):
            if model.objects.filter(**{f"{column.name}__contains": MARK}).exists():
                continue
            pks: set[Any] = set()
            for viewer in viewers:
                pks |= set(visible(model, viewer).order_by("pk").values_list("pk", flat=True)[:limit])
            rows = (
                model.objects.filter(pk__in=pks, **{f"{column.name}__regex": CJK})
                .exclude(**{f"{column.name}__startswith": "<"})
                .order_by()
            )
            tag = planted.new_tag(f"{model._meta.label}.{column.name} (in the database)")
            text = payload(tag, column.max_length)
            if text is not None and rows.update(**{column.name: text}):
                planted.database_fields.append(f"{model._meta.label}.{column.name}")
    caching.clear()  # the live server runs in this process: nothing it kept may hide the new text


def find_planted_records(planted: Planted) -> None:
    """Every record that holds hostile text now, by model (the API's writes and what they caused)."""
    for model in apps.get_models():
        if not model.__module__.startswith("yingji."):
            continue
        columns = text_columns(model)
        if not columns:
            continue
        condition = models.Q()
        for column in columns:
            condition |= models.Q(**{f"{column.name}__contains": MARK})
        pks = list(model.objects.filter(condition).order_by("pk").values_list("pk", flat=True)[:200])
        if pks:
            planted.records[model._meta.label] = pks


def _machine_account() -> None:
    """An integration account in the city, so that `POST /api/v1/api-keys` (machine accounts only) has
    one to issue its key to (the demo has none)."""
    city = Region.objects.filter(level=regioncodes.CITY).order_by("code").first()
    if city is not None and not User.objects.filter(role__in=account_roles.MACHINE_ROLES).exists():
        User.objects.create_user(username="hostile-integration", role=account_roles.INTEGRATION, region=city)


def plant(roles: list[Role], viewers: list[Any]) -> Planted:
    """Hostile text in every free-text field: through the API, then the database, then found again."""
    planted = Planted()
    _machine_account()
    plant_through_api(roles, planted)
    plant_in_database(viewers, planted)
    find_planted_records(planted)
    return planted


def api_role(name: str, user: Any, make_client: Callable[[Any], Client], place: tuple[float, float]) -> Role:
    return Role(name, user, make_client(user), *place)
