"""Demo responses (orders 95–96), through the services, on the incidents the command demo took in.

95 应急响应: the hazardous-chemicals leak gets a level Ⅲ response with its headquarters, tasks and
situation reports (one filed, the next due); the forest fire in 五台县 a Ⅳ response raised to Ⅲ with
aviation support; the closed incident, if still open, a response that ended with its summary.
96 调度: teams dispatched to the leak (one arrived, one en route) and the fire; and in 定襄县 (the
county the scope walk checks) a Ⅳ response with an order waiting for its acknowledgement.

Incidents are looked up by county, category and subtype or title; a missing one is skipped, and an
incident that already has a response is left as it is, so running the demo twice changes nothing.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.db.models import Q

from yingji.command.models import Incident
from yingji.core import regioncodes, roles
from yingji.core.demo import CITY_CODE, DemoContext, demo_clock, register_demo_step
from yingji.core.models import Region, User
from yingji.response import dispatch, recommend, rules, services
from yingji.response.models import DispatchOrder, Response

FOREST_COUNTY = "140922"  # 五台县
WALK_COUNTY = "140921"  # 定襄县: the county B of tests/test_scope_walk.py
CHEMICAL = Q(subtype__contains="危险化学品") | Q(subtype__icontains="chemical") | Q(title__contains="泄漏")
FOREST = Q(subtype__contains="森林") | Q(subtype__icontains="forest") | Q(title__contains="山火")


def _open() -> Any:
    return Incident.objects.filter(status__in=(Incident.REPORTED, Incident.RESPONDING)).select_related(
        "region"
    )


def chemical_leak() -> Incident | None:
    return _open().filter(CHEMICAL, category=Incident.ACCIDENT).order_by("known_at", "id").first()


def forest_fire() -> Incident | None:
    county = Region.objects.filter(code=FOREST_COUNTY).first()
    if county is None:
        return None
    found = _open().filter(FOREST, region__path__startswith=county.path)
    return found.order_by("known_at", "id").first()


def closed_one() -> Incident | None:
    """The incident the command demo closes: still open here when the response ends it, else none."""
    found = _open().filter(Q(title__contains="已结束") | Q(description__contains="处置完毕"))
    return found.order_by("known_at", "id").first()


def commander_for(incident: Incident) -> User | None:
    """The administrator of the incident's county, else the city's."""
    county = incident.region.ancestor_at(regioncodes.COUNTY)
    found = User.objects.filter(role=roles.COUNTY_ADMIN, region=county, is_active=True).order_by("pk").first()
    return found or User.objects.filter(role=roles.CITY_ADMIN, region_id=CITY_CODE, is_active=True).first()


def _at(incident: Incident, minutes: float, now: datetime) -> datetime:
    """`minutes` after the incident became known, but never after the demo's now."""
    return min(incident.known_at + timedelta(minutes=minutes), now - timedelta(minutes=1))


def _launch(
    incident: Incident, level: int, *, matters: str, measures: str, hours: int, every: int | None
) -> Response | None:
    actor = commander_for(incident)
    if actor is None or Response.objects.filter(incident=incident).exists():
        return None
    now = demo_clock().now
    return services.launch_response(
        actor,
        incident.pk,
        level=level,
        matters=matters,
        measures=measures,
        expected_hours=hours,
        sitrep_every_hours=every,
        now=_at(incident, 20, now),
    )


def _members(response: Response, people: list[tuple[str, str, str, str, bool]]) -> None:
    actor = response.launched_by
    for group, name, post, phone, leader in people:
        services.add_member(
            actor, response.incident_id, group=group, name=name, post=post, phone=phone, is_leader=leader
        )


def _dispatch(
    incident: Incident, count: int, steps: list[list[tuple[str, float]]], base: float
) -> list[DispatchOrder]:
    """Send the `count` nearest recommended teams, each then through its `steps` (status, minutes after
    the incident became known)."""
    actor = commander_for(incident)
    if actor is None:
        return []
    now = demo_clock().now
    found = recommend.recommend(actor, incident, limit=count)
    orders = []
    for index, item in enumerate(found.teams[:count]):
        order = dispatch.issue_order(
            actor,
            incident.pk,
            team_id=item.candidate.id,
            task="赶赴现场开展处置",
            now=_at(incident, base + index, now),
        )
        for status, minutes in steps[index] if index < len(steps) else []:
            moment = _at(incident, minutes, now)
            if status == rules.RECEIVED:
                dispatch.acknowledge(actor, order.pk, now=moment)
            else:
                dispatch.advance(actor, order.pk, status=status, now=moment)
        orders.append(order)
    return orders


