"""Criteria for major accident hidden hazards (重大事故隐患判定标准) of coal mines and chemical enterprises.

Pure data with no Django import: the 15 categories of 煤矿重大事故隐患判定标准 (应急管理部令第4号, 2020)
and the 20 items of 化工和危险化学品生产经营单位重大生产安全事故隐患判定标准(试行) (安监总管三〔2017〕121号),
each summarised in our own words (shared/domain/STANDARDS.md §3.2–3.3). A hidden hazard that matches one
of them is a major hidden hazard (重大事故隐患) by rule, whatever its reporter thought.
"""

from __future__ import annotations

from dataclasses import dataclass

from yingji.core.labels import gettext_noop

COAL_MINE_STANDARD = gettext_noop("煤矿重大事故隐患判定标准（应急管理部令第4号，2020年）")
CHEMICAL_STANDARD = gettext_noop(
    "化工和危险化学品生产经营单位重大生产安全事故隐患判定标准（试行）（安监总管三〔2017〕121号）"
)
# For reference only: its 64 items (3 general, 47 by sector, 14 special) are not listed here yet.
INDUSTRY_TRADE_STANDARD = "工贸企业重大事故隐患判定标准（应急管理部令第10号，2023年）"

COAL_MINE = "coal_mine"
HAZARDOUS_CHEMICALS = "hazardous_chemicals"


@dataclass(frozen=True)
class Criterion:
    """One situation that the standard declares a major accident hidden hazard."""

    code: str
    industry: str
    number: int
    title: str
    standard: str


_COAL_TITLES = (
    gettext_noop("超能力、超强度或者超定员组织生产"),
    gettext_noop("瓦斯超限作业"),
    gettext_noop("煤与瓦斯突出矿井未依照规定实施防突出措施"),
    gettext_noop("高瓦斯、突出矿井未按规定建立或者未正常使用瓦斯抽采系统和监控系统"),
    gettext_noop("通风系统不完善、不可靠"),
    gettext_noop("有严重水患，未采取有效措施"),
    gettext_noop("超层越界开采"),
    gettext_noop("有冲击地压危险，未采取有效措施"),
    gettext_noop("自然发火严重，未采取有效措施"),
    gettext_noop("使用明令禁止使用或者淘汰的设备、工艺"),
    gettext_noop("煤矿没有双回路供电系统"),
    gettext_noop("新建煤矿边建设边生产，或改扩建期间在改扩建区域生产、超出设计规定范围组织生产"),
    gettext_noop(
        "承包、托管或出租后未重新取得（变更）安全生产许可证而生产，违规转包、分包，或井下采掘工作面和"
        "井巷维修作业劳务承包"
    ),
    gettext_noop(
        "改制、合并、分立期间未明确安全生产责任人和安全生产管理机构，或未依法重新取得（变更）有关证照而生产"
    ),
    gettext_noop("其他重大事故隐患"),
)

_CHEMICAL_TITLES = (
    gettext_noop("危险化学品生产、经营单位主要负责人和安全生产管理人员未依法经考核合格"),
    gettext_noop("特种作业人员未持证上岗"),
    gettext_noop("涉及“两重点一重大”的生产装置、储存设施外部安全防护距离不符合国家标准要求"),
    gettext_noop(
        "涉及重点监管危险化工工艺的装置未实现自动化控制，系统未实现紧急停车功能，或装备的自动化控制系统、"
        "紧急停车系统未投入使用"
    ),
    gettext_noop(
        "构成一级、二级重大危险源的危险化学品罐区未实现紧急切断功能；涉及毒性气体、液化气体、剧毒液体的"
        "一级、二级重大危险源罐区未配备独立的安全仪表系统"
    ),
    gettext_noop("全压力式液化烃储罐未按国家标准设置注水措施"),
    gettext_noop("液化烃、液氨、液氯等易燃易爆、有毒有害液化气体的充装未使用万向管道充装系统"),
    gettext_noop("光气、氯气、硫化氢等有毒气体管道穿（跨）越公共区域，或穿越厂区（园区）外的公共区域"),
    gettext_noop("地区架空电力线路穿越生产区且不符合国家标准要求"),
    gettext_noop("在役化工装置未经正规设计且未进行安全设计诊断"),
    gettext_noop("使用淘汰落后安全技术工艺、设备目录列出的工艺、设备"),
    gettext_noop(
        "涉及可燃和有毒有害气体泄漏的场所未按国家标准设置检测报警装置，爆炸危险场所未按国家标准安装使用防爆电气设备"
    ),
    gettext_noop("控制室或机柜间面向具有火灾、爆炸危险性装置一侧不满足国家标准关于防火防爆的要求"),
    gettext_noop("化工生产装置未按国家标准要求设置双重电源供电，自动化控制系统未设置不间断电源"),
    gettext_noop("安全阀、爆破片等安全附件未正常投用"),
    gettext_noop("未建立与岗位相匹配的全员安全生产责任制，或未制定实施生产安全事故隐患排查治理制度"),
    gettext_noop("未制定操作规程和工艺控制指标"),
    gettext_noop("未按国家标准制定动火、进入受限空间等特殊作业管理制度，或制度未有效执行"),
    gettext_noop(
        "新开发的危险化学品生产工艺未经小试、中试、工业化试验直接工业化生产；国内首次使用的化工工艺未经省级"
        "有关部门组织安全可靠性论证；新建装置未制定试生产方案投料开车；精细化工企业未按规范开展反应安全风险评估"
    ),
    gettext_noop("未按国家标准分区分类储存危险化学品，超量、超品种储存危险化学品，或相互禁配物质混放混存"),
)


def _criteria(prefix: str, industry: str, titles: tuple[str, ...], standard: str) -> tuple[Criterion, ...]:
    return tuple(
        Criterion(f"{prefix}-{n:02d}", industry, n, title, standard)
        for n, title in enumerate(titles, start=1)
    )


COAL_MINE_CRITERIA = _criteria("coal", COAL_MINE, _COAL_TITLES, COAL_MINE_STANDARD)
CHEMICAL_CRITERIA = _criteria("chem", HAZARDOUS_CHEMICALS, _CHEMICAL_TITLES, CHEMICAL_STANDARD)
_BY_INDUSTRY = {COAL_MINE: COAL_MINE_CRITERIA, HAZARDOUS_CHEMICALS: CHEMICAL_CRITERIA}
_BY_CODE = {c.code: c for c in (*COAL_MINE_CRITERIA, *CHEMICAL_CRITERIA)}


def criteria_for(industry: str) -> list[Criterion]:
    """The criteria of an industry (`coal_mine`, `hazardous_chemicals`); other industries have none here."""
    return list(_BY_INDUSTRY.get(industry, ()))


def find_criterion(code: str) -> Criterion | None:
    """The criterion with `code` (e.g. "coal-02"), or None."""
    return _BY_CODE.get(code)
