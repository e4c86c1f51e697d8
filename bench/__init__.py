"""Benchmarks: ``make bench`` (``python -m bench``) runs every ``bench/bench_*.py``.

A benchmark module defines ``run(quick: bool) -> list[tuple[str, str]]``: figures as
(name, value with its unit), printed under the module's name. ``quick`` asks for a short
run (``python -m bench --quick``). Benchmarks report; they never pass or fail on time.
"""