@register_demo_step(95, "应急响应")
def responses(context: DemoContext) -> None:
    now = demo_clock().now
    leak = chemical_leak()
    if leak is not None:
        response = _launch(
            leak,
            3,
            matters="启动Ⅲ级应急响应，成立现场指挥部，统一指挥泄漏处置和群众疏散。",
            measures="堵漏洗消；下风向 1 公里内人员疏散；大气环境监测；医疗救护待命。",
            hours=24,
            every=2,
        )
        if response is not None:
            _members(
                response,
                [
                    ("rescue", "赵建国", "市消防救援支队副支队长", "13903500101", True),
                    ("medical", "孙丽", "市人民医院急诊科主任", "13903500102", True),
                    ("security", "周强", "公安分局副局长", "13903500103", True),
                    ("monitoring", "吴敏", "生态环境局监测站站长", "13903500104", True),
                ],
            )
            due = services.next_due_sitrep(response)
            if due is not None and due.due_at < now:
                services.file_sitrep(
                    response.launched_by,
                    leak.pk,
                    progress=(
                        "泄漏点已初步封堵，下风向 800 米内 216 名群众已转移至安置点，空气监测数据持续下降。"
                    ),
                    needs="需要补充防化服 20 套、应急照明设备 4 台。",
                    injured=3,
                    evacuated=216,
                    now=min(due.due_at - timedelta(minutes=10), now - timedelta(minutes=2)),
                )
            _ask_materials(leak, response.launched_by, _at(leak, 50, now))
            context.progress(f"{leak.title}：Ⅲ级响应")
    fire = forest_fire()
    if fire is not None:
        response = _launch(
            fire,
            4,
            matters="启动Ⅳ级应急响应，组织森林消防队伍扑救，申请航空护林支援。",
            measures="划定警戒区；分段扑救；直升机吊桶洒水；清点进山人员。",
            hours=48,
            every=3,
        )
        if response is not None:
            services.adjust_level(
                response.launched_by,
                fire.pk,
                level=3,
                reason="火场蔓延至两条山脊，申请直升机航空支援",
                now=_at(fire, 60, now),
            )
            _members(
                response, [("logistics", "郑海峰", "县林业局副局长（航空护林联络）", "13903500201", True)]
            )
            context.progress(f"{fire.title}：Ⅳ→Ⅲ级响应，航空支援")
    closed = closed_one()
    if closed is not None:
        response = _launch(closed, 4, matters="启动Ⅳ级应急响应。", measures="现场处置。", hours=6, every=None)
        if response is not None:
            services.end_response(
                response.launched_by,
                closed.pk,
                summary="现场处置完毕，无人员伤亡，道路恢复通行，响应结束。",
                now=_at(closed, 240, now),
            )


@register_demo_step(96, "调度")
def dispatches(context: DemoContext) -> None:
    now = demo_clock().now
    leak = chemical_leak()
    if leak is not None and not DispatchOrder.objects.filter(incident=leak).exists():
        _dispatch(
            leak,
            2,
            [
                [(rules.RECEIVED, 24), (rules.DEPARTED, 26), (rules.ARRIVED, 55)],
                [(rules.RECEIVED, 27), (rules.DEPARTED, 30)],
            ],
            base=22,
        )
    fire = forest_fire()
    if fire is not None and not DispatchOrder.objects.filter(incident=fire).exists():
        _dispatch(fire, 1, [[(rules.RECEIVED, 25), (rules.DEPARTED, 28)]], base=21)
    walk_county(now)


def walk_county(now: datetime) -> None:
    """定襄县: a Ⅳ response on its latest open incident (an earlier one left without one, if any),
    with a member, a task, a due situation report and an order waiting for acknowledgement."""
    county = Region.objects.filter(code=WALK_COUNTY).first()
    if county is None:
        return
    # The latest open one (the command demo's live accident keeps no response: its county launches one).
    incident = _open().filter(region__path__startswith=county.path).order_by("-known_at", "-id").first()
    if incident is None or Response.objects.filter(incident=incident).exists():
        return
    actor = commander_for(incident)
    if actor is None:
        return
    _volunteer_team(actor, incident)
    launched = min(max(incident.known_at, now - timedelta(minutes=50)), now - timedelta(minutes=30))
    services.launch_response(
        actor, incident.pk, level=4, matters="启动Ⅳ级应急响应。", sitrep_every_hours=2, now=launched
    )
    services.add_member(
        actor, incident.pk, group="coordination", name="钱文斌", post="县应急局局长", is_leader=True
    )
    services.add_task(
        actor,
        incident.pk,
        title="核实现场情况并报告",
        group="coordination",
        due_at=now + timedelta(hours=2),
        now=launched,
    )
    found = recommend.recommend(actor, incident, limit=1)
    if found.teams:
        dispatch.issue_order(
            actor, incident.pk, team_id=found.teams[0].candidate.id, now=now - timedelta(minutes=5)
        )
    _ask_materials(incident, actor, launched)


def _volunteer_team(actor: User, incident: Incident) -> None:
    """The county's volunteer rescue team (蓝天救援队), registered through the resources service: the
    county keeps a team standing by while its fire station is out on the demo's order."""
    from yingji.resources import services as resources
    from yingji.resources.models import Team

    name = "定襄县蓝天救援队"
    if actor.organization_id is None or Team.objects.filter(name=name).exists():
        return
    resources.create_team(
        actor,
        organization_id=actor.organization_id,
        region_code=WALK_COUNTY,
        name=name,
        kind="social",
        address="定襄县城",
        longitude=incident.longitude - 0.02,
        latitude=incident.latitude + 0.015,
        headcount=24,
        leader="冯志红",
        phone="13903500321",
    )


def _ask_materials(incident: Incident, actor: User, at: datetime) -> None:
    """Tents and quilts for the people moved out, through materials' request and approval."""
    from yingji.materials.models import Material

    codes = list(Material.objects.filter(name__in=("棉帐篷", "棉被")).values_list("code", flat=True)[:2])
    if codes:
        services.request_materials(
            actor,
            incident.pk,
            lines=[(code, 20) for code in codes],
            needed_by=at + timedelta(hours=4),
            now=at,
        )
