"""Pages of the reserves: catalog, warehouses with their stock and forms, the ledger, agreements,
requests from submission to receipt, and carriers with their vehicles.

Forms post back to their page with an `action`; the view calls the service and shows a DomainError's
message in the reader's language next to the forms.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, F, Prefetch, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from yingji.core import regioncodes, spreadsheets
from yingji.core.api_common import current_user
from yingji.core.errors import DomainError, NotFound
from yingji.core.forms import ISO_DATETIME_LOCAL, BoundedDateTimeField, date_field
from yingji.core.models import Region
from yingji.core.registry import county_filter
from yingji.materials import ledger, requests, services
from yingji.materials.checks import expiry_notice_days, near_expiry
from yingji.materials.models import (
    AGREEMENT_KIND_CHOICES,
    CATEGORY_CHOICES,
    MAX_QUANTITY,
    MOVEMENT_CHOICES,
    REQUEST_STATUS_CHOICES,
    SOURCE_CHOICES,
    TIER_CHOICES,
    VEHICLE_KIND_CHOICES,
    Agreement,
    Allocation,
    Batch,
    Carrier,
    Material,
    MaterialRequest,
    Movement,
    StockItem,
    Warehouse,
)

PAGE_SIZE = 50
REQUEST_LINES = 8  # rows of the new-request form


def _materials() -> list[tuple[str, str]]:
    return [
        (code, f"{code} {name}（{unit}）")
        for code, name, unit in Material.objects.values_list("code", "name", "unit")
    ]


class ReceiptForm(forms.Form):
    material_code = forms.ChoiceField(label=gettext_lazy("物资"))
    quantity = forms.IntegerField(label=gettext_lazy("数量"), min_value=1, max_value=MAX_QUANTITY)
    source = forms.ChoiceField(label=gettext_lazy("来源"), choices=SOURCE_CHOICES)
    number = forms.CharField(label=gettext_lazy("批次号"), max_length=40, required=False)
    produced_on = date_field(gettext_lazy("生产日期"), required=False)
    expires_on = date_field(gettext_lazy("有效期至"), required=False)
    note = forms.CharField(label=gettext_lazy("说明"), max_length=200, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["material_code"].choices = _materials()  # type: ignore[attr-defined]


class IssueForm(forms.Form):
    material_code = forms.ChoiceField(label=gettext_lazy("物资"))
    quantity = forms.IntegerField(label=gettext_lazy("数量"), min_value=1, max_value=MAX_QUANTITY)
    note = forms.CharField(label=gettext_lazy("用途"), max_length=200, required=False)

    def __init__(self, *args: Any, items: list[tuple[str, str]] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["material_code"].choices = items or []  # type: ignore[attr-defined]


class TransferForm(IssueForm):
    to_warehouse = forms.ChoiceField(label=gettext_lazy("调入仓库"))


class LevelsForm(forms.Form):
    material_code = forms.ChoiceField(label=gettext_lazy("物资"))
    minimum = forms.IntegerField(label=gettext_lazy("最低储备量"), min_value=0, max_value=MAX_QUANTITY)
    target = forms.IntegerField(label=gettext_lazy("目标储备量"), min_value=0, max_value=MAX_QUANTITY)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["material_code"].choices = _materials()  # type: ignore[attr-defined]


class WarehouseForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("名称"), max_length=100)
    tier = forms.ChoiceField(label=gettext_lazy("层级"), choices=TIER_CHOICES)
    region_code = forms.CharField(label=gettext_lazy("区划代码"), max_length=12)
    manager = forms.CharField(label=gettext_lazy("管理人"), max_length=32, required=False)
    phone = forms.CharField(label=gettext_lazy("联系电话"), max_length=32, required=False)
    address = forms.CharField(label=gettext_lazy("地址"), max_length=200, required=False)
    longitude = forms.FloatField(label=gettext_lazy("经度"), min_value=-180, max_value=180)
    latitude = forms.FloatField(label=gettext_lazy("纬度"), min_value=-90, max_value=90)
    area_m2 = forms.IntegerField(
        label=gettext_lazy("库房面积（平方米）"), min_value=0, max_value=10**7, initial=0
    )


class AgreementForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("类型"), choices=AGREEMENT_KIND_CHOICES)
    number = forms.CharField(label=gettext_lazy("合同编号"), max_length=40)
    supplier = forms.CharField(label=gettext_lazy("企业"), max_length=100)
    contact = forms.CharField(label=gettext_lazy("联系人"), max_length=32, required=False)
    phone = forms.CharField(label=gettext_lazy("联系电话"), max_length=32, required=False)
    material_code = forms.ChoiceField(label=gettext_lazy("物资"))
    quantity = forms.IntegerField(
        label=gettext_lazy("协议储备量"), min_value=0, max_value=MAX_QUANTITY, initial=0
    )
    daily_capacity = forms.IntegerField(
        label=gettext_lazy("日产能"), min_value=0, max_value=MAX_QUANTITY, initial=0
    )
    delivery_hours = forms.IntegerField(label=gettext_lazy("供货时限（小时）"), min_value=1, max_value=720)
    starts_on = date_field(gettext_lazy("起始日期"))
    ends_on = date_field(gettext_lazy("截止日期"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["material_code"].choices = _materials()  # type: ignore[attr-defined]


class CarrierForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("名称"), max_length=100)
    contact = forms.CharField(label=gettext_lazy("联系人"), max_length=32, required=False)
    phone = forms.CharField(label=gettext_lazy("联系电话"), max_length=32, required=False)
    agreement_number = forms.CharField(label=gettext_lazy("协议编号"), max_length=40, required=False)
    agreement_ends_on = date_field(gettext_lazy("协议截止日期"), required=False)


class VehicleForm(forms.Form):
    plate = forms.CharField(label=gettext_lazy("车牌号"), max_length=12)
    kind = forms.ChoiceField(label=gettext_lazy("车型"), choices=VEHICLE_KIND_CHOICES)
    capacity_t = forms.FloatField(label=gettext_lazy("载重（吨）"), min_value=0, max_value=100, initial=0)
    seats = forms.IntegerField(label=gettext_lazy("座位数"), min_value=0, max_value=100, initial=0)
    longitude = forms.FloatField(label=gettext_lazy("驻地经度"), min_value=-180, max_value=180)
    latitude = forms.FloatField(label=gettext_lazy("驻地纬度"), min_value=-90, max_value=90)


class RequestForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("事由"), max_length=100)
    region_code = forms.ChoiceField(label=gettext_lazy("需求区划"))
    supplier_region_code = forms.ChoiceField(label=gettext_lazy("供应区划"), required=False)
    destination = forms.CharField(label=gettext_lazy("送达地点"), max_length=100)
    longitude = forms.FloatField(label=gettext_lazy("经度"), min_value=-180, max_value=180)
    latitude = forms.FloatField(label=gettext_lazy("纬度"), min_value=-90, max_value=90)
    needed_by = BoundedDateTimeField(label=gettext_lazy("需求时间"), input_formats=[ISO_DATETIME_LOCAL])

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        regions = Region.objects.filter(
            path__startswith=user.region.path, level__in=[regioncodes.CITY, regioncodes.COUNTY]
        ).order_by("code")
        choices = [(r.code, r.name) for r in regions]
        self.fields["region_code"].choices = choices  # type: ignore[attr-defined]
        suppliers = [
            (r.code, r.name) for r in user.region.ancestors().filter(level=regioncodes.CITY)
        ] + choices
        self.fields["supplier_region_code"].choices = [("", _("所在县（默认）")), *suppliers]  # type: ignore[attr-defined]
        materials = [("", "—"), *_materials()]
        for index in range(REQUEST_LINES):
            self.fields[f"material_{index}"] = forms.ChoiceField(
                label=gettext_lazy("物资"), choices=materials, required=False
            )
            self.fields[f"quantity_{index}"] = forms.IntegerField(
                label=gettext_lazy("数量"), min_value=1, max_value=MAX_QUANTITY, required=False
            )

    def lines(self) -> list[tuple[str, int]]:
        data = self.cleaned_data
        return [
            (data[f"material_{i}"], data[f"quantity_{i}"])
            for i in range(REQUEST_LINES)
            if data.get(f"material_{i}") and data.get(f"quantity_{i}")
        ]

    def line_fields(self) -> list[tuple[Any, Any]]:
        return [(self[f"material_{i}"], self[f"quantity_{i}"]) for i in range(REQUEST_LINES)]


def _require_view(request: HttpRequest) -> None:
    if not services.may_view(request.user):
        raise Http404


def _counties(user: Any) -> list[Region]:
    if not user.scope.covers_region(user.region) or user.region.level != regioncodes.CITY:
        return []
    return list(Region.objects.filter(level=regioncodes.COUNTY, parent=user.region).order_by("code"))


def _id(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise NotFound() from None


# Catalog ---------------------------------------------------------------------------------------


@login_required
def catalog(request: HttpRequest) -> HttpResponse:
    _require_view(request)
    chosen = {key: request.GET.get(key, "") for key in ("category", "q")}
    materials = Material.objects.order_by("code")
    if chosen["category"] in dict(CATEGORY_CHOICES):
        materials = materials.filter(category=chosen["category"])
    if chosen["q"]:
        materials = materials.filter(Q(name__contains=chosen["q"]) | Q(code__startswith=chosen["q"]))
    return render(
        request,
        "materials/catalog.html",
        {"materials": materials, "chosen": chosen, "categories": CATEGORY_CHOICES},
    )


# Warehouses ------------------------------------------------------------------------------------


def listed_warehouses(user: Any, filters: Mapping[str, str]) -> Any:
    """The warehouse list's records: what the user sees, by county, tier, `low=1` and name."""
    if not services.may_view(user):
        return Warehouse.objects.none()
    warehouses = Warehouse.objects.visible_to(user)
    county = county_filter(user, filters.get("county"))
    if county is not None:
        warehouses = warehouses.in_region(county)
    if filters.get("tier") in dict(TIER_CHOICES):
        warehouses = warehouses.filter(tier=filters["tier"])
    if filters.get("low") == "1":
        warehouses = warehouses.filter(
            pk__in=StockItem.objects.filter(on_hand__lt=F("minimum")).values("warehouse_id")
        )
    if filters.get("q"):
        warehouses = warehouses.filter(name__contains=filters["q"])
    return warehouses


