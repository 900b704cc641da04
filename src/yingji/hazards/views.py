"""Hazard pages: the scoped list and report form, a hazard's page with every step as a form, the dashboard."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from yingji.core import datebounds
from yingji.core.api_common import current_user
from yingji.core.errors import DomainError, InvalidInput, NotFound
from yingji.core.forms import BoundedDateField
from yingji.core.models import Region
from yingji.core.registry import counties_for
from yingji.enterprises.models import INDUSTRY_LABELS, Enterprise
from yingji.hazards import lifecycle, services, stats
from yingji.hazards.criteria import criteria_for, find_criterion
from yingji.hazards.models import (
    GRADE_CHOICES,
    PENDING,
    SOURCE_CHOICES,
    STAGE_CHOICES,
    STATUS_CHOICES,
    ExtensionRequest,
    Hazard,
    HazardAttachment,
    HazardTransition,
    RectificationPlan,
)

PAGE_SIZE = 50


class ReportForm(forms.Form):
    enterprise_id = forms.TypedChoiceField(label=gettext_lazy("企业"), coerce=int)
    title = forms.CharField(label=gettext_lazy("隐患名称"), max_length=200)
    location = forms.CharField(label=gettext_lazy("隐患部位"), max_length=200, required=False)
    found_on = BoundedDateField(label=gettext_lazy("发现日期"))
    source = forms.ChoiceField(label=gettext_lazy("发现方式"), choices=SOURCE_CHOICES)
    grade = forms.ChoiceField(label=gettext_lazy("隐患等级"), choices=GRADE_CHOICES)
    criterion_code = forms.ChoiceField(label=gettext_lazy("判定依据（重大隐患）"), required=False)
    description = forms.CharField(
        label=gettext_lazy("隐患描述"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=services.NOTE_LIMIT,
    )

    def __init__(self, *args: Any, enterprises: list[Enterprise], officer: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["enterprise_id"].choices = [(e.pk, e.name) for e in enterprises]
        self.enterprise_industries = {e.pk: e.industry for e in enterprises}
        if officer:
            self.fields["source"].choices = [c for c in SOURCE_CHOICES if c[0] == "self_check"]
        groups: list[Any] = [("", "—")]
        for industry in ("coal_mine", "hazardous_chemicals"):
            groups.append(
                (
                    _(INDUSTRY_LABELS[industry]),
                    [(c.code, f"{c.number}. {_(c.title)}") for c in criteria_for(industry)],
                )
            )
        self.fields["criterion_code"].choices = groups


class PlanForm(forms.Form):
    objectives = forms.CharField(
        label=gettext_lazy("治理目标和任务"),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=services.NOTE_LIMIT,
    )
    measures = forms.CharField(
        label=gettext_lazy("治理方法和措施"),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=services.NOTE_LIMIT,
    )
    funds = forms.DecimalField(label=gettext_lazy("经费（元）"), min_value=0, max_digits=14, decimal_places=2)
    responsible_person = forms.CharField(label=gettext_lazy("负责人"), max_length=64)
    deadline = BoundedDateField(label=gettext_lazy("治理时限"))
    interim_measures = forms.CharField(
        label=gettext_lazy("安全措施和应急预案"),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=services.NOTE_LIMIT,
    )


class StartForm(forms.Form):
    deadline = BoundedDateField(label=gettext_lazy("整改期限"), required=False)
    note = forms.CharField(label=gettext_lazy("说明"), max_length=services.NOTE_LIMIT, required=False)


class NoteForm(forms.Form):
    note = forms.CharField(label=gettext_lazy("说明"), max_length=services.NOTE_LIMIT, required=False)


class RejectForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("不通过理由"), max_length=services.NOTE_LIMIT)


class ListForm(forms.Form):
    deadline = BoundedDateField(label=gettext_lazy("督办期限"))
    document_number = forms.CharField(label=gettext_lazy("督办文号"), max_length=64)
    note = forms.CharField(label=gettext_lazy("督办要求"), max_length=services.NOTE_LIMIT, required=False)


class ExtensionForm(forms.Form):
    requested_deadline = BoundedDateField(label=gettext_lazy("申请延至"))
    reason = forms.CharField(label=gettext_lazy("延期理由"), max_length=services.NOTE_LIMIT)


class DecisionForm(forms.Form):
    approve = forms.TypedChoiceField(
        label=gettext_lazy("审批"),
        choices=[("1", gettext_lazy("批准")), ("0", gettext_lazy("不批准"))],
        coerce=lambda v: v == "1",
    )
    note = forms.CharField(label=gettext_lazy("审批意见"), max_length=services.NOTE_LIMIT, required=False)


class UploadForm(forms.Form):
    stage = forms.ChoiceField(label=gettext_lazy("阶段"), choices=STAGE_CHOICES)
    file = forms.FileField(label=gettext_lazy("文件"))


def _require_viewer(request: HttpRequest) -> Any:
    user = current_user(request)
    if not services.may_view(user):
        raise Http404
    return user


# The list and the report form --------------------------------------------------------------------


LIST_FILTERS = ("status", "grade", "overdue", "county", "listed", "due")
DUE_WITHIN_DAYS = 7  # "due this week": a deadline in the next seven days, after today


def listed_hazards(user: Any, chosen: Mapping[str, str]) -> Any:
    """The hazard list's records: what the user sees by status, grade, overdue, listed, county and due.

    `due=today` keeps the hazards whose rectification deadline is today, `due=week` those due in the
    next seven days; both only while the deadline runs (reported or rectifying, not yet overdue).
    """
    if not services.may_view(user):
        return Hazard.objects.none()
    hazards = Hazard.objects.visible_to(user)
    if chosen.get("status", "") in dict(STATUS_CHOICES):
        hazards = hazards.filter(status=chosen["status"])
    elif chosen.get("status") == "open":
        hazards = hazards.filter(status__in=lifecycle.OPEN_STATES)
    if chosen.get("grade", "") in dict(GRADE_CHOICES):
        hazards = hazards.filter(grade=chosen["grade"])
    if chosen.get("overdue") == "1":
        hazards = hazards.filter(is_overdue=True, status__in=lifecycle.OPEN_STATES)
    if chosen.get("listed") == "1":
        hazards = hazards.filter(listed_at__isnull=False)
    if chosen.get("due") in ("today", "week"):
        today = timezone.localdate()
        running = hazards.filter(status__in=lifecycle.DEADLINE_STATES, is_overdue=False)
        if chosen["due"] == "today":
            hazards = running.filter(rectification_deadline=today)
        else:
            hazards = running.filter(
                rectification_deadline__gt=today,
                rectification_deadline__lte=today + timedelta(days=DUE_WITHIN_DAYS),
            )
    if chosen.get("county"):
        county = Region.objects.filter(code=chosen["county"]).first()
        hazards = hazards.in_region(county) if county is not None else hazards.none()
    return hazards


def _filtered(request: HttpRequest, user: Any) -> tuple[Any, dict[str, str]]:
    chosen = {key: request.GET.get(key, "") for key in LIST_FILTERS}
    return listed_hazards(user, chosen), chosen


def _enterprises_for_report(user: Any) -> list[Enterprise]:
    if not services.may_report(user):
        return []
    return list(
        Enterprise.objects.visible_to(user).only("id", "name", "industry", "organization_id").order_by("name")
    )


@login_required
def hazard_list(request: HttpRequest) -> HttpResponse:
    """Hazards the user may see, filtered; enterprise officers see their own enterprise's list."""
    user = _require_viewer(request)
    enterprises = _enterprises_for_report(user)
    officer = user.role == "enterprise_officer"
    form = ReportForm(enterprises=enterprises, officer=officer, initial={"found_on": timezone.localdate()})
    status = 200
    if request.method == "POST":
        if not enterprises:
            raise Http404
        form = ReportForm(request.POST, enterprises=enterprises, officer=officer)
        if form.is_valid():
            try:
                hazard = services.report_hazard(user, **form.cleaned_data)
            except DomainError as error:
                form.add_error(None, error.page_message)
            else:
                messages.success(request, _("隐患已上报"))
                return redirect("hazards:detail", hazard.pk)
        status = 400
    hazards, chosen = _filtered(request, user)
    hazards = hazards.select_related(
        "enterprise", "enterprise__region", "enterprise__region__parent"
    ).order_by("-reported_at", "-id")
    query = "&".join(f"{k}={v}" for k, v in chosen.items() if v)
    context = {
        "page": Paginator(hazards, PAGE_SIZE).get_page(request.GET.get("page")),
        "chosen": chosen,
        "query": query,
        "statuses": STATUS_CHOICES,
        "grades": GRADE_CHOICES,
        "counties": list(counties_for(user).only("code", "name")) if not officer else [],
        "form": form if enterprises else None,
        "officer": officer,
        "industries": {str(k): v for k, v in form.enterprise_industries.items()},
        "open_form": status == 400,
    }
    return render(request, "hazards/list.html", context, status=status)


