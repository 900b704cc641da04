"""`yingji population-grid build [--region 140900] [--cell-km 1]`: (re)build the gridded population model."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from yingji.core.errors import DomainError
from yingji.geography import population


class Command(BaseCommand):
    help = "Spread each county's population over ~1 km cells (the model coverage is measured against)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["build"])
        parser.add_argument("--region", default=population.DEFAULT_REGION, help="city (or county) code")
        parser.add_argument("--cell-km", type=float, default=population.CELL_KM, help="cell side in km")

    def handle(self, *args: Any, action: str, region: str, cell_km: float, **options: Any) -> None:
        started = time.perf_counter()
        try:
            grid = population.build_grid(region, cell_km)
        except DomainError as error:
            raise CommandError(error.message) from None
        self.stdout.write(
            f"{grid.region_id}: {grid.rows} × {grid.cols} cells, {grid.total_people:,.0f} people "
            f"in {len(grid.county_codes)} counties ({time.perf_counter() - started:.1f} s)"
        )
