"""Duty rota pages (值班值守): today's shift, the month's rota with Excel export and import, the handover
form, swap requests and check-ins. Forms call the services; a refusal comes back as a message."""

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
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from yingji.command import rota_sheet, services
from yingji.command.models import CheckIn, DutyPost, Shift, ShiftSwap
from yingji.core import spreadsheets
from yingji.core.api_common import current_user
from yingji.core.errors import DomainError, NotFound
from yingji.core.forms import date_field
from yingji.core.registry import counties_for, county_filter

PAGE_SIZE = 50
MAX_UPLOAD = 2 * 1024 * 1024


def _viewer(request: HttpRequest) -> Any:
    user = current_user(request)
    if not services.may_view(user):
        raise Http404
    return user


def _post(user: Any, code: str | None) -> DutyPost:
    """The post the page shows: `region` if the user may see it, else the user's own bureau's."""
    try:
        return services.post_for(user, code or user.region_id)
    except DomainError:
        if code:
            raise Http404 from None
        raise


def _posts_menu(user: Any) -> list[tuple[str, str]]:
    """The bureaus whose rota a user may open: their own and, for the city, each county."""
    own = [(user.region_id, user.region.name)]
    return own + [
        (county.code, county.name) for county in counties_for(user) if county.code != user.region_id
    ]


def _names(users: Any) -> str:
    return "、".join(user.full_name or user.username for user in users)


# Today ------------------------------------------------------------------------------------------


class AnswerForm(forms.Form):
    answer = forms.CharField(label=gettext_lazy("应答内容"), max_length=300, required=False)


@login_required
def today(request: HttpRequest) -> HttpResponse:
    """Today's shift at a bureau: who is on, the last handover, open matters, check-ins to answer."""
    user = _viewer(request)
    post = _post(user, request.GET.get("region"))
    now = timezone.now()
    current = list(
        services.shifts_at(post, now).select_related("pattern", "leader").prefetch_related("officers")
    )
    following = (
        post.shifts.filter(starts_at__gt=now)
        .select_related("pattern", "leader")
        .prefetch_related("officers")
        .order_by("starts_at")
        .first()
    )
    last_handover = (
        post.shifts.filter(handover__isnull=False)
        .select_related("handover", "handover__written_by", "pattern")
        .order_by("-starts_at")
        .first()
    )
    pending = CheckIn.objects.filter(post=post, status=CheckIn.PENDING).order_by("due_at")
    return render(
        request,
        "command/today.html",
        {
            "post": post,
            "posts": _posts_menu(user),
            "current": current,
            "following": following,
            "last_handover": last_handover.handover if last_handover else None,
            "matters": services.open_matters(post),
            "pending": pending,
            "may_answer": services.may_view(user) and user.region_id == post.region_id,
            "may_manage": services.may_manage(user, post),
            "told": services.told_now(post, now),
            "covered": bool(current),
            "mine": {shift.pk for shift in current if services.on_shift(user, shift)},
            "answer_form": AnswerForm(),
        },
    )


# The month's rota -------------------------------------------------------------------------------