# One hazard ----------------------------------------------------------------------------------------

# action field of the page's forms → (form class, service call)
ACTIONS: dict[str, tuple[type[forms.Form], Any]] = {
    "plan": (PlanForm, services.save_plan),
    lifecycle.START_RECTIFICATION: (StartForm, services.start_rectification),
    lifecycle.SUBMIT: (NoteForm, services.submit_for_acceptance),
    lifecycle.ACCEPT: (NoteForm, services.accept),
    lifecycle.REJECT: (RejectForm, services.reject),
    lifecycle.LIST_SUPERVISION: (ListForm, services.list_for_supervision),
    lifecycle.REQUEST_EXTENSION: (ExtensionForm, services.request_extension),
    lifecycle.DECIDE_EXTENSION: (DecisionForm, services.decide_extension),
}
DONE = {
    "plan": gettext_noop("整改方案已保存"),
    lifecycle.START_RECTIFICATION: gettext_noop("已开始整改"),
    lifecycle.SUBMIT: gettext_noop("已提交验收"),
    lifecycle.ACCEPT: gettext_noop("已验收销号"),
    lifecycle.REJECT: gettext_noop("已退回整改"),
    lifecycle.LIST_SUPERVISION: gettext_noop("已挂牌督办"),
    lifecycle.REQUEST_EXTENSION: gettext_noop("延期申请已提交"),
    lifecycle.DECIDE_EXTENSION: gettext_noop("延期申请已审批"),
    "upload": gettext_noop("附件已上传"),
}

