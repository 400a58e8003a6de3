"""The exact Pareto frontier and Nash point against NegMAS 0.16.

Domains: random linear-additive preferences (seed :data:`SEED`) over ten-option issues: two parties at
10^4 outcomes (4 issues), 10^6 (6 issues) and 10^7 (7 issues), three parties at 10^6. NegMAS gets the same domain: its
discrete issues and a ``LinearAdditiveUtilityFunction`` per party whose value tables are the compiled
tables (weights 1), read from a file with numpy alone (NegMAS's process never imports truce, whose imports
it would otherwise pay for), and computes ``pareto_frontier`` then ``nash_points``. Truce computes
``pareto_frontier(zopa_only=True)`` then ``nash``. Both use the same disagreement point: each party's
reservation value is set to its lowest utility, which is what NegMAS measures gains from when the
reserved value is not above it. The results are checked to agree: the same frontier as utility vectors
and the same Nash point, within 1e-9.

Each side runs in a fresh subprocess, so one side's memory never counts against the other; the peak
memory is that process's own peak resident set size (:func:`benchmarks.memory.peak_mb`), which includes
the interpreter and the imports (shown alone in the ``base MB`` column: the same process's peak before
the domain is built).
Time covers the computation only (not imports or building the domain): one run for NegMAS, the median of
five for truce. Each truce row also compares the whole processes, timed from outside: interpreter start-up,
imports, building the domain, the computation once and writing the answer. Each side's process runs
:data:`WHOLE_RUNS` times below 10^7 outcomes and the fastest is kept, as the start-up benchmark does: a
shared 2-core machine only ever adds time, and a fraction of a second is what truce's process takes.

The command as people run it is timed too, on the same domains at 10^4 and 10^6 outcomes: ``truce frontier
FILE --json --zopa`` on the domain written as a JSON scenario, from reading and checking the file to the last
byte of JSON, taking turns with the two processes above (fastest of :data:`WHOLE_RUNS`). It does more than
either: it also counts the ZOPA and finds every bargaining solution and each side's standing. Its frontier
is checked against NegMAS's at the 6 decimals the JSON prints.

Also, whole process: ``truce frontier --json`` on six parties with ten five-option issues (about 10^7
outcomes, every one acceptable: nothing is pruned by reservation values), from reading the file to the
last byte of JSON. NegMAS would enumerate all 10^7 outcomes for six utility functions; it is not run there.

Set ``TRUCE_BENCH_SKIP_LARGE=1`` to skip NegMAS at 10^7 outcomes (about a minute and 3.4 GB); truce still
runs it.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from benchmarks.memory import peak_mb

if TYPE_CHECKING:
    from truce.model.compiled import Compiled
    from truce.model.scenario import Scenario

SEED = 2024
CASES: tuple[tuple[int, tuple[int, ...], float], ...] = (  # parties, issue sizes, target speed-up
    (2, (10,) * 4, 1.0),
    (2, (10,) * 6, 100.0),
    (2, (10,) * 7, 100.0),
    (3, (10,) * 6, 20.0),
)
BIG = (2, (6,) * 40)  # truce alone: about 10^31 outcomes
BIG_TARGET_SECONDS = 1.0
SIX = (6, (5,) * 10)  # whole `truce frontier --json` process, truce alone (NegMAS: 10^7 outcomes x 6 parties)
SIX_TARGET_SECONDS = 10.0
MEMORY_TARGET_MB = 200.0
SKIP = "TRUCE_BENCH_SKIP_LARGE"
WHOLE_RUNS = 5


def scenario_of(parties: int, sizes: tuple[int, ...]) -> Scenario:
    """The benchmark domain as a scenario, with each party's reservation value at its lowest utility."""
    from truce.model.compiled import compile_scenario
    from truce.model.generate import random_scenario

    plain = compile_scenario(random_scenario(np.random.default_rng(SEED), parties, sizes))
    lowest = tuple(float(sum(t[p].min() for t in plain.tables)) for p in range(parties))
    return random_scenario(np.random.default_rng(SEED), parties, sizes, reservation=lowest)


def domain(parties: int, sizes: tuple[int, ...]) -> Compiled:
    """The benchmark domain, compiled, as truce's process builds it."""
    from truce.model.compiled import compile_scenario

    return compile_scenario(scenario_of(parties, sizes))