@login_required
def warehouse_list(request: HttpRequest) -> HttpResponse:
    _require_view(request)
    user = current_user(request)
    chosen = {key: request.GET.get(key, "") for key in ("county", "tier", "low", "q")}
    warehouses = (
        listed_warehouses(user, chosen)
        .select_related("region")
        .annotate(
            items=Count("stock", filter=Q(stock__on_hand__gt=0)),
            low_items=Count("stock", filter=Q(stock__on_hand__lt=F("stock__minimum"))),
        )
        .order_by("region__path", "name")
    )
    visible = Warehouse.objects.visible_to(user)
    today = timezone.localdate()
    summary = {
        "warehouses": visible.count(),
        "low_items": StockItem.objects.visible_to(user).filter(on_hand__lt=F("minimum")).count(),
        "near_expiry": near_expiry(Batch.objects.visible_to(user), today).count(),  # type: ignore[attr-defined]
        "awaiting": requests.awaiting_decision(user).count(),
    }
    tiers = dict(visible.values_list("tier").annotate(n=Count("pk")).values_list("tier", "n"))
    return render(
        request,
        "materials/warehouse_list.html",
        {
            "page": Paginator(warehouses, PAGE_SIZE).get_page(request.GET.get("page")),
            "chosen": chosen,
            "counties": _counties(user),
            "tiers": TIER_CHOICES,
            "summary": summary,
            "tier_counts": [(label, tiers.get(tier, 0)) for tier, label in TIER_CHOICES],
            "may_manage": services.may_manage(user),
            "notice_days": expiry_notice_days(),
        },
    )