# Labels from lifecycle (pure rules, no Django) and the models that the templates pass through {% translate %}
# (the list's status and grade filters, the timeline's actions), marked here so that makemessages finds them.
TEMPLATE_LABELS = (
    # lifecycle.STATE_LABELS
    gettext_noop("已上报"),
    gettext_noop("整改中"),
    gettext_noop("待验收"),
    gettext_noop("已销号"),
    # models.GRADE_CHOICES
    gettext_noop("一般隐患"),
    gettext_noop("重大隐患"),
    # lifecycle.ACTION_LABELS
    gettext_noop("上报隐患"),
    gettext_noop("开始整改"),
    gettext_noop("提交验收"),
    gettext_noop("验收销号"),
    gettext_noop("验收不通过"),
    gettext_noop("挂牌督办"),
    gettext_noop("申请延期"),
    gettext_noop("审批延期"),
    gettext_noop("整改方案"),
    gettext_noop("上传附件"),
    gettext_noop("逾期升级"),
)


def _load(user: Any, hazard_id: int) -> Hazard:
    try:
        return Hazard.objects.select_related(
            "enterprise", "enterprise__region", "enterprise__region__parent"
        ).get_visible_or_404(user, pk=hazard_id)
    except NotFound:
        raise Http404 from None


@login_required
def hazard_detail(request: HttpRequest, hazard_id: int) -> HttpResponse:
    """A hazard with its plan, timeline, attachments and extensions; POST takes one step of the loop."""
    user = _require_viewer(request)
    hazard = _load(user, hazard_id)
    bound: dict[str, forms.Form] = {}
    error = ""
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "upload":
                form: forms.Form = UploadForm(request.POST, request.FILES)
                if form.is_valid():
                    upload = form.cleaned_data["file"]
                    if upload.size > services.uploads.MAX_BYTES:
                        raise InvalidInput("文件超过 10 MB / The file is larger than 10 MB")
                    services.add_attachment(
                        user,
                        hazard.pk,
                        stage=form.cleaned_data["stage"],
                        name=upload.name,
                        data=upload.read(),
                    )
            elif action in ACTIONS:
                form_class, call = ACTIONS[action]
                form = form_class(request.POST)
                if form.is_valid():
                    call(user, hazard.pk, **form.cleaned_data)
            else:
                raise Http404
        except DomainError as failure:
            error = failure.page_message
        else:
            if form.is_valid():
                messages.success(request, _(DONE[action]))
                return redirect("hazards:detail", hazard.pk)
            error = _("请检查填写的内容")
        bound[action] = form
        hazard = _load(user, hazard_id)
    return render(
        request,
        "hazards/detail.html",
        _detail_context(user, hazard, bound, error),
        status=400 if error else 200,
    )


