"""Emergency materials API: catalog, warehouses and their stock ledger, agreements, carriers, requests
from submission to receipt, and the map layer. Reads start from `visible_to`; writes call a service.
"""

from datetime import date, datetime
from typing import Any, Literal

from django.db.models import F, Prefetch
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from ninja import Field, File, Query, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate

from yingji.core import spreadsheets
from yingji.core.api_common import (
    AUTH,
    BoundedDate,
    BoundedDateTime,
    FeatureCollectionOut,
    Page,
    current_user,
    id_path,
    region_filter,
    responses,
)
from yingji.core.errors import InvalidInput
from yingji.geography.coordinates import Latitude, Longitude
from yingji.materials import ledger, requests, services
from yingji.materials.checks import near_expiry
from yingji.materials.models import (
    MAX_QUANTITY,
    Agreement,
    Allocation,
    Batch,
    Carrier,
    Material,
    MaterialRequest,
    Movement,
    Shipment,
    StockItem,
    Stocktake,
    Vehicle,
    Warehouse,
)
from yingji.materials.registrations import LOW_COLOR, TIER_COLORS

router = Router(auth=AUTH, tags=["materials"])
MAX_UPLOAD_BYTES = 5 * 1024 * 1024

Category = Literal["living", "fire_rescue", "forest_fire", "flood", "mine_rescue"]
Tier = Literal["city", "county", "township", "village"]
Source = Literal["purchase", "donation", "allocation", "return"]
MovementKind = Literal["in", "out", "transfer_out", "transfer_in", "adjust"]
RequestStatus = Literal[
    "submitted", "approved", "allocated", "dispatched", "received", "rejected", "cancelled"
]
VehicleKind = Literal["truck", "flatbed", "light_truck", "van", "bus"]
Quantity = Field(ge=1, le=MAX_QUANTITY, description="数量（目录计量单位的整数）/ whole units of the item")
Code = Field(max_length=20, description="GB/T 38565-2020 物资编码（7位）/ material code, 7 digits")

# Bodies the scope walk can send to the POST routes that need one (see tests/test_scope_walk.py).
WALK_BODIES = {
    ("POST", "/api/v1/warehouses/{warehouse_id}/receipts"): {
        "material_code": "3010101",
        "quantity": 500,
        "source": "purchase",
        "produced_on": "2026-06-01",
    },
    ("POST", "/api/v1/warehouses/{warehouse_id}/issues"): {"material_code": "3010101", "quantity": 1},
    ("PUT", "/api/v1/warehouses/{warehouse_id}/levels"): {
        "material_code": "3010101",
        "minimum": 100,
        "target": 500,
    },
    ("POST", "/api/v1/warehouses/{warehouse_id}/stocktakes"): {"counts": [], "note": "月度盘点"},
    ("POST", "/api/v1/carriers/{carrier_id}/vehicles"): {
        "plate": "晋H·W9901",
        "kind": "truck",
        "capacity_t": 8,
        "longitude": 112.98,
        "latitude": 38.50,
    },
    ("POST", "/api/v1/vehicles/{vehicle_id}/status"): {"status": "available"},
    ("POST", "/api/v1/material-requests/{request_id}/reject"): {"note": "本级库存另有安排"},
    ("POST", "/api/v1/material-requests"): {
        "region_code": "140902",
        "title": "受灾群众转移安置",
        "destination": "北义井乡政府",
        "longitude": 112.73,
        "latitude": 38.42,
        "needed_by": "2026-12-31T10:00:00+08:00",
        "lines": [{"material_code": "1010201", "quantity": 1}],
    },
}


# Schemas ---------------------------------------------------------------------------------------


class MaterialOut(Schema):
    code: str = Field(description="GB/T 38565-2020 物资编码 / material code")
    name: str
    unit: str
    category: str = Field(description="储备类别 / the plan's reserve category")
    specification: str
    shelf_life_days: int | None
    unit_weight_kg: float


class MaterialFilter(Schema):
    code: str | None = Field(None, max_length=20, description="完整编码（校验）/ a full code (validated)")
    prefix: str | None = Field(None, max_length=7, pattern=r"^\d{1,7}$", description="编码前缀 / code prefix")
    category: Category | None = None
    q: str | None = Field(None, max_length=50)


class WarehouseOut(Schema):
    id: int
    name: str
    tier: str
    region_code: str = Field(alias="region_id")
    region_name: str
    organization_id: int | None
    manager: str
    phone: str
    address: str
    longitude: float
    latitude: float
    area_m2: int
    low_items: int = Field(description="低于最低储备的品种数 / items below their minimum")

    @staticmethod
    def resolve_region_name(warehouse: Warehouse) -> str:
        return warehouse.region.name

    @staticmethod
    def resolve_low_items(warehouse: Warehouse) -> int:
        return getattr(warehouse, "low_count", 0) or 0


