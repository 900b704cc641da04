"""MQTT ingestion against the real broker on 127.0.0.1:1883 (Mosquitto; `.ci/run` starts it).

Without a broker these tests are skipped with a warning, unless YINGJI_REQUIRE_MQTT=1 (as in CI), which
makes that a failure. The ingester's flush loop runs in the test's thread, inside the test's
transaction, so the pipeline's transactions are savepoints here; paho's network thread never touches
the database. Each test has its own topic root and client ids, and removes its sessions from the broker.
"""

from __future__ import annotations

import io
import logging
import os
import signal
import socket
import uuid
import warnings
from collections.abc import Iterator
from typing import Any

import orjson
import paho.mqtt.client as paho
import pytest
from django.core.management import CommandError, call_command
from django.db import OperationalError

from yingji.monitoring import mqtt, pipeline, services
from yingji.monitoring.models import Reading
from yingji.monitoring.mqtt import Broker, MqttIngester, forget_session
from yingji.monitoring.tests.conftest import recent

BROKER_HOST, BROKER_PORT = "127.0.0.1", 1883
BROKER_URL = f"mqtt://{BROKER_HOST}:{BROKER_PORT}"
REQUIRE_MQTT = os.environ.get("YINGJI_REQUIRE_MQTT") == "1"
WAIT_S = 10  # a bound on every wait for the broker, never reached when things work


def broker_problem() -> str | None:
    """Why the broker cannot be used, or None."""
    try:
        socket.create_connection((BROKER_HOST, BROKER_PORT), timeout=2).close()
    except OSError as error:
        return f"no MQTT broker at {BROKER_HOST}:{BROKER_PORT} ({error})"
    return None


def new_client(client_id: str = "") -> paho.Client:
    return paho.Client(paho.CallbackAPIVersion.VERSION2, client_id=client_id, protocol=paho.MQTTv5)


class BrokerSession:
    """One test's corner of the broker: a unique topic root, ingesters on it and a publisher."""

    def __init__(self) -> None:
        self.root = f"yingji-test-{uuid.uuid4().hex[:12]}"
        self.client_ids: set[str] = set()
        self.ingesters: list[MqttIngester] = []
        self.publisher = new_client(f"{self.root}-publisher")
        self.publisher.connect(BROKER_HOST, BROKER_PORT)
        self.publisher.loop_start()

    def ingester(self, name: str = "ingest", **options: Any) -> MqttIngester:
        """An ingester with client id `<root>-<name>`, started and subscribed."""
        client_id = f"{self.root}-{name}"
        self.client_ids.add(client_id)
        ingester = MqttIngester(
            BROKER_URL, client_id=client_id, topic_root=self.root, session_expiry_s=300, **options
        )
        self.ingesters.append(ingester)
        ingester.start()
        assert ingester.wait_subscribed(WAIT_S), "the broker did not confirm the subscription"
        return ingester

    def publish(self, gateway: str, sensor: str, payload: Any, qos: int = 1) -> None:
        """Publish and wait for the broker's PUBACK: from then on the broker answers for the message."""
        body = payload if isinstance(payload, bytes) else orjson.dumps(payload)
        info = self.publisher.publish(f"{self.root}/{gateway}/{sensor}", body, qos=qos)
        info.wait_for_publish(WAIT_S)
        assert info.is_published()

    def close(self) -> None:
        for ingester in self.ingesters:
            ingester.abandon()
        self.publisher.disconnect()
        self.publisher.loop_stop()
        for client_id in self.client_ids:
            forget_session(BROKER_URL, client_id)


@pytest.fixture
def broker() -> Iterator[BrokerSession]:
    problem = broker_problem()
    if problem:
        if REQUIRE_MQTT:
            pytest.fail(f"YINGJI_REQUIRE_MQTT=1 but {problem}")
        warnings.warn(f"MQTT TESTS NOT RUN: {problem}", stacklevel=1)
        pytest.skip(f"!!! MQTT TESTS NOT RUN: {problem} (start Mosquitto, or see .ci/run) !!!")
    session = BrokerSession()
    yield session
    session.close()


