"""Dispatch orders (调派令): issue one to a team, follow it to completion or recall it, and let the team
leader acknowledge it by a link or the API. Each step moves the team's readiness through the
resources service (`follow_dispatch`), so nobody sets a dispatched team's status by hand (ADR 0040).

The leader is told through the outbox: an SMS to the team's phone with the acknowledge link, and the
inbox of the platform users of the team's organization. An order not acknowledged within
`RESPONSE_ACK_MINUTES` escalates to the incident's county duty room and is sent again.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from yingji.command.incidents import log_event
from yingji.command.models import Incident
from yingji.core import audit, jobs, roles
from yingji.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from yingji.core.models import User, secret_digest
from yingji.core.registry import ResourceCandidate
from yingji.messaging import outbox
from yingji.messaging.models import Delivery
from yingji.resources import kinds
from yingji.resources import services as resources
from yingji.resources.models import Team
from yingji.response import access, rules
from yingji.response.models import DispatchOrder
from yingji.response.services import commanded_incident, duty_room

ORDER_UNACKNOWLEDGED = "response.order_unacknowledged"
TOKEN_PREFIX = "yjd_"
RECIPIENT_KIND = "rescue_team"
MAX_OPEN_ORDERS = 200  # per incident
STEP_FIELDS = {
    rules.RECEIVED: "received_at",
    rules.DEPARTED: "departed_at",
    rules.ARRIVED: "arrived_at",
    rules.COMPLETED: "completed_at",
    rules.RECALLED: "recalled_at",
}


def ack_path(token: str) -> str:
    return reverse("response_public:acknowledge", args=[token])


def absolute(path: str) -> str:
    """The link as the team leader's phone opens it: on SITE_URL when set (else the path alone)."""
    return f"{settings.SITE_URL.rstrip('/')}{path}" if settings.SITE_URL else path


def road_trip(team: Team, incident: Incident) -> tuple[float | None, float | None]:
    """Minutes and km by road from the team (its reported position, else its base) to the incident."""
    from yingji.resources.nearest import rank

    lon = team.position_longitude if team.position_longitude is not None else team.longitude
    lat = team.position_latitude if team.position_latitude is not None else team.latitude
    found = rank(
        (incident.longitude, incident.latitude), [ResourceCandidate("team", team.pk, team.name, lon, lat)], 1
    )
    if not found:
        return None, None
    return round(found[0].minutes, 1), round(found[0].km, 2)


def order_text(order: DispatchOrder, link: str) -> str:
    incident = order.incident
    eta = f"，预计 {order.minutes:.0f} 分钟到达" if order.minutes is not None else ""
    return (
        f"【调派令 {order.number}】{order.team.name}：请立即赶赴{incident.address or incident.title}"
        f"（{incident.longitude:.5f},{incident.latitude:.5f}）执行：{order.task}{eta}。"
        f"收到请点击确认：{link}"
    )


def _tell_team(order: DispatchOrder, token: str, now: datetime, attempt: int = 0) -> int:
    """The order to the team's phone by SMS and to its organization's users' inboxes; the number queued."""
    team = order.team
    link = ack_path(token)
    text = outbox.Text(order_text(order, absolute(link)), f"调派令 {order.number}：{team.name}", link)
    key = f"{order.number}:{attempt}"
    queued = 0
    if team.phone:
        recipient = outbox.Recipient(RECIPIENT_KIND, team.pk, team.phone, team.region_id)
        queued += outbox.queue(recipient, Delivery.SMS, text, about=order, key=f"{key}:sms", now=now)
    users = User.objects.filter(organization_id=team.organization_id, is_active=True).order_by("pk")[:20]
    for user in users:
        recipient = outbox.Recipient("user", user.pk, user.username, user.region_id)
        queued += outbox.queue(recipient, Delivery.INBOX, text, about=order, key=f"{key}:u{user.pk}", now=now)
    return queued


def _new_token(order: DispatchOrder, now: datetime) -> str:
    token = TOKEN_PREFIX + secrets.token_urlsafe(24)
    order.token_digest = secret_digest(token)
    order.token_expires_at = now + timedelta(hours=settings.RESPONSE_LINK_HOURS)
    return token