class StockItemOut(Schema):
    id: int
    warehouse_id: int
    warehouse_name: str
    region_code: str
    material_code: str
    material_name: str
    unit: str
    on_hand: int
    reserved: int
    available: int
    minimum: int
    target: int
    is_low: bool

    @staticmethod
    def resolve_warehouse_name(item: StockItem) -> str:
        return item.warehouse.name

    @staticmethod
    def resolve_region_code(item: StockItem) -> str:
        return item.warehouse.region_id

    @staticmethod
    def resolve_material_code(item: StockItem) -> str:
        return item.material.code

    @staticmethod
    def resolve_material_name(item: StockItem) -> str:
        return item.material.name

    @staticmethod
    def resolve_unit(item: StockItem) -> str:
        return item.material.unit


class BatchOut(Schema):
    id: int
    stock_item_id: int
    material_code: str
    number: str
    source: str
    received_quantity: int
    remaining: int
    produced_on: date | None
    expires_on: date | None
    received_at: datetime

    @staticmethod
    def resolve_material_code(batch: Batch) -> str:
        return batch.stock_item.material.code


class WarehouseDetailOut(WarehouseOut):
    stock: list[StockItemOut]
    batches: list[BatchOut]

    @staticmethod
    def resolve_stock(warehouse: Warehouse) -> list[StockItem]:
        return list(warehouse.stock.select_related("material", "warehouse").order_by("material__code"))

    @staticmethod
    def resolve_batches(warehouse: Warehouse) -> list[Batch]:
        return list(
            Batch.objects.filter(stock_item__warehouse=warehouse, remaining__gt=0)
            .select_related("stock_item__material")
            .order_by("expires_on", "id")
        )


class WarehouseIn(Schema):
    name: str = Field(min_length=1, max_length=100)
    tier: Tier
    region_code: str = Field(max_length=12)
    organization_id: int | None = Field(None, ge=1, le=2**53)
    manager: str = Field("", max_length=32)
    phone: str = Field("", max_length=32)
    address: str = Field("", max_length=200)
    longitude: Longitude
    latitude: Latitude
    area_m2: int = Field(0, ge=0, le=10**7)


class WarehousePatch(Schema):
    name: str | None = Field(None, min_length=1, max_length=100)
    manager: str | None = Field(None, max_length=32)
    phone: str | None = Field(None, max_length=32)
    address: str | None = Field(None, max_length=200)
    longitude: Longitude | None = None
    latitude: Latitude | None = None
    area_m2: int | None = Field(None, ge=0, le=10**7)


class WarehouseFilter(Schema):
    region: str | None = Field(None, max_length=12, description="行政区划代码 / region code")
    tier: Tier | None = None
    low: bool | None = Field(None, description="有低于最低储备的品种 / has items below their minimum")


class StockReceiptIn(Schema):
    material_code: str = Code
    quantity: int = Quantity
    source: Source
    number: str = Field("", max_length=40, description="批次号（空则自动生成）/ batch number")
    produced_on: BoundedDate | None = None
    expires_on: BoundedDate | None = Field(
        None, description="空则按保质期推算 / from the shelf life if empty"
    )
    note: str = Field("", max_length=200)


class StockIssueIn(Schema):
    material_code: str = Code
    quantity: int = Quantity
    note: str = Field("", max_length=200)
    to_warehouse_id: int | None = Field(
        None,
        ge=1,
        le=2**53,
        description="调入仓库（调拨）；空则为出库使用 / the receiving warehouse of a transfer",
    )


class StockLevelsIn(Schema):
    material_code: str = Code
    minimum: int = Field(ge=0, le=MAX_QUANTITY)
    target: int = Field(ge=0, le=MAX_QUANTITY)


class StockCountIn(Schema):
    batch_id: int = Field(ge=1, le=2**53)
    counted: int = Field(ge=0, le=MAX_QUANTITY)


class StocktakeIn(Schema):
    counts: list[StockCountIn] = Field(
        max_length=5000,
        description="与账面不符的批次及实盘数；未列出的批次视为账实相符 / batches found different",
    )
    note: str = Field("", max_length=200)


class StocktakeOut(Schema):
    id: int
    warehouse_id: int
    at: datetime
    actor_name: str
    note: str
    lines_counted: int
    differences: int


class MovementOut(Schema):
    id: int
    at: datetime
    kind: str
    warehouse_id: int
    warehouse_name: str
    region_code: str
    material_code: str
    material_name: str
    batch_number: str
    quantity: int = Field(description="增为正、减为负 / signed change")
    balance_after: int
    actor_name: str
    note: str
    shipment_id: int | None
    stocktake_id: int | None


class MovementFilter(Schema):
    region: str | None = Field(None, max_length=12)
    warehouse_id: int | None = Field(None, ge=1, le=2**53)
    material_code: str | None = Field(None, max_length=20)
    kind: MovementKind | None = None


