"""CAP 1.2 over the API: a published version's message, the import of foreign messages, and the
city's list of senders trusted to publish without approval.

Warning ids in paths are `{int:…}`, so the static `POST /warnings/cap` is never taken for an id,
whichever order the routers are mounted in.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse
from ninja import Field, Router, Schema, Status
from ninja.responses import codes_4xx

from yingji.core.api_common import AUTH, ErrorOut, current_user, id_path, responses
from yingji.core.errors import Conflict, DomainError, InvalidInput
from yingji.warnings import services
from yingji.warnings.cap import alerts, importing, protocol, trust
from yingji.warnings.models import EarlyWarning

router = Router(auth=AUTH, tags=["warnings"])

XML_CONTENT_TYPE = "application/xml; charset=utf-8"
ACCEPTED_CONTENT_TYPES = ("application/xml", "application/cap+xml", "text/xml")
_XML_SCHEMA = {"type": "string", "format": "binary", "description": "CAP 1.2 XML"}


class UnsupportedMediaType(DomainError):
    status = 415
    code = "unsupported_media_type"
    message = "请求体应为 CAP 1.2 XML / The body must be CAP 1.2 XML"


class ImportedOut(Schema):
    """The warning an imported message became."""

    id: int
    identifier: str
    status: str
    msg_type: str
    level: str
    headline: str
    region_code: str


@router.get(
    "/warnings/{int:warning_id}/cap.xml",
    response={codes_4xx: ErrorOut},
    summary="预警的 CAP 1.2 消息 / A warning's CAP 1.2 message",
    openapi_extra={
        "responses": {
            "200": {
                "description": "发布时的 CAP 1.2 消息 / the CAP 1.2 message as published",
                "content": {"application/xml": {"schema": _XML_SCHEMA}},
            }
        }
    },
)
def get_cap(request: HttpRequest, warning_id: int = id_path()) -> Any:
    """The message of a version that was published (also once updated, cancelled or expired); 409 before."""
    user = current_user(request)
    services.require(services.may_view(user))
    warning = EarlyWarning.objects.only(
        "id", "status", "published_at", "cap_xml", "source"
    ).get_visible_or_404(user, pk=warning_id)
    if warning.published_at is None or not warning.cap_xml:
        raise Conflict(
            f"预警尚未发布，没有 CAP 消息（{warning.get_status_display()}）/ "
            f"Only published versions have a CAP message; this one is {warning.status}",
            code="not_published",
            details={"status": warning.status},
        )
    return HttpResponse(alerts.with_links_for(warning, request), content_type=XML_CONTENT_TYPE)


@router.post(
    "/warnings/cap",
    response=responses(ImportedOut, 201),
    summary="导入 CAP 1.2 消息 / Import a CAP 1.2 message",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {content_type: {"schema": _XML_SCHEMA} for content_type in ACCEPTED_CONTENT_TYPES},
        }
    },
)
def import_cap(request: HttpRequest) -> Any:
    """An Alert becomes a published warning, an Update or Cancel a new version of the one it references.

    400 with every problem for an invalid or hostile message, 403 outside the user's region, 409 for
    a message already imported; nothing is written unless the whole message is taken.
    """
    if request.content_type not in ACCEPTED_CONTENT_TYPES:
        raise UnsupportedMediaType(
            f"Content-Type 应为 {' 或 '.join(ACCEPTED_CONTENT_TYPES)} / "
            f"Content-Type must be {' or '.join(ACCEPTED_CONTENT_TYPES)}"
        )
    try:
        body = request.body
    except RequestDataTooBig:
        raise InvalidInput(
            f"消息超过 {protocol.MAX_BYTES} 字节 / The message is larger than {protocol.MAX_BYTES} bytes"
        ) from None
    warning = importing.import_cap(current_user(request), body)
    return Status(
        201,
        {
            "id": warning.pk,
            "identifier": warning.identifier,
            "status": warning.status,
            "msg_type": warning.msg_type,
            "level": warning.level,
            "headline": warning.headline,
            "region_code": warning.region_id,
        },
    )


# Trusted senders --------------------------------------------------------------------------------


class TrustedSenderOut(Schema):
    sender: str
    name: str
    region_code: str = Field(alias="region_id")
    updated_at: datetime


class TrustedSenderIn(Schema):
    sender: str = Field(min_length=1, max_length=200, description="CAP <sender>，如 / e.g. sxqx@cma.gov.cn")
    region_code: str = Field(max_length=12, description="可直接发布的区域：市或县 / where it may publish")
    name: str = Field("", max_length=100, description="名称，如山西省气象台 / a name for people")


class TrustedSendersIn(Schema):
    senders: list[TrustedSenderIn] = Field(max_length=trust.MAX_SENDERS)


@router.get(
    "/warnings/trusted-senders",
    response=responses(list[TrustedSenderOut]),
    summary="可直接发布的 CAP 发送方（市级管理员）/ CAP senders trusted to publish directly (city admins)",
)
def list_trusted_senders(request: HttpRequest) -> Any:
    return trust.listed(current_user(request))


@router.put(
    "/warnings/trusted-senders",
    response=responses(list[TrustedSenderOut]),
    summary="设置可信发送方（整表替换）/ Replace the list of trusted senders",
)
def put_trusted_senders(request: HttpRequest, payload: TrustedSendersIn) -> Any:
    """Senders not on the list (or outside their region) are imported as warnings awaiting approval."""
    entries = [trust.Entry(item.sender, item.region_code, item.name) for item in payload.senders]
    return trust.replace(current_user(request), entries)
