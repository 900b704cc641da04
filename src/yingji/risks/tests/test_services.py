"""Risk point, measure and banding services: permission, scope, audit, and nothing written on bad input."""

from __future__ import annotations

from typing import Any

import pytest

from yingji.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from yingji.core.models import AuditEntry
from yingji.risks import services
from yingji.risks.models import ControlMeasure, RiskBanding, RiskPoint
from yingji.risks.tests.conftest import lec_point


def last_audit(action: str) -> AuditEntry:
    return AuditEntry.objects.filter(action=action).order_by("-id").first()


def test_an_officer_registers_a_point_graded_with_the_default_banding(
    enterprise_a: Any, officer_a: Any
) -> None:
    point = services.create_risk_point(officer_a, enterprise_id=enterprise_a.pk, **lec_point())
    assert (point.score, point.level, point.color) == (270, "significant", "orange")
    assert point.responsible_level == "workshop"  # 较大 is held by the workshop unless said otherwise
    assert point.assessed_by == officer_a
    entry = last_audit("risk_point.created")
    assert entry.object_id == str(point.pk) and entry.after["level"] == "significant"
    assert entry.region_id == enterprise_a.region_id


def test_an_ls_point_takes_whole_numbers_sent_as_floats(enterprise_a: Any, officer_a: Any) -> None:
    point = services.create_risk_point(
        officer_a, enterprise_id=enterprise_a.pk, name="配电室", kind="place", method="ls", l=4.0, s=5.0
    )
    assert (point.score, point.level, point.factor_s) == (20, "major", 5)


def test_an_officer_cannot_touch_another_enterprise_of_the_same_county(officer_a: Any) -> None:
    from yingji.risks.tests.conftest import enterprises_in

    neighbour = enterprises_in("140902")[1]
    with pytest.raises(NotFound):
        services.create_risk_point(officer_a, enterprise_id=neighbour.pk, **lec_point())
    their_point = neighbour.risk_points.first()
    with pytest.raises(NotFound):
        services.reassess_risk_point(officer_a, their_point.pk, method="lec", l=1, e=1, c=1)


def test_a_county_admin_cannot_reach_another_countys_enterprise(county_admin: Any, enterprise_b: Any) -> None:
    with pytest.raises(NotFound):
        services.create_risk_point(county_admin, enterprise_id=enterprise_b.pk, **lec_point())
    with pytest.raises(NotFound):
        services.update_risk_point(county_admin, enterprise_b.risk_points.first().pk, name="改名")


def test_department_staff_may_see_their_sectors_points_but_not_change_them(
    department_staff: Any, enterprise_a: Any
) -> None:
    # demo-dept-housing supervises construction and gas, not enterprise_a (the first in 忻府区).
    point = RiskPoint.objects.filter(enterprise__industry__in=["construction", "gas"]).order_by("id").first()
    assert RiskPoint.objects.visible_to(department_staff).filter(pk=point.pk).exists()
    assert not RiskPoint.objects.visible_to(department_staff).filter(enterprise=enterprise_a).exists()
    with pytest.raises(Forbidden):
        services.reassess_risk_point(department_staff, point.pk, method="lec", l=1, e=1, c=1)


@pytest.mark.parametrize(
    "factors",
    [
        {"method": "lec", "l": 4, "e": 6, "c": 15},  # 4 is not a likelihood of the LEC table
        {"method": "lec", "l": 3, "e": 6, "c": None},
        {"method": "lec", "l": 3, "e": 6, "c": 15, "s": 2},  # S belongs to the matrix
        {"method": "ls", "l": 3, "s": 6},
        {"method": "ls", "l": 2.5, "s": 3},
        {"method": "ls", "l": 3, "s": 3, "e": 6},
    ],
)
def test_bad_factors_are_invalid_input_and_nothing_is_written(
    county_admin: Any, enterprise_a: Any, factors: dict[str, Any]
) -> None:
    points, entries = RiskPoint.objects.count(), AuditEntry.objects.count()
    with pytest.raises(InvalidInput) as raised:
        services.create_risk_point(county_admin, enterprise_id=enterprise_a.pk, name="新风险点", kind="place",
                                   **factors)  # fmt: skip
    assert raised.value.code == "invalid_factors" and " / " in raised.value.message
    assert (RiskPoint.objects.count(), AuditEntry.objects.count()) == (points, entries)


