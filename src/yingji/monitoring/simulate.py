"""Realistic sensor signals: the demo's history, and `yingji simulate`'s live stream with anomalies.

A reading is a baseline, a slow wander that returns to it, the day's swing outdoors and the
instrument's noise, rounded to what the instrument shows; rain falls in showers. The demo draws its
history from these as arrays (demo.py). `yingji simulate` continues every demo sensor from its latest
value in real time and, every few seconds, starts an anomaly — a methane spike, a pressure surge, a
rain burst, a sensor falling silent — so that alarms appear, escalate and clear. It feeds the
pipeline in-process, or posts batches to a running server's `/api/v1/monitoring/readings`.
"""

from __future__ import annotations

import http.client
import math
import random
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import numpy as np
import orjson
from django.db.models import Max
from django.utils import timezone

from yingji.monitoring import pipeline, rules, services
from yingji.monitoring.models import Alarm, Gateway, Sensor, SensorState
from yingji.monitoring.sensortypes import KIND_BY_KEY

BEIJING = ZoneInfo("Asia/Shanghai")
READINGS_PATH = "/api/v1/monitoring/readings"
DEMO_GATEWAY_PREFIX = "demo-"

# Signals ----------------------------------------------------------------------------------------

MINUTE_MS = 60_000
WANDER_REVERSION = 0.05  # per minute: the wander forgets where it was in about 20 minutes


@dataclass(frozen=True)
class Signal:
    """How readings of a kind move around their baseline."""

    noise: float  # sd of each reading's own noise (a fraction of the baseline if `relative`)
    wander: float  # sd per minute of the slow wander that returns to the baseline (likewise)
    decimals: int  # what the instrument shows
    floor: float | None = 0.0
    ceiling: float | None = None
    relative: bool = False
    swing: float = 0.0  # the day's amplitude outdoors, highest at 14:00 (negative: lowest then)

    def spread(self, base: float) -> tuple[float, float]:
        """Noise and wander sd in the reading's unit for a sensor with this baseline."""
        factor = abs(base) if self.relative else 1.0
        return self.noise * factor, self.wander * factor

    def finish(self, value: float, extra_decimals: int = 0) -> float:
        """Bounded and rounded as the instrument (with `extra_decimals` more) shows it."""
        if self.floor is not None and value < self.floor:
            value = self.floor
        if self.ceiling is not None and value > self.ceiling:
            value = self.ceiling
        return round(value, self.decimals + extra_decimals)


SIGNALS: dict[str, Signal] = {
    "methane": Signal(0.015, 0.006, 2),
    "co": Signal(0.5, 0.2, 0),
    "h2s": Signal(0.08, 0.03, 1),
    "o2": Signal(0.02, 0.008, 2, ceiling=25.0),
    "combustible_gas": Signal(0.3, 0.12, 1),
    "toxic_gas": Signal(0.08, 0.03, 2, relative=True),
    "temperature": Signal(0.08, 0.04, 1, floor=None, swing=5.0),
    "pressure": Signal(0.003, 0.001, 3, relative=True),
    "liquid_level": Signal(0.004, 0.002, 3),
    "flow": Signal(0.01, 0.005, 1, relative=True),
    "wind_speed": Signal(0.15, 0.05, 1, swing=1.0),
    "humidity": Signal(0.8, 0.3, 0, floor=5.0, ceiling=100.0, swing=-12.0),
    "rainfall": Signal(0.0, 0.0, 1),
    "water_level": Signal(0.003, 0.0008, 2, floor=None),
    "displacement": Signal(0.04, 0.01, 2, floor=None),
}


def local_hours(ts_ms: np.ndarray | int) -> Any:
    """Hour of the day in Beijing time (UTC+8, no daylight saving) of epoch milliseconds."""
    return ((np.asarray(ts_ms) / 3_600_000.0) + 8.0) % 24.0


def day_shape(hours: Any) -> Any:
    """The day's swing: 1 at 14:00, −1 at 02:00."""
    return np.cos(2 * np.pi * (np.asarray(hours) - 14.0) / 24.0)


