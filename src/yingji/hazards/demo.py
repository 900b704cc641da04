"""Demo hidden hazards: in every county, hazards in every state of the loop, dated around the demo's today.

Every county gets one hazard of each story the pages and every step of the loop need (reported, rectifying
with an extension waiting for a decision, listed for supervision, overdue and escalated to the city,
awaiting acceptance, closed), and then more, drawn with the step's seeded generator in proportion to its
enterprises (coal mines, chemical plants and other high-risk trades count double) from the same dozen
scenarios with their dates stretched, so that no two counties tell the same story. Each hazard has its
timeline; open hazards whose deadline lies after the demo's today get their deadline row, so
`yingji run-due --now …` replays the escalation.
"""

from __future__ import annotations

import random
import struct
import zlib
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

from yingji.core import audit, jobs, regioncodes, roles
from yingji.core.demo import DEMO_ACTOR, DemoContext, demo_clock, person_name, register_demo_step
from yingji.core.models import Region, User
from yingji.enterprises import models as enterprise_models
from yingji.enterprises.models import Enterprise
from yingji.hazards import lifecycle
from yingji.hazards.criteria import criteria_for
from yingji.hazards.models import (
    AFTER,
    BEFORE,
    DOCUMENT,
    GENERAL,
    INSPECTION,
    MAJOR,
    PENDING,
    SELF_CHECK,
    ExtensionRequest,
    Hazard,
    HazardAttachment,
    HazardTransition,
    RectificationPlan,
)
from yingji.hazards.services import OVERDUE, due_at

R, F, W, C = lifecycle.REPORTED, lifecycle.RECTIFYING, lifecycle.AWAITING_ACCEPTANCE, lifecycle.CLOSED


@dataclass(frozen=True)
class Scenario:
    """One demo hazard: grade, state, dates relative to the demo's today and what happened to it."""

    grade: str
    status: str
    found_days_ago: int
    deadline_in_days: int | None = None  # relative to the demo's today; negative: already passed
    plan: bool = False
    listed: bool = False
    extension_pending: bool = False
    inspection: bool = False
    closed_days_ago: int | None = None
    photos: bool = False


SCENARIOS = (
    Scenario(GENERAL, R, 2),
    Scenario(MAJOR, R, 5, plan=True),
    Scenario(MAJOR, R, 3, inspection=True),
    Scenario(GENERAL, F, 25, 20, extension_pending=True, photos=True),
    Scenario(GENERAL, F, 40, -10),
    Scenario(MAJOR, F, 50, 40, plan=True, listed=True, photos=True),
    Scenario(MAJOR, F, 70, -15, plan=True),
    Scenario(GENERAL, W, 30, 10, photos=True),
    Scenario(MAJOR, W, 90, 5, plan=True, photos=True),
    Scenario(GENERAL, C, 45, -20, closed_days_ago=30, photos=True),
    Scenario(MAJOR, C, 150, -60, plan=True, listed=True, closed_days_ago=65),
    Scenario(GENERAL, C, 220, -190, inspection=True, closed_days_ago=200),
)
# The scenarios every county gets once: each state of the loop, an extension waiting, a listed hazard,
# an overdue one escalated to the city, plans and photos (the pages and the walk test need each).
EVERY_COUNTY = (0, 3, 5, 6, 7, 9)
# Then, on average, this many more hazards per enterprise, drawn from all the scenarios; an enterprise
# of a high-risk trade (one with major-hazard criteria, mines, fireworks) is drawn twice as often.
MORE_PER_ENTERPRISE = 0.6
HIGH_RISK = {
    enterprise_models.COAL_MINE,
    enterprise_models.HAZARDOUS_CHEMICALS,
    enterprise_models.NON_COAL_MINE,
    enterprise_models.FIREWORKS,
}
STRETCH = (0.6, 1.5)  # a drawn scenario's days are multiplied by a factor in this range

