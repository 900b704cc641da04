from django.apps import AppConfig


class GeographyConfig(AppConfig):
    """Area shapes, point-in-area tests, the population grid: the geography every domain shares."""

    name = "yingji.geography"
    label = "geography"
    verbose_name = "地理"