def wander_paths(shocks: np.ndarray, sd_per_minute: np.ndarray) -> np.ndarray:
    """Mean-reverting wanders, one row per sensor, at one-minute steps, from standard normal shocks."""
    keep = math.exp(-WANDER_REVERSION)
    step_sd = sd_per_minute * math.sqrt((1 - keep**2) / (2 * WANDER_REVERSION))
    paths = np.empty_like(shocks)
    paths[:, 0] = shocks[:, 0] * sd_per_minute / math.sqrt(2 * WANDER_REVERSION)
    for column in range(1, shocks.shape[1]):
        paths[:, column] = paths[:, column - 1] * keep + shocks[:, column] * step_sd
    return paths


# Live streams -----------------------------------------------------------------------------------

METHANE_SPIKE = "methane_spike"
PRESSURE_SURGE = "pressure_surge"
RAIN_BURST = "rain_burst"
SILENCE = "silence"
ANOMALY_CYCLE = (METHANE_SPIKE, PRESSURE_SURGE, RAIN_BURST, SILENCE)
ANOMALY_LABELS = {
    METHANE_SPIKE: "甲烷突增 / methane spike",
    PRESSURE_SURGE: "压力骤升 / pressure surge",
    RAIN_BURST: "短时强降雨 / rain burst",
    SILENCE: "传感器中断 / sensor silent",
}
ANOMALY_KIND = {METHANE_SPIKE: "methane", PRESSURE_SURGE: "pressure", RAIN_BURST: "rainfall"}


@dataclass
class Anomaly:
    """A scripted excursion of one stream: towards `peak` over `rise_s`, held, then back over `fall_s`.

    For rain, `peak` is the amount of each reading during the burst; for silence, nothing is sent.
    """

    kind: str
    start_ms: int
    rise_s: float
    hold_s: float
    fall_s: float
    peak: float

    @property
    def end_ms(self) -> int:
        return self.start_ms + int((self.rise_s + self.hold_s + self.fall_s) * 1000)

    def weight(self, ts_ms: int) -> float:
        """How far towards the peak a reading at `ts_ms` is (0 outside the anomaly, 1 at the peak)."""
        seconds = (ts_ms - self.start_ms) / 1000
        if seconds <= 0 or ts_ms >= self.end_ms:
            return 0.0
        if seconds < self.rise_s:
            return seconds / self.rise_s
        if seconds < self.rise_s + self.hold_s:
            return 1.0
        return 1.0 - (seconds - self.rise_s - self.hold_s) / self.fall_s


