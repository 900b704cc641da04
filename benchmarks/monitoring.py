"""`yingji bench monitoring`: readings per second into the monitoring pipeline, through HTTP and MQTT, the
reading-to-alarm latency, and the straightforward way as a baseline, in one run on a scratch database.

The steps, all against a scratch directory under /tmp and a scratch database, both removed at the end:

1. the database: a SQLite file in the scratch directory, or (`--database postgresql`) a database created
   on the server of `--postgres-url` and dropped at the end; `yingji migrate` and `yingji demo --scale 1`
   give it regions, enterprises and users;
2. one gateway of the demo's first enterprise with 1,000 sensors of twelve kinds (and 200 more for MQTT);
3. baseline: 5,000 readings the straightforward way, one ORM save and one threshold query per reading;
4. pipeline: `--batches` batches of 10,000 readings (1,000 sensors × 10 scans 5 s apart, 0.1 % spikes)
   through `pipeline.ingest_body`, in this process;
5. HTTP: as many batches through `POST /api/v1/monitoring/readings` of `yingji serve`, 4 connections;
6. MQTT: `measure_mqtt` (benchmarks/monitoring_mqtt.py) through the Mosquitto on 127.0.0.1:1883;
7. latency: 250 readings every 50 ms (5,000/s) over HTTP for 30 s, every 5th batch with one spike.

It prints a Markdown table (figure, value, target, met?) or, with `--json`, one JSON object. Exit status
0 when every step ran (a missed target is reported, not a failure), 1 otherwise.
See docs/performance.md ("Monitoring ingestion") for what each figure means and the reference results.
"""

from __future__ import annotations

import argparse
import cProfile
import http.client
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import numpy as np
import orjson

from benchmarks import cpu
from benchmarks.loadgen import percentile
from benchmarks.machine import describe_machine
from benchmarks.run import (
    BenchError,
    Server,
    close_connections,
    describe_database,
    exit_on_sigterm,
    log,
    run_step,
    run_yingji,
    setup_django,
)

REPOSITORY = Path(__file__).resolve().parent.parent
SENSORS = 1_000
MQTT_SENSORS = 200
BATCH = 10_000
STEP_MS = 5_000  # every sensor reads every 5 s: one scan of a monitoring system
ANOMALY_SHARE = 0.001
DEFAULT_BATCHES = 30
BASELINE_READINGS = 5_000
# The sensors fall in four groups (index mod 4): one per HTTP connection, one per latency batch in turn.
GROUPS = 4
HTTP_CONNECTIONS = GROUPS
MQTT_URL = "mqtt://127.0.0.1:1883"
MQTT_READINGS = 100_000  # 5–10 s at the rates seen, longer than the HTTP step
LATENCY_RATE = 5_000  # readings per second, sustained
LATENCY_BATCH = SENSORS // GROUPS  # 250: every sensor of a group, once
LATENCY_SECONDS = 30.0
LATENCY_SENDERS = 8  # connections, so that a slow answer does not hold back the next batch
SPIKE_EVERY = 5  # every 5th latency batch carries one spike
READINGS_PATH = "/api/v1/monitoring/readings"
DEFAULT_POSTGRES_URL = "postgresql://postgres:postgres@127.0.0.1:5432/postgres"
BEIJING = timezone(timedelta(hours=8))
ENTERPRISE_GATEWAY = "bench-gateway"
TICKS = os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class KindProfile:
    """How the benchmark's sensors of one kind read: a base value, uniform noise ± `noise`, and a spike.

    The noise stays under the kind's rate limit at one reading per 5 s; the spike is past its red limit
    (None for kinds with no limits to cross).
    """

    kind: str
    share: int  # sensors of this kind in every 20
    base: float
    noise: float
    spike: float | None


PROFILES = (
    KindProfile("methane", 4, 0.15, 0.005, 1.6),
    KindProfile("co", 2, 5.0, 1.0, 210.0),
    KindProfile("o2", 2, 20.9, 0.1, 17.5),
    KindProfile("temperature", 2, 25.0, 0.1, 85.0),
    KindProfile("pressure", 2, 0.6, 0.005, 1.7),
    KindProfile("combustible_gas", 2, 2.0, 0.5, 80.0),
    KindProfile("h2s", 1, 1.0, 0.3, 55.0),
    KindProfile("toxic_gas", 1, 2.0, 0.5, 120.0),
    KindProfile("liquid_level", 1, 5.0, 0.05, 9.8),
    KindProfile("flow", 1, 120.0, 5.0, None),
    KindProfile("wind_speed", 1, 3.0, 0.5, 22.0),
    KindProfile("humidity", 1, 60.0, 2.0, 15.0),
)
KIND_CYCLE = [profile for profile in PROFILES for _ in range(profile.share)]  # 20 sensors, 12 kinds


@dataclass(frozen=True)
class Target:
    """A figure's target: at least (`>=`) or below (`<`) a value."""

    key: str
    relation: str
    value: float
    text: str

    def met(self, figure: float | None) -> bool | None:
        if figure is None:
            return None
        return figure >= self.value if self.relation == ">=" else figure < self.value


TARGETS = {
    target.key: target
    for target in (
        Target("pipeline_readings_per_s", ">=", 100_000, "≥ 100,000/s"),
        Target("http_readings_per_s", ">=", 30_000, "≥ 30,000/s"),
        Target("mqtt_readings_per_s", ">=", 10_000, "≥ 10,000/s (QoS 1)"),
        Target("latency_p99_s", "<", 1.0, "< 1 s"),
        Target("baseline_ratio", ">=", 20, "≥ 20×"),
    )
}