@login_required
def warehouse_new(request: HttpRequest) -> HttpResponse:
    _require_view(request)
    user = current_user(request)
    if not services.may_manage(user):
        raise Http404
    form = WarehouseForm(request.POST or None, initial={"region_code": user.region_id})
    error = ""
    if request.method == "POST" and form.is_valid():
        try:
            warehouse = services.create_warehouse(user, **form.cleaned_data)
        except DomainError as failure:
            error = failure.page_message
        else:
            messages.success(request, _("已登记仓库“%(name)s”。") % {"name": warehouse.name})
            return redirect("materials:warehouse_detail", pk=warehouse.pk)
    return render(request, "materials/form.html", {"form": form, "error": error, "title": _("登记物资仓库")})


def _warehouse_action(request: HttpRequest, warehouse: Warehouse, forms_: dict[str, forms.Form]) -> str:
    user = current_user(request)
    action = request.POST.get("action", "")
    try:
        if action == "stocktake":
            counts = []
            for key, value in request.POST.items():
                if key.startswith("count_") and value.strip() != "":
                    counts.append((_id(key.removeprefix("count_")), _id(value)))
            services.take_stock(user, warehouse.pk, counts=counts, note=request.POST.get("note", "")[:200])
            return ""
        form = forms_.get(action)
        if form is None:
            return _("未知操作")
        if not form.is_valid():
            return _("请检查填写的内容")
        data = dict(form.cleaned_data)
        if action == "receive":
            services.receive(user, warehouse.pk, **data)
        elif action == "issue":
            services.issue(user, warehouse.pk, **data)
        elif action == "transfer":
            target = _id(data.pop("to_warehouse"))
            services.transfer(user, warehouse.pk, to_warehouse_id=target, **data)
        elif action == "levels":
            services.set_levels(user, warehouse.pk, **data)
    except DomainError as failure:
        return failure.page_message
    return ""


