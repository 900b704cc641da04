from django.apps import AppConfig


class EnterprisesConfig(AppConfig):
    """The register of enterprises (生产经营单位) that every safety domain refers to."""

    name = "yingji.enterprises"
    verbose_name = "企业"

    def ready(self) -> None:
        from django.utils.translation import gettext_noop

        from yingji.core.registry import NavItem, count_by_county, register_county_count, register_nav_item
        from yingji.enterprises import demo  # noqa: F401 - registers the demo step
        from yingji.enterprises.models import Enterprise

        register_nav_item(NavItem("enterprises:list", gettext_noop("企业"), order=20))
        register_county_count("enterprises", gettext_noop("企业"))(
            lambda user: count_by_county(Enterprise.objects.visible_to(user))
        )