def reading(seconds_ago: float, value: float) -> dict[str, Any]:
    return {"ts": recent(seconds_ago), "value": value}


def stored(sensor: Any) -> list[float]:
    return list(Reading.objects.filter(sensor_id=sensor.pk).order_by("ts").values_list("value", flat=True))


def nothing_left_for(broker: BrokerSession, name: str) -> bool:
    """Whether a session's messages were all acknowledged: reconnecting with its client id brings none."""
    later = broker.ingester(name)
    totals = later.run(exit_when_idle=1.0, max_seconds=WAIT_S)
    later.close()
    return totals.messages == 0


# Broker URLs --------------------------------------------------------------------------------------


def test_broker_url_gives_host_port_and_credentials():
    broker = Broker.from_url("mqtt://ingest%40city:p%3Ass@broker.example:1884")
    assert (broker.host, broker.port, broker.username, broker.password, broker.tls) == (
        "broker.example",
        1884,
        "ingest@city",
        "p:ss",
        False,
    )
    assert str(broker) == "mqtt://ingest@city@broker.example:1884"  # never the password
    assert (Broker.from_url("mqtts://broker.example").port, Broker.from_url("mqtt://h").port) == (8883, 1883)


@pytest.mark.parametrize("url", ["http://h:1883", "mqtt://h:99999", "mqtt://", "mqtt://h/topic", "h:1883"])
def test_a_bad_broker_url_is_refused(url):
    with pytest.raises(ValueError):
        Broker.from_url(url)
    with pytest.raises(CommandError):
        call_command("mqtt-ingest", url=url, max_seconds=1)


def publish_packet(qos: int, topic: bytes, payload: bytes, properties: bytes, mid: int = 7) -> dict[str, Any]:
    """A PUBLISH as paho holds it once read: the fixed header's first byte and the rest of the packet."""
    variable = len(topic).to_bytes(2, "big") + topic + (mid.to_bytes(2, "big") if qos else b"")
    return {
        "command": paho.PUBLISH | qos << 1,
        "packet": variable + bytes([len(properties)]) + properties + payload,
    }


def test_a_publish_is_read_without_pahos_message_objects():
    client = mqtt._IngestClient(paho.CallbackAPIVersion.VERSION2, protocol=paho.MQTTv5, manual_ack=True)
    delivered: list[tuple[Any, ...]] = []
    client.deliver = lambda *message: delivered.append(message)
    expiry = b"\x02\x00\x00\x00\x3c"  # a property (message expiry interval 60 s), skipped
    for qos, properties in ((1, expiry), (0, b"")):
        client._in_packet = publish_packet(qos, b"yingji/gw/s-1", b'{"value": 1}', properties)
        assert client._handle_publish() == paho.MQTTErrorCode.MQTT_ERR_SUCCESS
    assert delivered == [(7, 1, b"yingji/gw/s-1", b'{"value": 1}'), (0, 0, b"yingji/gw/s-1", b'{"value": 1}')]
    client._in_packet = publish_packet(1, b"yingji/gw/s-1", b"", expiry)
    client._in_packet["packet"] = client._in_packet["packet"][:-2]  # shorter than its properties
    assert client._handle_publish() == paho.MQTTErrorCode.MQTT_ERR_PROTOCOL
    assert len(delivered) == 2


# Against the broker -------------------------------------------------------------------------------


def test_readings_published_at_qos_1_are_stored_exactly_once(rig, broker):
    methane, o2, pressure = (rig.sensors[kind] for kind in ("methane", "o2", "pressure"))
    ingester = broker.ingester()
    gateway = rig.gateway.name
    for seconds_ago in (30, 20, 10):
        broker.publish(gateway, methane.code, reading(seconds_ago, 0.3))
        broker.publish(gateway, o2.code, reading(seconds_ago, 20.9))
        last_pressure = reading(seconds_ago, 0.6)
        broker.publish(gateway, pressure.code, last_pressure)
    broker.publish(gateway, methane.code, [reading(8, 0.31), reading(6, 0.32)])  # an array, one message
    broker.publish(gateway, o2.code, {"sensor": o2.code, **reading(5, 20.8)})  # naming the topic's sensor
    broker.publish(gateway, pressure.code, last_pressure)  # a repeat

    totals = ingester.run(until=lambda totals: totals.messages >= 12, max_seconds=WAIT_S)
    ingester.close()

    assert (totals.messages, totals.readings, totals.accepted, totals.duplicates, totals.rejected) == (
        12,
        13,
        12,
        1,
        0,
    )
    assert stored(methane) == [0.3, 0.3, 0.3, 0.31, 0.32]
    assert stored(o2) == [20.9, 20.9, 20.9, 20.8]
    assert stored(pressure) == [0.6, 0.6, 0.6]
    assert nothing_left_for(broker, "ingest")