@transaction.atomic
def issue_order(
    actor: User, incident_id: int, *, team_id: int, task: str = "", now: datetime | None = None
) -> DispatchOrder:
    """Send a team standing by to the incident: the team goes 出动, its leader is told, and the order
    escalates if nobody acknowledges it in time."""
    incident = commanded_incident(actor, incident_id)
    if not incident.is_open:
        raise Conflict("事件已结束或已合并 / The incident is closed or merged", code="incident_closed")
    team = Team.objects.visible_to(actor).filter(pk=team_id).first()
    if team is None:
        raise NotFound("队伍不存在或不在您的管辖范围 / Team not found in your scope")
    if team.status != kinds.STANDBY:
        raise Conflict(
            f"队伍当前为“{team.status_label}”，不能调派 / Only a team standing by can be sent",
            code="team_not_available",
            details={"status": team.status},
        )
    if DispatchOrder.objects.filter(incident=incident, status__in=rules.OPEN_ORDER_STATUSES).count() >= (
        MAX_OPEN_ORDERS
    ):
        raise Conflict("调派令数量已达上限 / Too many open orders", code="too_many_orders")
    now = now or timezone.now()
    task_text = rules.bounded_text(task, 301) or "赶赴现场开展救援"
    if len(task_text) > 300:
        raise InvalidInput(
            "任务最多 300 字 / The task takes at most 300 characters", details={"field": "task"}
        )
    minutes, km = road_trip(team, incident)
    order = DispatchOrder(
        incident=incident,
        number=f"T{secrets.token_hex(8)}",
        team=team,
        task=task_text,
        minutes=minutes,
        km=km,
        eta=now + timedelta(minutes=minutes) if minutes is not None else None,
        issued_at=now,
        issued_by=actor,
    )
    token = _new_token(order, now)
    order.save()
    order.number = f"DP{timezone.localtime(now):%Y%m%d}-{order.pk:05d}"
    order.save(update_fields=["number"])
    resources.follow_dispatch(actor, team.pk, status=kinds.DISPATCHED, note=f"调派令 {order.number}", at=now)
    _tell_team(order, token, now)
    jobs.schedule(ORDER_UNACKNOWLEDGED, order, now + timedelta(minutes=settings.RESPONSE_ACK_MINUTES))
    audit.record(actor, "dispatch_order.issued", order, after=audit.snapshot(order), region=incident.region)
    eta = f"，预计 {minutes:.0f} 分钟、{km:.1f} 公里" if minutes is not None and km is not None else ""
    log_event(
        incident, "dispatch", f"调派 {team.name}（{order.number}）{eta}", actor=actor, subject=order, at=now
    )
    return order


def _move(
    actor: User | None, order: DispatchOrder, status: str, now: datetime, *, via: str = "", note: str = ""
) -> DispatchOrder:
    if not rules.may_advance(order.status, status):
        raise Conflict(
            f"调派令当前为“{order.status_label}”，不能改为“{rules.ORDER_STATUSES.get(status, status)}” / "
            f"The order cannot go from {order.status} to {status}",
            code="invalid_transition",
            details={"from": order.status, "to": status},
        )
    before = audit.snapshot(order)
    if status == rules.RECALLED:
        team = Team.objects.get(pk=order.team_id)
        team_status: str | None = rules.recall_team_status(team.status)
    else:
        team_status = rules.TEAM_STATUS_FOR.get(status)
    if status == rules.DEPARTED and order.received_at is None:
        order.received_at, order.received_via = now, order.received_via or DispatchOrder.API
    order.status = status
    setattr(order, STEP_FIELDS[status], now)
    if status == rules.RECEIVED:
        order.received_via = via
    if note:
        order.note = rules.bounded_text(note, 300)
    if status in (rules.RECEIVED, rules.DEPARTED, rules.COMPLETED, rules.RECALLED):
        order.token_digest, order.token_expires_at = None, None  # the link is used up
        jobs.cancel(ORDER_UNACKNOWLEDGED, order)
    order.save()
    if team_status:
        resources.follow_dispatch(
            actor, order.team_id, status=team_status, note=f"调派令 {order.number}", at=now
        )
    audit.record(
        actor, f"dispatch_order.{status}", order, before=before, after=audit.snapshot(order),
        region=order.incident.region,
    )  # fmt: skip
    how = "（短信链接确认）" if via == DispatchOrder.LINK else ""
    log_event(
        order.incident,
        "dispatch",
        f"{order.team.name}（{order.number}）{rules.ORDER_STATUSES[status]}{how}"
        + (f"：{order.note}" if note else ""),
        actor=actor,
        subject=order,
        at=now,
    )
    return order


def _order_for(actor: User, order_id: int) -> DispatchOrder:
    if not access.may_view(actor):
        raise Forbidden()
    return (
        DispatchOrder.objects.select_related("incident__region", "team")
        .select_for_update(of=("self",))
        .get_visible_or_404(actor, pk=order_id)
    )