@dataclass
class Results:
    """Every figure of one run, filled step by step; `as_json` is what `--json` prints."""

    started: datetime
    load_average: str = field(default_factory=lambda: ", ".join(f"{load:.2f}" for load in os.getloadavg()))
    database: str = ""
    vendor: str = ""
    commit: str = ""
    figures: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        keys = (*TARGETS, "latency_p50_s", "baseline_readings_per_s")
        main = {key: self.figures.get(key) for key in keys}
        return {
            **main,
            **{key: value for key, value in self.figures.items() if key not in main},
            "targets": {key: target.text for key, target in TARGETS.items()},
            "targets_met": {key: target.met(self.figures.get(key)) for key, target in TARGETS.items()},
            "database": self.database,
            "database_vendor": self.vendor,
            "commit": self.commit,
            "started": self.started.isoformat(timespec="seconds"),
            "machine": dict(describe_machine()),
            "load_average_at_start": self.load_average,
            "notes": self.notes,
            "failures": self.failures,
        }


# The fleet: a gateway, its sensors, and readings that look like theirs -----------------------------


@dataclass
class Fleet:
    """The benchmark's gateway and sensors, what their readings look like, and the simulated clock."""

    gateway_id: int
    gateway_name: str
    key: str
    codes: list[str]
    base: np.ndarray
    noise: np.ndarray
    spike: np.ndarray  # NaN where the kind has nothing to cross
    reserved: set[int]  # sensors whose only spike is the latency step's, so that each raises a new alarm
    mqtt_codes: list[str]
    clock_ms: int  # the next simulated scan; phases before the latency step read in the past

    def spikeable(self, sensors: np.ndarray) -> np.ndarray:
        """Positions in `sensors` of sensors that may spike outside the latency step."""
        return np.array(
            [
                position
                for position, sensor in enumerate(sensors.tolist())
                if not np.isnan(self.spike[sensor]) and sensor not in self.reserved
            ]
        )

    def body(
        self,
        sensors: np.ndarray,
        stamps_ms: list[int],
        rng: np.random.Generator,
        *,
        spikes: int = 0,
        noise_scale: float = 1.0,
        forced_spike: int | None = None,
    ) -> bytes:
        """A JSON array of the readings of `sensors` at each of `stamps_ms` (a scan at a time), with spikes.

        `spikes` random readings of non-reserved sensors jump past their red limit; `forced_spike` (a
        sensor of `sensors`) spikes in the last scan.
        """
        values = self.base[sensors] + rng.uniform(-1.0, 1.0, (len(stamps_ms), sensors.size)) * (
            self.noise[sensors] * noise_scale
        )
        if spikes:
            candidates = self.spikeable(sensors)
            rows = rng.integers(0, len(stamps_ms), spikes)
            columns = rng.choice(candidates, spikes)
            values[rows, columns] = self.spike[sensors[columns]]
        if forced_spike is not None:
            column = int(np.flatnonzero(sensors == forced_spike)[0])
            values[-1, column] = self.spike[forced_spike]
        values = np.round(values, 3)
        codes = [self.codes[sensor] for sensor in sensors.tolist()]
        return orjson.dumps(
            [
                {"sensor": code, "ts": stamp, "value": value}
                for stamp, row in zip(map(iso, stamps_ms), values.tolist(), strict=True)
                for code, value in zip(codes, row, strict=True)
            ]
        )

    def scans(self, count: int) -> list[int]:
        """The next `count` scan times of the simulated clock, which moves past them."""
        stamps = [self.clock_ms + step * STEP_MS for step in range(count)]
        self.clock_ms += count * STEP_MS
        return stamps


def iso(ms: int) -> str:
    """An ISO-8601 timestamp with the Beijing offset, as gateways send them."""
    return datetime.fromtimestamp(ms / 1000, BEIJING).isoformat(timespec="milliseconds")


def build_fleet(latency_seconds: float) -> Fleet:
    """Create the gateway and its sensors through the services, as `yingji gateway create` and the API do."""
    from yingji.enterprises.models import Enterprise
    from yingji.monitoring import services

    enterprise = Enterprise.objects.order_by("id").first()
    if enterprise is None:
        raise BenchError("the demo built no enterprise to attach the benchmark's sensors to")
    issued = services.create_gateway(
        None, name=ENTERPRISE_GATEWAY, title="基准测试监测系统", enterprise_id=enterprise.pk
    )
    profiles = [KIND_CYCLE[index % len(KIND_CYCLE)] for index in range(SENSORS + MQTT_SENSORS)]
    codes = [f"bench-{index:04d}" for index in range(SENSORS)]
    mqtt_codes = [f"bench-mqtt-{index:04d}" for index in range(MQTT_SENSORS)]
    for code, profile in zip(codes + mqtt_codes, profiles, strict=True):
        services.create_sensor(
            None,
            code=code,
            name=f"基准{profile.kind} {code}",
            kind=profile.kind,
            gateway_id=issued.gateway.pk,
            enterprise_id=enterprise.pk,
        )
    profiles = profiles[:SENSORS]
    spike = np.array([np.nan if p.spike is None else p.spike for p in profiles])
    reserved = set()
    for group in range(GROUPS):
        members = [s for s in range(group, SENSORS, GROUPS) if not np.isnan(spike[s])]
        reserved.update(members[: latency_spikes_per_group(latency_seconds)])
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=24)
    return Fleet(
        gateway_id=issued.gateway.pk,
        gateway_name=issued.gateway.name,
        key=issued.key,
        codes=codes,
        base=np.array([p.base for p in profiles]),
        noise=np.array([p.noise for p in profiles]),
        spike=spike,
        reserved=reserved,
        mqtt_codes=mqtt_codes,
        clock_ms=int(start.timestamp() * 1000),
    )


