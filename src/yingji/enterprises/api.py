"""Enterprise register API: list, detail, register, update, licences, and the Excel ledger."""

from datetime import date, datetime
from typing import Any, Literal

from django.http import HttpRequest, HttpResponse
from ninja import Field, File, Query, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate

from yingji.core import spreadsheets
from yingji.core.api_common import AUTH, BoundedDate, Page, current_user, id_path, region_filter, responses
from yingji.core.errors import InvalidInput
from yingji.enterprises import ledger, services
from yingji.enterprises.models import Enterprise, Licence
from yingji.geography.coordinates import Latitude, Longitude

router = Router(auth=AUTH, tags=["enterprises"])

Industry = Literal[
    "coal_mine", "non_coal_mine", "hazardous_chemicals", "fireworks", "industry_trade", "construction",
    "road_transport", "gas", "other",
]  # fmt: skip
Scale = Literal["large", "medium", "small", "micro"]
OperatingStatus = Literal["operating", "suspended", "closed"]
LicenceKind = Literal[
    "safety_production", "hazardous_chemicals_operation", "hazardous_chemicals_use", "mining",
    "fireworks_operation", "construction", "road_transport", "gas_operation", "other",
]  # fmt: skip
MAX_UPLOAD_BYTES = 5 * 1024 * 1024
# A body the scope walk (tests/test_scope_walk.py) may post to routes that need one.
WALK_BODIES = {
    ("POST", "/api/v1/enterprises/{enterprise_id}/licences"): {
        "kind": "other",
        "number": "WALK-0001",
        "expires_on": "2030-12-31",
    },
}


class LicenceOut(Schema):
    id: int
    kind: str
    number: str
    issuer: str
    issued_on: date | None
    expires_on: date
    enterprise_id: int
    region_code: str

    @staticmethod
    def resolve_region_code(licence: Licence) -> str:
        return licence.enterprise.region_id


class EnterpriseOut(Schema):
    id: int
    name: str
    credit_code: str
    industry: str
    scale: str
    status: str
    region_code: str = Field(alias="region_id")
    organization_id: int
    address: str
    longitude: float | None
    latitude: float | None
    legal_representative: str
    legal_representative_phone: str
    safety_officer: str
    safety_officer_phone: str
    employees: int
    updated_at: datetime


class EnterpriseDetailOut(EnterpriseOut):
    licences: list[LicenceOut]

    @staticmethod
    def resolve_licences(enterprise: Enterprise) -> list[Licence]:
        return list(enterprise.licences.select_related("enterprise").all())


class EnterpriseIn(Schema):
    name: str = Field(min_length=2, max_length=128)
    credit_code: str = Field(min_length=18, max_length=18, description="统一社会信用代码（GB 32100-2015）")
    industry: Industry
    region_code: str = Field(max_length=12)
    scale: Scale = "small"
    status: OperatingStatus = "operating"
    address: str = Field("", max_length=200)
    longitude: Longitude | None = None
    latitude: Latitude | None = None
    legal_representative: str = Field(min_length=1, max_length=64)
    legal_representative_phone: str = Field("", max_length=32)
    safety_officer: str = Field("", max_length=64)
    safety_officer_phone: str = Field("", max_length=32)
    employees: int = Field(0, ge=0, le=1_000_000)


class EnterprisePatch(Schema):
    name: str | None = Field(None, min_length=2, max_length=128)
    credit_code: str | None = Field(None, min_length=18, max_length=18)
    industry: Industry | None = None
    region_code: str | None = Field(None, max_length=12)
    scale: Scale | None = None
    status: OperatingStatus | None = None
    address: str | None = Field(None, max_length=200)
    longitude: Longitude | None = None
    latitude: Latitude | None = None
    legal_representative: str | None = Field(None, min_length=1, max_length=64)
    legal_representative_phone: str | None = Field(None, max_length=32)
    safety_officer: str | None = Field(None, max_length=64)
    safety_officer_phone: str | None = Field(None, max_length=32)
    employees: int | None = Field(None, ge=0, le=1_000_000)