def _truce(c: Compiled, runs: int = 5) -> tuple[float, list[list[float]], list[float]]:
    from truce.analysis.frontier import pareto_frontier
    from truce.analysis.solutions import nash

    times = []
    for _ in range(runs):
        start = time.perf_counter()
        f = pareto_frontier(c, zopa_only=True)
        point = nash(c, frontier=f)
        times.append(time.perf_counter() - start)
    assert point is not None
    # The middle of an odd count, not np.median: that imports numpy.ma (about 10 ms), which a user's run
    # never loads, into the whole process being timed.
    return sorted(times)[runs // 2], f.utilities.tolist(), point.utilities.tolist()


def save_tables(c: Compiled, folder: Path) -> Path:
    """The domain's value tables and reservation values, for NegMAS's process to read with numpy alone."""
    path = folder / "tables.npz"
    np.savez(path, reservation=c.reservation, **{f"table{i}": t for i, t in enumerate(c.tables)})
    return path


def _negmas(path: Path) -> tuple[float, list[list[float]], list[float]]:
    """NegMAS on the saved tables; its process never imports truce (whose imports it would otherwise pay for)."""
    from negmas.outcomes import make_issue, make_os
    from negmas.preferences import LinearAdditiveUtilityFunction
    from negmas.preferences.ops import nash_points
    from negmas.preferences.ops import pareto_frontier as negmas_frontier
    from negmas.preferences.value_fun import TableFun

    with np.load(path) as saved:
        reservation = saved["reservation"]
        tables = [saved[f"table{i}"] for i in range(len(saved.files) - 1)]
    issues = [make_issue(list(range(t.shape[1])), name=f"i{i}") for i, t in enumerate(tables)]
    space = make_os(issues)
    ufuns = [
        LinearAdditiveUtilityFunction(
            [TableFun({k: float(v) for k, v in enumerate(table[p])}) for table in tables],
            weights=[1.0] * len(tables),
            outcome_space=space,
            reserved_value=float(reservation[p]),
        )
        for p in range(len(reservation))
    ]
    start = time.perf_counter()
    frontier, _ = negmas_frontier(ufuns, issues=issues)
    points = nash_points(ufuns, frontier, outcome_space=space)
    seconds = time.perf_counter() - start
    return seconds, [[float(x) for x in u] for u in frontier], [float(x) for x in points[0][0]]


def child(side: str, parties: int, sizes: tuple[int, ...], tables: Path, once: bool = False) -> dict[str, Any]:
    """One side's measurement, in this (fresh) process; ``once``: truce computes once, as a user's run does
    (NegMAS always does). Truce builds the domain as its users do (a scenario, compiled); NegMAS reads the same
    value tables from ``tables``."""
    base = peak_mb()
    if side == "truce":
        seconds, frontier, point = _truce(domain(parties, sizes), 1 if once else 5)
    else:
        seconds, frontier, point = _negmas(tables)
    return {"seconds": seconds, "peak_mb": peak_mb(), "base_mb": base, "frontier": frontier, "nash": point}


def frontier_command(scenario: Scenario, path: Path, *options: str) -> list[str]:
    """``truce frontier PATH --json OPTIONS`` on ``scenario``, written to ``path`` as a JSON scenario: the
    installed command, as people run it."""
    from truce.io.scenario_files import scenario_to_data, scenario_to_text

    path.write_text(scenario_to_text(scenario_to_data(scenario), json_format=True), encoding="utf-8")
    script = Path(sys.executable).with_name("truce")
    runner = [str(script)] if script.exists() else [sys.executable, "-c", "from truce.cli import main; main()"]
    return [*runner, "frontier", str(path), "--json", *options]


def measure(
    sides: tuple[str, ...], parties: int, sizes: tuple[int, ...], tables: Path | None, cli: list[str] | None = None
) -> dict[str, dict[str, Any]]:
    """Run :func:`child` for each side in fresh interpreters and read the results; ``process`` is a whole
    process's wall time (start-up, imports, building the domain, the frontier and Nash point once, writing
    the answer), the fastest of :data:`WHOLE_RUNS` runs below 10^7 outcomes (one run from there: a minute
    and gigabytes for NegMAS). The sides take turns, so that whatever else the machine does falls on both
    alike. Truce's computation time comes from one more run, which repeats it five times. With ``cli`` (a
    command line), that command takes its turn too, as side ``"cli"``: its process time and its frontier."""
    import subprocess  # here, not at the top: the children being timed never need it

    root = Path(__file__).resolve().parents[1]

    def timed(side: str, extra: list[str]) -> tuple[float, dict[str, Any]]:
        args = [sys.executable, "-m", "benchmarks.bench_frontier", side, str(parties), ",".join(map(str, sizes))]
        args.append(str(tables or "-"))  # truce's side builds its own domain
        start = time.perf_counter()
        done = subprocess.run(args + extra, cwd=root, capture_output=True, text=True, check=True)
        return time.perf_counter() - start, json.loads(done.stdout.splitlines()[-1])

    def typed() -> tuple[float, dict[str, Any]]:
        assert cli is not None
        start = time.perf_counter()
        done = subprocess.run(cli, cwd=root, capture_output=True, text=True, check=True)
        seconds = time.perf_counter() - start
        points = json.loads(done.stdout)["frontier"]
        return seconds, {"frontier": [list(point["utilities"].values()) for point in points]}

    best: dict[str, tuple[float, dict[str, Any]]] = {}
    for _ in range(WHOLE_RUNS if np.prod(sizes, dtype=float) < 1e7 else 1):
        for side in (*sides, "cli") if cli else sides:
            run = typed() if side == "cli" else timed(side, ["once"])
            best[side] = min(best.get(side, run), run, key=lambda w: w[0])
    results = {side: {**result, "process": process} for side, (process, result) in best.items()}
    if "truce" in results:
        results["truce"] |= timed("truce", [])[1]
    return results


def whole_process_target(sizes: tuple[int, ...]) -> float:
    """The speed-up a whole process must reach: at least NegMAS's pace where its start-up dominates (10^4
    outcomes), 20x from 10^6 outcomes."""
    return 1.0 if np.prod(sizes, dtype=float) < 1e6 else 20.0


def _canonical(frontier: list[list[float]]) -> np.ndarray:
    u = np.asarray(frontier, dtype=float).reshape(len(frontier), -1)
    u = np.unique(np.round(u, 12), axis=0)  # equal vectors once
    return u[np.lexsort(tuple(-u[:, j] for j in range(u.shape[1] - 1, -1, -1)))]


def agree(a: dict[str, Any], b: dict[str, Any]) -> bool:
    fa, fb = _canonical(a["frontier"]), _canonical(b["frontier"])
    same_frontier = fa.shape == fb.shape and bool(np.allclose(fa, fb, rtol=0, atol=1e-9))
    return same_frontier and bool(np.allclose(a["nash"], b["nash"], rtol=0, atol=1e-9))


def agree_printed(printed: list[list[float]], exact: list[list[float]]) -> bool:
    """A frontier printed at 6 decimals against an exact one: as many points, each within rounding."""
    fa, fb = _canonical(printed), _canonical(exact)
    return fa.shape == fb.shape and bool(np.allclose(fa, fb, rtol=0, atol=5e-7 + 1e-12))


def run() -> None:
    import tempfile

    from truce.model.compiled import compile_scenario

    print(f"Pareto frontier + Nash point, random linear-additive domains (seed {SEED}), each side in a fresh process")
    header = (
        f"  {'domain':<22}{'engine':<8}{'seconds':>10}{'peak MB':>9}{'base MB':>9}{'frontier':>9}"
        f"{'speed-up':>10}{'agree':>7}  verdict"
    )
    print(header)
    for parties, sizes, target in CASES:
        label = f"{parties}p, {len(sizes)}x{sizes[0]} ({np.prod(sizes, dtype=float):.0e})"
        skip = np.prod(sizes, dtype=float) >= 1e7 and os.environ.get(SKIP) == "1"
        scenario = scenario_of(parties, sizes)
        with tempfile.TemporaryDirectory() as folder:
            tables = save_tables(compile_scenario(scenario), Path(folder))
            timed_too = parties == 2 and np.prod(sizes) < 1e7
            cli = frontier_command(scenario, Path(folder) / "domain.json", "--zopa") if timed_too else None
            measured = measure(("truce",) if skip else ("truce", "negmas"), parties, sizes, tables, cli)
        ours, theirs = measured["truce"], measured.get("negmas")
        for name, r in (("negmas", theirs), ("truce", ours)):
            if r is None:
                print(f"  {label:<22}{name:<8}{'skipped':>10}  ({SKIP}=1)")
                continue
            row = f"  {label:<22}{name:<8}{r['seconds']:>10.4f}{r['peak_mb']:>9.0f}{r['base_mb']:>9.0f}"
            row += f"{len(r['frontier']):>9}"
            if name == "truce" and theirs is not None:
                ratio = theirs["seconds"] / r["seconds"]
                ok = ratio >= target and r["peak_mb"] < MEMORY_TARGET_MB
                verdict = "meets" if ok else "MISSES"
                row += f"{ratio:>9,.0f}x{'yes' if agree(r, theirs) else 'NO':>7}  {verdict} >= {target:.0f}x"
                row += f", < {MEMORY_TARGET_MB:.0f} MB"
                whole, wanted = theirs["process"] / r["process"], whole_process_target(sizes)
                row += f"; whole process {r['process']:.2f} s vs {theirs['process']:.2f} s = {whole:,.1f}x "
                row += f"({'meets' if whole >= wanted else 'MISSES'} >= {wanted:.0f}x)"
            print(row, flush=True)
        typed = measured.get("cli")
        if typed is not None and theirs is not None:
            whole, wanted = theirs["process"] / typed["process"], whole_process_target(sizes)
            same = "yes" if agree_printed(typed["frontier"], theirs["frontier"]) else "NO"
            row = f"  {label:<22}{'command':<8}{'':>27}{len(typed['frontier']):>9}{'':>10}{same:>7}  "
            row += f"truce frontier --json, whole process {typed['process']:.2f} s vs {theirs['process']:.2f} s = "
            print(row + f"{whole:,.1f}x ({'meets' if whole >= wanted else 'MISSES'} >= {wanted:.0f}x)", flush=True)
    parties, sizes = BIG
    r = measure(("truce",), parties, sizes, None)["truce"]
    verdict = "meets" if r["seconds"] < BIG_TARGET_SECONDS else "MISSES"
    label = f"{parties}p, {len(sizes)}x{sizes[0]} ({np.prod(sizes, dtype=float):.0e})"
    row = f"  {label:<22}{'truce':<8}{r['seconds']:>10.4f}{r['peak_mb']:>9.0f}{r['base_mb']:>9.0f}"
    print(row + f"{len(r['frontier']):>9}{'':>10}{'':>7}  {verdict} < {BIG_TARGET_SECONDS:.0f} s (no peer)")

    six_parties()


def six_parties() -> None:
    import subprocess
    import tempfile

    from truce.model.generate import random_scenario

    parties, sizes = SIX
    scenario = random_scenario(np.random.default_rng(SEED), parties, sizes)
    with tempfile.TemporaryDirectory() as folder:
        cli = frontier_command(scenario, Path(folder) / "six.json")
        start = time.perf_counter()
        done = subprocess.run(cli, **_QUIET)
        seconds = time.perf_counter() - start
    points = len(json.loads(done.stdout)["frontier"])
    verdict = "meets" if seconds < SIX_TARGET_SECONDS else "MISSES"
    label = f"{parties}p, {len(sizes)}x{sizes[0]} ({np.prod(sizes, dtype=float):.0e})"
    print(f"  {label:<22}{'truce':<8}{seconds:>10.4f}{'':>18}{points:>9}{'':>17}  ", end="")
    print(f"{verdict} < {SIX_TARGET_SECONDS:.0f} s, whole process (no peer)")


_QUIET: dict[str, Any] = {"capture_output": True, "text": True, "check": True}


if __name__ == "__main__":
    side, parties, sizes = sys.argv[1], int(sys.argv[2]), tuple(int(x) for x in sys.argv[3].split(","))
    print(json.dumps(child(side, parties, sizes, Path(sys.argv[4]), once=sys.argv[5:] == ["once"])))