def latency_spikes_per_group(latency_seconds: float) -> int:
    """How many sensors of each quarter the latency step spikes (each once), with one to spare."""
    batches = round(latency_seconds * LATENCY_RATE / LATENCY_BATCH)
    return -(-batches // SPIKE_EVERY // GROUPS) + 1


def all_sensors() -> np.ndarray:
    return np.arange(SENSORS)


def scan_batch(fleet: Fleet, rng: np.random.Generator, spikes: int) -> bytes:
    """10,000 readings: every sensor at 10 consecutive scans, `spikes` of them past a red limit."""
    return fleet.body(all_sensors(), fleet.scans(BATCH // SENSORS), rng, spikes=spikes)


# Who used the processors --------------------------------------------------------------------------


def postgres_seconds() -> float:
    """User + system CPU seconds of the live PostgreSQL processes on this machine (0 if it runs elsewhere)."""
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        if text[text.index("(") + 1 : text.rindex(")")] == "postgres":
            fields = text[text.rindex(")") + 2 :].split()
            total += int(fields[11]) + int(fields[12])
    return total / TICKS


def backend_cpu_reader() -> Callable[[], float] | None:
    """A function giving the CPU seconds of this connection's PostgreSQL backend process so far.

    None off PostgreSQL, or when the server does not run on this machine (no such process in /proc).
    """
    from django.db import connection

    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        stat = Path(f"/proc/{cursor.fetchone()[0]}/stat")
    try:
        if not stat.read_text().split(" (", 1)[1].startswith("postgres)"):
            return None
    except (OSError, IndexError):
        return None

    def seconds() -> float:
        text = stat.read_text()
        utime, stime = text[text.rindex(")") + 2 :].split()[11:13]
        return (int(utime) + int(stime)) / TICKS

    return seconds


@dataclass(frozen=True)
class Usage:
    """CPU seconds used during a step (wall `seconds`): web server, PostgreSQL, and every other process.

    This process (the pipeline, the clients, the MQTT ingester and its publisher) is left out of `others`.
    """

    seconds: float
    server: float
    database: float
    others: float

    def as_dict(self) -> dict[str, float]:
        """Average cores kept busy by each."""
        return {
            "server_cores": round(self.server / self.seconds, 2),
            "postgresql_cores": round(self.database / self.seconds, 2),
            "other_cores": round(self.others / self.seconds, 2),
        }

    def describe(self) -> str:
        return load(self.as_dict())


class Meter:
    """Started at the beginning of a step, `stop` says who used the processors until then."""

    def __init__(self, server_group: int = 0) -> None:
        self.server_group = server_group
        self.started = time.perf_counter()
        self.before = self._sample()

    def _sample(self) -> tuple[float, ...]:
        server = sum(cpu.process_group_seconds(self.server_group).values()) if self.server_group else 0.0
        return cpu.machine_busy_seconds(), cpu.our_seconds(), server, postgres_seconds()

    def stop(self) -> Usage:
        seconds = time.perf_counter() - self.started
        machine, ours, server, database = (
            after - before for after, before in zip(self._sample(), self.before, strict=True)
        )
        return Usage(seconds, server, database, max(0.0, machine - ours - server - database))


# Baseline: the straightforward way -----------------------------------------------------------------


def straightforward_ingest(fleet: Fleet, body: bytes) -> tuple[int, list[int]]:
    """Store and check readings the straightforward way; (readings stored, ids of the alarms raised).

    Per reading: one `Reading.objects.create` and one query for its sensor's limits (its own rule, else
    its kind's), graded in Python, and an Alarm created through the ORM when it crosses (after asking
    whether one is open). To be fair to it, the body is parsed with orjson, the sensors are looked up in
    one query and the whole body is one transaction, as in the pipeline.
    """
    from django.db import transaction
    from django.db.models import F, Q

    from yingji.monitoring.models import Alarm, Reading, Sensor, ThresholdRule
    from yingji.monitoring.rules import kind_default_row

    sensors = {sensor.code: sensor for sensor in Sensor.objects.filter(gateway_id=fleet.gateway_id)}
    stored, raised = 0, []
    with transaction.atomic():
        for item in orjson.loads(body):
            sensor = sensors[item["sensor"]]
            moment = datetime.fromisoformat(item["ts"])
            value = float(item["value"])
            Reading.objects.create(ts=round(moment.timestamp() * 1000), sensor_id=sensor.pk, value=value)
            stored += 1
            rule = (
                ThresholdRule.objects.filter(
                    Q(sensor_id=sensor.pk) | Q(sensor__isnull=True, kind=sensor.kind)
                )
                .order_by(F("sensor_id").asc(nulls_last=True))
                .first()
            )
            limits = (
                [getattr(rule, name) for name in ThresholdRule.HIGH_FIELDS + ThresholdRule.LOW_FIELDS]
                if rule
                else list(kind_default_row(sensor.kind)[:8])
            )
            level = max(
                [rank for rank, high in enumerate(limits[:4], 1) if high is not None and value >= high]
                + [rank for rank, low in enumerate(limits[4:], 1) if low is not None and value <= low]
                + [0]
            )
            if level == 0:
                continue
            open_alarm = Alarm.objects.filter(
                sensor=sensor, rule=Alarm.THRESHOLD, status__in=Alarm.OPEN_STATUSES
            ).exists()
            if not open_alarm:
                alarm = Alarm.objects.create(
                    sensor=sensor,
                    rule=Alarm.THRESHOLD,
                    level=level,
                    peak_level=level,
                    raised_at=moment,
                    last_triggered_at=moment,
                    trigger_value=value,
                    peak_value=value,
                    region_id=sensor.region_id,
                    organization_id=sensor.organization_id,
                )
                raised.append(alarm.pk)
    return stored, raised


def measure_baseline(fleet: Fleet, rng: np.random.Generator, results: Results) -> None:
    """The straightforward way over 5,000 readings.

    Its alarms are deleted afterwards: left open, they would stand in for the pipeline's own (one open
    alarm per sensor and rule).
    """
    from yingji.monitoring.models import Alarm

    spikes = round(BASELINE_READINGS * ANOMALY_SHARE)
    body = fleet.body(all_sensors(), fleet.scans(BASELINE_READINGS // SENSORS), rng, spikes=spikes)
    started = time.perf_counter()
    stored, raised = straightforward_ingest(fleet, body)
    seconds = time.perf_counter() - started
    Alarm.objects.filter(pk__in=raised).delete()
    results.figures["baseline_readings_per_s"] = round(stored / seconds)
    results.figures["baseline_alarms_raised"] = len(raised)
    log(f"baseline: {stored:,} readings in {seconds:.2f} s = {stored / seconds:,.0f}/s, {len(raised)} alarms")


# Pipeline, in process -------------------------------------------------------------------------------


def measure_pipeline(
    fleet: Fleet,
    batches: int,
    rng: np.random.Generator,
    results: Results,
    *,
    key: str,
    spikes: int,
    profile: str | None = None,
) -> None:
    """`ingest_body` on batches of 10,000 with `spikes` each (after one warm-up batch); figures `<key>_…`.

    With `profile`, the measured batches run under cProfile and its statistics go to that file (which
    slows them down: the figures of such a run are not the reference).
    """
    from yingji.core.runtime import freeze_loaded_heap
    from yingji.monitoring import pipeline
    from yingji.monitoring.models import Gateway

    gateway = Gateway.objects.get(pk=fleet.gateway_id)
    bodies = [scan_batch(fleet, rng, spikes) for _ in range(batches + 1)]
    pipeline.ingest_body(gateway, bodies[0])
    freeze_loaded_heap()  # as every long-lived process of the platform does once it has started
    seconds: list[float] = []
    raised = escalated = cleared = 0
    profiler = cProfile.Profile() if profile else None
    backend = backend_cpu_reader()
    client_before, backend_before = time.process_time(), backend() if backend else 0.0
    meter = Meter()
    for body in bodies[1:]:
        started = time.perf_counter()
        if profiler:
            profiler.enable()
        result = pipeline.ingest_body(gateway, body)
        if profiler:
            profiler.disable()
        seconds.append(time.perf_counter() - started)
        if result.accepted != BATCH or result.rejected or result.duplicates:
            raise BenchError(
                f"the pipeline answered {result.as_dict()} for a batch of {BATCH:,} good readings"
            )
        raised += len(result.alarms.raised)
        escalated += result.alarms.escalated
        cleared += result.alarms.cleared
    total = sum(seconds)
    usage = meter.stop()
    client_ms = (time.process_time() - client_before) / batches * 1000
    backend_ms = (backend() - backend_before) / batches * 1000 if backend else None
    if profiler and profile:
        profiler.dump_stats(profile)
        results.notes.append(f"{key}: ran under cProfile (statistics in {profile}), so slower than usual")
    results.figures[f"{key}_readings_per_s"] = round(batches * BATCH / total)
    results.figures[f"{key}_batch_ms"] = {
        "median": round(statistics.median(seconds) * 1000, 1),
        "max": round(max(seconds) * 1000, 1),
    }
    results.figures[f"{key}_alarms"] = {
        "spikes": batches * spikes,
        "raised": raised,
        "escalated": escalated,
        "cleared": cleared,
    }
    results.figures[f"{key}_cpu"] = usage.as_dict()
    # CPU a batch took, here and in its database backend: what the load around moves least.
    results.figures[f"{key}_cpu_ms_per_batch"] = {
        "client": round(client_ms, 1),
        "postgresql_backend": None if backend_ms is None else round(backend_ms, 1),
    }
    log(
        f"{key}: CPU per batch {client_ms:.1f} ms here"
        + ("" if backend_ms is None else f", {backend_ms:.1f} ms in its PostgreSQL backend")
    )
    log(
        f"{key}: {batches} × {BATCH:,} in {total:.2f} s = {batches * BATCH / total:,.0f}/s "
        f"(median batch {statistics.median(seconds) * 1000:.0f} ms); {batches * spikes} spikes, "
        f"alarms raised {raised}, escalated {escalated}, cleared {cleared}"
    )


# HTTP -----------------------------------------------------------------------------------------------


class GatewayClient:
    """A keep-alive HTTP connection that posts readings with the gateway key, as a gateway would."""

    def __init__(self, base_url: str, key: str) -> None:
        parts = urlsplit(base_url)
        self.connection = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=60)
        self.headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}

    def post(self, body: bytes) -> dict[str, Any]:
        """Send one batch; its answer, or BenchError for anything but 200."""
        self.connection.request("POST", READINGS_PATH, body=body, headers=self.headers)
        response = self.connection.getresponse()
        answer = response.read()
        if response.status != 200:
            raise BenchError(f"POST {READINGS_PATH} answered {response.status}: {answer[:300]!r}")
        return dict(orjson.loads(answer))

    def close(self) -> None:
        self.connection.close()


class Crew:
    """Threads that each run `work(index)`; `join` re-raises the first error any of them met."""

    def __init__(self, count: int, work: Callable[[int], None]) -> None:
        self.errors: list[BaseException] = []
        self.threads = [threading.Thread(target=self._run, args=(work, i), daemon=True) for i in range(count)]
        for thread in self.threads:
            thread.start()

    def _run(self, work: Callable[[int], None], index: int) -> None:
        try:
            work(index)
        except BaseException as error:
            self.errors.append(error)

    def join(self) -> None:
        for thread in self.threads:
            thread.join()
        if self.errors:
            raise self.errors[0]


def measure_http(
    server: Server, fleet: Fleet, batches: int, rng: np.random.Generator, results: Results
) -> None:
    """Batches of 10,000 over 4 keep-alive connections, each for a quarter of the sensors, after a warm-up.

    Each connection is a gateway process of its own (its sensors, its clock), so that no two batches in
    flight carry readings of one sensor. The bodies are built before the clock starts.
    """
    per_connection = max(1, round(batches / HTTP_CONNECTIONS))
    scans = BATCH * GROUPS // SENSORS
    spikes = round(BATCH * ANOMALY_SHARE)
    start_ms = fleet.clock_ms
    bodies = []
    for connection in range(HTTP_CONNECTIONS):
        fleet.clock_ms = start_ms
        sensors = all_sensors()[connection::GROUPS]
        bodies.append(
            [fleet.body(sensors, fleet.scans(scans), rng, spikes=spikes) for _ in range(per_connection + 1)]
        )
    accepted = [0] * HTTP_CONNECTIONS
    ready = threading.Barrier(HTTP_CONNECTIONS + 1, timeout=300)

    def send(connection: int) -> None:
        client = GatewayClient(server.url, fleet.key)
        try:
            client.post(bodies[connection][0])
            ready.wait()
            for body in bodies[connection][1:]:
                accepted[connection] += int(client.post(body)["accepted"])
        except BaseException:
            ready.abort()  # so that the others and the clock do not wait for this connection
            raise
        finally:
            client.close()

    crew = Crew(HTTP_CONNECTIONS, send)
    try:
        ready.wait()
    except threading.BrokenBarrierError:
        crew.join()
        raise BenchError("an HTTP connection failed during the warm-up") from None
    meter = Meter(server.group)
    crew.join()
    usage = meter.stop()
    seconds = usage.seconds
    expected = per_connection * HTTP_CONNECTIONS * BATCH
    if sum(accepted) != expected:
        raise BenchError(f"the server accepted {sum(accepted):,} of {expected:,} good readings")
    per_batch_ms = usage.server / (expected / BATCH) * 1000
    results.figures["http_readings_per_s"] = round(expected / seconds)
    results.figures["http_server_cpu_ms_per_10k"] = round(per_batch_ms, 1)
    results.figures["http_cpu"] = usage.as_dict()
    log(
        f"HTTP: {expected:,} readings in {seconds:.2f} s = {expected / seconds:,.0f}/s; server CPU "
        f"{per_batch_ms:.0f} ms per 10,000; {usage.describe()}"
    )


# Latency --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Sent:
    """One latency batch: when it was due (its readings' time), when its answer came, and its spike."""

    due: float
    answered: float
    spike: int | None
    accepted: int


def measure_latency(server: Server, fleet: Fleet, seconds: float, results: Results) -> None:
    """250 readings every 50 ms over HTTP; every 5th batch has one spike of a sensor with no open alarm.

    A batch's readings are stamped with the time it is due, and its latency counts from then, so a
    backlog (the client or the server falling behind) shows in the figure instead of hiding in it.
    The alarm is created in the transaction that stores the batch, so it is committed, visible to
    the monitoring wall and in the outbox when the answer comes: the latency reported is
    answer − due for the batches with a spike.
    """
    from yingji.monitoring.models import Alarm

    interval = LATENCY_BATCH / LATENCY_RATE
    batches = round(seconds / interval)
    groups = [all_sensors()[group::GROUPS] for group in range(GROUPS)]
    spare = {group: sorted(s for s in fleet.reserved if s % GROUPS == group) for group in range(GROUPS)}
    spikes = [
        spare[k % GROUPS].pop(0) if k % SPIKE_EVERY == SPIKE_EVERY - 1 else None for k in range(batches)
    ]
    # Each sensor reads every 200 ms here: noise scaled down so that no rate rule fires on it.
    noise_scale = interval * GROUPS * 1000 / STEP_MS
    start = time.time() + 1.0
    started_at = datetime.fromtimestamp(start, UTC)
    sent: list[Sent] = []
    turn = iter(range(batches))
    lock = threading.Lock()

    def send(index: int) -> None:
        rng = np.random.default_rng(index)
        client = GatewayClient(server.url, fleet.key)
        try:
            while True:
                with lock:
                    k = next(turn, None)
                if k is None:
                    return
                due = start + k * interval
                if (wait := due - time.time()) > 0:
                    time.sleep(wait)
                stamp = [round(due * 1000)]
                body = fleet.body(
                    groups[k % GROUPS], stamp, rng, noise_scale=noise_scale, forced_spike=spikes[k]
                )
                answer = client.post(body)
                sent.append(Sent(due, time.time(), spikes[k], int(answer["accepted"])))
        finally:
            client.close()

    meter = Meter(server.group)
    Crew(LATENCY_SENDERS, send).join()
    usage = meter.stop()
    elapsed = max(s.answered for s in sent) - start
    accepted = sum(s.accepted for s in sent)
    if accepted != batches * LATENCY_BATCH:
        raise BenchError(f"the server accepted {accepted:,} of {batches * LATENCY_BATCH:,} latency readings")
    spiked = sorted((s for s in sent if s.spike is not None), key=lambda s: s.due)
    codes = {fleet.codes[s.spike]: s for s in spiked if s.spike is not None}
    created = dict(
        Alarm.objects.filter(
            sensor__code__in=codes, rule=Alarm.THRESHOLD, created_at__gte=started_at
        ).values_list("sensor__code", "created_at")
    )
    if len(created) != len(codes):
        raise BenchError(f"{len(codes) - len(created)} of {len(codes)} latency spikes raised no alarm")
    latencies = sorted(s.answered - s.due for s in spiked)
    started_processing = sorted(created[code].timestamp() - s.due for code, s in codes.items())
    answers = sorted(s.answered - s.due for s in sent)
    results.figures["latency_p50_s"] = round(percentile(latencies, 50), 3)
    results.figures["latency_p99_s"] = round(percentile(latencies, 99), 3)
    results.figures["latency_spikes"] = len(latencies)
    results.figures["latency_seconds"] = seconds
    results.figures["latency_alarm_created_p50_s"] = round(percentile(started_processing, 50), 3)
    results.figures["latency_alarm_created_p99_s"] = round(percentile(started_processing, 99), 3)
    results.figures["latency_all_batches_p99_s"] = round(percentile(answers, 99), 3)
    results.figures["latency_sustained_readings_per_s"] = round(accepted / elapsed)
    results.figures["latency_cpu"] = usage.as_dict()
    log(
        f"latency: {accepted:,} readings in {elapsed:.1f} s ({accepted / elapsed:,.0f}/s), "
        f"{len(latencies)} spikes: p50 {percentile(latencies, 50) * 1000:.0f} ms, "
        f"p99 {percentile(latencies, 99) * 1000:.0f} ms; server {usage.as_dict()['server_cores']} cores, "
        f"{usage.describe()}"
    )


# MQTT -----------------------------------------------------------------------------------------------


def measure_mqtt_ingest(fleet: Fleet, results: Results) -> None:
    """Readings/s through the broker and `yingji mqtt-ingest`, measured by benchmarks/monitoring_mqtt.py."""
    try:
        from benchmarks.monitoring_mqtt import measure_mqtt
    except ModuleNotFoundError as error:
        if error.name != "benchmarks.monitoring_mqtt":
            raise
        raise BenchError("benchmarks/monitoring_mqtt.py is missing: MQTT not measured") from None
    meter = Meter()
    outcome = measure_mqtt(MQTT_URL, fleet.gateway_name, fleet.mqtt_codes, MQTT_READINGS, qos=1)
    usage = meter.stop()
    results.figures["mqtt_readings_per_s"] = round(float(outcome["readings_per_s"]))
    results.figures["mqtt"] = outcome
    results.figures["mqtt_cpu"] = usage.as_dict()
    log(f"MQTT: {outcome}; {usage.describe()}")


# Scratch database -----------------------------------------------------------------------------------


def reachable(url: str) -> bool:
    """Whether something accepts TCP connections at the URL's host and port."""
    parts = urlsplit(url)
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 5432), timeout=2):
            return True
    except OSError:
        return False


class ScratchPostgres:
    """A database created on a PostgreSQL server for one run and dropped after it."""

    def __init__(self, server_url: str) -> None:
        self.server_url = server_url
        self.name = f"yingji_bench_{uuid.uuid4().hex[:12]}"
        self.url = urlunsplit(urlsplit(server_url)._replace(path=f"/{self.name}"))
        self.created = False

    def _execute(self, statement: str) -> None:
        import psycopg

        with psycopg.connect(self.server_url, autocommit=True, connect_timeout=10) as connection:
            connection.execute(statement)

    def create(self) -> None:
        self._execute(f'CREATE DATABASE "{self.name}"')
        self.created = True
        log(f"scratch database {self.name} created")

    def drop(self) -> None:
        if not self.created:
            return
        self._execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
        log(f"scratch database {self.name} dropped")


def scratch_environment(scratch: Path, database_url: str) -> dict[str, str]:
    """The environment for every `yingji` command and this process: scratch var/ and database."""
    env = dict(os.environ)
    env.update(
        YINGJI_VAR_DIR=str(scratch / "var"),
        DJANGO_SETTINGS_MODULE="yingji.settings",
        DEBUG="0",
        DATABASE_URL=database_url,
    )
    return env


def git_commit() -> str:
    """The commit checked out, and whether the tree had changes not committed yet."""
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short=10", "HEAD"],
            cwd=REPOSITORY,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=REPOSITORY,
            capture_output=True,
            text=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return f"{commit} (with uncommitted changes)" if dirty else commit


# Report ---------------------------------------------------------------------------------------------

ROWS = (
    ("pipeline_readings_per_s", "pipeline: readings/s, batches of 10,000, `ingest_body` in process"),
    ("http_readings_per_s", f"HTTP: readings/s, batches of 10,000, `POST {READINGS_PATH}`, 4 connections"),
    ("mqtt_readings_per_s", "MQTT: readings/s, QoS 1, one `yingji mqtt-ingest`"),
    ("latency_p50_s", "reading-to-alarm latency p50 at 5,000 readings/s over HTTP"),
    ("latency_p99_s", "reading-to-alarm latency p99 at 5,000 readings/s over HTTP"),
    ("baseline_readings_per_s", "baseline: readings/s, one ORM save and one threshold query each"),
    ("baseline_ratio", "pipeline ÷ baseline"),
)


def format_figure(key: str, value: Any) -> str:
    if value is None:
        return "not measured"
    if key.endswith("_per_s"):
        return f"{value:,.0f}"
    if key.endswith("_s"):
        return f"{value * 1000:,.0f} ms"
    if key.endswith("_ratio"):
        return f"{value:,.1f}×"
    return f"{value:,.0f}"


def describe_mqtt(outcome: dict[str, Any]) -> str:
    """What `measure_mqtt` saw, in words; figures it did not give are left out."""
    parts = [f"{outcome.get('readings', 0):,} messages (one reading each) at QoS {outcome.get('qos', '?')}"]
    if "stored" in outcome:
        parts.append(f"{outcome['stored']:,} stored in {outcome.get('flushes', '?')} batches")
    if "publisher_seconds" in outcome and "seconds" in outcome:
        parts.append(
            f"the publisher done after {outcome['publisher_seconds']:.2f} s, the last batch committed "
            f"after {outcome['seconds']:.2f} s"
        )
    return ", ".join(parts)


def cpu_per_batch(cpu: dict[str, float | None]) -> str:
    """The CPU a batch took in the benchmark's process and in its PostgreSQL backend, in words."""
    backend = cpu.get("postgresql_backend")
    return (
        f"CPU per batch {cpu['client']} ms"
        + (f" + {backend} ms in PostgreSQL" if backend is not None else "")
        + "; "
    )


def load(cpu_use: dict[str, float]) -> str:
    """What else kept the processors busy during a step, from a `Usage.as_dict()`."""
    database = cpu_use["postgresql_cores"]
    return f"other processes {cpu_use['other_cores']} cores" + (
        f", PostgreSQL {database}" if database else ""
    )


def render(results: Results) -> str:
    """The Markdown report: the figures against their targets, what else was seen, the machine."""
    title = f"## Monitoring ingestion benchmark, {results.started:%Y-%m-%d %H:%M %Z}, {results.vendor or '?'}"
    lines = [title, "", "| figure | value | target | met? |", "| --- | ---: | --- | --- |"]
    for key, label in ROWS:
        value = results.figures.get(key)
        target = TARGETS.get(key)
        met = target.met(value) if target else None
        verdict = "—" if met is None else ("yes" if met else "**no**")
        lines.append(
            f"| {label} | {format_figure(key, value)} | {target.text if target else ''} | {verdict} |"
        )
    figures = results.figures
    details = []
    if "pipeline_alarms" in figures:
        alarms, batch_ms = figures["pipeline_alarms"], figures["pipeline_batch_ms"]
        details.append(
            f"pipeline: {alarms['spikes']} spikes in the measured batches raised {alarms['raised']} "
            f"alarms (threshold and rate), escalated {alarms['escalated']}, cleared {alarms['cleared']}; "
            f"batch of 10,000 median {batch_ms['median']} ms, slowest {batch_ms['max']} ms; "
            f"{cpu_per_batch(figures['pipeline_cpu_ms_per_batch'])}{load(figures['pipeline_cpu'])}"
        )
    if "pipeline_quiet_readings_per_s" in figures:
        batch_ms = figures["pipeline_quiet_batch_ms"]
        details.append(
            f"pipeline without spikes (no alarm raised or open): "
            f"{figures['pipeline_quiet_readings_per_s']:,} readings/s, batch of 10,000 median "
            f"{batch_ms['median']} ms; {cpu_per_batch(figures['pipeline_quiet_cpu_ms_per_batch'])}"
            f"{load(figures['pipeline_quiet_cpu'])}"
        )
    if "baseline_alarms_raised" in figures:
        details.append(
            f"baseline: {figures['baseline_alarms_raised']} alarms raised in {BASELINE_READINGS:,} readings"
        )
    if "http_server_cpu_ms_per_10k" in figures:
        details.append(
            f"HTTP: server CPU {figures['http_server_cpu_ms_per_10k']} ms per 10,000 readings (all gunicorn "
            f"processes); {load(figures['http_cpu'])}"
        )
    if "mqtt" in figures:
        details.append(
            f"MQTT: {describe_mqtt(figures['mqtt'])}; {load(figures['mqtt_cpu'])} (the broker's among them)"
        )
    if "latency_spikes" in figures:
        details.append(
            f"latency: {figures['latency_spikes']} spikes over {figures['latency_seconds']:.0f} s at "
            f"{figures['latency_sustained_readings_per_s']:,} readings/s sustained; the alarms' "
            f"`created_at` (when the server began the batch) came "
            f"p50 {figures['latency_alarm_created_p50_s'] * 1000:.0f} ms, "
            f"p99 {figures['latency_alarm_created_p99_s'] * 1000:.0f} ms after the reading; p99 of every "
            f"batch's answer {figures['latency_all_batches_p99_s'] * 1000:.0f} ms; server "
            f"{figures['latency_cpu']['server_cores']} cores, {load(figures['latency_cpu'])}"
        )
    if details:
        lines += ["", *[f"- {detail}" for detail in details]]
    machine = [
        *describe_machine(),
        ("database", results.database or "not reached"),
        ("load average at start (1, 5, 15 min)", results.load_average),
        ("commit", results.commit),
    ]
    lines += ["", "| machine | |", "| --- | --- |", *[f"| {label} | {value} |" for label, value in machine]]
    if results.notes:
        lines += ["", "Notes:", "", *[f"- {note}" for note in results.notes]]
    if results.failures:
        lines += ["", "**Failures:**", "", *[f"- {failure}" for failure in results.failures]]
    return "\n".join(lines)


# Entry point ----------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="yingji bench monitoring",
        description="Readings/s into the monitoring pipeline, over HTTP and MQTT, reading-to-alarm latency "
        "and the straightforward way as a baseline, on a scratch database.",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of the table")
    parser.add_argument(
        "--batches", type=int, default=DEFAULT_BATCHES, help=f"batches of 10,000 measured ({DEFAULT_BATCHES})"
    )
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("BENCH_POSTGRES_URL", DEFAULT_POSTGRES_URL),
        help="a PostgreSQL server to create the scratch database on (BENCH_POSTGRES_URL)",
    )
    parser.add_argument(
        "--if-reachable",
        action="store_true",
        help="with --database postgresql: skip the run (status 0) when the server does not answer",
    )
    parser.add_argument("--latency-seconds", type=float, default=LATENCY_SECONDS)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--profile", metavar="FILE", help="write cProfile statistics of the pipeline step to FILE"
    )
    args = parser.parse_args(argv)
    if args.batches < 1:
        parser.error("--batches must be at least 1")
    return args


