from django.apps import AppConfig


class RisksConfig(AppConfig):
    """Safety-risk graded control (安全风险分级管控): risk points, LEC/LS assessments, four-color maps."""

    name = "yingji.risks"
    label = "risks"
    verbose_name = "风险分级管控"

    def ready(self) -> None:
        from django.utils.translation import gettext_noop

        from yingji.core.registry import NavItem, count_by_county, register_county_count, register_nav_item
        from yingji.enterprises.panels import EnterprisePanel, register_enterprise_panel
        from yingji.risks import demo, demo_inbox, maplayer, services, views  # noqa: F401
        from yingji.risks.models import RiskPoint

        maplayer.register_layer()
        register_county_count("major_risks", gettext_noop("重大风险"))(
            lambda user: count_by_county(
                RiskPoint.objects.visible_to(user).filter(level="major"), "enterprise__region__path"
            )
        )
        register_nav_item(NavItem("risks:overview", gettext_noop("风险分级"), order=30))
        register_enterprise_panel(
            EnterprisePanel(
                key="risks",
                title=gettext_noop("安全风险分级管控"),
                template="risks/_enterprise_panel.html",
                context=views.enterprise_panel_context,
                order=10,
            )
        )
