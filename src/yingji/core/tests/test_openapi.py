"""The OpenAPI schema: built once per process, and the same document on every request."""

from __future__ import annotations

from typing import Any

from django.test import Client

from yingji.api import api


def test_the_schema_is_built_once_and_served_the_same_every_time(monkeypatch: Any) -> None:
    api.get_openapi_schema()  # built, if no test built it before
    builds: list[str] = []
    monkeypatch.setattr("ninja.main.get_schema", lambda **kwargs: builds.append("built"))

    first = Client().get("/api/v1/openapi.json")
    second = Client().get("/api/v1/openapi.json")

    assert first.status_code == second.status_code == 200
    assert first.content == second.content and b'"openapi"' in first.content
    assert builds == []
