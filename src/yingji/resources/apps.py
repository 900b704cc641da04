from django.apps import AppConfig


class ResourcesConfig(AppConfig):
    """Emergency resources: rescue teams, equipment and vehicles, shelters, helipads, the nearest help."""

    name = "yingji.resources"
    label = "resources"
    verbose_name = "应急资源"

    def ready(self) -> None:
        from yingji.resources import checks, demo, registrations, services  # noqa: F401

        registrations.register_all()
