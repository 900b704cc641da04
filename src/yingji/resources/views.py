"""Pages of emergency resources: teams, equipment, shelters (with coverage), helipads and the aviation
network, road reach of the teams, the county resource board, and the public's nearest shelter.

A detail page's forms post back to it with an `action`; the view calls the service and, on a
DomainError, shows the page again with the message (in the reader's language).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, F, Q, Sum
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from yingji.core.api_common import current_user
from yingji.core.errors import DomainError, NotFound
from yingji.core.forms import date_field
from yingji.core.models import Organization
from yingji.core.registry import counties_for, county_filter, county_of_path
from yingji.resources import board, coverage, kinds, reach, services
from yingji.resources.models import (
    EQUIPMENT_KIND_CHOICES,
    EQUIPMENT_STATUS_CHOICES,
    HELIPAD_KIND_CHOICES,
    MAX_AREA_M2,
    MAX_CAPABILITY,
    MAX_HEADCOUNT,
    SHELTER_LEVEL_CHOICES,
    SHELTER_STATUS_CHOICES,
    SHELTER_TYPE_CHOICES,
    TEAM_KIND_CHOICES,
    TEAM_STATUS_CHOICES,
    Equipment,
    Helipad,
    Shelter,
    Team,
)
from yingji.warnings.models import Responder

PAGE_SIZE = 50
# The readiness of teams that are out on a call (出动, 在途, 到场, 返回): the `status=out` filter.
OUT = (kinds.DISPATCHED, kinds.EN_ROUTE, kinds.ON_SCENE, kinds.RETURNING)
FACILITY_CHOICES = [(code, gettext_lazy(label)) for code, label in kinds.FACILITIES.items()]


def _require_view(request: HttpRequest) -> None:
    if not services.may_view(request.user):
        raise Http404


def _lon() -> forms.FloatField:
    return forms.FloatField(label=gettext_lazy("经度"), min_value=73, max_value=136)


def _lat() -> forms.FloatField:
    return forms.FloatField(label=gettext_lazy("纬度"), min_value=3, max_value=54)


def _counties(user: Any) -> list[Any]:
    counties = list(counties_for(user).order_by("code"))
    return counties if len(counties) > 1 else []


def _get_or_404(queryset: Any, user: Any, pk: int) -> Any:
    try:
        return queryset.get_visible_or_404(user, pk=pk)
    except NotFound:
        raise Http404 from None


# Forms -----------------------------------------------------------------------------------------


class TeamForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("队伍名称"), max_length=128)
    kind = forms.ChoiceField(label=gettext_lazy("类别"), choices=TEAM_KIND_CHOICES)
    address = forms.CharField(label=gettext_lazy("驻地"), max_length=200, required=False)
    longitude = _lon()
    latitude = _lat()
    headcount = forms.IntegerField(label=gettext_lazy("人数"), min_value=0, max_value=MAX_HEADCOUNT)
    leader = forms.CharField(label=gettext_lazy("负责人"), max_length=64, required=False)
    phone = forms.CharField(label=gettext_lazy("值班电话"), max_length=32, required=False)


class NewTeamForm(TeamForm):
    organization = forms.ModelChoiceField(
        label=gettext_lazy("所属单位"), queryset=Organization.objects.none()
    )
    field_order = ["organization", "name", "kind"]


class StatusForm(forms.Form):
    status = forms.ChoiceField(label=gettext_lazy("战备状态"), choices=TEAM_STATUS_CHOICES)
    note = forms.CharField(label=gettext_lazy("说明"), max_length=200, required=False)


class MemberForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("姓名"), max_length=64)
    post = forms.CharField(label=gettext_lazy("职务"), max_length=64, required=False)
    phone = forms.CharField(label=gettext_lazy("手机"), max_length=32, required=False)
    skills = forms.CharField(label=gettext_lazy("专长"), max_length=200, required=False)


class CertificateForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("证书名称"), max_length=100)
    number = forms.CharField(label=gettext_lazy("证书编号"), max_length=64, required=False)
    expires_on = date_field(gettext_lazy("有效期至"))


class EquipmentForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("名称"), max_length=128)
    kind = forms.ChoiceField(label=gettext_lazy("类别"), choices=EQUIPMENT_KIND_CHOICES)
    capability = forms.FloatField(
        label=gettext_lazy("能力指标"), min_value=0, max_value=MAX_CAPABILITY, initial=0
    )
    plate = forms.CharField(label=gettext_lazy("车牌号"), max_length=16, required=False)
    status = forms.ChoiceField(label=gettext_lazy("状态"), choices=EQUIPMENT_STATUS_CHOICES)
    maintenance_due_on = date_field(gettext_lazy("下次保养日期"), required=False)
    longitude = forms.FloatField(label=gettext_lazy("经度"), min_value=73, max_value=136, required=False)
    latitude = forms.FloatField(label=gettext_lazy("纬度"), min_value=3, max_value=54, required=False)


class NewEquipmentForm(EquipmentForm):
    team = forms.ModelChoiceField(label=gettext_lazy("所属队伍"), queryset=Team.objects.none())
    field_order = ["team", "name", "kind"]


class ShelterForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("名称"), max_length=128)
    shelter_type = forms.ChoiceField(label=gettext_lazy("类型"), choices=SHELTER_TYPE_CHOICES)
    level = forms.ChoiceField(label=gettext_lazy("级别"), choices=SHELTER_LEVEL_CHOICES)
    region_code = forms.ChoiceField(label=gettext_lazy("所在区划"), choices=[])
    address = forms.CharField(label=gettext_lazy("地址"), max_length=200, required=False)
    longitude = _lon()
    latitude = _lat()
    area_m2 = forms.FloatField(label=gettext_lazy("有效避难面积（m²）"), min_value=0, max_value=MAX_AREA_M2)
    facilities = forms.MultipleChoiceField(
        label=gettext_lazy("设施"),
        choices=FACILITY_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    manager = forms.ModelChoiceField(
        label=gettext_lazy("管理员"), queryset=Responder.objects.none(), required=False
    )


class MovementForm(forms.Form):
    checked_in = forms.IntegerField(
        label=gettext_lazy("进入人数"), min_value=0, max_value=1_000_000, initial=0
    )
    checked_out = forms.IntegerField(
        label=gettext_lazy("离开人数"), min_value=0, max_value=1_000_000, initial=0
    )


class HelipadForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("名称"), max_length=128)
    kind = forms.ChoiceField(label=gettext_lazy("类型"), choices=HELIPAD_KIND_CHOICES)
    region_code = forms.ChoiceField(label=gettext_lazy("所在区划"), choices=[])
    longitude = _lon()
    latitude = _lat()
    note = forms.CharField(label=gettext_lazy("说明"), max_length=200, required=False)


def _region_choices(user: Any) -> list[tuple[str, str]]:
    from yingji.core.models import Region

    regions = Region.objects.filter(
        path__startswith=user.region.path, level__in=("city", "county", "township")
    )
    return [(r.code, f"{r.code} {r.name}") for r in regions.order_by("code").only("code", "name")]


# Lists and their filters (the county counts and home items count through these) -----------------


def listed_teams(user: Any, filters: Mapping[str, str]) -> Any:
    if not services.may_view(user):
        return Team.objects.none()
    teams = Team.objects.visible_to(user)
    county = county_filter(user, filters.get("county"))
    if county is not None:
        teams = teams.in_region(county)
    if filters.get("kind") in kinds.TEAM_KINDS:
        teams = teams.filter(kind=filters["kind"])
    if filters.get("status") == "out":
        teams = teams.filter(status__in=OUT)
    elif filters.get("status") in kinds.TEAM_STATUSES:
        teams = teams.filter(status=filters["status"])
    if filters.get("q"):
        teams = teams.filter(Q(name__contains=filters["q"]) | Q(organization__name__contains=filters["q"]))
    return teams


def listed_equipment(user: Any, filters: Mapping[str, str]) -> Any:
    if not services.may_view(user):
        return Equipment.objects.none()
    equipment = Equipment.objects.visible_to(user)
    county = county_filter(user, filters.get("county"))
    if county is not None:
        equipment = equipment.in_region(county)
    if filters.get("kind") in kinds.EQUIPMENT_KINDS:
        equipment = equipment.filter(kind=filters["kind"])
    if filters.get("vehicles") in ("1", "0"):
        vehicles = Q(kind__in=kinds.VEHICLE_KINDS)
        equipment = equipment.filter(vehicles) if filters["vehicles"] == "1" else equipment.exclude(vehicles)
    if filters.get("status") in kinds.EQUIPMENT_STATUSES:
        equipment = equipment.filter(status=filters["status"])
    if filters.get("maintenance") == "overdue":
        equipment = equipment.filter(maintenance_due_on__lt=timezone.localdate()).exclude(
            status=kinds.OUT_OF_SERVICE
        )
    if filters.get("q"):
        equipment = equipment.filter(Q(name__contains=filters["q"]) | Q(plate__contains=filters["q"]))
    return equipment


def listed_shelters(user: Any, filters: Mapping[str, str]) -> Any:
    if not services.may_view(user):
        return Shelter.objects.none()
    shelters = Shelter.objects.visible_to(user)
    county = county_filter(user, filters.get("county"))
    if county is not None:
        shelters = shelters.in_region(county)
    if filters.get("shelter_type") in kinds.SHELTER_TYPES:
        shelters = shelters.filter(shelter_type=filters["shelter_type"])
    if filters.get("status") == "in_use":
        shelters = shelters.filter(status__in=(kinds.OPEN, kinds.FULL))
    elif filters.get("status") in kinds.SHELTER_STATUSES:
        shelters = shelters.filter(status=filters["status"])
    if filters.get("q"):
        shelters = shelters.filter(Q(name__contains=filters["q"]) | Q(address__contains=filters["q"]))
    return shelters


def _filters(request: HttpRequest, *names: str) -> dict[str, str]:
    return {name: request.GET.get(name, "")[:50] for name in names}


def _page(request: HttpRequest, queryset: Any) -> Any:
    return Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))


# Teams -----------------------------------------------------------------------------------------


def _keepable_organizations(user: Any) -> Any:
    organizations = Organization.objects.visible_to(user).order_by("region_id", "name")
    if services.may_manage(user):
        return organizations
    if user.role == "enterprise_officer" and user.organization_id:
        return organizations.filter(pk=user.organization_id)
    return organizations.none()


@login_required
def team_list(request: HttpRequest) -> HttpResponse:
    _require_view(request)
    user = current_user(request)
    filters = _filters(request, "county", "kind", "status", "q")
    teams = listed_teams(user, filters).select_related("organization", "region")
    by_status = dict(Team.objects.visible_to(user).values_list("status").annotate(n=Count("pk")).order_by())
    return render(
        request,
        "resources/team_list.html",
        {
            "tab": "teams",
            "page": _page(request, teams.order_by("region_id", "kind", "name")),
            "filters": filters,
            "counties": _counties(user),
            "kinds": TEAM_KIND_CHOICES,
            "statuses": TEAM_STATUS_CHOICES,
            "by_status": [(code, label, by_status.get(code, 0)) for code, label in TEAM_STATUS_CHOICES],
            "may_add": _keepable_organizations(user).exists(),
        },
    )


@login_required
def team_new(request: HttpRequest) -> HttpResponse:
    _require_view(request)
    user = current_user(request)
    organizations = _keepable_organizations(user)
    if not organizations.exists():
        raise Http404
    form = NewTeamForm(request.POST or None)
    form.fields["organization"].queryset = organizations  # type: ignore[attr-defined]
    error = ""
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        organization = data.pop("organization")
        try:
            team = services.create_team(user, organization_id=organization.pk, **data)
        except DomainError as failure:
            error = failure.page_message
        else:
            messages.success(request, _("已登记救援队伍“%(name)s”。") % {"name": team.name})
            return redirect("resources:team_detail", pk=team.pk)
    return render(
        request,
        "resources/form_page.html",
        {
            "tab": "teams",
            "form": form,
            "error": error,
            "title": _("登记救援队伍"),
            "back": "resources:team_list",
        },
    )


def _team_action(request: HttpRequest, team: Team) -> tuple[str, dict[str, forms.Form], str]:
    """Carry out one posted action on a team: (error, bound forms to show again, a key to show once)."""
    user = current_user(request)
    post = request.POST
    action = post.get("action", "")
    bound: dict[str, forms.Form] = {}
    key = ""
    try:
        if action == "status":
            form: forms.Form = StatusForm(post)
            bound["status"] = form
            if form.is_valid():
                services.set_team_status(user, team.pk, **form.cleaned_data)
        elif action == "update":
            form = TeamForm(post)
            bound["team"] = form
            if form.is_valid():
                services.update_team(user, team.pk, **form.cleaned_data)
        elif action == "add_member":
            form = MemberForm(post)
            bound["member"] = form
            if form.is_valid():
                services.add_member(user, team.pk, **form.cleaned_data)
        elif action == "remove_member":
            services.remove_member(user, _id(post, "member"))
        elif action == "add_certificate":
            form = CertificateForm(post)
            bound["certificate"] = form
            if form.is_valid():
                services.add_certificate(user, _id(post, "member"), **form.cleaned_data)
        elif action == "issue_key":
            key = services.issue_team_key(user, team.pk).key
        else:
            return _("未知操作"), bound, ""
    except DomainError as failure:
        return failure.page_message, bound, ""
    invalid = [f for f in bound.values() if not f.is_valid()]
    return (_("请检查填写的内容") if invalid else ""), bound, key


def _id(post: Any, name: str) -> int:
    try:
        return int(post.get(name, ""))
    except ValueError:
        raise NotFound() from None


@login_required
def team_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _require_view(request)
    user = current_user(request)
    team = _get_or_404(Team.objects.select_related("organization", "region"), user, pk)
    error, bound, key = "", {}, ""
    if request.method == "POST":
        error, bound, key = _team_action(request, team)
        if not error and not key:
            messages.success(request, _("已保存。"))
            return redirect("resources:team_detail", pk=pk)
        team.refresh_from_db()
    keeper = services.may_keep(user, team.organization_id)
    next_statuses = [
        (code, label) for code, label in TEAM_STATUS_CHOICES if kinds.may_move(team.status, code)
    ]
    status_form = bound.get("status") or StatusForm()
    status_form.fields["status"].choices = next_statuses  # type: ignore[attr-defined]
    members = list(team.members.prefetch_related("certificates").order_by("id"))
    soon = timezone.localdate() + (timezone.timedelta(days=30))
    for member in members:
        member.certs = [(c, c.expires_on <= soon) for c in member.certificates.all()]
    return render(
        request,
        "resources/team_detail.html",
        {
            "tab": "teams",
            "team": team,
            "members": members,
            "equipment": team.equipment.order_by("kind", "name"),
            "history": team.status_changes.select_related("by").order_by("-at", "-id")[:30],
            "keeper": keeper,
            "may_status": (services.may_dispatch(user) or keeper) and next_statuses,
            "status_form": status_form,
            "team_form": bound.get("team")
            or TeamForm(initial={f: getattr(team, f) for f in services.TEAM_FIELDS}),
            "member_form": bound.get("member") or MemberForm(),
            "certificate_form": bound.get("certificate") or CertificateForm(),
            "error": error,
            "issued_key": key,
            "map_config": {
                "counties_url": reverse("warnings_public:counties"),
                "features": {"type": "FeatureCollection", "features": [_team_feature(team)]},
            },
        },
    )


def _team_feature(team: Team) -> dict[str, Any]:
    lon, lat = team.longitude, team.latitude
    if team.position_longitude is not None and team.position_latitude is not None:
        lon, lat = team.position_longitude, team.position_latitude
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [lon, lat]},
        "properties": {
            "popup": [team.name, _(team.status_label)],
            "style": {
                "radius": 8,
                "color": "#fff",
                "weight": 2,
                "fillColor": kinds.TEAM_STATUS_COLORS.get(team.status, "#999"),
                "fillOpacity": 1,
            },
        },
    }


# Equipment -------------------------------------------------------------------------------------


@login_required
def equipment_list(request: HttpRequest) -> HttpResponse:
    _require_view(request)
    user = current_user(request)
    filters = _filters(request, "county", "kind", "vehicles", "status", "maintenance", "q")
    equipment = listed_equipment(user, filters).select_related("organization", "team", "region")
    return render(
        request,
        "resources/equipment_list.html",
        {
            "tab": "equipment",
            "page": _page(request, equipment.order_by("region_id", "kind", "name")),
            "filters": filters,
            "counties": _counties(user),
            "kinds": EQUIPMENT_KIND_CHOICES,
            "statuses": EQUIPMENT_STATUS_CHOICES,
            "today": timezone.localdate(),
            "may_add": _keepable_teams(user).exists(),
        },
    )


def _keepable_teams(user: Any) -> Any:
    teams = Team.objects.visible_to(user).order_by("region_id", "name")
    if services.may_manage(user):
        return teams
    if user.role == "enterprise_officer" and user.organization_id:
        return teams.filter(organization_id=user.organization_id)
    return teams.none()


@login_required
def equipment_new(request: HttpRequest) -> HttpResponse:
    _require_view(request)
    user = current_user(request)
    teams = _keepable_teams(user)
    if not teams.exists():
        raise Http404
    form = NewEquipmentForm(
        request.POST or None, initial={"team": request.GET.get("team"), "status": kinds.AVAILABLE}
    )
    form.fields["team"].queryset = teams  # type: ignore[attr-defined]
    error = ""
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        team = data.pop("team")
        try:
            equipment = services.create_equipment(user, team_id=team.pk, **data)
        except DomainError as failure:
            error = failure.page_message
        else:
            messages.success(request, _("已登记装备“%(name)s”。") % {"name": equipment.name})
            return redirect("resources:equipment_detail", pk=equipment.pk)
    return render(
        request,
        "resources/form_page.html",
        {
            "tab": "equipment",
            "form": form,
            "error": error,
            "title": _("登记装备"),
            "back": "resources:equipment_list",
        },
    )


@login_required
def equipment_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _require_view(request)
    user = current_user(request)
    equipment = _get_or_404(Equipment.objects.select_related("organization", "team", "region"), user, pk)
    keeper = services.may_keep(user, equipment.organization_id)
    form = EquipmentForm(
        request.POST if request.method == "POST" else None,
        initial={f: getattr(equipment, f) for f in services.EQUIPMENT_FIELDS},
    )
    error = ""
    if request.method == "POST":
        if form.is_valid():
            try:
                services.update_equipment(user, equipment.pk, **form.cleaned_data)
            except DomainError as failure:
                error = failure.page_message
            else:
                messages.success(request, _("已保存。"))
                return redirect("resources:equipment_detail", pk=pk)
        else:
            error = _("请检查填写的内容")
    return render(
        request,
        "resources/equipment_detail.html",
        {
            "tab": "equipment",
            "item": equipment,
            "form": form,
            "keeper": keeper,
            "error": error,
            "today": timezone.localdate(),
        },
    )


# Shelters --------------------------------------------------------------------------------------


@login_required
def shelter_list(request: HttpRequest) -> HttpResponse:
    _require_view(request)
    user = current_user(request)
    filters = _filters(request, "county", "shelter_type", "status", "q")
    shelters = listed_shelters(user, filters).select_related("region", "manager")
    totals = Shelter.objects.visible_to(user).aggregate(
        n=Count("pk"),
        capacity=Sum("capacity"),
        occupancy=Sum("occupancy"),
        open=Count("pk", filter=Q(status=kinds.OPEN)),
        full=Count("pk", filter=Q(status=kinds.FULL)),
    )
    return render(
        request,
        "resources/shelter_list.html",
        {
            "tab": "shelters",
            "page": _page(request, shelters.order_by("region_id", "name")),
            "filters": filters,
            "counties": _counties(user),
            "types": SHELTER_TYPE_CHOICES,
            "statuses": SHELTER_STATUS_CHOICES,
            "totals": totals,
            "coverage": coverage.county_coverage(user),
            "norms": [
                (code, gettext_lazy(label), services.norms()[code])
                for code, label in kinds.SHELTER_TYPES.items()
            ],
            "fixed_target": int(kinds.FIXED_SHARE_TARGET * 100),
            "may_add": services.may_manage(user),
        },
    )


def _shelter_form(user: Any, data: Any = None, initial: Any = None) -> ShelterForm:
    form = ShelterForm(data, initial=initial)
    form.fields["region_code"].choices = _region_choices(user)  # type: ignore[attr-defined]
    form.fields["manager"].queryset = (
        Responder.objects.visible_to(user)
        .filter(  # type: ignore[attr-defined]
            active=True, kind=Responder.SHELTER_MANAGER
        )
        .order_by("region_id", "name")
    )
    return form


@login_required
def shelter_new(request: HttpRequest) -> HttpResponse:
    _require_view(request)
    user = current_user(request)
    if not services.may_manage(user):
        raise Http404
    form = _shelter_form(user, request.POST or None, initial={"level": "township"})
    error = ""
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        manager = data.pop("manager")
        try:
            shelter = services.create_shelter(user, manager_id=manager.pk if manager else None, **data)
        except DomainError as failure:
            error = failure.page_message
        else:
            messages.success(request, _("已登记避难场所“%(name)s”。") % {"name": shelter.name})
            return redirect("resources:shelter_detail", pk=shelter.pk)
    return render(
        request,
        "resources/form_page.html",
        {
            "tab": "shelters",
            "form": form,
            "error": error,
            "title": _("登记避难场所"),
            "back": "resources:shelter_list",
        },
    )


@login_required
def shelter_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _require_view(request)
    user = current_user(request)
    shelter = _get_or_404(Shelter.objects.select_related("region", "manager"), user, pk)
    error = ""
    bound: dict[str, forms.Form] = {}
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "open":
                services.set_shelter_open(user, shelter.pk, open=True)
            elif action == "close":
                services.set_shelter_open(user, shelter.pk, open=False)
            elif action == "movement":
                form: forms.Form = MovementForm(request.POST)
                bound["movement"] = form
                if form.is_valid():
                    services.record_movement(user, shelter.pk, **form.cleaned_data)
                else:
                    error = _("请检查填写的内容")
            elif action == "update":
                form = _shelter_form(user, request.POST)
                bound["shelter"] = form
                if form.is_valid():
                    data = dict(form.cleaned_data)
                    manager = data.pop("manager")
                    services.update_shelter(
                        user, shelter.pk, manager_id=manager.pk if manager else None, **data
                    )
                else:
                    error = _("请检查填写的内容")
            else:
                error = _("未知操作")
        except DomainError as failure:
            error = failure.page_message
        if not error:
            messages.success(request, _("已保存。"))
            return redirect("resources:shelter_detail", pk=pk)
        shelter.refresh_from_db()
    initial = {f: getattr(shelter, f) for f in services.SHELTER_FIELDS}
    initial.update(region_code=shelter.region_id, manager=shelter.manager_id)
    return render(
        request,
        "resources/shelter_detail.html",
        {
            "tab": "shelters",
            "shelter": shelter,
            "facilities": [
                (code, gettext_lazy(label), code in shelter.facilities)
                for code, label in kinds.FACILITIES.items()
            ],
            "movements": shelter.movements.select_related("by").order_by("-at", "-id")[:20],
            "may_manage": services.may_manage(user),
            "may_dispatch": services.may_dispatch(user),
            "movement_form": bound.get("movement") or MovementForm(),
            "shelter_form": bound.get("shelter") or _shelter_form(user, initial=initial),
            "error": error,
            "map_config": {
                "counties_url": reverse("warnings_public:counties"),
                "features": {"type": "FeatureCollection", "features": [_shelter_feature(shelter)]},
            },
        },
    )


def _shelter_feature(shelter: Shelter) -> dict[str, Any]:
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [shelter.longitude, shelter.latitude]},
        "properties": {
            "popup": [shelter.name, f"{shelter.occupancy}/{shelter.capacity}"],
            "style": {
                "radius": 8,
                "color": "#fff",
                "weight": 2,
                "fillColor": kinds.SHELTER_STATUS_COLORS.get(shelter.status, "#999"),
                "fillOpacity": 1,
            },
        },
    }


# Aviation, reach, board ------------------------------------------------------------------------


@login_required
def aviation(request: HttpRequest) -> HttpResponse:
    _require_view(request)
    user = current_user(request)
    form = HelipadForm(request.POST or None)
    form.fields["region_code"].choices = _region_choices(user)  # type: ignore[attr-defined]
    error = ""
    if request.method == "POST":
        if not services.may_manage(user):
            raise Http404
        if form.is_valid():
            try:
                services.create_helipad(user, **form.cleaned_data)
            except DomainError as failure:
                error = failure.page_message
            else:
                messages.success(request, _("已登记起降点。"))
                return redirect("resources:aviation")
        else:
            error = _("请检查填写的内容")
    network = reach.aviation(user)
    helipads = list(Helipad.objects.visible_to(user).select_related("region").order_by("region_id", "name"))
    return render(
        request,
        "resources/aviation.html",
        {
            "tab": "aviation",
            "network": network,
            "share_percent": round(network.as_dict()["share"] * 100, 1),
            "delay": f"{reach.DISPATCH_DELAY_MIN:g}",
            "speed": f"{reach.CRUISE_KMH:g}",
            "helipads": helipads,
            "form": form,
            "may_add": services.may_manage(user),
            "error": error,
            "map_config": {
                "counties_url": reverse("warnings_public:counties"),
                "layers": [reverse("api:resources_aviation_map"), reverse("api:resources_helipads_map")],
            },
        },
    )


@login_required
def reach_page(request: HttpRequest) -> HttpResponse:
    _require_view(request)
    user = current_user(request)
    kind = request.GET.get("kind", kinds.FIRE_STATION)
    if kind not in kinds.TEAM_KINDS:
        kind = kinds.FIRE_STATION
    available_only = request.GET.get("available") == "1"
    result = reach.team_reach(user, kind, None, available_only)
    names = dict(counties_for(user).values_list("code", "name"))
    populations = dict(counties_for(user).values_list("code", "population"))
    rows = [
        {
            "code": code,
            "name": name,
            "population": populations.get(code) or 0,
            "bands": [
                (
                    band.by_county.get(code, 0),
                    (band.by_county.get(code, 0) / populations[code]) if populations.get(code) else 0,
                )
                for band in result.bands
            ],
        }
        for code, name in sorted(names.items())
    ]
    layer = reverse("api:resources_reach_map") if kind == kinds.FIRE_STATION and not available_only else None
    return render(
        request,
        "resources/reach.html",
        {
            "tab": "reach",
            "kind": kind,
            "available_only": available_only,
            "kinds": TEAM_KIND_CHOICES,
            "result": result,
            "rows": rows,
            "map_config": {
                "counties_url": reverse("warnings_public:counties"),
                "layers": [layer] if layer else [],
                "features": result.isochrones if layer is None else None,
            },
        },
    )


@login_required
def board_page(request: HttpRequest) -> HttpResponse:
    _require_view(request)
    user = current_user(request)
    counties = list(counties_for(user).order_by("code"))
    teams = Team.objects.visible_to(user)
    by_status: dict[tuple[str, str], int] = {}
    for path, status, n in (
        teams.values_list("region__path", "status")
        .annotate(n=Count("pk"))
        .order_by()
        .values_list("region__path", "status", "n")
    ):
        county = county_of_path(path)
        by_status[(county, status)] = by_status.get((county, status), 0) + n
    shelters: dict[str, dict[str, int]] = {}
    for path, capacity, occupancy, room, n in (
        Shelter.objects.visible_to(user)
        .values_list("region__path")
        .annotate(
            c=Sum("capacity"),
            o=Sum("occupancy"),
            r=Sum("capacity", filter=Q(status=kinds.OPEN) & Q(occupancy__lt=F("capacity"))),
            n=Count("pk"),
        )
        .order_by()
        .values_list("region__path", "c", "o", "r", "n")
    ):
        empty = {"capacity": 0, "occupancy": 0, "open_room": 0, "n": 0}
        entry = shelters.setdefault(county_of_path(path), empty)
        entry["capacity"] += capacity or 0
        entry["occupancy"] += occupancy or 0
        entry["open_room"] += room or 0
        entry["n"] += n
    rows = []
    for county in counties:
        rows.append(
            {
                "county": county,
                "statuses": [by_status.get((county.code, code), 0) for code, _label in TEAM_STATUS_CHOICES],
                "teams": sum(by_status.get((county.code, code), 0) for code, _label in TEAM_STATUS_CHOICES),
                "shelters": shelters.get(
                    county.code, {"capacity": 0, "occupancy": 0, "open_room": 0, "n": 0}
                ),
            }
        )
    return render(
        request,
        "resources/board.html",
        {
            "tab": "board",
            "rows": rows,
            "statuses": TEAM_STATUS_CHOICES,
            "status_colors": kinds.TEAM_STATUS_COLORS,
            "sections": board.sections_for(request),
        },
    )


# The public's nearest shelter ------------------------------------------------------------------


def public_shelters(request: HttpRequest) -> HttpResponse:
    """Find the nearest open shelter with room from the visitor's location (no sign-in)."""
    from yingji.warnings.views.public import page_frame

    error, found, point = "", [], None
    lon, lat = request.GET.get("lon", ""), request.GET.get("lat", "")
    if lon or lat:
        try:
            point = (float(lon), float(lat))
            if not (-180 <= point[0] <= 180 and -90 <= point[1] <= 90):
                raise ValueError
        except ValueError:
            error, point = _("位置无效，请重新选择。"), None
    if point is not None:
        try:
            found = reach.public_nearest_shelters(point, 3)
        except DomainError as failure:
            error = failure.page_message
    features = [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [item.candidate.longitude, item.candidate.latitude]},
            "properties": {
                "popup": [item.candidate.label, _("约 %(m)d 分钟") % {"m": round(item.minutes)}],
                "style": {
                    "radius": 9,
                    "color": "#fff",
                    "weight": 2,
                    "fillColor": "#2e9d57",
                    "fillOpacity": 1,
                },
            },
        }
        for item in found
    ]
    shelters = Shelter.objects.in_bulk([item.candidate.id for item in found])
    rows = [(item, shelters[item.candidate.id]) for item in found if item.candidate.id in shelters]
    return render(
        request,
        "resources/public_shelters.html",
        {
            **page_frame("shelters", request),
            "found": rows,
            "point": point,
            "error": error,
            "map_config": {
                "counties_url": reverse("warnings_public:counties"),
                "features": {"type": "FeatureCollection", "features": features},
                "marker": [point[1], point[0]] if point else None,
                "pick_url": reverse("resources_public:shelters"),
            },
        },
    )
