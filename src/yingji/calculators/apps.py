from django.apps import AppConfig


class CalculatorsConfig(AppConfig):
    """The standards' calculators (GB 18218-2018, LEC, LS) as a command and API, without stored state."""

    name = "yingji.calculators"
    verbose_name = "计算器"
