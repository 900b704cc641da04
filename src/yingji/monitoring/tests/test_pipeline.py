"""The ingestion pipeline: validation with reasons, deduplication, storage, state and grading."""

from __future__ import annotations

from types import SimpleNamespace

import orjson
import pytest
from django.db import connection
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from yingji.monitoring import pipeline
from yingji.monitoring.models import Alarm, Reading, ReadingMinute, SensorState

from .conftest import NOW, stamp


def body(*readings: dict) -> bytes:
    return orjson.dumps(list(readings))


def test_accepts_stores_and_reports(rig):
    code = rig.sensors["methane"].code
    result = pipeline.ingest_body(
        rig.gateway,
        body(
            {"sensor": code, "ts": stamp(20), "value": 0.2}, {"sensor": code, "ts": stamp(10), "value": 0.3}
        ),
        now=NOW,
    )
    assert result.as_dict() == {"accepted": 2, "duplicates": 0, "rejected": []}
    assert Reading.objects.filter(sensor_id=rig.sensors["methane"].pk).count() == 2
    state = SensorState.objects.get(sensor=rig.sensors["methane"])
    assert state.last_value == 0.3 and state.online and state.last_level == 0


def test_each_bad_line_is_refused_with_its_reason_and_the_good_ones_stay(rig, other_rig):
    code = rig.sensors["methane"].code
    lines = [
        {"sensor": code, "ts": stamp(30), "value": 0.1},
        {"sensor": "no-such-sensor", "ts": stamp(30), "value": 0.1},
        {"sensor": other_rig.sensors["methane"].code, "ts": stamp(30), "value": 0.1},
        {"sensor": code, "ts": "yesterday", "value": 0.1},
        {"sensor": code, "ts": "2026-11-29T08:00:00", "value": 0.1},
        {"sensor": code, "ts": stamp(-3600), "value": 0.1},
        {"sensor": code, "ts": stamp(29), "value": "0.1"},
        {"sensor": code, "ts": stamp(28), "value": True},
        [1, 2, 3],
        {"sensor": code, "ts": stamp(27), "value": 0.12},
    ]
    result = pipeline.ingest_body(rig.gateway, body(*lines), now=NOW)
    reasons = {r.line: r.reason for r in result.rejected}
    assert result.accepted == 2
    assert reasons == {
        2: pipeline.UNKNOWN_SENSOR,
        3: pipeline.OTHER_GATEWAY,
        4: pipeline.BAD_TIMESTAMP,
        5: pipeline.NO_OFFSET,
        6: pipeline.FAR_FUTURE,
        7: pipeline.NOT_A_NUMBER,
        8: pipeline.NOT_A_NUMBER,
        9: pipeline.NOT_AN_OBJECT,
    }
    assert Reading.objects.filter(sensor_id=other_rig.sensors["methane"].pk).count() == 0


def test_a_code_no_sensor_can_have_is_an_unknown_sensor(rig):
    """A NUL cannot be stored in PostgreSQL's text; it was a 500 there."""
    lines = [
        {"sensor": "a\x00b", "ts": stamp(5), "value": 1.0},
        {"sensor": 'x"y\\z,{}', "ts": stamp(5), "value": 1.0},
        {"sensor": rig.sensors["o2"].code, "ts": stamp(5), "value": 20.9},
    ]
    result = pipeline.ingest_body(rig.gateway, body(*lines), now=NOW)
    assert result.accepted == 1
    assert [(r.line, r.reason) for r in result.rejected] == [
        (1, pipeline.UNKNOWN_SENSOR),
        (2, pipeline.UNKNOWN_SENSOR),
    ]


def test_ndjson_with_a_broken_line(rig):
    code = rig.sensors["o2"].code
    text = b"\n".join(
        [
            orjson.dumps({"sensor": code, "ts": stamp(5), "value": 20.9}),
            b"{not json",
            b"",
            orjson.dumps({"sensor": code, "ts": stamp(4), "value": 20.8}),
        ]
    )
    result = pipeline.ingest_body(rig.gateway, text, now=NOW)
    assert result.accepted == 2
    assert [(r.line, r.reason) for r in result.rejected] == [(2, pipeline.NOT_JSON)]


