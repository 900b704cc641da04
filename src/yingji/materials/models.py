"""Emergency materials (应急物资): the catalog, warehouses, stock as a ledger, reserves under agreement,
requests from approval to receipt, and the carriers that move them.

Stock is an append-only ledger (`Movement`) over batches; `StockItem.on_hand` and `reserved` are the
ledger's running totals kept in the same transaction, so availability is one indexed row that a
conditional UPDATE can claim (ADR 0034). Quantities are whole units of the catalog item's unit.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from yingji.core.models import Organization, Region, User
from yingji.core.scoping import ScopedQuerySet

MAX_QUANTITY = 10**9  # units of one item in one place: more than any reserve holds

# The plan's five categories of reserve (the catalog's grouping for people; the code is GB/T 38565's).
LIVING = "living"  # 救灾生活类
FIRE_RESCUE = "fire_rescue"  # 消防救援类
FOREST_FIRE = "forest_fire"  # 森林草原防灭火类
FLOOD = "flood"  # 防汛抗旱类
MINE_RESCUE = "mine_rescue"  # 矿山救援类
CATEGORY_CHOICES = [
    (LIVING, _("救灾生活类")),
    (FIRE_RESCUE, _("消防救援类")),
    (FOREST_FIRE, _("森林草原防灭火类")),
    (FLOOD, _("防汛抗旱类")),
    (MINE_RESCUE, _("矿山救援类")),
]

CITY_TIER = "city"  # 市级储备库
COUNTY_TIER = "county"  # 县级储备库
TOWNSHIP_TIER = "township"  # 乡镇（街道）储备点
VILLAGE_TIER = "village"  # 村（社区）储备点
TIER_CHOICES = [
    (CITY_TIER, _("市级储备库")),
    (COUNTY_TIER, _("县级储备库")),
    (TOWNSHIP_TIER, _("乡镇储备点")),
    (VILLAGE_TIER, _("村（社区）储备点")),
]
TIERS = [tier for tier, _label in TIER_CHOICES]

PURCHASE = "purchase"  # 采购
DONATION = "donation"  # 捐赠
ALLOCATION = "allocation"  # 调拨
RETURN = "return"  # 归还
SOURCE_CHOICES = [(PURCHASE, _("采购")), (DONATION, _("捐赠")), (ALLOCATION, _("调拨")), (RETURN, _("归还"))]


class Material(models.Model):
    """An item of the catalog, coded by GB/T 38565-2020, with its unit and shelf life."""

    code = models.CharField("物资编码", max_length=7, unique=True)
    name = models.CharField("名称", max_length=64)
    unit = models.CharField("计量单位", max_length=8)
    category = models.CharField("储备类别", max_length=16, choices=CATEGORY_CHOICES)
    specification = models.CharField("规格", max_length=100, blank=True)
    shelf_life_days = models.PositiveIntegerField("保质期（天）", null=True, blank=True)
    unit_weight_kg = models.FloatField("单位重量（千克）", default=0)

    class Meta:
        ordering = ["code"]
        verbose_name = "物资品目"
        verbose_name_plural = "物资品目"

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Warehouse(models.Model):
    """A reserve at one of the four tiers, kept by an organization, in a region."""

    name = models.CharField("名称", max_length=100)
    tier = models.CharField("层级", max_length=10, choices=TIER_CHOICES)
    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="warehouses", verbose_name="区划"
    )
    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, null=True, blank=True, related_name="warehouses"
    )
    manager = models.CharField("管理人", max_length=32, blank=True)
    phone = models.CharField("联系电话", max_length=32, blank=True)
    address = models.CharField("地址", max_length=200, blank=True)
    longitude = models.FloatField("经度")
    latitude = models.FloatField("纬度")
    area_m2 = models.PositiveIntegerField("库房面积（平方米）", default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()
    scope_region_field = "region"
    scope_organization_field = None  # enterprise officers see no reserve

    class Meta:
        ordering = ["region_id", "name"]
        verbose_name = "物资仓库"
        verbose_name_plural = "物资仓库"
        constraints = [models.UniqueConstraint(fields=["region", "name"], name="warehouse_unique_name")]

    def __str__(self) -> str:
        return self.name


class StockItem(models.Model):
    """One material in one warehouse: its levels and the ledger's running totals.

    `on_hand` is the sum of the batches' remaining quantities; `reserved` what allocations promised
    and dispatch has not yet taken out. Available = on_hand − reserved; the database refuses a row
    where either is negative or reserved exceeds on_hand.
    """

    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="stock")
    material = models.ForeignKey(Material, on_delete=models.PROTECT, related_name="stock")
    minimum = models.PositiveIntegerField("最低储备量", default=0)
    target = models.PositiveIntegerField("目标储备量", default=0)
    on_hand = models.BigIntegerField("库存", default=0)
    reserved = models.BigIntegerField("已预留", default=0)
    # When the low-stock to-do went out; cleared once stock is back at the minimum.
    low_notified_at = models.DateTimeField(null=True, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_region_field = "warehouse__region"
    scope_organization_field = None

    class Meta:
        ordering = ["warehouse_id", "material__code"]
        verbose_name = "库存"
        verbose_name_plural = "库存"
        constraints = [
            models.UniqueConstraint(fields=["warehouse", "material"], name="stock_item_unique"),
            models.CheckConstraint(
                condition=Q(on_hand__gte=0) & Q(reserved__gte=0) & Q(reserved__lte=F("on_hand")),
                name="stock_never_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.warehouse_id}·{self.material_id}"

    @property
    def available(self) -> int:
        return self.on_hand - self.reserved

    @property
    def is_low(self) -> bool:
        return self.on_hand < self.minimum


class Batch(models.Model):
    """Units of one material received together: their dates, source and what remains."""

    stock_item = models.ForeignKey(StockItem, on_delete=models.PROTECT, related_name="batches")
    number = models.CharField("批次号", max_length=40)
    source = models.CharField("来源", max_length=12, choices=SOURCE_CHOICES)
    received_quantity = models.BigIntegerField("入库数量")
    remaining = models.BigIntegerField("结存")
    produced_on = models.DateField("生产日期", null=True, blank=True)
    expires_on = models.DateField("有效期至", null=True, blank=True, db_index=True)
    received_at = models.DateTimeField("入库时间")
    expiry_notified_at = models.DateTimeField(null=True, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_region_field = "stock_item__warehouse__region"
    scope_organization_field = None

    class Meta:
        ordering = ["stock_item_id", "expires_on", "id"]
        verbose_name = "批次"
        verbose_name_plural = "批次"
        constraints = [models.CheckConstraint(condition=Q(remaining__gte=0), name="batch_never_negative")]

    def __str__(self) -> str:
        return self.number


class AppendOnly(models.Model):
    """A row that is written once and never changed or removed (the ledger, its evidence)."""

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise RuntimeError(f"{self._meta.label} rows are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise RuntimeError(f"{self._meta.label} rows are append-only")


IN = "in"  # 入库
OUT = "out"  # 出库
TRANSFER_OUT = "transfer_out"  # 调出
TRANSFER_IN = "transfer_in"  # 调入
ADJUST = "adjust"  # 盘点调整
MOVEMENT_CHOICES = [
    (IN, _("入库")),
    (OUT, _("出库")),
    (TRANSFER_OUT, _("调出")),
    (TRANSFER_IN, _("调入")),
    (ADJUST, _("盘点调整")),
]


class Movement(AppendOnly):
    """One line of the stock ledger: a signed change to one batch, and the item's balance after it."""

    stock_item = models.ForeignKey(StockItem, on_delete=models.PROTECT, related_name="movements")
    batch = models.ForeignKey(Batch, on_delete=models.PROTECT, related_name="movements")
    kind = models.CharField("类型", max_length=12, choices=MOVEMENT_CHOICES)
    quantity = models.BigIntegerField("数量（增为正、减为负）")
    balance_after = models.BigIntegerField("变动后库存")
    at = models.DateTimeField("时间", db_index=True)
    actor = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    actor_name = models.CharField(max_length=150)
    note = models.CharField("说明", max_length=200, blank=True)
    shipment = models.ForeignKey(
        "Shipment", on_delete=models.PROTECT, null=True, blank=True, related_name="movements"
    )
    stocktake = models.ForeignKey(
        "Stocktake", on_delete=models.PROTECT, null=True, blank=True, related_name="movements"
    )

    objects = ScopedQuerySet.as_manager()
    scope_region_field = "stock_item__warehouse__region"
    scope_organization_field = None

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = "出入库记录"
        verbose_name_plural = "出入库记录"

    def __str__(self) -> str:
        return f"{self.kind} {self.quantity:+d}"


