"""GB 18218-2018 危险化学品重大危险源辨识: identify major hazard units (S = Σq/Q ≥ 1) and grade them.

Pure rules with no Django import. Tables 1–4 and the exposure correction α are the standard's own
numbers (see shared/domain/STANDARDS.md §1). Arithmetic is exact (fractions of the decimal inputs),
so that S = 1 or R = 100 land on the boundary the standard draws, not a float's idea of it.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Literal

from yingji.core.labels import gettext_noop

STANDARD = "GB 18218-2018 危险化学品重大危险源辨识"

UnitKind = Literal["production", "storage"]
UNIT_KINDS: dict[str, str] = {"production": gettext_noop("生产单元"), "storage": gettext_noop("储存单元")}


class GB18218Error(ValueError):
    """Input that GB 18218-2018 cannot identify; the message is in Chinese and English."""

    def __init__(self, message: str, *, unit: str | None = None, substance: str | None = None):
        super().__init__(message)
        self.message = message
        self.unit = unit
        self.substance = substance


# Table 2: critical quantity Q (t) by hazard category (symbol → description, Q). ------------------

TABLE_2: dict[str, tuple[str, Fraction]] = {
    "J1": (gettext_noop("类别1急性毒性（所有暴露途径），气体"), Fraction(5)),
    "J2": (gettext_noop("类别1急性毒性（所有暴露途径），固体、液体"), Fraction(50)),
    "J3": (gettext_noop("类别2、类别3急性毒性（所有暴露途径），气体"), Fraction(50)),
    "J4": (gettext_noop("类别2、类别3急性毒性（吸入途径），沸点≤35 ℃的液体"), Fraction(50)),
    "J5": (gettext_noop("类别2急性毒性（所有暴露途径），液体（J4以外）、固体"), Fraction(500)),
    "W1.1": (gettext_noop("不稳定爆炸物，1.1项爆炸物"), Fraction(1)),
    "W1.2": (gettext_noop("1.2、1.3、1.5、1.6项爆炸物"), Fraction(10)),
    "W1.3": (gettext_noop("1.4项爆炸物"), Fraction(50)),
    "W2": (gettext_noop("类别1和类别2易燃气体"), Fraction(10)),
    "W3": (gettext_noop("类别1和类别2气溶胶（净含量）"), Fraction(150)),
    "W4": (gettext_noop("类别1氧化性气体"), Fraction(50)),
    "W5.1": (gettext_noop("类别1易燃液体；类别2和3工作温度高于沸点的易燃液体"), Fraction(10)),
    "W5.2": (
        gettext_noop("类别2和3易燃液体，具有特殊工艺条件（危险工艺、爆炸极限范围内、压力>1.6 MPa等）"),
        Fraction(50),
    ),
    "W5.3": (gettext_noop("不属于W5.1或W5.2的其他类别2易燃液体"), Fraction(1000)),
    "W5.4": (gettext_noop("不属于W5.1或W5.2的其他类别3易燃液体"), Fraction(5000)),
    "W6.1": (gettext_noop("A型和B型自反应物质和混合物"), Fraction(10)),
    "W6.2": (gettext_noop("C型、D型、E型自反应物质和混合物"), Fraction(50)),
    "W7.1": (gettext_noop("A型和B型有机过氧化物"), Fraction(10)),
    "W7.2": (gettext_noop("C型、D型、E型、F型有机过氧化物"), Fraction(50)),
    "W8": (gettext_noop("类别1自燃液体和类别1自燃固体"), Fraction(50)),
    "W9.1": (gettext_noop("类别1氧化性固体和液体"), Fraction(50)),
    "W9.2": (gettext_noop("类别2、类别3氧化性固体和液体"), Fraction(200)),
    "W10": (gettext_noop("类别1易燃固体"), Fraction(200)),
    "W11": (gettext_noop("类别1和类别2遇水放出易燃气体的物质和混合物"), Fraction(200)),
}

# Table 4: correction factor β by category, for substances not named in Table 3.
TABLE_4: dict[str, Fraction] = {
    "J1": Fraction(4),
    "J2": Fraction(1),
    "J3": Fraction(2),
    "J4": Fraction(2),
    "J5": Fraction(1),
    "W1.1": Fraction(2),
    "W1.2": Fraction(2),
    "W1.3": Fraction(2),
    "W2": Fraction(3, 2),
    "W3": Fraction(1),
    "W4": Fraction(1),
    "W5.1": Fraction(3, 2),
    "W5.2": Fraction(1),
    "W5.3": Fraction(1),
    "W5.4": Fraction(1),
    "W6.1": Fraction(3, 2),
    "W6.2": Fraction(1),
    "W7.1": Fraction(3, 2),
    "W7.2": Fraction(1),
    "W8": Fraction(1),
    "W9.1": Fraction(1),
    "W9.2": Fraction(1),
    "W10": Fraction(1),
    "W11": Fraction(1),
}

# Table 3: β of the named toxic gases, keyed by the Table 1 row number that holds each gas.
# 一氧化碳 has no row of its own: Table 1 row 13 (煤气: CO and its mixtures with H2, CH4) covers it.
TABLE_3: dict[int, tuple[str, Fraction]] = {
    13: ("一氧化碳", Fraction(2)),
    4: ("二氧化硫", Fraction(2)),
    1: ("氨", Fraction(2)),
    7: ("环氧乙烷", Fraction(2)),
    11: ("氯化氢", Fraction(3)),
    17: ("溴甲烷", Fraction(3)),
    12: ("氯", Fraction(4)),
    10: ("硫化氢", Fraction(5)),
    20: ("氟化氢", Fraction(5)),
    3: ("二氧化氮", Fraction(10)),
    25: ("氰化氢", Fraction(10)),
    6: ("碳酰氯", Fraction(20)),
    9: ("磷化氢", Fraction(20)),
    30: ("异氰酸甲酯", Fraction(20)),
}


# Table 1: the 85 named substances. -------------------------------------------------------------


@dataclass(frozen=True)
class NamedSubstance:
    """A row of Table 1: its critical quantity Q and the hazard category that sets its β (Table 4)."""

    no: int
    name: str
    aliases: tuple[str, ...]
    cas: tuple[str, ...]
    critical_t: Fraction
    category: str


def _row(no: int, name: str, aliases: str, cas: str, q: str, category: str) -> NamedSubstance:
    return NamedSubstance(
        no, name, tuple(aliases.split("|")) if aliases else (), tuple(cas.split()), Fraction(q), category
    )


# The category column is not part of Table 1; it is the GHS category that decides β when a row is
# not in Table 3. STANDARDS.md fixes it for flammable gases (W2) and explosives (W1.x); every row
# marked "chosen" is our reading of the substance's GHS classification (for Table-3 gases it never
# matters). A register entry with its own category overrides it (flammable liquids depend on the
# flash point and the process, §1.2).
TABLE_1: tuple[NamedSubstance, ...] = (
    _row(1, "氨", "液氨|氨气|ammonia", "7664-41-7", "10", "J3"),  # chosen; β from Table 3
    _row(2, "二氟化氧", "氟化氧|oxygen difluoride", "7783-41-7", "1", "J1"),  # chosen
    _row(3, "二氧化氮", "nitrogen dioxide", "10102-44-0", "1", "J3"),  # chosen; Table 3
    _row(4, "二氧化硫", "液态二氧化硫|sulfur dioxide", "7446-09-5", "20", "J3"),  # chosen; Table 3
    _row(5, "氟", "氟气|fluorine", "7782-41-4", "1", "J1"),  # chosen
    _row(6, "碳酰氯", "光气|phosgene", "75-44-5", "0.3", "J1"),  # chosen; Table 3
    _row(7, "环氧乙烷", "氧化乙烯|ethylene oxide", "75-21-8", "10", "J3"),  # chosen; Table 3
    _row(8, "甲醛(含量>90%)", "formaldehyde", "50-00-0", "5", "J3"),  # chosen
    _row(9, "磷化氢", "磷化三氢|膦|phosphine", "7803-51-2", "1", "J1"),  # chosen; Table 3
    _row(10, "硫化氢", "hydrogen sulfide", "7783-06-4", "5", "J3"),  # chosen; Table 3
    _row(11, "氯化氢(无水)", "氯化氢|hydrogen chloride", "7647-01-0", "20", "J3"),  # chosen; Table 3
    _row(12, "氯", "液氯|氯气|chlorine", "7782-50-5", "5", "J3"),  # chosen; Table 3
    # The row has no CAS in the standard; CO's own number is kept so that CO is found by it (Table 3).
    _row(
        13,
        "煤气(CO,CO和H2、CH4的混合物等)",
        "煤气|一氧化碳|焦炉煤气|水煤气|发生炉煤气|carbon monoxide",
        "630-08-0",
        "20",
        "W2",
    ),
    _row(14, "砷化氢", "砷化三氢|胂|arsine", "7784-42-1", "1", "J1"),  # chosen
    _row(15, "锑化氢", "锑化三氢|stibine", "7803-52-3", "1", "J1"),  # chosen
    _row(16, "硒化氢", "hydrogen selenide", "7783-07-5", "1", "J1"),  # chosen
    _row(17, "溴甲烷", "甲基溴|methyl bromide", "74-83-9", "10", "J3"),  # chosen; Table 3
    _row(18, "丙酮氰醇", "2-甲基-2-羟基丙腈|acetone cyanohydrin", "75-86-5", "20", "J2"),  # chosen
    _row(19, "丙烯醛", "烯丙醛|acrolein", "107-02-8", "20", "J2"),  # chosen
    _row(20, "氟化氢", "无水氟化氢|hydrogen fluoride", "7664-39-3", "1", "J3"),  # chosen; Table 3
    _row(21, "环氧氯丙烷", "3-氯-1,2-环氧丙烷|epichlorohydrin", "106-89-8", "20", "J5"),  # chosen
    _row(22, "3-溴-1,2-环氧丙烷", "环氧溴丙烷|epibromohydrin", "3132-64-7", "20", "J5"),  # chosen
    _row(23, "甲苯二异氰酸酯", "TDI|toluene diisocyanate", "26471-62-5", "100", "J5"),  # chosen
    _row(24, "一氯化硫", "二氯化二硫|sulfur monochloride", "10025-67-9", "1", "J2"),  # chosen
    _row(25, "氰化氢", "无水氢氰酸|hydrogen cyanide", "74-90-8", "1", "J1"),  # chosen; Table 3
    # Corrosive rather than acutely toxic in GHS; J5 gives the β of 1 that "other" substances take.
    _row(26, "三氧化硫", "硫酸酐|sulfur trioxide", "7446-11-9", "75", "J5"),  # chosen
    _row(27, "3-氨基丙烯", "烯丙胺|allylamine", "107-11-9", "20", "J5"),  # chosen
    _row(28, "溴", "液溴|bromine", "7726-95-6", "20", "J5"),  # chosen
    _row(29, "乙撑亚胺", "氮丙啶|吖丙啶|ethyleneimine|aziridine", "151-56-4", "20", "J2"),  # chosen
    _row(30, "异氰酸甲酯", "甲基异氰酸酯|methyl isocyanate", "624-83-9", "0.75", "J2"),  # chosen; Table 3
    _row(31, "叠氮化钡", "barium azide", "18810-58-7", "0.5", "W1.1"),
    _row(32, "叠氮化铅", "lead azide", "13424-46-9", "0.5", "W1.1"),
    _row(33, "雷汞", "雷酸汞|mercury fulminate", "628-86-4", "0.5", "W1.1"),
    _row(34, "三硝基苯甲醚", "trinitroanisole", "28653-16-9", "5", "W1.1"),
    _row(35, "2,4,6-三硝基甲苯", "三硝基甲苯|TNT", "118-96-7", "5", "W1.1"),
    _row(36, "硝化甘油", "硝酸甘油|nitroglycerin", "55-63-0", "1", "W1.1"),
    # Six nitrocellulose rows share one CAS number: the name must say which (see _lookup).
    _row(37, "硝化纤维素[干的或含水(或乙醇)<25%]", "", "9004-70-0", "1", "W1.1"),
    _row(38, "硝化纤维素(未改型的,或增塑的,含增塑剂<18%)", "", "9004-70-0", "1", "W1.1"),
    _row(39, "硝化纤维素(含乙醇≥25%)", "", "9004-70-0", "10", "W1.2"),
    _row(40, "硝化纤维素(含氮≤12.6%)", "", "9004-70-0", "50", "W1.3"),  # chosen: desensitized
    _row(41, "硝化纤维素(含水≥25%)", "", "9004-70-0", "50", "W1.3"),  # chosen: desensitized
    _row(42, "硝化纤维素溶液(含氮量≤12.6%,含硝化纤维素≤55%)", "", "9004-70-0", "50", "W5.1"),  # chosen
    # Three ammonium nitrate rows share one CAS number as well.
    _row(43, "硝酸铵(含可燃物>0.2%)", "", "6484-52-2", "5", "W1.1"),  # chosen: 1.1D explosive
    _row(44, "硝酸铵(含可燃物≤0.2%)", "", "6484-52-2", "50", "W9.2"),  # chosen: oxidizing solid cat.3
    _row(45, "硝酸铵肥料(含可燃物≤0.4%)", "", "6484-52-2", "200", "W9.2"),  # chosen
    _row(46, "硝酸钾", "potassium nitrate", "7757-79-1", "1000", "W9.2"),  # chosen
    _row(47, "1,3-丁二烯", "丁二烯|1,3-butadiene", "106-99-0", "5", "W2"),
    _row(48, "二甲醚", "甲醚|dimethyl ether", "115-10-6", "50", "W2"),
    _row(
        49, "甲烷,天然气", "甲烷|天然气|液化天然气|LNG|methane|natural gas", "74-82-8 8006-14-2", "50", "W2"
    ),
    _row(50, "氯乙烯", "乙烯基氯|vinyl chloride", "75-01-4", "50", "W2"),
    _row(51, "氢", "氢气|hydrogen", "1333-74-0", "5", "W2"),
    _row(
        52,
        "液化石油气(含丙烷、丁烷及其混合物)",
        "液化石油气|LPG|丙烷|丁烷|propane|butane",
        "68476-85-7 74-98-6 106-97-8",
        "50",
        "W2",
    ),
    _row(53, "一甲胺", "甲胺|methylamine", "74-89-5", "5", "W2"),  # chosen: flammable gas cat.1
    _row(54, "乙炔", "电石气|acetylene", "74-86-2", "1", "W2"),
    _row(55, "乙烯", "ethylene", "74-85-1", "50", "W2"),
    _row(56, "氧(压缩的或液化的)", "氧|氧气|液氧|oxygen", "7782-44-7", "200", "W4"),  # chosen
    # Flammable liquids: W5.1 for GHS category 1, W5.3 for category 2, W5.4 for category 3 (chosen
    # defaults for ordinary storage; the register's own category wins, §1.2).
    _row(57, "苯", "benzene", "71-43-2", "50", "W5.3"),
    _row(58, "苯乙烯", "styrene", "100-42-5", "500", "W5.4"),
    _row(59, "丙酮", "acetone", "67-64-1", "500", "W5.3"),
    _row(60, "丙烯腈", "acrylonitrile", "107-13-1", "50", "W5.3"),
    _row(61, "二硫化碳", "carbon disulfide", "75-15-0", "50", "W5.3"),
    _row(62, "环己烷", "cyclohexane", "110-82-7", "500", "W5.3"),
    _row(63, "1,2-环氧丙烷", "环氧丙烷|氧化丙烯|propylene oxide", "75-56-9", "10", "W5.1"),
    _row(64, "甲苯", "toluene", "108-88-3", "500", "W5.3"),
    _row(65, "甲醇", "methanol", "67-56-1", "500", "W5.3"),
    _row(66, "汽油(含乙醇汽油、甲醇汽油)", "汽油|乙醇汽油|甲醇汽油|gasoline", "86290-81-5", "200", "W5.3"),
    _row(67, "乙醇", "酒精|ethanol", "64-17-5", "500", "W5.3"),
    _row(68, "乙醚", "二乙醚|diethyl ether", "60-29-7", "10", "W5.1"),
    _row(69, "乙酸乙酯", "醋酸乙酯|ethyl acetate", "141-78-6", "500", "W5.3"),
    _row(70, "正己烷", "己烷|n-hexane", "110-54-3", "500", "W5.3"),
    _row(71, "过乙酸", "过氧乙酸|peracetic acid", "79-21-0", "10", "W7.1"),  # chosen
    _row(
        72,
        "过氧化甲基乙基酮(10%<有效氧含量≤10.7%,含A型稀释剂≥48%)",
        "过氧化甲乙酮|MEKP",
        "1338-23-4",
        "10",
        "W7.1",  # chosen: organic peroxide type B
    ),
    _row(73, "白磷", "黄磷|white phosphorus", "12185-10-3", "50", "W8"),
    _row(74, "烷基铝", "alkylaluminium", "", "1", "W8"),
    _row(75, "戊硼烷", "pentaborane", "19624-22-7", "1", "W8"),
    _row(76, "过氧化钾", "potassium peroxide", "17014-71-0", "20", "W9.1"),
    _row(77, "过氧化钠", "sodium peroxide", "1313-60-6", "20", "W9.1"),
    _row(78, "氯酸钾", "potassium chlorate", "3811-04-9", "100", "W9.1"),
    _row(79, "氯酸钠", "sodium chlorate", "7775-09-9", "100", "W9.1"),
    _row(80, "发烟硝酸", "fuming nitric acid", "52583-42-3", "20", "W9.1"),
    _row(81, "硝酸(发红烟的除外,含硝酸>70%)", "硝酸|nitric acid", "7697-37-2", "100", "W9.2"),  # chosen
    _row(82, "硝酸胍", "guanidine nitrate", "506-93-4", "50", "W9.2"),  # chosen
    _row(83, "碳化钙", "电石|calcium carbide", "75-20-7", "100", "W11"),
    _row(84, "钾", "金属钾|potassium", "7440-09-7", "1", "W11"),
    _row(85, "钠", "金属钠|sodium", "7440-23-5", "10", "W11"),
)

# Group names that stand for several rows with different Q: they must be qualified, never guessed.
_GROUP_NAMES = {
    "硝化纤维素": (37, 38, 39, 40, 41, 42),
    "硝化棉": (37, 38, 39, 40, 41, 42),
    "硝酸铵": (43, 44, 45),
}


def normalize_name(name: str) -> str:
    """A name as looked up: full-width forms folded (NFKC), spaces removed, letters case-folded."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", name)).casefold()


