"""Pages of the major-hazard register: the list, a new installation, and the detail page with its forms.

Every form on the detail page posts back to it with an `action`; the view calls the service and, on a
DomainError, shows the page again with the message next to the form that failed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, F, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from yingji.core import regioncodes
from yingji.core.api_common import current_user
from yingji.core.errors import DomainError, NotFound
from yingji.core.forms import date_field
from yingji.core.models import Region
from yingji.core.registry import county_filter
from yingji.enterprises.models import Enterprise
from yingji.enterprises.services import may_edit
from yingji.majorhazards import gb18218, services
from yingji.majorhazards.models import (
    FILING_STATUS_CHOICES,
    LEVEL_CHOICES,
    MAX_POPULATION,
    MAX_QUANTITY_T,
    UNIT_KIND_CHOICES,
    Installation,
)

PAGE_SIZE = 50
# GB 18218-2018 Table 2's categories, their descriptions (marked in gb18218.py) in the reader's language.
CATEGORY_CHOICES = [("", "—")] + [
    (symbol, format_lazy("{} {}", symbol, gettext_lazy(text)))
    for symbol, (text, _q) in gb18218.TABLE_2.items()
]


class InstallationForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("名称"), max_length=128)
    exposed_population = forms.IntegerField(
        label=gettext_lazy("厂界外500米内人数"), min_value=0, max_value=MAX_POPULATION, initial=0
    )
    longitude = forms.FloatField(label=gettext_lazy("经度"), required=False, min_value=-180, max_value=180)
    latitude = forms.FloatField(label=gettext_lazy("纬度"), required=False, min_value=-90, max_value=90)


class NewInstallationForm(InstallationForm):
    enterprise = forms.ModelChoiceField(label=gettext_lazy("企业"), queryset=Enterprise.objects.none())
    field_order = ["enterprise", "name", "exposed_population", "longitude", "latitude"]


class UnitForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("单元名称"), max_length=100)
    kind = forms.ChoiceField(label=gettext_lazy("单元类型"), choices=UNIT_KIND_CHOICES)


class InventoryForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("物质名称"), max_length=100, required=False)
    cas = forms.CharField(label=gettext_lazy("CAS号"), max_length=20, required=False)
    category = forms.ChoiceField(label=gettext_lazy("危险性类别"), choices=CATEGORY_CHOICES, required=False)
    quantity_t = forms.FloatField(
        label=gettext_lazy("设计最大量（吨）"), min_value=0, max_value=MAX_QUANTITY_T
    )


class QuantityForm(forms.Form):
    quantity_t = forms.FloatField(
        label=gettext_lazy("设计最大量（吨）"), min_value=0, max_value=MAX_QUANTITY_T
    )
    category = forms.ChoiceField(label=gettext_lazy("危险性类别"), choices=CATEGORY_CHOICES, required=False)


class FilingForm(forms.Form):
    filed_on = date_field(gettext_lazy("备案日期"))
    filing_number = forms.CharField(label=gettext_lazy("备案编号"), max_length=64)
    review_due_on = date_field(gettext_lazy("复核日期"))


def _require_view(request: HttpRequest) -> None:
    if not services.may_view(request.user):
        raise Http404  # the page does not exist for this role, the same answer as out-of-scope


def listed_installations(user: Any, filters: Mapping[str, str]) -> Any:
    """The register's records: what the user sees by county (`region`), level, major, filing and name."""
    if not services.may_view(user):
        return Installation.objects.none()
    installations = Installation.objects.visible_to(user)
    region = county_filter(user, filters.get("region"))
    if region is not None:
        installations = installations.in_region(region)
    if filters.get("level") in {str(level) for level, _label in LEVEL_CHOICES}:
        installations = installations.filter(level=int(filters["level"]))
    if filters.get("is_major") in ("1", "0"):
        installations = installations.filter(is_major=filters["is_major"] == "1")
    if filters.get("filing_status") in dict(FILING_STATUS_CHOICES):
        installations = installations.filter(filing_status=filters["filing_status"])
    if filters.get("q"):
        installations = installations.filter(
            Q(name__contains=filters["q"]) | Q(enterprise__name__contains=filters["q"])
        )
    return installations


@login_required
def installation_list(request: HttpRequest) -> HttpResponse:
    _require_view(request)
    user = current_user(request)
    visible = Installation.objects.visible_to(user)
    filters = {key: request.GET.get(key, "") for key in ("region", "level", "is_major", "filing_status", "q")}
    installations = listed_installations(user, filters).select_related("enterprise", "enterprise__region")
    counties = list(
        Region.objects.filter(level=regioncodes.COUNTY, path__startswith=user.region.path).order_by("code")
    )
    summary = visible.aggregate(
        total=Count("pk"),
        major=Count("pk", filter=Q(is_major=True)),
        level1=Count("pk", filter=Q(level=1)),
        level2=Count("pk", filter=Q(level=2)),
        level3=Count("pk", filter=Q(level=3)),
        level4=Count("pk", filter=Q(level=4)),
        review_due=Count("pk", filter=Q(filing_status="review_due")),
        not_filed=Count("pk", filter=Q(is_major=True, filing_status="not_filed")),
    )
    page = Paginator(
        installations.order_by(F("level").asc(nulls_last=True), "-max_s", "id"), PAGE_SIZE
    ).get_page(request.GET.get("page"))
    may_add = user.has_role_permission(services.RECORD_FILINGS) or (
        user.role == "enterprise_officer" and user.organization_id is not None
    )
    return render(
        request,
        "majorhazards/installation_list.html",
        {
            "page": page,
            "filters": filters,
            "counties": counties if len(counties) > 1 else [],
            "levels": LEVEL_CHOICES,
            "filing_statuses": FILING_STATUS_CHOICES,
            "summary": summary,
            "may_add": may_add,
        },
    )


