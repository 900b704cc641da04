"""Major-hazard register API: installations with units and inventories, filings, and the map layer.

Reads start from `visible_to`; every write calls a service, which recomputes GB 18218-2018 in the
same transaction. Route order matters to the scope walk: deletions of units come last.
"""

from datetime import date, datetime
from typing import Any, Literal

from django.http import HttpRequest
from django.urls import reverse
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from yingji.core.api_common import (
    AUTH,
    BoundedDate,
    FeatureCollectionOut,
    Page,
    current_user,
    id_path,
    region_filter,
    responses,
)
from yingji.geography.coordinates import Latitude, Longitude
from yingji.majorhazards import gb18218, services
from yingji.majorhazards.models import (
    LEVEL_LABELS,
    MAX_POPULATION,
    MAX_QUANTITY_T,
    Installation,
    Inventory,
    Unit,
)
from yingji.majorhazards.registrations import level_color

router = Router(auth=AUTH, tags=["major-hazards"])

FilingStatus = Literal["not_filed", "filed", "review_due"]
UnitKind = Literal["production", "storage"]

# Bodies the scope walk can send to the POST routes that need one (see tests/test_scope_walk.py).
WALK_BODIES = {
    ("POST", "/api/v1/major-hazards/{installation_id}/units"): {"name": "巡查新增单元", "kind": "storage"},
    ("POST", "/api/v1/major-hazard-units/{unit_id}/inventories"): {
        "name": "汽油",
        "cas": "86290-81-5",
        "quantity_t": 1.5,
    },
    ("POST", "/api/v1/major-hazards/{installation_id}/filing"): {
        "filed_on": "2026-11-20",
        "filing_number": "忻应急危备〔2026〕099号",
        "review_due_on": "2029-11-19",
    },
}


# Schemas ---------------------------------------------------------------------------------------


class InventoryOut(Schema):
    id: int
    unit_id: int
    name: str
    cas: str
    category: str = Field(description="录入的危险性类别 / hazard category as entered (Table 2 symbol)")
    quantity_t: float = Field(description="设计最大量 q（吨）/ design maximum quantity q in t")
    table1_no: int | None = Field(description="表1序号 / Table 1 row, null when counted by Table 2")
    resolved_category: str = Field(description="计算所用类别 / category that set Q (Table 2) or β (Table 4)")
    critical_t: float | None = Field(description="临界量 Q（吨）/ critical quantity Q in t")
    beta: float | None = Field(description="校正系数 β / correction factor β")
    ratio: float | None = Field(description="q/Q")


class UnitOut(Schema):
    id: int
    installation_id: int
    name: str
    kind: str
    s: float = Field(description="S = Σq/Q (2 decimals, rounded down)")
    is_major: bool = Field(description="S ≥ 1")
    r: float | None = Field(description="R = α·Σβq/Q (2 decimals, rounded down); null when not major")
    level: int | None = Field(description="1 一级 (highest) … 4 四级; null when not major")
    inventories: list[InventoryOut]

    @staticmethod
    def resolve_inventories(unit: Unit) -> list[Inventory]:
        return list(unit.inventories.all())


class InstallationOut(Schema):
    id: int
    name: str
    enterprise_id: int
    enterprise_name: str
    region_code: str
    exposed_population: int
    alpha: float = Field(description="暴露人员校正系数 α / exposure correction α")
    longitude: float | None
    latitude: float | None
    filing_status: str
    filed_on: date | None
    filing_number: str
    review_due_on: date | None
    is_major: bool
    level: int | None = Field(description="最高级别 / highest unit level, 1 (一级) … 4; null when not major")
    level_label: str
    unit_count: int
    max_s: float
    max_r: float | None
    computed_at: datetime | None

    @staticmethod
    def resolve_enterprise_name(installation: Installation) -> str:
        return installation.enterprise.name

    @staticmethod
    def resolve_region_code(installation: Installation) -> str:
        return installation.enterprise.region_id

    @staticmethod
    def resolve_alpha(installation: Installation) -> float:
        return gb18218.alpha_for(installation.exposed_population)


class InstallationDetailOut(InstallationOut):
    units: list[UnitOut]

    @staticmethod
    def resolve_units(installation: Installation) -> list[Unit]:
        return list(installation.units.prefetch_related("inventories").order_by("id"))