GENERAL_TITLES = (
    ("配电室应急照明灯损坏", "配电室"),
    ("消防通道堆放杂物", "厂区东侧消防通道"),
    ("灭火器压力不足未及时更换", "仓库"),
    ("安全警示标志缺失", "作业区入口"),
    ("员工安全培训记录不全", "安全管理部"),
    ("临时用电线路私拉乱接", "维修车间"),
    ("防护栏杆松动", "二层平台"),
    ("应急预案未按期演练", "安全管理部"),
)
MAJOR_TITLES = {
    enterprise_models.COAL_MINE: (
        ("回采工作面瓦斯浓度超限仍组织作业", "3101回采工作面", "coal-02"),
        ("主要通风机无备用、通风系统不可靠", "主通风机房", "coal-05"),
        ("探放水措施未落实即掘进", "2号掘进工作面", "coal-06"),
        ("矿井未实现双回路供电", "地面变电所", "coal-11"),
        ("超层越界开采", "8号煤层边界", "coal-07"),
        ("使用明令淘汰的设备", "运输大巷", "coal-10"),
    ),
    enterprise_models.HAZARDOUS_CHEMICALS: (
        ("可燃气体检测报警装置失效", "罐区", "chem-12"),
        ("特种作业人员未持证上岗", "装卸区", "chem-02"),
        ("安全阀未正常投用", "压力容器区", "chem-15"),
        ("动火作业未办理作业票", "检修现场", "chem-18"),
        ("危险化学品超量储存、禁配物质混存", "仓库", "chem-20"),
        ("未制定操作规程和工艺控制指标", "生产装置", "chem-17"),
    ),
}
# Major hazards of the trades without a judgment standard here, each of its own trade.
OTHER_MAJOR_TITLES = {
    enterprise_models.CONSTRUCTION: (
        ("深基坑支护变形未采取措施", "基坑"),
        ("高大模板支撑体系未经验收即浇筑", "3号楼"),
        ("起重机械未经检验即投入使用", "塔吊"),
    ),
    enterprise_models.GAS: (
        ("燃气调压站泄漏报警失效", "调压站"),
        ("储气罐区安全阀未定期校验", "储罐区"),
        ("燃气管道占压未处置", "中压管网"),
    ),
    enterprise_models.INDUSTRY_TRADE: (
        ("粉尘涉爆区域除尘系统未设锁气卸灰装置", "除尘器"),
        ("有限空间作业未进行气体检测", "污水池"),
        ("熔融金属吊运设备未使用冶金起重机", "炼钢车间"),
    ),
    enterprise_models.ROAD_TRANSPORT: (
        ("危险货物运输车辆卫星定位装置失效", "车队"),
        ("驾驶员连续驾驶超时未纠正", "调度室"),
        ("营运车辆未按期检验", "停车场"),
    ),
    enterprise_models.NON_COAL_MINE: (
        ("尾矿库排洪设施堵塞", "尾矿库"),
        ("地下采空区未按设计充填", "井下采空区"),
        ("露天边坡未按设计台阶开采", "采场边坡"),
    ),
    enterprise_models.FIREWORKS: (
        ("药物混合工房超量存药", "混药工房"),
        ("仓库防雷设施未经检测", "成品仓库"),
        ("危险品生产区超员作业", "装药工房"),
    ),
}
ANY_TRADE_MAJOR_TITLES = (("有限空间作业未进行气体检测", "污水池"), ("动火作业未办理作业票", "检修现场"))
PLAN = {
    "objectives": "彻底消除隐患，恢复安全生产条件，验收合格后申请销号",
    "measures": "1. 立即停止相关区域作业；2. 委托专业机构检测评估；3. 更换和修复设施设备；4. 组织内部验收",
    "interim_measures": "设置警戒区域并专人值守，每班检查，制定专项应急处置方案并组织演练",
}


