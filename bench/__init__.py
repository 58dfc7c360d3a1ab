"""Benchmarks of the dashboard against its bounds: RingCentral's round trip and rate limits.

`make bench` (or `python -m bench`) starts a stack of its own — the emulator with an added
latency, the dashboard under gunicorn, a Celery worker — runs the benchmarks, prints one table
and writes `var/bench/results.json`. docs/benchmarks.md explains each figure.
"""
