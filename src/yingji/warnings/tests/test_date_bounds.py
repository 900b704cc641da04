"""Warnings refuse times outside 2000-01-01 … 2100-12-31 by every way in: service, page, CAP import, coverage.

Issue 12, defect 8: `onset: "0001-01-01T00:00:00+14:00"` gave an HTML 500 (OverflowError).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from django.urls import reverse

from yingji.core.errors import InvalidInput
from yingji.core.models import AuditEntry, User
from yingji.warnings import coverage, services
from yingji.warnings.cap import importing, protocol
from yingji.warnings.models import EarlyWarning
from yingji.warnings.tests.capfixtures import message
from yingji.warnings.tests.pages_fixtures import csrf_post, draft_input, user
from yingji.warnings.tests.test_views import DUTY, form_data

pytestmark = pytest.mark.django_db

YEAR_ONE = datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=14)))
YEAR_9999 = datetime(9999, 12, 31, 23, 59, 59, tzinfo=timezone(timedelta(hours=-14)))


def counts() -> tuple[int, int]:
    return EarlyWarning.objects.count(), AuditEntry.objects.count()


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"onset": YEAR_ONE}, "onset"),
        ({"expires": YEAR_9999}, "expires"),
        ({"onset": datetime(1999, 12, 31, 23, tzinfo=UTC)}, "onset"),
    ],
)
def test_a_draft_with_an_extreme_time_is_refused_naming_it(
    county_admin: User, changes: dict[str, Any], field: str
) -> None:
    before = counts()
    with pytest.raises(InvalidInput) as refusal:
        services.create_draft(county_admin, draft_input(**changes))
    assert refusal.value.details["field"] == field and "2100-12-31" in refusal.value.message
    assert counts() == before


def test_the_page_refuses_year_one_at_its_field(demo: None, page_client: Any) -> None:
    before = counts()
    answer = csrf_post(page_client(user(DUTY)), reverse("warnings:new"), form_data(onset="0001-01-01T00:00"))
    assert answer.status_code == 200
    assert "onset" in answer.context["form"].errors and counts() == before
    assert 'min="2000-01-01T00:00"' in answer.content.decode()


@pytest.mark.parametrize(
    "tag, value",
    [("onset", "0001-01-01T00:00:00+14:00"), ("expires", "9999-12-31T23:59:59-14:00")],
)
def test_a_cap_message_with_an_extreme_time_is_refused(county_admin: User, tag: str, value: str) -> None:
    data = re.sub(rf"<{tag}>[^<]*</{tag}>".encode(), f"<{tag}>{value}</{tag}>".encode(), message())
    assert any(tag in problem and "2100-12-31" in problem for problem in protocol.problems(data))
    before = counts()
    with pytest.raises(InvalidInput):
        importing.import_cap(county_admin, data)
    assert counts() == before


def test_a_coverage_month_outside_the_range_is_refused(city_admin: User) -> None:
    for month in ("1999-12", "2101-01"):
        with pytest.raises(InvalidInput) as refusal:
            coverage.summary(city_admin, month=month)
        assert refusal.value.details["field"] == "month"
    assert coverage.month_bounds("2100-12")[0].year == 2100
