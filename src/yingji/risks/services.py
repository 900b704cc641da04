"""Risk grading operations: risk points and their assessments, control measures, per-region bandings.

Each function checks permission and scope, changes state in one transaction and audits it inside.
An enterprise's own safety officer manages its risk points; county and city administrators manage
every point in their scope and the bandings of their regions.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time
from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from yingji.core import audit, jobs, regioncodes, roles
from yingji.core.errors import Forbidden, InvalidInput
from yingji.core.models import Deadline, Region, User
from yingji.core.scoping import scope_for
from yingji.core.services import region_in_scope, save_or_conflict, validate_model
from yingji.enterprises.models import Enterprise
from yingji.enterprises.services import may_edit, officers_of
from yingji.geography import coordinates
from yingji.risks import grading
from yingji.risks.models import (
    DEFAULT_RESPONSIBLE_LEVEL,
    LEC,
    LS,
    ControlMeasure,
    RiskBanding,
    RiskPoint,
)

REASSESSMENT_DUE = "risks.reassessment_due"
# The to-do (core.jobs) of a point due for reassessment: assess it again.
REASSESS_TASK = "risks.reassess"
# A reassessment date comes due at this local time of that day (working hours, for the notification).
DUE_TIME = time(8, 0)
BANDING_ADMINS = frozenset({roles.CITY_ADMIN, roles.COUNTY_ADMIN})
BANDING_LEVELS = (regioncodes.PROVINCE, regioncodes.CITY, regioncodes.COUNTY)
NOT_YOURS = "只有本企业安全管理员或监管部门可以管理风险点 / Only the enterprise or its regulator may do this"
DEFAULT_BANDINGS = {LEC: grading.DEFAULT_LEC_BANDING, LS: grading.DEFAULT_LS_BANDING}
POINT_FIELDS = (
    "name", "kind", "location", "longitude", "latitude", "accident_types", "responsible_level",
    "responsible_person", "reassess_on",
)  # fmt: skip
FACTORS = ("l", "e", "c", "s")
MEASURE_FIELDS = ("kind", "description", "responsible_level", "responsible_person")


# Bandings in force -------------------------------------------------------------------------------


def banding_in_force(region: Region, method: str) -> tuple[grading.Banding, Region | None]:
    """The banding of the nearest region at or above `region` that has one, else the default (None)."""
    codes = regioncodes.codes_in_path(region.path)
    found = (
        RiskBanding.objects.filter(region_id__in=codes, method=method)
        .select_related("region")
        .order_by("-region__path")
        .first()
    )
    if found is None:
        return DEFAULT_BANDINGS[method], None
    return found.banding, found.region


def nearest_banding(
    path: str, method: str, bandings: dict[tuple[str, str], grading.Banding]
) -> grading.Banding:
    for code in reversed(regioncodes.codes_in_path(path)):
        if (code, method) in bandings:
            return bandings[(code, method)]
    return DEFAULT_BANDINGS[method]


def assess(method: str, factors: dict[str, Any], banding: grading.Banding) -> grading.Assessment:
    """The assessment of `factors` by `method`; a factor the method does not allow is a 400."""
    try:
        if method == LEC:
            _unused(factors, "s", method)
            return grading.assess_lec(factors.get("l"), factors.get("e"), factors.get("c"), banding)  # type: ignore[arg-type]
        if method == LS:
            _unused(factors, "e", method)
            _unused(factors, "c", method)
            return grading.assess_ls(_whole(factors.get("l")), _whole(factors.get("s")), banding)
    except grading.RiskGradingError as error:
        raise InvalidInput(str(error), code="invalid_factors", details={"field": "factors"}) from None
    raise InvalidInput(f"未知的评价方法 {method!r} / Unknown method {method!r}", details={"field": "method"})


def _unused(factors: dict[str, Any], name: str, method: str) -> None:
    if factors.get(name) is not None:
        label = "LEC" if method == LEC else "LS"
        raise grading.RiskGradingError(
            f"{label} 方法不使用因子 {name.upper()} / The {label} method has no factor {name.upper()}"
        )


def _whole(value: Any) -> Any:
    """A JSON 3.0 is the integer 3 for the matrix; anything else is passed on for the rule to refuse."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _apply_assessment(point: RiskPoint, method: str, factors: dict[str, Any], actor: User | None) -> None:
    banding, _ = banding_in_force(point.enterprise.region, method)
    result = assess(method, factors, banding)
    point.method = method
    point.factor_l = factors.get("l")  # type: ignore[assignment]
    point.factor_e = factors.get("e") if method == LEC else None
    point.factor_c = factors.get("c") if method == LEC else None
    point.factor_s = _whole(factors.get("s")) if method == LS else None
    point.score, point.level, point.color = result.score, result.level, result.color
    point.assessed_at = timezone.now()
    point.assessed_by = actor
    point.reassessment_due = False