class InventoryIn(Schema):
    name: str = Field("", max_length=100, description="名称或别名 / name or alias (Table 1)")
    cas: str = Field("", max_length=20, description="CAS 号 / CAS number")
    category: str = Field("", max_length=10, description="危险性类别 / hazard category (Table 2), e.g. W5.3")
    quantity_t: float = Field(ge=0, le=MAX_QUANTITY_T, allow_inf_nan=False, description="设计最大量（吨）")


class InventoryPatch(Schema):
    name: str | None = Field(None, max_length=100)
    cas: str | None = Field(None, max_length=20)
    category: str | None = Field(None, max_length=10)
    quantity_t: float | None = Field(None, ge=0, le=MAX_QUANTITY_T, allow_inf_nan=False)


class UnitIn(Schema):
    name: str = Field(min_length=1, max_length=100)
    kind: UnitKind = Field(description="production 生产单元 / storage 储存单元")
    inventories: list[InventoryIn] = Field(default_factory=list, max_length=100)


class UnitPatch(Schema):
    name: str | None = Field(None, min_length=1, max_length=100)
    kind: UnitKind | None = None


class InstallationIn(Schema):
    enterprise_id: int = Field(ge=1, le=2**53)
    name: str = Field(min_length=1, max_length=128)
    exposed_population: int = Field(0, ge=0, le=MAX_POPULATION, description="厂界外500米内常住人数")
    longitude: Longitude | None = None
    latitude: Latitude | None = None


class InstallationPatch(Schema):
    name: str | None = Field(None, min_length=1, max_length=128)
    exposed_population: int | None = Field(None, ge=0, le=MAX_POPULATION)
    longitude: Longitude | None = None
    latitude: Latitude | None = None


class FilingIn(Schema):
    filed_on: BoundedDate
    filing_number: str = Field(min_length=1, max_length=64)
    review_due_on: BoundedDate = Field(description="复核日期（备案有效期）/ review date of the filing")


class InstallationFilter(Schema):
    region: str | None = Field(None, max_length=12, description="行政区划代码 / region code")
    enterprise_id: int | None = Field(None, ge=1, le=2**53)
    level: int | None = Field(None, ge=1, le=4, description="1 一级 … 4 四级")
    is_major: bool | None = None
    filing_status: FilingStatus | None = None


def filtered_installations(request: HttpRequest, filters: InstallationFilter) -> Any:
    installations = region_filter(Installation.objects.visible_to(request.user), filters.region)
    if filters.enterprise_id is not None:
        installations = installations.filter(enterprise_id=filters.enterprise_id)
    if filters.level is not None:
        installations = installations.filter(level=filters.level)
    if filters.is_major is not None:
        installations = installations.filter(is_major=filters.is_major)
    if filters.filing_status:
        installations = installations.filter(filing_status=filters.filing_status)
    return installations


def _detail(installation_id: int, request: HttpRequest) -> Installation:
    return Installation.objects.select_related("enterprise").get_visible_or_404(
        request.user, pk=installation_id
    )


# Installations ---------------------------------------------------------------------------------


@router.get(
    "/major-hazards", response=responses(list[InstallationOut]), summary="重大危险源台账 / The register"
)
@paginate(Page)
def list_installations(request: HttpRequest, filters: Query[InstallationFilter]) -> Any:
    services.require_view(current_user(request))
    return filtered_installations(request, filters).select_related("enterprise").order_by("id")


@router.get("/major-hazards/{installation_id}", response=responses(InstallationDetailOut))
def get_installation(request: HttpRequest, installation_id: int = id_path()) -> Any:
    services.require_view(current_user(request))
    return _detail(installation_id, request)


@router.post("/major-hazards", response=responses(InstallationDetailOut, 201))
def create_installation(request: HttpRequest, payload: InstallationIn) -> Any:
    installation = services.create_installation(current_user(request), **payload.dict())
    return Status(201, _detail(installation.pk, request))


@router.patch(
    "/major-hazards/{installation_id}",
    response=responses(InstallationDetailOut),
    summary="Change name, exposed population or coordinates (recomputes R)",
)
def update_installation(
    request: HttpRequest, payload: InstallationPatch, installation_id: int = id_path()
) -> Any:
    services.update_installation(current_user(request), installation_id, **payload.dict(exclude_unset=True))
    return _detail(installation_id, request)


