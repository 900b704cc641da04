"""Walk every registered API route and page as two county admins and prove neither reaches the other.

Nothing here names a domain: routes come from the OpenAPI schema and Django's URL resolver, objects
from every model that declares `scope_region_field`. A new domain's routes and models are walked
the day they are registered. If a route with a path parameter cannot be exercised (no object of
the other county opens it), the test fails: give the demo an object of that model in every county,
or, for a route that needs a request body, add an example to `WALK_BODIES` in its app's `api` module
(or the module of its `api/` package that has the route).
"""

from __future__ import annotations

import importlib
import json
import pkgutil
import re
from collections.abc import Iterator
from typing import Any

import pytest
from conftest import COUNTY_A, COUNTY_B
from django.apps import apps
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve

from yingji.api import api
from yingji.core import jobs, roles, services
from yingji.core.models import Organization, Region, User

# Routes whose answer is the same for everyone, with the reason.
PUBLIC_API_ROUTES = {
    (
        "GET",
        "/api/v1/regions/{code}",
    ): "administrative divisions and their boundaries are public reference data",
    (
        "GET",
        "/api/v1/public/shelters/nearest",
    ): "the public's nearest open shelter with room: every shelter is published, no sign-in",
}


# Pages for the public, with no sign-in: what they show is published for everyone, with the reason.
PUBLIC_PAGE_PREFIXES = {
    "/public/": "published warnings and the subscription links are for the public, with no sign-in",
    "/cap/": "published CAP messages and the Atom feed are public by design",
}


def is_public_page(route: str) -> bool:
    return any(route.startswith(prefix) for prefix in PUBLIC_PAGE_PREFIXES)


def walk_bodies() -> dict[tuple[str, str], dict[str, Any]]:
    """Example bodies for routes that validate a body before looking up their object.

    Each app's `api` module (or each module of its `api/` package) may define
    `WALK_BODIES = {("POST", "/api/v1/…/{id}/…"): {...}}`.
    """
    bodies: dict[tuple[str, str], dict[str, Any]] = {}
    for config in apps.get_app_configs():
        try:
            module = importlib.import_module(f"{config.name}.api")
        except ModuleNotFoundError:
            continue
        modules = [module]
        if hasattr(module, "__path__"):
            modules += [
                importlib.import_module(f"{module.__name__}.{info.name}")
                for info in pkgutil.iter_modules(module.__path__)
            ]
        for each in modules:
            bodies.update(getattr(each, "WALK_BODIES", {}))
    return bodies


PARAMETER = re.compile(r"\{(\w+)\}|<(?:\w+:)?(\w+)>")


def api_routes() -> Iterator[tuple[str, str]]:
    for path, operations in api.get_openapi_schema()["paths"].items():
        for method in operations:
            yield method.upper(), path


def page_routes(resolver: URLResolver | None = None, prefix: str = "") -> Iterator[str]:
    for entry in (resolver or get_resolver()).url_patterns:
        route = prefix + str(entry.pattern)
        if route.startswith("api/"):
            continue  # walked through the OpenAPI schema instead
        if isinstance(entry, URLResolver):
            yield from page_routes(entry, route)
        elif isinstance(entry, URLPattern):
            yield "/" + route.lstrip("^").rstrip("$")


def scoped_models() -> list[Any]:
    return [model for model in apps.get_models() if getattr(model, "scope_region_field", None)]


def fill(route: str, value: str) -> str:
    return PARAMETER.sub(value, route)


