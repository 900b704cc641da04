"""Operations on the major-hazard register: each checks permission and scope, runs in one transaction, audits.

An enterprise's safety officer keeps its own installations, units and inventories; county and city
administrators do the same for every enterprise in their scope and alone record filings (备案).
Every change to an inventory, a unit or the exposed population recomputes the installation with
GB 18218-2018 in the same transaction; a substance the standard cannot place is a 400 and nothing
is written.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from yingji.core import audit, jobs, regioncodes, roles
from yingji.core.errors import Forbidden, InvalidInput
from yingji.core.models import Deadline, User
from yingji.core.services import require_permission, save_or_conflict, validate_model
from yingji.enterprises.models import Enterprise
from yingji.enterprises.services import may_edit, officers_of
from yingji.geography import coordinates
from yingji.majorhazards import gb18218
from yingji.majorhazards.models import (
    FILED,
    REVIEW_DUE,
    UNIT_KIND_CHOICES,
    Installation,
    Inventory,
    Unit,
)

# Filings are the regulator's act: the administrators who manage organizations record them.
RECORD_FILINGS = roles.MANAGE_ORGANIZATIONS
# Everyone who works with the register; grassroots disaster reporters do not.
VIEW_ROLES = roles.ENTERPRISE_SUPERVISION
REVIEW_DUE_KIND = "majorhazards.review_due"
# The to-do (core.jobs) of a filing due for review: assess again and record the new filing.
REFILE_TASK = "majorhazards.refile"
# How long before the review date the filing turns "待复核" and people are told.
REVIEW_NOTICE = timedelta(days=30)
LOCAL_TIME = ZoneInfo("Asia/Shanghai")

INSTALLATION_FIELDS = ("name", "exposed_population", "longitude", "latitude")
UNIT_FIELDS = ("name", "kind")
INVENTORY_FIELDS = ("name", "cas", "category", "quantity_t")


def may_view(user: Any) -> bool:
    """Whether the user's role works with the register at all (its records are still scoped)."""
    return bool(getattr(user, "is_authenticated", False)) and user.is_active and user.role in VIEW_ROLES


def require_view(user: User) -> None:
    if not may_view(user):
        raise Forbidden()