@dataclass
class Stream:
    """One demo sensor being simulated: where its value stands and how it moves.

    Wander and noise are drawn once a minute and joined by straight lines, and readings carry two
    decimals more than the instrument shows: a sensor polled every second then changes as slowly as
    its minute-to-minute variation, instead of jumping by its full noise (or a rounding step) between
    two readings, which the rate rule would take for a sudden change.
    """

    sensor_id: int
    code: str
    kind: str
    gateway_id: int
    base: float  # what the wander returns to, without the day's swing
    last_ms: int
    signal: Signal
    swing: float = 0.0
    offline_after_s: int = 300
    high: tuple[float, ...] = ()  # the four high limits in force (NaN where unused)
    wander: float = 0.0
    knot_ms: int = 0  # the last minute knot: deviation `knot_from` there, `knot_to` a minute later
    knot_from: float = 0.0
    knot_to: float | None = None
    anomaly: Anomaly | None = None
    shower_until_ms: int = 0
    shower_mm_per_min: float = 0.0

    def busy(self, ts_ms: int) -> bool:
        return self.anomaly is not None and ts_ms < self.anomaly.end_ms

    def silent(self, ts_ms: int) -> bool:
        return self.busy(ts_ms) and self.anomaly is not None and self.anomaly.kind == SILENCE

    def next_value(self, ts_ms: int, rng: random.Random) -> float:
        """The reading at `ts_ms`, moving the stream's state forward."""
        minutes = max((ts_ms - self.last_ms) / MINUTE_MS, 1e-3)
        self.last_ms = ts_ms
        if self.kind == "rainfall":
            return self._rain(ts_ms, min(minutes, 1.0), rng)  # after a gap, not hours of rain at once
        value = self.base + self._deviation(ts_ms, rng)
        if self.swing:
            value += self.swing * float(day_shape(local_hours(ts_ms)))
        if self.anomaly is not None:
            value += (self.anomaly.peak - value) * self.anomaly.weight(ts_ms)
        return self.signal.finish(value, extra_decimals=2)

    def _deviation(self, ts_ms: int, rng: random.Random) -> float:
        """Wander plus noise at `ts_ms`, on the straight line between two minute knots."""
        noise, wander_sd = self.signal.spread(self.base)
        step_sd = wander_sd * math.sqrt((1 - math.exp(-2 * WANDER_REVERSION)) / (2 * WANDER_REVERSION))
        if self.knot_to is None or ts_ms - self.knot_ms > 10 * MINUTE_MS:
            self.knot_ms, self.knot_to = ts_ms - MINUTE_MS, self.knot_from  # after a gap: start here
        while ts_ms >= self.knot_ms + MINUTE_MS:
            self.knot_ms += MINUTE_MS
            self.wander = self.wander * math.exp(-WANDER_REVERSION) + rng.gauss(0, step_sd)
            self.knot_from, self.knot_to = self.knot_to, self.wander + rng.gauss(0, noise)
        return self.knot_from + (self.knot_to - self.knot_from) * (ts_ms - self.knot_ms) / MINUTE_MS

    def _rain(self, ts_ms: int, minutes: float, rng: random.Random) -> float:
        if self.anomaly is not None and self.anomaly.kind == RAIN_BURST and self.anomaly.weight(ts_ms) > 0:
            return round(self.anomaly.peak * rng.uniform(0.85, 1.15), 1)
        if ts_ms >= self.shower_until_ms and rng.random() < 0.01 * minutes:
            self.shower_until_ms = ts_ms + rng.randint(2, 10) * MINUTE_MS
            self.shower_mm_per_min = rng.uniform(0.02, 0.1)
        if ts_ms < self.shower_until_ms:
            return round(self.shower_mm_per_min * minutes * rng.uniform(0.5, 1.5), 2)
        return 0.0


def demo_streams(now: datetime) -> list[Stream]:
    """Streams for the active sensors of live demo gateways, each from its latest reading.

    Sensors that never reported, and those with an open offline alarm (a broken sensor stays
    broken), are left out.
    """
    broken = Alarm.objects.filter(rule=Alarm.OFFLINE, status__in=(Alarm.RAISED, Alarm.ACKNOWLEDGED))
    sensors = list(
        Sensor.objects.filter(
            active=True,
            gateway__name__startswith=DEMO_GATEWAY_PREFIX,
            gateway__revoked_at__isnull=True,
            state__last_value__isnull=False,
        )
        .exclude(pk__in=broken.values("sensor_id"))
        .order_by("gateway__name", "code")
        .values_list(
            "id",
            "code",
            "kind",
            "gateway_id",
            "site_id",
            "offline_after_s",
            "state__last_value",
            "state__last_ts",
        )
    )
    if not sensors:
        return []
    limits = rules.limits_for([row[0] for row in sensors], [row[2] for row in sensors])
    now_ms = int(now.timestamp() * 1000)
    streams = []
    for index, row in enumerate(sensors):
        sensor_id, code, kind, gateway_id, site_id, offline_after, value, last_ts = row
        assert value is not None and last_ts is not None  # filtered above
        signal = SIGNALS.get(kind, Signal(0.0, 0.0, 3, floor=None))
        swing = signal.swing if site_id is not None else 0.0
        last_ms = min(int(last_ts), now_ms)
        base = value - swing * float(day_shape(local_hours(last_ms)))
        streams.append(
            Stream(
                sensor_id=sensor_id,
                code=code,
                kind=kind,
                gateway_id=gateway_id,
                base=0.0 if kind == "rainfall" else base,
                last_ms=last_ms,
                signal=signal,
                swing=swing,
                offline_after_s=offline_after or KIND_BY_KEY[kind].offline_after_s,
                high=tuple(float(v) for v in limits.high[index]),
            )
        )
    return streams


