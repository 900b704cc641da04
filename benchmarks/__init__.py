"""The benchmark suite that `make bench` runs (`python -m benchmarks.run`); see docs/performance.md."""