def test_no_reading_is_stored_twice(rig):
    code = rig.sensors["pressure"].code
    first = [{"sensor": code, "ts": stamp(60 - i), "value": 0.5} for i in range(10)]
    assert pipeline.ingest_body(rig.gateway, body(*first, first[3]), now=NOW).as_dict()["duplicates"] == 1
    # The same batch again (a gateway retrying after a lost answer), and a late reading in between.
    again = pipeline.ingest_body(
        rig.gateway, body(*first, {"sensor": code, "ts": stamp(120), "value": 0.4}), now=NOW
    )
    assert (again.accepted, again.duplicates) == (1, 10)
    assert Reading.objects.filter(sensor_id=rig.sensors["pressure"].pk).count() == 11
    minutes = ReadingMinute.objects.filter(sensor_id=rig.sensors["pressure"].pk)
    assert sum(m.count for m in minutes) == 11


def test_same_instant_written_differently_is_one_reading(rig):
    code = rig.sensors["pressure"].code
    result = pipeline.ingest_body(
        rig.gateway,
        body(
            {"sensor": code, "ts": "2026-11-29T15:59:00+08:00", "value": 0.5},
            {"sensor": code, "ts": "2026-11-29T07:59:00Z", "value": 0.5},
        ),
        now=NOW,
    )
    assert (result.accepted, result.duplicates) == (1, 1)


def test_a_malformed_array_is_a_400(rig):
    from yingji.core.errors import InvalidInput

    with pytest.raises(InvalidInput):
        pipeline.ingest_body(rig.gateway, b'[{"sensor": "x"', now=NOW)


def test_minute_aggregates_keep_min_max_and_mean(rig):
    code = rig.sensors["pressure"].code
    values = [0.4, 0.9, 0.5]
    pipeline.ingest_body(
        rig.gateway,
        body(
            *(
                {"sensor": code, "ts": f"2026-11-29T15:58:{10 + i:02d}+08:00", "value": v}
                for i, v in enumerate(values)
            )
        ),
        now=NOW,
    )
    pipeline.ingest_body(
        rig.gateway, body({"sensor": code, "ts": "2026-11-29T15:58:50+08:00", "value": 0.2}), now=NOW
    )
    minute = ReadingMinute.objects.get(sensor_id=rig.sensors["pressure"].pk)
    assert (minute.count, minute.minimum, minute.maximum) == (4, 0.2, 0.9)
    assert minute.total / minute.count == pytest.approx(0.5)


def test_a_batch_costs_a_fixed_number_of_queries(rig, django_assert_max_num_queries):
    code = rig.sensors["methane"].code
    readings = [{"sensor": code, "ts": stamp(3000 - i), "value": 0.1} for i in range(2000)]
    with django_assert_max_num_queries(16):
        result = pipeline.ingest_body(rig.gateway, body(*readings), now=NOW)
    assert result.accepted == 2000
    assert not Alarm.objects.filter(sensor__gateway=rig.gateway).exists()
    assert connection.vendor in ("sqlite", "postgresql")


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=50),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=10,
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    items=st.lists(
        st.one_of(
            json_values,
            st.fixed_dictionaries(
                {
                    "sensor": st.sampled_from(["test-gw-a-methane", "test-gw-a-o2", "no-such", ""])
                    | st.text(max_size=70),
                    "ts": st.sampled_from([stamp(5), stamp(-9999), "2026-11-29T15:59:00", "x"])
                    | st.text(max_size=45),
                    "value": st.floats() | st.integers() | st.text(max_size=5) | st.none(),
                }
            ),
        ),
        max_size=30,
    )
)
def test_any_batch_is_answered_line_by_line_and_never_raises(rig, items):
    result = pipeline.ingest_items(rig.gateway, list(enumerate(items, 1)), now=NOW)
    assert result.accepted + result.duplicates + len(result.rejected) == len(items)
    assert len({r.line for r in result.rejected}) == len(result.rejected)


