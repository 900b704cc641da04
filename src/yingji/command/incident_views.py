"""Incident pages (事件): the list with county counts, the intake form with its map point picker, the
incident's page (facts, grade, clocks, reports, log, the sections other modules add) and the command
screen (指挥一张图) that htmx refreshes. Forms call the services; a refusal comes back as a message."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from yingji.command import categories, incident_map
from yingji.command import incident_services as services
from yingji.command.incidents import sections_for
from yingji.command.models import AccidentReport, Incident, IncidentLogEntry
from yingji.core.api_common import current_user
from yingji.core.errors import DomainError
from yingji.core.forms import BoundedDateTimeField
from yingji.core.registry import count_by_county, counties_for, county_filter

PAGE_SIZE = 50
LOG_ON_SCREEN = 30
OPEN = (Incident.REPORTED, Incident.RESPONDING)


def _viewer(request: HttpRequest) -> Any:
    user = current_user(request)
    if not services.may_view(user):
        raise Http404
    return user


def _incident(user: Any, pk: int) -> Incident:
    return Incident.objects.select_related(
        "region", "organization", "reported_by", "merged_into"
    ).get_visible_or_404(user, pk=pk)


# The list -----------------------------------------------------------------------------------------


def listed_incidents(user: Any, chosen: Mapping[str, str]) -> Any:
    """The list's records: what the user sees, by status (or `open=1`), category, grade, county, text."""
    rows = Incident.objects.visible_to(user) if services.may_view(user) else Incident.objects.none()
    if chosen.get("status") in dict(Incident.STATUS_CHOICES):
        rows = rows.filter(status=chosen["status"])
    if chosen.get("open") == "1":
        rows = rows.filter(status__in=OPEN)
    if chosen.get("category") in categories.SUBTYPES:
        rows = rows.filter(category=chosen["category"])
    if chosen.get("grade") in ("一般", "较大", "重大", "特别重大"):
        rows = rows.filter(grade=chosen["grade"])
    county = county_filter(user, chosen.get("county"))
    if county is not None:
        rows = rows.filter(region__path__startswith=county.path)
    text = (chosen.get("q") or "").strip()[:100]
    if text:
        rows = rows.filter(Q(number__icontains=text) | Q(title__icontains=text))
    return rows


@login_required
def incident_list(request: HttpRequest) -> HttpResponse:
    user = _viewer(request)
    chosen = {
        key: request.GET.get(key, "")[:100] for key in ("status", "open", "category", "grade", "county", "q")
    }
    rows = listed_incidents(user, chosen).select_related("region").order_by("-known_at", "-id")
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    counties = list(counties_for(user).order_by("code"))
    open_counts = count_by_county(Incident.objects.visible_to(user).filter(status__in=OPEN))
    return render(
        request,
        "command/incident_list.html",
        {
            "page": page,
            "chosen": chosen,
            "statuses": Incident.STATUS_CHOICES,
            "categories": [(key, label) for key, label, _subtypes in categories.choices()],
            "grades": ("一般", "较大", "重大", "特别重大"),
            "counties": counties,
            "county_counts": [(county, open_counts.get(county.code, 0)) for county in counties],
            "may_record": services.may_record(user),
        },
    )


# Intake ---------------------------------------------------------------------------------------------


class IntakeForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("事件名称"), max_length=100)
    category = forms.ChoiceField(label=gettext_lazy("事件类别"))
    subtype = forms.ChoiceField(label=gettext_lazy("事件类型"))
    source = forms.ChoiceField(label=gettext_lazy("信息来源"))
    occurred_at = BoundedDateTimeField(label=gettext_lazy("发生时间"))
    known_at = BoundedDateTimeField(label=gettext_lazy("获知时间"))
    longitude = forms.FloatField(label=gettext_lazy("经度"), min_value=-180, max_value=180)
    latitude = forms.FloatField(label=gettext_lazy("纬度"), min_value=-90, max_value=90)
    address = forms.CharField(label=gettext_lazy("地点"), max_length=200, required=False)
    enterprise_id = forms.TypedChoiceField(
        label=gettext_lazy("事故单位（企业）"), required=False, coerce=int, empty_value=None
    )
    deaths = forms.IntegerField(
        label=gettext_lazy("死亡"), min_value=0, max_value=services.MAX_PEOPLE, initial=0
    )
    missing = forms.IntegerField(
        label=gettext_lazy("失踪"), min_value=0, max_value=services.MAX_PEOPLE, initial=0
    )
    serious_injuries = forms.IntegerField(
        label=gettext_lazy("重伤"), min_value=0, max_value=services.MAX_PEOPLE, initial=0
    )
    trapped = forms.IntegerField(
        label=gettext_lazy("被困"), min_value=0, max_value=services.MAX_PEOPLE, initial=0
    )
    direct_loss_cny = forms.DecimalField(
        label=gettext_lazy("直接经济损失（元）"),
        min_value=0,
        max_value=services.MAX_LOSS_CNY,
        decimal_places=2,
        initial=0,
    )
    description = forms.CharField(
        label=gettext_lazy("事件描述"),
        max_length=4000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from yingji.enterprises.models import Enterprise

        self.fields["category"].choices = [(key, _(label)) for key, label, _s in categories.choices()]
        self.fields["subtype"].choices = [
            (subtype, _(subtype)) for _key, _label, subtypes in categories.choices() for subtype in subtypes
        ]
        self.fields["source"].choices = [
            (value, label) for value, label in Incident.SOURCE_CHOICES if value in services.MANUAL_SOURCES
        ]
        enterprises = (
            Enterprise.objects.visible_to(user).order_by("region_id", "name").values_list("pk", "name")[:2000]
        )
        self.fields["enterprise_id"].choices = [("", _("（无）")), *enterprises]


def _subtype_map() -> dict[str, list[str]]:
    return {key: list(subtypes) for key, _label, subtypes in categories.choices()}


@login_required
def incident_new(request: HttpRequest) -> HttpResponse:
    user = _viewer(request)
    if not services.may_record(user):
        raise Http404
    now = timezone.localtime()
    form = IntakeForm(
        request.POST or None,
        user=user,
        initial={
            "occurred_at": now.replace(second=0, microsecond=0),
            "known_at": now.replace(second=0, microsecond=0),
        },
    )
    error = ""
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        data["direct_loss_cny"] = data["direct_loss_cny"] or Decimal(0)
        try:
            found = services.take_in(user, **data)
        except DomainError as refusal:
            error = refusal.page_message
        else:
            messages.success(request, _("已接报，事件编号 %(number)s") % {"number": found.incident.number})
            if found.duplicates:
                messages.warning(
                    request,
                    _("附近有 %(n)d 起同类未结束事件，可能是重复接报，请核实后合并")
                    % {"n": len(found.duplicates)},
                )
            return redirect("incidents:detail", found.incident.pk)
    return render(
        request,
        "command/incident_form.html",
        {
            "form": form,
            "error": error,
            "subtypes": _subtype_map(),
            "map_config": {"counties_url": reverse("warnings_public:counties")},
        },
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_POST
def incident_from_alarm(request: HttpRequest, alarm_id: int) -> HttpResponse:
    from yingji.monitoring.models import Alarm

    user = _viewer(request)
    if not Alarm.objects.visible_to(user).filter(pk=alarm_id).exists():
        raise Http404
    try:
        found = services.intake_from_alarm(user, alarm_id)
    except DomainError as refusal:
        messages.error(request, refusal.page_message)
        existing = refusal.details.get("incident_id") if isinstance(refusal.details, dict) else None
        if existing:
            return redirect("incidents:detail", existing)
        return redirect("monitoring:alarm", alarm_id)
    messages.success(request, _("已由报警转为事件 %(number)s") % {"number": found.incident.number})
    return redirect("incidents:detail", found.incident.pk)


# One incident ----------------------------------------------------------------------------------------


class NoteForm(forms.Form):
    text = forms.CharField(
        label=gettext_lazy("记录"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2})
    )


class NumbersForm(forms.Form):
    deaths = forms.IntegerField(label=gettext_lazy("死亡"), min_value=0, max_value=services.MAX_PEOPLE)
    missing = forms.IntegerField(label=gettext_lazy("失踪"), min_value=0, max_value=services.MAX_PEOPLE)
    serious_injuries = forms.IntegerField(
        label=gettext_lazy("重伤"), min_value=0, max_value=services.MAX_PEOPLE
    )
    trapped = forms.IntegerField(label=gettext_lazy("被困"), min_value=0, max_value=services.MAX_PEOPLE)
    direct_loss_cny = forms.DecimalField(
        label=gettext_lazy("直接经济损失（元）"),
        min_value=0,
        max_value=services.MAX_LOSS_CNY,
        decimal_places=2,
    )
    description = forms.CharField(
        label=gettext_lazy("事件描述"),
        max_length=4000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ReportForm(forms.Form):
    level = forms.ChoiceField(label=gettext_lazy("报告对象"), choices=AccidentReport.LEVEL_CHOICES)
    kind = forms.ChoiceField(label=gettext_lazy("类型"), choices=AccidentReport.KIND_CHOICES)
    filed_at = BoundedDateTimeField(label=gettext_lazy("报告时间"), required=False)
    reporting_unit = forms.CharField(label=gettext_lazy("报告单位"), max_length=100)
    to_whom = forms.CharField(label=gettext_lazy("接收单位"), max_length=100)
    unit_summary = forms.CharField(label=gettext_lazy("事故发生单位概况"), max_length=1000, required=False)
    place = forms.CharField(label=gettext_lazy("事故发生地点"), max_length=200, required=False)
    course = forms.CharField(
        label=gettext_lazy("事故简要经过"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
    measures = forms.CharField(
        label=gettext_lazy("已经采取的措施"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class FlagForm(forms.Form):
    flag = forms.ChoiceField(label=gettext_lazy("认定"), choices=AccidentReport.FLAG_CHOICES)
    reason = forms.CharField(label=gettext_lazy("认定理由"), max_length=500)


class CloseForm(forms.Form):
    summary = forms.CharField(
        label=gettext_lazy("处置总结"), max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )


def _facts(user: Any, incident: Incident, now: datetime) -> dict[str, Any]:
    """What the page and the screen both show: clocks, reports, log, the casualty window, sections."""
    return {
        "incident": incident,
        "clocks": services.clock_rows(incident, now),
        "reports": list(incident.reports.select_related("filed_by").order_by("id")),
        "casualty_until": services.casualty_window(incident),
        "now": now,
    }


@login_required
def incident_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = _viewer(request)
    incident = _incident(user, pk)
    now = timezone.now()
    may_record = services.may_record(user)
    context = _facts(user, incident, now)
    context.update(
        {
            "log": IncidentLogEntry.objects.filter(incident=incident)
            .select_related("actor")
            .order_by("-at", "-id"),
            "sections": sections_for(request, incident),
            "may_record": may_record and incident.is_open,
            "may_note": may_record,
            "may_take_over": services.may_take_over(user, incident),
            "acting_as_city": services.is_city(user),
            "duplicates": services.duplicates_of(incident) if incident.is_open else [],
            "note_form": NoteForm(),
            "numbers_form": NumbersForm(
                initial={name: getattr(incident, name) for name in NumbersForm.base_fields}
            ),
            "report_form": ReportForm(
                initial={"to_whom": "", "reporting_unit": user.organization.name if user.organization else ""}
            ),
            "flag_form": FlagForm(),
            "close_form": CloseForm(),
            "merged_intakes": incident.merged_intakes.all(),
        }
    )
    for report in context["reports"]:
        report.judgeable = services.may_judge(user, report)  # type: ignore[attr-defined]
    return render(request, "command/incident_detail.html", context)


def _act(request: HttpRequest, user: Any, incident: Incident) -> str:
    """Carry out the posted action on the incident; '' or the refusal's message."""
    action = request.POST.get("action", "")
    try:
        if action == "note":
            form = NoteForm(request.POST)
            if not form.is_valid():
                return _("请填写记录内容（最多 1000 字）")
            services.add_note(user, incident.pk, form.cleaned_data["text"])
        elif action == "numbers":
            form = NumbersForm(request.POST)
            if not form.is_valid():
                return _("伤亡人数须为非负整数，损失须为非负数")
            services.update_incident(user, incident.pk, **form.cleaned_data)
        elif action == "report":
            form = ReportForm(request.POST)
            if not form.is_valid():
                return _("请完整填写报告对象、报告单位、接收单位、经过和措施")
            services.file_report(user, incident.pk, **form.cleaned_data)
        elif action == "flag":
            form = FlagForm(request.POST)
            report_id = request.POST.get("report", "")
            if not form.is_valid() or not report_id.isdigit() or len(report_id) > 15:
                return _("请选择认定类型并填写理由")
            report = AccidentReport.objects.filter(pk=int(report_id), incident=incident).first()
            if report is None:
                return _("该报告不属于本事件")
            services.flag_report(user, report.pk, **form.cleaned_data)
        elif action == "merge":
            into = request.POST.get("into", "")
            if not into.isdigit() or len(into) > 15:
                return _("请选择要并入的事件")
            services.merge(user, incident.pk, int(into))
        elif action == "takeover":
            services.take_over(user, incident.pk)
        elif action == "close":
            form = CloseForm(request.POST)
            if not form.is_valid():
                return _("请填写处置总结")
            services.close_incident(user, incident.pk, form.cleaned_data["summary"])
        else:
            return _("未知的操作")
    except DomainError as refusal:
        return refusal.page_message
    return ""


@login_required
@require_POST
def incident_action(request: HttpRequest, pk: int) -> HttpResponse:
    user = _viewer(request)
    incident = _incident(user, pk)
    error = _act(request, user, incident)
    if error:
        messages.error(request, error)
    else:
        messages.success(request, _("已保存"))
    back = request.POST.get("back", "")
    if back == "screen":
        return redirect("incidents:screen", incident.pk)
    return redirect("incidents:detail", incident.pk)


# The command screen ----------------------------------------------------------------------------------


def _screen_live_context(
    request: HttpRequest, user: Any, incident: Incident, radius: float
) -> dict[str, Any]:
    now = timezone.now()
    context = _facts(user, incident, now)
    found = incident_map.surroundings(user, incident, radius)
    context.update(
        {
            "log": list(
                IncidentLogEntry.objects.filter(incident=incident)
                .select_related("actor")
                .order_by("-at", "-id")[:LOG_ON_SCREEN]
            ),
            "found": found,
            "sections": sections_for(request, incident, screen=True),
            "live_url": reverse("incidents:screen-live", args=[incident.pk]) + f"?radius={radius:g}",
        }
    )
    return context


@login_required
def screen(request: HttpRequest, pk: int) -> HttpResponse:
    """The command screen (指挥一张图) of one incident, for the command center's wall."""
    user = _viewer(request)
    incident = _incident(user, pk)
    radius = incident_map.radius_of(request.GET.get("radius"))
    context = _screen_live_context(request, user, incident, radius)
    context.update(
        {
            "radius": radius,
            "map_config": incident_map.screen_map(user, incident, context["found"]),
            "may_take_over": services.may_take_over(user, incident),
            "acting_as_city": services.is_city(user),
            "may_record": services.may_record(user) and incident.is_open,
            "note_form": NoteForm(),
        }
    )
    return render(request, "command/incident_screen.html", context)


@login_required
def screen_live(request: HttpRequest, pk: int) -> HttpResponse:
    """The screen's live part (facts, clocks, log, surroundings, sections), polled by htmx."""
    user = _viewer(request)
    incident = _incident(user, pk)
    radius = incident_map.radius_of(request.GET.get("radius"))
    response = render(
        request, "command/_screen_live.html", _screen_live_context(request, user, incident, radius)
    )
    response["X-Screen-Live"] = "1"
    return response