class StockFilter(Schema):
    region: str | None = Field(None, max_length=12)
    warehouse_id: int | None = Field(None, ge=1, le=2**53)
    material_code: str | None = Field(None, max_length=20)
    low: bool | None = None


class BatchFilter(Schema):
    region: str | None = Field(None, max_length=12)
    warehouse_id: int | None = Field(None, ge=1, le=2**53)
    near_expiry: bool | None = Field(None, description="临近有效期或已过期 / near or past expiry")


class StockImportOut(Schema):
    imported: int
    ids: list[int]


class AgreementOut(Schema):
    id: int
    region_code: str = Field(alias="region_id")
    kind: str = Field(description="agreement 协议储备 / capacity 产能储备")
    number: str
    supplier: str
    contact: str
    phone: str
    material_code: str
    material_name: str
    quantity: int
    daily_capacity: int
    delivery_hours: int
    starts_on: date
    ends_on: date

    @staticmethod
    def resolve_material_code(agreement: Agreement) -> str:
        return agreement.material.code

    @staticmethod
    def resolve_material_name(agreement: Agreement) -> str:
        return agreement.material.name


class AgreementIn(Schema):
    region_code: str = Field(max_length=12)
    kind: Literal["agreement", "capacity"]
    number: str = Field(min_length=1, max_length=40)
    supplier: str = Field(min_length=1, max_length=100)
    contact: str = Field("", max_length=32)
    phone: str = Field("", max_length=32)
    material_code: str = Code
    quantity: int = Field(0, ge=0, le=MAX_QUANTITY)
    daily_capacity: int = Field(0, ge=0, le=MAX_QUANTITY)
    delivery_hours: int = Field(ge=1, le=720)
    starts_on: BoundedDate
    ends_on: BoundedDate


class AgreementPatch(Schema):
    contact: str | None = Field(None, max_length=32)
    phone: str | None = Field(None, max_length=32)
    quantity: int | None = Field(None, ge=0, le=MAX_QUANTITY)
    daily_capacity: int | None = Field(None, ge=0, le=MAX_QUANTITY)
    delivery_hours: int | None = Field(None, ge=1, le=720)
    starts_on: BoundedDate | None = None
    ends_on: BoundedDate | None = None


class MaterialsRegionFilter(Schema):
    region: str | None = Field(None, max_length=12)


class VehicleOut(Schema):
    id: int
    carrier_id: int
    carrier_name: str
    region_code: str
    plate: str
    kind: str
    capacity_t: float
    seats: int
    longitude: float
    latitude: float
    status: str

    @staticmethod
    def resolve_carrier_name(vehicle: Vehicle) -> str:
        return vehicle.carrier.name

    @staticmethod
    def resolve_region_code(vehicle: Vehicle) -> str:
        return vehicle.carrier.region_id


class CarrierOut(Schema):
    id: int
    region_code: str = Field(alias="region_id")
    name: str
    contact: str
    phone: str
    agreement_number: str
    agreement_ends_on: date | None
    vehicles: list[VehicleOut]

    @staticmethod
    def resolve_vehicles(carrier: Carrier) -> list[Vehicle]:
        return list(carrier.vehicles.all())


class CarrierIn(Schema):
    region_code: str = Field(max_length=12)
    name: str = Field(min_length=1, max_length=100)
    contact: str = Field("", max_length=32)
    phone: str = Field("", max_length=32)
    agreement_number: str = Field("", max_length=40)
    agreement_ends_on: BoundedDate | None = None


class VehicleIn(Schema):
    plate: str = Field(min_length=2, max_length=12)
    kind: VehicleKind
    capacity_t: float = Field(0, ge=0, le=100, allow_inf_nan=False)
    seats: int = Field(0, ge=0, le=100)
    longitude: Longitude
    latitude: Latitude


class VehicleStatusIn(Schema):
    status: Literal["available", "out_of_service"]


class RequestLineIn(Schema):
    material_code: str = Code
    quantity: int = Quantity


class RequestIn(Schema):
    region_code: str = Field(max_length=12, description="需求区划 / where the need is")
    supplier_region_code: str | None = Field(
        None, max_length=12, description="供应区划（本级或上级，默认所在县）/ supplying region"
    )
    title: str = Field(min_length=1, max_length=100)
    destination: str = Field(min_length=1, max_length=100)
    longitude: Longitude
    latitude: Latitude
    needed_by: BoundedDateTime
    lines: list[RequestLineIn] = Field(min_length=1, max_length=100)


class RequestNoteIn(Schema):
    note: str = Field("", max_length=200)


class RequestDispatchIn(Schema):
    warehouse_id: int | None = Field(
        None, ge=1, le=2**53, description="只发该仓库（默认全部）/ one warehouse only"
    )
    vehicle_id: int | None = Field(
        None, ge=1, le=2**53, description="指定车辆（默认就近匹配）/ a chosen vehicle"
    )


