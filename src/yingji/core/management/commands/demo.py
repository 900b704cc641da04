"""`yingji demo`: build the deterministic Xinzhou demo dataset and print the demo accounts."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from yingji.core.demo import DEMO_PASSWORD, demo_accounts, demo_steps, run_demo
from yingji.core.models import User


class Command(BaseCommand):
    help = "Build the Xinzhou demo dataset (idempotent) and print the demo accounts."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--scale", type=int, default=1, help="size multiplier; 10 for benchmarks")
        parser.add_argument(
            "--seed", type=int, default=20211231, help="random seed; the same seed gives the same data"
        )
        parser.add_argument(
            "--if-empty", action="store_true", help="do nothing when the database already has users"
        )
        parser.add_argument("--quiet", action="store_true", help="no progress bar and no account list")
        parser.add_argument(
            "--now",
            help="the demo's clock: ISO time with offset (default now, or YINGJI_DEMO_NOW)",
        )

    def handle(
        self, *args: Any, scale: int, seed: int, if_empty: bool, quiet: bool, now: str | None, **options: Any
    ) -> None:
        if scale < 1:
            self.stderr.write("--scale must be at least 1")
            raise SystemExit(2)
        moment = parse_now(now) if now else None
        if if_empty and User.objects.exists():
            self.stdout.write("数据库已有数据，跳过演示数据 / database not empty, demo data skipped")
        else:
            with tqdm(total=len(demo_steps()), desc="演示数据", unit="步", disable=quiet) as bar:

                def progress(name: str) -> None:
                    bar.set_postfix_str(name)
                    bar.update(1)

                run_demo(scale, seed, progress, now=moment)
        if not quiet:
            self.print_accounts()

    def print_accounts(self) -> None:
        accounts = demo_accounts()
        self.stdout.write(f"\n演示账号 / demo accounts (password: {DEMO_PASSWORD})")
        for account in accounts:
            self.stdout.write(f"  {account['username']:<28} {account['role']:<10} {account['region']}")


def parse_now(text: str) -> datetime:
    """`--now`: an ISO time with its offset, within the years the platform accepts."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError as error:
        raise CommandError(f"--now: not an ISO time: {text!r}") from error
    if moment.tzinfo is None:
        raise CommandError(f"--now needs an offset, e.g. {text}+08:00")
    if not 2000 <= moment.year <= 2100:
        raise CommandError("--now must lie between 2000 and 2100")
    return moment
