"""Password change and administrators' resets, and API keys kept for machine accounts."""

from __future__ import annotations

import json
from typing import Any

import pytest
from conftest import COUNTY_A, COUNTY_B
from django.test import Client

from yingji.core import roles, services
from yingji.core.errors import InvalidInput
from yingji.core.models import AuditEntry, Credential, User

PASSWORD = "yingji-demo"
NEW_PASSWORD = "hu-tuo-river-2027"


def _post(client: Client, path: str, body: dict[str, Any], **headers: Any) -> Any:
    return client.post(path, json.dumps(body), content_type="application/json", **headers)


def _token(username: str, password: str) -> str | None:
    answer = _post(Client(), "/api/v1/auth/token", {"username": username, "password": password})
    return answer.json().get("token") if answer.status_code == 200 else None


def _bearer(token: str | None) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def _signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


# Changing one's own password ------------------------------------------------------------------


def test_a_password_change_ends_every_other_token_and_session_and_is_audited(demo: None) -> None:
    user = User.objects.get(username="demo-duty")
    in_use, other = _token("demo-duty", PASSWORD), _token("demo-duty", PASSWORD)
    elsewhere = _signed_in(user)
    assert elsewhere.get("/").status_code == 200

    answer = _post(
        Client(),
        "/api/v1/auth/password",
        {"old_password": PASSWORD, "new_password": NEW_PASSWORD},
        **_bearer(in_use),
    )

    assert answer.status_code == 200 and answer.json()["credentials_revoked"] == 1
    assert Client().get("/api/v1/auth/me", **_bearer(in_use)).status_code == 200
    assert Client().get("/api/v1/auth/me", **_bearer(other)).status_code == 401
    assert elsewhere.get("/").status_code == 302  # the other session is over: back to the sign-in page
    assert _token("demo-duty", PASSWORD) is None and _token("demo-duty", NEW_PASSWORD)
    entry = AuditEntry.objects.filter(action="user.password_changed", object_id=str(user.pk)).get()
    assert entry.actor_id == user.pk and entry.after["credentials_revoked"] == 1
    assert "password" not in entry.after


def test_a_password_change_needs_the_current_password(api_client: Any, county_admin: User) -> None:
    answer = _post(
        api_client(county_admin),
        "/api/v1/auth/password",
        {"old_password": "not-it", "new_password": NEW_PASSWORD},
    )
    assert answer.status_code == 400 and answer.json()["code"] == "wrong_password"
    assert answer.json()["details"] == {"field": "old_password"}
    weak = _post(
        api_client(county_admin),
        "/api/v1/auth/password",
        {"old_password": PASSWORD, "new_password": "12345678"},
    )
    assert weak.status_code == 400 and weak.json()["details"]["password"]
    assert _token(county_admin.username, PASSWORD)


def test_guessing_the_current_password_is_rate_limited(
    api_client: Any, county_admin: User, settings: Any
) -> None:
    settings.LOGIN_FAILURE_LIMIT = 2
    client = api_client(county_admin)
    for _ in range(2):
        _post(client, "/api/v1/auth/password", {"old_password": "guess", "new_password": NEW_PASSWORD})
    answer = _post(client, "/api/v1/auth/password", {"old_password": PASSWORD, "new_password": NEW_PASSWORD})
    assert answer.status_code == 429


def test_the_password_page_changes_it_and_keeps_this_session_only(demo: None) -> None:
    user = User.objects.get(username="demo-city")
    here, elsewhere = Client(enforce_csrf_checks=False), _signed_in(user)
    here.force_login(user)
    page = here.get("/account/password/")
    assert page.status_code == 200 and "原密码" in page.content.decode()
    mismatch = here.post(
        "/account/password/",
        {"old_password": PASSWORD, "new_password": NEW_PASSWORD, "new_password_again": "something-else"},
    )
    assert mismatch.status_code == 200 and "两次输入的新密码不一致" in mismatch.content.decode()

    done = here.post(
        "/account/password/",
        {"old_password": PASSWORD, "new_password": NEW_PASSWORD, "new_password_again": NEW_PASSWORD},
    )

    assert done.status_code == 302 and done["Location"] == "/"
    assert here.get("/").status_code == 200
    assert elsewhere.get("/").status_code == 302


# Administrators' resets -----------------------------------------------------------------------


def test_a_reset_gives_a_temporary_password_that_must_be_changed_first(
    api_client: Any, county_admin: User
) -> None:
    reporter = User.objects.get(username=f"demo-reporter-{COUNTY_A}")
    old_token = _token(reporter.username, PASSWORD)

    answer = api_client(county_admin).post(f"/api/v1/users/{reporter.pk}/password-reset")

    assert answer.status_code == 200
    temporary = answer.json()["temporary_password"]
    assert len(temporary) >= 12 and _token(reporter.username, PASSWORD) is None
    assert Client().get("/api/v1/auth/me", **_bearer(old_token)).status_code == 401
    entry = AuditEntry.objects.filter(action="user.password_reset", object_id=str(reporter.pk)).get()
    assert entry.actor_id == county_admin.pk and entry.after["must_change_password"] is True

    token = _token(reporter.username, temporary)
    me = Client().get("/api/v1/auth/me", **_bearer(token))
    assert me.status_code == 200 and me.json()["must_change_password"] is True
    refused = Client().get("/api/v1/regions", **_bearer(token))
    assert refused.status_code == 403 and refused.json()["code"] == "password_change_required"
    changed = _post(
        Client(),
        "/api/v1/auth/password",
        {"old_password": temporary, "new_password": NEW_PASSWORD},
        **_bearer(token),
    )
    assert changed.status_code == 200
    assert Client().get("/api/v1/regions", **_bearer(token)).status_code == 200


