from django.apps import AppConfig


class CoreConfig(AppConfig):
    """Regions, organizations, users, scoping, audit and the shared extension points."""

    name = "yingji.core"
    label = "core"
    verbose_name = "核心"

    def ready(self) -> None:
        from yingji.core import counts, maplayers, navigation, ratelimit  # noqa: F401 (registers its check)

        maplayers.register_core_layers()
        counts.register_core_counts()
        navigation.register_core_nav()
