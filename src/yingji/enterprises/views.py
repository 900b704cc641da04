"""Enterprise pages: the scoped register with filters, Excel export and import, detail, forms."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from yingji.core import spreadsheets
from yingji.core.api_common import current_user
from yingji.core.errors import DomainError
from yingji.core.forms import date_field
from yingji.core.models import Region
from yingji.core.registry import county_filter
from yingji.enterprises import ledger, models, services
from yingji.enterprises.panels import enterprise_panels

PAGE_SIZE = 50


class EnterpriseForm(forms.Form):
    """The register's fields; the service validates the credit code and the region's scope."""

    name = forms.CharField(label=gettext_lazy("企业名称"), max_length=128)
    credit_code = forms.CharField(label=gettext_lazy("统一社会信用代码"), min_length=18, max_length=18)
    industry = forms.ChoiceField(label=gettext_lazy("行业"), choices=models.INDUSTRY_CHOICES)
    region_code = forms.ChoiceField(label=gettext_lazy("所属乡镇（街道）"))
    scale = forms.ChoiceField(label=gettext_lazy("规模"), choices=models.SCALE_CHOICES, initial="small")
    status = forms.ChoiceField(label=gettext_lazy("状态"), choices=models.STATUS_CHOICES, initial="operating")
    address = forms.CharField(label=gettext_lazy("地址"), max_length=200, required=False)
    longitude = forms.FloatField(label=gettext_lazy("经度"), required=False, min_value=73, max_value=136)
    latitude = forms.FloatField(label=gettext_lazy("纬度"), required=False, min_value=3, max_value=54)
    legal_representative = forms.CharField(label=gettext_lazy("法定代表人"), max_length=64)
    legal_representative_phone = forms.CharField(
        label=gettext_lazy("法定代表人电话"), max_length=32, required=False
    )
    safety_officer = forms.CharField(label=gettext_lazy("安全管理负责人"), max_length=64, required=False)
    safety_officer_phone = forms.CharField(
        label=gettext_lazy("安全管理负责人电话"), max_length=32, required=False
    )
    employees = forms.IntegerField(
        label=gettext_lazy("从业人员"), min_value=0, max_value=1_000_000, initial=0
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        townships = Region.objects.filter(level="township", path__startswith=user.region.path).select_related(
            "parent"
        )
        self.fields["region_code"].choices = [(t.code, f"{t.parent.name} {t.name}") for t in townships]


class LicenceForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("证照类型"), choices=models.LICENCE_KIND_CHOICES)
    number = forms.CharField(label=gettext_lazy("证号"), max_length=64)
    issuer = forms.CharField(label=gettext_lazy("发证机关"), max_length=100, required=False)
    issued_on = date_field(gettext_lazy("发证日期"), required=False)
    expires_on = date_field(gettext_lazy("有效期至"))


def listed_enterprises(user: Any, chosen: Mapping[str, str]) -> Any:
    """The register's records: what the user sees by industry, status, county and name."""
    enterprises = models.Enterprise.objects.visible_to(user)
    if chosen.get("industry") in models.INDUSTRY_LABELS:
        enterprises = enterprises.filter(industry=chosen["industry"])
    if chosen.get("status") in dict(models.STATUS_CHOICES):
        enterprises = enterprises.filter(status=chosen["status"])
    county = county_filter(user, chosen.get("county"))
    if county is not None:
        enterprises = enterprises.in_region(county)
    if chosen.get("q"):
        enterprises = enterprises.filter(name__contains=chosen["q"][:50])
    return enterprises


def _filtered(request: HttpRequest) -> tuple[Any, dict[str, str]]:
    chosen = {key: request.GET.get(key, "") for key in ("industry", "status", "county", "q")}
    enterprises = listed_enterprises(request.user, chosen).select_related("region", "region__parent")
    return enterprises.order_by("region_id", "name"), chosen


LICENCE_NOTICE_DAYS = 90  # a licence "expires soon" from this many days before its date (and once expired)


def listed_licences(user: Any, chosen: Mapping[str, str]) -> Any:
    """The licence list's records: what the user sees, by county and `expiring=1` (within 90 days or past)."""
    licences = models.Licence.objects.visible_to(user)
    if chosen.get("expiring") == "1":
        licences = services.expiring_licences(user, timezone.localdate(), LICENCE_NOTICE_DAYS)
    county = county_filter(user, chosen.get("county"))
    if county is not None:
        licences = licences.filter(enterprise__region__path__startswith=county.path)
    return licences


@login_required
def licence_list(request: HttpRequest) -> HttpResponse:
    """The licences the user sees, soonest expiry first; `expiring=1` keeps those due within 90 days."""
    chosen = {key: request.GET.get(key, "") for key in ("expiring", "county")}
    licences = listed_licences(current_user(request), chosen).select_related(
        "enterprise", "enterprise__region"
    )
    return render(
        request,
        "enterprises/licence_list.html",
        {
            "page": Paginator(licences.order_by("expires_on", "id"), PAGE_SIZE).get_page(
                request.GET.get("page")
            ),
            "chosen": chosen,
            "today": timezone.localdate(),
            "notice_days": LICENCE_NOTICE_DAYS,
        },
    )


