"""What the benchmark ran on: processors, memory, operating system and the versions that matter."""

from __future__ import annotations

import os
import platform
from importlib import metadata
from pathlib import Path


def _read(path: str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""


def cpu_model() -> str:
    """The processor's model name from /proc/cpuinfo (the platform's name elsewhere)."""
    for line in _read("/proc/cpuinfo").splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def usable_cpus() -> int:
    """The processors this process may run on, as `nproc` counts them."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def memory_gib() -> str:
    """Total memory from /proc/meminfo, in GiB."""
    for line in _read("/proc/meminfo").splitlines():
        if line.startswith("MemTotal:"):
            return f"{int(line.split()[1]) / 1024**2:.1f} GiB"
    return "unknown"


def operating_system() -> str:
    """The distribution's pretty name and the kernel release."""
    for line in _read("/etc/os-release").splitlines():
        if line.startswith("PRETTY_NAME="):
            return f"{line.split('=', 1)[1].strip(chr(34))}, Linux {platform.release()}"
    return f"{platform.system()} {platform.release()}"


def package_version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "not installed"


def describe_machine() -> list[tuple[str, str]]:
    """(label, value) rows for the report's machine table; the database row is added by the caller."""
    return [
        ("processors (nproc)", str(usable_cpus())),
        ("CPU", cpu_model()),
        ("memory", memory_gib()),
        ("system", operating_system()),
        ("Python", platform.python_version()),
        ("Django", package_version("Django")),
        ("django-ninja", package_version("django-ninja")),
        ("gunicorn", package_version("gunicorn")),
    ]
