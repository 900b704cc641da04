"""Risk grading pages: the overview, the list, a risk point with its assessment and measures, bandings."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.db.models.functions import Substr
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, ngettext

from yingji.core import regioncodes
from yingji.core.api_common import current_user
from yingji.core.errors import DomainError, NotFound
from yingji.core.models import Region
from yingji.core.registry import counties_for, county_filter
from yingji.enterprises.models import INDUSTRY_CHOICES, Enterprise
from yingji.enterprises.services import may_edit
from yingji.risks import forms, grading, services
from yingji.risks.maplayer import enterprise_url
from yingji.risks.models import (
    KIND_CHOICES,
    LEVEL_CHOICES,
    LEVEL_HEX,
    METHOD_CHOICES,
    RiskPoint,
)

PAGE_SIZE = 50
# In a path "140000/140900/140902/…" the county code sits at characters 15–20 (as core.registry counts).
COUNTY_IN_PATH = (15, 6)
LEVEL_KEYS = [level.key for level in grading.LEVELS]
# The levels' names as models.LEVEL_CHOICES spells them ("重大" + "风险"), marked for translation.
LEVEL_NAMES = {
    grading.MAJOR.key: gettext_noop("重大风险"),
    grading.SIGNIFICANT.key: gettext_noop("较大风险"),
    grading.GENERAL.key: gettext_noop("一般风险"),
    grading.LOW.key: gettext_noop("低风险"),
}
# Choice labels of the models that the templates pass through {% translate %} (the overview's industry rows,
# the list's kind filter), marked here so that makemessages finds them.
TEMPLATE_LABELS = (
    # enterprises.models.INDUSTRY_CHOICES
    gettext_noop("煤矿"),
    gettext_noop("非煤矿山及尾矿库"),
    gettext_noop("危险化学品"),
    gettext_noop("烟花爆竹"),
    gettext_noop("冶金等工贸行业"),
    gettext_noop("建筑施工"),
    gettext_noop("道路运输"),
    gettext_noop("燃气"),
    gettext_noop("其他"),
    # models.KIND_CHOICES
    gettext_noop("场所"),
    gettext_noop("设备设施"),
    gettext_noop("作业活动"),
)


def _levels() -> list[dict[str, str]]:
    return [
        {"key": lv.key, "label": _(LEVEL_NAMES[lv.key]), "color": lv.color, "hex": LEVEL_HEX[lv.color]}
        for lv in grading.LEVELS
    ]


@login_required
def overview(request: HttpRequest) -> HttpResponse:
    """Risk points per county and per industry, by level, for everything the user may see."""
    points = RiskPoint.objects.visible_to(request.user).order_by()
    start, length = COUNTY_IN_PATH
    by_county: dict[str, dict[str, int]] = {}
    for county, level, n in (
        points.annotate(county=Substr("enterprise__region__path", start, length))
        .values_list("county", "level")
        .annotate(n=Count("pk"))
    ):
        by_county.setdefault(county, {})[level] = n
    by_industry: dict[str, dict[str, int]] = {}
    for industry, level, n in points.values_list("enterprise__industry", "level").annotate(n=Count("pk")):
        by_industry.setdefault(industry, {})[level] = n
    county_rows = [
        {"code": c.code, "name": c.name, "counts": [by_county.get(c.code, {}).get(k, 0) for k in LEVEL_KEYS]}
        for c in counties_for(request.user).only("code", "name").order_by("code")
    ]
    industry_rows = [
        {"key": key, "name": label, "counts": [by_industry.get(key, {}).get(k, 0) for k in LEVEL_KEYS]}
        for key, label in INDUSTRY_CHOICES
        if key in by_industry
    ]
    for row in county_rows + industry_rows:
        row["total"] = sum(row["counts"])
    totals = [sum(row["counts"][i] for row in county_rows) for i in range(len(LEVEL_KEYS))]
    chart = {
        "levels": _levels(),
        "counties": {"names": [r["name"] for r in county_rows], "counts": [r["counts"] for r in county_rows]},
        "industries": {
            "names": [_(r["name"]) for r in industry_rows],
            "counts": [r["counts"] for r in industry_rows],
        },
    }
    return render(
        request,
        "risks/overview.html",
        {
            "levels": _levels(),
            "level_totals": list(zip(_levels(), totals, strict=True)),
            "total": sum(totals),
            "due": points.filter(reassessment_due=True).count(),
            "county_rows": county_rows,
            "industry_rows": industry_rows,
            "chart": chart,
            "may_configure": services.may_configure_bandings(request.user),
            "may_create": bool(_editable_enterprises(request)),
        },
    )


def _counties(request: HttpRequest) -> list[Region]:
    return list(counties_for(request.user).only("code", "name").order_by("code"))


def listed_risk_points(user: Any, params: Mapping[str, str]) -> Any:
    """The risk-point list's records: what the user sees by county (`region`), level, method, kind,
    enterprise, `due=1` (due for reassessment) and name."""
    points = RiskPoint.objects.visible_to(user)
    region = county_filter(user, params.get("region"))
    if region is not None:
        points = points.in_region(region)
    filters = {"level": dict(LEVEL_CHOICES), "method": dict(METHOD_CHOICES), "kind": dict(KIND_CHOICES)}
    for name, allowed in filters.items():
        if params.get(name) in allowed:
            points = points.filter(**{name: params[name]})
    enterprise_id = params.get("enterprise_id", "")
    if enterprise_id.isdigit() and len(enterprise_id) < 16:
        points = points.filter(enterprise_id=int(enterprise_id))
    if params.get("due") == "1":
        points = points.filter(reassessment_due=True)
    query = params.get("q", "").strip()[:50]
    if query:
        points = points.filter(Q(name__contains=query) | Q(enterprise__name__contains=query))
    return points


@login_required
def point_list(request: HttpRequest) -> HttpResponse:
    params = request.GET
    points = (
        listed_risk_points(request.user, params)
        .select_related("enterprise", "enterprise__region")
        .annotate(measure_count=Count("measures"))
    )
    county = params.get("region", "")
    counties = _counties(request)
    enterprise_id = params.get("enterprise_id", "")
    query = params.get("q", "").strip()[:50]
    page = Paginator(points.order_by("enterprise__name", "name", "id"), PAGE_SIZE).get_page(
        params.get("page")
    )
    return render(
        request,
        "risks/point_list.html",
        {
            "page": page,
            "counties": counties,
            "levels": LEVEL_CHOICES,
            "methods": METHOD_CHOICES,
            "kinds": KIND_CHOICES,
            "f": {
                **{name: params.get(name, "") for name in ("level", "method", "kind", "due")},
                "region": county,
                "q": query,
                "enterprise_id": enterprise_id,
            },
            "may_create": bool(_editable_enterprises(request)),
        },
    )


def _visible_point(request: HttpRequest, pk: int) -> RiskPoint:
    try:
        return (
            RiskPoint.objects.select_related("enterprise__region", "assessed_by")
            .prefetch_related("measures")
            .get_visible_or_404(request.user, pk=pk)
        )
    except NotFound:
        raise Http404 from None


@login_required
def point_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A risk point: its grade and factors, the assess form and the control measures (POST actions)."""
    point = _visible_point(request, pk)
    actor = current_user(request)
    editable = may_edit(actor, point.enterprise)
    assess_form = forms.AssessForm(prefix="assess")
    assess_form.initial_from(point)
    assess_form.initial["reassess_on"] = services.default_reassess_on()
    measure_form = forms.MeasureForm(prefix="measure", initial={"responsible_level": point.responsible_level})
    if request.method == "POST":
        if not editable:
            raise Http404
        action = request.POST.get("action")
        try:
            if action == "assess":
                assess_form = forms.AssessForm(request.POST, prefix="assess")
                if assess_form.is_valid():
                    fields = assess_form.factors()
                    fields["reassess_on"] = assess_form.cleaned_data.get("reassess_on")
                    updated = services.reassess_risk_point(actor, point.pk, **fields)
                    messages.success(
                        request,
                        _("已重新评价：%(formula)s，%(level)s")
                        % {"formula": updated.formula, "level": _(updated.level_label)},
                    )
                    return redirect("risks:point", pk=point.pk)
            elif action == "add_measure":
                measure_form = forms.MeasureForm(request.POST, prefix="measure")
                if measure_form.is_valid():
                    services.add_control_measure(actor, point.pk, **measure_form.cleaned_data)
                    return redirect("risks:point", pk=point.pk)
            elif action == "remove_measure":
                measure_id = request.POST.get("measure", "")
                if not measure_id.isdigit() or not point.measures.filter(pk=int(measure_id)).exists():
                    raise Http404
                services.remove_control_measure(actor, int(measure_id))
                return redirect("risks:point", pk=point.pk)
            else:
                raise Http404
        except DomainError as error:
            messages.error(request, error.page_message)
        point = _visible_point(request, pk)
    banding, source = services.banding_in_force(point.enterprise.region, point.method)
    return render(
        request,
        "risks/point_detail.html",
        {
            "point": point,
            "editable": editable,
            "assess_form": assess_form,
            "measure_form": measure_form,
            "banding": banding,
            "banding_source": source,
            "enterprise_url": enterprise_url(point.enterprise_id),
            "level_hex": point.color_hex,
        },
    )