@login_required
def enterprise_list(request: HttpRequest) -> HttpResponse:
    enterprises, chosen = _filtered(request)
    user = current_user(request)
    counties = Region.objects.none()
    if user.scope.covers_region(user.region):
        counties = Region.objects.filter(level="county", path__startswith=user.region.path)
    return render(request, "enterprises/list.html", {
        "page": Paginator(enterprises, PAGE_SIZE).get_page(request.GET.get("page")),
        "industries": models.INDUSTRY_CHOICES,
        "statuses": models.STATUS_CHOICES,
        "counties": counties,
        "chosen": chosen,
        "can_register": user.has_role_permission(services.MANAGE_ENTERPRISES),
        "query": request.GET.urlencode(),
    })  # fmt: skip


@login_required
def enterprise_export(request: HttpRequest) -> HttpResponse:
    enterprises, _chosen = _filtered(request)
    return spreadsheets.download(ledger.export_workbook(enterprises), "enterprises.xlsx")


@login_required
def enterprise_import(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    if not user.has_role_permission(services.MANAGE_ENTERPRISES):
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
    return render(request, "enterprises/import.html", context)


@login_required
def enterprise_detail(request: HttpRequest, enterprise_id: int) -> HttpResponse:
    enterprise = models.Enterprise.objects.select_related("region", "region__parent").get_visible_or_404(
        request.user, pk=enterprise_id
    )
    panels = [
        {"title": panel.title, "template": panel.template, "context": panel.context(request, enterprise)}
        for panel in enterprise_panels()
    ]
    return render(request, "enterprises/detail.html", {
        "enterprise": enterprise,
        "licences": enterprise.licences.all(),
        "panels": panels,
        "can_edit": services.may_edit(current_user(request), enterprise),
        "licence_form": LicenceForm(),
    })  # fmt: skip


@login_required
def enterprise_create(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    if not user.has_role_permission(services.MANAGE_ENTERPRISES):
        raise Http404
    form = EnterpriseForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        try:
            enterprise = services.create_enterprise(user, **form.cleaned_data)
        except DomainError as error:
            form.add_error(_field_of(error), error.page_message)
        else:
            return redirect("enterprises:detail", enterprise.pk)
    return render(request, "enterprises/form.html", {"form": form, "title": _("登记企业")})


@login_required
def enterprise_edit(request: HttpRequest, enterprise_id: int) -> HttpResponse:
    user = current_user(request)
    enterprise = models.Enterprise.objects.get_visible_or_404(user, pk=enterprise_id)
    if not services.may_edit(user, enterprise):
        raise Http404
    initial = {
        field: getattr(enterprise, field)
        for field in EnterpriseForm.base_fields
        if hasattr(enterprise, field)
    }
    initial["region_code"] = enterprise.region_id
    form = EnterpriseForm(request.POST or None, user=user, initial=initial)
    if not user.has_role_permission(services.MANAGE_ENTERPRISES):
        for (
            name
        ) in services.IDENTITY_FIELDS:  # an officer keeps contacts up to date; the regulator the identity
            form.fields[name].disabled = True
            if name == "region_code":
                form.fields[name].choices = [(enterprise.region_id, enterprise.region.name)]
    if request.method == "POST" and form.is_valid():
        changes = {name: value for name, value in form.cleaned_data.items() if not form.fields[name].disabled}
        try:
            services.update_enterprise(user, enterprise.pk, **changes)
        except DomainError as error:
            form.add_error(_field_of(error), error.page_message)
        else:
            return redirect("enterprises:detail", enterprise.pk)
    title = _("编辑 %(name)s") % {"name": enterprise.name}
    return render(request, "enterprises/form.html", {"form": form, "title": title})


@login_required
@require_POST
def licence_add(request: HttpRequest, enterprise_id: int) -> HttpResponse:
    """Add a licence from the detail page's form; problems come back as a message on that page."""
    models.Enterprise.objects.get_visible_or_404(request.user, pk=enterprise_id)  # out of scope: 404 first
    form = LicenceForm(request.POST)
    if not form.is_valid():
        problems = (
            _("%(field)s：%(error)s") % {"field": form.fields[k].label, "error": v[0]}
            for k, v in form.errors.items()
        )
        messages.error(request, _("；").join(problems))
        return redirect("enterprises:detail", enterprise_id)
    try:
        services.add_licence(current_user(request), enterprise_id, **form.cleaned_data)
    except DomainError as error:
        if error.status == 404:
            raise Http404 from None
        messages.error(request, error.page_message)
    else:
        messages.success(request, _("证照已添加"))
    return redirect("enterprises:detail", enterprise_id)


def _field_of(error: DomainError) -> str | None:
    field = error.details.get("field") if isinstance(error.details, dict) else None
    return field if isinstance(field, str) and field in EnterpriseForm.base_fields else None
