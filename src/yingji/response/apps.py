from django.apps import AppConfig


class ResponseConfig(AppConfig):
    """The response to an incident (应急响应): its level, headquarters, tasks, situation reports, the
    dispatch recommendation and the dispatch orders that send teams."""

    name = "yingji.response"
    label = "response"
    verbose_name = "应急响应"

    def ready(self) -> None:
        from yingji.response import demo, dispatch, registrations, services  # noqa: F401

        registrations.register_all()