class EnterpriseFilter(Schema):
    region: str | None = Field(None, max_length=12, description="行政区划代码 / region code")
    industry: Industry | None = None
    status: OperatingStatus | None = None
    q: str | None = Field(None, max_length=50, description="名称或代码包含 / name or code contains")


class LicenceIn(Schema):
    kind: LicenceKind
    number: str = Field(min_length=1, max_length=64)
    issuer: str = Field("", max_length=100)
    issued_on: BoundedDate | None = None
    expires_on: BoundedDate


class ImportOut(Schema):
    imported: int
    ids: list[int]


def filtered_enterprises(request: HttpRequest, filters: EnterpriseFilter) -> Any:
    enterprises = region_filter(Enterprise.objects.visible_to(request.user), filters.region)
    if filters.industry:
        enterprises = enterprises.filter(industry=filters.industry)
    if filters.status:
        enterprises = enterprises.filter(status=filters.status)
    if filters.q:
        enterprises = enterprises.filter(name__contains=filters.q) | enterprises.filter(
            credit_code__contains=filters.q.upper()
        )
    return enterprises


@router.get("/enterprises", response=responses(list[EnterpriseOut]))
@paginate(Page)
def list_enterprises(request: HttpRequest, filters: Query[EnterpriseFilter]) -> Any:
    return filtered_enterprises(request, filters).order_by("id")


@router.get("/enterprises/export", summary="The ledger as an .xlsx file (same filters as the list)")
def export_enterprises(request: HttpRequest, filters: Query[EnterpriseFilter]) -> HttpResponse:
    content = ledger.export_workbook(filtered_enterprises(request, filters).order_by("region_id", "name"))
    return spreadsheets.download(content, "enterprises.xlsx")


@router.post(
    "/enterprises/import", response=responses(ImportOut, 201), summary="Register every row of an .xlsx"
)
def import_enterprises(request: HttpRequest, file: File[UploadedFile]) -> Any:
    if file.size is not None and file.size > MAX_UPLOAD_BYTES:
        raise InvalidInput("文件超过 5 MB / The file is larger than 5 MB", code="too_large")
    created = ledger.import_workbook(current_user(request), file.read())
    return Status(201, {"imported": len(created), "ids": [enterprise.pk for enterprise in created]})


@router.get("/enterprises/{enterprise_id}", response=responses(EnterpriseDetailOut))
def get_enterprise(request: HttpRequest, enterprise_id: int = id_path()) -> Any:
    return Enterprise.objects.get_visible_or_404(request.user, pk=enterprise_id)


@router.post("/enterprises", response=responses(EnterpriseOut, 201))
def create_enterprise(request: HttpRequest, payload: EnterpriseIn) -> Any:
    return Status(201, services.create_enterprise(current_user(request), **payload.dict()))


@router.patch("/enterprises/{enterprise_id}", response=responses(EnterpriseOut))
def update_enterprise(request: HttpRequest, payload: EnterprisePatch, enterprise_id: int = id_path()) -> Any:
    return services.update_enterprise(
        current_user(request), enterprise_id, **payload.dict(exclude_unset=True)
    )


@router.post("/enterprises/{enterprise_id}/licences", response=responses(LicenceOut, 201))
def add_licence(request: HttpRequest, payload: LicenceIn, enterprise_id: int = id_path()) -> Any:
    return Status(201, services.add_licence(current_user(request), enterprise_id, **payload.dict()))


@router.delete("/licences/{licence_id}", response=responses(LicenceOut))
def remove_licence(request: HttpRequest, licence_id: int = id_path()) -> Any:
    licence = services.remove_licence(current_user(request), licence_id)
    licence.id = licence_id  # deleted rows lose their pk; the answer still names what was removed
    return licence