# Risk points -------------------------------------------------------------------------------------


def _editable_enterprise(actor: User, enterprise_id: int) -> Enterprise:
    enterprise = Enterprise.objects.select_related("region").get_visible_or_404(actor, pk=enterprise_id)
    if not may_edit(actor, enterprise):
        raise Forbidden(NOT_YOURS)
    return enterprise


def _editable_point(actor: User, point_id: int) -> RiskPoint:
    point = (
        RiskPoint.objects.select_for_update()
        .select_related("enterprise__region")
        .get_visible_or_404(actor, pk=point_id)
    )
    if not may_edit(actor, point.enterprise):
        raise Forbidden(NOT_YOURS)
    return point


@transaction.atomic
def create_risk_point(actor: User, *, enterprise_id: int, method: str, **fields: Any) -> RiskPoint:
    """A new risk point of an enterprise, graded at once with the banding in force there.

    `fields` holds the factors (`l` and `e`, `c` for LEC or `s` for LS) and the point's own fields.
    """
    enterprise = _editable_enterprise(actor, enterprise_id)
    point = RiskPoint(enterprise=enterprise, **{k: v for k, v in fields.items() if k in POINT_FIELDS})
    factors = {k: fields.get(k) for k in FACTORS}
    _apply_assessment(point, method, factors, actor)
    if not point.responsible_level:
        point.responsible_level = DEFAULT_RESPONSIBLE_LEVEL[point.level]
    point.name = (point.name or "").strip()
    coordinates.check_location(point.longitude, point.latitude)
    validate_model(point)
    save_or_conflict(point)
    schedule_reassessment(point)
    audit.record(actor, "risk_point.created", point, after=audit.snapshot(point))
    return point


@transaction.atomic
def update_risk_point(actor: User, point_id: int, **changes: Any) -> RiskPoint:
    """Change a risk point's description, location, responsibility or reassessment date (not its grade)."""
    point = _editable_point(actor, point_id)
    before = audit.snapshot(point)
    for name in POINT_FIELDS:
        if name not in changes:
            continue
        value = changes[name]
        if value is None and name not in ("longitude", "latitude", "reassess_on"):
            continue
        setattr(point, name, value.strip() if isinstance(value, str) else value)
    if "reassess_on" in changes and (point.reassess_on is None or point.reassess_on > timezone.localdate()):
        point.reassessment_due = False
    coordinates.check_location(point.longitude, point.latitude)
    validate_model(point)
    save_or_conflict(point)
    if "reassess_on" in changes:
        schedule_reassessment(point)
    audit.record(actor, "risk_point.updated", point, before=before, after=audit.snapshot(point))
    if not point.reassessment_due:  # the review date moved on: nothing to reassess yet
        jobs.tasks_done(point, REASSESS_TASK)
    return point


@transaction.atomic
def reassess_risk_point(
    actor: User, point_id: int, *, method: str | None = None, **changes: Any
) -> RiskPoint:
    """A new assessment: new factors (in `changes`) give a new score and level; `reassess_on` may come too."""
    point = _editable_point(actor, point_id)
    before = audit.snapshot(point)
    _apply_assessment(point, method or point.method, {k: changes.get(k) for k in FACTORS}, actor)
    if "reassess_on" in changes:
        point.reassess_on = changes["reassess_on"]
    validate_model(point)
    save_or_conflict(point)
    schedule_reassessment(point)
    audit.record(actor, "risk_point.assessed", point, before=before, after=audit.snapshot(point))
    jobs.tasks_done(point, REASSESS_TASK)
    return point


