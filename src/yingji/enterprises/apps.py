from django.apps import AppConfig


class EnterprisesConfig(AppConfig):
    """The register of enterprises (生产经营单位) that every safety domain refers to."""

    name = "yingji.enterprises"
    verbose_name = "企业"

    def ready(self) -> None:
        from yingji.enterprises import demo, registrations  # noqa: F401 - registers the demo step

        registrations.register_all()