class ShipmentReceivedIn(Schema):
    material_code: str = Code
    received: int = Field(ge=0, le=MAX_QUANTITY)


class ShipmentReceiveIn(Schema):
    lines: list[ShipmentReceivedIn] = Field(
        default_factory=list, max_length=100, description="未列出的全数接收"
    )


class AllocationOut(Schema):
    id: int
    warehouse_id: int
    warehouse_name: str
    quantity: int
    minutes: float | None = Field(description="道路时间 / road minutes to the destination")
    km: float | None
    status: str

    @staticmethod
    def resolve_warehouse_id(allocation: Allocation) -> int:
        return allocation.stock_item.warehouse_id

    @staticmethod
    def resolve_warehouse_name(allocation: Allocation) -> str:
        return allocation.stock_item.warehouse.name


class RequestLineOut(Schema):
    id: int
    material_code: str
    material_name: str
    unit: str
    quantity: int
    allocations: list[AllocationOut]

    @staticmethod
    def resolve_material_code(line: Any) -> str:
        return line.material.code

    @staticmethod
    def resolve_material_name(line: Any) -> str:
        return line.material.name

    @staticmethod
    def resolve_unit(line: Any) -> str:
        return line.material.unit

    @staticmethod
    def resolve_allocations(line: Any) -> list[Allocation]:
        return list(line.allocations.all())


class ShipmentLineOut(Schema):
    material_code: str
    quantity: int
    received: int | None
    returned: int

    @staticmethod
    def resolve_material_code(line: Any) -> str:
        return line.material.code


class ShipmentOut(Schema):
    id: int
    request_id: int
    warehouse_id: int
    warehouse_name: str
    vehicle_plate: str | None
    weight_kg: float
    minutes: float | None
    km: float | None
    dispatched_at: datetime
    eta: datetime | None
    status: str
    received_at: datetime | None
    lines: list[ShipmentLineOut]

    @staticmethod
    def resolve_warehouse_name(shipment: Shipment) -> str:
        return shipment.warehouse.name

    @staticmethod
    def resolve_vehicle_plate(shipment: Shipment) -> str | None:
        return shipment.vehicle.plate if shipment.vehicle_id else None

    @staticmethod
    def resolve_lines(shipment: Shipment) -> list[Any]:
        return list(shipment.lines.all())


class RequestOut(Schema):
    id: int
    number: str
    region_code: str = Field(alias="region_id")
    supplier_region_code: str = Field(alias="supplier_region_id")
    title: str
    destination: str
    longitude: float
    latitude: float
    needed_by: datetime
    status: str
    requested_at: datetime
    decided_at: datetime | None
    decision_note: str


class RequestDetailOut(RequestOut):
    lines: list[RequestLineOut]
    shipments: list[ShipmentOut]

    @staticmethod
    def resolve_lines(request: MaterialRequest) -> list[Any]:
        return list(
            request.lines.select_related("material").prefetch_related(
                Prefetch("allocations", Allocation.objects.select_related("stock_item__warehouse"))
            )
        )

    @staticmethod
    def resolve_shipments(request: MaterialRequest) -> list[Shipment]:
        return list(
            request.shipments.select_related("warehouse", "vehicle").prefetch_related("lines__material")
        )


class RequestFilter(Schema):
    region: str | None = Field(None, max_length=12)
    status: RequestStatus | None = None
    awaiting_me: bool | None = Field(None, description="待我审批 / waiting for the user's decision")


class ProposalPickOut(Schema):
    warehouse_id: int
    warehouse_name: str
    quantity: int
    available: int
    minutes: float | None
    km: float | None


class ProposalLineOut(Schema):
    material_code: str
    quantity: int
    picks: list[ProposalPickOut]


class ProposalOut(Schema):
    lines: list[ProposalLineOut]
    shortfalls: list[dict[str, Any]]


class VehicleOptionOut(Schema):
    vehicle: VehicleOut
    minutes: float | None
    km: float | None


# Catalog ---------------------------------------------------------------------------------------


@router.get("/materials", response=responses(list[MaterialOut]), summary="物资目录 / The catalog")
@paginate(Page)
def list_materials(request: HttpRequest, filters: Query[MaterialFilter]) -> Any:
    services.require_view(current_user(request))
    materials = Material.objects.all()
    if filters.code:
        materials = materials.filter(pk=services.material_by_code(filters.code).pk)
    if filters.prefix:
        materials = materials.filter(code__startswith=filters.prefix)
    if filters.category:
        materials = materials.filter(category=filters.category)
    if filters.q:
        materials = materials.filter(name__contains=filters.q)
    return materials.order_by("code")


# Warehouses and stock --------------------------------------------------------------------------


def _warehouses(request: HttpRequest) -> Any:
    from django.db.models import Count, Q

    return (
        Warehouse.objects.visible_to(request.user)
        .select_related("region")
        .annotate(low_count=Count("stock", filter=Q(stock__on_hand__lt=F("stock__minimum"))))
    )


