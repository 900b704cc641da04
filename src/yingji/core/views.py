"""Core pages: sign-in, the home dashboard, the 一张图 map, region pages and the administration lists."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import LoginView
from django.core.paginator import Paginator
from django.db import connection
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext, gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from yingji.core import maplayers, regioncodes, roles, services
from yingji.core.api_common import current_user
from yingji.core.authentication import check_password_login
from yingji.core.errors import DomainError, InvalidInput, NotFound
from yingji.core.models import AuditEntry, Notification, Organization, Region, User
from yingji.core.registry import (
    ACT,
    WATCH,
    HomeRow,
    county_count_columns,
    county_counts,
    county_filter,
    home_items_for,
    map_layers_for,
)
from yingji.core.scoping import scope_for

PAGE_SIZE = 50
PASSWORD_MIN_LENGTH = 8  # as AUTH_PASSWORD_VALIDATORS says


@require_GET
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness and database reachability, for load balancers and monitoring."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:
        return JsonResponse({"status": "error", "database": "unreachable"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})


class RateLimitedLoginForm(forms.Form):
    """Username and password, checked through the same rate-limited path as the API."""

    username = forms.CharField(label="用户名", max_length=150)
    password = forms.CharField(label="密码", strip=False, widget=forms.PasswordInput, max_length=256)

    def __init__(self, request: HttpRequest | None = None, *args: Any, **kwargs: Any) -> None:
        self.request = request
        self.user_cache: User | None = None
        super().__init__(*args, **kwargs)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if self.errors:
            return cleaned
        try:
            self.user_cache = check_password_login(self.request, cleaned["username"], cleaned["password"])
        except DomainError as error:
            raise forms.ValidationError(error.page_message, code=error.code) from None
        return cleaned

    def get_user(self) -> User:
        assert self.user_cache is not None
        return self.user_cache


class SignInView(LoginView):
    template_name = "core/login.html"
    form_class = RateLimitedLoginForm  # type: ignore[assignment]
    redirect_authenticated_user = True

    def form_valid(self, form: Any) -> HttpResponse:
        login(self.request, form.get_user())
        return super(LoginView, self).form_valid(form)


@dataclass(frozen=True)
class HomeFigure:
    """A home item as the page shows it: counted now, with its link and any rows under it."""

    key: str
    label: str
    count: int
    url: str
    rows: list[HomeRow]


def home_figures(user: Any) -> dict[str, list[HomeFigure]]:
    """The user's home items counted from live state (one COUNT each), by section."""
    sections: dict[str, list[HomeFigure]] = {ACT: [], WATCH: []}
    for item in home_items_for(user):
        records = item.link.queryset(user)
        count = records.count()
        rows = item.preview(records, item.preview_size) if item.preview is not None and count else []
        sections[item.section].append(HomeFigure(item.key, gettext(item.label), count, item.link.url(), rows))
    return sections