class Walk:
    """The two users, their clients, and what belongs only to the other county."""

    def __init__(self, api_client: Any) -> None:
        self.user_a = User.objects.get(username=f"demo-county-{COUNTY_A}")
        self.user_b = User.objects.get(username=f"demo-county-{COUNTY_B}")
        self._give_every_model_an_object_in_county_b()
        # Candidates first: the walk's own sign-in tokens are not objects to revoke along the way.
        self.candidates = self._objects_only_b_sees()
        self.api_a, self.api_b = api_client(self.user_a), api_client(self.user_b)
        self.page_a, self.page_b = Client(), Client()
        self.page_a.force_login(self.user_a)
        self.page_b.force_login(self.user_b)
        self.b_only_names = self._names_only_b_sees()

    def _give_every_model_an_object_in_county_b(self) -> None:
        integration = services.create_user(
            self.user_b,
            username="walk-integration",
            password=None,
            role=roles.INTEGRATION,
            region_code=COUNTY_B,
        )
        services.create_api_key(self.user_b, user_id=integration.pk, name="定襄县数据交换接口")
        jobs.notify([self.user_b], "定襄县测试通知")

    def _objects_only_b_sees(self) -> dict[str, list[str]]:
        candidates: dict[str, list[str]] = {}
        for model in scoped_models():
            seen_by_a = set(model.objects.visible_to(self.user_a).values_list("pk", flat=True))
            only_b = [pk for pk in model.objects.visible_to(self.user_b).values_list("pk", flat=True)[:10]]
            only_b = [pk for pk in only_b if pk not in seen_by_a]
            assert only_b, f"{model._meta.label}: the demo has no record in county {COUNTY_B}; add one"
            candidates[model._meta.label] = [str(pk) for pk in only_b]
        county_b = Region.objects.get(code=COUNTY_B)
        township = county_b.children.order_by("code").first()
        candidates["core.Region"] = [COUNTY_B, township.code]
        return candidates

    def _names_only_b_sees(self) -> set[str]:
        names = set(Organization.objects.visible_to(self.user_b).values_list("name", flat=True))
        names |= set(User.objects.visible_to(self.user_b).values_list("username", flat=True))
        return names

    def candidates_for(self, route: str) -> list[str]:
        """Every candidate id, those of the model the route's parameter names first (hazard_id → Hazard)."""
        names = {name for pair in PARAMETER.findall(route) for name in pair if name}
        wanted = {name.removesuffix("_id").replace("_", "") for name in names}

        def matches(label: str) -> bool:
            model_name = label.split(".")[1].lower()
            return any(model_name == w or model_name.endswith(w) or w.endswith(model_name) for w in wanted)

        first = [value for label, values in self.candidates.items() if matches(label) for value in values]
        rest = [value for label, values in self.candidates.items() if not matches(label) for value in values]
        return first + rest


@pytest.fixture
def walk(demo: None, api_client: Any) -> Walk:
    return Walk(api_client)


def _call(client: Client, method: str, path: str, body: dict[str, Any] | None) -> Any:
    if method == "GET":
        return client.get(path)
    payload = json.dumps(body if body is not None else {})
    return client.generic(method, path, payload, content_type="application/json")


@pytest.mark.slow(reason="requests every API route with an id, of every domain, as two counties' users")
def test_no_api_route_with_an_id_reaches_another_county(walk: Walk) -> None:
    not_exercised = []
    bodies = walk_bodies()
    for method, route in api_routes():
        if not PARAMETER.search(route) or (method, route) in PUBLIC_API_ROUTES:
            continue
        body = bodies.get((method, route))
        exercised = False
        for value in walk.candidates_for(route):
            path = fill(route, value)
            answer_a = _call(walk.api_a, method, path, body)
            answer_b = _call(walk.api_b, method, path, body)
            if 200 <= answer_b.status_code < 300:
                exercised = True
                assert answer_a.status_code == 404, (
                    f"{method} {path}: county {COUNTY_A} got {answer_a.status_code}"
                )
                assert answer_a.json()["code"] == "not_found"
                break
        if not exercised:
            not_exercised.append(f"{method} {route}")
    assert not not_exercised, (
        f"routes no county-{COUNTY_B} object opens (see module docstring): {not_exercised}"
    )


def test_no_api_list_shows_another_countys_records(walk: Walk) -> None:
    own_codes = set(
        Region.objects.filter(path__startswith=walk.user_a.region.path).values_list("code", flat=True)
    )
    for method, route in api_routes():
        if method != "GET" or PARAMETER.search(route):
            continue
        response = walk.api_a.get(route, {"limit": 1000})
        assert response.status_code < 500, f"GET {route}: {response.status_code}"
        if response.status_code != 200 or not response["Content-Type"].startswith("application/json"):
            continue  # refusals leak nothing; file downloads (Excel ledgers) are checked by their own tests
        text = response.content.decode()
        body = response.json()
        rows = body.get("items", []) if isinstance(body, dict) else body
        for row in rows if isinstance(rows, list) else []:
            if isinstance(row, dict) and row.get("region_code") is not None:
                assert row["region_code"] in own_codes, f"GET {route} shows a record of {row['region_code']}"
        leaked = [name for name in walk.b_only_names if name in text]
        assert not leaked, f"GET {route} shows {leaked[:3]}"


