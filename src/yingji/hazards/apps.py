from django.apps import AppConfig


class HazardsConfig(AppConfig):
    """Hidden hazards (隐患排查治理): the closed loop from report to 销号 under county and city supervision."""

    name = "yingji.hazards"
    verbose_name = "隐患排查治理"