@router.get("/warehouses", response=responses(list[WarehouseOut]), summary="物资仓库 / Warehouses")
@paginate(Page)
def list_warehouses(request: HttpRequest, filters: Query[WarehouseFilter]) -> Any:
    services.require_view(current_user(request))
    warehouses = region_filter(_warehouses(request), filters.region)
    if filters.tier:
        warehouses = warehouses.filter(tier=filters.tier)
    if filters.low is not None:
        warehouses = warehouses.filter(low_count__gt=0) if filters.low else warehouses.filter(low_count=0)
    return warehouses.order_by("id")


@router.post("/warehouses", response=responses(WarehouseDetailOut, 201))
def create_warehouse(request: HttpRequest, payload: WarehouseIn) -> Any:
    warehouse = services.create_warehouse(current_user(request), **payload.dict())
    return Status(201, _warehouse(request, warehouse.pk))


def _warehouse(request: HttpRequest, warehouse_id: int) -> Warehouse:
    return _warehouses(request).get_visible_or_404(request.user, pk=warehouse_id)


@router.get("/warehouses/{warehouse_id}", response=responses(WarehouseDetailOut))
def get_warehouse(request: HttpRequest, warehouse_id: int = id_path()) -> Any:
    services.require_view(current_user(request))
    return _warehouse(request, warehouse_id)


@router.patch("/warehouses/{warehouse_id}", response=responses(WarehouseDetailOut))
def update_warehouse(request: HttpRequest, payload: WarehousePatch, warehouse_id: int = id_path()) -> Any:
    services.update_warehouse(current_user(request), warehouse_id, **payload.dict(exclude_unset=True))
    return _warehouse(request, warehouse_id)


@router.post(
    "/warehouses/{warehouse_id}/receipts",
    response=responses(BatchOut, 201),
    summary="入库：一个新批次 / Receive",
)
def receive(request: HttpRequest, payload: StockReceiptIn, warehouse_id: int = id_path()) -> Any:
    batch = services.receive(current_user(request), warehouse_id, **payload.dict())
    return Status(201, Batch.objects.select_related("stock_item__material").get(pk=batch.pk))


@router.post(
    "/warehouses/{warehouse_id}/issues",
    response=responses(list[MovementOut], 201),
    summary="出库（先到期先出；填写调入仓库即为调拨；409 insufficient_stock）/ Issue, or transfer",
)
def issue(request: HttpRequest, payload: StockIssueIn, warehouse_id: int = id_path()) -> Any:
    data = payload.dict()
    to_warehouse_id = data.pop("to_warehouse_id")
    if to_warehouse_id is None:
        movements = services.issue(current_user(request), warehouse_id, **data)
    else:
        movements = services.transfer(
            current_user(request), warehouse_id, to_warehouse_id=to_warehouse_id, **data
        )
    return Status(201, _movement_rows(Movement.objects.filter(pk__in=[m.pk for m in movements])))


@router.put("/warehouses/{warehouse_id}/levels", response=responses(StockItemOut), summary="最低与目标储备量")
def set_levels(request: HttpRequest, payload: StockLevelsIn, warehouse_id: int = id_path()) -> Any:
    item = services.set_levels(current_user(request), warehouse_id, **payload.dict())
    return StockItem.objects.select_related("warehouse", "material").get(pk=item.pk)


@router.post(
    "/warehouses/{warehouse_id}/stocktakes",
    response=responses(StocktakeOut, 201),
    summary="盘点：差异写入调整记录 / Stocktake",
)
def take_stock(request: HttpRequest, payload: StocktakeIn, warehouse_id: int = id_path()) -> Any:
    counts = [(count.batch_id, count.counted) for count in payload.counts]
    return Status(
        201, services.take_stock(current_user(request), warehouse_id, counts=counts, note=payload.note)
    )


def _stock(request: HttpRequest, filters: StockFilter) -> Any:
    items = region_filter(StockItem.objects.visible_to(request.user), filters.region)
    if filters.warehouse_id is not None:
        items = items.filter(warehouse_id=filters.warehouse_id)
    if filters.material_code:
        items = items.filter(material=services.material_by_code(filters.material_code))
    if filters.low is not None:
        items = (
            items.filter(on_hand__lt=F("minimum")) if filters.low else items.filter(on_hand__gte=F("minimum"))
        )
    return items


@router.get("/stock-items", response=responses(list[StockItemOut]), summary="库存（仓库×品目）/ Stock")
@paginate(Page)
def list_stock(request: HttpRequest, filters: Query[StockFilter]) -> Any:
    services.require_view(current_user(request))
    return _stock(request, filters).select_related("warehouse", "material").order_by("id")