def _detail_context(user: Any, hazard: Hazard, bound: dict[str, forms.Form], error: str) -> dict[str, Any]:
    plan = RectificationPlan.objects.filter(hazard=hazard).first()
    allowed = set(services.allowed_actions(user, hazard))
    pending = (
        ExtensionRequest.objects.filter(hazard=hazard, status=PENDING).select_related("requested_by").first()
    )
    today = timezone.localdate()
    plan_initial: dict[str, Any] = {}
    if plan is not None:
        plan_initial = {f: getattr(plan, f) for f in PlanForm.base_fields}
    forms_by_action = {
        "plan": bound.get("plan") or PlanForm(initial=plan_initial),
        lifecycle.START_RECTIFICATION: bound.get(lifecycle.START_RECTIFICATION)
        or StartForm(
            initial={
                "deadline": (plan.deadline if plan else None)
                or hazard.listed_deadline
                or today + timedelta(days=30)
            }
        ),
        lifecycle.SUBMIT: bound.get(lifecycle.SUBMIT) or NoteForm(),
        lifecycle.ACCEPT: bound.get(lifecycle.ACCEPT) or NoteForm(),
        lifecycle.REJECT: bound.get(lifecycle.REJECT) or RejectForm(),
        lifecycle.LIST_SUPERVISION: bound.get(lifecycle.LIST_SUPERVISION)
        or ListForm(initial={"deadline": hazard.rectification_deadline or today + timedelta(days=60)}),
        lifecycle.REQUEST_EXTENSION: bound.get(lifecycle.REQUEST_EXTENSION) or ExtensionForm(),
        lifecycle.DECIDE_EXTENSION: bound.get(lifecycle.DECIDE_EXTENSION) or DecisionForm(),
        "upload": bound.get("upload") or UploadForm(),
    }
    latest = services.latest_own_deadline(hazard)
    for action in ("plan", lifecycle.START_RECTIFICATION):
        forms_by_action[action].fields["deadline"].widget.attrs["max"] = latest.isoformat()
    level = services.actor_level(user)
    can_list = (
        lifecycle.LIST_SUPERVISION in allowed
        and hazard.grade == "major"
        and level is not None
        and lifecycle.listing_level_allowed(level, hazard.listed_by_level or None)
    )
    return {
        "hazard": hazard,
        "criterion": find_criterion(hazard.criterion_code) if hazard.criterion_code else None,
        "plan": plan,
        "timeline": HazardTransition.objects.filter(hazard=hazard).select_related("actor"),
        "attachments": HazardAttachment.objects.filter(hazard=hazard),
        "extensions": ExtensionRequest.objects.filter(hazard=hazard),
        "pending_extension": pending,
        "allowed": allowed,
        "can_plan": lifecycle.EDIT_PLAN in allowed and hazard.grade == "major",
        "can_list": can_list,
        "can_request_extension": lifecycle.REQUEST_EXTENSION in allowed and pending is None,
        "can_decide_extension": lifecycle.DECIDE_EXTENSION in allowed
        and pending is not None
        and pending.requested_by_id != user.pk,
        "forms": forms_by_action,
        "error": error,
        "state_labels": lifecycle.STATE_LABELS,
        "level_labels": lifecycle.LEVEL_LABELS,
        "today": today,
        "latest_own_deadline": latest,
    }


@login_required
def attachment_file(request: HttpRequest, attachment_id: int) -> HttpResponse:
    """An attachment's file, for users who may see its hazard."""
    from yingji.hazards.api import file_response

    user = _require_viewer(request)
    try:
        attachment = HazardAttachment.objects.get_visible_or_404(user, pk=attachment_id)
        return file_response(attachment)
    except NotFound:
        raise Http404 from None


# Dashboard -------------------------------------------------------------------------------------------


def _date(value: str | None, default: date) -> date:
    """A query's ISO date, or the default when it is missing, malformed or outside the accepted range."""
    try:
        chosen = date.fromisoformat(value) if value else default
    except ValueError:
        return default
    return chosen if datebounds.in_range(chosen) else default


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    """Open, overdue and closed hazards per county, industry and month; 整改率 and mean time to close."""
    user = _require_viewer(request)
    end = _date(request.GET.get("end"), timezone.localdate())
    start = _date(request.GET.get("start"), end - timedelta(days=364))
    if start > end:
        start, end = end, start
    result = stats.dashboard(Hazard.objects.visible_to(user), user, start, end)
    chart = {
        "counties": [vars(t) for t in result.counties if t.total or len(result.counties) > 1],
        "industries": [vars(t) for t in result.industries],
        "months": [vars(t) for t in result.months],
        "labels": {"open": _("未销号（未逾期）"), "overdue": _("逾期未销号"), "closed": _("已销号")},
    }
    return render(
        request,
        "hazards/dashboard.html",
        {
            "result": result,
            "rate": None if result.rectification_rate is None else round(result.rectification_rate * 100, 1),
            "chart": chart,
        },
    )


# The enterprise page's panel ---------------------------------------------------------------------------


def enterprise_panel(request: HttpRequest, enterprise: Enterprise) -> dict[str, Any]:
    """The enterprise's open hazards, for its page (nothing for users who may not see hazards)."""
    user = current_user(request)
    if not services.may_view(user):
        return {"visible": False}
    hazards = Hazard.objects.visible_to(user).filter(enterprise=enterprise)
    return {
        "visible": True,
        "open": list(hazards.filter(status__in=lifecycle.OPEN_STATES).order_by("-reported_at")[:50]),
        "closed_count": hazards.filter(status=lifecycle.CLOSED).count(),
        "enterprise": enterprise,
        "state_labels": lifecycle.STATE_LABELS,
    }
