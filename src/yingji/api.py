"""The one JSON API at /api/v1/: every domain's router mounted here, every error in one format."""

from __future__ import annotations

import json
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.renderers import JSONRenderer

from yingji.calculators.api import router as calculators_router
from yingji.command.api import router as command_router
from yingji.command.calculators import router as accident_calculators_router
from yingji.command.incident_api import router as incidents_router
from yingji.core import datebounds
from yingji.core.api import router as core_router
from yingji.core.api_common import DATE_OUT_OF_RANGE
from yingji.core.errors import DomainError
from yingji.enterprises.api import router as enterprises_router
from yingji.geography.api import router as routing_router
from yingji.hazards.api import router as hazards_router
from yingji.majorhazards.api import router as majorhazards_router
from yingji.materials.api import router as materials_router
from yingji.messaging.api import router as messaging_router
from yingji.monitoring.api import router as monitoring_router
from yingji.resources.api import router as resources_router
from yingji.response.api import router as response_router
from yingji.risks.api import router as risks_router
from yingji.warnings.api.cap import router as warnings_cap_router
from yingji.warnings.api.coverage import router as warnings_coverage_router
from yingji.warnings.api.deliveries import router as warnings_delivery_router
from yingji.warnings.api.warnings import router as warnings_router


class Utf8JSONRenderer(JSONRenderer):
    """JSON with Chinese text as itself rather than \\u escapes: shorter and readable in logs."""

    json_dumps_params = {"ensure_ascii": False}


class YingjiAPI(NinjaAPI):
    """Ninja's API with its OpenAPI schema built once per process: routes never change after start-up.

    Building it walks every operation's schemas (about 2 s of CPU for a 500 KB document); the docs
    page, the walk and fuzz tests and every client that reads /api/v1/openapi.json would pay that.
    """

    _schemas: dict[str, Any]

    def get_openapi_schema(self, *, path_prefix: str | None = None, path_params: Any = None) -> Any:
        if path_prefix is None:
            path_prefix = self.get_root_path(path_params or {})
        cache = self.__dict__.setdefault("_schemas", {})
        if path_prefix not in cache:
            cache[path_prefix] = super().get_openapi_schema(path_prefix=path_prefix)
        return cache[path_prefix]


api = YingjiAPI(
    renderer=Utf8JSONRenderer(),
    title="应急 Yingji API",
    version="1",
    description="城市应急管理平台接口 / The API of a city emergency management platform. "
    "Authenticate with `POST /api/v1/auth/token` and send `Authorization: Bearer <token>`.",
    urls_namespace="api",
)
api.add_router("/", core_router)
api.add_router("/", calculators_router)
api.add_router("/", accident_calculators_router)
api.add_router("/", enterprises_router)
api.add_router("/", risks_router)
api.add_router("/", hazards_router)
api.add_router("/", majorhazards_router)
api.add_router("/", monitoring_router)
api.add_router("/", warnings_router)
api.add_router("/", warnings_cap_router)
api.add_router("/", warnings_delivery_router)
api.add_router("/", warnings_coverage_router)
api.add_router("/", messaging_router)
api.add_router("/", routing_router)
api.add_router("/", materials_router)
api.add_router("/", command_router)
api.add_router("/", incidents_router)
api.add_router("/", resources_router)
api.add_router("/", response_router)

_STATUS_CODES = {
    400: "bad_request",
    401: "not_authenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    429: "rate_limited",
}
_STATUS_MESSAGES = {
    401: "需要登录或有效令牌 / Authentication required",
    403: "无权执行此操作 / You may not do this",
    404: "未找到该对象 / Not found",
}


def _error(request: HttpRequest, status: int, code: str, message: str, details: Any = None) -> HttpResponse:
    return api.create_response(
        request, {"code": code, "message": message, "details": details or {}}, status=status
    )


@api.exception_handler(DomainError)
def on_domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    return _error(request, exc.status, exc.code, exc.message, exc.details)


@api.exception_handler(ValidationError)
def on_validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    # Pydantic puts the offending input and exception objects in each error; keep what JSON can carry.
    errors = json.loads(json.dumps(exc.errors, default=str, ensure_ascii=False))
    for error in errors:
        error.pop("url", None)
    if errors and all(error.get("type") == DATE_OUT_OF_RANGE for error in errors):
        # A well-formed date outside the accepted range is refused like the services refuse a bad value.
        field = field_name(errors[0].get("loc", []))
        details = {
            "field": field,
            "earliest": datebounds.EARLIEST.isoformat(),
            "latest": datebounds.LATEST.isoformat(),
            "errors": errors,
        }
        return _error(request, 400, "invalid_input", datebounds.message(field), details)
    return _error(request, 422, "invalid_input", "输入有误 / The input is invalid", {"errors": errors})


def field_name(loc: list[Any]) -> str:
    """The field an error names: `receipts[0].at` for `["body", "payload", "receipts", 0, "at"]`."""
    parts = list(loc[2:] if loc[:1] == ["body"] else loc[1:])
    name = ""
    for part in parts:
        name += f"[{part}]" if isinstance(part, int) else (f".{part}" if name else str(part))
    return name


@api.exception_handler(AuthenticationError)
def on_authentication_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return _error(request, 401, "not_authenticated", _STATUS_MESSAGES[401])


@api.exception_handler(HttpError)
def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    status = exc.status_code
    message = _STATUS_MESSAGES.get(status, f"{exc} / {exc}")
    if status == 400 and ("json" in str(exc).lower() or "parse" in str(exc).lower()):
        message = "请求体不是有效的 JSON / The request body is not valid JSON"
    return _error(request, status, _STATUS_CODES.get(status, "error"), message)


@api.exception_handler(Http404)
def on_not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return _error(request, 404, "not_found", _STATUS_MESSAGES[404])


@api.exception_handler(PermissionDenied)
def on_permission_denied(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return _error(request, 403, "forbidden", _STATUS_MESSAGES[403])