@router.get("/stock-batches", response=responses(list[BatchOut]), summary="批次 / Batches with stock left")
@paginate(Page)
def list_batches(request: HttpRequest, filters: Query[BatchFilter]) -> Any:
    services.require_view(current_user(request))
    batches = region_filter(Batch.objects.visible_to(request.user), filters.region).filter(remaining__gt=0)
    if filters.warehouse_id is not None:
        batches = batches.filter(stock_item__warehouse_id=filters.warehouse_id)
    if filters.near_expiry:
        from django.utils import timezone

        batches = near_expiry(batches, timezone.localdate())
    return batches.select_related("stock_item__material").order_by("expires_on", "id")


@router.get("/stock-batches/export", summary="库存批次 Excel（与列表相同筛选）/ Batches as .xlsx")
def export_batches(request: HttpRequest, filters: Query[BatchFilter]) -> HttpResponse:
    services.require_view(current_user(request))
    batches = region_filter(Batch.objects.visible_to(request.user), filters.region).filter(remaining__gt=0)
    if filters.warehouse_id is not None:
        batches = batches.filter(stock_item__warehouse_id=filters.warehouse_id)
    content = ledger.export_workbook(
        batches.select_related("stock_item__warehouse", "stock_item__material").order_by(
            "stock_item__warehouse_id", "stock_item__material__code", "expires_on", "id"
        )
    )
    return spreadsheets.download(content, "stock.xlsx")


@router.post(
    "/stock-batches/import", response=responses(StockImportOut, 201), summary="批量入库：全部成功或全部不导入"
)
def import_batches(request: HttpRequest, file: File[UploadedFile]) -> Any:
    if file.size is not None and file.size > MAX_UPLOAD_BYTES:
        raise InvalidInput("文件超过 5 MB / The file is larger than 5 MB", code="too_large")
    received = ledger.import_workbook(current_user(request), file.read())
    return Status(201, {"imported": len(received), "ids": [batch.pk for batch in received]})


def _movement_rows(movements: Any) -> Any:
    return movements.values(
        "id",
        "at",
        "kind",
        "quantity",
        "balance_after",
        "actor_name",
        "note",
        "shipment_id",
        "stocktake_id",
        warehouse_id=F("stock_item__warehouse_id"),
        warehouse_name=F("stock_item__warehouse__name"),
        region_code=F("stock_item__warehouse__region_id"),
        material_code=F("stock_item__material__code"),
        material_name=F("stock_item__material__name"),
        batch_number=F("batch__number"),
    ).order_by("-at", "-id")


@router.get("/stock-movements", response=responses(list[MovementOut]), summary="出入库台账 / The ledger")
@paginate(Page)
def list_movements(request: HttpRequest, filters: Query[MovementFilter]) -> Any:
    services.require_view(current_user(request))
    movements = region_filter(Movement.objects.visible_to(request.user), filters.region)
    if filters.warehouse_id is not None:
        movements = movements.filter(stock_item__warehouse_id=filters.warehouse_id)
    if filters.material_code:
        movements = movements.filter(stock_item__material=services.material_by_code(filters.material_code))
    if filters.kind:
        movements = movements.filter(kind=filters.kind)
    return _movement_rows(movements)


@router.get("/stocktakes", response=responses(list[StocktakeOut]))
@paginate(Page)
def list_stocktakes(request: HttpRequest, filters: Query[MaterialsRegionFilter]) -> Any:
    services.require_view(current_user(request))
    return region_filter(Stocktake.objects.visible_to(request.user), filters.region).order_by("-at", "-id")


# Agreements ------------------------------------------------------------------------------------


@router.get("/material-agreements", response=responses(list[AgreementOut]), summary="协议储备与产能储备")
@paginate(Page)
def list_agreements(request: HttpRequest, filters: Query[MaterialsRegionFilter]) -> Any:
    services.require_view(current_user(request))
    agreements = region_filter(Agreement.objects.visible_to(request.user), filters.region)
    return agreements.select_related("material").order_by("ends_on", "id")


@router.post("/material-agreements", response=responses(AgreementOut, 201))
def create_agreement(request: HttpRequest, payload: AgreementIn) -> Any:
    return Status(201, services.create_agreement(current_user(request), **payload.dict()))


@router.patch("/material-agreements/{agreement_id}", response=responses(AgreementOut))
def update_agreement(request: HttpRequest, payload: AgreementPatch, agreement_id: int = id_path()) -> Any:
    return services.update_agreement(current_user(request), agreement_id, **payload.dict(exclude_unset=True))


# Carriers and vehicles -------------------------------------------------------------------------


@router.get("/carriers", response=responses(list[CarrierOut]), summary="运输保障单位 / Carriers")
@paginate(Page)
def list_carriers(request: HttpRequest, filters: Query[MaterialsRegionFilter]) -> Any:
    services.require_view(current_user(request))
    carriers = region_filter(Carrier.objects.visible_to(request.user), filters.region)
    return carriers.prefetch_related(
        Prefetch("vehicles", Vehicle.objects.select_related("carrier"))
    ).order_by("id")