def test_postgresql_store_falls_back_when_copy_meets_a_repeat(rig):
    """COPY fails whole on a key that exists; the batch must still store the rest, once each."""
    if connection.vendor != "postgresql":
        pytest.skip("binary COPY is the PostgreSQL path")
    import numpy as np

    sensor_id = rig.sensors["pressure"].pk
    # As if the sensor had nothing stored: every row is copied, and the second time both COPYs meet a key.
    table = SimpleNamespace(ids=np.array([sensor_id]), previous_ts=np.array([-1]))

    def store(stamps: list[int], values: list[float]) -> None:
        ts, value = np.array(stamps), np.array(values)
        pos = np.zeros(ts.size, dtype=np.int64)
        minutes = pipeline._minutes(table, pos, ts, value)  # type: ignore[arg-type]
        pipeline._store(table.ids[pos], ts, value, np.ones(ts.size, dtype=bool), minutes)

    store([1_700_000_000_000], [0.5])
    store([1_700_000_000_000, 1_700_000_005_000], [0.5, 0.6])
    assert sorted(Reading.objects.filter(sensor_id=sensor_id).values_list("ts", "value")) == [
        (1_700_000_000_000, 0.5),
        (1_700_000_005_000, 0.6),
    ]
    minute = ReadingMinute.objects.get(sensor_id=sensor_id)
    assert (minute.minute, minute.minimum, minute.maximum) == (1_700_000_000_000 // 60_000, 0.5, 0.6)


def test_a_batch_continues_the_minute_the_last_one_began_and_starts_the_next(rig):
    """The minute of the latest reading may have a row (added to); later minutes cannot (inserted)."""
    code, sensor_id = rig.sensors["pressure"].code, rig.sensors["pressure"].pk
    pipeline.ingest_body(
        rig.gateway, body({"sensor": code, "ts": "2026-11-29T15:57:50+08:00", "value": 0.5}), now=NOW
    )
    pipeline.ingest_body(
        rig.gateway,
        body(
            {"sensor": code, "ts": "2026-11-29T15:57:55+08:00", "value": 0.7},
            {"sensor": code, "ts": "2026-11-29T15:58:00+08:00", "value": 0.3},
            {"sensor": code, "ts": "2026-11-29T15:58:05+08:00", "value": 0.4},
        ),
        now=NOW,
    )
    minutes = ReadingMinute.objects.filter(sensor_id=sensor_id).order_by("minute")
    assert [(m.count, m.minimum, m.maximum) for m in minutes] == [(2, 0.5, 0.7), (2, 0.3, 0.4)]
    assert minutes[1].minute == minutes[0].minute + 1


def test_the_copy_payload_is_postgresqls_binary_format():
    import numpy as np

    payload = pipeline.copy_payload(np.array([7]), np.array([1_700_000_000_000]), np.array([0.25]))
    assert payload.startswith(b"PGCOPY\n\xff\r\n\x00" + bytes(8)) and payload.endswith(b"\xff\xff")
    row = payload[19:-2]
    assert row == (
        (3).to_bytes(2, "big")
        + (8).to_bytes(4, "big")
        + (1_700_000_000_000).to_bytes(8, "big")
        + (8).to_bytes(4, "big")
        + (7).to_bytes(8, "big")
        + (8).to_bytes(4, "big")
        + bytes.fromhex("3fd0000000000000")
    )


def test_binary_copy_writes_each_field_with_its_length():
    import numpy as np

    payload = pipeline.binary_copy((">i8", np.array([5])), (">i4", np.array([3])), (">f8", np.array([0.5])))
    assert payload[19:-2] == (
        (3).to_bytes(2, "big")
        + (8).to_bytes(4, "big")
        + (5).to_bytes(8, "big")
        + (4).to_bytes(4, "big")
        + (3).to_bytes(4, "big")
        + (8).to_bytes(4, "big")
        + bytes.fromhex("3fe0000000000000")
    )