def _may_answer(actor: User, order: DispatchOrder) -> bool:
    """The commanders of the incident, or those who keep the team (its enterprise's officer)."""
    return access.may_command(actor, order.incident) or (
        actor.role == roles.ENTERPRISE_OFFICER and actor.organization_id == order.team.organization_id
    )


@transaction.atomic
def acknowledge(actor: User, order_id: int, *, now: datetime | None = None) -> DispatchOrder:
    """The team leader (or the command center for them) acknowledges the order through the API."""
    order = _order_for(actor, order_id)
    if not _may_answer(actor, order):
        raise Forbidden()
    return _move(actor, order, rules.RECEIVED, now or timezone.now(), via=DispatchOrder.API)


@transaction.atomic
def advance(
    actor: User, order_id: int, *, status: str, note: str = "", now: datetime | None = None
) -> DispatchOrder:
    """The next step of an order (received, departed, arrived, completed) or its recall."""
    order = _order_for(actor, order_id)
    if status not in STEP_FIELDS:
        raise InvalidInput(
            "状态无效 / Unknown status", details={"field": "status", "allowed": list(STEP_FIELDS)}
        )
    if status == rules.RECALLED or not _may_answer(actor, order):
        access.require_command(actor, order.incident)
    return _move(actor, order, status, now or timezone.now(), via=DispatchOrder.API, note=note)


def order_for_token(token: str, now: datetime | None = None) -> DispatchOrder | None:
    """The open order a link's token opens, unless used or expired."""
    if not isinstance(token, str) or not token.startswith(TOKEN_PREFIX) or len(token) > 80:
        return None
    order = (
        DispatchOrder.objects.select_related("incident__region", "team", "issued_by")
        .filter(token_digest=secret_digest(token))
        .first()
    )
    if order is None or order.token_expires_at is None or order.token_expires_at <= (now or timezone.now()):
        return None
    return order


@transaction.atomic
def acknowledge_by_link(token: str, *, now: datetime | None = None) -> DispatchOrder:
    """The team leader's answer from the SMS link: no sign-in, the token alone, once."""
    now = now or timezone.now()
    order = order_for_token(token, now)
    if order is None:
        raise NotFound("链接无效、已使用或已过期 / The link is invalid, used or expired")
    order = (
        DispatchOrder.objects.select_for_update().select_related("incident__region", "team").get(pk=order.pk)
    )
    if order.status != rules.ISSUED:
        raise Conflict("调派令已确认 / The order was acknowledged already", code="invalid_transition")
    return _move(None, order, rules.RECEIVED, now, via=DispatchOrder.LINK)


def close_open_orders(actor: User, incident: Incident, now: datetime) -> int:
    """At stand-down: teams on the scene complete their orders, the others are recalled."""
    orders = list(
        DispatchOrder.objects.select_for_update()
        .select_related("incident__region", "team")
        .filter(incident=incident, status__in=rules.OPEN_ORDER_STATUSES)
    )
    for order in orders:
        status = rules.COMPLETED if order.status == rules.ARRIVED else rules.RECALLED
        _move(actor, order, status, now, note="响应结束")
    return len(orders)


@jobs.deadline_handler(ORDER_UNACKNOWLEDGED)
def escalate(deadline: Any, now: datetime) -> None:
    """An order nobody acknowledged: the county duty room is told, and the team is told again."""
    order = (
        DispatchOrder.objects.select_related("incident__region", "team")
        .filter(pk=int(deadline.object_id))
        .first()
    )
    if order is None or order.status != rules.ISSUED:
        return
    before = audit.snapshot(order)
    order.escalated_at = now
    token = _new_token(order, now)
    order.save(update_fields=["escalated_at", "token_digest", "token_expires_at"])
    attempt = int(deadline.attempts or 0) + int(now.timestamp())
    _tell_team(order, token, now, attempt=attempt)
    audit.record(None, "dispatch_order.escalated", order, before=before, after=audit.snapshot(order),
                 region=order.incident.region)  # fmt: skip
    jobs.notify(
        duty_room(order.incident),
        f"调派令未确认：{order.team.name}",
        body=(
            f"{order.number} 下达 {settings.RESPONSE_ACK_MINUTES} 分钟未获确认，"
            f"请电话联系 {order.team.phone or order.team.leader}"
        ),
        about=order,
    )
    log_event(
        order.incident,
        "dispatch",
        f"{order.team.name}（{order.number}）超时未确认，已催办",
        subject=order,
        at=now,
    )