@router.post("/carriers", response=responses(CarrierOut, 201))
def create_carrier(request: HttpRequest, payload: CarrierIn) -> Any:
    return Status(201, services.create_carrier(current_user(request), **payload.dict()))


@router.get("/carriers/{carrier_id}", response=responses(CarrierOut))
def get_carrier(request: HttpRequest, carrier_id: int = id_path()) -> Any:
    services.require_view(current_user(request))
    return Carrier.objects.get_visible_or_404(request.user, pk=carrier_id)


@router.post("/carriers/{carrier_id}/vehicles", response=responses(VehicleOut, 201))
def add_vehicle(request: HttpRequest, payload: VehicleIn, carrier_id: int = id_path()) -> Any:
    vehicle = services.add_vehicle(current_user(request), carrier_id, **payload.dict())
    return Status(201, Vehicle.objects.select_related("carrier").get(pk=vehicle.pk))


@router.get("/vehicles", response=responses(list[VehicleOut]), summary="运输车辆 / Vehicles")
@paginate(Page)
def list_vehicles(request: HttpRequest, filters: Query[MaterialsRegionFilter]) -> Any:
    services.require_view(current_user(request))
    vehicles = region_filter(Vehicle.objects.visible_to(request.user), filters.region)
    return vehicles.select_related("carrier").order_by("id")


@router.post("/vehicles/{vehicle_id}/status", response=responses(VehicleOut))
def set_vehicle_status(request: HttpRequest, payload: VehicleStatusIn, vehicle_id: int = id_path()) -> Any:
    vehicle = services.set_vehicle_status(current_user(request), vehicle_id, status=payload.status)
    return Vehicle.objects.select_related("carrier").get(pk=vehicle.pk)


# Requests --------------------------------------------------------------------------------------


def _request(request: HttpRequest, request_id: int) -> MaterialRequest:
    return MaterialRequest.objects.get_visible_or_404(request.user, pk=request_id)


@router.get("/material-requests", response=responses(list[RequestOut]), summary="物资申请 / Requests")
@paginate(Page)
def list_requests(request: HttpRequest, filters: Query[RequestFilter]) -> Any:
    services.require_view(current_user(request))
    found = region_filter(MaterialRequest.objects.visible_to(request.user), filters.region)
    if filters.status:
        found = found.filter(status=filters.status)
    if filters.awaiting_me:
        found = found.filter(pk__in=requests.awaiting_decision(request.user).values("pk"))
    return found.order_by("-requested_at", "-id")


@router.post("/material-requests", response=responses(RequestDetailOut, 201))
def create_request(request: HttpRequest, payload: RequestIn) -> Any:
    data = payload.dict()
    data["lines"] = [(line["material_code"], line["quantity"]) for line in data["lines"]]
    created = requests.create_request(current_user(request), **data)
    return Status(201, _request(request, created.pk))


@router.get("/material-requests/{request_id}", response=responses(RequestDetailOut))
def get_request(request: HttpRequest, request_id: int = id_path()) -> Any:
    services.require_view(current_user(request))
    return _request(request, request_id)


@router.get(
    "/material-requests/{request_id}/proposal",
    response=responses(ProposalOut),
    summary="按道路时间建议的分配（不预留）/ The allocation by road time, not reserved",
)
def get_proposal(request: HttpRequest, request_id: int = id_path()) -> Any:
    services.require_view(current_user(request))
    proposal = requests.propose(_request(request, request_id))
    return {
        "lines": [
            {
                "material_code": line.material.code,
                "quantity": line.quantity,
                "picks": [
                    {
                        "warehouse_id": s.warehouse_id,
                        "warehouse_name": s.warehouse_name,
                        "quantity": q,
                        "available": s.available,
                        "minutes": s.leg.minutes if s.leg else None,
                        "km": s.leg.km if s.leg else None,
                    }
                    for s, q in picks
                ],
            }
            for line, picks in proposal.plan
        ],
        "shortfalls": proposal.shortfalls,
    }


@router.post("/material-requests/{request_id}/approve", response=responses(RequestDetailOut))
def approve(request: HttpRequest, payload: RequestNoteIn, request_id: int = id_path()) -> Any:
    requests.approve(current_user(request), request_id, note=payload.note)
    return _request(request, request_id)


@router.post("/material-requests/{request_id}/reject", response=responses(RequestDetailOut))
def reject(request: HttpRequest, payload: RequestNoteIn, request_id: int = id_path()) -> Any:
    requests.reject(current_user(request), request_id, note=payload.note)
    return _request(request, request_id)


@router.post(
    "/material-requests/{request_id}/allocate",
    response=responses(RequestDetailOut),
    summary="预留库存（就近、全部或不分配；409 insufficient_stock）/ Reserve stock",
)
def allocate(request: HttpRequest, request_id: int = id_path()) -> Any:
    requests.allocate(current_user(request), request_id)
    return _request(request, request_id)


