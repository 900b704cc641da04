"""`yingji demo`: build the deterministic Xinzhou demo dataset and print its main accounts.

`yingji demo accounts` lists every demo account (about two hundred: one per county, enterprise and role).
"""

from __future__ import annotations

import unicodedata
from datetime import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from yingji.core.demo import DEMO_PASSWORD, demo_accounts, demo_steps, run_demo
from yingji.core.models import User

# The accounts a newcomer starts with, one per kind of user, in the order of the README's table: the
# enterprise is the chemical plant of the monitoring story in 忻府区, the county the same county.
MAIN_ACCOUNTS = ("demo-city", "demo-county-140902", "demo-duty", "demo-ent-1", "demo-dept-housing")
ACCOUNTS_DOC = "docs/core.md"


class Command(BaseCommand):
    help = (
        "Build the Xinzhou demo dataset (idempotent) and print its main accounts; "
        "`yingji demo accounts` lists every demo account."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "what",
            nargs="?",
            choices=["accounts"],
            help="accounts: list every demo account and build nothing",
        )
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
        self,
        *args: Any,
        what: str | None,
        scale: int,
        seed: int,
        if_empty: bool,
        quiet: bool,
        now: str | None,
        **options: Any,
    ) -> None:
        if what == "accounts":
            self.print_all_accounts()
            return
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
            self.print_main_accounts()

    def print_main_accounts(self) -> None:
        """One account per kind of user, and where the others are listed."""
        found = User.objects.filter(username__in=MAIN_ACCOUNTS).select_related("region", "organization")
        users = {user.username: user for user in found}
        main = [users[name] for name in MAIN_ACCOUNTS if name in users]
        if not main:
            return
        self.stdout.write(f"\n演示账号 / demo accounts (password: {DEMO_PASSWORD})")
        for user in main:
            where = user.organization.name if user.organization else user.region.name
            self.stdout.write(f"  {user.username:<20} {pad(user.role_label, 16)}{where}")
        others = User.objects.filter(username__startswith="demo-").count() - len(main)
        self.stdout.write(
            f"其余 {others} 个演示账号（每个县、企业各有账号）：yingji demo accounts，说明见 {ACCOUNTS_DOC}\n"
            f"the other {others} demo accounts (one per county, enterprise and role): "
            f"yingji demo accounts; see {ACCOUNTS_DOC}"
        )

    def print_all_accounts(self) -> None:
        accounts = demo_accounts()
        if not accounts:
            raise CommandError("没有演示账号，请先运行 yingji demo / no demo accounts: run yingji demo first")
        self.stdout.write(f"演示账号 / demo accounts (password: {DEMO_PASSWORD})")
        for account in accounts:
            self.stdout.write(f"  {account['username']:<28} {pad(account['role'], 16)}{account['region']}")


def pad(text: str, width: int) -> str:
    """`text` padded with spaces to `width` terminal columns (a Chinese character takes two)."""
    columns = sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)
    return text + " " * max(width - columns, 1)


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
