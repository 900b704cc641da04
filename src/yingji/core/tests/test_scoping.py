"""One scoping mechanism: a county sees its own county, the city sees all, an enterprise only itself."""

from typing import Any

import pytest
from conftest import COUNTY_A, COUNTY_B

from yingji.core import roles
from yingji.core.errors import NotFound
from yingji.core.models import Organization, Region, User
from yingji.core.scoping import scope_for


def test_a_county_admin_sees_only_organizations_of_their_county(county_admin: Any) -> None:
    visible = Organization.objects.visible_to(county_admin)
    assert visible.exists()
    assert {code[:6] for code in visible.values_list("region_id", flat=True)} == {COUNTY_A}


def test_the_city_admin_sees_every_county(city_admin: Any) -> None:
    paths = set(Organization.objects.visible_to(city_admin).values_list("region__path", flat=True))
    counties = {path.split("/")[2] for path in paths if path.count("/") > 2}
    assert {COUNTY_A, COUNTY_B} <= counties and len(counties) == 14
    assert "140000/140900/" in paths


def test_records_in_townships_and_villages_are_inside_their_county(county_admin: Any) -> None:
    village = Region.objects.get(code="140902001002")
    Organization.objects.create(name="秀容街道东大街社区", kind=Organization.TEAM, region=village)
    assert Organization.objects.visible_to(county_admin).filter(region=village).exists()


def test_wutaishan_records_are_visible_to_wutai_county(demo: None) -> None:
    wutai_admin = User.objects.get(username="demo-county-140922")
    taihuai = Region.objects.get(code="140971100000")
    org = Organization.objects.create(name="台怀镇应急站", kind=Organization.TEAM, region=taihuai)
    assert Organization.objects.visible_to(wutai_admin).filter(pk=org.pk).exists()


def test_another_countys_record_is_not_found_like_a_missing_one(county_admin: Any) -> None:
    other = Organization.objects.filter(region_id=COUNTY_B).first()
    assert other is not None
    with pytest.raises(NotFound):
        Organization.objects.get_visible_or_404(county_admin, pk=other.pk)
    with pytest.raises(NotFound):
        Organization.objects.get_visible_or_404(county_admin, pk=10**12)


def test_an_enterprise_officer_sees_only_their_own_enterprise(demo: None) -> None:
    county = Region.objects.get(code=COUNTY_A)
    mine = Organization.objects.create(name="忻州某煤业有限公司", kind=Organization.ENTERPRISE, region=county)
    Organization.objects.create(name="忻州另一化工有限公司", kind=Organization.ENTERPRISE, region=county)
    officer = User.objects.create(
        username="officer", role=roles.ENTERPRISE_OFFICER, region=county, organization=mine
    )
    assert list(Organization.objects.visible_to(officer)) == [mine]
    assert list(User.objects.visible_to(officer)) == [officer]
    assert not scope_for(officer).covers_region(county)


def test_anonymous_and_inactive_users_see_nothing(county_admin: Any) -> None:
    from django.contrib.auth.models import AnonymousUser

    assert not Organization.objects.visible_to(AnonymousUser()).exists()
    county_admin.is_active = False
    assert not Organization.objects.visible_to(county_admin).exists()
