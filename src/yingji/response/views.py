"""Pages of the response: the one form endpoint behind the sections on the incident page (each form
names its `action`; the view calls the service and goes back to the page with the outcome), and the
team leader's acknowledge page opened from the SMS link (no sign-in, a POST button, CSRF-checked).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from yingji.core.errors import DomainError, InvalidInput, NotFound
from yingji.response import dispatch, rules, services
from yingji.response.models import DispatchOrder


def _int(value: Any, field: str, *, optional: bool = False) -> int | None:
    if optional and value in (None, ""):
        return None
    try:
        return int(str(value).strip())
    except ValueError:
        raise InvalidInput(
            f"{field} 须为整数 / {field} must be a whole number", details={"field": field}
        ) from None


def _moment(value: Any, field: str) -> datetime:
    """A datetime-local field (Beijing time as typed, or an ISO time with its offset)."""
    try:
        moment = datetime.fromisoformat(str(value).strip())
    except ValueError:
        raise InvalidInput(
            f"{field} 时间格式无效 / {field} is not a valid time", details={"field": field}
        ) from None
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


def _back(request: HttpRequest) -> HttpResponse:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return redirect(target)
    return redirect("core:home")


def _launch(request: HttpRequest, incident_id: int) -> str:
    p = request.POST
    services.launch_response(
        request.user,
        incident_id,
        level=_int(p.get("level"), "level"),
        matters=p.get("matters", ""),
        measures=p.get("measures", ""),
        expected_hours=_int(p.get("expected_hours"), "expected_hours", optional=True),
        sitrep_every_hours=_int(p.get("sitrep_every_hours"), "sitrep_every_hours", optional=True),
    )
    return _("已启动应急响应")


def _adjust(request: HttpRequest, incident_id: int) -> str:
    level = _int(request.POST.get("level"), "level")
    services.adjust_level(request.user, incident_id, level=level, reason=request.POST.get("reason", ""))
    return _("已调整响应级别")


def _end(request: HttpRequest, incident_id: int) -> str:
    services.end_response(request.user, incident_id, summary=request.POST.get("summary", ""))
    return _("应急响应已结束")


def _commander(request: HttpRequest, incident_id: int) -> str:
    p = request.POST
    services.set_commander(
        request.user,
        incident_id,
        username=p.get("username") or None,
        name=p.get("name", ""),
        phone=p.get("phone", ""),
    )
    return _("已设置总指挥")


def _member(request: HttpRequest, incident_id: int) -> str:
    p = request.POST
    services.add_member(
        request.user,
        incident_id,
        group=p.get("group", ""),
        username=p.get("username") or None,
        name=p.get("name", ""),
        phone=p.get("phone", ""),
        post=p.get("post", ""),
        is_leader=p.get("is_leader") == "1",
    )
    return _("已添加指挥部成员")


def _task(request: HttpRequest, incident_id: int) -> str:
    p = request.POST
    services.add_task(
        request.user,
        incident_id,
        title=p.get("title", ""),
        detail=p.get("detail", ""),
        group=p.get("group") or None,
        due_at=_moment(p.get("due_at", ""), "due_at"),
    )
    return _("已下达任务")


def _task_report(request: HttpRequest, incident_id: int) -> str:
    task_id = _int(request.POST.get("task_id"), "task_id")
    _task_of_incident(request, incident_id, task_id)
    services.report_task(
        request.user, task_id, feedback=request.POST.get("feedback", ""), done=request.POST.get("done") == "1"
    )
    return _("已反馈")


def _task_of_incident(request: HttpRequest, incident_id: int, task_id: int | None) -> None:
    from yingji.response.models import Task

    if (
        not Task.objects.visible_to(request.user)
        .filter(pk=task_id, response__incident_id=incident_id)
        .exists()
    ):
        raise NotFound()


def _schedule(request: HttpRequest, incident_id: int) -> str:
    every = _int(request.POST.get("every_hours"), "every_hours", optional=True)
    services.set_sitrep_schedule(request.user, incident_id, every_hours=every)
    return _("已设置情况报告时间表")


def _sitrep(request: HttpRequest, incident_id: int) -> str:
    p = request.POST
    counts = {
        name: _int(p.get(name) or 0, name)
        for name in ("deaths", "missing", "injured", "trapped", "evacuated")
    }
    services.file_sitrep(
        request.user, incident_id, progress=p.get("progress", ""), needs=p.get("needs", ""), **counts
    )
    return _("情况报告已报送")


def _dispatch(request: HttpRequest, incident_id: int) -> str:
    team_id = _int(request.POST.get("team_id"), "team_id")
    order = dispatch.issue_order(
        request.user, incident_id, team_id=team_id, task=request.POST.get("task", "")
    )
    return _("已下达调派令 %(number)s") % {"number": order.number}


def _order_step(request: HttpRequest, incident_id: int) -> str:
    order_id = _int(request.POST.get("order_id"), "order_id")
    if (
        not DispatchOrder.objects.visible_to(request.user)
        .filter(pk=order_id, incident_id=incident_id)
        .exists()
    ):
        raise NotFound()
    status = request.POST.get("status", "")
    dispatch.advance(request.user, order_id, status=status, note=request.POST.get("note", ""))
    return _("调派令已更新")


ACTIONS: dict[str, Callable[[HttpRequest, int], str]] = {
    "launch": _launch,
    "adjust": _adjust,
    "end": _end,
    "commander": _commander,
    "member": _member,
    "task": _task,
    "task_report": _task_report,
    "schedule": _schedule,
    "sitrep": _sitrep,
    "dispatch": _dispatch,
    "order_step": _order_step,
}


@login_required
@require_POST
def act(request: HttpRequest, incident_id: int) -> HttpResponse:
    """One step on an incident's response from a section's form; back to the page the form was on."""
    try:
        services.incident_for(request.user, incident_id)
    except DomainError:  # not the user's to see (or no role that works with responses): as if absent
        raise Http404 from None
    action = ACTIONS.get(request.POST.get("action", ""))
    try:
        if action is None:
            raise InvalidInput("未知的操作 / Unknown action", details={"field": "action"})
        messages.success(request, action(request, incident_id))
    except DomainError as error:
        messages.error(request, error.page_message)
    return _back(request)


@require_http_methods(["GET", "POST"])
def acknowledge(request: HttpRequest, token: str) -> HttpResponse:
    """The team leader's page from the SMS: the order as text and a button to confirm it (GET never
    confirms: link previews and scanners open links too)."""
    order = dispatch.order_for_token(token)
    done = False
    if request.method == "POST":
        try:
            order = dispatch.acknowledge_by_link(token)
            done = True
        except DomainError:
            order = None
    if order is None:
        return render(request, "response/acknowledge.html", {"order": None}, status=404)
    return render(
        request,
        "response/acknowledge.html",
        {
            "order": order,
            "done": done,
            "labels": rules.ORDER_STATUSES,
            "may_confirm": order.status == rules.ISSUED,
        },
    )