@pytest.mark.slow(reason="renders every page of every domain as two counties' users")
def test_no_page_reaches_or_shows_another_county(walk: Walk) -> None:
    not_exercised = []
    for route in page_routes():
        if is_public_page(route):
            continue
        if PARAMETER.search(route):
            exercised = False
            for value in walk.candidates_for(route):
                path = fill(route, value)
                method = "GET"
                answer_b = walk.page_b.get(path)
                if answer_b.status_code == 405:  # a form's POST-only endpoint
                    method, answer_b = "POST", walk.page_b.post(path, {})
                if answer_b.status_code < 400:
                    exercised = True
                    answer_a = walk.page_a.get(path) if method == "GET" else walk.page_a.post(path, {})
                    assert answer_a.status_code == 404, (
                        f"page {method} {path} answers {answer_a.status_code} to county {COUNTY_A}"
                    )
                    break
            if not exercised:
                not_exercised.append(route)
            continue
        response = walk.page_a.get(route)
        assert response.status_code < 500, f"page {route}: {response.status_code}"
        if response.status_code == 200 and response["Content-Type"].startswith("text/"):
            text = response.content.decode()
            leaked = [name for name in walk.b_only_names if name in text]
            assert not leaked, f"page {route} shows {leaked[:3]}"
    assert not not_exercised, f"pages no county-{COUNTY_B} object opens: {not_exercised}"


def test_the_walk_sees_the_routes_it_is_meant_to(walk: Walk) -> None:
    routes = set(api_routes())
    assert ("GET", "/api/v1/organizations/{organization_id}") in routes
    assert ("DELETE", "/api/v1/api-keys/{key_id}") in routes
    assert "/regions/<str:code>/" in set(page_routes())
    assert {"core.Organization", "core.User", "core.Credential", "core.AuditEntry"} <= set(walk.candidates)


# Department staff: their sector only -------------------------------------------------------------

# A city-wide department that supervises one industry: every other industry's records are hidden from it.
SECTOR_USER = "demo-dept-transport"


def sector_bound_models() -> list[Any]:
    return [model for model in scoped_models() if getattr(model, "scope_sector_fields", None)]


class SectorWalk:
    """A department user, the city administrator, and the records only the city sees (other sectors')."""

    def __init__(self, api_client: Any) -> None:
        self.department = User.objects.get(username=SECTOR_USER)
        self.city = User.objects.get(username="demo-city")
        self.candidates: dict[str, list[str]] = {}
        for model in sector_bound_models():
            seen = set(model.objects.visible_to(self.department).values_list("pk", flat=True))
            hidden = [pk for pk in model.objects.visible_to(self.city).values_list("pk", flat=True)[:200]]
            hidden = [str(pk) for pk in hidden if pk not in seen][:5]
            assert hidden, f"{model._meta.label}: the demo has no record outside sector {self.sector}"
            self.candidates[model._meta.label] = hidden
        self.api_department, self.api_city = api_client(self.department), api_client(self.city)
        self.page_department, self.page_city = Client(), Client()
        self.page_department.force_login(self.department)
        self.page_city.force_login(self.city)
        self.hidden_names = self._names_only_other_sectors_have()

    @property
    def sector(self) -> str:
        return self.department.organization.sector

    def _names_only_other_sectors_have(self) -> set[str]:
        from yingji.enterprises.models import Enterprise

        visible = set(Enterprise.objects.visible_to(self.department).values_list("name", flat=True))
        everyone = set(Enterprise.objects.visible_to(self.city).values_list("name", flat=True))
        # A hidden name inside a visible one ("X煤业" in "X煤业运输公司") is not a leak.
        return {name for name in everyone - visible if not any(name in other for other in visible)}

    def candidates_for(self, route: str) -> list[str]:
        """The hidden ids of the sector-bound model a route is about; none if it is about no such model.

        The model is the one its parameter names (`hazard_id` → Hazard); for a page's bare `pk`, the
        model of the page's app named by the path segment before it (`/monitoring/sensors/<pk>/` →
        Sensor), else that app's first sector-bound model (`/major-hazards/<pk>/` → Installation).
        """
        names = {name for pair in PARAMETER.findall(route) for name in pair if name} - {"pk"}
        words = {name.removesuffix("_id").replace("_", "") for name in names}
        if not words and "<int:pk>" in route:
            app = resolve(fill(route, "1")).func.__module__.split(".")[1]
            segment = route.split("<int:pk>")[0].rstrip("/").rsplit("/", 1)[-1]
            labels = [label for label in self.candidates if label.split(".")[0] == app]
            word = segment.rstrip("s").replace("-", "")
            named = [label for label in labels if label.lower().endswith(word)]
            if not named and any(
                model._meta.app_label == app and model.__name__.lower() == word for model in apps.get_models()
            ):
                return []  # the page is about a model of its app that belongs to no sector (a shelter)
            return [value for label in (named or labels[:1]) for value in self.candidates[label]]
        return [
            value
            for label, values in self.candidates.items()
            if any(
                (model := label.split(".")[1].lower()) == w or model.endswith(w) or w.endswith(model)
                for w in words
            )
            for value in values
        ]