class PasswordChangeForm(forms.Form):
    """The current password and the new one twice; the change itself is `services.change_password`."""

    old_password = forms.CharField(label="原密码", strip=False, widget=forms.PasswordInput, max_length=256)
    new_password = forms.CharField(label="新密码", strip=False, widget=forms.PasswordInput, max_length=128)
    new_password_again = forms.CharField(
        label="再次输入新密码", strip=False, widget=forms.PasswordInput, max_length=128
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("new_password") != cleaned.get("new_password_again"):
            self.add_error("new_password_again", gettext("两次输入的新密码不一致"))
        return cleaned


@login_required
@never_cache
def password_change(request: HttpRequest) -> HttpResponse:
    """Change one's own password: other sessions and every token of the account end, this session goes on."""
    user = current_user(request)
    form = PasswordChangeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.change_password(
                request,
                user,
                old_password=form.cleaned_data["old_password"],
                new_password=form.cleaned_data["new_password"],
            )
        except DomainError as error:
            field = error.details.get("field") if isinstance(error.details, dict) else None
            form.add_error(field if field in form.fields else None, error.page_message)
            for message in error.details.get("password", []) if isinstance(error.details, dict) else []:
                form.add_error("new_password", message)
        else:
            update_session_auth_hash(request, user)
            messages.success(request, gettext("密码已修改，其他设备上的登录已退出。"))
            return redirect("core:home")
    return render(
        request,
        "core/password_change.html",
        {"form": form, "forced": user.must_change_password, "min_length": PASSWORD_MIN_LENGTH},
    )


@login_required
@never_cache
def password_reset(request: HttpRequest, user_id: int) -> HttpResponse:
    """An administrator resets a person's password: GET asks to confirm, POST shows the temporary one once."""
    _require_role_permission(request, roles.MANAGE_USERS)
    actor = current_user(request)
    target = User.objects.get_visible_or_404(actor, pk=user_id)
    if not roles.may_assign(actor.role, target.role):
        raise Http404
    if request.method == "POST":
        try:
            target, temporary = services.reset_password(actor, target.pk)
        except InvalidInput as error:
            messages.error(request, error.page_message)
            return redirect("core:users")
        return render(request, "core/password_reset_done.html", {"target": target, "temporary": temporary})
    return render(request, "core/password_reset_confirm.html", {"target": target})


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """What needs the user now (and what they keep an eye on), each figure a link to the list it counts."""
    user = current_user(request)
    sections = home_figures(user)
    own_region = user.region if scope_for(user).covers_region(user.region) else None
    return render(
        request,
        "core/home.html",
        {
            "act": sections[ACT],
            "watch": sections[WATCH],
            "nothing_waits": not any(figure.count for figure in sections[ACT]),
            "own_region": own_region,
        },
    )


@login_required
def map_page(request: HttpRequest) -> HttpResponse:
    """The 一张图 map: county boundaries as the offline base layer, every registered layer switchable.

    It opens where the user works (`maplayers.start_view`) with their role's layers switched on.
    """
    config = {
        "layers": [layer.as_config(request.user) for layer in map_layers_for(request.user)],
        "view": maplayers.start_view(request.user),
        "texts": {"legend": gettext("图例")},
    }
    return render(request, "core/map.html", {"map_config": config})


@login_required
def region_detail(request: HttpRequest, code: str) -> HttpResponse:
    """A county's or township's page: its figures, the divisions inside it and its organizations."""
    region = Region.objects.filter(code=code).first()
    if region is None or not scope_for(request.user).covers_region(region):
        raise Http404
    children = region.children.order_by("code").only(
        "code", "name", "level", "population", "population_is_estimate", "area_km2"
    )
    organizations = Organization.objects.visible_to(request.user).in_region(region).select_related("region")
    return render(
        request,
        "core/region_detail.html",
        {
            **_county_table(request.user, region),
            "region": region,
            "ancestors": region.ancestors(),
            "children": children,
            "child_can_open": region.level in (regioncodes.CITY, regioncodes.COUNTY),
            "organizations": organizations[:200],
            "organization_count": organizations.count(),
            "user_count": User.objects.visible_to(request.user).in_region(region).count(),
            "density": region.population / region.area_km2 if region.area_km2 else None,
            "geometry_json": json.dumps(region.geometry) if region.geometry else "null",
        },
    )


def _county_table(user: Any, region: Region) -> dict[str, Any]:
    """The county table of a city or county page: the registered columns per county, the records of the
    city itself and the totals, each figure a link to the list it counts (kept COUNTY_COUNTS_MAX_AGE)."""
    if region.level not in (regioncodes.CITY, regioncodes.COUNTY):
        return {"county_rows": []}
    counts = county_counts(user)
    columns = county_count_columns()
    is_city = region.level == regioncodes.CITY
    rows = [row for row in counts.rows if is_city or row["region_code"] == region.code]
    table = [
        {**row, "cells": [(row["counts"][c.key], c.url(row["region_code"])) for c in columns]} for row in rows
    ]
    chart = {
        "names": [row["name"] for row in rows],
        "population": [row["population"] for row in rows],
        "area": [round(row["area_km2"]) for row in rows],
    }
    return {
        "county_rows": table,
        "columns": [{"key": c.key, "label": gettext(c.label)} for c in columns],
        "city_level": [(counts.city_level.get(c.key, 0), "") for c in columns]
        if is_city and counts.city_level
        else [],
        "totals": [(counts.totals.get(c.key, 0), c.url()) for c in columns] if is_city else [],
        "population_total": sum(row["population"] for row in rows),
        "area_total": sum(row["area_km2"] for row in rows),
        "chart": chart if is_city and len(rows) > 1 else None,
        "counted_at": counts.counted_at,
        "counts_max_age": settings.COUNTY_COUNTS_MAX_AGE,
    }


def _require_role_permission(request: HttpRequest, permission: str) -> None:
    if not request.user.has_role_permission(permission):  # type: ignore[union-attr]
        raise Http404  # the page does not exist for this role, the same answer as out-of-scope


def _page(request: HttpRequest, queryset: Any) -> Any:
    return Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))