def _index() -> tuple[dict[str, list[NamedSubstance]], dict[str, list[NamedSubstance]]]:
    by_cas: dict[str, list[NamedSubstance]] = {}
    by_name: dict[str, list[NamedSubstance]] = {}
    rows = {row.no: row for row in TABLE_1}
    for row in TABLE_1:
        for number in row.cas:
            by_cas.setdefault(number, []).append(row)
        for name in {normalize_name(n) for n in (row.name, *row.aliases)}:
            by_name.setdefault(name, []).append(row)
    for group, numbers in _GROUP_NAMES.items():
        by_name[normalize_name(group)] = [rows[n] for n in numbers]
    return by_cas, by_name


_BY_CAS, _BY_NAME = _index()
_CAS_PATTERN = re.compile(r"^(\d{2,7})-(\d{2})-(\d)$")


def cas_is_valid(cas: str) -> bool:
    """Whether `cas` is written NNNNNNN-NN-N with a correct CAS Registry check digit."""
    match = _CAS_PATTERN.match(cas)
    if match is None:
        return False
    digits = (match.group(1) + match.group(2))[::-1]
    return sum(i * int(d) for i, d in enumerate(digits, start=1)) % 10 == int(match.group(3))


# α and the grade -------------------------------------------------------------------------------

# (minimum exposed population, α), highest first: people within 500 m outside the plant boundary.
ALPHA_STEPS: tuple[tuple[int, Fraction], ...] = (
    (100, Fraction(2)),
    (50, Fraction(3, 2)),
    (30, Fraction(6, 5)),
    (1, Fraction(1)),
    (0, Fraction(1, 2)),
)
# (minimum R, level), highest first.
LEVEL_STEPS: tuple[tuple[int, int], ...] = ((100, 1), (50, 2), (10, 3))
LEVEL_LABELS = {1: "一级", 2: "二级", 3: "三级", 4: "四级"}


