from django.apps import AppConfig


class WarningsConfig(AppConfig):
    name = "yingji.warnings"
    label = "early_warnings"  # not "warnings", which reads as Python's module of that name
    verbose_name = "预警发布"
