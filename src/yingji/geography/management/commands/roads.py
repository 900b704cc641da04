"""`yingji roads load FILE | --bundled [--winding-factor F]`, `yingji roads info`: the stored road network."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from yingji.core.errors import DomainError
from yingji.geography import roads


class Command(BaseCommand):
    help = "Load the road network travel times are searched on (GeoJSON road lines), or show it."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        load = actions.add_parser("load", help="replace the road network, in one transaction")
        load.add_argument(
            "file", nargs="?", type=Path, help="GeoJSON LineStrings (highway, maxspeed optional)"
        )
        load.add_argument("--bundled", action="store_true", help="the bundled Xinzhou network")
        load.add_argument(
            "--winding-factor",
            type=float,
            help="road length ÷ straight length (default 1.0 for a file, 1.25 for --bundled)",
        )
        load.add_argument("--name", default="", help="the network's name (default: the file's)")
        actions.add_parser("info", help="the network in use: nodes, edges, km")

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        if action == "info":
            self._info()
            return
        path, bundled = options.get("file"), options.get("bundled")
        if bool(path) == bool(bundled):
            raise CommandError("give a FILE or --bundled, not both / 请给出文件或 --bundled（二选一）")
        started = time.perf_counter()
        try:
            if path is None:
                roads.load_bundled(winding_factor=options.get("winding_factor"))
            else:
                roads.load_file(
                    path, winding_factor=options.get("winding_factor"), name=options.get("name", "")
                )
        except DomainError as error:
            raise CommandError(error.message) from None
        self.stdout.write(f"loaded in {time.perf_counter() - started:.1f} s")
        self._info()

    def _info(self) -> None:
        summary = roads.summary()
        where = "bundled, not loaded" if summary.bundled else f"loaded {summary.loaded_at:%Y-%m-%d %H:%M} UTC"
        self.stdout.write(
            f"{summary.name} ({where}): {summary.nodes:,} nodes, {summary.edges:,} edges, "
            f"{summary.km:,.0f} km (winding factor {summary.winding_factor:g})"
        )
