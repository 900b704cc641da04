"""Property-based fuzzing of the whole API from its own OpenAPI schema (schemathesis).

Every operation in /api/v1/openapi.json, including those later domains add, gets generated requests
as an authenticated city admin. No request may get a 5xx, and every answer must match the schema
the operation documents (its success schema or the shared error schema).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from yingji.core.models import Credential, User
from yingji.wsgi import application


@schemathesis.serializer("application/x-ndjson")
def _ndjson(ctx: Any, value: Any) -> bytes:
    """Readings may come as NDJSON, documented as a text body: send the generated text as it is."""
    return value.encode("utf-8", "surrogatepass") if isinstance(value, str) else str(value).encode()


# Loaded in-process from the WSGI application: the schema is exactly what the code registers.
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)


@pytest.fixture(autouse=True)
def _keep_the_test_transaction_open() -> Iterator[None]:
    """Django closes "old" connections after each request; in-process that would end the test's transaction.

    Django's own test client disconnects the same handlers for the same reason.
    """
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def city_token(demo: None) -> str:
    secret, digest = Credential.new_secret(Credential.TOKEN)
    city_admin = User.objects.get(username="demo-city")
    Credential.objects.create(kind=Credential.TOKEN, user=city_admin, digest=digest, hint=secret[:8])
    return secret


@pytest.mark.slow(reason="40 generated requests for each operation; the largest operations take seconds")
@schema.parametrize()
@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_no_request_gets_a_server_error_or_breaks_the_schema(case: Any, city_token: str) -> None:
    case.call_and_validate(
        headers={"Authorization": f"Bearer {city_token}"},
        checks=[not_a_server_error, response_schema_conformance],
    )