def test_a_name_used_twice_in_one_enterprise_is_a_conflict(county_admin: Any, enterprise_a: Any) -> None:
    existing = enterprise_a.risk_points.first()
    with pytest.raises(Conflict):
        services.create_risk_point(
            county_admin, enterprise_id=enterprise_a.pk, **lec_point(name=existing.name)
        )


def test_half_a_coordinate_is_refused(county_admin: Any, enterprise_a: Any) -> None:
    with pytest.raises(InvalidInput):
        services.create_risk_point(county_admin, enterprise_id=enterprise_a.pk, **lec_point(longitude=112.7))


def test_reassessment_changes_the_grade_and_audits_before_and_after(
    county_admin: Any, enterprise_a: Any
) -> None:
    point = services.create_risk_point(county_admin, enterprise_id=enterprise_a.pk, **lec_point())
    RiskPoint.objects.filter(pk=point.pk).update(reassessment_due=True)
    point = services.reassess_risk_point(county_admin, point.pk, l=6, e=6, c=15)
    assert (point.score, point.level, point.reassessment_due) == (540, "major", False)
    entry = last_audit("risk_point.assessed")
    assert (entry.before["score"], entry.after["score"]) == (270, 540)
    assert (entry.before["level"], entry.after["level"]) == ("significant", "major")


def test_a_reassessment_may_switch_to_the_risk_matrix(county_admin: Any, enterprise_a: Any) -> None:
    point = services.create_risk_point(county_admin, enterprise_id=enterprise_a.pk, **lec_point())
    point = services.reassess_risk_point(county_admin, point.pk, method="ls", l=2, s=4)
    assert (point.method, point.score, point.level) == ("ls", 8, "low")
    assert (point.factor_e, point.factor_c, point.factor_s) == (None, None, 4)


def test_an_update_changes_the_description_but_never_the_grade(county_admin: Any, enterprise_a: Any) -> None:
    point = services.create_risk_point(county_admin, enterprise_id=enterprise_a.pk, **lec_point())
    point = services.update_risk_point(county_admin, point.pk, location="二号罐区", score=1, level="low")
    assert (point.location, point.score, point.level) == ("二号罐区", 270, "significant")
    assert last_audit("risk_point.updated").after["location"] == "二号罐区"


def test_control_measures_are_added_and_removed_with_audit(officer_a: Any, enterprise_a: Any) -> None:
    point = enterprise_a.risk_points.first()
    measure = services.add_control_measure(officer_a, point.pk, kind="engineering", description="加装报警仪")
    assert measure.responsible_level == point.responsible_level
    assert last_audit("control_measure.created").after["description"] == "加装报警仪"
    services.remove_control_measure(officer_a, measure.pk)
    assert not ControlMeasure.objects.filter(pk=measure.pk).exists()
    assert last_audit("control_measure.deleted").before["id"] == measure.pk


def test_a_measure_without_text_is_refused(officer_a: Any, enterprise_a: Any) -> None:
    with pytest.raises(InvalidInput):
        services.add_control_measure(
            officer_a, enterprise_a.risk_points.first().pk, kind="ppe", description=" "
        )


def test_another_countys_measure_cannot_be_removed(county_admin: Any, enterprise_b: Any) -> None:
    measure = ControlMeasure.objects.filter(risk_point__enterprise=enterprise_b).first()
    with pytest.raises(NotFound):
        services.remove_control_measure(county_admin, measure.pk)


# Bandings ----------------------------------------------------------------------------------------


@pytest.fixture
def two_points(county_admin: Any, other_county_admin: Any, enterprise_a: Any, enterprise_b: Any) -> Any:
    """A D = 270 point (较大 by default) in each test county."""
    a = services.create_risk_point(county_admin, enterprise_id=enterprise_a.pk, **lec_point())
    b = services.create_risk_point(other_county_admin, enterprise_id=enterprise_b.pk, **lec_point())
    return a, b


def level_of(point: RiskPoint) -> str:
    point.refresh_from_db()
    return point.level


