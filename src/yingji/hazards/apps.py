from django.apps import AppConfig


class HazardsConfig(AppConfig):
    """Hidden hazards (隐患排查治理): the loop from report to 销号 under county and city supervision."""

    name = "yingji.hazards"
    label = "hazards"
    verbose_name = "隐患排查治理"

    def ready(self) -> None:
        from yingji.hazards import demo, demo_inbox, registrations  # noqa: F401 - demo steps, handlers

        registrations.register_all()
