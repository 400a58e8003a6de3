"""The ZOPA where counting it exactly is hopeless: two parties, 20 and 80 issues of six options, both
reservation values at 0.5 (random linear-additive preferences, seed :data:`SEED`), with the default budget.

Each case runs in a fresh process; the table gives the time of :func:`truce.analysis.zopa.zopa` alone,
the method that gave the figure, the relative width of the bounds ((high - low) / high; 0 when exact), and
the process's peak memory. NegMAS has no counterpart (it counts no ZOPA). Also shown: the shipped case,
whose count is exact.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.memory import peak_mb
from truce.analysis.tabled import scoped
from truce.analysis.zopa import BUDGET, zopa
from truce.io.scenario_files import load_scenario
from truce.model.compiled import Compiled, compile_scenario
from truce.model.generate import random_scenario

ROOT = Path(__file__).resolve().parents[1]
SEED = 2024
CASES = ("2x20x6", "2x80x6", "gaza-2024")
TARGET_SECONDS = 3 * BUDGET  # the budget, the bounds' own time, and slack for a loaded machine
MEMORY_TARGET_MB = 1024.0


def case(name: str) -> Compiled:
    if name == "gaza-2024":
        return scoped(compile_scenario(load_scenario(ROOT / "examples" / name)), "all", {})[0]
    parties, issues, options = (int(x) for x in name.split("x"))
    rng = np.random.default_rng(SEED)
    return compile_scenario(random_scenario(rng, parties, [options] * issues, reservation=0.5))


def child(name: str) -> dict[str, Any]:
    c = case(name)
    start = time.perf_counter()
    z = zopa(c)
    seconds = time.perf_counter() - start
    low, high = z.bounds
    width = 0.0 if high == 0 else (high - low) / high
    peak = peak_mb()
    return {"seconds": seconds, "method": z.method, "width": width, "peak_mb": peak, "space": float(z.space)}


def run() -> None:
    print(f"ZOPA count (budget {BUDGET:g} s), each case in a fresh process; no NegMAS counterpart")
    print(f"  {'case':<12}{'outcomes':>10}{'seconds':>9}  {'method':<20}{'bounds width':>13}{'peak MB':>9}  verdict")
    for name in CASES:
        args = [sys.executable, "-m", "benchmarks.bench_zopa", name]
        done = subprocess.run(args, cwd=ROOT, capture_output=True, text=True, check=True)
        r = json.loads(done.stdout.splitlines()[-1])
        ok = r["seconds"] <= TARGET_SECONDS and r["peak_mb"] < MEMORY_TARGET_MB
        verdict = ("meets" if ok else "MISSES") + f" <= {TARGET_SECONDS:g} s, < {MEMORY_TARGET_MB:.0f} MB"
        row = f"  {name:<12}{r['space']:>10.1e}{r['seconds']:>9.2f}  {r['method']:<20}{r['width']:>13.3f}"
        print(row + f"{r['peak_mb']:>9.0f}  {verdict}", flush=True)


if __name__ == "__main__":
    print(json.dumps(child(sys.argv[1])))
