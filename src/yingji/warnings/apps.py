from django.apps import AppConfig


class WarningsConfig(AppConfig):
    name = "yingji.warnings"
    label = "early_warnings"  # not "warnings", which reads as Python's module of that name
    verbose_name = "预警发布"

    def ready(self) -> None:
        # The expiry handler, the coverage and subscription-code checks, the demo step and the
        # listener that opens drafts from monitoring alarms register themselves on import.
        from yingji.warnings import (  # noqa: F401
            coverage,
            demo,
            drafts,
            registrations,
            services,
            subscription_codes,
        )

        registrations.register_all()