@pytest.fixture
def sector_walk(demo: None, api_client: Any) -> SectorWalk:
    return SectorWalk(api_client)


@pytest.mark.slow(reason="requests every API route with an id as a department and the city")
def test_no_api_route_reaches_another_sectors_record(sector_walk: SectorWalk) -> None:
    exercised, reached = set(), []
    bodies = walk_bodies()
    for method, route in api_routes():
        if not PARAMETER.search(route) or (method, route) in PUBLIC_API_ROUTES:
            continue
        for value in sector_walk.candidates_for(route):
            path = fill(route, value)
            if method != "GET":
                # Changes are tried as the department only: none may succeed on a record it cannot see.
                answer = _call(sector_walk.api_department, method, path, bodies.get((method, route)))
                if 200 <= answer.status_code < 300:
                    reached.append(f"{method} {path}: {answer.status_code}")
                continue
            if 200 <= _call(sector_walk.api_city, method, path, None).status_code < 300:
                exercised.add(route)
                answer = _call(sector_walk.api_department, method, path, None)
                if answer.status_code not in (403, 404):
                    reached.append(f"{method} {path}: {answer.status_code}")
                break
    assert not reached, f"{SECTOR_USER} reaches other sectors' records: {reached}"
    assert {
        "/api/v1/enterprises/{enterprise_id}",
        "/api/v1/hazards/{hazard_id}",
        "/api/v1/risk-points/{point_id}",
        "/api/v1/major-hazards/{installation_id}",
        "/api/v1/sensors/{sensor_id}",
        "/api/v1/alarms/{alarm_id}",
        "/api/v1/monitoring/sites/{site_id}",
    } <= exercised


@pytest.mark.slow(reason="requests every API list and page as a department user")
def test_no_list_or_page_shows_another_sectors_enterprises(sector_walk: SectorWalk) -> None:
    assert sector_walk.hidden_names
    leaks = []
    for method, route in api_routes():
        if method != "GET" or PARAMETER.search(route):
            continue
        answer = sector_walk.api_department.get(route, {"limit": 1000})
        assert answer.status_code < 500, f"GET {route}: {answer.status_code}"
        if answer.status_code == 200 and answer["Content-Type"].startswith("application/json"):
            leaks += [
                f"GET {route}: {name}" for name in sector_walk.hidden_names if name in answer.content.decode()
            ]
    not_exercised = []
    for route in page_routes():
        if is_public_page(route):
            continue
        if not PARAMETER.search(route):
            answer = sector_walk.page_department.get(route)
            assert answer.status_code < 500, f"page {route}: {answer.status_code}"
            if answer.status_code == 200 and answer["Content-Type"].startswith("text/"):
                text = answer.content.decode()
                leaks += [f"page {route}: {name}" for name in sector_walk.hidden_names if name in text]
            continue
        for value in sector_walk.candidates_for(route):
            path = fill(route, value)
            if sector_walk.page_city.get(path).status_code == 200:
                answer = sector_walk.page_department.get(path)
                if answer.status_code != 404:
                    leaks.append(f"page {path}: {answer.status_code}")
                break
        else:
            not_exercised.append(route)
    assert not leaks, f"{SECTOR_USER} sees other sectors' enterprises: {leaks[:10]}"
    for page in ("/enterprises/<int:enterprise_id>/", "/hazards/<int:hazard_id>/", "/risks/points/<int:pk>/"):
        assert page not in not_exercised
    assert (
        "/major-hazards/<int:pk>/" not in not_exercised
        and "/monitoring/sensors/<int:pk>/" not in not_exercised
    )
