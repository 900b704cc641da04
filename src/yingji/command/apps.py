from django.apps import AppConfig


class CommandConfig(AppConfig):
    """Command and dispatch (指挥调度): so far the duty rota that decides who is told, and the accident
    grading and reporting clocks of 国务院令第493号, and incidents from intake to the command screen."""

    name = "yingji.command"
    label = "command"
    verbose_name = "指挥调度"

    def ready(self) -> None:
        from yingji.command import demo, incident_demo, incident_services, registrations, services  # noqa: F401

        registrations.register_all()
