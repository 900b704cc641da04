from django.apps import AppConfig


class WarningsConfig(AppConfig):
    name = "yingji.warnings"
    label = "early_warnings"  # not "warnings", which reads as Python's module of that name
    verbose_name = "预警发布"

    def ready(self) -> None:
        # The expiry handler, the coverage check, the demo step and the listener that opens drafts
        # from monitoring alarms register themselves on import.
        from yingji.warnings import coverage, demo, drafts, registrations, services  # noqa: F401

        registrations.register_all()