def _editable_enterprises(request: HttpRequest) -> list[tuple[int, str]]:
    user = request.user
    if not getattr(user, "is_authenticated", False):
        return []
    enterprises = Enterprise.objects.visible_to(user).order_by("region_id", "name")
    return [(e.pk, e.name) for e in enterprises.only("id", "name", "organization_id") if may_edit(user, e)]  # type: ignore[arg-type]


@login_required
def point_create(request: HttpRequest) -> HttpResponse:
    enterprises = _editable_enterprises(request)
    if not enterprises:
        raise Http404
    initial: dict[str, Any] = {"reassess_on": services.default_reassess_on()}
    requested = request.GET.get("enterprise", "")
    if requested.isdigit() and int(requested) in {pk for pk, _name in enterprises}:
        initial["enterprise"] = int(requested)
    form = forms.RiskPointForm(request.POST or None, enterprises=enterprises, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            point = services.create_risk_point(current_user(request), **form.service_fields())
        except DomainError as error:
            form.add_error(None, error.page_message)
        else:
            messages.success(
                request,
                _("已登记风险点“%(name)s”：%(formula)s，%(level)s")
                % {"name": point.name, "formula": point.formula, "level": _(point.level_label)},
            )
            return redirect("risks:point", pk=point.pk)
    return render(request, "risks/point_form.html", {"form": form, "point": None})


@login_required
def point_edit(request: HttpRequest, pk: int) -> HttpResponse:
    point = _visible_point(request, pk)
    if not may_edit(current_user(request), point.enterprise):
        raise Http404
    fields = ("name", "kind", "location", "accident_types", "longitude", "latitude", "responsible_level",
              "responsible_person", "reassess_on")  # fmt: skip
    form = forms.RiskPointEditForm(
        request.POST or None, initial={name: getattr(point, name) for name in fields}
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.update_risk_point(current_user(request), point.pk, **form.cleaned_data)
        except DomainError as error:
            form.add_error(None, error.page_message)
        else:
            return redirect("risks:point", pk=point.pk)
    return render(request, "risks/point_form.html", {"form": form, "point": point})


# Bandings ----------------------------------------------------------------------------------------


def _banding_regions(request: HttpRequest) -> list[Region]:
    """The regions whose banding the user may set: their own (city or county) and the counties below."""
    own = request.user.region  # type: ignore[union-attr]
    regions = [own] if own.level in services.BANDING_LEVELS else []
    regions += list(
        Region.objects.filter(level=regioncodes.COUNTY, path__startswith=own.path).exclude(code=own.code)
    )
    return sorted(regions, key=lambda region: region.path)


@login_required
def bandings(request: HttpRequest) -> HttpResponse:
    """The bandings set in the user's regions and in force for their own; admins set and clear them."""
    if not services.may_configure_bandings(request.user):
        raise Http404
    actor = current_user(request)
    regions = _banding_regions(request)
    choices = [(region.code, region.name) for region in regions]
    form = forms.BandingForm(regions=choices, initial={"region": actor.region_id})
    if request.method == "POST":
        try:
            if request.POST.get("action") == "clear":
                _banding, regraded = services.clear_banding(
                    actor, request.POST.get("region", ""), request.POST.get("method") or None
                )
                messages.success(
                    request,
                    ngettext(
                        "已恢复上级或默认阈值，重新分级 %(n)d 个风险点",
                        "已恢复上级或默认阈值，重新分级 %(n)d 个风险点",
                        regraded,
                    )
                    % {"n": regraded},
                )
                return redirect("risks:bandings")
            form = forms.BandingForm(request.POST, regions=choices)
            if form.is_valid():
                data = form.cleaned_data
                thresholds = {key: data[key] for key in ("major", "significant", "general")}
                _banding, regraded = services.set_banding(actor, data["region"], data["method"], thresholds)
                messages.success(
                    request,
                    ngettext(
                        "已保存分级阈值，重新分级 %(n)d 个风险点",
                        "已保存分级阈值，重新分级 %(n)d 个风险点",
                        regraded,
                    )
                    % {"n": regraded},
                )
                return redirect("risks:bandings")
        except DomainError as error:
            form.add_error(None, error.page_message)
    in_force = []
    for method, label in METHOD_CHOICES:
        banding, source = services.banding_in_force(actor.region, method)
        in_force.append({"method": label, "banding": banding, "source": source})
    rows = services.bandings_visible_to(actor).select_related("region", "updated_by").order_by("region__path")
    return render(
        request,
        "risks/bandings.html",
        {"form": form, "rows": rows, "in_force": in_force, "region": actor.region},
    )


# The enterprise page's panel ---------------------------------------------------------------------


def enterprise_panel_context(request: HttpRequest, enterprise: Any) -> dict[str, Any]:
    """The enterprise's four-color list of risk points and the map data of those with coordinates."""
    points = list(
        RiskPoint.objects.visible_to(request.user)
        .filter(enterprise_id=enterprise.pk)
        .annotate(measure_count=Count("measures"))
        .order_by("name")
    )
    rank = {key: index for index, key in enumerate(LEVEL_KEYS)}
    points.sort(key=lambda point: (rank.get(point.level, 9), point.name))
    counts = services.level_counts(points)
    located = [
        {
            "name": point.name,
            "lon": point.longitude,
            "lat": point.latitude,
            "color": point.color_hex,
            "level": point.level_label,
            "url": reverse("risks:point", args=[point.pk]),
        }
        for point in points
        if point.longitude is not None and point.latitude is not None
    ]
    user = request.user
    return {
        "risk_enterprise_id": enterprise.pk,
        "risk_points": points,
        "risk_levels": [{**level, "count": counts[level["key"]]} for level in _levels()],
        "risk_map": {
            "points": located,
            "site": {"name": enterprise.name, "lon": enterprise.longitude, "lat": enterprise.latitude}
            if enterprise.longitude is not None and enterprise.latitude is not None
            else None,
        },
        "risk_has_map": bool(located),
        "risk_unlocated": [point for point in points if point.longitude is None or point.latitude is None],
        "risk_may_edit": getattr(user, "is_authenticated", False) and may_edit(user, enterprise),  # type: ignore[arg-type]
        "risk_add_url": reverse("risks:point_create") + f"?enterprise={enterprise.pk}",
    }