def _alpha(exposed_population: int) -> Fraction:
    if isinstance(exposed_population, bool) or not isinstance(exposed_population, int):
        raise GB18218Error(
            f"暴露人数必须是整数：{exposed_population!r} / "
            f"The exposed population must be a whole number: {exposed_population!r}"
        )
    if exposed_population < 0:
        raise GB18218Error(
            f"暴露人数不能为负数：{exposed_population} / "
            f"The exposed population cannot be negative: {exposed_population}"
        )
    return next(alpha for minimum, alpha in ALPHA_STEPS if exposed_population >= minimum)


def alpha_for(exposed_population: int) -> float:
    """α for the number of people living within 500 m outside the plant boundary."""
    return float(_alpha(exposed_population))


def grade(r: float | Fraction) -> int:
    """The level (1 highest … 4) of a major hazard unit whose corrected ratio sum is `r`."""
    if isinstance(r, float) and not math.isfinite(r):
        raise GB18218Error(f"R 必须是有限数：{r} / R must be a finite number: {r}")
    if r < 0:
        raise GB18218Error(f"R 不能为负数：{r} / R cannot be negative: {r}")
    return next((level for minimum, level in LEVEL_STEPS if r >= minimum), 4)


# Identification --------------------------------------------------------------------------------


@dataclass(frozen=True)
class SubstanceInput:
    """One hazardous chemical in a unit: identified by CAS, by name, or by hazard category."""

    name: str | None = None
    cas: str | None = None
    category: str | None = None
    quantity_t: float = 0.0


