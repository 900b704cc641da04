"""`yingji regions load [DIR]`: load an administrative tree (regions.csv + counties.geojson)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from yingji.core.regions_loader import BUNDLED_REGIONS, RegionDataError, load_regions, read_region_rows


class Command(BaseCommand):
    help = "Load or update administrative regions from a directory (default: the bundled Xinzhou data)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["load"])
        parser.add_argument("directory", nargs="?", type=Path, default=BUNDLED_REGIONS)

    def handle(self, *args: Any, action: str, directory: Path, **options: Any) -> None:
        if not (directory / "regions.csv").exists():
            raise CommandError(f"{directory} has no regions.csv")
        total = len(read_region_rows(directory))
        try:
            with tqdm(total=total, desc="行政区划", unit="个") as bar:
                count = load_regions(directory, progress=bar.update)
        except RegionDataError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(f"loaded {count} regions from {directory}")