def _editable_enterprises(user: Any) -> Any:
    enterprises = Enterprise.objects.visible_to(user).order_by("region_id", "name")
    if user.role == "enterprise_officer":
        return enterprises.filter(organization_id=user.organization_id)
    return enterprises if user.has_role_permission(services.RECORD_FILINGS) else enterprises.none()


@login_required
def installation_new(request: HttpRequest) -> HttpResponse:
    _require_view(request)
    user = current_user(request)
    enterprises = _editable_enterprises(user)
    if not enterprises.exists():
        raise Http404
    form = NewInstallationForm(request.POST or None, initial={"enterprise": request.GET.get("enterprise")})
    form.fields["enterprise"].queryset = enterprises  # type: ignore[attr-defined]
    error = ""
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        enterprise = data.pop("enterprise")
        try:
            installation = services.create_installation(user, enterprise_id=enterprise.pk, **data)
        except DomainError as failure:
            error = failure.page_message
        else:
            messages.success(request, _("已登记重大危险源“%(name)s”。") % {"name": installation.name})
            return redirect("majorhazards:detail", pk=installation.pk)
    return render(request, "majorhazards/installation_new.html", {"form": form, "error": error})


def _run(request: HttpRequest, action: str, installation: Installation) -> tuple[str, dict[str, forms.Form]]:
    """Carry out one posted action; the error message (empty on success) and the bound forms to show again."""
    user = current_user(request)
    post = request.POST
    bound: dict[str, forms.Form] = {}
    try:
        if action == "update":
            form: forms.Form = InstallationForm(post)
            bound["installation"] = form
            if form.is_valid():
                services.update_installation(user, installation.pk, **form.cleaned_data)
        elif action == "file":
            form = FilingForm(post)
            bound["filing"] = form
            if form.is_valid():
                services.record_filing(user, installation.pk, **form.cleaned_data)
        elif action == "add_unit":
            form = UnitForm(post)
            bound["unit"] = form
            if form.is_valid():
                services.add_unit(user, installation.pk, **form.cleaned_data)
        elif action == "remove_unit":
            services.remove_unit(user, _id(post, "unit"))
            return "", bound
        elif action == "add_inventory":
            form = InventoryForm(post)
            bound[f"inventory-{post.get('unit', '')}"] = form
            if form.is_valid():
                services.add_inventory(user, _id(post, "unit"), **form.cleaned_data)
        elif action == "update_inventory":
            form = QuantityForm(post)
            bound[f"quantity-{post.get('inventory', '')}"] = form
            if form.is_valid():
                services.update_inventory(user, _id(post, "inventory"), **form.cleaned_data)
        elif action == "remove_inventory":
            services.remove_inventory(user, _id(post, "inventory"))
            return "", bound
        else:
            return _("未知操作"), bound
    except DomainError as failure:
        return failure.page_message, bound
    invalid = [f for f in bound.values() if not f.is_valid()]
    return (_("请检查填写的内容") if invalid else ""), bound


def _id(post: Any, key: str) -> int:
    try:
        return int(post.get(key, ""))
    except ValueError:
        raise NotFound() from None


@login_required
def installation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _require_view(request)
    user = current_user(request)
    try:
        installation = Installation.objects.select_related(
            "enterprise", "enterprise__region"
        ).get_visible_or_404(user, pk=pk)
    except NotFound:
        raise Http404 from None
    error, failed_action = "", ""
    bound: dict[str, forms.Form] = {}
    if request.method == "POST":
        failed_action = request.POST.get("action", "")
        error, bound = _run(request, failed_action, installation)
        if not error:
            messages.success(request, _("已保存，辨识结果已重新计算。"))
            return redirect("majorhazards:detail", pk=pk)
        installation.refresh_from_db()
    units = list(installation.units.prefetch_related("inventories").order_by("id"))
    for unit in units:
        lines = list(unit.inventories.all())
        for line in lines:
            line.weighted = (line.beta or 0) * (line.ratio or 0)
        unit.lines = lines
        unit.beta_sum = sum(line.weighted for line in lines)
        unit.add_form = bound.get(f"inventory-{unit.pk}") or InventoryForm()
    editable = may_edit(user, installation.enterprise)
    return render(
        request,
        "majorhazards/installation_detail.html",
        {
            "installation": installation,
            "units": units,
            "alpha": gb18218.alpha_for(installation.exposed_population),
            "editable": editable,
            "may_file": services.may_record_filing(user) and installation.is_major,
            "error": error,
            "failed_action": failed_action,
            "failed_unit": request.POST.get("unit", "") if request.method == "POST" else "",
            "failed_inventory": request.POST.get("inventory", "") if request.method == "POST" else "",
            "installation_form": bound.get("installation")
            or InstallationForm(
                initial={
                    "name": installation.name,
                    "exposed_population": installation.exposed_population,
                    "longitude": installation.longitude,
                    "latitude": installation.latitude,
                }
            ),
            "filing_form": bound.get("filing")
            or FilingForm(
                initial={
                    "filed_on": installation.filed_on,
                    "filing_number": installation.filing_number,
                    "review_due_on": installation.review_due_on,
                }
            ),
            "unit_form": bound.get("unit") or UnitForm(),
            "substance_names": [row.name for row in gb18218.TABLE_1],
            "alpha_steps": [(minimum, float(alpha)) for minimum, alpha in gb18218.ALPHA_STEPS],
            "category_choices": CATEGORY_CHOICES,
        },
    )