@dataclass(frozen=True)
class UnitInput:
    """A production unit (bounded by shut-off valves) or a storage unit (fire dike or building)."""

    name: str
    kind: str
    substances: Sequence[SubstanceInput]


@dataclass(frozen=True)
class SubstanceResult:
    """How one substance was counted: which table gave Q and β, and its share q/Q."""

    label: str
    matched_by: Literal["table1", "table2"]
    table1_no: int | None
    category: str
    quantity_t: Fraction
    critical_t: Fraction
    beta: Fraction
    ratio: Fraction


@dataclass(frozen=True)
class UnitResult:
    """A unit's identification: S = Σq/Q, and R and level when S ≥ 1. Values are exact fractions."""

    name: str
    kind: str
    s: Fraction
    is_major: bool
    r: Fraction | None
    level: int | None
    substances: tuple[SubstanceResult, ...]


def _label(substance: SubstanceInput, index: int) -> str:
    return substance.name or substance.cas or substance.category or f"#{index + 1}"


def _quantity(unit: str, label: str, value: Any) -> Fraction:
    if isinstance(value, bool) or not isinstance(value, int | float | Fraction):
        raise GB18218Error(
            f"“{unit}”中“{label}”的数量不是数字：{value!r} / "
            f"The quantity of '{label}' in '{unit}' is not a number: {value!r}",
            unit=unit,
            substance=label,
        )
    if isinstance(value, float) and not math.isfinite(value):
        raise GB18218Error(
            f"“{unit}”中“{label}”的数量不是有限数：{value} / "
            f"The quantity of '{label}' in '{unit}' is not a finite number: {value}",
            unit=unit,
            substance=label,
        )
    if value < 0:
        raise GB18218Error(
            f"“{unit}”中“{label}”的数量不能为负数：{value} / "
            f"The quantity of '{label}' in '{unit}' cannot be negative: {value}",
            unit=unit,
            substance=label,
        )
    # repr() is the shortest decimal that round-trips: 0.3 counts as 3/10, not as the binary float.
    return Fraction(repr(value)) if isinstance(value, float) else Fraction(value)


