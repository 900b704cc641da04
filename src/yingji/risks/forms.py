"""Forms of the risk pages: they check types and choices; the services decide everything else."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from yingji.core.forms import date_field
from yingji.risks import grading
from yingji.risks.models import (
    KIND_CHOICES,
    LEC,
    MEASURE_KIND_CHOICES,
    METHOD_CHOICES,
    RESPONSIBLE_LEVEL_CHOICES,
)

BLANK = [("", "—")]


def _factor_choices(table: dict[str, str]) -> list[tuple[str, Any]]:
    """The method's factor values with their meanings (marked in grading.py), in the reader's language."""
    return BLANK + [(value, format_lazy("{} — {}", value, _(meaning))) for value, meaning in table.items()]


LS_L_CHOICES = [
    *BLANK,
    ("5", _("5 — 无防范控制措施，经常发生")),
    ("4", _("4 — 措施不完善，可能发生")),
    ("3", _("3 — 措施不落实，偶尔发生")),
    ("2", _("2 — 措施基本有效，极少发生")),
    ("1", _("1 — 措施完善有效，几乎不可能发生")),
]
LS_S_CHOICES = [
    *BLANK,
    ("5", _("5 — 死亡，或经济损失≥100万元")),
    ("4", _("4 — 致残，或经济损失≥50万元")),
    ("3", _("3 — 骨折等重伤，或经济损失≥1万元")),
    ("2", _("2 — 轻伤，或经济损失<1万元")),
    ("1", _("1 — 无伤亡")),
]


class FactorFields(forms.Form):
    """The method and its factors, offered as the method's own tables."""

    method = forms.ChoiceField(label=_("评价方法"), choices=METHOD_CHOICES, initial=LEC)
    lec_l = forms.TypedChoiceField(
        label=_("L 事故发生的可能性"), choices=_factor_choices(grading.LEC_L), coerce=float, required=False
    )
    lec_e = forms.TypedChoiceField(
        label=_("E 暴露于危险环境的频繁程度"),
        choices=_factor_choices(grading.LEC_E),
        coerce=float,
        required=False,
    )
    lec_c = forms.TypedChoiceField(
        label=_("C 发生事故的后果"), choices=_factor_choices(grading.LEC_C), coerce=float, required=False
    )
    ls_l = forms.TypedChoiceField(label=_("L 可能性"), choices=LS_L_CHOICES, coerce=int, required=False)
    ls_s = forms.TypedChoiceField(label=_("S 后果严重性"), choices=LS_S_CHOICES, coerce=int, required=False)

    def factors(self) -> dict[str, Any]:
        """{"method", "l", "e", "c", "s"} for the service, from the chosen method's fields only."""
        data = self.cleaned_data
        if data["method"] == LEC:
            return {"method": LEC, "l": data.get("lec_l"), "e": data.get("lec_e"), "c": data.get("lec_c")}
        return {"method": data["method"], "l": data.get("ls_l"), "s": data.get("ls_s")}

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        wanted = ("lec_l", "lec_e", "lec_c") if cleaned.get("method") == LEC else ("ls_l", "ls_s")
        for name in wanted:
            if cleaned.get(name) in (None, ""):
                self.add_error(name, _("请选择"))
        return cleaned

    def initial_from(self, point: Any) -> None:
        self.initial.update({"method": point.method})
        if point.method == LEC:
            self.initial.update({"lec_l": f"{point.factor_l:g}", "lec_e": f"{point.factor_e:g}",
                                 "lec_c": f"{point.factor_c:g}"})  # fmt: skip
        else:
            self.initial.update({"ls_l": str(int(point.factor_l)), "ls_s": str(point.factor_s)})


ORDER = ["enterprise", "name", "kind", "location", "accident_types", "longitude", "latitude",
         "responsible_level", "responsible_person", "reassess_on", "method"]  # fmt: skip


class RiskPointForm(FactorFields):
    enterprise = forms.TypedChoiceField(label=_("企业"), coerce=int)
    name = forms.CharField(label=_("风险点名称"), max_length=100)
    kind = forms.ChoiceField(label=_("类型"), choices=KIND_CHOICES)
    location = forms.CharField(label=_("所在位置"), max_length=200, required=False)
    accident_types = forms.CharField(label=_("可能导致的事故类型"), max_length=200, required=False)
    longitude = forms.FloatField(label=_("经度"), required=False, min_value=-180, max_value=180)
    latitude = forms.FloatField(label=_("纬度"), required=False, min_value=-90, max_value=90)
    responsible_level = forms.ChoiceField(
        label=_("管控层级"), choices=[("", _("按风险等级确定")), *RESPONSIBLE_LEVEL_CHOICES], required=False
    )
    responsible_person = forms.CharField(label=_("管控责任人"), max_length=64, required=False)
    reassess_on = date_field(_("下次评价日期"), required=False)

    def __init__(self, *args: Any, enterprises: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["enterprise"].choices = enterprises  # type: ignore[attr-defined]
        self.order_fields(ORDER)

    def service_fields(self) -> dict[str, Any]:
        data = self.cleaned_data
        fields = {name: data.get(name) for name in (
            "name", "kind", "location", "accident_types", "longitude", "latitude", "responsible_person",
            "reassess_on")}  # fmt: skip
        fields["responsible_level"] = data.get("responsible_level") or None
        return {"enterprise_id": data["enterprise"], **fields, **self.factors()}


class RiskPointEditForm(forms.Form):
    name = forms.CharField(label=_("风险点名称"), max_length=100)
    kind = forms.ChoiceField(label=_("类型"), choices=KIND_CHOICES)
    location = forms.CharField(label=_("所在位置"), max_length=200, required=False)
    accident_types = forms.CharField(label=_("可能导致的事故类型"), max_length=200, required=False)
    longitude = forms.FloatField(label=_("经度"), required=False, min_value=-180, max_value=180)
    latitude = forms.FloatField(label=_("纬度"), required=False, min_value=-90, max_value=90)
    responsible_level = forms.ChoiceField(label=_("管控层级"), choices=RESPONSIBLE_LEVEL_CHOICES)
    responsible_person = forms.CharField(label=_("管控责任人"), max_length=64, required=False)
    reassess_on = date_field(_("下次评价日期"), required=False)


class AssessForm(FactorFields):
    reassess_on = date_field(_("下次评价日期"), required=False)


class MeasureForm(forms.Form):
    kind = forms.ChoiceField(label=_("措施类别"), choices=MEASURE_KIND_CHOICES)
    description = forms.CharField(label=_("措施内容"), max_length=500)
    responsible_level = forms.ChoiceField(label=_("管控层级"), choices=RESPONSIBLE_LEVEL_CHOICES)
    responsible_person = forms.CharField(label=_("责任人"), max_length=64, required=False)


class BandingForm(forms.Form):
    region = forms.ChoiceField(label=_("行政区划"))
    method = forms.ChoiceField(label=_("评价方法"), choices=METHOD_CHOICES)
    major = forms.FloatField(label=_("重大风险下限"), min_value=0)
    significant = forms.FloatField(label=_("较大风险下限"), min_value=0)
    general = forms.FloatField(label=_("一般风险下限"), min_value=0)

    def __init__(self, *args: Any, regions: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = regions  # type: ignore[attr-defined]
