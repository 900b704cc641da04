"""Operations on warnings: drafting, the approval round, publication, updates, cancellation, expiry.

Each function checks the actor's role and scope, runs in one transaction and audits. Who approves
and publishes a level in a region is configuration (`ApprovalRule`, defaults in lifecycle.py): a
county approves its own blue and yellow warnings, the city orange and red ones, and the city anything
in the city. Publishing gives the version its GB/T 35965.1 identifier and its CAP message, fans it
out into the delivery outbox and schedules its expiry; an update or a cancellation is a new version
that references the one it replaces.
"""

from __future__ import annotations

import operator
from dataclasses import dataclass, field
from datetime import datetime
from functools import reduce
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from shapely.geometry import mapping
from shapely.geometry import shape as shapely_shape
from shapely.ops import unary_union

from yingji.core import audit, datebounds, jobs, regioncodes, roles
from yingji.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from yingji.core.models import Organization, Region, User
from yingji.geography import areas, containment
from yingji.messaging import outbox
from yingji.warnings import lifecycle
from yingji.warnings.models import ApprovalRule, EarlyWarning, WarningType

VIEW_ROLES = frozenset({roles.CITY_ADMIN, roles.COUNTY_ADMIN, roles.DUTY_OFFICER, roles.DEPARTMENT_STAFF})
DRAFT_ROLES = VIEW_ROLES
IMPORT_ROLES = frozenset({roles.CITY_ADMIN, roles.COUNTY_ADMIN, roles.DUTY_OFFICER})
APPROVER_ROLES = frozenset({roles.CITY_ADMIN, roles.COUNTY_ADMIN})
ISSUING_LEVELS = ("city", "county")
MAX_SHAPE_VERTICES = 20_000
MAX_CIRCLE_KM = 300.0
DEFAULT_AREA_TOLERANCE_M = 500.0
AREA_OUTSIDE_REGION = "area_outside_region"
EXPIRE = "warnings.expire"
# To-dos (core.jobs): approve and publish a submitted warning; revise a returned one; check a platform draft.
APPROVE_TASK = "warnings.approve"
REVISE_TASK = "warnings.revise"
CHECK_DRAFT_TASK = "warnings.check_draft"

DRAFT_FIELDS = (
    "warning_type",
    "level",
    "headline",
    "description",
    "instruction",
    "area_description",
    "area_codes",
    "area_shapes",
    "onset",
    "expires",
)


