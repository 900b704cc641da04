from django.apps import AppConfig


class MonitoringConfig(AppConfig):
    name = "yingji.monitoring"
    verbose_name = "监测报警"

    def ready(self) -> None:
        from yingji.monitoring import alarms, demo, registrations  # noqa: F401  (handlers, checks, demo step)

        registrations.register_all()
