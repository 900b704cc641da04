"""Staff pages of warnings: the list, the draft form with its area map, and a warning's page with its
lifecycle, actions, deliveries and coverage.

Pages read through `visible_to` and change nothing themselves: the form and every action button post
to their page, which calls the service; a service's error is shown next to its field (the form) or
as a message (actions), and nothing is saved.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from yingji.core import regioncodes
from yingji.core.api_common import current_user
from yingji.core.errors import DomainError, InvalidInput, NotFound
from yingji.core.forms import ISO_DATETIME_LOCAL, BoundedDateTimeField, IsoDateTimeInput
from yingji.core.models import Organization, Region
from yingji.core.registry import counties_for, county_filter
from yingji.messaging.models import Delivery
from yingji.warnings import areamap, coverage, lifecycle, services
from yingji.warnings.maplayer import popup_lines
from yingji.warnings.models import LEVEL_CHOICES, EarlyWarning, WarningType

PAGE_SIZE = 50
LEVEL_WORDS = {
    "blue": gettext_lazy("蓝色"),
    "yellow": gettext_lazy("黄色"),
    "orange": gettext_lazy("橙色"),
    "red": gettext_lazy("红色"),
}
# The usual headline names who issues the warning: the issuing region's emergency bureau.
HEADLINE = gettext_lazy("%(issuer)s发布%(type)s%(level)s预警")
DEFAULT_DURATION = timedelta(hours=24)
# What a datetime-local input sends, read in Beijing time.
INPUT_FORMATS = [ISO_DATETIME_LOCAL, "%Y-%m-%dT%H:%M:%S"]
OPEN = (EarlyWarning.SUBMITTED, EarlyWarning.APPROVED)


def _viewer(request: HttpRequest) -> Any:
    """The signed-in user if their role works with warnings; otherwise the page does not exist (404)."""
    user = current_user(request)
    if not services.may_view(user):
        raise Http404
    return user


def _warning_or_404(user: Any, pk: int, *related: str) -> EarlyWarning:
    queryset = EarlyWarning.objects.select_related("warning_type", "region", *related)
    try:
        return queryset.get_visible_or_404(user, pk=pk)
    except NotFound:
        raise Http404 from None


def suggested_headline(issuer: str, warning_type: WarningType, level: str) -> str:
    """The usual headline in the reader's language, naming the issuer: "定襄县应急管理局发布暴雨蓝色预警"."""
    return HEADLINE % {"issuer": issuer, "type": warning_type.display_name, "level": LEVEL_WORDS[level]}


def issuer_names(regions: list[Region]) -> dict[str, str]:
    """{region code: the name of the organization that issues its warnings}: its emergency bureau (the
    organization a new draft gets, `services.bureau_of`), or the region's own name where it has none."""
    names = {region.code: region.name for region in regions}
    bureaus = Organization.objects.filter(region__in=regions, kind=Organization.BUREAU).order_by("-id")
    names.update(bureaus.values_list("region_id", "name"))  # the lowest id last, as bureau_of picks
    return names


# The list ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Tab:
    """A status tab of the list: what it shows and its label."""

    key: str
    label: Any
    condition: Q


def _tabs(user: Any, now: datetime) -> list[Tab]:
    """The status tabs in the user's order: approvers see what waits for approval first."""
    live = Q(status=EarlyWarning.PUBLISHED, expires__gt=now)
    tabs = {
        "pending": Tab("pending", gettext_lazy("待审批"), Q(status__in=OPEN)),
        "live": Tab("live", gettext_lazy("发布中"), live),
        "draft": Tab("draft", gettext_lazy("草稿"), Q(status=EarlyWarning.DRAFT)),
        "ended": Tab(
            "ended",
            gettext_lazy("已结束"),
            Q(status__in=EarlyWarning.ENDED_STATUSES) | Q(status=EarlyWarning.PUBLISHED, expires__lte=now),
        ),
        "all": Tab("all", gettext_lazy("全部"), Q()),
    }
    if user.role in services.APPROVER_ROLES:
        order = ("pending", "live", "draft", "ended", "all")
    else:
        order = ("draft", "pending", "live", "ended", "all")
    return [tabs[key] for key in order]