def listed_organizations(user: Any, params: Mapping[str, str]) -> Any:
    """The organization list's records: those the user sees, by `kind` and `county`."""
    if not user.has_role_permission(roles.VIEW_ADMINISTRATION):
        return Organization.objects.none()
    organizations = Organization.objects.visible_to(user)
    if params.get("kind", "") in dict(Organization.KIND_CHOICES):
        organizations = organizations.filter(kind=params["kind"])
    county = county_filter(user, params.get("county"))
    return organizations.in_region(county) if county is not None else organizations


def listed_users(user: Any, params: Mapping[str, str]) -> Any:
    """The account list's records: those the user sees, by `role` and `county`."""
    if not user.has_role_permission(roles.VIEW_ADMINISTRATION):
        return User.objects.none()
    users = User.objects.visible_to(user)
    if params.get("role", "") in roles.ROLE_LABELS:
        users = users.filter(role=params["role"])
    county = county_filter(user, params.get("county"))
    return users.in_region(county) if county is not None else users


@login_required
def organization_list(request: HttpRequest) -> HttpResponse:
    _require_role_permission(request, roles.VIEW_ADMINISTRATION)
    organizations = listed_organizations(request.user, request.GET).select_related("region", "parent")
    return render(
        request,
        "core/organization_list.html",
        {
            "page": _page(request, organizations.order_by("region_id", "name")),
            "kinds": Organization.KIND_CHOICES,
            "kind": request.GET.get("kind", ""),
            "county": county_filter(request.user, request.GET.get("county")),
        },
    )


@login_required
def user_list(request: HttpRequest) -> HttpResponse:
    _require_role_permission(request, roles.VIEW_ADMINISTRATION)
    users = listed_users(request.user, request.GET).select_related("region", "organization")
    role = request.GET.get("role", "")
    actor = current_user(request)
    may_reset = actor.has_role_permission(roles.MANAGE_USERS)
    return render(
        request,
        "core/user_list.html",
        {
            "page": _page(request, users.order_by("region_id", "username")),
            "roles": roles.ROLE_CHOICES,
            "role": role,
            "county": county_filter(request.user, request.GET.get("county")),
            # Roles whose passwords this administrator may reset (people's, never machines').
            "resettable_roles": {
                role for role in roles.ASSIGNABLE_ROLES.get(actor.role, ()) if not roles.is_machine(role)
            }
            if may_reset
            else set(),
        },
    )


@login_required
def audit_list(request: HttpRequest) -> HttpResponse:
    _require_role_permission(request, roles.VIEW_AUDIT)
    entries = AuditEntry.objects.visible_to(request.user).select_related("region").order_by("-id")
    return render(request, "core/audit_list.html", {"page": _page(request, entries)})


INBOX_TABS = (
    ("todo", gettext_lazy("待办")),
    ("info", gettext_lazy("通知")),
    ("done", gettext_lazy("已办")),
)


@login_required
def notification_list(request: HttpRequest) -> HttpResponse:
    """The inbox: to-dos still waiting, information, to-dos done; POST marks one read and opens its link."""
    if request.method == "POST":
        try:
            notification = services.mark_notification_read(
                current_user(request), int(request.POST.get("id", "0"))
            )
        except (DomainError, ValueError):
            raise Http404 from None
        return redirect(notification.link or "core:notifications")
    counts = {key: listed_notifications(request.user, {"tab": key}).count() for key, _label in INBOX_TABS}
    tab = request.GET.get("tab", "")
    if tab not in counts:
        tab = "todo" if counts["todo"] else "info"
    return render(
        request,
        "core/notification_list.html",
        {
            "page": _page(request, listed_notifications(request.user, {"tab": tab})),
            "tab": tab,
            "tabs": [(key, label, counts[key]) for key, label in INBOX_TABS],
        },
    )


def listed_notifications(user: Any, params: Mapping[str, str]) -> Any:
    """The inbox's records: the user's own, of one part (`tab`: todo, info or done; all without one)."""
    inbox = Notification.objects.visible_to(user).inbox_of(user)
    tab = params.get("tab", "")
    if tab == "todo":
        return inbox.todo()
    if tab == "info":
        return inbox.information()
    if tab == "done":
        return inbox.done()
    return inbox


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """404 as a page, or in the API's error format for paths under /api/."""
    if request.path.startswith("/api/"):
        return JsonResponse(NotFound().as_body(), status=404, json_dumps_params={"ensure_ascii": False})
    return render(request, "core/404.html", status=404)