def test_a_county_banding_regrades_its_points_and_no_others(county_admin: Any, two_points: Any) -> None:
    a, b = two_points
    banding, regraded = services.set_banding(
        county_admin, "140902", "lec", {"major": 250, "significant": 100, "general": 40}
    )
    assert (level_of(a), level_of(b)) == ("major", "significant")
    assert regraded >= 1 and banding.thresholds == {"major": 250, "significant": 100, "general": 40}
    entry = last_audit("risk_banding.set")
    assert entry.region_id == "140902" and entry.after["regraded_points"] == regraded
    regrade = AuditEntry.objects.filter(action="risk_point.regraded", object_id=str(a.pk)).get()
    assert (regrade.before["level"], regrade.after["level"]) == ("significant", "major")


def test_new_points_are_graded_with_the_banding_in_force(county_admin: Any, enterprise_a: Any) -> None:
    services.set_banding(county_admin, "140902", "lec", {"major": 250, "significant": 100, "general": 40})
    point = services.create_risk_point(county_admin, enterprise_id=enterprise_a.pk, **lec_point())
    assert point.level == "major"


def test_the_nearest_regions_banding_wins_and_clearing_falls_back(
    city_admin: Any, county_admin: Any, two_points: Any
) -> None:
    a, b = two_points
    services.set_banding(city_admin, "140900", "lec", {"major": 200, "significant": 100, "general": 50})
    services.set_banding(city_admin, "140902", "lec", {"major": 300, "significant": 100, "general": 50})
    assert (level_of(a), level_of(b)) == ("significant", "major")
    cleared, _ = services.clear_banding(county_admin, "140902")
    assert cleared == ["lec"]
    assert level_of(a) == "major"  # the city's banding applies again
    services.clear_banding(city_admin, "140900", "lec")
    assert (level_of(a), level_of(b)) == ("significant", "significant")
    assert last_audit("risk_banding.cleared").before["thresholds"]["major"] == 200


def test_clearing_a_banding_that_is_not_set_changes_nothing(county_admin: Any) -> None:
    entries = AuditEntry.objects.count()
    assert services.clear_banding(county_admin, "140902") == ([], 0)
    assert AuditEntry.objects.count() == entries


def test_a_county_admin_cannot_set_another_countys_or_the_citys_banding(county_admin: Any) -> None:
    for code in ("140921", "140900"):
        with pytest.raises(NotFound):
            services.set_banding(county_admin, code, "lec", {"major": 300, "significant": 100, "general": 50})


def test_only_city_and_county_admins_set_bandings(officer_a: Any, department_staff: Any) -> None:
    for user in (officer_a, department_staff):
        with pytest.raises(Forbidden):
            services.set_banding(user, "140902", "lec", {"major": 300, "significant": 100, "general": 50})


def test_a_township_has_no_banding_of_its_own(county_admin: Any, enterprise_a: Any) -> None:
    with pytest.raises(InvalidInput):
        services.set_banding(
            county_admin, enterprise_a.region_id, "lec", {"major": 300, "significant": 100, "general": 50}
        )


@pytest.mark.parametrize(
    "thresholds",
    [{"major": 100, "significant": 200, "general": 50}, {"major": 300, "significant": 100}, "320/160/70"],
)
def test_a_bad_banding_is_refused_with_nothing_written(
    county_admin: Any, two_points: Any, thresholds: Any
) -> None:
    a, _ = two_points
    entries = AuditEntry.objects.count()
    with pytest.raises(InvalidInput):
        services.set_banding(county_admin, "140902", "lec", thresholds)
    assert not RiskBanding.objects.filter(region_id="140902").exists()
    assert AuditEntry.objects.count() == entries and level_of(a) == "significant"


def test_bandings_visible_to_a_county_are_its_own_and_below(county_admin: Any, city_admin: Any) -> None:
    services.set_banding(city_admin, "140900", "ls", {"major": 20, "significant": 10, "general": 4})
    services.set_banding(city_admin, "140921", "ls", {"major": 20, "significant": 10, "general": 4})
    services.set_banding(county_admin, "140902", "ls", {"major": 20, "significant": 12, "general": 6})
    assert set(services.bandings_visible_to(county_admin).values_list("region_id", flat=True)) == {"140902"}
    assert {"140900", "140902", "140921"} <= set(
        services.bandings_visible_to(city_admin).values_list("region_id", flat=True)
    )