LIST_FILTERS = ("tab", "level", "type", "county", "q", "awaiting", "source")


def listed_warnings(user: Any, chosen: Mapping[str, str]) -> Any:
    """The warning list's records: what the user sees, by tab, level, type, county, headline, source,
    and `awaiting=me`: those waiting for the user's own approval (whose to-do lists they are on)."""
    if not services.may_view(user):
        return EarlyWarning.objects.none()
    listed = EarlyWarning.objects.visible_to(user)
    tab = next((t for t in _tabs(user, timezone.now()) if t.key == chosen.get("tab")), None)
    if tab is not None:
        listed = listed.filter(tab.condition)
    if chosen.get("level") in lifecycle.LEVELS:
        listed = listed.filter(level=chosen["level"])
    if chosen.get("type"):
        listed = listed.filter(warning_type__code=chosen["type"][:32], warning_type__active=True)
    county = county_filter(user, chosen.get("county"))
    if county is not None:
        listed = listed.in_region(county)
    if chosen.get("q"):
        listed = listed.filter(headline__icontains=chosen["q"][:50])
    if chosen.get("source") in dict(EarlyWarning.SOURCE_CHOICES):
        listed = listed.filter(source=chosen["source"])
    if chosen.get("awaiting") == "me":
        listed = services.awaiting_approval_by(user, listed)
    return listed


@login_required
def warning_list(request: HttpRequest) -> HttpResponse:
    """Warnings the user may see, by status tab, level, type and county, newest first."""
    user = _viewer(request)
    now = timezone.now()
    visible = EarlyWarning.objects.visible_to(user)
    tabs = _tabs(user, now)
    counts = visible.aggregate(**{tab.key: Count("pk", filter=tab.condition) for tab in tabs})
    default_tab = tabs[0].key if counts[tabs[0].key] else "all"
    chosen = {key: request.GET.get(key, "").strip() for key in LIST_FILTERS}
    if chosen["tab"] not in counts:
        chosen["tab"] = default_tab
    listed = listed_warnings(user, chosen)
    types = [(kind.code, kind.display_name) for kind in WarningType.objects.filter(active=True)]
    counties = list(counties_for(user).order_by("code"))
    page = Paginator(
        listed.select_related("warning_type", "region").order_by("-created_at", "-id"), PAGE_SIZE
    ).get_page(request.GET.get("page"))
    # Whether the user approves a warning depends on its issuing region and level only: one answer each.
    approves: dict[tuple[str, str], bool] = {}
    for warning in page:
        if warning.status in OPEN:
            key = (warning.region_id, warning.level)
            if key not in approves:
                approves[key] = services.may_approve(user, warning)
        warning.awaiting_me = warning.status in OPEN and approves[(warning.region_id, warning.level)]
        warning.is_live = warning.status == EarlyWarning.PUBLISHED and warning.expires > now
    return render(
        request,
        "warnings/list.html",
        {
            "page": page,
            "tabs": [(t.key, t.label, counts[t.key]) for t in tabs],
            "chosen": chosen,
            "levels": LEVEL_CHOICES,
            "types": types,
            "counties": counties if len(counties) > 1 else [],
            "source_label": dict(EarlyWarning.SOURCE_CHOICES).get(chosen["source"], ""),
            "may_draft": services.may_draft(user),
        },
    )


# The draft form ---------------------------------------------------------------------------------


