from django.apps import AppConfig


class MajorHazardsConfig(AppConfig):
    """Major hazard installations (重大危险源) identified and graded per GB 18218-2018."""

    name = "yingji.majorhazards"
    label = "majorhazards"
    verbose_name = "重大危险源"

    def ready(self) -> None:
        from yingji.majorhazards import demo, demo_inbox, registrations, services  # noqa: F401

        registrations.register_all()