def _category(unit: str, label: str, category: str | None) -> str | None:
    if category is None or not category.strip():
        return None
    symbol = category.strip().upper()
    if symbol not in TABLE_2:
        raise GB18218Error(
            f"“{unit}”中“{label}”的危险性类别“{category}”不在表2中（J1–J5、W1.1–W11） / "
            f"The hazard category '{category}' of '{label}' in '{unit}' is not in Table 2 (J1–J5, W1.1–W11)",
            unit=unit,
            substance=label,
        )
    return symbol


def _ambiguous(unit: str, label: str, rows: list[NamedSubstance]) -> GB18218Error:
    choices = "；".join(row.name for row in rows)
    return GB18218Error(
        f"“{unit}”中“{label}”在表1中对应多个临界量不同的条目，请写明具体名称：{choices} / "
        f"'{label}' in '{unit}' matches several Table 1 rows with different Q; name the row: {choices}",
        unit=unit,
        substance=label,
    )


def _lookup(unit: str, label: str, substance: SubstanceInput) -> NamedSubstance | None:
    """The Table 1 row of a substance: by CAS, else by name or alias; None if it is not named there."""
    by_name = _BY_NAME.get(normalize_name(substance.name)) if substance.name else None
    cas = substance.cas.strip() if substance.cas else ""
    if cas:
        if not cas_is_valid(cas):
            raise GB18218Error(
                f"“{unit}”中“{label}”的CAS号“{cas}”格式或校验位错误 / "
                f"The CAS number '{cas}' of '{label}' in '{unit}' is malformed or fails its check digit",
                unit=unit,
                substance=label,
            )
        by_cas = _BY_CAS.get(cas)
        if by_cas:
            if by_name and not set(by_name) & set(by_cas):
                raise GB18218Error(
                    f"“{unit}”中名称“{substance.name}”与CAS号“{cas}”指向表1中不同的物质 / "
                    f"In '{unit}', the name '{substance.name}' and CAS '{cas}' "
                    "are different Table 1 substances",
                    unit=unit,
                    substance=label,
                )
            candidates = [row for row in by_cas if not by_name or row in by_name]
            if len(candidates) > 1:
                raise _ambiguous(unit, label, by_cas)
            return candidates[0]
    if by_name:
        if len(by_name) > 1:
            raise _ambiguous(unit, label, by_name)
        return by_name[0]
    return None


