"""Run the benchmarks: ``python -m bench [--quick] [NAME ...]`` (names like ``audio``)."""

from __future__ import annotations

import argparse
import importlib
import os
import pkgutil
import sys
import time
import traceback
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    """Run the chosen (default: all) benchmark modules and print their figures."""
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("names", nargs="*", help="benchmarks to run (default: all)")
    parser.add_argument("--quick", action="store_true", help="shorter runs")
    args = parser.parse_args(argv)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    found = sorted(
        m.name.removeprefix("bench_")
        for m in pkgutil.iter_modules([str(Path(__file__).parent)])
        if m.name.startswith("bench_")
    )
    chosen = args.names or found
    failed = 0
    for name in chosen:
        if name not in found:
            print(f"no benchmark {name!r}; there are: {', '.join(found)}", file=sys.stderr)
            return 2
        print(f"== {name}", flush=True)
        begun = time.monotonic()
        try:
            module = importlib.import_module(f"bench.bench_{name}")
            figures = module.run(quick=args.quick)
        except Exception:
            failed += 1
            traceback.print_exc()
            continue
        width = max((len(k) for k, _ in figures), default=0)
        for key, value in figures:
            print(f"  {key:<{width}}  {value}")
        print(f"  ({time.monotonic() - begun:.0f} s)", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
