"""The kill test: workers killed between claim and send, and between send and record, lose nothing and
send nothing twice.

Each worker is a real process, killed by SIGKILL at the point `YINGJI_FAULT_DELIVERY` names. A
process cannot see the test's own database (SQLite in memory, or PostgreSQL rows inside the test's
open transaction), so the workers share a scratch database of their own, of the same engine as the
test run: a temporary SQLite file, or a PostgreSQL database created beside the test database and
dropped afterwards. The first process migrates it and writes a minimal dataset (the regions of one
county and a batch of SMS about it); the simulator gateway runs in the test process, so the test
sees everything it was sent. No one waits for the clock: the last worker runs at a `now`
past the lease.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import uuid
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
import pytest
from django.conf import settings

from yingji.messaging.delivery import FAULT_ENV, LEASE
from yingji.messaging.smsgateway import SmsGateway

NOW = datetime(2026, 7, 1, 2, 0, tzinfo=UTC)
MESSAGES = 250
BATCH = 100

# One worker process: `seed` migrates and queues MESSAGES SMS, `worker` drains with batches of
# BATCH (killed where the environment says), `last` runs the worker's own pass (`run_due`); each
# prints every delivery as [key, status, attempts].
CHILD = """
import json, sys
from datetime import datetime

import django

django.setup()
from django.conf import settings
from django.core.management import call_command

settings.MESSAGING_CHANNELS = {"sms": "http"}
settings.MESSAGING_SMS_GATEWAY_URL = sys.argv[2]
from yingji.core import jobs
from yingji.core.models import Region
from yingji.messaging import delivery, outbox
from yingji.messaging.models import Delivery

step, now = sys.argv[1], datetime.fromisoformat(sys.argv[3])
if step == "seed":
    call_command("migrate", verbosity=0)
    parent = None
    for code, name, level in [("140000", "山西省", "province"), ("140900", "忻州市", "city"),
                              ("140902", "忻府区", "county")]:
        path = (parent.path if parent else "") + code + "/"
        parent = Region.objects.create(code=code, name=name, level=level, parent=parent, path=path)
    count = int(sys.argv[4])
    outbox.queue_many(parent, {"sms": outbox.Text("【忻州应急】忻府区暴雨红色预警：立即转移低洼地区群众。")},
        outbox.Batch(kind=["subscriber"] * count, recipient_id=list(range(1, count + 1)),
                     channel=["sms"] * count, address=[f"138{n:08d}" for n in range(1, count + 1)],
                     region=["140902"] * count, cell=[-1] * count,
                     key=[f"crash-test-{n:04d}" for n in range(1, count + 1)]), now)
elif step == "worker":
    delivery.drain(now, f"worker-{sys.argv[4]}", batch_size=int(sys.argv[5]))
else:
    jobs.run_due(now)
print(json.dumps(list(Delivery.objects.order_by("id").values_list("idempotency_key", "status", "attempts"))))
"""


@pytest.fixture
def scratch_database(tmp_path: Path) -> Iterator[str]:
    """A DATABASE_URL for the worker processes, of the engine the tests run on."""
    default = settings.DATABASES["default"]
    if default["ENGINE"] != "django.db.backends.postgresql":
        yield f"sqlite:///{tmp_path / 'outbox.sqlite3'}"
        return
    name = f"yingji_crash_{uuid.uuid4().hex[:12]}"
    server = {
        "host": default["HOST"] or None,
        "port": default["PORT"] or None,
        "user": default["USER"],
        "password": default["PASSWORD"],
        "dbname": "postgres",
        "autocommit": True,
    }
    with psycopg.connect(**server) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    credentials = f"{default['USER']}:{default['PASSWORD']}@" if default["USER"] else ""
    yield f"postgresql://{credentials}{default['HOST'] or '127.0.0.1'}:{default['PORT'] or 5432}/{name}"
    with psycopg.connect(**server) as admin:
        admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')


def run_child(database_url: str, tmp_path: Path, gateway: SmsGateway, *args: Any, fault: str = "") -> Any:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "YINGJI_VAR_DIR": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "yingji.settings",
        "LOG_LEVEL": "WARNING",
    }
    env.pop(FAULT_ENV, None)
    if fault:
        env[FAULT_ENV] = fault
    step, now, *rest = args
    return subprocess.run(
        [sys.executable, "-c", CHILD, step, gateway.url, now.isoformat(), *map(str, rest)],
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )


@pytest.mark.slow(reason="starts, kills and restarts real worker processes against a real gateway")
def test_killed_workers_lose_nothing_and_send_nothing_twice(scratch_database: str, tmp_path: Path) -> None:
    with SmsGateway() as gateway:
        seeded = run_child(scratch_database, tmp_path, gateway, "seed", NOW, MESSAGES)
        assert seeded.returncode == 0, seeded.stderr
        keys = [key for key, _, _ in json.loads(seeded.stdout)]
        assert len(set(keys)) == MESSAGES

        # Killed after claiming its batch, before sending any of it.
        first = run_child(scratch_database, tmp_path, gateway, "worker", NOW, 1, BATCH, fault="after_claim")
        assert first.returncode == -signal.SIGKILL, first.stderr
        assert gateway.requests == 0

        # Killed after the gateway took its batch (the next one: the first is under lease), before recording.
        second = run_child(scratch_database, tmp_path, gateway, "worker", NOW, 2, BATCH, fault="after_send")
        assert second.returncode == -signal.SIGKILL, second.stderr
        assert len(gateway.delivered) == BATCH and gateway.repeats == 0

        # While the leases hold, another worker sends only the rows nobody holds.
        third = run_child(scratch_database, tmp_path, gateway, "worker", NOW, 3, MESSAGES)
        assert third.returncode == 0, third.stderr
        assert Counter(status for _, status, _ in json.loads(third.stdout)) == {
            "sending": 2 * BATCH,
            "sent": 50,
        }

        # After the leases, the worker's own pass takes every abandoned row over and sends the rest.
        last = run_child(scratch_database, tmp_path, gateway, "last", NOW + LEASE + timedelta(seconds=1))
        assert last.returncode == 0, last.stderr
        final = json.loads(last.stdout)

    assert set(gateway.delivered) == set(keys)  # every message reached the gateway
    assert gateway.repeats == BATCH  # the batch sent before the kill came again, under the same keys
    assert sorted(d.address for d in gateway.delivered.values()) == [
        f"138{n:08d}" for n in range(1, MESSAGES + 1)
    ]
    assert Counter(status for _, status, _ in final) == {"sent": MESSAGES}  # none lost, none left behind
    assert Counter(attempts for _, _, attempts in final) == {2: 2 * BATCH, 1: 50}  # the killed ones: twice
