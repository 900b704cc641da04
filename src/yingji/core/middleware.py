"""Request guards and response headers that every route needs, so no view has to remember them."""

from __future__ import annotations

import json
import re
from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import translation

from yingji.core.errors import DomainError, Forbidden, InvalidInput, NotFound

_ESCAPED_SURROGATE = re.compile(rb"\\u[dD][89abAB]")


class ContentSecurityPolicyMiddleware:
    """Send `settings.CONTENT_SECURITY_POLICY` with every response: pages, API answers, errors, files.

    The first middleware, so that even the answers of the ones after it (a 400 for unstorable text,
    WhiteNoise's static files, a 500 page) carry it. A view may send a policy of its own.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response
        self.policy = settings.CONTENT_SECURITY_POLICY

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", self.policy)
        return response


class RejectUnstorableTextMiddleware:
    """Refuse, with a 400, text that no database can store: NUL characters and lone surrogates.

    PostgreSQL rejects NUL in text and neither database stores unpaired UTF-16 surrogates; caught
    here, such input is a clear client error instead of a 500 deep inside a query.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            unstorable = self._is_unstorable(request)
        except RequestDataTooBig:
            error = DomainError(
                f"请求体超过 {settings.DATA_UPLOAD_MAX_MEMORY_SIZE} 字节 / The request body is too large",
                code="too_large",
            )
            return _error_response(request, error, status=413)
        if unstorable:
            error = InvalidInput(
                "输入包含无法存储的字符 / The input contains characters that cannot be stored"
            )
            if request.path.startswith("/api/"):
                return JsonResponse(error.as_body(), status=400)
            return HttpResponse(error.message, status=400, content_type="text/plain; charset=utf-8")
        return self.get_response(request)

    @staticmethod
    def _is_unstorable(request: HttpRequest) -> bool:
        query = request.META.get("QUERY_STRING", "")
        if "%00" in query or "\x00" in query or "\x00" in request.path:
            return True
        if request.method in ("GET", "HEAD", "OPTIONS"):
            return False
        if request.content_type == "multipart/form-data":
            # Files are binary (NUL bytes are normal there) and streamed; only text fields are stored as text.
            return any("\x00" in value for _, values in request.POST.lists() for value in values)
        body = request.body
        if b"\x00" in body or b"\\u0000" in body:
            return True
        if _ESCAPED_SURROGATE.search(body):
            try:
                decoded = json.loads(body)
            except ValueError:
                return False  # malformed JSON is the API's own 4xx to give
            try:
                _walk_strings(decoded)
            except UnicodeEncodeError:
                return True
        return False


def _error_response(request: HttpRequest, error: DomainError, status: int) -> HttpResponse:
    if request.path.startswith("/api/"):
        return JsonResponse(error.as_body(), status=status, json_dumps_params={"ensure_ascii": False})
    return HttpResponse(error.message, status=status, content_type="text/plain; charset=utf-8")


class DomainErrorPageMiddleware:
    """A domain error raised under a page view becomes the page's 404/403/400, never a 500.

    The API maps these errors in its own exception handlers; pages share the services and
    `get_visible_or_404`, so they need the same mapping.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, DomainError) or request.path.startswith("/api/"):
            return None
        if isinstance(exception, NotFound):
            raise Http404 from exception
        if isinstance(exception, Forbidden):
            raise PermissionDenied(exception.message) from exception
        return _error_response(request, exception, status=exception.status)


def _walk_strings(value: object) -> None:
    """Raise UnicodeEncodeError if any string inside a decoded JSON value holds a lone surrogate."""
    if isinstance(value, str):
        value.encode("utf-8")
    elif isinstance(value, dict):
        for key, item in value.items():
            _walk_strings(key)
            _walk_strings(item)
    elif isinstance(value, list):
        for item in value:
            _walk_strings(item)


class PasswordChangeRequiredMiddleware:
    """After an administrator's reset, pages lead only to the password change until the password is changed.

    The API says the same with 403 `password_change_required` (core/api_common.py); signing out and
    choosing a language stay possible.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and getattr(user, "must_change_password", False)
            and not request.path.startswith(("/api/", settings.STATIC_URL))
            and request.path
            not in {reverse("core:password_change"), reverse("core:logout"), reverse("set_language")}
        ):
            return redirect("core:password_change")
        return self.get_response(request)


class ChineseFirstLocaleMiddleware:
    """Pages are in Chinese unless the user chose another language (the language cookie).

    Django's LocaleMiddleware would follow the browser's Accept-Language, which on many office
    machines is English; the bureau's users expect Chinese, and pick English explicitly.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response
        self.languages = {code for code, _ in settings.LANGUAGES}

    def __call__(self, request: HttpRequest) -> HttpResponse:
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        language = chosen if chosen in self.languages else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        return response