def test_a_reading_for_a_sensor_of_another_gateway_is_refused(rig, other_rig, broker, caplog):
    ingester = broker.ingester()
    theirs = other_rig.sensors["methane"]
    mine = rig.sensors["methane"]
    broker.publish(rig.gateway.name, theirs.code, reading(10, 0.3))
    broker.publish(rig.gateway.name, mine.code, {"sensor": theirs.code, **reading(9, 0.3)})
    broker.publish(rig.gateway.name, mine.code, b"{not json")
    broker.publish(rig.gateway.name, mine.code, reading(8, 0.4))

    with caplog.at_level(logging.INFO, logger="yingji.monitoring.mqtt"):
        totals = ingester.run(until=lambda totals: totals.messages >= 4, max_seconds=WAIT_S)
    ingester.close()

    assert (totals.accepted, totals.rejected) == (1, 3)
    assert stored(theirs) == [] and stored(mine) == [0.4]
    flushes = "\n".join(record.getMessage() for record in caplog.records if "flushed" in record.getMessage())
    for reason in (pipeline.OTHER_GATEWAY, pipeline.TOPIC_MISMATCH, pipeline.NOT_JSON):
        assert reason in flushes
    assert nothing_left_for(broker, "ingest")  # refused readings are acknowledged: sending again is futile


def test_messages_of_unknown_or_revoked_gateways_are_dropped_and_acknowledged(
    rig, other_rig, county_admin, other_county_admin, broker, caplog
):
    services.revoke_gateway(other_county_admin, other_rig.gateway.pk)
    ingester = broker.ingester()
    broker.publish("no-such-gateway", "x-1", reading(10, 1.0))
    broker.publish(other_rig.gateway.name, other_rig.sensors["o2"].code, reading(10, 20.9))
    broker.publish(rig.gateway.name, rig.sensors["o2"].code, reading(10, 20.9))

    with caplog.at_level(logging.WARNING, logger="yingji.monitoring.mqtt"):
        totals = ingester.run(until=lambda totals: totals.messages >= 3, max_seconds=WAIT_S)
    ingester.close()

    assert (totals.dropped, totals.accepted) == (2, 1)
    assert stored(other_rig.sensors["o2"]) == [] and stored(rig.sensors["o2"]) == [20.9]
    warned = " ".join(record.getMessage() for record in caplog.records)
    assert "no-such-gateway" in warned and other_rig.gateway.name in warned
    assert nothing_left_for(broker, "ingest")


class SimulatedCrash(RuntimeError):
    pass


@pytest.mark.parametrize("crash", ["before commit", "after commit"])
def test_a_crash_before_acknowledging_brings_the_messages_again_and_stores_them_once(
    rig, broker, monkeypatch, crash
):
    methane = rig.sensors["methane"]
    real_ingest = pipeline.ingest_items

    def ingest_then_crash(*args: Any, **kwargs: Any) -> Any:
        if crash == "after commit":
            real_ingest(*args, **kwargs)
        raise SimulatedCrash(crash)

    first = broker.ingester(batch_size=4, flush_ms=WAIT_S * 1000)  # one flush holding all four
    for seconds_ago in (40, 30, 20, 10):
        broker.publish(rig.gateway.name, methane.code, reading(seconds_ago, 0.3))
    monkeypatch.setattr(mqtt.pipeline, "ingest_items", ingest_then_crash)
    with pytest.raises(SimulatedCrash):
        first.run(max_seconds=WAIT_S)
    first.abandon()  # the process dies: no acknowledgement, no DISCONNECT
    monkeypatch.setattr(mqtt.pipeline, "ingest_items", real_ingest)
    assert len(stored(methane)) == (4 if crash == "after commit" else 0)

    again = broker.ingester()  # the same client id: the broker sends the unacknowledged messages again
    totals = again.run(until=lambda totals: totals.messages >= 4, max_seconds=WAIT_S)
    again.close()

    assert stored(methane) == [0.3] * 4
    expected = (0, 4) if crash == "after commit" else (4, 0)
    assert (totals.accepted, totals.duplicates) == expected
    assert nothing_left_for(broker, "ingest")