@login_required
def warehouse_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _require_view(request)
    user = current_user(request)
    try:
        warehouse = Warehouse.objects.select_related("region", "organization").get_visible_or_404(user, pk=pk)
    except NotFound:
        raise Http404 from None
    items = list(warehouse.stock.select_related("material").order_by("material__code"))
    in_stock = [
        (i.material.code, f"{i.material.code} {i.material.name}（{_('可用')} {i.available}）")
        for i in items
        if i.available > 0
    ]
    others = [
        (w.pk, w.name)
        for w in Warehouse.objects.visible_to(user).exclude(pk=pk).order_by("region__path", "name")
    ]
    post = request.POST if request.method == "POST" else None
    action = request.POST.get("action", "") if post else ""
    bound: dict[str, forms.Form] = {
        "receive": ReceiptForm(post if action == "receive" else None),
        "issue": IssueForm(post if action == "issue" else None, items=in_stock),
        "transfer": TransferForm(post if action == "transfer" else None, items=in_stock),
        "levels": LevelsForm(post if action == "levels" else None),
    }
    bound["transfer"].fields["to_warehouse"].choices = others  # type: ignore[attr-defined]
    error = ""
    if post is not None:
        if not services.may_manage(user):
            raise Http404
        error = _warehouse_action(request, warehouse, bound)
        if not error:
            messages.success(request, _("已保存。"))
            return redirect("materials:warehouse_detail", pk=pk)
        items = list(warehouse.stock.select_related("material").order_by("material__code"))
    for item in items:
        item.percent = min(100, round(100 * item.on_hand / item.target)) if item.target else None
    today = timezone.localdate()
    batches = list(
        Batch.objects.filter(stock_item__warehouse=warehouse, remaining__gt=0)
        .select_related("stock_item__material")
        .order_by(F("expires_on").asc(nulls_last=True), "id")
    )
    soon = today.toordinal() + expiry_notice_days()
    for batch in batches:
        batch.state = (
            "expired"
            if batch.expires_on and batch.expires_on < today
            else "soon"
            if batch.expires_on and batch.expires_on.toordinal() <= soon
            else ""
        )
    movements = (
        Movement.objects.filter(stock_item__warehouse=warehouse)
        .select_related("stock_item__material", "batch")
        .order_by("-at", "-id")[:20]
    )
    return render(
        request,
        "materials/warehouse_detail.html",
        {
            "warehouse": warehouse,
            "items": items,
            "batches": batches,
            "movements": movements,
            "error": error,
            "failed_action": action if error else "",
            "forms": bound,
            "may_manage": services.may_manage(user),
            "stocktakes": warehouse.stocktakes.order_by("-at")[:5],
        },
    )


