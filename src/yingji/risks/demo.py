"""Demo risk points: 3–8 per demo enterprise, named after what that industry really grades.

Likelihoods are drawn so that most points come out 一般 or 较大 and few 重大; some reassessment
dates lie before the demo's today (those points are due), the others are scheduled deadlines.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from yingji.core import audit, roles
from yingji.core.demo import DEMO_ACTOR, DemoContext, demo_clock, person_name, register_demo_step
from yingji.core.models import User
from yingji.enterprises import models as enterprises
from yingji.risks import grading, services
from yingji.risks.models import (
    ACTIVITY,
    DEFAULT_RESPONSIBLE_LEVEL,
    EQUIPMENT,
    LEC,
    LS,
    PLACE,
    ControlMeasure,
    RiskBanding,
    RiskPoint,
)


@dataclass(frozen=True)
class Template:
    """A typical risk point of an industry: exposure and consequence (LEC), severity (LS), two measures."""

    name: str
    kind: str
    location: str
    accidents: str
    e: float
    c: float
    s: int
    measures: tuple[tuple[str, str], ...]


def t(name: str, kind: str, location: str, accidents: str, e: float, c: float, s: int,
      *measures: tuple[str, str]) -> Template:  # fmt: skip
    return Template(name, kind, location, accidents, e, c, s, measures)


ENG, MAN, TRN, PPE, EMG = "engineering", "management", "training", "ppe", "emergency"

COAL = [
    t("综采工作面", PLACE, "井下综采工作面", "顶板事故、瓦斯爆炸、煤尘爆炸", 6, 40, 5,
      (ENG, "工作面安设甲烷传感器，瓦斯超限自动断电"), (MAN, "执行顶板分级管理和支护质量验收制度")),
    t("掘进工作面", PLACE, "井下掘进工作面", "冒顶片帮、瓦斯爆炸", 6, 40, 5,
      (ENG, "局部通风机实行双风机、双电源自动切换"), (MAN, "严格执行敲帮问顶和“有掘必探”制度")),
    t("主斜井提升", EQUIPMENT, "主斜井", "运输提升事故", 6, 15, 4,
      (ENG, "安设防跑车装置、断绳保护和过卷保护"), (MAN, "提升机司机持证上岗，一人操作一人监护")),
    t("瓦斯抽采泵站", EQUIPMENT, "地面瓦斯抽采泵站", "瓦斯爆炸、火灾", 6, 40, 5,
      (ENG, "抽采管路设置防回火、防爆炸和阻火装置"), (MAN, "泵站24小时值守，每班巡检记录")),
    t("井下中央变电所", PLACE, "井下中央变电所", "触电、火灾", 3, 15, 4,
      (ENG, "设置漏电、过流保护和向外开启的防火门"), (MAN, "执行停送电工作票和挂牌制度")),
    t("主通风机房", EQUIPMENT, "地面主通风机房", "瓦斯积聚、窒息", 6, 40, 5,
      (ENG, "主通风机一用一备，10分钟内可启动备用风机"), (MAN, "每季度检查反风设施，每年反风演习")),
    t("主运输带式输送机", EQUIPMENT, "主运输大巷", "机械伤害、火灾", 6, 7, 3,
      (ENG, "安设跑偏、打滑、堆煤、烟雾和温度保护"), (MAN, "检修时停电闭锁并悬挂警示牌")),
    t("井下爆破作业", ACTIVITY, "采掘工作面", "放炮事故、瓦斯爆炸", 3, 40, 5,
      (MAN, "执行“一炮三检”和“三人连锁爆破”制度"), (ENG, "使用煤矿许用炸药和毫秒延期电雷管")),
    t("探放水作业", ACTIVITY, "掘进工作面", "透水", 2, 40, 5,
      (MAN, "坚持有疑必探、先探后掘、先治后采"), (ENG, "配备专用探放水钻机和排水设备")),
]  # fmt: skip

NON_COAL = [
    t("尾矿库坝体", PLACE, "尾矿库", "溃坝、淹溺", 6, 40, 5,
      (ENG, "坝体安装位移和浸润线在线监测"), (MAN, "汛期实行24小时巡坝和库水位记录")),
    t("露天采场边坡", PLACE, "露天采场", "坍塌、高处坠落", 6, 15, 4,
      (ENG, "高陡边坡设置边坡雷达监测"), (MAN, "按设计台阶高度和坡面角开采")),
    t("露天爆破作业", ACTIVITY, "露天采场", "放炮事故", 3, 40, 5,
      (MAN, "爆破设置警戒区，专人警戒、统一信号"), (TRN, "爆破员持证上岗")),
    t("破碎车间", PLACE, "选矿厂破碎车间", "机械伤害、粉尘危害", 6, 7, 3,
      (ENG, "传动部位设置防护罩，设喷雾除尘"), (PPE, "佩戴防尘口罩和耳塞")),
    t("炸药库", PLACE, "民用爆炸物品库", "爆炸", 3, 40, 5,
      (ENG, "设置防雷、视频监控和入侵报警"), (MAN, "双人双锁，领退料登记")),
    t("矿用卡车运输", ACTIVITY, "矿区运输道路", "车辆伤害", 6, 15, 4,
      (ENG, "运输道路设置挡车墙和限速标志"), (MAN, "驾驶员班前酒精检测")),
    t("球磨机", EQUIPMENT, "选矿厂磨浮车间", "机械伤害", 6, 7, 3,
      (ENG, "安设急停和防护栏"), (MAN, "检修执行挂牌上锁")),
    t("总配电室", PLACE, "总配电室", "触电、火灾", 3, 15, 3,
      (ENG, "配电柜加装漏电保护，配备绝缘用具"), (MAN, "电工持证，倒闸操作票制度")),
]  # fmt: skip

CHEMICAL = [
    t("液氯储罐区", PLACE, "液氯罐区", "中毒和窒息、泄漏", 6, 40, 5,
      (ENG, "设置氯气检测报警并与事故氯吸收装置联锁"), (MAN, "罐区双人巡检，每两小时记录液位压力")),
    t("合成氨装置", EQUIPMENT, "合成车间", "火灾、爆炸、中毒", 10, 40, 5,
      (ENG, "装置设置SIS安全仪表系统和紧急切断阀"), (MAN, "严格执行工艺操作规程和工艺指标")),
    t("装卸站台", PLACE, "危险化学品装卸站台", "泄漏、火灾、中毒", 6, 15, 4,
      (ENG, "使用万向管道充装系统，设静电接地报警"), (MAN, "装卸作业专人监护，核对车辆资质")),
    t("焦炉", EQUIPMENT, "炼焦车间", "灼烫、煤气中毒", 10, 15, 4,
      (ENG, "炉顶及地下室设置一氧化碳检测报警"), (PPE, "炉顶作业佩戴便携式一氧化碳报警仪")),
    t("煤气柜", EQUIPMENT, "煤气净化区", "中毒、爆炸", 6, 40, 5,
      (ENG, "柜位设置高低限报警和放散联锁"), (MAN, "柜区禁止烟火，进入执行审批")),
    t("动火作业", ACTIVITY, "生产装置区", "火灾、爆炸", 3, 15, 4,
      (MAN, "执行特殊作业票证制度，动火分析合格后作业"), (EMG, "现场配备灭火器材并设专人监火")),
    t("受限空间作业", ACTIVITY, "塔器及储罐内部", "中毒和窒息", 2, 40, 5,
      (MAN, "先通风、再检测、后作业，专人监护"), (PPE, "配备正压式空气呼吸器和安全绳")),
    t("中央控制室", PLACE, "中央控制室", "火灾", 10, 3, 2,
      (ENG, "控制室抗爆设计，设置气体灭火"), (MAN, "实行双人值班和交接班制度")),
    t("污水处理站", PLACE, "污水处理站", "中毒和窒息", 3, 15, 3,
      (ENG, "设置硫化氢检测报警"), (MAN, "进入池体区域执行审批")),
]  # fmt: skip

GAS_STATION = [
    t("卸油作业", ACTIVITY, "卸油口", "火灾、爆炸", 3, 15, 4,
      (ENG, "卸油口设静电接地报警和油气回收"), (MAN, "卸油专人监护，静置15分钟后计量")),
    t("加油区", PLACE, "加油岛", "火灾", 10, 7, 3,
      (ENG, "加油机设紧急切断和拉断阀"), (MAN, "加油区禁止烟火、禁打手机，熄火加油")),
    t("油罐区", PLACE, "埋地油罐区", "火灾、爆炸", 6, 15, 4,
      (ENG, "双层油罐设渗漏在线监测"), (MAN, "每日量油并核对进销存")),
    t("配电间", PLACE, "站房配电间", "触电", 3, 7, 2,
      (ENG, "配电间防爆并设漏电保护"), (MAN, "非电工不得操作")),
    t("站房便利店", PLACE, "站房", "火灾", 10, 3, 2,
      (ENG, "配置烟感报警和灭火器"), (MAN, "易燃商品限量存放")),
    t("油罐清洗作业", ACTIVITY, "埋地油罐", "中毒和窒息、爆炸", 0.5, 40, 5,
      (MAN, "委托有资质单位清洗，作业前检测"), (PPE, "作业人员佩戴长管呼吸器")),
    t("发电机房", EQUIPMENT, "站房后侧", "火灾、机械伤害", 1, 7, 2,
      (ENG, "排烟管设阻火器"), (MAN, "每月试运行并记录")),
]  # fmt: skip

CONSTRUCTION = [
    t("深基坑", PLACE, "基坑", "坍塌", 6, 40, 5,
      (ENG, "按专项方案支护，设置位移和沉降监测点"), (MAN, "超过一定规模的危大工程方案经专家论证")),
    t("塔吊", EQUIPMENT, "施工现场", "起重伤害、倒塌", 6, 15, 4,
      (ENG, "安装塔机安全监控系统，力矩限制器有效"), (MAN, "司机、信号工、司索工持证上岗")),
    t("高处作业", ACTIVITY, "主体结构外围", "高处坠落", 6, 15, 4,
      (ENG, "临边洞口设防护栏杆和安全平网"), (PPE, "作业人员正确系挂安全带")),
    t("外脚手架", EQUIPMENT, "建筑外立面", "坍塌、高处坠落", 6, 15, 4,
      (ENG, "按方案搭设连墙件，验收合格挂牌"), (MAN, "每周检查，大风雨后复查")),
    t("施工临时用电", ACTIVITY, "施工现场", "触电", 6, 7, 3,
      (ENG, "三级配电两级保护，一机一闸一漏一箱"), (MAN, "电工每日巡检并记录")),
    t("高支模", EQUIPMENT, "高支模区域", "坍塌", 3, 40, 5,
      (ENG, "支撑体系按计算搭设，浇筑时监测变形"), (MAN, "浇筑时专人看护，发现异常立即撤人")),
    t("施工升降机", EQUIPMENT, "施工现场", "高处坠落、物体打击", 6, 15, 4,
      (ENG, "防坠安全器在有效标定期内"), (MAN, "司机持证，严禁超载")),
    t("电焊动火作业", ACTIVITY, "施工现场", "火灾、灼烫", 3, 7, 3,
      (MAN, "办理动火证，清理周边可燃物"), (EMG, "配备灭火器，专人看火")),
]  # fmt: skip

GAS = [
    t("LNG储罐区", PLACE, "燃气储配站", "火灾、爆炸", 6, 40, 5,
      (ENG, "储罐设液位、压力高限报警和紧急切断"), (MAN, "储配站24小时值守")),
    t("区域调压站", EQUIPMENT, "城区调压站", "泄漏、爆炸", 3, 15, 4,
      (ENG, "设置可燃气体报警和远程监控"), (MAN, "每周巡检，年度检修")),
    t("中压管网", EQUIPMENT, "城区中压管网", "泄漏、爆炸", 6, 40, 5,
      (ENG, "关键节点安装压力和泄漏监测"), (MAN, "开展管线巡线和第三方施工监护")),
    t("槽车卸液作业", ACTIVITY, "卸车台", "泄漏、火灾", 3, 15, 4,
      (ENG, "卸车台设静电接地和紧急切断"), (MAN, "卸车全程专人监护")),
    t("入户安检", ACTIVITY, "居民用户", "中毒、爆炸", 3, 7, 3,
      (MAN, "每年入户安检一次，隐患告知签字"), (TRN, "安检员持证上岗")),
    t("带气抢修作业", ACTIVITY, "管网抢修点", "火灾、爆炸", 2, 15, 4,
      (MAN, "执行抢修作业方案，设置警戒区"), (PPE, "使用防爆工具，穿防静电服")),
    t("加臭机房", PLACE, "储配站", "中毒", 3, 3, 2,
      (ENG, "加臭剂储存设围堰"), (MAN, "定期检测加臭浓度")),
]  # fmt: skip

INDUSTRY_TRADE = [
    t("中频熔炼炉", EQUIPMENT, "熔炼车间", "灼烫、爆炸", 10, 15, 4,
      (ENG, "炉体冷却水设断水、超温报警"), (MAN, "炉前及地坑保持干燥，严禁积水")),
    t("熔融金属吊运", ACTIVITY, "铸造车间", "起重伤害、灼烫", 6, 15, 4,
      (ENG, "使用冶金铸造起重机，设两套制动器"), (MAN, "吊运路线避开人员聚集区")),
    t("浇注作业", ACTIVITY, "浇注区", "灼烫", 6, 7, 3,
      (PPE, "佩戴防护面罩和隔热服"), (MAN, "浇注区设置警戒线")),
    t("除尘系统", EQUIPMENT, "抛丸打磨间", "粉尘爆炸", 6, 15, 4,
      (ENG, "除尘器设泄爆、隔爆装置"), (MAN, "每班清扫积尘并记录")),
    t("氨制冷机房", PLACE, "冷库机房", "中毒、爆炸", 6, 40, 5,
      (ENG, "设置氨气检测报警并与排风联锁"), (MAN, "机房实行24小时值班")),
    t("有限空间作业", ACTIVITY, "污水井及储罐", "中毒和窒息", 2, 40, 5,
      (MAN, "执行有限空间作业审批，先检测后作业"), (EMG, "配备救援三脚架和呼吸器")),
    t("叉车作业", ACTIVITY, "成品仓库", "车辆伤害", 6, 7, 3,
      (MAN, "叉车司机持证，限速行驶"), (ENG, "叉车加装倒车影像和蓝光警示灯")),
    t("变配电室", PLACE, "厂区变配电室", "触电", 3, 7, 2,
      (ENG, "配备绝缘垫和挡鼠板"), (MAN, "倒闸操作票制度")),
]  # fmt: skip

ROAD_TRANSPORT = [
    t("危险货物运输车辆", EQUIPMENT, "在途运输", "交通事故、泄漏", 10, 15, 4,
      (ENG, "车辆安装卫星定位和主动安全智能防控装置"), (MAN, "押运员随车，按核定路线行驶")),
    t("长途驾驶作业", ACTIVITY, "高速公路及国省道", "交通事故", 10, 15, 4,
      (MAN, "动态监控疲劳驾驶，连续驾驶不超过4小时"), (TRN, "驾驶员每月安全教育")),
    t("停车场", PLACE, "车辆停放场", "火灾、车辆伤害", 6, 7, 3,
      (ENG, "配置消防栓和灭火器"), (MAN, "危货车辆分区停放")),
    t("车辆维修车间", PLACE, "维修车间", "机械伤害、火灾", 6, 7, 3,
      (ENG, "举升机设防坠保护"), (MAN, "维修前断电、挂牌")),
    t("货物装卸作业", ACTIVITY, "装卸场地", "物体打击、车辆伤害", 6, 7, 3,
      (MAN, "装卸时车辆熄火、拉手刹，专人指挥"), (PPE, "佩戴安全帽和防砸鞋")),
    t("充电区", PLACE, "电动车辆充电区", "火灾", 6, 3, 2,
      (ENG, "设置视频监控和烟感报警"), (MAN, "充电时专人巡查")),
]  # fmt: skip

FIREWORKS = [
    t("成品仓库", PLACE, "1.3级成品库", "爆炸、火灾", 6, 40, 5,
      (ENG, "设防雷、视频监控和温湿度监测"), (MAN, "严格核定存量，严禁超量储存")),
    t("仓库装卸作业", ACTIVITY, "库区装卸点", "爆炸", 3, 40, 5,
      (MAN, "轻拿轻放，严禁抛掷和拖拉"), (TRN, "装卸人员专项培训")),
    t("配送车辆", EQUIPMENT, "配送线路", "爆炸、交通事故", 3, 15, 4,
      (ENG, "使用符合标准的爆炸品运输车"), (MAN, "按核定路线和时段配送")),
    t("库区防雷设施", EQUIPMENT, "库区", "雷击引发爆炸", 1, 40, 5,
      (ENG, "防雷装置每半年检测"), (MAN, "雷雨天气停止作业")),
    t("值班室", PLACE, "库区大门", "火灾", 10, 1, 1,
      (MAN, "值班室禁止使用明火取暖"), (EMG, "配备灭火器和应急照明")),
]  # fmt: skip

OTHER = [
    t("锅炉房", PLACE, "锅炉房", "锅炉爆炸、烫伤", 6, 15, 4,
      (ENG, "安全阀、压力表定期校验"), (MAN, "司炉工持证上岗")),
    t("配电室", PLACE, "配电室", "触电、火灾", 3, 7, 2,
      (ENG, "设漏电保护，配绝缘用具"), (MAN, "非电工不得操作")),
    t("食堂燃气", EQUIPMENT, "员工食堂", "火灾、爆炸", 6, 7, 3,
      (ENG, "安装燃气泄漏报警和切断阀"), (MAN, "每日下班关闭总阀")),
    t("电梯", EQUIPMENT, "办公楼", "坠落、挤压", 6, 7, 3,
      (MAN, "委托有资质单位维保，按期检验"), (EMG, "制定困人应急预案")),
    t("仓库", PLACE, "仓库", "火灾", 6, 7, 3,
      (ENG, "设置自动喷淋"), (MAN, "堆垛间距符合规定")),
]  # fmt: skip

GENERIC_MEASURES = [
    (TRN, "开展岗位安全操作规程培训和考核，持证上岗"),
    (EMG, "编制现场处置方案，每半年组织一次演练"),
    (PPE, "按规定配备并正确佩戴劳动防护用品"),
    (MAN, "设置岗位安全风险告知卡，班前进行安全确认"),
]

# Likelihood weights: most points are unlikely to go wrong, a few are likely (so few come out 重大).
LEC_L: list[tuple[float, float]] = [(0.5, 4), (1, 5), (3, 2.5), (6, 0.2)]
LS_L: list[tuple[float, float]] = [(1, 3), (2, 5), (3, 3), (4, 0.8), (5, 0.2)]
# One county shows a regional banding: 宁武县 grades LS points more strictly (20–25 / 10–16 / 4–9).
DEMO_BANDINGS = [("140925", LS, grading.Banding(major=20, significant=10, general=4))]


def templates_for(enterprise: enterprises.Enterprise) -> list[Template]:
    industry = enterprise.industry
    if industry == enterprises.HAZARDOUS_CHEMICALS:
        return GAS_STATION if "加油站" in enterprise.name else CHEMICAL
    return {
        enterprises.COAL_MINE: COAL,
        enterprises.NON_COAL_MINE: NON_COAL,
        enterprises.CONSTRUCTION: CONSTRUCTION,
        enterprises.GAS: GAS,
        enterprises.INDUSTRY_TRADE: INDUSTRY_TRADE,
        enterprises.ROAD_TRANSPORT: ROAD_TRANSPORT,
        enterprises.FIREWORKS: FIREWORKS,
    }.get(industry, OTHER)


def _weighted(context: DemoContext, choices: list[tuple[float, float]]) -> float:
    values, weights = zip(*choices, strict=True)
    return context.rng.choices(values, weights=weights)[0]


@register_demo_step(30, "风险点")
def build_risk_points(context: DemoContext) -> None:
    with transaction.atomic():
        bandings = _ensure_bandings()
        officers = dict(
            User.objects.filter(role=roles.ENTERPRISE_OFFICER, organization__enterprise__isnull=False)
            .order_by("-id")
            .values_list("organization_id", "id")
        )
        for enterprise in enterprises.Enterprise.objects.select_related("region").order_by("id"):
            _build_for(context, enterprise, bandings, officers.get(enterprise.organization_id))


def _ensure_bandings() -> dict[tuple[str, str], grading.Banding]:
    for region_code, method, banding in DEMO_BANDINGS:
        if not RiskBanding.objects.filter(region_id=region_code, method=method).exists():
            record = RiskBanding.objects.create(
                region_id=region_code, method=method, thresholds=banding.to_dict()
            )
            audit.record(
                DEMO_ACTOR, "risk_banding.set", record, after=audit.snapshot(record), region=record.region
            )
    return {(row.region_id, row.method): row.banding for row in RiskBanding.objects.all()}


def _build_for(context: DemoContext, enterprise: enterprises.Enterprise,
               bandings: dict[tuple[str, str], grading.Banding], officer_id: int | None) -> None:  # fmt: skip
    rng = context.rng
    templates = templates_for(enterprise)
    chosen = rng.sample(templates, rng.randint(3, min(8, len(templates))))
    method = LEC if rng.random() < 0.7 else LS
    existing = set(enterprise.risk_points.values_list("name", flat=True))
    for template in chosen:
        # Every draw happens whether or not the point exists, so a second run sees the same numbers.
        likelihood = _weighted(context, LEC_L if method == LEC else LS_L)
        days = rng.randint(-45, 330)
        person = person_name(rng)
        has_place = template.kind != ACTIVITY or rng.random() < 0.5
        offset = (rng.uniform(-0.0018, 0.0018), rng.uniform(-0.0012, 0.0012))
        extra = rng.sample(GENERIC_MEASURES, rng.randint(0, 2))
        if template.name in existing:
            continue
        factors = {"l": likelihood, "e": template.e, "c": template.c} if method == LEC else {
            "l": int(likelihood), "s": template.s}  # fmt: skip
        banding = services.nearest_banding(enterprise.region.path, method, bandings)
        result = services.assess(method, factors, banding)
        reassess_on = demo_clock().today + timedelta(days=days)
        located = has_place and enterprise.longitude is not None and enterprise.latitude is not None
        point = RiskPoint.objects.create(
            enterprise=enterprise, name=template.name, kind=template.kind, location=template.location,
            longitude=round(enterprise.longitude + offset[0], 6) if located else None,  # type: ignore[operator]
            latitude=round(enterprise.latitude + offset[1], 6) if located else None,  # type: ignore[operator]
            accident_types=template.accidents, method=method, factor_l=factors["l"],
            factor_e=factors.get("e"), factor_c=factors.get("c"), factor_s=factors.get("s"),
            score=result.score, level=result.level, color=result.color,
            assessed_at=datetime.combine(reassess_on - timedelta(days=365), services.DUE_TIME,
                                         tzinfo=timezone.get_default_timezone()),
            assessed_by_id=officer_id, reassess_on=reassess_on, reassessment_due=days <= 0,
            responsible_level=DEFAULT_RESPONSIBLE_LEVEL[result.level], responsible_person=person,
        )  # fmt: skip
        audit.record(DEMO_ACTOR, "risk_point.created", point, after=audit.snapshot(point))
        if days > 0:
            services.schedule_reassessment(point)
        for kind, description in (*template.measures, *extra):
            measure = ControlMeasure.objects.create(
                risk_point=point, kind=kind, description=description,
                responsible_level=point.responsible_level, responsible_person=person,
            )  # fmt: skip
            audit.record(DEMO_ACTOR, "control_measure.created", measure, after=audit.snapshot(measure))