def may_record_filing(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and user.has_role_permission(RECORD_FILINGS)


# Installations ---------------------------------------------------------------------------------


@transaction.atomic
def create_installation(actor: User, *, enterprise_id: int, **fields: Any) -> Installation:
    enterprise = Enterprise.objects.get_visible_or_404(actor, pk=enterprise_id)
    if not may_edit(actor, enterprise):
        raise Forbidden()
    installation = Installation(enterprise=enterprise, **_only(fields, INSTALLATION_FIELDS))
    installation.name = installation.name.strip()
    coordinates.check_location(installation.longitude, installation.latitude)
    validate_model(installation)
    save_or_conflict(installation)
    audit.record(actor, "major_hazard.created", installation, after=audit.snapshot(installation))
    recompute(actor, installation)
    return installation


@transaction.atomic
def update_installation(actor: User, installation_id: int, **changes: Any) -> Installation:
    installation = _editable_installation(actor, installation_id)
    before = audit.snapshot(installation)
    for name in INSTALLATION_FIELDS:
        if name in changes and (changes[name] is not None or name in ("longitude", "latitude")):
            setattr(installation, name, changes[name])
    installation.name = installation.name.strip()
    coordinates.check_location(installation.longitude, installation.latitude)
    validate_model(installation)
    save_or_conflict(installation)
    audit.record(
        actor, "major_hazard.updated", installation, before=before, after=audit.snapshot(installation)
    )
    if installation.exposed_population != before["exposed_population"]:
        recompute(actor, installation)
    return installation


@transaction.atomic
def record_filing(
    actor: User, installation_id: int, *, filed_on: date, filing_number: str, review_due_on: date
) -> Installation:
    """Record the filing (备案) with the regulator and schedule the notice before its review date."""
    require_permission(actor, RECORD_FILINGS)
    Installation.objects.get_visible_or_404(actor, pk=installation_id)
    installation = _lock(installation_id)
    if not installation.is_major:
        raise InvalidInput(
            "该设施未构成重大危险源，无需备案 / The installation is not a major hazard; nothing to file",
            details={"field": "installation"},
        )
    filing_number = filing_number.strip()
    if not filing_number:
        raise InvalidInput(
            "备案编号不能为空 / The filing number is required", details={"field": "filing_number"}
        )
    if review_due_on <= filed_on:
        raise InvalidInput(
            "复核日期须晚于备案日期 / The review date must follow the filing date",
            details={"field": "review_due_on"},
        )
    before = audit.snapshot(installation)
    installation.filed_on, installation.filing_number = filed_on, filing_number
    installation.review_due_on = review_due_on
    installation.filing_status = FILED
    validate_model(installation)
    save_or_conflict(installation)
    schedule_review_notice(installation)
    audit.record(actor, "major_hazard.filed", installation, before=before, after=audit.snapshot(installation))
    jobs.tasks_done(installation, REFILE_TASK)
    return installation


@jobs.todo_task(REFILE_TASK)
def _awaits_new_filing(installation: Installation) -> bool:
    return installation.is_major and installation.filing_status == REVIEW_DUE


def review_notice_at(review_due_on: date) -> datetime:
    """When a filing turns 待复核: REVIEW_NOTICE before the review date, at midnight in Shanghai."""
    return datetime.combine(review_due_on - REVIEW_NOTICE, time(0, 0), tzinfo=LOCAL_TIME)


def schedule_review_notice(installation: Installation) -> Deadline:
    assert installation.review_due_on is not None
    return jobs.schedule(
        REVIEW_DUE_KIND,
        installation,
        review_notice_at(installation.review_due_on),
        review_due_on=installation.review_due_on.isoformat(),
    )


@jobs.deadline_handler(REVIEW_DUE_KIND)
def on_review_due(deadline: Deadline, now: datetime) -> None:
    """Mark the filing 待复核 and tell the enterprise's officers and the county administrators."""
    installation = (
        Installation.objects.select_for_update()
        .select_related("enterprise", "enterprise__region")
        .filter(pk=deadline.object_id)
        .first()
    )
    if installation is None or installation.filing_status != FILED:
        return
    if installation.review_due_on is None or installation.review_due_on.isoformat() != deadline.payload.get(
        "review_due_on"
    ):
        return  # a newer filing has its own deadline
    before = audit.snapshot(installation)
    installation.filing_status = REVIEW_DUE
    installation.save(update_fields=["filing_status", "updated_at"])
    audit.record(
        None, "major_hazard.review_due", installation, before=before, after=audit.snapshot(installation)
    )
    tell_review_due(installation)


def tell_review_due(installation: Installation) -> int:
    """The to-do of the enterprise's officers and the county administrators: assess again and re-file."""
    assert installation.review_due_on is not None
    enterprise = installation.enterprise
    subject = f"重大危险源备案复核将到期：{enterprise.name} {installation.name}"
    body = (
        f"{enterprise.name}“{installation.name}”的备案（编号 {installation.filing_number}）"
        f"复核日期为 {installation.review_due_on:%Y-%m-%d}，请及时组织安全评估并重新备案。"
    )
    recipients = list(officers_of(enterprise))
    county = enterprise.region.ancestor_at(regioncodes.COUNTY)
    if county is not None:
        recipients += list(jobs.users_with_role_at(roles.COUNTY_ADMIN, county))
    link = reverse("majorhazards:detail", args=[installation.pk])
    return jobs.notify(recipients, subject, body=body, link=link, about=installation, task=REFILE_TASK)


# Units -----------------------------------------------------------------------------------------


@transaction.atomic
def add_unit(
    actor: User,
    installation_id: int,
    *,
    name: str,
    kind: str,
    inventories: list[dict[str, Any]] | None = None,
) -> Unit:
    installation = _editable_installation(actor, installation_id)
    unit = Unit(installation=installation, name=name.strip(), kind=kind)
    _check_kind(kind)
    validate_model(unit)
    save_or_conflict(unit)
    audit.record(actor, "major_hazard_unit.created", unit, after=audit.snapshot(unit))
    for line in inventories or []:
        _create_inventory(actor, unit, line)
    recompute(actor, installation)
    unit.refresh_from_db()
    return unit


@transaction.atomic
def update_unit(actor: User, unit_id: int, **changes: Any) -> Unit:
    unit = Unit.objects.get_visible_or_404(actor, pk=unit_id)
    installation = _editable_installation(actor, unit.installation_id)
    unit = Unit.objects.get(pk=unit_id)
    before = audit.snapshot(unit)
    for name in UNIT_FIELDS:
        if changes.get(name) is not None:
            setattr(unit, name, changes[name].strip() if name == "name" else changes[name])
    _check_kind(unit.kind)
    validate_model(unit)
    save_or_conflict(unit)
    audit.record(actor, "major_hazard_unit.updated", unit, before=before, after=audit.snapshot(unit))
    recompute(actor, installation)
    unit.refresh_from_db()
    return unit


@transaction.atomic
def remove_unit(actor: User, unit_id: int) -> Installation:
    """Delete a unit with its inventory lines; answers the recomputed installation."""
    unit = Unit.objects.get_visible_or_404(actor, pk=unit_id)
    installation = _editable_installation(actor, unit.installation_id)
    audit.record(actor, "major_hazard_unit.deleted", unit, before=audit.snapshot(unit))
    unit.delete()
    recompute(actor, installation)
    return installation


# Inventories -----------------------------------------------------------------------------------


@transaction.atomic
def add_inventory(actor: User, unit_id: int, **fields: Any) -> Inventory:
    unit = Unit.objects.get_visible_or_404(actor, pk=unit_id)
    installation = _editable_installation(actor, unit.installation_id)
    inventory = _create_inventory(actor, unit, fields)
    recompute(actor, installation)
    inventory.refresh_from_db()
    return inventory


@transaction.atomic
def update_inventory(actor: User, inventory_id: int, **changes: Any) -> Inventory:
    inventory = Inventory.objects.select_related("unit").get_visible_or_404(actor, pk=inventory_id)
    installation = _editable_installation(actor, inventory.unit.installation_id)
    inventory = Inventory.objects.get(pk=inventory_id)
    before = audit.snapshot(inventory)
    for name in INVENTORY_FIELDS:
        if name in changes and (changes[name] is not None or name != "quantity_t"):
            setattr(inventory, name, changes[name])
    _clean_inventory(inventory)
    audit.record(
        actor, "major_hazard_inventory.updated", inventory, before=before, after=audit.snapshot(inventory)
    )
    recompute(actor, installation)
    inventory.refresh_from_db()
    return inventory


@transaction.atomic
def remove_inventory(actor: User, inventory_id: int) -> Installation:
    """Delete an inventory line; answers the recomputed installation."""
    inventory = Inventory.objects.select_related("unit").get_visible_or_404(actor, pk=inventory_id)
    installation = _editable_installation(actor, inventory.unit.installation_id)
    audit.record(actor, "major_hazard_inventory.deleted", inventory, before=audit.snapshot(inventory))
    inventory.delete()
    recompute(actor, installation)
    return installation


def _create_inventory(actor: User | str, unit: Unit, fields: dict[str, Any]) -> Inventory:
    inventory = Inventory(unit=unit, **_only(fields, INVENTORY_FIELDS))
    _clean_inventory(inventory)
    audit.record(actor, "major_hazard_inventory.created", inventory, after=audit.snapshot(inventory))
    return inventory


def _clean_inventory(inventory: Inventory) -> None:
    inventory.name = (inventory.name or "").strip()
    inventory.cas = (inventory.cas or "").strip()
    inventory.category = (inventory.category or "").strip().upper()
    if not (inventory.name or inventory.cas or inventory.category):
        raise InvalidInput(
            "请填写物质名称、CAS号或危险性类别 / Give the substance's name, CAS number or hazard category",
            details={"field": "name"},
        )
    validate_model(inventory)
    save_or_conflict(inventory)


# Recomputation ---------------------------------------------------------------------------------


def recompute(actor: User | str | None, installation: Installation) -> Installation:
    """Identify and grade every unit with GB 18218-2018 and store the figures; caller holds the transaction.

    A substance the standard cannot place raises InvalidInput, which rolls back the caller's change.
    The computed figures' before and after are audited when they change.
    """
    units = list(
        Unit.objects.filter(installation=installation).prefetch_related("inventories").order_by("id")
    )
    before = _figures(installation, units)
    filled = [unit for unit in units if unit.inventories.all()]
    results: dict[int, gb18218.UnitResult] = {}
    if filled:
        inputs = [
            gb18218.UnitInput(
                name=unit.name,
                kind=unit.kind,
                substances=[
                    gb18218.SubstanceInput(
                        name=line.name or None,
                        cas=line.cas or None,
                        category=line.category or None,
                        quantity_t=line.quantity_t,
                    )
                    for line in unit.inventories.all()
                ],
            )
            for unit in filled
        ]
        try:
            computed = gb18218.identify_installation(inputs, installation.exposed_population)
        except gb18218.GB18218Error as error:
            details = {
                key: value for key, value in (("unit", error.unit), ("substance", error.substance)) if value
            }
            raise InvalidInput(error.message, code="invalid_substance", details=details) from None
        results = {unit.pk: result for unit, result in zip(filled, computed, strict=True)}

    lines: list[Inventory] = []
    for unit in units:
        result = results.get(unit.pk)
        unit.s = gb18218.report_value(result.s) if result else 0.0
        unit.is_major = bool(result and result.is_major)
        unit.r = gb18218.report_value(result.r) if result and result.r is not None else None
        unit.level = result.level if result else None
        for line, detail in zip(unit.inventories.all(), result.substances if result else (), strict=False):
            line.table1_no = detail.table1_no
            line.resolved_category = detail.category
            line.critical_t = float(detail.critical_t)
            line.beta = float(detail.beta)
            line.ratio = float(detail.ratio)
            lines.append(line)
    Unit.objects.bulk_update(units, ["s", "is_major", "r", "level"])
    Inventory.objects.bulk_update(lines, ["table1_no", "resolved_category", "critical_t", "beta", "ratio"])

    majors = [unit for unit in units if unit.is_major]
    installation.unit_count = len(units)
    installation.is_major = bool(majors)
    installation.level = min((unit.level for unit in majors if unit.level), default=None)
    installation.max_s = max((unit.s for unit in units), default=0.0)
    installation.max_r = max((unit.r for unit in majors if unit.r is not None), default=None)
    installation.computed_at = timezone.now()
    installation.save(
        update_fields=["unit_count", "is_major", "level", "max_s", "max_r", "computed_at", "updated_at"]
    )
    after = _figures(installation, units)
    if after != before:
        audit.record(actor, "major_hazard.recomputed", installation, before=before, after=after)
    if not installation.is_major:  # below the thresholds now: there is nothing to file
        jobs.tasks_done(installation, REFILE_TASK)
    return installation


def _figures(installation: Installation, units: list[Unit]) -> dict[str, Any]:
    """The computed figures of an installation and its units, as the audit log keeps them."""
    return {
        "is_major": installation.is_major,
        "level": installation.level,
        "max_s": installation.max_s,
        "max_r": installation.max_r,
        "unit_count": installation.unit_count,
        "units": {
            str(unit.pk): {"s": unit.s, "is_major": unit.is_major, "r": unit.r, "level": unit.level}
            for unit in units
        },
    }


# Helpers ---------------------------------------------------------------------------------------


def _lock(installation_id: int) -> Installation:
    """The installation row, locked so that concurrent changes recompute one after the other."""
    return Installation.objects.select_for_update().select_related("enterprise").get(pk=installation_id)


def _editable_installation(actor: User, installation_id: int) -> Installation:
    installation = Installation.objects.select_related("enterprise").get_visible_or_404(
        actor, pk=installation_id
    )
    if not may_edit(actor, installation.enterprise):
        raise Forbidden()
    return _lock(installation_id)


def may_edit_installation(actor: Any, installation: Installation) -> bool:
    return bool(getattr(actor, "is_authenticated", False)) and may_edit(actor, installation.enterprise)


def _check_kind(kind: str) -> None:
    if kind not in dict(UNIT_KIND_CHOICES):
        raise InvalidInput(
            "单元类型应为 production（生产单元）或 storage（储存单元） / "
            "The kind must be production or storage",
            details={"field": "kind"},
        )


def _only(values: dict[str, Any], allowed: tuple[str, ...]) -> dict[str, Any]:
    return {key: value for key, value in values.items() if key in allowed and value is not None}
