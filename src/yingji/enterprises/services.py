"""Operations on the enterprise register: each checks permission and scope, runs in one transaction, audits.

Administrators (city, county) register enterprises inside their region; an enterprise's safety
officer keeps its contacts and licences up to date but cannot move it or change its identity.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db import transaction

from yingji.core import audit, roles
from yingji.core.errors import Conflict, Forbidden, InvalidInput
from yingji.core.models import Organization, User
from yingji.core.services import region_in_scope, require_permission, save_or_conflict, validate_model
from yingji.enterprises.gb32100 import InvalidCreditCode, validate_credit_code
from yingji.enterprises.models import Enterprise, Licence
from yingji.geography import coordinates

MANAGE_ENTERPRISES = roles.MANAGE_ORGANIZATIONS
IDENTITY_FIELDS = ("name", "credit_code", "industry", "region_code")
DETAIL_FIELDS = (
    "scale", "status", "address", "longitude", "latitude", "legal_representative",
    "legal_representative_phone", "safety_officer", "safety_officer_phone", "employees",
)  # fmt: skip
LICENCE_FIELDS = ("kind", "number", "issuer", "issued_on", "expires_on")


def normalized_credit_code(code: str) -> str:
    """The code in canonical form, or a 400 naming what is wrong with it (GB 32100-2015)."""
    try:
        return validate_credit_code(code).code
    except InvalidCreditCode as error:
        raise InvalidInput(str(error), code="invalid_credit_code", details={"field": "credit_code"}) from None


def officers_of(enterprise: Enterprise) -> Any:
    """The active safety officers of an enterprise, who are told about its risks, hazards and filings."""
    return User.objects.filter(
        role=roles.ENTERPRISE_OFFICER, organization_id=enterprise.organization_id, is_active=True
    )


def may_edit(actor: User, enterprise: Enterprise) -> bool:
    """Administrators edit every enterprise they can see; an officer edits only their own."""
    if actor.has_role_permission(MANAGE_ENTERPRISES):
        return True
    return actor.role == roles.ENTERPRISE_OFFICER and actor.organization_id == enterprise.organization_id


def prepare_enterprise(
    actor: User, *, name: str, credit_code: str, industry: str, region_code: str, **details: Any
) -> Enterprise:
    """An unsaved, validated enterprise (shared by the form, the API and the Excel import)."""
    region = region_in_scope(actor, region_code)
    if region.level not in ("county", "township", "village"):
        raise InvalidInput(
            "企业须登记到县或乡镇 / An enterprise belongs to a county or township",
            details={"field": "region_code"},
        )
    enterprise = Enterprise(
        name=name.strip(),
        credit_code=normalized_credit_code(credit_code),
        industry=industry,
        region=region,
        **{k: v for k, v in details.items() if k in DETAIL_FIELDS and v is not None},
    )
    coordinates.check_location(enterprise.longitude, enterprise.latitude)
    _check_code_is_new(enterprise.credit_code)
    validate_model(enterprise, exclude=["organization"])
    return enterprise


def _check_code_is_new(credit_code: str) -> None:
    if Enterprise.objects.filter(credit_code=credit_code).exists():
        raise Conflict(
            "该统一社会信用代码已登记 / This credit code is already registered",
            details={"field": "credit_code"},
        )


def save_new_enterprise(actor: User, enterprise: Enterprise) -> Enterprise:
    """Create the enterprise's organization and the enterprise, audited, in the caller's transaction."""
    _check_code_is_new(enterprise.credit_code)
    organization = Organization(
        name=enterprise.name,
        kind=Organization.ENTERPRISE,
        region=enterprise.region,
        phone=enterprise.safety_officer_phone,
        address=enterprise.address,
    )
    validate_model(organization)
    save_or_conflict(organization)
    enterprise.organization = organization
    save_or_conflict(enterprise)
    audit.record(actor, "enterprise.created", enterprise, after=audit.snapshot(enterprise))
    return enterprise


@transaction.atomic
def create_enterprise(actor: User, **fields: Any) -> Enterprise:
    require_permission(actor, MANAGE_ENTERPRISES)
    return save_new_enterprise(actor, prepare_enterprise(actor, **fields))


@transaction.atomic
def update_enterprise(actor: User, enterprise_id: int, **changes: Any) -> Enterprise:
    enterprise = Enterprise.objects.select_for_update().get_visible_or_404(actor, pk=enterprise_id)
    if not may_edit(actor, enterprise):
        raise Forbidden()
    identity = {key: value for key, value in changes.items() if key in IDENTITY_FIELDS and value is not None}
    if identity and not actor.has_role_permission(MANAGE_ENTERPRISES):
        raise Forbidden("企业名称、代码、行业、区划由监管部门变更 / Only the regulator changes these fields")
    before = audit.snapshot(enterprise)
    if "credit_code" in identity:
        enterprise.credit_code = normalized_credit_code(identity["credit_code"])
    if "region_code" in identity:
        enterprise.region = region_in_scope(actor, identity["region_code"])
    for key in ("name", "industry"):
        if key in identity:
            setattr(enterprise, key, identity[key])
    for key in DETAIL_FIELDS:
        if key in changes and changes[key] is not None:
            setattr(enterprise, key, changes[key])
    coordinates.check_location(enterprise.longitude, enterprise.latitude)
    validate_model(enterprise)
    save_or_conflict(enterprise)
    organization = enterprise.organization
    organization.name, organization.region = enterprise.name, enterprise.region
    save_or_conflict(organization)
    audit.record(actor, "enterprise.updated", enterprise, before=before, after=audit.snapshot(enterprise))
    return enterprise


@transaction.atomic
def add_licence(actor: User, enterprise_id: int, **fields: Any) -> Licence:
    enterprise = Enterprise.objects.get_visible_or_404(actor, pk=enterprise_id)
    if not may_edit(actor, enterprise):
        raise Forbidden()
    licence = Licence(enterprise=enterprise, **{k: v for k, v in fields.items() if k in LICENCE_FIELDS})
    _check_licence_dates(licence)
    validate_model(licence)
    save_or_conflict(licence)
    audit.record(actor, "licence.created", licence, after=audit.snapshot(licence))
    return licence


@transaction.atomic
def remove_licence(actor: User, licence_id: int) -> Licence:
    licence = Licence.objects.select_related("enterprise").get_visible_or_404(actor, pk=licence_id)
    if not may_edit(actor, licence.enterprise):
        raise Forbidden()
    before = audit.snapshot(licence)
    audit.record(actor, "licence.deleted", licence, before=before)
    licence.delete()
    return licence


def _check_licence_dates(licence: Licence) -> None:
    if licence.issued_on and licence.expires_on and licence.expires_on < licence.issued_on:
        raise InvalidInput("有效期早于发证日期 / Expiry precedes issue", details={"field": "expires_on"})


def expiring_licences(actor: User, today: date, within_days: int = 90) -> Any:
    """Licences the actor may see that expire within `within_days` (or have expired)."""
    from datetime import timedelta

    return (
        Licence.objects.visible_to(actor)
        .filter(expires_on__lte=today + timedelta(days=within_days))
        .select_related("enterprise")
    )