def pause_demo_sensors() -> int:
    """Mark the demo's sensors as not reporting, without raising offline alarms; how many were online.

    For when the demo's readings stop on purpose: the demo is loaded (its history ends at its now) or
    its live feed stops with the server. Left online, the next worker pass would raise an offline alarm
    for every one of them and bury the demo's stories under hundreds. The next reading brings each back.
    """
    states = SensorState.objects.filter(sensor__gateway__name__startswith=DEMO_GATEWAY_PREFIX, online=True)
    return states.update(online=False)


def latest_demo_reading_ms() -> int | None:
    """Epoch ms of the latest reading of any demo sensor (None before the demo)."""
    states = SensorState.objects.filter(sensor__gateway__name__startswith=DEMO_GATEWAY_PREFIX)
    return states.aggregate(latest=Max("last_ts"))["latest"]


def start_anomaly(kind: str, streams: list[Stream], start_ms: int, rng: random.Random) -> Stream | None:
    """Pick a quiet stream for an anomaly of `kind` and script it; None if no stream fits."""
    wanted = ANOMALY_KIND.get(kind)
    candidates = [s for s in streams if not s.busy(start_ms) and (wanted is None or s.kind == wanted)]
    if not candidates:
        return None
    stream = rng.choice(candidates)
    if kind == METHANE_SPIKE:
        anomaly = Anomaly(
            kind, start_ms, rise_s=6, hold_s=8, fall_s=10, peak=round(rng.uniform(1.55, 1.9), 2)
        )
    elif kind == PRESSURE_SURGE:
        anomaly = Anomaly(kind, start_ms, rise_s=8, hold_s=6, fall_s=10, peak=_surge_peak(stream, rng))
    elif kind == RAIN_BURST:
        anomaly = Anomaly(kind, start_ms, rise_s=0, hold_s=7, fall_s=0, peak=round(rng.uniform(8.0, 9.5), 1))
    else:
        anomaly = Anomaly(kind, start_ms, rise_s=0, hold_s=stream.offline_after_s + 30, fall_s=0, peak=0.0)
    stream.anomaly = anomaly
    return stream


def _surge_peak(stream: Stream, rng: random.Random) -> float:
    """Just past the sensor's highest high limit in force (red where it has one)."""
    used = [limit for limit in stream.high if not math.isnan(limit)]
    top = max(used) if used else stream.base * 1.5
    return round(top * rng.uniform(1.01, 1.04), 3)


def add_reading(
    batches: dict[int, list[dict[str, Any]]], stream: Stream, ts_ms: int, rng: random.Random
) -> bool:
    """Add the stream's reading at `ts_ms` to its gateway's batch, as a gateway sends it; whether it did."""
    if ts_ms <= stream.last_ms:
        return False  # more readings a second than milliseconds for this sensor, or a clock behind its data
    value = stream.next_value(ts_ms, rng)
    stamp = (
        datetime.fromtimestamp(ts_ms / 1000, tz=UTC).astimezone(BEIJING).isoformat(timespec="milliseconds")
    )
    batches.setdefault(stream.gateway_id, []).append({"sensor": stream.code, "ts": stamp, "value": value})
    return True


# Senders ----------------------------------------------------------------------------------------


@dataclass
class Sent:
    """What the platform answered for readings sent."""

    accepted: int = 0
    duplicates: int = 0
    rejected: int = 0

    def add(self, other: Sent) -> None:
        self.accepted += other.accepted
        self.duplicates += other.duplicates
        self.rejected += other.rejected


class Sender(Protocol):
    def send(self, gateway_id: int, readings: list[dict[str, Any]], now: datetime) -> Sent: ...