class Stocktake(AppendOnly):
    """A count of a warehouse's batches; its differences became adjust movements."""

    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="stocktakes")
    at = models.DateTimeField("盘点时间")
    actor = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    actor_name = models.CharField(max_length=150)
    note = models.CharField("说明", max_length=200, blank=True)
    lines_counted = models.PositiveIntegerField("盘点批次数", default=0)
    differences = models.PositiveIntegerField("差异批次数", default=0)

    objects = ScopedQuerySet.as_manager()
    scope_region_field = "warehouse__region"
    scope_organization_field = None

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = "盘点"
        verbose_name_plural = "盘点"

    def __str__(self) -> str:
        return f"盘点 {self.at:%Y-%m-%d}"


class StocktakeLine(AppendOnly):
    """One batch as counted: what the ledger said and what was found."""

    stocktake = models.ForeignKey(Stocktake, on_delete=models.PROTECT, related_name="lines")
    batch = models.ForeignKey(Batch, on_delete=models.PROTECT, related_name="+")
    recorded = models.BigIntegerField("账面数")
    counted = models.BigIntegerField("实盘数")

    class Meta:
        ordering = ["stocktake_id", "id"]

    def __str__(self) -> str:
        return f"{self.batch_id}: {self.recorded} → {self.counted}"

    @property
    def difference(self) -> int:
        return self.counted - self.recorded