@jobs.todo_task(REASSESS_TASK)
def _awaits_reassessment(point: RiskPoint) -> bool:
    return point.reassessment_due


def schedule_reassessment(point: RiskPoint) -> None:
    if point.reassess_on is None:
        jobs.cancel(REASSESSMENT_DUE, point)
        return
    due_at = datetime.combine(point.reassess_on, DUE_TIME, tzinfo=timezone.get_default_timezone())
    jobs.schedule(REASSESSMENT_DUE, point, due_at, reassess_on=point.reassess_on.isoformat())


@jobs.deadline_handler(REASSESSMENT_DUE)
def reassessment_came_due(deadline: Deadline, now: datetime) -> None:
    """Mark the point due for reassessment and tell the enterprise's officers."""
    point = (
        RiskPoint.objects.select_for_update()
        .select_related("enterprise")
        .filter(pk=int(deadline.object_id))
        .first()
    )
    if (
        point is None
        or point.reassess_on is None
        or point.reassess_on.isoformat() != deadline.payload.get("reassess_on")
    ):
        return  # deleted, or rescheduled since (a rescheduled point has its own pending deadline)
    before = audit.snapshot(point)
    point.reassessment_due = True
    point.save(update_fields=["reassessment_due", "updated_at"])
    audit.record(None, "risk_point.reassessment_due", point, before=before, after=audit.snapshot(point))
    tell_reassessment_due(point)


def tell_reassessment_due(point: RiskPoint) -> int:
    """The enterprise officers' to-do: assess the point again."""
    assert point.reassess_on is not None
    return jobs.notify(
        officers_of(point.enterprise),
        f"风险点“{point.name}”应于 {point.reassess_on:%Y-%m-%d} 复评",
        body=f"{point.enterprise.name}的风险点“{point.name}”（当前{point.level_label}）已到复评日期，请重新评价。",
        link=reverse("risks:point", args=[point.pk]),
        about=point,
        task=REASSESS_TASK,
    )


# Control measures --------------------------------------------------------------------------------


@transaction.atomic
def add_control_measure(actor: User, point_id: int, **fields: Any) -> ControlMeasure:
    point = _editable_point(actor, point_id)
    measure = ControlMeasure(risk_point=point, **{k: v for k, v in fields.items() if k in MEASURE_FIELDS})
    measure.description = (measure.description or "").strip()
    if not measure.responsible_level:
        measure.responsible_level = point.responsible_level
    validate_model(measure)
    save_or_conflict(measure)
    audit.record(actor, "control_measure.created", measure, after=audit.snapshot(measure))
    return measure


@transaction.atomic
def remove_control_measure(actor: User, measure_id: int) -> ControlMeasure:
    measure = (
        ControlMeasure.objects.select_for_update()
        .select_related("risk_point__enterprise")
        .get_visible_or_404(actor, pk=measure_id)
    )
    if not may_edit(actor, measure.risk_point.enterprise):
        raise Forbidden(NOT_YOURS)
    audit.record(actor, "control_measure.deleted", measure, before=audit.snapshot(measure))
    removed_id = measure.pk
    measure.delete()
    measure.pk = removed_id  # the answer still names what was removed
    return measure


# Bandings ----------------------------------------------------------------------------------------


def may_configure_bandings(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_active and user.role in BANDING_ADMINS)


def bandings_visible_to(user: Any) -> QuerySet[RiskBanding]:
    """Bandings set at or below the user's own region (an enterprise officer configures none)."""
    scope = scope_for(user)
    if scope.region_path is None or scope.organization_id is not None:
        return RiskBanding.objects.none()
    return RiskBanding.objects.filter(region__path__startswith=scope.region_path)


