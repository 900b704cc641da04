"""The public subscription pages: subscribe (or change), end, confirm with the SMS code, unsubscribe link.

Nothing changes until the number's owner types the code sent to it (subscription_codes.py); the
pages never say whether a number is subscribed. Requests past the rate limits get the form again
with the reason, as HTTP 429.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache

from yingji.core.authentication import client_address
from yingji.core.errors import DomainError, NotFound, RateLimited
from yingji.warnings import subscription_codes, subscriptions
from yingji.warnings.cap import alerts
from yingji.warnings.models import LEVEL_CHOICES, SubscriptionCode
from yingji.warnings.views.public import not_found_page, page_frame, region_choices

PLACE_CHOICES = [("location", gettext_lazy("按位置")), ("region", gettext_lazy("按行政区划"))]


class ServiceErrors:
    """Put a service's error where the visitor looks: its field, else above the form."""

    FIELD_OF: dict[str, str] = {}

    def show_error(self: Any, failure: DomainError) -> None:
        field = failure.details.get("field", "") if isinstance(failure.details, dict) else ""
        field = self.FIELD_OF.get(field, field)
        self.add_error(field if field in self.fields else None, failure.page_message)


class SubscribeForm(ServiceErrors, forms.Form):
    """A phone number, where (a point or a region) and from which level on."""

    phone = forms.CharField(label=gettext_lazy("手机号码"), max_length=20)
    place = forms.ChoiceField(label=gettext_lazy("接收哪里的预警"), choices=PLACE_CHOICES, initial="location")
    latitude = forms.FloatField(required=False, widget=forms.HiddenInput)
    longitude = forms.FloatField(required=False, widget=forms.HiddenInput)
    region = forms.CharField(required=False, max_length=12)
    min_level = forms.ChoiceField(label=gettext_lazy("接收的最低级别"), choices=LEVEL_CHOICES, initial="blue")

    FIELD_OF = {"address": "phone", "channel": "phone", "longitude": "place", "latitude": "place"}

    def show_error(self, failure: DomainError) -> None:
        field = failure.details.get("field", "") if isinstance(failure.details, dict) else ""
        if field == "region" and self.cleaned_data.get("place") == "location":
            self.add_error("place", failure.page_message)  # no point was given; the region select is hidden
            return
        super().show_error(failure)


class EndForm(ServiceErrors, forms.Form):
    phone = forms.CharField(label=gettext_lazy("手机号码"), max_length=20)

    FIELD_OF = {"address": "phone"}


class CodeForm(ServiceErrors, forms.Form):
    code = forms.CharField(label=gettext_lazy("短信验证码"), max_length=8)


def _refused(
    request: HttpRequest, template: str, context: dict[str, Any], failure: DomainError
) -> HttpResponse:
    """The form again with the service's reason; 429 when it was a rate limit."""
    context["form"].show_error(failure)
    return render(request, template, context, status=429 if isinstance(failure, RateLimited) else 200)


@never_cache
def subscribe(request: HttpRequest) -> HttpResponse:
    """Ask to subscribe a phone (or change its subscription): a code is sent to it, then confirm."""
    form = SubscribeForm(request.POST or None)
    frame = page_frame("subscribe", request)
    context = {
        **frame,
        "form": form,
        "regions": region_choices(frame["city"]),
        "pick_config": {"counties_url": reverse("warnings_public:counties")},
    }
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        by_location = data["place"] == "location"
        try:
            pending = subscription_codes.request_subscription(
                data["phone"],
                region_code=None if by_location else (data["region"] or None),
                longitude=data["longitude"] if by_location else None,
                latitude=data["latitude"] if by_location else None,
                min_level=data["min_level"],
                client=client_address(request),
            )
        except DomainError as failure:
            return _refused(request, "warnings/public_subscribe.html", context, failure)
        return redirect("warnings_public:confirm", reference=pending.reference)
    return render(request, "warnings/public_subscribe.html", context)


@never_cache
def end(request: HttpRequest) -> HttpResponse:
    """Ask to end a phone's subscription: a code is sent to it (if it has one), then confirm."""
    form = EndForm(request.POST or None)
    context = {**page_frame("subscribe", request), "form": form}
    if request.method == "POST" and form.is_valid():
        try:
            pending = subscription_codes.request_end(
                form.cleaned_data["phone"], client=client_address(request)
            )
        except DomainError as failure:
            return _refused(request, "warnings/public_end.html", context, failure)
        return redirect("warnings_public:confirm", reference=pending.reference)
    return render(request, "warnings/public_end.html", context)


@never_cache
def confirm(request: HttpRequest, reference: str) -> HttpResponse:
    """Type the code sent to the number; a right one carries the request out."""
    pending = subscription_codes.pending(reference)
    if pending is None:
        return not_found_page(request, _("没有这个验证请求，请重新填写。"))
    form = CodeForm(request.POST or None)
    context = {
        **page_frame("subscribe", request),
        "form": form,
        "pending": pending,
        "number": subscriptions.masked(pending.address),
        "minutes": subscription_codes.CODE_LIFETIME.seconds // 60,
        "again_url": reverse(
            "warnings_public:end" if pending.purpose == SubscriptionCode.END else "warnings_public:subscribe"
        ),
    }
    if request.method == "POST" and form.is_valid():
        try:
            done = subscription_codes.confirm(
                reference,
                form.cleaned_data["code"],
                client=client_address(request),
                site=alerts.site_url(request),
            )
        except NotFound:
            return not_found_page(request, _("没有这个验证请求，请重新填写。"))
        except DomainError as failure:
            return _refused(request, "warnings/public_confirm.html", context, failure)
        if done.purpose == SubscriptionCode.END:
            return render(request, "warnings/public_unsubscribe.html", {**context, "done": True})
        return render(
            request,
            "warnings/public_subscribed.html",
            {
                **context,
                "changed": done.purpose == SubscriptionCode.CHANGE,
                "region": done.region,
                "located": done.latitude is not None,
                "level": done.get_min_level_display(),
            },
        )
    return render(request, "warnings/public_confirm.html", context)


@never_cache
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """End a subscription from the link sent to its number: a confirmation first (link previews must
    not end it), then done."""
    if subscriptions.find_by_token(token) is None:
        return not_found_page(request, _("退订链接无效或已失效。"))
    frame = page_frame("subscribe", request)
    if request.method == "POST":
        try:
            subscriber = subscriptions.unsubscribe_public(token)
        except NotFound:
            return not_found_page(request, _("退订链接无效或已失效。"))
        return render(
            request,
            "warnings/public_unsubscribe.html",
            {**frame, "done": True, "number": subscriptions.masked(subscriber.address)},
        )
    return render(request, "warnings/public_unsubscribe.html", {**frame, "done": False})