@router.get(
    "/material-requests/{request_id}/vehicle-options",
    response=responses(list[VehicleOptionOut]),
    summary="可承运车辆（载重够、道路时间近）/ Vehicles that carry the load, nearest first",
)
def vehicle_options(request: HttpRequest, request_id: int = id_path()) -> Any:
    services.require_view(current_user(request))
    material_request = _request(request, request_id)
    reserved = list(
        Allocation.objects.filter(line__request=material_request, status="reserved")
        .select_related("line__material", "stock_item__warehouse")
        .order_by("stock_item__warehouse_id")
    )
    if not reserved:
        return []
    warehouse = reserved[0].stock_item.warehouse
    weight = requests.shipment_weight_kg([a for a in reserved if a.stock_item.warehouse_id == warehouse.pk])
    options = requests.vehicle_options(current_user(request), warehouse, weight)
    return [
        {"vehicle": o.vehicle, "minutes": o.leg.minutes if o.leg else None, "km": o.leg.km if o.leg else None}
        for o in options
    ]


@router.post(
    "/material-requests/{request_id}/dispatch",
    response=responses(RequestDetailOut),
    summary="发运：每个仓库一车，写出库记录与预计到达时间 / Dispatch",
)
def dispatch(request: HttpRequest, payload: RequestDispatchIn, request_id: int = id_path()) -> Any:
    user = current_user(request)
    if payload.warehouse_id is not None:
        requests.dispatch(user, request_id, warehouse_id=payload.warehouse_id, vehicle_id=payload.vehicle_id)
    else:
        requests.dispatch_all(user, request_id)
    return _request(request, request_id)


@router.post("/material-requests/{request_id}/cancel", response=responses(RequestDetailOut))
def cancel(request: HttpRequest, payload: RequestNoteIn, request_id: int = id_path()) -> Any:
    requests.cancel(current_user(request), request_id, note=payload.note)
    return _request(request, request_id)


@router.post(
    "/material-shipments/{shipment_id}/receive",
    response=responses(ShipmentOut),
    summary="接收：未到的数量退回原仓库 / Receive; the rest goes back",
)
def receive_shipment(request: HttpRequest, payload: ShipmentReceiveIn, shipment_id: int = id_path()) -> Any:
    received = {line.material_code: line.received for line in payload.lines}
    if len(received) != len(payload.lines):
        raise InvalidInput("物资重复 / An item is listed twice", details={"field": "lines"})
    shipment = requests.receive_shipment(current_user(request), shipment_id, received=received)
    return (
        Shipment.objects.select_related("warehouse", "vehicle")
        .prefetch_related("lines__material")
        .get(pk=shipment.pk)
    )


# Map -------------------------------------------------------------------------------------------


@router.get(
    "/map/warehouses",
    response=responses(FeatureCollectionOut),
    url_name="materials_map",
    tags=["map"],
    summary="应急物资仓库：按层级着色，低于最低储备标红 / Warehouses by tier, low stock marked",
)
def map_warehouses(request: HttpRequest) -> Any:
    services.require_view(current_user(request))
    return map_features(request.user)


TIER_NAMES = {
    "city": "市级储备库",
    "county": "县级储备库",
    "township": "乡镇储备点",
    "village": "村（社区）储备点",
}
TIER_RADIUS = {"city": 10, "county": 8, "township": 6, "village": 4}


def map_features(user: Any) -> dict[str, Any]:
    """Warehouses as points, colored by tier, outlined red where an item is below its minimum."""
    from django.db.models import Count, Q

    rows = (
        Warehouse.objects.visible_to(user)
        .annotate(low=Count("stock", filter=Q(stock__on_hand__lt=F("stock__minimum"))), items=Count("stock"))
        .order_by("id")
        .values_list("pk", "name", "tier", "longitude", "latitude", "low", "items", "manager", "phone")
    )
    features = []
    for pk, name, tier, lon, lat, low, items, manager, phone in rows:
        popup = [name, TIER_NAMES[tier], f"储备品种 {items} 种"]
        if low:
            popup.append(f"低于最低储备 {low} 种")
        if manager:
            popup.append(f"管理人 {manager} {phone}".strip())
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [lon, lat]},
                "properties": {
                    "id": pk,
                    "label": None,
                    "popup": popup,
                    "style": {
                        "radius": TIER_RADIUS[tier],
                        "color": LOW_COLOR if low else "#ffffff",
                        "weight": 3 if low else 1.5,
                        "fillColor": TIER_COLORS[tier],
                        "fillOpacity": 0.9,
                    },
                    "url": reverse("materials:warehouse_detail", args=[pk]),
                },
            }
        )
    return {"type": "FeatureCollection", "features": features}
