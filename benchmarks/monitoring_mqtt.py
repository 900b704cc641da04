"""Readings per second through MQTT: a publisher process → the broker → an MqttIngester here → the pipeline.

`measure_mqtt(url, gateway_name, sensor_codes, readings, qos)` needs Django set up on a database that
holds the gateway and its sensors (the caller prepares them). The publisher is a separate process
(paho, one reading per message, as a gateway sends them) that respects the broker's receive maximum;
the ingester runs in this process with the defaults of `yingji mqtt-ingest` (batches of 5,000 or
200 ms, acknowledged after commit). The clock starts when the publisher may begin, after the
ingester has subscribed, and stops when the last message's batch is committed and acknowledged.

Standalone, on a scratch SQLite database with a fresh gateway and sensors:
    python -m benchmarks.monitoring_mqtt --url mqtt://127.0.0.1:1883 --readings 100000 [--qos 1]
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
import multiprocessing
import os
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

PUBLISHER_READY_S = 30
PUBLISHER_WINDOW = 20  # unacknowledged messages on the wire: Mosquitto's default receive maximum
PUBLISHER_QUEUE = 1000  # messages handed to paho and not yet acknowledged
# Slower than this many readings per second means something is wrong; the run gives up then.
SLOWEST_RATE = 500


def measure_mqtt(url: str, gateway_name: str, sensor_codes: list[str], readings: int, qos: int = 1) -> dict:
    """Publish `readings` messages and ingest them here; the rate, and how many were stored."""
    from yingji.monitoring.models import Reading, Sensor
    from yingji.monitoring.mqtt import Broker, MqttIngester, forget_session

    sensors = dict(Sensor.objects.filter(code__in=sensor_codes).values_list("code", "id"))
    missing = sorted(set(sensor_codes) - set(sensors))
    if missing:
        raise ValueError(f"no such sensors: {', '.join(missing)}")
    plan = _plan(sensor_codes, readings)
    # A topic root and client id of this run only: a running `yingji mqtt-ingest` on the same broker
    # does not take the messages, and nothing is left behind for a later run.
    root = f"yingji-bench-{uuid.uuid4().hex[:10]}"
    ingester = MqttIngester(url, client_id=f"{root}-ingest", topic_root=root, session_expiry_s=600)
    stored_before = Reading.objects.filter(sensor_id__in=sensors.values()).count()
    context = multiprocessing.get_context("spawn")
    ready, go, results = context.Event(), context.Event(), context.Queue()
    publisher = context.Process(
        target=_publish,
        args=(dataclasses.asdict(Broker.from_url(url)), root, gateway_name, plan, qos, ready, go, results),
        name="mqtt-publisher",
        daemon=True,
    )
    try:
        ingester.start()
        if not ingester.wait_subscribed(PUBLISHER_READY_S):
            raise RuntimeError(f"the broker at {url} did not confirm the subscription")
        publisher.start()
        waited = 0.0
        while not ready.wait(0.5):
            waited += 0.5
            if publisher.exitcode is not None or waited > PUBLISHER_READY_S:
                raise RuntimeError("the publisher process did not connect to the broker")
        started = time.perf_counter()
        go.set()
        totals = ingester.run(
            until=lambda totals: totals.messages >= readings,
            max_seconds=10 + readings / SLOWEST_RATE,
            exit_when_idle=10,  # at QoS 0 a message may be lost; stop waiting for it
        )
        seconds = totals.last_flush_at - started
        publisher_report = results.get(timeout=PUBLISHER_READY_S)
    finally:
        ingester.close()
        publisher.join(timeout=PUBLISHER_READY_S)
        if publisher.is_alive():
            publisher.kill()
        forget_session(url, f"{root}-ingest")
    stored = Reading.objects.filter(sensor_id__in=sensors.values()).count() - stored_before
    return {
        "readings": readings,
        "seconds": round(seconds, 3),
        "readings_per_s": round(totals.messages / seconds) if seconds > 0 else 0,
        "qos": qos,
        "stored": stored,
        "received": totals.messages,
        "publisher_seconds": round(publisher_report["seconds"], 3),
        "flushes": totals.flushes,
    }


def _plan(sensor_codes: list[str], readings: int) -> dict[str, Any]:
    """Per sensor one reading a second, ending now; values steady and normal for the sensor's kind."""
    from django.db.models import Max
    from django.utils import timezone

    from yingji.monitoring.models import Sensor, SensorState
    from yingji.monitoring.sensortypes import KIND_BY_KEY

    kinds = dict(Sensor.objects.filter(code__in=sensor_codes).values_list("code", "kind"))
    per_sensor = math.ceil(readings / len(sensor_codes))
    now_ms = int(timezone.now().timestamp() * 1000)
    # Readings must come after each sensor's latest stored one, or the pipeline takes its slow path
    # for late readings; after a recent run that leaves less than a second between readings.
    states = SensorState.objects.filter(sensor__code__in=sensor_codes)
    latest_ms = states.aggregate(latest=Max("last_ts"))["latest"] or 0
    after_ms = max(now_ms - per_sensor * 1000, latest_ms) + 1
    spacing_ms = max(1, min(1000, (now_ms - after_ms) // per_sensor))
    return {
        "codes": sensor_codes,
        "typical": [_typical_value(KIND_BY_KEY[kinds[code]]) for code in sensor_codes],
        "readings": readings,
        "first_ms": after_ms,
        "spacing_ms": spacing_ms,
    }


def _typical_value(kind: Any) -> float:
    """A value inside the normal band of a sensor kind (no threshold alarm)."""
    high, low = kind.high[0], kind.low[0]
    if high is not None and low is not None:
        return (high + low) / 2
    if high is not None:
        return high / 2
    if low is not None:
        return low * 1.1
    return 10.0


def _payloads(plan: dict[str, Any], gateway_name: str, root: str) -> list[tuple[str, bytes]]:
    """(topic, payload) per message, sensors taking turns; ISO-8601 timestamps in Beijing time."""
    from datetime import datetime, timedelta, timezone

    import orjson

    beijing = timezone(timedelta(hours=8))
    codes, typical = plan["codes"], plan["typical"]
    topics = [f"{root}/{gateway_name}/{code}" for code in codes]
    messages = []
    for index in range(plan["readings"]):
        sensor, step = index % len(codes), index // len(codes)
        at = datetime.fromtimestamp((plan["first_ms"] + step * plan["spacing_ms"]) / 1000, beijing)
        value = round(typical[sensor] * (1 + 0.002 * math.sin(step / 10)), 4)
        payload = orjson.dumps({"ts": at.isoformat(timespec="milliseconds"), "value": value})
        messages.append((topics[sensor], payload))
    return messages


def _publish(
    broker: dict[str, Any],
    root: str,
    gateway_name: str,
    plan: dict[str, Any],
    qos: int,
    ready: Any,
    go: Any,
    results: Any,
) -> None:
    """The publisher process: connect, wait for the go, publish every message, wait for the broker's acks."""
    import paho.mqtt.client as paho

    messages = _payloads(plan, gateway_name, root)
    client = paho.Client(
        paho.CallbackAPIVersion.VERSION2, client_id=f"{root}-publisher", protocol=paho.MQTTv5
    )
    if broker["username"] is not None:
        client.username_pw_set(broker["username"], broker["password"])
    if broker["tls"]:
        client.tls_set()
    receive_maximum: list[int] = []
    acknowledged = [0]

    def on_connect(client: Any, userdata: Any, flags: Any, reason: Any, properties: Any) -> None:
        receive_maximum.append(getattr(properties, "ReceiveMaximum", 65535))

    def on_publish(*args: Any) -> None:
        acknowledged[0] += 1

    client.on_connect = on_connect
    client.on_publish = on_publish
    # Unacknowledged messages on the wire stay within the broker's receive maximum (or it may refuse
    # them); paho sends the next queued message as each PUBACK comes.
    client.max_inflight_messages_set(PUBLISHER_WINDOW)
    client.connect(broker["host"], broker["port"])
    deadline = time.monotonic() + PUBLISHER_READY_S
    while not receive_maximum and time.monotonic() < deadline:
        client.loop(0.1)
    if not receive_maximum or receive_maximum[0] < PUBLISHER_WINDOW:
        raise RuntimeError(f"the broker did not accept a window of {PUBLISHER_WINDOW} messages")
    ready.set()
    go.wait()
    # One thread does everything, as a gateway's publishing loop would: no lock handoffs per message.
    started = time.perf_counter()
    sent, total = 0, len(messages)
    while acknowledged[0] < total:
        # Queued in paho and not yet acknowledged: bounded, as packet ids are 16 bits.
        while sent < total and sent - acknowledged[0] < PUBLISHER_QUEUE:
            topic, payload = messages[sent]
            client.publish(topic, payload, qos=qos)
            sent += 1
        client.loop(0.01)
        if qos == 0:
            acknowledged[0] = sent  # nothing to wait for once written
    results.put({"seconds": time.perf_counter() - started})
    client.disconnect()


# Standalone -------------------------------------------------------------------------------------

SENSOR_KINDS = ("methane", "co", "o2", "temperature", "pressure")


def prepare_scratch_database(directory: Path, sensors: int) -> tuple[str, list[str]]:
    """Migrate a scratch SQLite database, load the regions, add a gateway and sensors; their names."""
    os.environ["YINGJI_VAR_DIR"] = str(directory)
    os.environ["DATABASE_URL"] = f"sqlite:///{directory / 'yingji.sqlite3'}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yingji.settings")
    import django

    django.setup()
    from django.core.management import call_command

    from yingji.monitoring import services

    call_command("migrate", verbosity=0)
    call_command("regions", "load", verbosity=0)
    issued = services.create_gateway(None, name="bench-gw", title="基准测试网关", region_code="140902")
    gateway = issued.gateway
    site = services.create_site(
        None,
        code="BENCH-1",
        name="基准测试站",
        kind="rain_gauge",
        region_code="140902",
        longitude=112.7,
        latitude=38.4,
    )
    codes = []
    for number in range(sensors):
        kind = SENSOR_KINDS[number % len(SENSOR_KINDS)]
        code = f"bench-{kind}-{number}"
        services.create_sensor(None, code=code, name=code, kind=kind, gateway_id=gateway.pk, site_id=site.pk)
        codes.append(code)
    return gateway.name, codes


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--url", default="mqtt://127.0.0.1:1883")
    parser.add_argument("--readings", type=int, default=100_000)
    parser.add_argument("--sensors", type=int, default=200)
    parser.add_argument("--qos", type=int, choices=(0, 1), default=1)
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="yingji-bench-mqtt-") as scratch:
        gateway, codes = prepare_scratch_database(Path(scratch), arguments.sensors)
        figures = measure_mqtt(arguments.url, gateway, codes, arguments.readings, arguments.qos)
    json.dump(figures, sys.stdout)
    print()


if __name__ == "__main__":
    main()