def run(args: argparse.Namespace, results: Results, scratch: Path) -> None:
    """Build the scratch database, then measure step by step."""
    postgres = ScratchPostgres(args.postgres_url) if args.database == "postgresql" else None
    server: Server | None = None
    try:
        if postgres:
            postgres.create()
        env = scratch_environment(
            scratch, postgres.url if postgres else f"sqlite:///{scratch / 'bench.sqlite3'}"
        )
        seconds = run_yingji(env, "migrate", "--noinput", "-v0")
        seconds += run_yingji(env, "demo", "--scale", "1", "--quiet")
        log(f"scratch database migrated and given the demo at scale 1 in {seconds:.1f} s")
        setup_django(env)
        from django.db import connection

        results.database, results.vendor = describe_database(), connection.vendor
        started = time.perf_counter()
        fleet = build_fleet(args.latency_seconds)
        log(
            f"gateway {fleet.gateway_name} with {SENSORS:,} sensors (+{MQTT_SENSORS} for MQTT) created in "
            f"{time.perf_counter() - started:.1f} s"
        )
        rng = np.random.default_rng(args.seed)
        run_step(results, "baseline", lambda: measure_baseline(fleet, rng, results))
        quiet = max(3, args.batches // 3)
        run_step(
            results,
            "pipeline without spikes",
            lambda: measure_pipeline(fleet, quiet, rng, results, key="pipeline_quiet", spikes=0),
        )
        spikes = round(BATCH * ANOMALY_SHARE)
        run_step(
            results,
            "pipeline",
            lambda: measure_pipeline(
                fleet, args.batches, rng, results, key="pipeline", spikes=spikes, profile=args.profile
            ),
        )
        if results.figures.get("baseline_readings_per_s") and results.figures.get("pipeline_readings_per_s"):
            ratio = results.figures["pipeline_readings_per_s"] / results.figures["baseline_readings_per_s"]
            results.figures["baseline_ratio"] = round(ratio, 1)
        close_connections()
        server = Server(env, scratch / "server.log")
        seconds = server.start()
        log(f"yingji serve answering on {server.url} after {seconds:.1f} s")
        run_step(results, "HTTP", lambda: measure_http(server, fleet, args.batches, rng, results))
        run_step(results, "MQTT", lambda: measure_mqtt_ingest(fleet, results))
        run_step(results, "latency", lambda: measure_latency(server, fleet, args.latency_seconds, results))
    finally:
        if server is not None:
            server.stop()
            if results.failures:
                log("last lines of the server log:\n" + "\n".join(tail(scratch / "server.log")))
        close_connections()
        if postgres:
            postgres.drop()


def tail(path: Path, count: int = 30) -> list[str]:
    try:
        return path.read_text(errors="replace").splitlines()[-count:]
    except OSError:
        return []


def main(argv: list[str] | None = None) -> int:
    """Run every step, print the report (or JSON) on stdout; 0 when every step ran."""
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, exit_on_sigterm)
    if args.database == "postgresql" and not reachable(args.postgres_url):
        where = urlsplit(args.postgres_url)
        message = f"PostgreSQL does not answer at {where.hostname}:{where.port or 5432}"
        log(message + ("; monitoring benchmark on PostgreSQL skipped" if args.if_reachable else ""))
        return 0 if args.if_reachable else 1
    results = Results(started=datetime.now().astimezone(), commit=git_commit())
    scratch = Path(tempfile.mkdtemp(prefix="yingji-bench-monitoring-", dir="/tmp"))
    try:
        run(args, results, scratch)
    except BenchError as error:
        results.failures.append(str(error))
    except Exception:
        results.failures.append(traceback.format_exc().strip())
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    print(json.dumps(results.as_json(), ensure_ascii=False, indent=2) if args.json else render(results))
    return 1 if results.failures else 0


if __name__ == "__main__":
    sys.exit(main())
