"""`yingji serve`: run Yingji under gunicorn with gthread workers (the production server)."""

from __future__ import annotations

import os
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    help = "Serve Yingji with gunicorn (gthread workers); HOST, PORT, WEB_WORKERS, WEB_THREADS configure it."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--port", default=os.environ.get("PORT", "8000"))
        parser.add_argument(
            "--workers", default=os.environ.get("WEB_WORKERS", str(max(2, (os.cpu_count() or 1))))
        )
        parser.add_argument("--threads", default=os.environ.get("WEB_THREADS", "8"))

    def handle(self, *args: Any, host: str, port: str, workers: str, threads: str, **options: Any) -> None:
        argv = [
            sys.executable,
            "-m",
            "gunicorn",
            "yingji.wsgi:application",
            "--bind",
            f"{host}:{port}",
            "--worker-class",
            "gthread",
            "--workers",
            workers,
            "--threads",
            threads,
            # Each worker listens on a socket of its own (SO_REUSEPORT) and the kernel spreads new
            # connections over them; on one shared socket, whichever worker woke first took a burst of
            # keep-alive connections and served them all on one core (docs/performance.md).
            "--reuse-port",
            "--forwarded-allow-ips",
            os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1"),
        ]
        if os.environ.get("WEB_ACCESS_LOG", "0") == "1":
            argv += ["--access-logfile", "-"]  # about 0.5 ms per request on the reference machine
        self.stdout.write(f"Yingji serving on http://{host}:{port} (gunicorn gthread, {workers}×{threads})")
        os.execv(sys.executable, argv)
