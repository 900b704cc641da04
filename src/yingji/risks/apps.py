from django.apps import AppConfig


class RisksConfig(AppConfig):
    """Safety-risk graded control (安全风险分级管控): risk points, LEC/LS assessments, four-color maps."""

    name = "yingji.risks"
    verbose_name = "风险分级管控"