def listed_movements(user: Any, filters: Mapping[str, str]) -> Any:
    if not services.may_view(user):
        return Movement.objects.none()
    movements = Movement.objects.visible_to(user)
    county = county_filter(user, filters.get("county"))
    if county is not None:
        movements = movements.filter(stock_item__warehouse__region__path__startswith=county.path)
    if filters.get("warehouse", "").isdigit():
        movements = movements.filter(stock_item__warehouse_id=int(filters["warehouse"]))
    if filters.get("kind") in dict(MOVEMENT_CHOICES):
        movements = movements.filter(kind=filters["kind"])
    return movements


@login_required
def movement_list(request: HttpRequest) -> HttpResponse:
    _require_view(request)
    user = current_user(request)
    chosen = {key: request.GET.get(key, "") for key in ("county", "warehouse", "kind")}
    movements = (
        listed_movements(user, chosen)
        .select_related("stock_item__warehouse", "stock_item__material", "batch")
        .order_by("-at", "-id")
    )
    return render(
        request,
        "materials/movement_list.html",
        {
            "page": Paginator(movements, PAGE_SIZE).get_page(request.GET.get("page")),
            "chosen": chosen,
            "counties": _counties(user),
            "kinds": MOVEMENT_CHOICES,
        },
    )


@login_required
def stock_export(request: HttpRequest) -> HttpResponse:
    _require_view(request)
    user = current_user(request)
    batches = Batch.objects.visible_to(user).filter(remaining__gt=0)
    county = county_filter(user, request.GET.get("county"))
    if county is not None:
        batches = batches.filter(stock_item__warehouse__region__path__startswith=county.path)
    if request.GET.get("warehouse", "").isdigit():
        batches = batches.filter(stock_item__warehouse_id=int(request.GET["warehouse"]))
    content = ledger.export_workbook(
        batches.select_related("stock_item__warehouse", "stock_item__material").order_by(
            "stock_item__warehouse_id", "stock_item__material__code", "expires_on", "id"
        )
    )
    return spreadsheets.download(content, "stock.xlsx")


