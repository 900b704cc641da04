"""`yingji demo-live`: keep the demo's gateways reporting beside the server (`make run` starts it)."""

from __future__ import annotations

import signal
import threading
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DatabaseError, close_old_connections, connection
from django.utils import timezone

from yingji.monitoring import livefeed, simulate


class Command(BaseCommand):
    help = (
        "Feed the demo's sensors live, lightly (each about every half of its offline time, through the "
        "ingestion pipeline), with a methane spike or a pressure surge every 15 minutes, the first after "
        "90 s, so that the monitoring wall moves and alarms appear. Runs until SIGTERM or Ctrl-C, then marks "
        "the demo's sensors as paused so that no offline alarms follow. `make run` starts it beside the "
        "server unless DEMO_LIVE=0. Does nothing on a database without the demo's gateways."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--first-anomaly",
            type=float,
            default=livefeed.FIRST_ANOMALY_S,
            help=f"seconds before the first anomaly (default {livefeed.FIRST_ANOMALY_S})",
        )
        parser.add_argument(
            "--anomaly-every",
            type=float,
            default=livefeed.ANOMALY_EVERY_S,
            help=f"seconds between anomalies (default {livefeed.ANOMALY_EVERY_S}; 0: none)",
        )
        parser.add_argument(
            "--max-seconds", type=float, default=0.0, help="stop after this long (default 0: until stopped)"
        )
        parser.add_argument("--seed", type=int, default=1, help="random seed of values and anomalies")

    def handle(
        self,
        *args: Any,
        first_anomaly: float,
        anomaly_every: float,
        max_seconds: float,
        seed: int,
        **options: Any,
    ) -> None:
        if first_anomaly < 0 or anomaly_every < 0 or max_seconds < 0:
            raise CommandError(
                "时间参数不得为负 / --first-anomaly, --anomaly-every and --max-seconds must not be negative"
            )
        started = timezone.now()
        streams = simulate.demo_streams(started)
        if not streams:
            self.stdout.write(
                "没有演示传感器，不产生实时数据 / no demo sensors: the live feed has nothing to do"
            )
            return
        feed = livefeed.LiveFeed(
            streams,
            simulate.InProcessSender(),
            started,
            seed=seed,
            first_anomaly_s=first_anomaly,
            anomaly_every_s=anomaly_every,
        )
        self.describe(feed, first_anomaly, anomaly_every)
        self.stdout.flush()
        stop = threading.Event()
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_: stop.set())
        try:
            while not stop.is_set():
                _close_stale_connections()
                now = timezone.now()
                try:
                    step = feed.step(now)
                except DatabaseError as error:  # a busy database: this tick's readings are skipped
                    self.stderr.write(f"演示实时数据：本轮未写入 / live feed: tick skipped: {error}")
                else:
                    if step.anomaly:
                        self.stdout.write(
                            f"{timezone.localtime(now):%H:%M:%S} 演示异常 / demo anomaly: {step.anomaly}"
                        )
                        self.stdout.flush()  # to the terminal now, also when make pipes it
                if max_seconds and (timezone.now() - started).total_seconds() >= max_seconds:
                    break
                stop.wait(livefeed.TICK_S)
        finally:
            _close_stale_connections()
            paused = simulate.pause_demo_sensors()
            self.stdout.write(
                f"演示实时数据已停止，{paused} 个传感器暂停 / live demo feed stopped, {paused} sensors paused"
            )

    def describe(self, feed: livefeed.LiveFeed, first_anomaly: float, anomaly_every: float) -> None:
        gateways = len({stream.gateway_id for stream in feed.streams})
        per_hour = round(feed.readings_per_hour, -2)
        anomalies = (
            f"首个异常约 {first_anomaly:g} 秒后，此后每 {anomaly_every / 60:g} 分钟一个 / "
            f"first anomaly after {first_anomaly:g} s, then every {anomaly_every / 60:g} min"
            if anomaly_every
            else "不注入异常 / no anomalies"
        )
        self.stdout.write(
            f"演示实时数据：{len(feed.streams)} 个传感器、{gateways} 个网关，"
            f"每小时约 {per_hour:,.0f} 条读数；{anomalies}；DEMO_LIVE=0 make run 关闭 / "
            f"live demo feed: {len(feed.streams)} sensors, {gateways} gateways, "
            f"about {per_hour:,.0f} readings an hour"
        )


def _close_stale_connections() -> None:
    """Between ticks, drop a connection the database closed or that outlived its age, as a request
    would; not while a caller's transaction holds it (a test calling the command), which closing
    would end."""
    if not connection.in_atomic_block:
        close_old_connections()
