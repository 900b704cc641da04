"""Who used the processors during a measurement: the server, the load client, or other processes.

Throughput on a shared machine depends on what else runs; CPU time per request does much less, and
the share taken by other processes says how far the req/s figures are from an idle machine's.
Linux only (/proc); elsewhere every reading is zero and the report says so.
"""

from __future__ import annotations

import os
import resource
from dataclasses import dataclass
from pathlib import Path

_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


@dataclass(frozen=True)
class CpuSample:
    """Cumulative CPU seconds at one instant: the whole machine, each server process, and us."""

    machine_busy: float
    server: dict[int, float]  # pid → seconds, for gunicorn's master and each worker
    ours: float  # this process and its reaped children (wrk, the Python client's processes)


@dataclass(frozen=True)
class CpuUse:
    """CPU seconds used between two samples, split by who used them."""

    machine_busy: float
    server: float
    client: float
    worker_shares: tuple[float, ...]  # each worker's part of the server's CPU, largest first

    @property
    def others(self) -> float:
        return max(0.0, self.machine_busy - self.server - self.client)


def machine_busy_seconds() -> float:
    """Non-idle CPU seconds of all processors since boot (user, nice, system, irq, softirq, steal)."""
    try:
        fields = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    except OSError:
        return 0.0
    user, nice, system, _idle, _iowait, irq, softirq, steal = (int(value) for value in fields[:8])
    return (user + nice + system + irq + softirq + steal) / _TICKS


def process_group_seconds(group: int) -> dict[int, float]:
    """User + system CPU seconds of each live process in a process group (gunicorn's master and workers)."""
    seconds = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        fields = text[text.rindex(")") + 2 :].split()  # fields from the 3rd on: state, ppid, pgrp, …
        if int(fields[2]) == group:
            seconds[int(stat.parent.name)] = (int(fields[11]) + int(fields[12])) / _TICKS
    return seconds


def our_seconds() -> float:
    """CPU seconds of this process and of the children it has waited for."""
    seconds = 0.0
    for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN):
        usage = resource.getrusage(who)
        seconds += usage.ru_utime + usage.ru_stime
    return seconds


def sample(server_group: int) -> CpuSample:
    return CpuSample(machine_busy_seconds(), process_group_seconds(server_group), our_seconds())


def used_between(before: CpuSample, after: CpuSample, server_group: int) -> CpuUse:
    """What each party used from `before` to `after`; workers are the group's processes but its leader."""
    per_process = {pid: seconds - before.server.get(pid, 0.0) for pid, seconds in after.server.items()}
    workers = sorted((used for pid, used in per_process.items() if pid != server_group), reverse=True)
    total = sum(workers)
    return CpuUse(
        machine_busy=after.machine_busy - before.machine_busy,
        server=sum(per_process.values()),
        client=after.ours - before.ours,
        worker_shares=tuple(used / total for used in workers) if total else (),
    )
