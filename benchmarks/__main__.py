"""Run every ``bench_*`` module of this package (or those named as arguments) and print their tables.

truce's sources are compiled to bytecode first, as installing a package does (the peers are installed from
wheels): where the environment says not to write bytecode (``PYTHONDONTWRITEBYTECODE``), every fresh process
would otherwise compile truce from source, and whole-process timings would measure that instead of truce.
"""

from __future__ import annotations

import compileall
import importlib
import pkgutil
import sys
import time
from pathlib import Path

import benchmarks


def main(names: list[str]) -> int:
    found = sorted(m.name for m in pkgutil.iter_modules(benchmarks.__path__) if m.name.startswith("bench_"))
    wanted = [f"bench_{n.removeprefix('bench_')}" for n in names] or found
    unknown = [n for n in wanted if n not in found]
    if unknown:
        print(f"unknown benchmark(s): {', '.join(unknown)} (have: {', '.join(found)})", file=sys.stderr)
        return 2
    root = Path(__file__).resolve().parents[1]
    for folder in (root / "src" / "truce", root / "benchmarks"):
        compileall.compile_dir(folder, quiet=2)
    for name in wanted:
        module = importlib.import_module(f"benchmarks.{name}")
        print(f"== {name.removeprefix('bench_')} ==", flush=True)
        start = time.perf_counter()
        module.run()
        print(f"({time.perf_counter() - start:.1f} s)\n", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