def _png(rgb: tuple[int, int, int], width: int = 64, height: int = 48) -> bytes:
    """A small solid-color PNG, written by hand so the demo needs no image library."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    row = b"\x00" + bytes(rgb) * width
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(row * height))
        + chunk(b"IEND", b"")
    )


_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)
DEMO_FILES = {
    BEFORE: ("hazards/demo/site-before.png", "整改前现场照片.png", "image/png", _png((196, 120, 60))),
    AFTER: ("hazards/demo/site-after.png", "整改后现场照片.png", "image/png", _png((70, 150, 90))),
    DOCUMENT: ("hazards/demo/notice.pdf", "整改通知书.pdf", "application/pdf", _PDF),
}


def _moment(day: date, hour: int = 9) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=timezone.get_default_timezone())


def _stored(stage: str) -> str:
    name, _, _, content = DEMO_FILES[stage]
    if not default_storage.exists(name):
        name = default_storage.save(name, ContentFile(content))
    return name


@dataclass(frozen=True)
class Planned:
    """A demo hazard to create: where, its scenario (dates stretched), its title, its number in the county."""

    county: Region
    enterprise: Enterprise
    scenario: Scenario
    title: str
    location: str
    criterion: str
    number: int  # its place among the county's hazards (the listed document's number)


@register_demo_step(50, "隐患排查治理")
def build_hazards(context: DemoContext) -> None:
    city = Region.objects.get(code="140900")
    counties = list(Region.objects.filter(level=regioncodes.COUNTY, parent=city).order_by("code"))
    enterprises = {
        county.code: list(
            Enterprise.objects.filter(region__path__startswith=county.path)
            .select_related("region")
            .order_by("id")
        )
        for county in counties
    }
    admins = {user.username: user for user in User.objects.filter(username__startswith="demo-county-")}
    for planned in plan_hazards(context.rng, counties, enterprises, context.scale):
        admin = admins.get(f"demo-county-{planned.county.code}")
        _ensure_hazard(context, planned, admin)


def plan_hazards(
    rng: random.Random, counties: list[Region], enterprises: dict[str, list[Enterprise]], scale: int
) -> list[Planned]:
    """Every county's hazards: its set of EVERY_COUNTY per round of the scale, then the drawn ones.

    Drawn from `rng` only, in an order that does not depend on what the database already holds, so the
    same seed always plans the same hazards and a second run finds them all there.
    """
    weight = {
        e.pk: 2 if e.industry in HIGH_RISK else 1 for county in counties for e in enterprises[county.code]
    }
    titles: dict[int, set[str]] = {}
    planned: list[Planned] = []
    numbers: dict[str, int] = {}

    def add(
        county: Region, enterprise: Enterprise, scenario: Scenario, offset: int, round_number: int
    ) -> None:
        title, location, criterion = _title(
            enterprise, scenario, offset, titles.setdefault(enterprise.pk, set())
        )
        if round_number:
            title = f"{title}（{round_number + 1}）"
        numbers[county.code] = numbers.get(county.code, 0) + 1
        planned.append(
            Planned(county, enterprise, scenario, title, location, criterion, numbers[county.code])
        )

    for round_number in range(scale):
        for county_number, county in enumerate(counties):
            if not enterprises[county.code]:
                continue
            for index in EVERY_COUNTY:
                enterprise = _pick(enterprises[county.code], SCENARIOS[index], index + round_number)
                add(county, enterprise, SCENARIOS[index], county_number + index, round_number)
    # The scale already multiplies the enterprises, so these are drawn once.
    county_weights = [sum(weight[e.pk] for e in enterprises[county.code]) for county in counties]
    total = round(MORE_PER_ENTERPRISE * len(weight))
    for county, count in zip(counties, _shares(total, county_weights), strict=True):
        own = enterprises[county.code]
        for _ in range(count):
            enterprise = rng.choices(own, [weight[e.pk] for e in own])[0]
            scenario = _stretched(rng.choice(SCENARIOS), rng.uniform(*STRETCH))
            add(county, enterprise, scenario, rng.randrange(100), 0)
    return planned


def _shares(total: int, weights: list[int]) -> list[int]:
    """`total` split in proportion to `weights`, in whole numbers that add up to it (largest remainder)."""
    whole = sum(weights)
    if not whole:
        return [0] * len(weights)
    exact = [total * w / whole for w in weights]
    shares = [int(x) for x in exact]
    by_remainder = sorted(range(len(weights)), key=lambda i: (shares[i] - exact[i], i))
    for i in by_remainder[: total - sum(shares)]:
        shares[i] += 1
    return shares


def _stretched(scenario: Scenario, factor: float) -> Scenario:
    """The scenario with its days multiplied by `factor`, each staying on its side of today."""

    def days(value: int | None) -> int | None:
        if value is None or value == 0:
            return value
        scaled = round(value * factor)
        return max(scaled, 1) if value > 0 else min(scaled, -1)

    return replace(
        scenario,
        found_days_ago=days(scenario.found_days_ago) or 1,
        deadline_in_days=days(scenario.deadline_in_days),
        closed_days_ago=days(scenario.closed_days_ago),
    )


def _pick(enterprises: list[Enterprise], scenario: Scenario, number: int) -> Enterprise:
    if scenario.grade == MAJOR:
        risky = [e for e in enterprises if criteria_for(e.industry)] or enterprises
        return risky[number % len(risky)]
    return enterprises[number % len(enterprises)]


def _title(enterprise: Enterprise, scenario: Scenario, offset: int, used: set[str]) -> tuple[str, str, str]:
    """A title of the scenario's grade (and the enterprise's trade) that the enterprise has not used yet."""
    if scenario.grade == GENERAL:
        choices = [(title, location, "") for title, location in GENERAL_TITLES]
    elif enterprise.industry in MAJOR_TITLES:
        choices = list(MAJOR_TITLES[enterprise.industry])
    else:
        titles = OTHER_MAJOR_TITLES.get(enterprise.industry, ANY_TRADE_MAJOR_TITLES)
        choices = [(title, location, "") for title, location in titles]
    for turn in range(len(choices)):
        title, location, criterion = choices[(offset + turn) % len(choices)]
        if title not in used:
            used.add(title)
            return title, location, criterion
    title, location, criterion = choices[offset % len(choices)]
    repeat = 2
    while f"{title}（第{repeat}处）" in used:
        repeat += 1
    used.add(f"{title}（第{repeat}处）")
    return f"{title}（第{repeat}处）", location, criterion


def _ensure_hazard(context: DemoContext, planned: Planned, admin: User | None) -> None:
    county, enterprise, scenario = planned.county, planned.enterprise, planned.scenario
    title, location, criterion = planned.title, planned.location, planned.criterion
    officer = User.objects.filter(
        role=roles.ENTERPRISE_OFFICER, organization_id=enterprise.organization_id
    ).first()
    responsible = person_name(context.rng)
    funds = Decimal(context.rng.randrange(20, 900) * 1000)
    if Hazard.objects.filter(enterprise=enterprise, title=title).exists():
        return
    reporter = admin if scenario.inspection else officer
    found_on = demo_clock().today - timedelta(days=scenario.found_days_ago)
    deadline = (
        demo_clock().today + timedelta(days=scenario.deadline_in_days)
        if scenario.deadline_in_days is not None
        else None
    )
    hazard = Hazard.objects.create(
        enterprise=enterprise,
        title=title,
        location=location,
        description=f"{location}{title}，{'监管部门执法检查' if scenario.inspection else '企业自查'}发现。",
        source=INSPECTION if scenario.inspection else SELF_CHECK,
        grade=scenario.grade,
        criterion_code=criterion,
        status=scenario.status,
        found_on=found_on,
        reported_at=_moment(found_on, 10),
        reported_by=reporter,
        rectification_deadline=deadline,
    )
    steps: list[tuple[str, str, str, User | None, datetime, str]] = [
        (lifecycle.REPORT, "", R, reporter, _moment(found_on, 10), "")
    ]
    if scenario.plan:
        plan = RectificationPlan.objects.create(
            hazard=hazard,
            objectives=PLAN["objectives"],
            measures=PLAN["measures"],
            funds=funds,
            responsible_person=responsible,
            deadline=deadline or demo_clock().today + timedelta(days=45),
            interim_measures=PLAN["interim_measures"],
            updated_at=_moment(found_on + timedelta(days=1)),
            updated_by=officer,
        )
        audit.record(DEMO_ACTOR, "hazard.plan_saved", plan, after=audit.snapshot(plan))
        steps.append(
            (
                lifecycle.EDIT_PLAN,
                R,
                R,
                officer,
                _moment(found_on + timedelta(days=1)),
                f"治理时限 {plan.deadline:%Y-%m-%d}，经费 {plan.funds} 元",
            )
        )
    if scenario.status != R:
        steps.append(
            (
                lifecycle.START_RECTIFICATION,
                R,
                F,
                officer,
                _moment(found_on + timedelta(days=2)),
                f"整改期限 {deadline:%Y-%m-%d}",
            )
        )
    if scenario.listed and deadline is not None:
        listed_at = _moment(found_on + timedelta(days=3), 15)
        hazard.listed_at, hazard.listed_by_level, hazard.listed_deadline = (
            listed_at,
            lifecycle.COUNTY,
            deadline,
        )
        hazard.listed_document_number = f"{county.name[:2]}应急督〔{found_on.year}〕{planned.number}号"
        steps.append(
            (
                lifecycle.LIST_SUPERVISION,
                F,
                F,
                admin,
                listed_at,
                f"县级挂牌督办，文号 {hazard.listed_document_number}，期限 {deadline:%Y-%m-%d}",
            )
        )
    if (
        deadline is not None
        and deadline < demo_clock().today
        and scenario.status in lifecycle.DEADLINE_STATES
    ):
        hazard.is_overdue, hazard.overdue_at = True, due_at(deadline)
        hazard.supervising_level = lifecycle.escalated_level(scenario.grade == MAJOR, lifecycle.COUNTY)
        raised = "，升级由市级督办" if hazard.supervising_level == lifecycle.CITY else ""
        steps.append(
            (
                lifecycle.ESCALATE,
                F,
                F,
                None,
                due_at(deadline),
                f"超过整改期限 {deadline:%Y-%m-%d} 未完成整改{raised}",
            )
        )
    if scenario.status in (W, C):
        submitted = demo_clock().today - timedelta(days=(scenario.closed_days_ago or 0) + 3)
        steps.append((lifecycle.SUBMIT, F, W, officer, _moment(submitted, 16), "整改完成，申请验收"))
    if scenario.status == C and scenario.closed_days_ago is not None:
        closed_at = _moment(demo_clock().today - timedelta(days=scenario.closed_days_ago), 11)
        hazard.closed_at, hazard.closed_by = closed_at, admin
        steps.append((lifecycle.ACCEPT, W, C, admin, closed_at, "现场验收合格，予以销号"))
    hazard.save()
    for action, from_status, to_status, actor, at, note in steps:
        HazardTransition.objects.create(
            hazard=hazard,
            action=action,
            from_status=from_status,
            to_status=to_status,
            actor=actor,
            actor_name=str(actor) if actor else "system",
            note=note,
            at=at,
        )
    audit.record(DEMO_ACTOR, "hazard.reported", hazard, after=audit.snapshot(hazard))
    if scenario.extension_pending and deadline is not None:
        request = ExtensionRequest.objects.create(
            hazard=hazard,
            previous_deadline=deadline,
            requested_deadline=deadline + timedelta(days=30),
            reason="整改所需设备供货周期较长",
            status=PENDING,
            requested_by=officer,
            requested_at=_moment(demo_clock().today - timedelta(days=1)),
        )
        audit.record(DEMO_ACTOR, "hazard.extension_requested", request, after=audit.snapshot(request))
        HazardTransition.objects.create(
            hazard=hazard,
            action=lifecycle.REQUEST_EXTENSION,
            from_status=F,
            to_status=F,
            actor=officer,
            actor_name=str(officer) if officer else "system",
            at=request.requested_at,
            note=f"申请延期至 {request.requested_deadline:%Y-%m-%d}：{request.reason}",
        )
    if scenario.photos:
        stages = (
            [BEFORE] + ([AFTER] if scenario.status in (W, C) else []) + ([DOCUMENT] if scenario.plan else [])
        )
        for stage in stages:
            _, original, content_type, content = DEMO_FILES[stage]
            attachment = HazardAttachment(
                hazard=hazard,
                stage=stage,
                original_name=original,
                content_type=content_type,
                size=len(content),
                uploaded_by=officer,
                uploaded_at=_moment(found_on + timedelta(days=1), 11),
            )
            attachment.file.name = _stored(stage)
            attachment.save()
            audit.record(DEMO_ACTOR, "hazard.attachment_added", attachment, after=attachment.snapshot())
    if (
        deadline is not None
        and deadline >= demo_clock().today
        and scenario.status in lifecycle.DEADLINE_STATES
    ):
        jobs.schedule(OVERDUE, hazard, due_at(deadline))
