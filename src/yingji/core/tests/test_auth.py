"""Sign-in: tokens for the API, hashed API keys for machines, and rate-limited failures."""

import json
from typing import Any

from conftest import COUNTY_A

from yingji.core import roles, services
from yingji.core.models import AuditEntry, Credential


def _token(client: Any, username: str, password: str) -> Any:
    return client.post(
        "/api/v1/auth/token",
        json.dumps({"username": username, "password": password}),
        content_type="application/json",
    )


def test_a_password_buys_a_bearer_token_that_opens_the_api(client: Any, demo: None) -> None:
    response = _token(client, "demo-city", "yingji-demo")
    assert response.status_code == 200
    token = response.json()["token"]
    me = client.get("/api/v1/auth/me", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert me.status_code == 200 and me.json()["username"] == "demo-city"
    assert AuditEntry.objects.filter(action="credential.token_issued").exists()


def test_a_wrong_password_is_a_clear_4xx(client: Any, demo: None) -> None:
    response = _token(client, "demo-city", "wrong")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_credentials"


def test_repeated_failures_are_refused_even_with_the_right_password(
    client: Any, demo: None, settings: Any
) -> None:
    settings.LOGIN_FAILURE_LIMIT = 3
    for _ in range(3):
        assert _token(client, "demo-city", "guess").status_code == 400
    response = _token(client, "demo-city", "yingji-demo")
    assert response.status_code == 429
    assert response.json()["code"] == "rate_limited"


def test_without_credentials_the_api_answers_401(client: Any, demo: None) -> None:
    response = client.get("/api/v1/organizations")
    assert response.status_code == 401
    assert set(response.json()) == {"code", "message", "details"}


def test_an_unknown_bearer_secret_is_401(client: Any, demo: None) -> None:
    assert client.get("/api/v1/auth/me", HTTP_AUTHORIZATION="Bearer yjt_nope").status_code == 401


def test_api_keys_are_stored_only_as_hashes_and_work_until_revoked(client: Any, county_admin: Any) -> None:
    machine = services.create_user(
        county_admin, username="exchange-140902", password=None, role=roles.INTEGRATION, region_code=COUNTY_A
    )
    issued = services.create_api_key(county_admin, user_id=machine.pk, name="数据交换接口")
    stored = Credential.objects.get(pk=issued.credential.pk)
    assert issued.secret.startswith("yjk_")
    assert issued.secret not in (stored.digest, stored.hint) and len(stored.digest) == 64
    headers = {"HTTP_AUTHORIZATION": f"Bearer {issued.secret}"}
    assert client.get("/api/v1/auth/me", **headers).json()["username"] == "exchange-140902"
    services.revoke_credential(county_admin, stored.pk)
    assert client.get("/api/v1/auth/me", **headers).status_code == 401


def test_the_login_page_signs_in_and_rate_limits_too(client: Any, demo: None, settings: Any) -> None:
    assert client.post("/login/", {"username": "demo-city", "password": "yingji-demo"}).status_code == 302
    client.logout()
    settings.LOGIN_FAILURE_LIMIT = 2
    for _ in range(2):
        client.post("/login/", {"username": "demo-duty", "password": "bad"})
    response = client.post("/login/", {"username": "demo-duty", "password": "yingji-demo"})
    assert response.status_code == 200
    assert "尝试次数过多" in response.content.decode()


def test_a_token_can_revoke_itself(client: Any, demo: None) -> None:
    token = _token(client, "demo-duty", "yingji-demo").json()["token"]
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    assert client.delete("/api/v1/auth/token", **headers).status_code == 200
    assert client.get("/api/v1/auth/me", **headers).status_code == 401


def test_the_api_keys_route_revokes_only_api_keys(api_client: Any, county_admin: Any) -> None:
    api = api_client(county_admin)
    own_token = Credential.objects.filter(user=county_admin, kind=Credential.TOKEN).latest("id")
    assert api.delete(f"/api/v1/api-keys/{own_token.pk}").status_code == 404


def test_a_too_large_api_body_is_a_json_413(api_client: Any, county_admin: Any, settings: Any) -> None:
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = api_client(county_admin).post(
        "/api/v1/organizations", "x" * 2000, content_type="application/json"
    )
    assert response.status_code == 413 and response.json()["code"] == "too_large"


def test_the_api_docs_page_loads_swagger_from_this_server(client: Any, db: Any) -> None:
    html = client.get("/api/v1/docs").content.decode()
    assert "/static/ninja/" in html and "cdn" not in html
