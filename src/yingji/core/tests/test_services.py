"""Core services: permission, scope, one transaction and one audit entry per change."""

from typing import Any

import pytest
from conftest import COUNTY_A, COUNTY_B

from yingji.core import roles, services
from yingji.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from yingji.core.models import AuditEntry, Organization, User


def test_a_county_admin_creates_an_account_in_their_county(county_admin: Any) -> None:
    user = services.create_user(
        county_admin,
        username="xinfu-duty",
        password="Str0ng-pass-9",
        role=roles.DUTY_OFFICER,
        region_code=COUNTY_A,
    )
    assert user.check_password("Str0ng-pass-9")
    entry = AuditEntry.objects.get(action="user.created", object_id=str(user.pk))
    assert entry.actor == county_admin and "password" not in entry.after


def test_a_county_admin_cannot_create_a_city_admin(county_admin: Any) -> None:
    with pytest.raises(Forbidden):
        services.create_user(
            county_admin,
            username="boss",
            password="Str0ng-pass-9",
            role=roles.CITY_ADMIN,
            region_code=COUNTY_A,
        )


def test_a_county_admin_cannot_place_anything_in_another_county(county_admin: Any) -> None:
    with pytest.raises(NotFound):
        services.create_user(
            county_admin,
            username="spy",
            password="Str0ng-pass-9",
            role=roles.DUTY_OFFICER,
            region_code=COUNTY_B,
        )
    with pytest.raises(NotFound):
        services.create_organization(county_admin, name="x", kind="team", region_code=COUNTY_B)


def test_an_enterprise_officer_must_belong_to_an_enterprise(county_admin: Any) -> None:
    with pytest.raises(InvalidInput):
        services.create_user(
            county_admin,
            username="ent",
            password="Str0ng-pass-9",
            role=roles.ENTERPRISE_OFFICER,
            region_code=COUNTY_A,
        )


def test_a_taken_username_is_a_conflict(county_admin: Any) -> None:
    with pytest.raises(Conflict):
        services.create_user(
            county_admin,
            username="demo-city",
            password="Str0ng-pass-9",
            role=roles.DUTY_OFFICER,
            region_code=COUNTY_A,
        )


def test_a_reporter_may_not_manage_organizations(demo: None) -> None:
    reporter = User.objects.get(username=f"demo-reporter-{COUNTY_A}")
    with pytest.raises(Forbidden):
        services.create_organization(reporter, name="x", kind="team", region_code=COUNTY_A)


def test_a_duplicate_organization_name_in_a_region_is_a_conflict(county_admin: Any) -> None:
    with pytest.raises(Conflict):
        services.create_organization(
            county_admin, name="忻府区水利局", kind="department", region_code=COUNTY_A
        )


def test_an_invalid_sector_is_refused_and_nothing_is_written(county_admin: Any) -> None:
    before = Organization.objects.count(), AuditEntry.objects.count()
    with pytest.raises(InvalidInput):
        services.create_organization(
            county_admin, name="某队", kind="team", sector="astrology", region_code=COUNTY_A
        )
    assert (Organization.objects.count(), AuditEntry.objects.count()) == before


def test_deactivating_an_account_is_audited_and_locks_it_out(county_admin: Any) -> None:
    reporter = User.objects.get(username=f"demo-reporter-{COUNTY_A}")
    services.update_user(county_admin, reporter.pk, is_active=False)
    reporter.refresh_from_db()
    assert not reporter.is_active
    entry = AuditEntry.objects.filter(action="user.updated").latest("id")
    assert entry.before["is_active"] is True and entry.after["is_active"] is False


def test_an_admin_cannot_deactivate_themselves(county_admin: Any) -> None:
    with pytest.raises(InvalidInput):
        services.update_user(county_admin, county_admin.pk, is_active=False)