class InProcessSender:
    """Feeds the pipeline directly, in this process, on the platform's own database."""

    def __init__(self) -> None:
        self.gateways = {gateway.pk: gateway for gateway in Gateway.objects.all()}

    def send(self, gateway_id: int, readings: list[dict[str, Any]], now: datetime) -> Sent:
        result = pipeline.ingest_items(self.gateways[gateway_id], list(enumerate(readings, 1)), now=now)
        return Sent(result.accepted, result.duplicates, len(result.rejected))


class SimulateError(Exception):
    """The server refused a batch or could not be reached; the message says what happened."""


Post = Callable[[str, dict[str, str], bytes], tuple[int, bytes]]


class HttpSender:
    """Posts each gateway's readings to `/api/v1/monitoring/readings` with that gateway's key."""

    def __init__(self, url: str, keys: dict[int, str], post: Post | None = None) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise SimulateError(
                f"--url 应为 http(s)://主机:端口 / --url must be http(s)://host:port, not {url!r}"
            )
        self.parts = parts
        self.path = parts.path.rstrip("/") + READINGS_PATH
        self.keys = keys
        self.post = post or self._post_over_http
        self.connection: http.client.HTTPConnection | None = None

    def send(self, gateway_id: int, readings: list[dict[str, Any]], now: datetime) -> Sent:
        headers = {"Authorization": f"Bearer {self.keys[gateway_id]}", "Content-Type": "application/json"}
        status, body = self.post(self.path, headers, orjson.dumps(readings))
        if status != 200:
            raise SimulateError(
                f"{self.path} 返回 / answered {status}: {body[:300].decode(errors='replace')}"
            )
        answer = orjson.loads(body)
        return Sent(answer["accepted"], answer["duplicates"], len(answer["rejected"]))

    def _post_over_http(self, path: str, headers: dict[str, str], body: bytes) -> tuple[int, bytes]:
        for attempt in (1, 2):  # a kept-alive connection the server has closed is reopened once
            if self.connection is None:
                kind = (
                    http.client.HTTPSConnection
                    if self.parts.scheme == "https"
                    else http.client.HTTPConnection
                )
                self.connection = kind(self.parts.hostname or "", self.parts.port, timeout=30)
            try:
                self.connection.request("POST", path, body=body, headers=headers)
                response = self.connection.getresponse()
                return response.status, response.read()
            except (ConnectionError, http.client.HTTPException, OSError) as error:
                self.connection.close()
                self.connection = None
                if attempt == 2:
                    raise SimulateError(f"无法连接 / cannot reach {self.parts.geturl()}: {error}") from None
        raise AssertionError("unreachable")


def issue_demo_keys(gateway_ids: Iterable[int]) -> dict[int, str]:
    """New keys for the demo gateways the stream uses (their old keys stop working).

    Keys are stored hashed, so a key can only be had by issuing a new one: that is why the simulator
    works with demo gateways (names starting `demo-`) only and never touches a real one. The keys are
    rotated by the system (audited as such), as `yingji gateway rotate` does.
    """
    demo = Gateway.objects.filter(
        pk__in=list(gateway_ids), name__startswith=DEMO_GATEWAY_PREFIX, revoked_at__isnull=True
    )
    return {gateway.pk: services.rotate_gateway_key(None, gateway.pk).key for gateway in demo}


# The simulator ----------------------------------------------------------------------------------


class Clock(Protocol):
    def now(self) -> datetime: ...
    def monotonic(self) -> float: ...
    def sleep(self, seconds: float) -> None: ...


class RealClock:
    def now(self) -> datetime:
        return timezone.now()

    def monotonic(self) -> float:
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        time.sleep(max(seconds, 0.0))  # a tick that ran long owes no sleep


@dataclass
class FakeClock:
    """A clock that moves only when slept on: runs the simulator without waiting (tests)."""

    start: datetime
    elapsed: float = 0.0

    def now(self) -> datetime:
        return self.start + timedelta(seconds=self.elapsed)

    def monotonic(self) -> float:
        return self.elapsed

    def sleep(self, seconds: float) -> None:
        self.elapsed += max(seconds, 0.0)


