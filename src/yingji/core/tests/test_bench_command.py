"""`yingji bench DOMAIN`: every domain it offers has a benchmark module with a `main` to run."""

from __future__ import annotations

from yingji.core.management.commands.bench import DOMAINS, benchmarks_directory


def test_every_domain_offered_has_a_benchmark_with_a_main() -> None:
    for domain in DOMAINS:
        path = benchmarks_directory() / f"{domain}.py"
        assert path.is_file(), path
        assert "\ndef main(" in path.read_text(encoding="utf-8"), path
