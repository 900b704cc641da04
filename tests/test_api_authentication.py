"""Every API route answers bad or missing credentials with 401 `not_authenticated`, whatever its method.

Routes come from the OpenAPI schema, so a route added tomorrow is covered the day it is registered:
a garbage, expired or revoked bearer secret, or another scheme, is a 401 on every route (public ones
too: a client that presents credentials which open nothing must learn so, not be served as
anonymous); no credentials at all is a 401 on every route that is not public, unsafe methods
included (Ninja's session check used to answer those with its CSRF 403).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from yingji.api import api
from yingji.core.api_common import anonymous_allowed
from yingji.core.models import Credential, User

PARAMETER = re.compile(r"\{(\w+)\}")


def routes() -> Iterator[tuple[str, str, bool]]:
    """(method, path with its parameters filled, whether anonymous callers are let in) of every route."""
    public = {
        (method, path)
        for _, router in api._routers
        for path, view in router.path_operations.items()
        for operation in view.operations
        for method in operation.methods
        if anonymous_allowed in (operation.auth_callbacks or [])
    }
    for path, operations in api.get_openapi_schema()["paths"].items():
        for method in operations:
            own_path = path.removeprefix("/api/v1")
            yield method.upper(), PARAMETER.sub("1", path), (method.upper(), own_path) in public


def _call(client: Client, method: str, path: str, **headers: Any) -> Any:
    if method == "GET":
        return client.get(path, **headers)
    return client.generic(method, path, "{}", content_type="application/json", **headers)


def _secret(user: User, **fields: Any) -> str:
    secret, digest = Credential.new_secret(Credential.TOKEN)
    Credential.objects.create(kind=Credential.TOKEN, user=user, digest=digest, hint=secret[:8], **fields)
    return secret


@pytest.fixture
def bad_credentials(city_admin: Any) -> dict[str, str]:
    now = timezone.now()
    return {
        "garbage": "Bearer yjt_not-a-token",
        "expired": f"Bearer {_secret(city_admin, expires_at=now - timedelta(seconds=1))}",
        "revoked": f"Bearer {_secret(city_admin, revoked_at=now)}",
        "another scheme": "Basic ZGVtby1jaXR5OnlpbmdqaS1kZW1v",
    }


@pytest.mark.slow(reason="sends four kinds of bad credentials and none to every route of the API")
def test_every_route_answers_bad_or_missing_credentials_with_401(
    bad_credentials: dict[str, str], settings: Any
) -> None:
    settings.MESSAGING_RECEIPT_TOKEN = "the-gateways-receipt-secret"  # without one, the routes are 404
    client = Client()
    wrong = []
    for method, path, public in routes():
        for kind, header in bad_credentials.items():
            answer = _call(client, method, path, HTTP_AUTHORIZATION=header)
            if answer.status_code != 401 or answer.json()["code"] != "not_authenticated":
                wrong.append(f"{method} {path} with a {kind} credential: {answer.status_code}")
        if not public:
            answer = _call(client, method, path)
            if answer.status_code != 401 or answer.json()["code"] != "not_authenticated":
                wrong.append(f"{method} {path} without credentials: {answer.status_code}")
    assert not wrong, "\n".join(wrong)


def test_a_public_route_serves_anonymous_callers_but_refuses_a_bad_token(demo: None) -> None:
    client = Client()
    assert client.get("/api/v1/map/layers").status_code == 200
    assert client.get("/api/v1/regions/140900").status_code == 200
    refused = client.get("/api/v1/map/layers", HTTP_AUTHORIZATION="Bearer yjt_forged")
    assert refused.status_code == 401 and refused.json()["code"] == "not_authenticated"


def test_a_signed_in_session_still_needs_its_csrf_token_on_unsafe_methods(
    page_client: Any, county_admin: Any
) -> None:
    answer = page_client(county_admin).post("/api/v1/organizations", "{}", content_type="application/json")
    assert answer.status_code == 403


def test_the_routes_walked_include_unsafe_and_public_ones() -> None:
    walked = set(routes())
    assert ("POST", "/api/v1/hazards/1/accept", False) in walked
    assert ("GET", "/api/v1/map/layers", True) in walked
    assert ("POST", "/api/v1/auth/token", True) in walked
