from django.apps import AppConfig


class MessagingConfig(AppConfig):
    """The one message outbox every domain queues into, its channels and the worker's drain."""

    name = "yingji.messaging"
    label = "messaging"
    verbose_name = "消息发送"

    def ready(self) -> None:
        # The worker's pass over the outbox registers itself on import, before any domain's checks.
        from yingji.messaging import delivery  # noqa: F401
