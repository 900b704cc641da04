from django.apps import AppConfig


class MaterialsConfig(AppConfig):
    """Emergency materials (应急物资): catalog, reserves, stock ledger, requests and transport."""

    name = "yingji.materials"
    label = "materials"
    verbose_name = "应急物资"

    def ready(self) -> None:
        from yingji.materials import checks, demo, registrations, services  # noqa: F401

        registrations.register_all()
