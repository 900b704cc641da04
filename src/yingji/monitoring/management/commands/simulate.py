"""`yingji simulate`: stream realistic readings with injected anomalies into the demo's sensors."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from yingji.monitoring import simulate


class Command(BaseCommand):
    help = (
        "Stream realistic readings into the demo's sensors, with an anomaly every few seconds (methane "
        "spike, pressure surge, rain burst, a sensor going silent), so that alarms appear, escalate and "
        "clear. Without --url it feeds the pipeline in-process on this database; with --url it posts to a "
        "running server, after issuing new keys to the demo gateways (keys are stored hashed, so only demo "
        "gateways, named demo-…, are used; the server must use this database). Stop with Ctrl-C."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--rate", type=float, default=200.0, help="readings per second (default 200)")
        parser.add_argument(
            "--seconds", type=float, default=60.0, help="how long to run (default 60; 0: until Ctrl-C)"
        )
        parser.add_argument("--url", default="", help="a running server, e.g. http://127.0.0.1:8000")
        parser.add_argument(
            "--anomaly-every",
            type=float,
            default=15.0,
            help="seconds between anomalies (default 15; 0: none)",
        )
        parser.add_argument("--seed", type=int, default=1, help="random seed of values and anomalies")

    def handle(
        self,
        *args: Any,
        rate: float,
        seconds: float,
        url: str,
        anomaly_every: float,
        seed: int,
        **options: Any,
    ) -> None:
        if rate <= 0 or seconds < 0 or anomaly_every < 0:
            raise CommandError(
                "--rate 须大于 0，--seconds 与 --anomaly-every 不得为负 / "
                "--rate must be above 0, --seconds and --anomaly-every not negative"
            )
        clock = simulate.RealClock()
        streams = simulate.demo_streams(clock.now())
        if not streams:
            raise CommandError(
                "没有可模拟的演示传感器，请先运行 yingji demo / no demo sensors: run `yingji demo` first"
            )
        try:
            sender: simulate.Sender = (
                simulate.HttpSender(url, simulate.issue_demo_keys({s.gateway_id for s in streams}))
                if url
                else simulate.InProcessSender()
            )
        except simulate.SimulateError as error:
            raise CommandError(str(error)) from None
        self.describe(streams, rate, url, clock.now())
        simulator = simulate.Simulator(
            streams,
            sender,
            rate=rate,
            anomaly_every_s=anomaly_every,
            seed=seed,
            clock=clock,
            report=self.stdout.write,
        )
        try:
            totals = simulator.run(seconds)
        except KeyboardInterrupt:
            totals = simulator.totals
            self.stdout.write("已停止 / stopped")
        except simulate.SimulateError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(
            f"共发送 {totals.sent} 条，接收 {totals.answer.accepted}，重复 {totals.answer.duplicates}，"
            f"拒绝 {totals.answer.rejected}，新报警 {totals.alarms} / sent {totals.sent}, "
            f"accepted {totals.answer.accepted}, alarms {totals.alarms}"
        )

    def describe(self, streams: list[simulate.Stream], rate: float, url: str, now: datetime) -> None:
        """What is about to happen, and the two ways it can disappoint."""
        gateways = len({stream.gateway_id for stream in streams})
        every_s = len(streams) / rate
        self.stdout.write(
            f"模拟 {len(streams)} 个传感器（{gateways} 个网关），每秒约 {rate:g} 条，"
            f"每个传感器约每 {every_s:.1f} 秒一条，"
            f"{'发送到 ' + url if url else '直接写入本库'} / simulating {len(streams)} sensors, each about "
            f"every {every_s:.1f} s; Ctrl-C stops"
        )
        shortest = min(stream.offline_after_s for stream in streams)
        if every_s > shortest / 2:
            self.stderr.write(
                f"注意：速率过低，部分传感器超过 {shortest} 秒无数据，运行中的 worker 会判其离线 / "
                f"at this rate some sensors stay silent longer than their offline time ({shortest} s)"
            )
        latest_ms = simulate.latest_demo_reading_ms()
        if latest_ms is not None and latest_ms > now.timestamp() * 1000:
            self.stderr.write(
                "注意：系统时间早于演示数据，读数将作为迟到读数存储，不会更新传感器状态 / "
                "the clock is behind the demo's latest readings: new ones are stored as late and move nothing"
            )