@login_required
def stock_import(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    if not services.may_manage(user):
        raise Http404
    context: dict[str, Any] = {}
    if request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None or upload.size > 5 * 1024 * 1024:
            context["error"] = _("请选择不超过 5 MB 的 .xlsx 文件")
        else:
            try:
                context["imported"] = ledger.import_workbook(user, upload.read())
            except DomainError as error:
                context["error"] = error.page_message
                context["row_errors"] = (
                    error.details.get("errors", []) if isinstance(error.details, dict) else []
                )
    return render(request, "materials/import.html", context)


# Agreements ------------------------------------------------------------------------------------


@login_required
def agreement_list(request: HttpRequest) -> HttpResponse:
    _require_view(request)
    user = current_user(request)
    may_manage = services.may_manage(user)
    form = AgreementForm(request.POST or None)
    error = ""
    if request.method == "POST":
        if not may_manage:
            raise Http404
        if form.is_valid():
            try:
                services.create_agreement(user, region_code=user.region_id, **form.cleaned_data)
            except DomainError as failure:
                error = failure.page_message
            else:
                messages.success(request, _("已登记储备协议。"))
                return redirect("materials:agreement_list")
        else:
            error = _("请检查填写的内容")
    agreements = (
        Agreement.objects.visible_to(user).select_related("material", "region").order_by("ends_on", "id")
    )
    today = timezone.localdate()
    for agreement in agreements:
        agreement.days_left = (agreement.ends_on - today).days
    return render(
        request,
        "materials/agreement_list.html",
        {
            "agreements": agreements,
            "form": form,
            "error": error,
            "may_manage": may_manage,
        },
    )


# Carriers --------------------------------------------------------------------------------------


@login_required
def carrier_list(request: HttpRequest) -> HttpResponse:
    _require_view(request)
    user = current_user(request)
    may_manage = services.may_manage(user)
    form = CarrierForm(request.POST or None)
    error = ""
    if request.method == "POST":
        if not may_manage:
            raise Http404
        if form.is_valid():
            try:
                carrier = services.create_carrier(user, region_code=user.region_id, **form.cleaned_data)
            except DomainError as failure:
                error = failure.page_message
            else:
                return redirect("materials:carrier_detail", pk=carrier.pk)
        else:
            error = _("请检查填写的内容")
    carriers = (
        Carrier.objects.visible_to(user)
        .select_related("region")
        .annotate(
            vehicle_count=Count("vehicles"),
            available=Count("vehicles", filter=Q(vehicles__status="available")),
        )
        .order_by("region__path", "name")
    )
    return render(
        request,
        "materials/carrier_list.html",
        {"carriers": carriers, "form": form, "error": error, "may_manage": may_manage},
    )


@login_required
def carrier_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _require_view(request)
    user = current_user(request)
    try:
        carrier = Carrier.objects.select_related("region").get_visible_or_404(user, pk=pk)
    except NotFound:
        raise Http404 from None
    action = request.POST.get("action", "") if request.method == "POST" else ""
    form = VehicleForm(request.POST if action == "add_vehicle" else None)
    error = ""
    if request.method == "POST":
        if not services.may_manage(user):
            raise Http404
        try:
            if action == "add_vehicle":
                if form.is_valid():
                    services.add_vehicle(user, carrier.pk, **form.cleaned_data)
                else:
                    error = _("请检查填写的内容")
            elif action == "status":
                services.set_vehicle_status(
                    user, _id(request.POST.get("vehicle")), status=request.POST.get("status", "")
                )
            else:
                error = _("未知操作")
        except DomainError as failure:
            error = failure.page_message
        if not error:
            messages.success(request, _("已保存。"))
            return redirect("materials:carrier_detail", pk=pk)
    return render(
        request,
        "materials/carrier_detail.html",
        {
            "carrier": carrier,
            "vehicles": carrier.vehicles.order_by("plate"),
            "form": form,
            "error": error,
            "may_manage": services.may_manage(user),
        },
    )


# Requests --------------------------------------------------------------------------------------


def listed_requests(user: Any, filters: Mapping[str, str]) -> Any:
    """The request list's records: what the user sees, by county, status and `awaiting=1` (to decide)."""
    if not services.may_view(user):
        return MaterialRequest.objects.none()
    found = MaterialRequest.objects.visible_to(user)
    county = county_filter(user, filters.get("county"))
    if county is not None:
        found = found.in_region(county)
    if filters.get("status") in dict(REQUEST_STATUS_CHOICES):
        found = found.filter(status=filters["status"])
    if filters.get("awaiting") == "1":
        found = found.filter(pk__in=requests.awaiting_decision(user).values("pk"))
    return found


@login_required
def request_list(request: HttpRequest) -> HttpResponse:
    _require_view(request)
    user = current_user(request)
    chosen = {key: request.GET.get(key, "") for key in ("county", "status", "awaiting")}
    found = (
        listed_requests(user, chosen)
        .select_related("region", "supplier_region")
        .order_by("-requested_at", "-id")
    )
    return render(
        request,
        "materials/request_list.html",
        {
            "page": Paginator(found, PAGE_SIZE).get_page(request.GET.get("page")),
            "chosen": chosen,
            "counties": _counties(user),
            "statuses": REQUEST_STATUS_CHOICES,
            "may_request": requests.may_request(user),
        },
    )


@login_required
def request_new(request: HttpRequest) -> HttpResponse:
    _require_view(request)
    user = current_user(request)
    if not requests.may_request(user):
        raise Http404
    initial = {
        "region_code": user.region_id,
        "longitude": user.region.centroid_lon,
        "latitude": user.region.centroid_lat,
    }
    form = RequestForm(request.POST or None, user=user, initial=initial)
    error = ""
    if request.method == "POST":
        if form.is_valid():
            data = dict(form.cleaned_data)
            lines = form.lines()
            data = {k: v for k, v in data.items() if not k.startswith(("material_", "quantity_"))}
            data["supplier_region_code"] = data["supplier_region_code"] or None
            try:
                created = requests.create_request(user, lines=lines, **data)
            except DomainError as failure:
                error = failure.page_message
            else:
                messages.success(request, _("已提交物资申请 %(number)s。") % {"number": created.number})
                return redirect("materials:request_detail", pk=created.pk)
        else:
            error = _("请检查填写的内容")
    return render(request, "materials/request_new.html", {"form": form, "error": error})


def _request_action(request: HttpRequest, material_request: MaterialRequest) -> str:
    user = current_user(request)
    post = request.POST
    action = post.get("action", "")
    note = post.get("note", "")[:200]
    try:
        if action == "approve":
            requests.approve(user, material_request.pk, note=note)
        elif action == "reject":
            requests.reject(user, material_request.pk, note=note)
        elif action == "allocate":
            requests.allocate(user, material_request.pk)
        elif action == "dispatch":
            vehicle = post.get("vehicle", "")
            requests.dispatch(
                user,
                material_request.pk,
                warehouse_id=_id(post.get("warehouse")),
                vehicle_id=_id(vehicle) if vehicle else None,
            )
        elif action == "dispatch_all":
            requests.dispatch_all(user, material_request.pk)
        elif action == "cancel":
            requests.cancel(user, material_request.pk, note=note)
        elif action == "receive":
            shipment = material_request.shipments.filter(pk=_id(post.get("shipment"))).first()
            if shipment is None:
                raise NotFound()
            received = {}
            for line in shipment.lines.select_related("material"):
                value = post.get(f"received_{line.pk}", "").strip()
                if value:
                    received[line.material.code] = _id(value)
            requests.receive_shipment(user, shipment.pk, received=received)
        else:
            return _("未知操作")
    except DomainError as failure:
        return failure.page_message
    return ""


@login_required
def request_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _require_view(request)
    user = current_user(request)
    try:
        material_request = MaterialRequest.objects.select_related(
            "region", "supplier_region"
        ).get_visible_or_404(user, pk=pk)
    except NotFound:
        raise Http404 from None
    error = ""
    if request.method == "POST":
        if not (requests.may_request(user) or requests.may_decide(user, material_request)):
            raise Http404
        error = _request_action(request, material_request)
        if not error:
            messages.success(request, _("已办理。"))
            return redirect("materials:request_detail", pk=pk)
        material_request.refresh_from_db()
    lines = list(
        material_request.lines.select_related("material").prefetch_related(
            Prefetch("allocations", Allocation.objects.select_related("stock_item__warehouse"))
        )
    )
    deciding = requests.may_decide(user, material_request)
    proposal = requests.propose(material_request) if material_request.status == "approved" else None
    reserved: dict[int, dict[str, Any]] = {}
    for line in lines:
        for allocation in line.allocations.all():
            if allocation.status == "reserved":
                entry = reserved.setdefault(
                    allocation.stock_item.warehouse_id,
                    {
                        "warehouse": allocation.stock_item.warehouse,
                        "allocations": [],
                        "minutes": allocation.minutes,
                    },
                )
                entry["allocations"].append((line.material, allocation.quantity))
    if deciding:
        for entry in reserved.values():
            weight = sum(m.unit_weight_kg * q for m, q in entry["allocations"])
            entry["weight_t"] = weight / 1000
            entry["options"] = requests.vehicle_options(user, entry["warehouse"], weight)
    shipments = list(
        material_request.shipments.select_related("warehouse", "vehicle").prefetch_related("lines__material")
    )
    return render(
        request,
        "materials/request_detail.html",
        {
            "req": material_request,
            "lines": lines,
            "error": error,
            "deciding": deciding,
            "may_request": requests.may_request(user),
            "proposal": proposal,
            "reserved": list(reserved.values()),
            "shipments": shipments,
        },
    )