def _banding_region(actor: User, region_code: str) -> Region:
    if not may_configure_bandings(actor):
        raise Forbidden("只有市、县应急管理部门可以设置风险分级阈值 / Only city and county admins may")
    region = region_in_scope(actor, region_code)
    if region.level not in BANDING_LEVELS:
        raise InvalidInput(
            "分级阈值只能按省、市、县设置 / A banding is set for a province, city or county",
            details={"field": "region_code"},
        )
    return region


@transaction.atomic
def set_banding(
    actor: User, region_code: str, method: str, thresholds: dict[str, Any]
) -> tuple[RiskBanding, int]:
    """Set a region's banding for one method and re-grade its points; the banding, how many changed."""
    region = _banding_region(actor, region_code)
    if method not in (LEC, LS):
        raise InvalidInput(
            f"未知的评价方法 {method!r} / Unknown method {method!r}", details={"field": "method"}
        )
    try:
        banding = grading.banding_from_dict(thresholds)
    except grading.RiskGradingError as error:
        raise InvalidInput(str(error), code="invalid_banding", details={"field": "thresholds"}) from None
    existing = RiskBanding.objects.select_for_update().filter(region=region, method=method).first()
    before = audit.snapshot(existing) if existing else None
    record = existing or RiskBanding(region=region, method=method)
    record.thresholds, record.updated_at, record.updated_by = banding.to_dict(), timezone.now(), actor
    record.save()
    regraded = regrade_region(actor, region, method)
    after = {**audit.snapshot(record), "regraded_points": regraded}
    audit.record(actor, "risk_banding.set", record, before=before, after=after, region=region)
    return record, regraded


@transaction.atomic
def clear_banding(actor: User, region_code: str, method: str | None = None) -> tuple[list[str], int]:
    """Remove a region's banding (one or both methods) so the one above applies; what went, re-graded."""
    region = _banding_region(actor, region_code)
    methods = [method] if method else [LEC, LS]
    cleared, regraded = [], 0
    for record in RiskBanding.objects.select_for_update().filter(region=region, method__in=methods):
        before = audit.snapshot(record)
        record_id, record_method = record.pk, record.method
        record.delete()
        record.pk = record_id
        count = regrade_region(actor, region, record_method)
        audit.record(
            actor,
            "risk_banding.cleared",
            record,
            before=before,
            after={"regraded_points": count},
            region=region,
        )
        cleared.append(record_method)
        regraded += count
    return cleared, regraded


def regrade_region(actor: Any, region: Region, method: str) -> int:
    """Re-grade every `method` point inside `region` with the banding now in force; the number changed."""
    codes = regioncodes.codes_in_path(region.path)
    rows = RiskBanding.objects.filter(method=method).filter(
        Q(region__path__startswith=region.path) | Q(region_id__in=codes)
    )
    bandings = {(row.region_id, row.method): row.banding for row in rows}
    points = (
        RiskPoint.objects.select_for_update()
        .filter(method=method, enterprise__region__path__startswith=region.path)
        .select_related("enterprise__region")
        .order_by("pk")
    )
    changed: list[RiskPoint] = []
    for point in points:
        level = nearest_banding(point.enterprise.region.path, method, bandings).level_for(point.score)
        if level.key == point.level:
            continue
        before = audit.snapshot(point)
        point.level, point.color = level.key, level.color
        changed.append(point)
        audit.record(actor, "risk_point.regraded", point, before=before, after=audit.snapshot(point))
    RiskPoint.objects.bulk_update(changed, ["level", "color"], batch_size=500)
    return len(changed)


def level_counts(points: Iterable[RiskPoint]) -> dict[str, int]:
    """{level key: number of points} over the four levels, zeros included."""
    counts = {level.key: 0 for level in grading.LEVELS}
    for point in points:
        counts[point.level] = counts.get(point.level, 0) + 1
    return counts


def default_reassess_on(today: date | None = None) -> date:
    """One year on: risks are re-identified and re-graded at least once a year."""
    today = today or timezone.localdate()
    try:
        return today.replace(year=today.year + 1)
    except ValueError:  # 29 February
        return today.replace(year=today.year + 1, day=28)