def _substance(unit: str, index: int, substance: SubstanceInput) -> SubstanceResult:
    label = _label(substance, index)
    q = _quantity(unit, label, substance.quantity_t)
    category = _category(unit, label, substance.category)
    row = _lookup(unit, label, substance)
    if row is not None:
        category = category or row.category
        beta = TABLE_3[row.no][1] if row.no in TABLE_3 else TABLE_4[category]
        return SubstanceResult(label, "table1", row.no, category, q, row.critical_t, beta, q / row.critical_t)
    if category is None:
        raise GB18218Error(
            f"“{unit}”中的“{label}”不在表1中，也未给出危险性类别（表2），无法确定临界量 / "
            f"'{label}' in '{unit}' is not named in Table 1 and has no hazard category (Table 2): "
            "its critical quantity is unknown",
            unit=unit,
            substance=label,
        )
    critical = TABLE_2[category][1]
    return SubstanceResult(label, "table2", None, category, q, critical, TABLE_4[category], q / critical)


def identify_unit(unit: UnitInput, alpha: Fraction) -> UnitResult:
    """Identify and grade one unit given the installation's α."""
    name = unit.name
    if unit.kind not in UNIT_KINDS:
        raise GB18218Error(
            f"单元“{name}”的类型“{unit.kind}”无效，应为 production（生产单元）或 storage（储存单元） / "
            f"The kind '{unit.kind}' of unit '{name}' is invalid: use production or storage",
            unit=name,
        )
    if not unit.substances:
        raise GB18218Error(
            f"单元“{name}”没有危险化学品 / Unit '{name}' lists no hazardous chemicals", unit=name
        )
    details = tuple(_substance(name, i, substance) for i, substance in enumerate(unit.substances))
    s = sum((d.ratio for d in details), Fraction(0))
    if s < 1:
        return UnitResult(name, unit.kind, s, False, None, None, details)
    r = alpha * sum((d.beta * d.ratio for d in details), Fraction(0))
    return UnitResult(name, unit.kind, s, True, r, grade(r), details)


def identify_installation(units: Iterable[UnitInput], exposed_population: int) -> list[UnitResult]:
    """Identify every unit of an installation; α comes from the people within 500 m of its boundary."""
    alpha = _alpha(exposed_population)
    results = [identify_unit(unit, alpha) for unit in units]
    if not results:
        raise GB18218Error("没有任何单元 / No units were given")
    return results


def report_value(value: Fraction) -> float:
    """S or R for display: 2 decimals, rounded down so a shown 1.00 (or 10.00 …) always meets it."""
    return math.floor(value * 100) / 100


def unit_summary(result: UnitResult) -> dict[str, Any]:
    """The answer for one unit, as the API and the `calc` command give it."""
    return {
        "name": result.name,
        "s": report_value(result.s),
        "is_major": result.is_major,
        "r": None if result.r is None else report_value(result.r),
        "level": result.level,
    }
