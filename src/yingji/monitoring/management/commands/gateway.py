"""`yingji gateway create NAME --enterprise ID` (or `--region CODE`): a gateway and its key, printed once.

Also `yingji gateway list`, `yingji gateway rotate NAME` and `yingji gateway revoke NAME`. The
server's operator runs these; the key is stored only as its SHA-256, so keep what is printed.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from yingji.core.errors import DomainError
from yingji.monitoring import services
from yingji.monitoring.models import Gateway


class Command(BaseCommand):
    help = "Create, list, re-key or revoke the gateways that send readings (keys are printed once)."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        create = actions.add_parser("create", help="a new gateway and its key")
        create.add_argument("name", help="lowercase letters, digits, - or _ (the MQTT topic segment)")
        create.add_argument("--title", default="", help="a readable name, e.g. 某煤矿安全监控系统")
        owner = create.add_mutually_exclusive_group(required=True)
        owner.add_argument("--enterprise", type=int, help="id of the enterprise whose sensors it reports")
        owner.add_argument(
            "--region", help="region code of a monitoring network (e.g. a county's rain gauges)"
        )
        actions.add_parser("list", help="every gateway with its key hint and last report")
        for verb, text in (
            ("rotate", "a new key (the old one stops at once)"),
            ("revoke", "refuse its key from now on"),
        ):
            action = actions.add_parser(verb, help=text)
            action.add_argument("name")

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        try:
            getattr(self, f"_{action}")(**options)
        except DomainError as error:
            raise CommandError(error.message) from None

    def _create(self, name: str, title: str, enterprise: int | None, region: str | None, **_: Any) -> None:
        issued = services.create_gateway(
            None, name=name, title=title, enterprise_id=enterprise, region_code=region
        )
        self._print_key(issued)

    def _list(self, **_: Any) -> None:
        for gateway in Gateway.objects.select_related("enterprise").order_by("name"):
            owner = gateway.enterprise.name if gateway.enterprise else gateway.region_id
            state = "revoked" if gateway.revoked_at else f"last seen {gateway.last_seen_at or '—'}"
            self.stdout.write(
                f"{gateway.name}\t{gateway.hint}…\t{owner}\t{gateway.sensors.count()} sensors\t{state}"
            )

    def _gateway(self, name: str) -> Gateway:
        gateway = Gateway.objects.filter(name=name).first()
        if gateway is None:
            raise CommandError(f"no gateway named {name!r}")
        return gateway

    def _rotate(self, name: str, **_: Any) -> None:
        self._print_key(services.rotate_gateway_key(None, self._gateway(name).pk))

    def _revoke(self, name: str, **_: Any) -> None:
        services.revoke_gateway(None, self._gateway(name).pk)
        self.stdout.write(f"gateway {name} revoked")

    def _print_key(self, issued: services.IssuedGateway) -> None:
        self.stdout.write(f"gateway {issued.gateway.name} (id {issued.gateway.pk})")
        self.stdout.write(f"key: {issued.key}")
        self.stdout.write(
            "The key is shown only now; it is stored as a hash. Send it as 'Authorization: Bearer <key>'."
        )