AGREEMENT = "agreement"  # 协议储备: the enterprise holds a committed quantity for the bureau
CAPACITY = "capacity"  # 产能储备: the enterprise commits a daily production capacity
AGREEMENT_KIND_CHOICES = [(AGREEMENT, _("协议储备")), (CAPACITY, _("产能储备"))]


class Agreement(models.Model):
    """A reserve contract with an enterprise: an item, a quantity held or a daily capacity, a period."""

    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+", verbose_name="区划")
    kind = models.CharField("类型", max_length=10, choices=AGREEMENT_KIND_CHOICES)
    number = models.CharField("合同编号", max_length=40)
    supplier = models.CharField("企业", max_length=100)
    contact = models.CharField("联系人", max_length=32, blank=True)
    phone = models.CharField("联系电话", max_length=32, blank=True)
    material = models.ForeignKey(Material, on_delete=models.PROTECT, related_name="agreements")
    quantity = models.PositiveIntegerField("协议储备量", default=0)
    daily_capacity = models.PositiveIntegerField("日产能", default=0)
    delivery_hours = models.PositiveIntegerField("供货时限（小时）")
    starts_on = models.DateField("起始日期")
    ends_on = models.DateField("截止日期", db_index=True)
    expiry_notified_at = models.DateTimeField(null=True, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_region_field = "region"
    scope_organization_field = None

    class Meta:
        ordering = ["ends_on", "id"]
        verbose_name = "储备协议"
        verbose_name_plural = "储备协议"
        constraints = [models.UniqueConstraint(fields=["region", "number"], name="agreement_unique_number")]

    def __str__(self) -> str:
        return f"{self.number} {self.supplier}"


SUBMITTED = "submitted"  # 待审批: waits for the administrators of the supplying region
APPROVED = "approved"  # 已审批: waits for allocation
ALLOCATED = "allocated"  # 已分配: stock reserved in warehouses, waits for dispatch
DISPATCHED = "dispatched"  # 已发运: every shipment on its way, waits for receipt
RECEIVED = "received"  # 已接收: every shipment received (the rest returned)
REJECTED = "rejected"  # 已驳回
CANCELLED = "cancelled"  # 已取消: its reservations released
REQUEST_STATUS_CHOICES = [
    (SUBMITTED, _("待审批")),
    (APPROVED, _("待分配")),
    (ALLOCATED, _("待发运")),
    (DISPATCHED, _("运输中")),
    (RECEIVED, _("已接收")),
    (REJECTED, _("已驳回")),
    (CANCELLED, _("已取消")),
]
OPEN_REQUEST_STATUSES = (SUBMITTED, APPROVED, ALLOCATED, DISPATCHED)


class MaterialRequest(models.Model):
    """A request for materials to a place, approved and supplied by the region that owns the stock.

    `region` is where the need is (the requester's region); `supplier_region` the region whose
    warehouses send (the same region or one above it), whose administrators approve.
    """

    number = models.CharField("申请编号", max_length=24, unique=True)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+", verbose_name="需求区划")
    supplier_region = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="+", verbose_name="供应区划"
    )
    title = models.CharField("事由", max_length=100)
    destination = models.CharField("送达地点", max_length=100)
    longitude = models.FloatField("经度")
    latitude = models.FloatField("纬度")
    needed_by = models.DateTimeField("需求时间")
    status = models.CharField("状态", max_length=12, choices=REQUEST_STATUS_CHOICES, default=SUBMITTED)
    requested_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, related_name="+")
    requested_at = models.DateTimeField("申请时间")
    decided_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    decided_at = models.DateTimeField("审批时间", null=True, blank=True)
    decision_note = models.CharField("审批意见", max_length=200, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_region_field = "region"
    scope_organization_field = None

    class Meta:
        ordering = ["-requested_at", "-id"]
        verbose_name = "物资申请"
        verbose_name_plural = "物资申请"
        indexes = [models.Index(fields=["status", "supplier_region"], name="material_request_awaiting")]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"


class RequestLine(models.Model):
    """One material of a request and how much of it was asked, reserved, sent and received."""

    request = models.ForeignKey(MaterialRequest, on_delete=models.CASCADE, related_name="lines")
    material = models.ForeignKey(Material, on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveIntegerField("申请数量")

    class Meta:
        ordering = ["request_id", "id"]
        constraints = [models.UniqueConstraint(fields=["request", "material"], name="request_line_unique")]

    def __str__(self) -> str:
        return f"{self.material_id} × {self.quantity}"


RESERVED = "reserved"  # 已预留: counted in the stock item's `reserved`
TAKEN = "taken"  # 已出库: dispatch took it out
RELEASED = "released"  # 已释放: the request was cancelled before dispatch
ALLOCATION_STATUS_CHOICES = [(RESERVED, _("已预留")), (TAKEN, _("已出库")), (RELEASED, _("已释放"))]


class Allocation(models.Model):
    """Stock of one warehouse promised to one request line (a reservation until dispatch)."""

    line = models.ForeignKey(RequestLine, on_delete=models.CASCADE, related_name="allocations")
    stock_item = models.ForeignKey(StockItem, on_delete=models.PROTECT, related_name="allocations")
    quantity = models.PositiveIntegerField("数量")
    minutes = models.FloatField("道路时间（分钟）", null=True, blank=True)
    km = models.FloatField("道路里程（公里）", null=True, blank=True)
    status = models.CharField("状态", max_length=10, choices=ALLOCATION_STATUS_CHOICES, default=RESERVED)

    class Meta:
        ordering = ["line_id", "minutes", "id"]

    def __str__(self) -> str:
        return f"{self.stock_item_id} × {self.quantity}"


VEHICLE_KIND_CHOICES = [
    ("truck", _("厢式货车")),
    ("flatbed", _("平板运输车")),
    ("light_truck", _("轻型货车")),
    ("van", _("面包车")),
    ("bus", _("客车")),
]
VEHICLE_KINDS = [kind for kind, _label in VEHICLE_KIND_CHOICES]
VEHICLE_AVAILABLE = "available"  # 可调用
VEHICLE_ASSIGNED = "assigned"  # 执行运输任务
VEHICLE_OUT_OF_SERVICE = "out_of_service"  # 维修停用
VEHICLE_STATUS_CHOICES = [
    (VEHICLE_AVAILABLE, _("可调用")),
    (VEHICLE_ASSIGNED, _("任务中")),
    (VEHICLE_OUT_OF_SERVICE, _("停用")),
]


class Carrier(models.Model):
    """A transport company under agreement (运输保障协议) to move emergency materials."""

    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+", verbose_name="区划")
    name = models.CharField("名称", max_length=100)
    contact = models.CharField("联系人", max_length=32, blank=True)
    phone = models.CharField("联系电话", max_length=32, blank=True)
    agreement_number = models.CharField("协议编号", max_length=40, blank=True)
    agreement_ends_on = models.DateField("协议截止日期", null=True, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_region_field = "region"
    scope_organization_field = None

    class Meta:
        ordering = ["region_id", "name"]
        verbose_name = "运输保障单位"
        verbose_name_plural = "运输保障单位"
        constraints = [models.UniqueConstraint(fields=["region", "name"], name="carrier_unique_name")]

    def __str__(self) -> str:
        return self.name


class Vehicle(models.Model):
    """A vehicle of a carrier: plate, kind, what it carries, where it waits, whether it can go."""

    carrier = models.ForeignKey(Carrier, on_delete=models.PROTECT, related_name="vehicles")
    plate = models.CharField("车牌号", max_length=12, unique=True)
    kind = models.CharField("车型", max_length=12, choices=VEHICLE_KIND_CHOICES)
    capacity_t = models.FloatField("载重（吨）", default=0)
    seats = models.PositiveSmallIntegerField("座位数", default=0)
    longitude = models.FloatField("驻地经度")
    latitude = models.FloatField("驻地纬度")
    status = models.CharField(
        "状态", max_length=16, choices=VEHICLE_STATUS_CHOICES, default=VEHICLE_AVAILABLE
    )

    objects = ScopedQuerySet.as_manager()
    scope_region_field = "carrier__region"
    scope_organization_field = None

    class Meta:
        ordering = ["carrier_id", "plate"]
        verbose_name = "运输车辆"
        verbose_name_plural = "运输车辆"

    def __str__(self) -> str:
        return self.plate


IN_TRANSIT = "in_transit"  # 运输中
DELIVERED = "delivered"  # 已接收
SHIPMENT_STATUS_CHOICES = [(IN_TRANSIT, _("运输中")), (DELIVERED, _("已接收"))]


class Shipment(models.Model):
    """What one warehouse sent for one request: the vehicle, the road time and the receipt."""

    request = models.ForeignKey(MaterialRequest, on_delete=models.CASCADE, related_name="shipments")
    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="shipments")
    vehicle = models.ForeignKey(Vehicle, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    weight_kg = models.FloatField("重量（千克）", default=0)
    minutes = models.FloatField("道路时间（分钟）", null=True, blank=True)
    km = models.FloatField("道路里程（公里）", null=True, blank=True)
    dispatched_at = models.DateTimeField("发运时间")
    eta = models.DateTimeField("预计到达", null=True, blank=True)
    status = models.CharField("状态", max_length=12, choices=SHIPMENT_STATUS_CHOICES, default=IN_TRANSIT)
    received_at = models.DateTimeField("接收时间", null=True, blank=True)
    received_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")

    objects = ScopedQuerySet.as_manager()
    scope_region_field = "request__region"
    scope_organization_field = None

    class Meta:
        ordering = ["request_id", "id"]
        verbose_name = "物资发运"
        verbose_name_plural = "物资发运"

    def __str__(self) -> str:
        return f"{self.request_id}/{self.warehouse_id}"

    @property
    def weight_t(self) -> float:
        return self.weight_kg / 1000


class ShipmentLine(models.Model):
    """One material of a shipment: sent, and at receipt what arrived and what went back."""

    shipment = models.ForeignKey(Shipment, on_delete=models.CASCADE, related_name="lines")
    allocation = models.OneToOneField(Allocation, on_delete=models.PROTECT, related_name="shipment_line")
    material = models.ForeignKey(Material, on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveIntegerField("发运数量")
    received = models.PositiveIntegerField("接收数量", null=True, blank=True)
    returned = models.PositiveIntegerField("退回数量", default=0)

    class Meta:
        ordering = ["shipment_id", "id"]

    def __str__(self) -> str:
        return f"{self.material_id} × {self.quantity}"
