"""The reference tables a new installation starts from (the city edits them afterwards): headquarters
groups, what each kind of incident needs from the nearest help, and each category's measure checklist.

Subtypes are named as the Emergency Response Law's categories name them (危险化学品事故, 森林草原火灾…);
a blank subtype is the category's general row. Pure data, loaded by migration 0002.
"""

from __future__ import annotations

# (code, name, duties)
GROUP_KINDS = (
    ("coordination", "综合协调组", "信息汇总、上传下达、会议组织、督办落实"),
    ("rescue", "抢险救援组", "组织队伍开展搜救、灭火、堵漏、排险"),
    ("medical", "医疗救护组", "伤员救治、转运和卫生防疫"),
    ("security", "治安警戒组", "现场警戒、交通管制、疏散群众"),
    ("logistics", "后勤保障组", "物资、装备、交通、通信和生活保障"),
    ("publicity", "新闻宣传组", "信息发布、舆情引导和媒体接待"),
    ("aftermath", "善后处置组", "伤亡人员家属安抚、理赔和恢复重建"),
    ("monitoring", "监测研判组", "环境监测、气象水文和次生灾害研判"),
    ("experts", "专家组", "研判事态、提出处置建议"),
)

NATURAL, ACCIDENT, HEALTH, SECURITY = "natural", "accident", "public_health", "social_security"

# (category, subtype, team kinds, equipment kinds, chemical surroundings, aviation)
PROFILES = (
    (NATURAL, "", ("fire_station", "social"), (), False, False),
    (NATURAL, "洪涝", ("flood", "fire_station", "social"), ("boat", "pump"), False, False),
    (
        NATURAL,
        "地震",
        ("fire_station", "medical", "social"),
        ("excavator", "light_tower", "drone"),
        False,
        True,
    ),
    (NATURAL, "地质灾害", ("fire_station", "social"), ("excavator", "drone"), False, False),
    (NATURAL, "森林草原火灾", ("forest_fire", "fire_station"), ("drone",), False, True),
    (ACCIDENT, "", ("fire_station", "medical"), (), False, False),
    (ACCIDENT, "危险化学品事故", ("hazmat", "fire_station", "medical"), ("breathing", "drone"), True, False),
    (ACCIDENT, "矿山事故", ("mine_rescue", "medical"), ("breathing", "generator"), False, False),
    (ACCIDENT, "火灾", ("fire_station", "medical"), ("breathing",), False, False),
    (ACCIDENT, "道路交通事故", ("fire_station", "medical"), (), False, False),
    (ACCIDENT, "建筑施工事故", ("fire_station", "medical"), ("excavator",), False, False),
    (HEALTH, "", ("medical",), (), False, False),
    (SECURITY, "", ("fire_station", "medical"), (), False, False),
)

# (category, subtype, measure, group code, hours)
MEASURES = (
    (NATURAL, "", "核实灾情，统计受灾人口和伤亡情况", "coordination", 1),
    (NATURAL, "", "组织转移安置受威胁群众，开放避难场所", "security", 2),
    (NATURAL, "", "调拨救灾物资，保障受灾群众基本生活", "logistics", 4),
    (NATURAL, "洪涝", "加强水雨情监测，组织巡堤查险", "monitoring", 2),
    (NATURAL, "森林草原火灾", "划定火场警戒区，组织扑火队伍分段扑救", "rescue", 1),
    (NATURAL, "森林草原火灾", "申请航空护林直升机支援，落实起降点", "logistics", 2),
    (NATURAL, "地震", "组织废墟搜救，排查次生灾害隐患", "rescue", 1),
    (ACCIDENT, "", "核实事故情况，按规定时限逐级报告", "coordination", 1),
    (ACCIDENT, "", "组织救援队伍赶赴现场，开展人员搜救", "rescue", 1),
    (ACCIDENT, "", "救治和转运受伤人员", "medical", 2),
    (ACCIDENT, "", "设置警戒区，实施交通管制", "security", 1),
    (ACCIDENT, "", "统一发布事故信息，回应社会关切", "publicity", 4),
    (ACCIDENT, "危险化学品事故", "查明泄漏物质，开展大气和水体环境监测", "monitoring", 1),
    (ACCIDENT, "危险化学品事故", "按下风向划定疏散范围，组织周边群众转移", "security", 1),
    (ACCIDENT, "危险化学品事故", "组织专家研判，制定堵漏、洗消方案", "experts", 2),
    (ACCIDENT, "矿山事故", "核清井下人数，组织矿山救护队侦察", "rescue", 1),
    (HEALTH, "", "开展流行病学调查，落实隔离和救治措施", "medical", 2),
    (HEALTH, "", "统一发布信息，做好舆情引导", "publicity", 4),
    (SECURITY, "", "控制现场，疏散围观群众，维护秩序", "security", 1),
    (SECURITY, "", "救治受伤人员", "medical", 2),
)