@router.post(
    "/major-hazards/{installation_id}/filing",
    response=responses(InstallationDetailOut),
    summary="Record the filing (备案) and its review date (administrators)",
)
def record_filing(request: HttpRequest, payload: FilingIn, installation_id: int = id_path()) -> Any:
    services.record_filing(current_user(request), installation_id, **payload.dict())
    return _detail(installation_id, request)


@router.post("/major-hazards/{installation_id}/units", response=responses(UnitOut, 201))
def add_unit(request: HttpRequest, payload: UnitIn, installation_id: int = id_path()) -> Any:
    data = payload.dict()
    return Status(201, services.add_unit(current_user(request), installation_id, **data))


# Inventories -----------------------------------------------------------------------------------


@router.post("/major-hazard-units/{unit_id}/inventories", response=responses(InventoryOut, 201))
def add_inventory(request: HttpRequest, payload: InventoryIn, unit_id: int = id_path()) -> Any:
    return Status(201, services.add_inventory(current_user(request), unit_id, **payload.dict()))


@router.patch("/major-hazard-inventories/{inventory_id}", response=responses(InventoryOut))
def update_inventory(request: HttpRequest, payload: InventoryPatch, inventory_id: int = id_path()) -> Any:
    return services.update_inventory(current_user(request), inventory_id, **payload.dict(exclude_unset=True))


@router.delete(
    "/major-hazard-inventories/{inventory_id}",
    response=responses(InstallationDetailOut),
    summary="Delete an inventory line; answers the recomputed installation",
)
def remove_inventory(request: HttpRequest, inventory_id: int = id_path()) -> Any:
    installation = services.remove_inventory(current_user(request), inventory_id)
    return _detail(installation.pk, request)


# Units (after inventories: the walk deletes units last) ----------------------------------------


@router.patch("/major-hazard-units/{unit_id}", response=responses(UnitOut))
def update_unit(request: HttpRequest, payload: UnitPatch, unit_id: int = id_path()) -> Any:
    return services.update_unit(current_user(request), unit_id, **payload.dict(exclude_unset=True))


@router.delete(
    "/major-hazard-units/{unit_id}",
    response=responses(InstallationDetailOut),
    summary="Delete a unit and its inventory; answers the recomputed installation",
)
def remove_unit(request: HttpRequest, unit_id: int = id_path()) -> Any:
    installation = services.remove_unit(current_user(request), unit_id)
    return _detail(installation.pk, request)


# Map -------------------------------------------------------------------------------------------


@router.get(
    "/map/major-hazards",
    response=responses(FeatureCollectionOut),
    url_name="majorhazards_map",
    tags=["map"],
    summary="Installations as points colored by level (the 一张图 layer)",
)
def map_installations(request: HttpRequest) -> Any:
    services.require_view(current_user(request))
    return map_features(request.user)


def map_features(user: Any) -> dict[str, Any]:
    """The installations the user sees, as points at their own or their enterprise's position."""
    rows = (
        Installation.objects.visible_to(user)
        .order_by("-is_major", "level", "id")
        .values_list(
            "pk",
            "name",
            "is_major",
            "level",
            "max_s",
            "max_r",
            "longitude",
            "latitude",
            "enterprise__name",
            "enterprise__longitude",
            "enterprise__latitude",
        )
    )
    features = []
    for pk, name, is_major, level, max_s, max_r, lon, lat, enterprise, e_lon, e_lat in rows:
        if lon is None or lat is None:
            lon, lat = e_lon, e_lat
        if lon is None or lat is None:
            continue
        color = level_color(level if is_major else None)
        grade = f"{LEVEL_LABELS[level]}重大危险源" if is_major and level else "未构成重大危险源"
        popup = [name, enterprise, grade, f"S = {max_s:.2f}"]
        if max_r is not None:
            popup.append(f"R = {max_r:.2f}")
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [lon, lat]},
                "properties": {
                    "id": pk,
                    "label": None,
                    "popup": popup,
                    "style": {
                        "radius": 8 if is_major else 5,
                        "color": "#ffffff",
                        "weight": 1.5,
                        "fillColor": color,
                        "fillOpacity": 0.9,
                    },
                    "url": reverse("majorhazards:detail", args=[pk]),
                },
            }
        )
    return {"type": "FeatureCollection", "features": features}