def test_it_reconnects_after_the_connection_drops_and_gets_what_was_published_meanwhile(rig, broker):
    pressure = rig.sensors["pressure"]
    ingester = broker.ingester()
    ingester.client.socket().shutdown(socket.SHUT_RDWR)  # as a broker restart or a network fault would
    for seconds_ago in (30, 20, 10):
        broker.publish(rig.gateway.name, pressure.code, reading(seconds_ago, 0.5))

    totals = ingester.run(until=lambda totals: totals.messages >= 3, max_seconds=WAIT_S)
    ingester.close()

    assert totals.connections == 2
    assert stored(pressure) == [0.5, 0.5, 0.5]


def test_a_shared_subscription_delivers_to_the_group(rig, broker):
    ingester = broker.ingester(shared_group="yingji")
    assert ingester.subscription == f"$share/yingji/{broker.root}/+/+"
    broker.publish(rig.gateway.name, rig.sensors["o2"].code, reading(10, 20.9))

    totals = ingester.run(until=lambda totals: totals.messages >= 1, max_seconds=WAIT_S)
    ingester.close()

    assert totals.accepted == 1 and stored(rig.sensors["o2"]) == [20.9]


def test_the_command_flushes_acknowledges_and_exits_on_sigterm(rig, broker, monkeypatch):
    methane = rig.sensors["methane"]
    broker.ingester("command").close()  # the session exists: the broker keeps what comes next for it
    for seconds_ago in (30, 20, 10):
        broker.publish(rig.gateway.name, methane.code, reading(seconds_ago, 0.3))
    real_ingest = pipeline.ingest_items
    accepted = []

    def ingest_then_sigterm(*args: Any, **kwargs: Any) -> Any:
        result = real_ingest(*args, **kwargs)
        accepted.append(result.accepted)
        if sum(accepted) == 3:
            os.kill(os.getpid(), signal.SIGTERM)
        return result

    monkeypatch.setattr(mqtt.pipeline, "ingest_items", ingest_then_sigterm)
    before = signal.getsignal(signal.SIGTERM)
    out = io.StringIO()
    call_command(
        "mqtt-ingest",
        url=BROKER_URL,
        client_id=f"{broker.root}-command",
        topic_root=broker.root,
        max_seconds=WAIT_S,
        stdout=out,
    )
    monkeypatch.setattr(mqtt.pipeline, "ingest_items", real_ingest)

    assert "3 accepted" in out.getvalue()
    assert signal.getsignal(signal.SIGTERM) == before
    assert stored(methane) == [0.3] * 3
    assert nothing_left_for(broker, "command")


def test_a_database_error_is_retried_and_the_batch_stored(rig, broker, monkeypatch):
    o2 = rig.sensors["o2"]
    real_ingest = pipeline.ingest_items
    failures = []

    def fail_once(*args: Any, **kwargs: Any) -> Any:
        if not failures:
            failures.append(1)
            raise OperationalError("database is locked")
        return real_ingest(*args, **kwargs)

    ingester = broker.ingester()
    broker.publish(rig.gateway.name, o2.code, reading(10, 20.9))
    monkeypatch.setattr(mqtt.pipeline, "ingest_items", fail_once)
    monkeypatch.setattr(mqtt.time, "sleep", lambda seconds: None)

    totals = ingester.run(until=lambda totals: totals.messages >= 1, max_seconds=WAIT_S)
    ingester.close()

    assert failures == [1] and totals.accepted == 1
    assert stored(o2) == [20.9]
    assert nothing_left_for(broker, "ingest")