class AssignForm(forms.Form):
    day = date_field(gettext_lazy("日期"))
    pattern = forms.ChoiceField(label=gettext_lazy("班次"))
    leader = forms.ChoiceField(label=gettext_lazy("带班领导"))
    officers = forms.MultipleChoiceField(
        label=gettext_lazy("值班员"), widget=forms.SelectMultiple(attrs={"size": 6})
    )

    def __init__(self, *args: Any, post: DutyPost, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        people = [
            (u.username, f"{u.full_name or u.username}（{u.username}）")
            for u in services.eligible_people(post)
        ]
        self.fields["pattern"].choices = [(p.name, str(p)) for p in post.patterns.all()]
        self.fields["leader"].choices = people
        self.fields["officers"].choices = people


def _month(text: str | None) -> date:
    today_ = timezone.localdate()
    try:
        year, month = (int(part) for part in (text or "").split("-"))
        return date(year, month, 1) if 2000 <= year <= 2100 and 1 <= month <= 12 else today_.replace(day=1)
    except ValueError:
        return today_.replace(day=1)


def _month_shifts(post: DutyPost, first: date) -> tuple[Any, date]:
    _first, last = services.rota_month_bounds(first.year, first.month)
    return post.shifts.filter(day__gte=first, day__lte=last), last


@login_required
def rota(request: HttpRequest) -> HttpResponse:
    """A month of one bureau's rota: a row per day, a column per shift pattern."""
    user = _viewer(request)
    post = _post(user, request.GET.get("region"))
    first = _month(request.GET.get("month"))
    shifts, last = _month_shifts(post, first)
    patterns = list(post.patterns.all())
    cells: dict[tuple[date, int], Shift] = {
        (shift.day, shift.pattern_id): shift
        for shift in shifts.select_related("leader", "handover").prefetch_related("officers")
    }
    today_ = timezone.localdate()
    days = []
    for offset in range((last - first).days + 1):
        day = first + timedelta(days=offset)
        days.append({"day": day, "today": day == today_, "cells": [cells.get((day, p.pk)) for p in patterns]})
    previous = (first - timedelta(days=1)).replace(day=1)
    following = last + timedelta(days=1)
    return render(
        request,
        "command/rota.html",
        {
            "post": post,
            "posts": _posts_menu(user),
            "patterns": patterns,
            "days": days,
            "month": first,
            "previous": f"{previous:%Y-%m}",
            "following": f"{following:%Y-%m}",
            "may_manage": services.may_manage(user, post),
            "form": AssignForm(post=post, initial={"day": today_})
            if services.may_manage(user, post)
            else None,
            "shift_count": len(cells),
        },
    )


@login_required
@require_POST
def rota_assign(request: HttpRequest) -> HttpResponse:
    user = _viewer(request)
    post = _post(user, request.POST.get("region"))
    form = AssignForm(request.POST, post=post)
    back = reverse("command:rota") + f"?region={post.region_id}"
    if not form.is_valid():
        messages.error(request, _("请完整填写日期、班次、带班领导和值班员"))
        return redirect(back)
    data = form.cleaned_data
    try:
        shift = services.assign_shift(
            user,
            post.pk,
            pattern=data["pattern"],
            day=data["day"],
            leader=data["leader"],
            officers=data["officers"],
        )
    except DomainError as error:
        messages.error(request, error.page_message)
    else:
        messages.success(
            request, _("已排班：%(shift)s") % {"shift": f"{shift.day:%Y-%m-%d} {shift.pattern.name}"}
        )
        back = reverse("command:rota") + f"?region={post.region_id}&month={shift.day:%Y-%m}"
    return redirect(back)


@login_required
def rota_export(request: HttpRequest) -> HttpResponse:
    user = _viewer(request)
    post = _post(user, request.GET.get("region"))
    first = _month(request.GET.get("month"))
    shifts, _last = _month_shifts(post, first)
    return spreadsheets.download(
        rota_sheet.export_month(post, shifts), f"rota-{post.region_id}-{first:%Y-%m}.xlsx"
    )


@login_required
def rota_import(request: HttpRequest) -> HttpResponse:
    user = _viewer(request)
    post = _post(user, request.GET.get("region") or request.POST.get("region"))
    if not services.may_manage(user, post):
        raise Http404
    context: dict[str, Any] = {"post": post}
    if request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None or upload.size > MAX_UPLOAD:
            context["error"] = _("请选择不超过 2 MB 的 .xlsx 文件")
        else:
            try:
                context["imported"] = rota_sheet.import_month(user, post.pk, upload.read())
            except DomainError as error:
                context["error"] = error.page_message
                context["row_errors"] = (
                    error.details.get("errors", []) if isinstance(error.details, dict) else []
                )
    return render(request, "command/rota_import.html", context)


# Handover and swaps of one shift ------------------------------------------------------------------


class HandoverForm(forms.Form):
    notes = forms.CharField(
        label=gettext_lazy("交班情况"), max_length=2000, widget=forms.Textarea(attrs={"rows": 5})
    )
    close = forms.MultipleChoiceField(label=gettext_lazy("本班办结的事项"), required=False,
                                      widget=forms.CheckboxSelectMultiple)  # fmt: skip
    new_matters = forms.CharField(
        label=gettext_lazy("交下一班办理的事项（每行一项）"),
        max_length=6000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


def _shift(user: Any, shift_id: int) -> Shift:
    try:
        return Shift.objects.select_related("post__region", "pattern", "leader").get_visible_or_404(
            user, pk=shift_id
        )
    except NotFound:
        raise Http404 from None


@login_required
def handover(request: HttpRequest, shift_id: int) -> HttpResponse:
    user = _viewer(request)
    shift = _shift(user, shift_id)
    matters = list(services.open_matters(shift.post))
    form = HandoverForm(request.POST or None)
    form.fields["close"].choices = [(str(m.pk), m.text) for m in matters]
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.hand_over(
                user,
                shift.pk,
                notes=data["notes"],
                closed_matter_ids=[int(pk) for pk in data["close"]],
                new_matters=[line for line in data["new_matters"].splitlines() if line.strip()],
            )
        except DomainError as error:
            form.add_error(None, error.page_message)
        else:
            messages.success(request, _("已交班"))
            return redirect(reverse("command:today") + f"?region={shift.post.region_id}")
    return render(
        request,
        "command/handover.html",
        {
            "shift": shift,
            "form": form,
            "done": getattr(shift, "handover", None) if hasattr(shift, "handover") else None,
        },
    )


class SwapForm(forms.Form):
    outgoing = forms.ChoiceField(label=gettext_lazy("换出人"))
    incoming = forms.ChoiceField(label=gettext_lazy("换入人"), required=False)
    reason = forms.CharField(label=gettext_lazy("原因"), max_length=300)


@login_required
def swap_request(request: HttpRequest, shift_id: int) -> HttpResponse:
    user = _viewer(request)
    shift = _shift(user, shift_id)
    on = [shift.leader, *shift.officers.all()]
    manages = services.may_manage(user, shift.post)
    form = SwapForm(request.POST or None)
    leaving = on if manages else [person for person in on if person.pk == user.pk]
    form.fields["outgoing"].choices = [(u.username, u.full_name or u.username) for u in leaving]
    form.fields["incoming"].choices = [("", _("由审批人安排"))] + [
        (u.username, u.full_name or u.username)
        for u in services.eligible_people(shift.post)
        if u.pk not in {person.pk for person in on}
    ]
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.request_swap(
                user,
                shift.pk,
                incoming=data["incoming"] or None,
                reason=data["reason"],
                outgoing=None if data["outgoing"] == user.username else data["outgoing"],
            )
        except DomainError as error:
            form.add_error(None, error.page_message)
        else:
            messages.success(request, _("换班申请已提交，等待审批"))
            return redirect("command:swaps")
    return render(
        request, "command/swap_request.html", {"shift": shift, "form": form, "may_ask": bool(leaving)}
    )


def listed_swaps(user: Any, chosen: Mapping[str, str]) -> Any:
    """The swap list's records: what the user sees, by status and county."""
    swaps = ShiftSwap.objects.visible_to(user) if services.may_view(user) else ShiftSwap.objects.none()
    if chosen.get("status") in dict(ShiftSwap.STATUS_CHOICES):
        swaps = swaps.filter(status=chosen["status"])
    county = county_filter(user, chosen.get("county"))
    if county is not None:
        swaps = swaps.filter(shift__post__region__path__startswith=county.path)
    return swaps


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", "approve"), ("refuse", "refuse")])
    note = forms.CharField(max_length=300, required=False)
    incoming = forms.CharField(max_length=150, required=False)


@login_required
def swaps(request: HttpRequest) -> HttpResponse:
    user = _viewer(request)
    chosen = {key: request.GET.get(key, "") for key in ("status", "county")}
    found = listed_swaps(user, chosen).select_related(
        "shift__post", "shift__pattern", "outgoing", "incoming", "requested_by", "decided_by"
    )
    page = Paginator(found.order_by("-requested_at", "-id"), PAGE_SIZE).get_page(request.GET.get("page"))
    for swap in page:
        swap.may_decide = swap.status == ShiftSwap.REQUESTED and services.may_manage(user, swap.shift.post)
        if swap.may_decide and swap.incoming_id is None:
            on = {swap.shift.leader_id, *swap.shift.officers.values_list("pk", flat=True)}
            swap.candidates = [u for u in services.eligible_people(swap.shift.post) if u.pk not in on]
    return render(
        request,
        "command/swaps.html",
        {
            "page": page,
            "chosen": chosen,
            "statuses": ShiftSwap.STATUS_CHOICES,
            "counties": counties_for(user),
        },
    )


@login_required
@require_POST
def swap_decide(request: HttpRequest, swap_id: int) -> HttpResponse:
    user = _viewer(request)
    form = DecisionForm(request.POST)
    if not form.is_valid():
        try:
            ShiftSwap.objects.get_visible_or_404(user, pk=swap_id)
        except NotFound:
            raise Http404 from None
        messages.error(request, _("请选择批准或拒绝"))
        return redirect("command:swaps")
    try:
        services.decide_swap(
            user,
            swap_id,
            approve=form.cleaned_data["decision"] == "approve",
            note=form.cleaned_data["note"],
            incoming=form.cleaned_data["incoming"] or None,
        )
    except DomainError as error:
        if error.status == 404:
            raise Http404 from None
        messages.error(request, error.page_message)
    else:
        messages.success(request, _("已处理换班申请"))
    return redirect("command:swaps")


# Check-ins ------------------------------------------------------------------------------------------


def listed_checkins(user: Any, chosen: Mapping[str, str]) -> Any:
    """The check-in list's records: what the user sees, by status, county, and `mine=1` (their own room's)."""
    checkins = CheckIn.objects.visible_to(user) if services.may_view(user) else CheckIn.objects.none()
    if chosen.get("status") in dict(CheckIn.STATUS_CHOICES):
        checkins = checkins.filter(status=chosen["status"])
    county = county_filter(user, chosen.get("county"))
    if county is not None:
        checkins = checkins.filter(post__region__path__startswith=county.path)
    if chosen.get("mine") == "1":
        checkins = checkins.filter(post__region_id=user.region_id)
    return checkins


class CheckInForm(forms.Form):
    counties = forms.MultipleChoiceField(label=gettext_lazy("查岗对象（不选为全部县）"), required=False,
                                         widget=forms.SelectMultiple(attrs={"size": 6}))  # fmt: skip
    question = forms.CharField(
        label=gettext_lazy("查岗内容"), max_length=200, initial=gettext_lazy("请值班人员报告在岗情况。")
    )


@login_required
def checkins(request: HttpRequest) -> HttpResponse:
    user = _viewer(request)
    may_send = services.may_send_checkins(user)
    form = CheckInForm(request.POST or None) if may_send else None
    counties = list(counties_for(user))
    if form is not None:
        form.fields["counties"].choices = [(c.code, c.name) for c in counties]
    if request.method == "POST":
        if form is None:
            raise Http404
        if form.is_valid():
            try:
                sent = services.send_checkins(
                    user, form.cleaned_data["counties"], form.cleaned_data["question"]
                )
            except DomainError as error:
                form.add_error(None, error.page_message)
            else:
                messages.success(request, _("已向 %(n)s 个值班室发出查岗") % {"n": len(sent)})
                return redirect("command:checkins")
    chosen = {key: request.GET.get(key, "") for key in ("status", "county", "mine")}
    found = listed_checkins(user, chosen).select_related("post", "sent_by", "answered_by")
    page = Paginator(found.order_by("-sent_at", "-id"), PAGE_SIZE).get_page(request.GET.get("page"))
    for checkin in page:
        checkin.may_answer = checkin.status == CheckIn.PENDING and services.may_answer(user, checkin)
    return render(
        request,
        "command/checkins.html",
        {
            "page": page,
            "chosen": chosen,
            "statuses": CheckIn.STATUS_CHOICES,
            "counties": counties,
            "form": form,
            "answer_form": AnswerForm(),
            "now": timezone.now(),
        },
    )


@login_required
@require_POST
def checkin_answer(request: HttpRequest, checkin_id: int) -> HttpResponse:
    user = _viewer(request)
    form = AnswerForm(request.POST)
    answer = form.cleaned_data["answer"] if form.is_valid() else ""
    try:
        services.answer_checkin(user, checkin_id, answer)
    except DomainError as error:
        if error.status == 404:
            raise Http404 from None
        messages.error(request, error.page_message)
    else:
        messages.success(request, _("已应答查岗"))
    target = request.POST.get("next", "")
    return redirect(
        target if target in (reverse("command:today"), reverse("command:checkins")) else "command:checkins"
    )
