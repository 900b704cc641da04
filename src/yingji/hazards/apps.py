from django.apps import AppConfig


class HazardsConfig(AppConfig):
    """Hidden hazards (隐患排查治理): the loop from report to 销号 under county and city supervision."""

    name = "yingji.hazards"
    label = "hazards"
    verbose_name = "隐患排查治理"

    def ready(self) -> None:
        from django.utils.translation import gettext_noop

        from yingji.core.registry import NavItem, register_county_count, register_nav_item
        from yingji.enterprises.panels import EnterprisePanel, register_enterprise_panel
        from yingji.hazards import demo, demo_inbox, services, views  # noqa: F401 - demo steps, handlers
        from yingji.hazards.stats import open_hazards_by_county

        register_nav_item(NavItem("hazards:list", gettext_noop("隐患排查"), services.may_view, order=40))
        register_county_count("open_hazards", gettext_noop("未销号隐患"))(open_hazards_by_county)
        register_enterprise_panel(
            EnterprisePanel(
                "hazards",
                gettext_noop("隐患排查治理"),
                "hazards/_enterprise_panel.html",
                views.enterprise_panel,
                30,
            )
        )
