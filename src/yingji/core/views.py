"""Core pages: sign-in, the home dashboard, the 一张图 map, region pages and the administration lists."""

from __future__ import annotations

import json
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
from django.utils.translation import gettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from yingji.core import regioncodes, roles, services
from yingji.core.api_common import current_user
from yingji.core.authentication import check_password_login
from yingji.core.errors import DomainError, InvalidInput, NotFound
from yingji.core.models import AuditEntry, Notification, Organization, Region, User
from yingji.core.registry import county_count_columns, county_counts, map_layers_for
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
            raise forms.ValidationError(error.message, code=error.code) from None
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
            form.add_error(field if field in form.fields else None, error.message)
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
            messages.error(request, error.message)
            return redirect("core:users")
        return render(request, "core/password_reset_done.html", {"target": target, "temporary": temporary})
    return render(request, "core/password_reset_confirm.html", {"target": target})


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Counts per county the user may see, with totals and a chart."""
    counts = county_counts(request.user)
    rows = counts.rows
    columns = county_count_columns()
    totals = {column.key: sum(row["counts"][column.key] for row in rows) for column in columns}
    chart = {
        "names": [row["name"] for row in rows],
        "population": [row["population"] for row in rows],
        "area": [round(row["area_km2"]) for row in rows],
    }
    return render(
        request,
        "core/home.html",
        {
            "rows": rows,
            "columns": columns,
            "totals": totals,
            "population_total": sum(row["population"] for row in rows),
            "area_total": sum(row["area_km2"] for row in rows),
            "chart_json": json.dumps(chart, ensure_ascii=False),
            "counted_at": counts.counted_at,
            "counts_max_age": settings.COUNTY_COUNTS_MAX_AGE,
        },
    )


@login_required
def map_page(request: HttpRequest) -> HttpResponse:
    """The 一张图 map: county boundaries as the offline base layer, every registered layer switchable."""
    config = {"layers": [layer.as_config() for layer in map_layers_for(request.user)]}
    return render(request, "core/map.html", {"map_config": config})


@login_required
def region_detail(request: HttpRequest, code: str) -> HttpResponse:
    """A county's or township's page: its figures, the divisions inside it and its organizations."""
    region = Region.objects.filter(code=code).first()
    if region is None or not scope_for(request.user).covers_region(region):
        raise Http404
    children = region.children.order_by("code").only("code", "name", "level", "population", "area_km2")
    organizations = Organization.objects.visible_to(request.user).in_region(region).select_related("region")
    return render(
        request,
        "core/region_detail.html",
        {
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


def _require_role_permission(request: HttpRequest, permission: str) -> None:
    if not request.user.has_role_permission(permission):  # type: ignore[union-attr]
        raise Http404  # the page does not exist for this role, the same answer as out-of-scope


def _page(request: HttpRequest, queryset: Any) -> Any:
    return Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))


@login_required
def organization_list(request: HttpRequest) -> HttpResponse:
    _require_role_permission(request, roles.VIEW_ADMINISTRATION)
    organizations = Organization.objects.visible_to(request.user).select_related("region", "parent")
    kind = request.GET.get("kind", "")
    if kind in dict(Organization.KIND_CHOICES):
        organizations = organizations.filter(kind=kind)
    return render(
        request,
        "core/organization_list.html",
        {
            "page": _page(request, organizations.order_by("region_id", "name")),
            "kinds": Organization.KIND_CHOICES,
            "kind": kind,
        },
    )


@login_required
def user_list(request: HttpRequest) -> HttpResponse:
    _require_role_permission(request, roles.VIEW_ADMINISTRATION)
    users = User.objects.visible_to(request.user).select_related("region", "organization")
    role = request.GET.get("role", "")
    if role in roles.ROLE_LABELS:
        users = users.filter(role=role)
    actor = current_user(request)
    may_reset = actor.has_role_permission(roles.MANAGE_USERS)
    return render(
        request,
        "core/user_list.html",
        {
            "page": _page(request, users.order_by("region_id", "username")),
            "roles": roles.ROLE_CHOICES,
            "role": role,
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


@login_required
def notification_list(request: HttpRequest) -> HttpResponse:
    """The user's inbox; POST marks one notification read and follows its link."""
    if request.method == "POST":
        try:
            notification = services.mark_notification_read(
                current_user(request), int(request.POST.get("id", "0"))
            )
        except (DomainError, ValueError):
            raise Http404 from None
        return redirect(notification.link or "core:notifications")
    notifications = Notification.objects.visible_to(request.user).filter(
        recipient=request.user, channel="inbox"
    )
    return render(request, "core/notification_list.html", {"page": _page(request, notifications)})


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """404 as a page, or in the API's error format for paths under /api/."""
    if request.path.startswith("/api/"):
        return JsonResponse(NotFound().as_body(), status=404, json_dumps_params={"ensure_ascii": False})
    return render(request, "core/404.html", status=404)
