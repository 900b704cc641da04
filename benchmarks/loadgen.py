"""HTTP load generators: wrk when it is installed, else a keep-alive Python client; same figures from both.

Standard library only, so that the Python client's worker processes start without importing Django.
"""

from __future__ import annotations

import http.client
import multiprocessing
import re
import shutil
import subprocess
import threading
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

# The shape of the load: 16 keep-alive connections, as `wrk -t2 -c16`.
WRK_THREADS = 2
CONNECTIONS = 16
PYTHON_PROCESSES = 2


@dataclass(frozen=True)
class LoadResult:
    """What one timed run against one URL measured."""

    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    errors: int  # answers other than 2xx/3xx, plus connection errors and timeouts

    @property
    def rate(self) -> float:
        """Requests per second over the whole run."""
        return self.requests / self.seconds if self.seconds > 0 else 0.0


def find_wrk() -> str | None:
    """The path of wrk if it is installed (the benchmark never installs it)."""
    return shutil.which("wrk")


def wrk_version(wrk: str) -> str:
    """wrk's version line, e.g. `wrk 4.1.0`."""
    output = subprocess.run([wrk, "-v"], capture_output=True, text=True, timeout=10).stdout
    match = re.search(r"wrk\s+(\S+)", output)
    return f"wrk {match.group(1)}" if match else "wrk"


def run_load(url: str, headers: dict[str, str], duration: float, wrk: str | None) -> LoadResult:
    """Load `url` for `duration` seconds with wrk if given, else with the Python client."""
    if wrk:
        return run_wrk(wrk, url, headers, duration)
    return run_python_client(url, headers, duration)


# wrk ---------------------------------------------------------------------------------------------

_UNIT_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def run_wrk(wrk: str, url: str, headers: dict[str, str], duration: float) -> LoadResult:
    """Run `wrk -t2 -c16 -dNs --latency` against `url` and parse what it prints."""
    command = [wrk, f"-t{WRK_THREADS}", f"-c{CONNECTIONS}", f"-d{max(1, round(duration))}s", "--latency"]
    command += ["--timeout", "10s"]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    completed = subprocess.run([*command, url], capture_output=True, text=True, timeout=duration + 60)
    if completed.returncode != 0:
        raise RuntimeError(f"wrk failed ({completed.returncode}): {completed.stderr.strip()[-500:]}")
    return parse_wrk(completed.stdout)


def _milliseconds(text: str) -> float:
    """`512.00us`, `4.21ms`, `1.02s` or `1.00m` in milliseconds."""
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text)
    if not match:
        raise ValueError(f"unexpected wrk latency {text!r}")
    return float(match.group(1)) * _UNIT_MS[match.group(2)]


def parse_wrk(output: str) -> LoadResult:
    """The figures of wrk's `--latency` report (percentile lines, totals, errors)."""
    percentiles = dict(re.findall(r"^\s+(50|99)(?:\.000)?%\s+(\S+)\s*$", output, re.MULTILINE))
    totals = re.search(r"^\s*(\d+) requests in ([\d.]+)(us|ms|s|m),", output, re.MULTILINE)
    if totals is None or "50" not in percentiles or "99" not in percentiles:
        raise ValueError(f"cannot read wrk output:\n{output}")
    errors = 0
    if non_2xx := re.search(r"Non-2xx or 3xx responses: (\d+)", output):
        errors += int(non_2xx.group(1))
    if socket_errors := re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    ):
        errors += sum(int(number) for number in socket_errors.groups())
    return LoadResult(
        requests=int(totals.group(1)),
        seconds=_milliseconds(totals.group(2) + totals.group(3)) / 1000,
        p50_ms=_milliseconds(percentiles["50"]),
        p99_ms=_milliseconds(percentiles["99"]),
        errors=errors,
    )


# Python client -----------------------------------------------------------------------------------


def run_python_client(url: str, headers: dict[str, str], duration: float) -> LoadResult:
    """16 keep-alive connections: 2 processes (so the client is not one GIL) × 8 threads each."""
    threads = CONNECTIONS // PYTHON_PROCESSES
    jobs = [(url, headers, duration, threads)] * PYTHON_PROCESSES
    with multiprocessing.get_context("spawn").Pool(PYTHON_PROCESSES) as pool:
        outcomes = pool.map(_client_process, jobs)
    latencies = sorted(latency for _, _, process_latencies in outcomes for latency in process_latencies)
    errors = sum(process_errors for _, process_errors, _ in outcomes)
    seconds = max(elapsed for elapsed, _, _ in outcomes)
    return LoadResult(
        requests=len(latencies),
        seconds=seconds,
        p50_ms=percentile(latencies, 50) * 1000,
        p99_ms=percentile(latencies, 99) * 1000,
        errors=errors,
    )


def percentile(sorted_values: list[float], percent: float) -> float:
    """The nearest-rank percentile of an ascending list (0 for an empty one)."""
    if not sorted_values:
        return 0.0
    rank = max(1, round(percent / 100 * len(sorted_values)))
    return sorted_values[min(rank, len(sorted_values)) - 1]


def _client_process(job: tuple[str, dict[str, str], float, int]) -> tuple[float, int, list[float]]:
    """One client process: `threads` connections until the deadline; (elapsed, errors, latencies)."""
    url, headers, duration, threads = job
    parts = urlsplit(url)
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    started = time.perf_counter()
    deadline = started + duration
    results: list[tuple[int, list[float]]] = []
    lock = threading.Lock()

    def connection_loop() -> None:
        errors, latencies = 0, []
        connection = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=10)
        while (sent := time.perf_counter()) < deadline:
            try:
                connection.request("GET", target, headers=headers)
                response = connection.getresponse()
                response.read()
                latencies.append(time.perf_counter() - sent)
                if response.status >= 400:
                    errors += 1
                if response.will_close:
                    connection.close()
            except (OSError, http.client.HTTPException):
                errors += 1
                connection.close()
        connection.close()
        with lock:
            results.append((errors, latencies))

    workers = [threading.Thread(target=connection_loop) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    elapsed = time.perf_counter() - started
    return elapsed, sum(errors for errors, _ in results), [value for _, values in results for value in values]