def _active(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and user.is_active


def may_view(user: Any) -> bool:
    """Whether the user works with warnings (what they see is still their region's)."""
    return _active(user) and user.role in VIEW_ROLES


def may_draft(user: Any) -> bool:
    return _active(user) and user.role in DRAFT_ROLES


def may_import(user: Any) -> bool:
    return _active(user) and user.role in IMPORT_ROLES


def require(allowed: bool) -> None:
    if not allowed:
        raise Forbidden()


# Approval rules ---------------------------------------------------------------------------------


def approver_tier_for(warning: EarlyWarning) -> str:
    """ "county" or "city": who approves and publishes this warning's level where it is issued."""
    region = warning.region
    if region.level != "county":
        return lifecycle.CITY
    codes = regioncodes.codes_in_path(region.path)
    rules = {
        (rule.region_id, rule.level): rule.approver_tier
        for rule in ApprovalRule.objects.filter(region_id__in=codes, level=warning.level)
    }
    return lifecycle.approver_tier(warning.level, codes, rules)


def may_approve(user: Any, warning: EarlyWarning) -> bool:
    """Whether the user may approve, publish, update or cancel this warning.

    The city's administrators may for anything in their city; a county's administrators for their own
    county's warnings whose level the county approves.
    """
    if not _active(user) or user.role not in APPROVER_ROLES or not user.scope.covers_region(warning.region):
        return False
    if user.role == roles.CITY_ADMIN:
        return True
    return user.region_id == warning.region_id and approver_tier_for(warning) == lifecycle.COUNTY


def allowed_actions(user: Any, warning: EarlyWarning) -> list[str]:
    """The lifecycle actions this user may take on this warning now (for buttons and the API)."""
    if not may_view(user) or not user.scope.covers_region(warning.region):
        return []
    found = []
    for action in lifecycle.actions_from(warning.status):
        if action == lifecycle.EXPIRE:
            continue
        if action in (lifecycle.SUBMIT,) or (
            action == lifecycle.CANCEL and warning.status == EarlyWarning.DRAFT
        ):
            allowed = may_draft(user)
        else:
            allowed = may_approve(user, warning)
        if allowed:
            found.append(action)
    if warning.status == EarlyWarning.DRAFT and may_draft(user) and warning.source != EarlyWarning.IMPORTED:
        found.insert(0, "edit")
    if warning.status == EarlyWarning.PUBLISHED and _has_open_successor(warning):
        found = [action for action in found if action != lifecycle.UPDATE]
    return found


def set_approval_rule(actor: User, region_code: str, level: str, approver_tier: str) -> ApprovalRule:
    """The city sets which tier approves `level` in a county (or for the whole city)."""
    require(_active(actor) and actor.role == roles.CITY_ADMIN)
    if level not in lifecycle.LEVELS:
        raise InvalidInput("未知的预警级别 / Unknown warning level", details={"field": "level"})
    if approver_tier not in (lifecycle.COUNTY, lifecycle.CITY):
        raise InvalidInput(
            "审批层级应为 county 或 city / Tier must be county or city", details={"field": "tier"}
        )
    from yingji.core.services import region_in_scope

    region = region_in_scope(actor, region_code)
    if region.level not in ISSUING_LEVELS:
        raise InvalidInput(
            "审批规则只能设在市或县 / Approval rules are set for the city or a county",
            details={"field": "region"},
        )
    with transaction.atomic():
        rule = ApprovalRule.objects.select_for_update().filter(region=region, level=level).first()
        before = audit.snapshot(rule) if rule else None
        if rule is None:
            rule = ApprovalRule(region=region, level=level)
        rule.approver_tier, rule.updated_at = approver_tier, timezone.now()
        rule.save()
        audit.record(actor, "warning_approval_rule.saved", rule, before=before, after=audit.snapshot(rule))
    return rule


# Drafts -----------------------------------------------------------------------------------------


@dataclass
class DraftInput:
    """What a person fills in for a warning; validated by `_apply_draft`."""

    warning_type: str
    level: str
    headline: str
    description: str
    onset: datetime
    expires: datetime
    instruction: str = ""
    area_description: str = ""
    area_codes: list[str] = field(default_factory=list)
    area_shapes: list[dict[str, Any]] = field(default_factory=list)
    region: str | None = None  # the issuing region's code; the user's own by default


def _problem(field_name: str, message: str) -> InvalidInput:
    return InvalidInput(message, details={"field": field_name})


def _issuing_region(actor: User, code: str | None) -> Region:
    region = actor.region if code is None else Region.objects.filter(code=code).first()
    if region is None or not actor.scope.covers_region(region):
        raise NotFound(f"行政区划 {code} 不存在或不在您的管辖范围 / Region {code} not found in your scope")
    if region.level not in ISSUING_LEVELS:
        raise _problem("region", "预警由市或县发布 / Warnings are issued by the city or a county")
    return region


def _text(value: str, field_name: str, limit: int, *, required: bool) -> str:
    value = (value or "").strip()
    if required and not value:
        raise _problem(field_name, f"{field_name} 不能为空 / {field_name} is required")
    if len(value) > limit:
        raise _problem(field_name, f"{field_name} 超过 {limit} 字 / {field_name} is longer than {limit}")
    return value


def clean_shapes(shapes: Any) -> list[dict[str, Any]]:
    """Area shapes as stored (`geography.areas.clean_shapes`: numbers only, closed, valid); else 400."""
    try:
        return areas.clean_shapes(shapes, max_vertices=MAX_SHAPE_VERTICES, max_radius_km=MAX_CIRCLE_KM)
    except areas.ShapeError as error:
        where = "area_shapes" if error.index is None else f"area_shapes[{error.index}]"
        raise _problem(where, str(error)) from None


def area_tolerance_m() -> float:
    """How far a shape may reach past the issuing region's boundary (WARNINGS_AREA_TOLERANCE_M, 500 m)."""
    return float(getattr(settings, "WARNINGS_AREA_TOLERANCE_M", DEFAULT_AREA_TOLERANCE_M))


def outside_region(field_name: str, message: str, **details: Any) -> InvalidInput:
    """The 400 of an area that reaches past the issuing region (`area_outside_region`)."""
    return InvalidInput(message, code=AREA_OUTSIDE_REGION, details={"field": field_name, **details})


def boundary_of(region: Region) -> dict[str, Any] | None:
    """The region's boundary (GeoJSON), or the union of its counties' where it has none of its own."""
    if region.geometry:
        return region.geometry
    parts = [
        shapely_shape(geometry)
        for geometry in Region.objects.filter(
            path__startswith=region.path, level=regioncodes.COUNTY, geometry__isnull=False
        ).values_list("geometry", flat=True)
    ]
    return mapping(unary_union(parts)) if parts else None


def check_shapes_within(issuer: Region, shapes: list[dict[str, Any]]) -> None:
    """Every shape within the issuing region's boundary, up to the tolerance; else 400 naming the shape.

    A region without any known boundary cannot be checked: targeting still keeps every recipient
    inside it (targeting.py).
    """
    boundary = boundary_of(issuer) if shapes else None
    if boundary is None:
        return
    tolerance = area_tolerance_m()
    for found in containment.beyond(shapes, boundary, tolerance):
        raise outside_region(
            f"area_shapes[{found.index}]",
            f"区域图形超出发布单位辖区（{issuer.name}）约 {found.reach_m / 1000:.1f} 千米，允许误差 "
            f"{tolerance:g} 米 / The shape reaches about {found.reach_m / 1000:.1f} km past the issuing "
            f"region {issuer.code}; {tolerance:g} m are allowed",
            region=issuer.code,
            reach_m=found.reach_m,
            tolerance_m=tolerance,
        )


def _check_area(issuer: Region, codes: list[str], shapes: list[dict[str, Any]]) -> list[str]:
    """The area's region codes, each inside the issuing region, and shapes within it; 400 otherwise."""
    if not isinstance(codes, list) or not all(isinstance(code, str) for code in codes):
        raise _problem("area_codes", "区域代码应为字符串列表 / area_codes must be a list of codes")
    codes = list(dict.fromkeys(code.strip() for code in codes))
    if not codes and not shapes:
        raise _problem("area", "预警区域不能为空 / A warning needs an area: region codes or shapes")
    found = dict(Region.objects.filter(code__in=codes).values_list("code", "path"))
    for code in codes:
        if code not in found:
            raise _problem("area_codes", f"未知的行政区划代码 {code} / Unknown region code {code}")
        if not found[code].startswith(issuer.path):
            raise outside_region(
                "area_codes",
                f"{code} 不在发布单位辖区内 / {code} lies outside the issuing region {issuer.code}",
                region=issuer.code,
            )
    check_shapes_within(issuer, shapes)
    return codes


def _apply_draft(warning: EarlyWarning, data: DraftInput) -> None:
    warning_type = WarningType.objects.filter(code=data.warning_type, active=True).first()
    if warning_type is None:
        raise _problem("warning_type", f"未知的预警类型 {data.warning_type} / Unknown warning type")
    if data.level not in lifecycle.LEVELS:
        raise _problem("level", "级别应为 blue、yellow、orange 或 red / Level is blue, yellow, orange or red")
    if warning_type.levels and data.level not in warning_type.levels:
        raise _problem(
            "level",
            f"{warning_type.name}预警没有该级别 / "
            f"{warning_type.name_en or warning_type.code} has no such level",
        )
    if data.onset.tzinfo is None or data.expires.tzinfo is None:
        raise _problem("onset", "时间须带时区 / Times need a time-zone offset")
    datebounds.require_in_range(data.onset, "onset")
    datebounds.require_in_range(data.expires, "expires")
    if data.expires <= data.onset:
        raise _problem("expires", "失效时间须晚于开始时间 / Expiry must be after onset")
    shapes = clean_shapes(data.area_shapes)
    warning.area_codes = _check_area(warning.region, data.area_codes, shapes)
    warning.area_shapes = shapes
    warning.warning_type, warning.category, warning.level = warning_type, warning_type.category, data.level
    warning.headline = _text(data.headline, "headline", 200, required=True)
    warning.description = _text(data.description, "description", 4000, required=True)
    warning.instruction = _text(data.instruction, "instruction", 4000, required=False)
    warning.area_description = _text(data.area_description, "area_description", 500, required=False)
    warning.onset, warning.expires = data.onset, data.expires


def bureau_of(region: Region) -> Organization | None:
    return Organization.objects.filter(region=region, kind=Organization.BUREAU).order_by("id").first()


@transaction.atomic
def create_draft(actor: User, data: DraftInput) -> EarlyWarning:
    require(may_draft(actor))
    region = _issuing_region(actor, data.region)
    warning = EarlyWarning(region=region, organization=bureau_of(region), created_by=actor)
    _apply_draft(warning, data)
    warning.save()
    warning.series = warning
    warning.save(update_fields=["series"])
    audit.record(actor, "warning.drafted", warning, after=audit.snapshot(warning))
    return warning


def _locked(actor: User, warning_id: int) -> EarlyWarning:
    return (
        EarlyWarning.objects.select_for_update()
        .select_related("region", "warning_type")
        .get_visible_or_404(actor, pk=warning_id)
    )


@transaction.atomic
def edit_draft(actor: User, warning_id: int, data: DraftInput) -> EarlyWarning:
    require(may_draft(actor))
    warning = _locked(actor, warning_id)
    if warning.status not in lifecycle.EDITABLE:
        raise Conflict("只有草稿可以修改 / Only a draft can be edited")
    if warning.source == EarlyWarning.IMPORTED:
        raise Conflict(
            "外部导入的预警按原消息发布或作废，不能修改 / An imported message is published or discarded "
            "as received, never edited"
        )
    if data.region not in (None, warning.region_id):
        raise _problem("region", "草稿的发布单位不能更改 / A draft's issuing region cannot change")
    before = audit.snapshot(warning)
    _apply_draft(warning, data)
    warning.save()
    audit.record(actor, "warning.edited", warning, before=before, after=audit.snapshot(warning))
    return warning


# The approval round ----------------------------------------------------------------------------


def _next(warning: EarlyWarning, action: str) -> str:
    """The status `action` leads to from the warning's, or a 409 naming both."""
    try:
        return lifecycle.next_status(action, warning.status)
    except lifecycle.TransitionError:
        raise Conflict(
            f"当前状态（{warning.get_status_display()}）不能执行该操作 / "
            f"{action} is not possible while the warning is {warning.status}",
            details={"status": warning.status, "action": action},
        ) from None


def _step(warning: EarlyWarning, action: str) -> None:
    warning.status = _next(warning, action)


@transaction.atomic
def submit(actor: User, warning_id: int) -> EarlyWarning:
    require(may_draft(actor))
    warning = _locked(actor, warning_id)
    before = audit.snapshot(warning)
    _step(warning, lifecycle.SUBMIT)
    warning.submitted_at, warning.submitted_by, warning.note = timezone.now(), actor, ""
    warning.save()
    audit.record(actor, "warning.submitted", warning, before=before, after=audit.snapshot(warning))
    jobs.tasks_done(warning, REVISE_TASK, CHECK_DRAFT_TASK)
    tell_approvers(warning)
    return warning


def approvers_of(warning: EarlyWarning) -> Any:
    """Whose approval the warning waits for: the county's administrators or the city's, by its tier."""
    if approver_tier_for(warning) == lifecycle.COUNTY:
        return jobs.users_with_role_at(roles.COUNTY_ADMIN, warning.region)
    city = warning.region.ancestor_at("city") or warning.region
    return jobs.users_with_role_at(roles.CITY_ADMIN, city)


def awaiting_approval_by(user: Any, warnings: Any) -> Any:
    """Those of `warnings` that wait for `user`'s approval: submitted or approved, and the user among
    their approvers (`approvers_of`, who also have them on their to-do lists)."""
    waiting = warnings.filter(status__in=(EarlyWarning.SUBMITTED, EarlyWarning.APPROVED))
    if not _active(user) or user.role not in APPROVER_ROLES:
        return waiting.none()
    mine = []
    for region_id, level in set(waiting.values_list("region_id", "level")):
        sample = EarlyWarning(region=Region.objects.get(pk=region_id), level=level)
        if approvers_of(sample).filter(pk=user.pk).exists():
            mine.append(Q(region_id=region_id, level=level))
    return waiting.filter(reduce(operator.or_, mine)) if mine else waiting.none()


@jobs.todo_task(APPROVE_TASK)
def _awaits_approval(warning: EarlyWarning) -> bool:
    return warning.status in (EarlyWarning.SUBMITTED, EarlyWarning.APPROVED)


@jobs.todo_task(REVISE_TASK)
@jobs.todo_task(CHECK_DRAFT_TASK)
def _is_a_draft(warning: EarlyWarning) -> bool:
    return warning.status == EarlyWarning.DRAFT


def told_to_approve(warning: EarlyWarning) -> list[User]:
    """Whom the warning's approval is put to: those of its approvers on shift at the approving bureau's
    duty room now (the leader on duty, 带班领导), else all of them (core.jobs.on_duty_or_role)."""
    if approver_tier_for(warning) == lifecycle.COUNTY:
        region, role = warning.region, roles.COUNTY_ADMIN
    else:
        region, role = warning.region.ancestor_at("city") or warning.region, roles.CITY_ADMIN
    return jobs.on_duty_or_role(region, (role,), on_shift_roles=(role,))


def tell_approvers(warning: EarlyWarning) -> None:
    """Put the warning on the to-do lists of its approvers on duty until it is published, returned or
    cancelled."""
    jobs.notify(
        told_to_approve(warning),
        f"待审批预警：{warning.headline}",
        body=f"{warning.region.name} {warning.get_level_display()}",
        link=f"/warnings/{warning.pk}/",
        about=warning,
        task=APPROVE_TASK,
    )


@transaction.atomic
def return_to_draft(actor: User, warning_id: int, note: str) -> EarlyWarning:
    warning = _locked(actor, warning_id)
    require(may_approve(actor, warning))
    note = _text(note, "note", 1000, required=True)
    before = audit.snapshot(warning)
    _step(warning, lifecycle.RETURN)
    warning.note = note
    warning.save()
    audit.record(actor, "warning.returned", warning, before=before, after=audit.snapshot(warning))
    jobs.tasks_done(warning, APPROVE_TASK)
    if warning.submitted_by_id:
        jobs.notify(
            User.objects.filter(pk=warning.submitted_by_id),
            f"预警被退回：{warning.headline}",
            body=note,
            link=f"/warnings/{warning.pk}/",
            about=warning,
            task=REVISE_TASK,
        )
    return warning


@transaction.atomic
def approve(actor: User, warning_id: int) -> EarlyWarning:
    warning = _locked(actor, warning_id)
    require(may_approve(actor, warning))
    before = audit.snapshot(warning)
    _step(warning, lifecycle.APPROVE)
    warning.approved_at, warning.approved_by = timezone.now(), actor
    warning.save()
    audit.record(actor, "warning.approved", warning, before=before, after=audit.snapshot(warning))
    return warning


@transaction.atomic
def publish(actor: User, warning_id: int, *, now: datetime | None = None) -> EarlyWarning:
    """Approve (if not yet) and publish: identifier, CAP message, deliveries, expiry."""
    now = now or timezone.now()
    warning = _locked(actor, warning_id)
    require(may_approve(actor, warning))
    if warning.expires <= now:
        raise Conflict("预警已过失效时间，请修改后再发布 / The warning's expiry has passed; edit it first")
    before = audit.snapshot(warning)
    _next(warning, lifecycle.PUBLISH)  # from submitted (approve and publish at once) or approved
    if warning.approved_at is None:
        warning.approved_at, warning.approved_by = now, actor
    make_live(warning, actor, now, before=before)
    return warning


def make_live(
    warning: EarlyWarning, actor: Any, now: datetime, *, before: dict[str, Any] | None = None
) -> int:
    """Put a version on air inside the caller's transaction; returns the number of deliveries queued.

    Own warnings get their identifier and CAP message here; imported ones keep theirs. The version it
    supersedes ends (updated, or cancelled for a Cancel), a Cancel itself is on record as cancelled, and
    anything else is published with its expiry scheduled.
    """
    from yingji.warnings import fanout
    from yingji.warnings.cap import alerts

    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("make_live() must run inside the caller's transaction")
    previous = warning.supersedes
    if previous is not None:
        if previous.status != EarlyWarning.PUBLISHED:
            raise Conflict(
                "被更新或解除的预警已不在发布中 / The version being replaced is no longer published",
                details={"supersedes": previous.pk, "status": previous.status},
            )
        ended = EarlyWarning.CANCELLED if warning.msg_type == EarlyWarning.CANCEL else EarlyWarning.UPDATED
        previous_before = audit.snapshot(previous)
        previous.status, previous.ended_at = ended, now
        previous.save(update_fields=["status", "ended_at"])
        jobs.cancel(EXPIRE, previous)
        # Messages of the old version still waiting are withdrawn: the new version goes to the same area.
        outbox.withdraw(previous, f"withdrawn: superseded by version {warning.version}")
        audit.record(
            actor, f"warning.{ended}", previous, before=previous_before, after=audit.snapshot(previous)
        )
    warning.published_at, warning.published_by = now, actor if isinstance(actor, User) else None
    if warning.msg_type == EarlyWarning.CANCEL:
        warning.status, warning.ended_at = EarlyWarning.CANCELLED, now
    else:
        warning.status = EarlyWarning.PUBLISHED
    if warning.source != EarlyWarning.IMPORTED:
        alerts.assign_identifier(warning, now)
        warning.save()
        warning.cap_xml = alerts.render(warning).decode()
    warning.save()
    queued = fanout.fan_out(warning, now)
    if warning.status == EarlyWarning.PUBLISHED:
        jobs.schedule(EXPIRE, warning, warning.expires)
    after = audit.snapshot(warning) | {"deliveries_queued": queued}
    audit.record(actor, "warning.published", warning, before=before, after=after)
    jobs.tasks_done(warning, at=now)
    return queued


# Updates and cancellation -----------------------------------------------------------------------


def _has_open_successor(warning: EarlyWarning) -> bool:
    return warning.successors.filter(
        status__in=(EarlyWarning.DRAFT, EarlyWarning.SUBMITTED, EarlyWarning.APPROVED)
    ).exists()


def _next_version(warning: EarlyWarning, msg_type: str, actor: User) -> EarlyWarning:
    copied = {name: getattr(warning, name) for name in DRAFT_FIELDS}
    return EarlyWarning(
        **copied,
        msg_type=msg_type,
        supersedes=warning,
        series_id=warning.series_id or warning.pk,
        version=warning.version + 1,
        category=warning.category,
        region=warning.region,
        organization=warning.organization,
        source=EarlyWarning.MANUAL if warning.source != EarlyWarning.IMPORTED else EarlyWarning.IMPORTED,
        sender=warning.sender,
        created_by=actor,
    )


@transaction.atomic
def start_update(actor: User, warning_id: int) -> EarlyWarning:
    """A new draft version of a published warning; publishing it ends the current one as updated."""
    warning = _locked(actor, warning_id)
    require(may_approve(actor, warning))
    if warning.status != EarlyWarning.PUBLISHED:
        raise Conflict("只有发布中的预警可以更新 / Only a published warning can be updated")
    if warning.source == EarlyWarning.IMPORTED:
        raise Conflict("外部导入的预警由原发布单位更新 / An imported warning is updated by its issuer")
    if _has_open_successor(warning):
        raise Conflict("该预警已有待发布的更新 / An update of this warning is already being prepared")
    draft = _next_version(warning, EarlyWarning.UPDATE, actor)
    draft.source = EarlyWarning.MANUAL
    draft.save()
    audit.record(actor, "warning.update_started", draft, after=audit.snapshot(draft))
    return draft


@transaction.atomic
def cancel(actor: User, warning_id: int, note: str = "", *, now: datetime | None = None) -> EarlyWarning:
    """Lift a published warning (a Cancel version goes out), or discard one not yet published."""
    now = now or timezone.now()
    warning = _locked(actor, warning_id)
    if warning.status == EarlyWarning.PUBLISHED:
        require(may_approve(actor, warning))
        if warning.source == EarlyWarning.IMPORTED:
            raise Conflict("外部导入的预警由原发布单位解除 / An imported warning is cancelled by its issuer")
        note = _text(note, "note", 1000, required=False)
        for pending in warning.successors.filter(
            status__in=(EarlyWarning.DRAFT, EarlyWarning.SUBMITTED, EarlyWarning.APPROVED)
        ):
            _discard(actor, pending, "预警已解除 / The warning was cancelled", now)
        lifted = _next_version(warning, EarlyWarning.CANCEL, actor)
        lifted.headline = f"解除{warning.headline}"[:200]
        lifted.note = note
        lifted.approved_at, lifted.approved_by = now, actor
        lifted.save()
        make_live(lifted, actor, now)
        return lifted
    require(may_draft(actor) if warning.status == EarlyWarning.DRAFT else may_approve(actor, warning))
    _discard(actor, warning, _text(note, "note", 1000, required=False), now)
    return warning


def _discard(actor: Any, warning: EarlyWarning, note: str, now: datetime) -> None:
    before = audit.snapshot(warning)
    _step(warning, lifecycle.CANCEL)
    warning.ended_at, warning.note = now, note
    warning.save()
    audit.record(actor, "warning.discarded", warning, before=before, after=audit.snapshot(warning))
    jobs.tasks_done(warning, at=now)


@jobs.deadline_handler(EXPIRE)
def expire(deadline: Any, now: datetime) -> None:
    """A published warning reaching its expiry ends on its own (worker, `yingji run-due --now`)."""
    warning = EarlyWarning.objects.select_for_update().filter(pk=deadline.object_id).first()
    if warning is None or warning.status != EarlyWarning.PUBLISHED:
        return
    if warning.expires > now:  # moved later since the deadline was written
        jobs.schedule(EXPIRE, warning, warning.expires)
        return
    before = audit.snapshot(warning)
    warning.status, warning.ended_at = EarlyWarning.EXPIRED, now
    warning.save(update_fields=["status", "ended_at"])
    audit.record("system", "warning.expired", warning, before=before, after=audit.snapshot(warning))


def find_visible(user: User, warning_id: int) -> EarlyWarning:
    """A warning the user may see, or NotFound."""
    return EarlyWarning.objects.select_related("region", "warning_type").get_visible_or_404(
        user, pk=warning_id
    )
