"""安全风险分级管控: LEC (D = L×E×C, Graham–Kinney) and the LS risk matrix (R = L×S), in four levels.

Pure rules with no Django import (shared/domain/STANDARDS.md §2). The four levels and their colours
follow 安委办〔2016〕11号: 重大 red, 较大 orange, 一般 yellow, 低 blue. How scores map to levels is not
uniform nationally, so the thresholds are a `Banding` that a region may store and change.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from yingji.core.labels import gettext_noop

STANDARD = "安全风险分级管控（安委办〔2016〕11号）；LEC 作业条件危险性评价法；LS 风险矩阵法"


class RiskGradingError(ValueError):
    """A factor or banding the method does not allow; the message is in Chinese and English."""


@dataclass(frozen=True)
class RiskLevel:
    """One of the four risk levels: machine key, Chinese label and display colour."""

    key: str
    label: str
    color: str
    color_label: str


MAJOR = RiskLevel("major", gettext_noop("重大"), "red", gettext_noop("红"))
SIGNIFICANT = RiskLevel("significant", gettext_noop("较大"), "orange", gettext_noop("橙"))
GENERAL = RiskLevel("general", gettext_noop("一般"), "yellow", gettext_noop("黄"))
LOW = RiskLevel("low", gettext_noop("低"), "blue", gettext_noop("蓝"))
LEVELS: tuple[RiskLevel, ...] = (MAJOR, SIGNIFICANT, GENERAL, LOW)
LEVELS_BY_KEY = {level.key: level for level in LEVELS}

# LEC factor values (value → meaning); any other value is not part of the method.
LEC_L: dict[str, str] = {
    "10": gettext_noop("完全可以预料"),
    "6": gettext_noop("相当可能"),
    "3": gettext_noop("可能，但不经常"),
    "1": gettext_noop("可能性小，完全意外"),
    "0.5": gettext_noop("很不可能，可以设想"),
    "0.2": gettext_noop("极不可能"),
    "0.1": gettext_noop("实际不可能"),
}
LEC_E: dict[str, str] = {
    "10": gettext_noop("连续暴露"),
    "6": gettext_noop("每天工作时间内暴露"),
    "3": gettext_noop("每周一次或偶然暴露"),
    "2": gettext_noop("每月一次暴露"),
    "1": gettext_noop("每年几次暴露"),
    "0.5": gettext_noop("非常罕见地暴露"),
}
LEC_C: dict[str, str] = {
    "100": gettext_noop("大灾难，许多人死亡"),
    "40": gettext_noop("灾难，数人死亡"),
    "15": gettext_noop("非常严重，一人死亡"),
    "7": gettext_noop("严重，重伤"),
    "3": gettext_noop("重大，致残"),
    "1": gettext_noop("引人注目，需要救护"),
}
LS_RANGE = range(1, 6)


@dataclass(frozen=True)
class Banding:
    """Minimum scores of the major, significant and general levels; a lower score is low risk."""

    major: float
    significant: float
    general: float

    def __post_init__(self) -> None:
        values = (self.major, self.significant, self.general)
        if any(isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v) for v in values):
            raise RiskGradingError(
                f"分级阈值必须是有限数字：{values} / The banding thresholds must be finite numbers: {values}"
            )
        if not self.major > self.significant > self.general > 0:
            raise RiskGradingError(
                f"分级阈值必须为正且严格递减（重大 > 较大 > 一般 > 0）：{values} / "
                "The thresholds must be positive and strictly decreasing "
                f"(major > significant > general > 0): {values}"
            )

    def level_for(self, score: float | Fraction) -> RiskLevel:
        """The level of `score`: each threshold belongs to the level it starts."""
        if score >= self.major:
            return MAJOR
        if score >= self.significant:
            return SIGNIFICANT
        if score >= self.general:
            return GENERAL
        return LOW

    def to_dict(self) -> dict[str, float]:
        """The banding as stored in a region's configuration."""
        return {"major": self.major, "significant": self.significant, "general": self.general}


def banding_from_dict(data: Any) -> Banding:
    """A banding from stored configuration `{"major", "significant", "general"}`, validated."""
    keys = {"major", "significant", "general"}
    if not isinstance(data, dict) or set(data) != keys:
        raise RiskGradingError(
            "分级阈值必须恰好包含 major、significant、general 三项 / "
            "A banding needs exactly the keys major, significant and general"
        )
    return Banding(major=data["major"], significant=data["significant"], general=data["general"])


DEFAULT_LEC_BANDING = Banding(major=320, significant=160, general=70)
DEFAULT_LS_BANDING = Banding(major=20, significant=15, general=9)


@dataclass(frozen=True)
class Assessment:
    """A graded risk: its score (D or R) and level, with the level's label and colour."""

    score: float
    level: str
    label: str
    color: str


def _assessment(score: Fraction, banding: Banding) -> Assessment:
    level = banding.level_for(score)
    value: float = score.numerator if score.denominator == 1 else float(score)
    return Assessment(value, level.key, level.label, level.color)


def _factor(name: str, value: Any, allowed: dict[str, str]) -> Fraction:
    choices = "、".join(allowed)
    valid = not isinstance(value, bool) and isinstance(value, int | float) and math.isfinite(value)
    exact = Fraction(repr(value)) if valid else None
    if exact is None or exact not in {Fraction(v) for v in allowed}:
        raise RiskGradingError(
            f"LEC 的 {name} 只能取 {choices}，收到 {value!r} / "
            f"LEC factor {name} must be one of {', '.join(allowed)}, got {value!r}"
        )
    return exact


# The parameters carry the methods' own letters (L, E, C, S), hence `l`.
def assess_lec(l: float, e: float, c: float, banding: Banding = DEFAULT_LEC_BANDING) -> Assessment:  # noqa: E741
    """D = L×E×C from the method's factor values, and its level."""
    d = _factor("L", l, LEC_L) * _factor("E", e, LEC_E) * _factor("C", c, LEC_C)
    return _assessment(d, banding)


def assess_ls(l: int, s: int, banding: Banding = DEFAULT_LS_BANDING) -> Assessment:  # noqa: E741
    """R = L×S on the 5×5 matrix (both integers 1–5), and its level."""
    for name, value in (("L", l), ("S", s)):
        if isinstance(value, bool) or not isinstance(value, int) or value not in LS_RANGE:
            raise RiskGradingError(
                f"风险矩阵的 {name} 必须是 1–5 的整数，收到 {value!r} / "
                f"Risk matrix {name} must be a whole number from 1 to 5, got {value!r}"
            )
    return _assessment(Fraction(l * s), banding)