def test_after_a_reset_every_page_leads_to_the_password_change(page_client: Any, county_admin: User) -> None:
    reporter = User.objects.get(username=f"demo-reporter-{COUNTY_A}")
    admin = page_client(county_admin)
    confirm = admin.get(f"/users/{reporter.pk}/password-reset/")
    assert confirm.status_code == 200 and reporter.username in confirm.content.decode()
    admin = Client()
    admin.force_login(county_admin)
    done = admin.post(f"/users/{reporter.pk}/password-reset/")
    temporary = done.context["temporary"]
    assert temporary in done.content.decode()

    reporter_browser = Client()
    assert (
        reporter_browser.post("/login/", {"username": reporter.username, "password": temporary}).status_code
        == 302
    )
    for path in ("/", "/map/", "/hazards/"):
        answer = reporter_browser.get(path)
        assert answer.status_code == 302 and answer["Location"] == "/account/password/", path
    reporter_browser.post(
        "/account/password/",
        {"old_password": temporary, "new_password": NEW_PASSWORD, "new_password_again": NEW_PASSWORD},
    )
    assert reporter_browser.get("/").status_code == 200


def test_a_reset_is_refused_outside_scope_above_rank_and_for_oneself(
    api_client: Any, county_admin: User
) -> None:
    client = api_client(county_admin)
    other_county = User.objects.get(username=f"demo-reporter-{COUNTY_B}")
    city = User.objects.get(username="demo-city")
    assert client.post(f"/api/v1/users/{other_county.pk}/password-reset").status_code == 404
    assert client.post(f"/api/v1/users/{city.pk}/password-reset").status_code == 404
    own = client.post(f"/api/v1/users/{county_admin.pk}/password-reset")
    assert own.status_code == 400 and own.json()["code"] == "own_account"
    reporter = User.objects.get(username=f"demo-reporter-{COUNTY_A}")
    assert api_client(reporter).post(f"/api/v1/users/{reporter.pk}/password-reset").status_code == 403


# API keys for machine accounts only ------------------------------------------------------------


def test_an_api_key_for_a_persons_account_is_refused(api_client: Any, county_admin: User) -> None:
    reporter = User.objects.get(username=f"demo-reporter-{COUNTY_A}")
    answer = _post(api_client(county_admin), "/api/v1/api-keys", {"user_id": reporter.pk, "name": "网关"})
    assert answer.status_code == 400 and answer.json()["code"] == "not_a_machine_account"
    assert not Credential.objects.filter(user=reporter, kind=Credential.API_KEY).exists()


def test_a_machine_account_has_no_password_and_gets_keys(api_client: Any, county_admin: User) -> None:
    client = api_client(county_admin)
    body = {"username": "exchange-140902", "role": "integration", "region_code": COUNTY_A}
    with_password = _post(client, "/api/v1/users", {**body, "password": NEW_PASSWORD})
    assert with_password.status_code == 400 and with_password.json()["code"] == "machine_account_password"
    created = _post(client, "/api/v1/users", body)
    assert created.status_code == 201 and created.json()["role_label"] == "接口账号"
    machine = User.objects.get(username="exchange-140902")
    assert not machine.has_usable_password()
    key = _post(client, "/api/v1/api-keys", {"user_id": machine.pk, "name": "数据交换"}).json()["key"]
    assert Client().get("/api/v1/auth/me", **_bearer(key)).json()["username"] == "exchange-140902"
    person = _post(client, "/api/v1/users", {**body, "username": "someone", "role": "duty_officer"})
    assert person.status_code == 400 and person.json()["code"] == "password_required"


def test_a_person_and_a_machine_account_cannot_become_each_other(county_admin: User) -> None:
    reporter = User.objects.get(username=f"demo-reporter-{COUNTY_A}")
    with pytest.raises(InvalidInput) as refused:
        services.update_user(county_admin, reporter.pk, role=roles.INTEGRATION)
    assert refused.value.code == "machine_role_change"


def test_a_key_issued_to_a_person_before_this_rule_opens_nothing(client: Client, county_admin: User) -> None:
    reporter = User.objects.get(username=f"demo-reporter-{COUNTY_A}")
    secret, digest = Credential.new_secret(Credential.API_KEY)
    Credential.objects.create(kind=Credential.API_KEY, user=reporter, digest=digest, hint=secret[:8])
    assert client.get("/api/v1/auth/me", **_bearer(secret)).status_code == 401
