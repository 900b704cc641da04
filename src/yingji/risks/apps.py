from django.apps import AppConfig


class RisksConfig(AppConfig):
    """Safety-risk graded control (安全风险分级管控): risk points, LEC/LS assessments, four-color maps."""

    name = "yingji.risks"
    label = "risks"
    verbose_name = "风险分级管控"

    def ready(self) -> None:
        from yingji.risks import demo, demo_inbox, registrations, services  # noqa: F401 - demo steps, handlers

        registrations.register_all()