class DraftForm(forms.Form):
    """What a person fills in for a warning; the service validates the meaning (area, times, type)."""

    region = forms.ChoiceField(label=gettext_lazy("发布单位"), required=False)
    warning_type = forms.ChoiceField(label=gettext_lazy("预警类型"))
    level = forms.ChoiceField(label=gettext_lazy("级别"), choices=LEVEL_CHOICES)
    headline = forms.CharField(label=gettext_lazy("标题"), max_length=200)
    description = forms.CharField(label=gettext_lazy("预警内容"), widget=forms.Textarea(attrs={"rows": 4}))
    instruction = forms.CharField(
        label=gettext_lazy("防御指南"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    onset = BoundedDateTimeField(
        label=gettext_lazy("开始时间（北京时间）"), input_formats=INPUT_FORMATS, widget=IsoDateTimeInput()
    )
    expires = BoundedDateTimeField(
        label=gettext_lazy("失效时间（北京时间）"), input_formats=INPUT_FORMATS, widget=IsoDateTimeInput()
    )
    area_codes = forms.MultipleChoiceField(label=gettext_lazy("预警区域"), required=False)
    area_description = forms.CharField(label=gettext_lazy("区域描述"), max_length=500, required=False)
    area_shapes = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, issuers: list[Region], area_choices: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = [(region.code, region.name) for region in issuers]
        self.fields["warning_type"].choices = [
            (kind.code, kind.display_name) for kind in WarningType.objects.filter(active=True)
        ]
        self.fields["area_codes"].choices = [(code, code) for code in area_choices]

    def clean_area_shapes(self) -> list[dict[str, Any]]:
        try:
            shapes = json.loads(self.cleaned_data.get("area_shapes") or "[]")
        except ValueError:
            shapes = None
        if not isinstance(shapes, list):
            raise forms.ValidationError(_("区域图形格式有误，请重新绘制"))
        return shapes

    def draft_input(self, region: str | None) -> services.DraftInput:
        data = self.cleaned_data
        return services.DraftInput(
            warning_type=data["warning_type"],
            level=data["level"],
            headline=data["headline"],
            description=data["description"],
            instruction=data["instruction"],
            onset=data["onset"],
            expires=data["expires"],
            area_description=data["area_description"],
            area_codes=list(data["area_codes"]),
            area_shapes=data["area_shapes"],
            region=region,
        )

    def show_error(self, failure: DomainError) -> None:
        """Put a service's error next to the field it names (details.field), else above the form."""
        field = failure.details.get("field", "") if isinstance(failure.details, dict) else ""
        field = "area_shapes" if field.startswith("area_shapes") else field
        field = "area_codes" if field == "area" else field
        if isinstance(failure, NotFound) and not field:
            field = "region"
        self.add_error(field if field in self.fields else None, failure.page_message)


def _issuers(user: Any) -> list[Region]:
    """Where the user may issue from: their own region, and for the city also each of its counties."""
    own = user.region
    if own.level == regioncodes.CITY:
        return [own, *counties_for(user).order_by("code")]
    if own.level == regioncodes.COUNTY:
        return [own]
    county = own.ancestor_at(regioncodes.COUNTY)
    return [county] if county else []


@dataclass
class AreaGroup:
    """A county of the area picker with its townships."""

    code: str
    name: str
    townships: list[tuple[str, str]]


def _area_groups(issuers: list[Region]) -> tuple[list[AreaGroup], list[str]]:
    """The counties (with townships) the issuers may name, and every code on offer; two queries."""
    counties = [region for region in issuers if region.level == regioncodes.COUNTY]
    townships: dict[str, list[tuple[str, str]]] = {county.code: [] for county in counties}
    rows = Region.objects.filter(parent_id__in=list(townships), level=regioncodes.TOWNSHIP).order_by("code")
    for code, name, parent in rows.values_list("code", "name", "parent_id"):
        townships[parent].append((code, name))
    groups = [AreaGroup(county.code, county.name, townships[county.code]) for county in counties]
    codes = [region.code for region in issuers]
    codes += [code for group in groups for code, _name in group.townships]
    return groups, codes


def _form_page(request: HttpRequest, user: Any, warning: EarlyWarning | None) -> HttpResponse:
    """The new-draft and edit-draft page: GET shows it, POST saves through the service or shows why not."""
    issuers = [warning.region] if warning else _issuers(user)
    if not issuers:
        raise Http404
    area_regions = issuers if warning is None else [warning.region, *_counties_under(warning.region)]
    groups, area_choices = _area_groups(area_regions)
    form_kwargs: dict[str, Any] = {"issuers": issuers, "area_choices": area_choices}
    if request.method == "POST":
        form = DraftForm(request.POST, **form_kwargs)
        if form.is_valid():
            try:
                if warning is None:
                    saved = services.create_draft(user, form.draft_input(form.cleaned_data["region"] or None))
                else:
                    saved = services.edit_draft(user, warning.pk, form.draft_input(None))
            except (InvalidInput, NotFound) as failure:
                form.show_error(failure)
            except DomainError as failure:
                form.add_error(None, failure.page_message)
            else:
                messages.success(request, _("草稿已保存。") if warning else _("预警草稿已创建。"))
                return redirect("warnings:detail", pk=saved.pk)
    else:
        form = DraftForm(initial=_initial(user, warning, issuers), **form_kwargs)
    return render(request, "warnings/form.html", _form_context(form, warning, issuers, groups))


def _counties_under(region: Region) -> list[Region]:
    if region.level != regioncodes.CITY:
        return []
    return list(Region.objects.filter(parent=region, level=regioncodes.COUNTY).order_by("code"))


def _initial(user: Any, warning: EarlyWarning | None, issuers: list[Region]) -> dict[str, Any]:
    if warning is not None:
        return {
            "region": warning.region_id,
            "warning_type": warning.warning_type.code,
            "level": warning.level,
            "headline": warning.headline,
            "description": warning.description,
            "instruction": warning.instruction,
            "onset": timezone.localtime(warning.onset),
            "expires": timezone.localtime(warning.expires),
            "area_codes": warning.area_codes,
            "area_description": warning.area_description,
            "area_shapes": json.dumps(warning.area_shapes),
        }
    first_type = WarningType.objects.filter(active=True).first()
    onset = timezone.localtime().replace(second=0, microsecond=0) + timedelta(minutes=1)
    initial: dict[str, Any] = {
        "region": issuers[0].code,
        "level": lifecycle.LEVELS[0],
        "onset": onset,
        "expires": onset + DEFAULT_DURATION,
        "area_shapes": "[]",
    }
    if first_type is not None:
        level = first_type.levels[0] if first_type.levels else lifecycle.LEVELS[0]
        initial.update(
            warning_type=first_type.code,
            level=level,
            headline=suggested_headline(issuer_names(issuers[:1])[issuers[0].code], first_type, level),
            instruction=first_type.instructions.get(level, ""),
        )
    return initial


def _form_context(
    form: DraftForm, warning: EarlyWarning | None, issuers: list[Region], groups: list[AreaGroup]
) -> dict[str, Any]:
    types = WarningType.objects.filter(active=True)
    names = issuer_names(issuers)
    city = next((region for region in issuers if region.level == regioncodes.CITY), None)
    editor = {
        "counties_url": reverse("warnings_public:counties"),
        "types": {
            kind.code: {
                "name": kind.display_name,
                "levels": kind.levels,
                "instructions": kind.instructions,
            }
            for kind in types
        },
        "issuers": {region.code: {"name": names[region.code], "level": region.level} for region in issuers},
        "level_words": {level: str(word) for level, word in LEVEL_WORDS.items()},
        "level_colors": areamap.LEVEL_COLORS,
        "headline": str(HEADLINE),
        "texts": {
            "vertices": _("已取 %(n)s 个点，点击“完成多边形”结束"),
            "centre": _("点击地图确定圆心"),
            "radius": _("点击地图确定半径"),
            "polygon": _("多边形"),
            "circle": _("圆，半径 %(km)s 千米"),
            "remove": _("删除"),
            "need_three": _("多边形至少需要 3 个点"),
        },
    }
    checked = set(form["area_codes"].value() or [])
    return {
        "form": form,
        "warning": warning,
        "issuers": issuers,
        "city": city,
        "groups": groups,
        "checked": checked,
        "editor": editor,
        "area_errors": list(form.errors.get("area_codes", [])) + list(form.errors.get("area_shapes", [])),
    }


@login_required
def warning_new(request: HttpRequest) -> HttpResponse:
    """A new draft, issued by the user's region (the city may issue for one of its counties)."""
    user = _viewer(request)
    if not services.may_draft(user):
        raise Http404
    return _form_page(request, user, None)


@login_required
def warning_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Change a draft; anything past draft is changed by an update after publication."""
    user = _viewer(request)
    warning = _warning_or_404(user, pk)
    if "edit" not in services.allowed_actions(user, warning):
        messages.error(request, _("只有草稿可以修改"))
        return redirect("warnings:detail", pk=pk)
    return _form_page(request, user, warning)


# A warning --------------------------------------------------------------------------------------

ACTION_LABELS = {
    "submit": gettext_lazy("提交审批"),
    "approve": gettext_lazy("审批通过"),
    "publish": gettext_lazy("发布"),
    "update": gettext_lazy("更新预警"),
}
DONE_MESSAGES = {
    "submit": gettext_lazy("已提交审批。"),
    "return": gettext_lazy("已退回起草人修改。"),
    "approve": gettext_lazy("已审批通过，可以发布。"),
    "publish": gettext_lazy("预警已发布，正在向预警区域内的人员送达。"),
}


def _run_action(user: Any, warning: EarlyWarning, action: str, note: str) -> tuple[str, EarlyWarning]:
    """Carry out a lifecycle action through its service; (success message, the version to show next)."""
    pk = warning.pk
    if action == "submit":
        return str(DONE_MESSAGES[action]), services.submit(user, pk)
    if action == "return":
        return str(DONE_MESSAGES[action]), services.return_to_draft(user, pk, note)
    if action == "approve":
        return str(DONE_MESSAGES[action]), services.approve(user, pk)
    if action == "publish":
        return str(DONE_MESSAGES[action]), services.publish(user, pk)
    if action == "update":
        return _("已创建更新版本的草稿，修改后提交审批。"), services.start_update(user, pk)
    if action == "cancel":
        was_published = warning.status == EarlyWarning.PUBLISHED
        result = services.cancel(user, pk, note)
        return (_("预警已解除，解除通知正在送达。") if was_published else _("已作废。")), result
    raise Http404


@login_required
def warning_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A warning: its content, area, lifecycle, the actions open to the user, deliveries and coverage."""
    user = _viewer(request)
    if request.method == "POST":
        warning = _warning_or_404(user, pk)
        action = request.POST.get("action", "")
        try:
            done, shown = _run_action(user, warning, action, request.POST.get("note", ""))
        except NotFound:
            raise Http404 from None
        except DomainError as failure:
            messages.error(request, failure.page_message)
            return redirect("warnings:detail", pk=pk)
        messages.success(request, done)
        if action == "update":
            return redirect("warnings:edit", pk=shown.pk)
        return redirect("warnings:detail", pk=shown.pk)
    warning = _warning_or_404(
        user, pk, "organization", "created_by", "submitted_by", "approved_by", "published_by", "supersedes"
    )
    index = areamap.AreaIndex.build([warning])
    actions = services.allowed_actions(user, warning)
    return render(
        request,
        "warnings/detail.html",
        {
            "warning": warning,
            "area_names": index.names(warning),
            "map_config": {
                "counties_url": reverse("warnings_public:counties"),
                "features": {
                    "type": "FeatureCollection",
                    "features": index.features(warning, popup=popup_lines(warning, index), url=None),
                },
            },
            "timeline": _timeline(warning),
            "versions": _versions(user, warning),
            "actions": actions,
            "buttons": [(action, ACTION_LABELS[action]) for action in actions if action in ACTION_LABELS],
            "may_cancel": "cancel" in actions,
            "may_edit": "edit" in actions,
            "approver_tier": services.approver_tier_for(warning),
            "is_live": warning.status == EarlyWarning.PUBLISHED and warning.expires > timezone.now(),
            "public": warning.published_at is not None,
            **_delivery_context(user, warning),
        },
    )


@dataclass(frozen=True)
class Step:
    """One line of a warning's timeline."""

    key: str
    label: Any
    at: datetime
    who: str = ""
    note: str = ""


def _name(user: Any) -> str:
    return str(user) if user is not None else ""


def _timeline(warning: EarlyWarning) -> list[Step]:
    steps = [Step("created", _("起草"), warning.created_at, _name(warning.created_by))]
    if warning.submitted_at:
        steps.append(Step("submitted", _("提交审批"), warning.submitted_at, _name(warning.submitted_by)))
    if warning.approved_at:
        steps.append(Step("approved", _("审批通过"), warning.approved_at, _name(warning.approved_by)))
    if warning.published_at:
        steps.append(Step("published", _("发布"), warning.published_at, _name(warning.published_by)))
    if warning.ended_at:
        discarded = warning.status == EarlyWarning.CANCELLED and warning.published_at is None
        label = _("作废") if discarded else warning.get_status_display()
        note = warning.note if warning.status == EarlyWarning.CANCELLED else ""
        steps.append(Step("ended", label, warning.ended_at, note=note))
    return steps


def _versions(user: Any, warning: EarlyWarning) -> list[EarlyWarning]:
    """The versions of the warning's series the user may see, first to last."""
    series = warning.series_id or warning.pk
    return list(
        EarlyWarning.objects.visible_to(user)
        .filter(Q(series_id=series) | Q(pk=series))
        .only("pk", "version", "msg_type", "status", "headline", "created_at", "published_at")
        .order_by("version", "created_at")
    )


# Deliveries and coverage ------------------------------------------------------------------------


def _delivery_context(user: Any, warning: EarlyWarning) -> dict[str, Any]:
    """Deliveries of the warning the user may see, channel × status, and its coverage as last measured."""
    counts = {
        (channel, status): n
        for channel, status, n in Delivery.objects.visible_to(user)
        .about(warning)
        .order_by()
        .values("channel", "status")
        .annotate(n=Count("pk"))
        .values_list("channel", "status", "n")
    }
    statuses = Delivery.STATUS_CHOICES
    rows = []
    for channel, label in Delivery.CHANNEL_CHOICES:
        cells = [counts.get((channel, status), 0) for status, _label in statuses]
        if any(cells):
            rows.append({"channel": channel, "label": label, "cells": cells, "total": sum(cells)})
    totals = [sum(row["cells"][column] for row in rows) for column in range(len(statuses))]
    pending = sum(n for (_c, status), n in counts.items() if status in (Delivery.QUEUED, Delivery.SENDING))
    return {
        "delivery_statuses": statuses,
        "delivery_rows": rows,
        "delivery_totals": totals,
        "delivery_total": sum(totals),
        "deliveries_pending": pending,
        "coverage": _coverage(warning),
        "coverage_url": f"/warnings/coverage/?warning={warning.pk}",
    }


def _percent(ratio: Any) -> float | None:
    return None if ratio is None else round(float(ratio) * 100, 1)


def _coverage(warning: EarlyWarning) -> dict[str, Any] | None:
    """The coverage as last measured (coverage.refresh), each share against the plan's goal."""
    stored = warning.coverage
    if not isinstance(stored, dict) or "target" not in stored:
        return None
    aim = float(stored.get("goal") or coverage.goal())
    counties = [
        {
            "code": code,
            "name": row.get("name", code),
            "target": row.get("target", 0),
            "reached": row.get("reached", 0),
            "percent": _percent(row.get("ratio")),
            "met": row.get("ratio") is not None and float(row["ratio"]) >= aim,
        }
        for code, row in sorted((stored.get("counties") or {}).items())
        if isinstance(row, dict)
    ]
    ratio = stored.get("ratio")
    return {
        "target": stored.get("target", 0),
        "reached": stored.get("reached", 0),
        "percent": _percent(ratio),
        "met": ratio is not None and float(ratio) >= aim,
        "goal_percent": round(aim * 100),
        "counties": counties,
        "measured_at": warning.coverage_at,
    }


@login_required
def warning_deliveries(request: HttpRequest, pk: int) -> HttpResponse:
    """The deliveries and coverage block of a warning's page, polled every 5 s while messages go out."""
    user = _viewer(request)
    warning = _warning_or_404(user, pk)
    response = render(
        request, "warnings/_deliveries.html", {"warning": warning, **_delivery_context(user, warning)}
    )
    response["X-Warning-Deliveries"] = "1"  # detail.js reloads the page if a poll gets anything else
    return response
