"""`yingji route --from LON,LAT --to LON,LAT [--json]`: the quickest road trip between two points."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from yingji.core.errors import DomainError
from yingji.geography.roads.service import travel_time


class Command(BaseCommand):
    help = "Travel minutes and km of the quickest road route between two points (docs/roads.md)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--from", dest="origin", required=True, metavar="LON,LAT")
        parser.add_argument("--to", dest="destination", required=True, metavar="LON,LAT")
        parser.add_argument("--json", action="store_true", help='print {"minutes": m, "km": k}')

    def handle(self, *args: Any, origin: str, destination: str, **options: Any) -> None:
        try:
            network, trip = travel_time(origin, destination)
        except DomainError as error:
            raise CommandError(error.message) from None
        if trip is None:
            raise CommandError("没有道路连通这两点 / No road joins the two points")
        if options["json"]:
            self.stdout.write(json.dumps({"minutes": round(trip.minutes, 2), "km": round(trip.km, 2)}))
        else:
            self.stdout.write(f"{trip.minutes:.1f} min, {trip.km:.1f} km ({network.name})")
