"""GB/T 38565-2020 应急物资分类及编码: the structure of a material code, without Django.

A code has four levels in seven digits, `C MM SS DD`: the 大类 (one digit, 1 基本生活保障物资,
2 应急装备及配套物资, 3 工程材料与机械加工设备), then 中类, 小类 and 细类 of two digits each, 01–99,
where 99 is the catch-all (收容类目, "other") of its level. The standard's own table of codes was
not retrieved (shared/domain/STANDARDS.md §11): this module checks the structure only, and the
catalog shipped with the app (data/catalog.json) assigns plausible codes within it.
"""

from __future__ import annotations

from dataclasses import dataclass

from yingji.core.labels import gettext_noop

CATCH_ALL = "99"
TOP_CLASSES = {
    "1": gettext_noop("基本生活保障物资"),
    "2": gettext_noop("应急装备及配套物资"),
    "3": gettext_noop("工程材料与机械加工设备"),
}


class InvalidMaterialCode(ValueError):
    """A string that is not a GB/T 38565-2020 material code; `reason` says why in both languages."""

    def __init__(self, code: str, reason: str) -> None:
        super().__init__(f"{code!r}: {reason}")
        self.code = code
        self.reason = reason


@dataclass(frozen=True)
class MaterialCode:
    """A valid code split into its four levels."""

    top: str  # 大类, one digit
    middle: str  # 中类, two digits
    small: str  # 小类, two digits
    detail: str  # 细类, two digits

    @property
    def code(self) -> str:
        return f"{self.top}{self.middle}{self.small}{self.detail}"

    @property
    def is_catch_all(self) -> bool:
        """Whether any level is 99, the catch-all "other" of its parent."""
        return CATCH_ALL in (self.middle, self.small, self.detail)

    def prefixes(self) -> tuple[str, str, str, str]:
        """The codes of the 大类, 中类, 小类 and 细类 this code lies in (1, 3, 5 and 7 digits)."""
        code = self.code
        return code[:1], code[:3], code[:5], code


def parse(code: str) -> MaterialCode:
    """The levels of a seven-digit code, or InvalidMaterialCode naming what is wrong."""
    if not isinstance(code, str) or len(code) != 7 or not code.isascii() or not code.isdigit():
        raise InvalidMaterialCode(str(code), "须为7位数字 / must be 7 digits")
    top, middle, small, detail = code[0], code[1:3], code[3:5], code[5:7]
    if top not in TOP_CLASSES:
        raise InvalidMaterialCode(code, "大类须为 1、2 或 3 / the first digit must be 1, 2 or 3")
    for name, level in (("中类", middle), ("小类", small), ("细类", detail)):
        if level == "00":
            english = {"中类": "middle", "小类": "small", "细类": "detail"}[name]
            raise InvalidMaterialCode(code, f"{name}须为 01–99 / the {english} level must be 01–99")
    return MaterialCode(top, middle, small, detail)


def is_valid(code: str) -> bool:
    try:
        parse(code)
    except InvalidMaterialCode:
        return False
    return True


def top_class_label(code: str) -> str:
    """The 大类's name of a valid code ("基本生活保障物资"), untranslated."""
    return TOP_CLASSES[parse(code).top]
