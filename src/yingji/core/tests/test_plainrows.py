"""`plainrows`: instances from plain-SQL rows equal what the ORM builds (the bearer-token lookup every
API request makes), and date-time aggregates come back aware on both databases."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.utils import timezone

from yingji.core import plainrows
from yingji.core.models import Credential, Region, User

pytestmark = pytest.mark.django_db


def _fields(instance: Any, leave_out: tuple[str, ...] = ()) -> dict[str, Any]:
    return {
        field.attname: getattr(instance, field.attname)
        for field in type(instance)._meta.concrete_fields
        if field.name not in leave_out
    }


def _issue(user: User, **extra: Any) -> str:
    secret, digest = Credential.new_secret(Credential.TOKEN)
    Credential.objects.create(kind=Credential.TOKEN, user=user, digest=digest, hint=secret[:8], **extra)
    return secret


def test_the_credential_its_user_and_region_are_what_the_orm_reads(county_admin: User) -> None:
    User.objects.filter(pk=county_admin.pk).update(last_login=timezone.now())
    secret = _issue(county_admin, expires_at=timezone.now() + timedelta(days=1))
    found = Credential.find_active(secret)
    assert found is not None
    assert _fields(found) == _fields(Credential.objects.get(pk=found.pk))
    assert _fields(found.user) == _fields(User.objects.get(pk=county_admin.pk))
    region = Region.objects.get(pk=county_admin.region_id)
    assert _fields(found.user.region, ("geometry",)) == _fields(region, ("geometry",))
    assert found.expires_at is not None and found.expires_at.tzinfo is not None
    assert found.user.last_login is not None and found.user.last_login.tzinfo is not None
    assert found.user.is_active is True
    assert "geometry" in found.user.region.get_deferred_fields()  # the boundary is not read


def test_revoked_expired_and_inactive_find_nothing(county_admin: User) -> None:
    revoked = _issue(county_admin, revoked_at=timezone.now())
    expired = _issue(county_admin, expires_at=timezone.now() - timedelta(seconds=1))
    live = _issue(county_admin)
    assert Credential.find_active(revoked) is None
    assert Credential.find_active(expired) is None
    assert Credential.find_active("yjt_not-a-secret") is None
    assert Credential.find_active(live) is not None
    User.objects.filter(pk=county_admin.pk).update(is_active=False)
    assert Credential.find_active(live) is None


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (None, None),
        ("2026-12-07 15:04:05.250000", datetime(2026, 12, 7, 15, 4, 5, 250000, tzinfo=UTC)),
        (datetime(2026, 12, 7, 15, 4, tzinfo=UTC), datetime(2026, 12, 7, 15, 4, tzinfo=UTC)),
        (datetime(2026, 12, 7, 15, 4), datetime(2026, 12, 7, 15, 4, tzinfo=UTC)),
    ],
)
def test_a_moment_is_aware_and_in_utc_when_the_database_gave_none(raw: Any, expected: Any) -> None:
    assert plainrows.moment(raw) == expected


def test_a_moment_that_is_not_one_is_an_error() -> None:
    with pytest.raises(ValueError):
        plainrows.moment("yesterday")