@dataclass
class Totals:
    """What has been sent so far and what the platform made of it."""

    sent: int = 0
    answer: Sent = field(default_factory=Sent)
    alarms: int = 0
    seconds: int = 0


class Simulator:
    """Sends about `rate` readings a second, in one batch per gateway a second, and starts anomalies."""

    def __init__(
        self,
        streams: list[Stream],
        sender: Sender,
        *,
        rate: float,
        anomaly_every_s: float,
        seed: int,
        clock: Clock | None = None,
        report: Callable[[str], None] = print,
    ) -> None:
        self.streams = streams
        self.sender = sender
        self.rate = rate
        self.anomaly_every_s = anomaly_every_s
        self.rng = random.Random(seed)
        self.clock = clock or RealClock()
        self.report = report
        self.totals = Totals()
        self.anomalies: list[tuple[str, str]] = []  # (kind, sensor code), in the order started
        self._cursor = 0
        self._carry = 0.0

    def run(self, seconds: float) -> Totals:
        """Run for `seconds` (0: until interrupted), reporting once a second."""
        started_mono, started = self.clock.monotonic(), self.clock.now()
        previous_ms = int(started.timestamp() * 1000)
        next_anomaly_s = self.anomaly_every_s
        tick = 0
        while not seconds or tick < seconds:
            tick += 1
            self.clock.sleep(started_mono + tick - self.clock.monotonic())
            now = self.clock.now()
            now_ms = int(now.timestamp() * 1000)
            notes = []
            if self.anomaly_every_s and tick >= next_anomaly_s:
                next_anomaly_s += self.anomaly_every_s
                notes.append(self._start_next_anomaly(previous_ms))
            batches = self._readings(previous_ms, now_ms)
            for gateway_id, readings in batches.items():
                self.totals.answer.add(self.sender.send(gateway_id, readings, now))
                self.totals.sent += len(readings)
            self.totals.alarms = Alarm.objects.filter(created_at__gte=started).count()
            self.totals.seconds = tick
            self.report(self._line(notes))
            previous_ms = now_ms
        return self.totals

    def _start_next_anomaly(self, start_ms: int) -> str:
        kind = ANOMALY_CYCLE[len(self.anomalies) % len(ANOMALY_CYCLE)]
        stream = start_anomaly(kind, self.streams, start_ms, self.rng)
        self.anomalies.append((kind, stream.code if stream else ""))
        if stream is None:
            return f"{ANOMALY_LABELS[kind]}: 无可用传感器 / no sensor of that kind"
        return f"{ANOMALY_LABELS[kind]} → {stream.code}"

    def _readings(self, start_ms: int, end_ms: int) -> dict[int, list[dict[str, Any]]]:
        """This second's readings by gateway: the next sensors in turn, and every anomalous one once."""
        self._carry += self.rate
        count = int(self._carry)
        self._carry -= count
        quiet = [s for s in self.streams if not s.busy(end_ms)]
        batches: dict[int, list[dict[str, Any]]] = {}
        span = end_ms - start_ms
        if quiet and span > 0:
            for number in range(count):
                stream = quiet[self._cursor % len(quiet)]
                self._cursor += 1
                self._add(batches, stream, start_ms + (number + 1) * span // count)
        for stream in self.streams:
            if stream.busy(end_ms) and not stream.silent(end_ms):
                self._add(batches, stream, end_ms)
        return batches

    def _add(self, batches: dict[int, list[dict[str, Any]]], stream: Stream, ts_ms: int) -> None:
        add_reading(batches, stream, ts_ms, self.rng)

    def _line(self, notes: list[str]) -> str:
        t = self.totals
        line = (
            f"{t.seconds:>5} s  发送 sent {t.sent}  接收 accepted {t.answer.accepted}  "
            f"重复 duplicates {t.answer.duplicates}  拒绝 rejected {t.answer.rejected}  "
            f"报警 alarms {t.alarms}"
        )
        return "  ".join([line, *notes])
