"""The demo's live feed: while `make run` serves, the demo's gateways keep reporting, lightly.

The demo's history ends the moment it is loaded; without new readings every sensor is offline and the
monitoring wall looks dead. The feed continues each demo sensor from its latest value (the simulator's
streams, simulate.py) the way a gateway that polls it would report: each sensor about every half of its
offline time (gas detectors every minute, tank, pressure and temperature gauges every two minutes,
rain, river, slope and humidity gauges every five), each gateway's readings in one batch through the
same pipeline as `POST /api/v1/monitoring/readings`. So sensors stay online and their values move.

The first anomaly comes a minute and a half after the start, then one every fifteen minutes, in turn a
methane spike at a coal mine and a pressure surge at a plant: each raises a red alarm within seconds
(and a yellow one for the rate of change), which the wall shows, the worker notifies, and which clears
itself after five normal minutes. Rain bursts and silences, which open warning drafts and offline alarms
that last, are left to `yingji simulate`.

At scale 1 this is about 27,000 readings an hour (measured in docs/monitoring.md); raw readings are
trimmed after MONITORING_RAW_RETENTION_DAYS like any others.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from yingji.monitoring.simulate import (
    ANOMALY_LABELS,
    METHANE_SPIKE,
    PRESSURE_SURGE,
    Sender,
    Stream,
    add_reading,
    start_anomaly,
)

TICK_S = 5  # how often the feed wakes; an anomalous sensor reports at every tick
REPORT_STEPS_S = (
    60,
    120,
    300,
)  # the polling intervals a sensor is given (the longest under half its offline time)
FIRST_ANOMALY_S = 90
ANOMALY_EVERY_S = 15 * 60
ANOMALY_CYCLE = (METHANE_SPIKE, PRESSURE_SURGE)


def report_every_s(offline_after_s: int) -> float:
    """How often a sensor reports: the longest polling step within half its offline time."""
    half = offline_after_s / 2
    fitting = [step for step in REPORT_STEPS_S if step <= half]
    return fitting[-1] if fitting else max(float(TICK_S), half)


@dataclass
class Step:
    """What one step of the feed sent, what the pipeline made of it, and the anomaly it started."""

    sent: int = 0
    accepted: int = 0
    rejected: int = 0
    batches: int = 0
    anomaly: str = ""


@dataclass
class LiveFeed:
    """The demo's sensors reporting on their own schedules, with an anomaly now and then.

    `step(now)` sends whatever is due at `now` and returns at once; the command calls it every few
    seconds, tests call it with the moments they choose.
    """

    streams: Sequence[Stream]
    sender: Sender
    started: datetime
    seed: int = 1
    first_anomaly_s: float = FIRST_ANOMALY_S
    anomaly_every_s: float = ANOMALY_EVERY_S  # 0: no anomalies
    anomalies: list[tuple[str, str]] = field(default_factory=list)  # (kind, sensor code), in order

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)
        start_ms = _ms(self.started)
        # Each gateway reports on its own tick of the first minute, so the batches spread over it.
        phases = {
            gateway_id: self.rng.randrange(0, 60, TICK_S) * 1000
            for gateway_id in sorted({stream.gateway_id for stream in self.streams})
        }
        self.every_ms = {s.sensor_id: int(report_every_s(s.offline_after_s) * 1000) for s in self.streams}
        self.due_ms = {s.sensor_id: start_ms + phases[s.gateway_id] for s in self.streams}
        self.next_anomaly_ms = start_ms + int(self.first_anomaly_s * 1000) if self.anomaly_every_s else None

    @property
    def readings_per_hour(self) -> float:
        return sum(3_600_000 / every for every in self.every_ms.values())

    def step(self, now: datetime) -> Step:
        """Send the readings due at `now`, one batch per gateway, after starting the anomaly due if any."""
        now_ms = _ms(now)
        done = Step()
        if self.next_anomaly_ms is not None and now_ms >= self.next_anomaly_ms:
            self.next_anomaly_ms += int(self.anomaly_every_s * 1000)
            done.anomaly = self._start_anomaly(now_ms)
        batches: dict[int, list[dict[str, Any]]] = {}
        for stream in self.streams:
            if stream.busy(now_ms):
                if not stream.silent(now_ms):
                    add_reading(batches, stream, now_ms, self.rng)
                continue
            due = self.due_ms[stream.sensor_id]
            if due > now_ms:
                continue
            add_reading(batches, stream, now_ms, self.rng)
            every = self.every_ms[stream.sensor_id]
            # After a pause (a sleeping laptop), the next report is one interval on, not a backlog.
            self.due_ms[stream.sensor_id] = due + ((now_ms - due) // every + 1) * every
        for gateway_id, readings in batches.items():
            answer = self.sender.send(gateway_id, readings, now)
            done.sent += len(readings)
            done.accepted += answer.accepted
            done.rejected += answer.rejected
            done.batches += 1
        return done

    def _start_anomaly(self, now_ms: int) -> str:
        kind = ANOMALY_CYCLE[len(self.anomalies) % len(ANOMALY_CYCLE)]
        stream = start_anomaly(kind, list(self.streams), now_ms, self.rng)
        self.anomalies.append((kind, stream.code if stream else ""))
        if stream is None:
            return f"{ANOMALY_LABELS[kind]}: 无可用传感器 / no sensor of that kind"
        return f"{ANOMALY_LABELS[kind]} → {stream.code}"


def _ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)
