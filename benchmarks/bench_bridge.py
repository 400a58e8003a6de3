"""Bridging proposals (the fewest changes to a text every party accepts) against NegMAS 0.16.

Domains: random linear-additive preferences (seed :data:`SEED`), two parties, ten-option issues: 10^4
outcomes (4 issues), 10^5 (5) and 10^6 (6). The reference is the first party's ideal (its best option
on every issue). The reservation values put the reference out of reach: the second party needs
:data:`SHARE` of the way from its utility at the reference up to its best possible utility, and the
first party accepts giving up :data:`SHARE` of the way from its ideal down to its worst. No red lines,
no package rules.

The question asked of both: the fewest terms of the reference that must change for every party to
accept (utility at or above its reservation value), and, among the packages changing that few, the
largest Nash product (the product of the gains over the reservation values).

NegMAS has no fewest-change bridging, so its side is what a researcher would write with it: the same
discrete issues and a ``LinearAdditiveUtilityFunction`` per party whose value tables are the compiled
tables (weights 1) and whose reserved value is the party's reservation value; the outcome space is
enumerated with ``DiscreteCartesianOutcomeSpace.enumerate``, each outcome evaluated by calling each
party's utility function, the outcomes acceptable to all kept (``u >= reserved_value``), and among
those changing the fewest terms of the reference the largest Nash product taken. Truce runs
``bridge(c, reference, "nash", k=1, scope="all", improvements=0)``: the same question (one bridge, no
Pareto improvements). The results are checked to agree: the same number of changes and the same Nash
product within 1e-9.

Truce alone on random domains of 80 six-option issues (about 1.8e62 outcomes, far too many for NegMAS
to enumerate) and, with three parties, of 20 six-option issues (3.7e15), same seed and reservation rule (every
party after the first needs what the second needs), and on the shipped case ``examples/gaza-2024`` from the
proposal ``aug16-bridging`` as Hamas read it on 18 August, as
``truce bridge --from aug16-bridging@hamas-aug18`` runs it (three bridges, two
improvements each, Nash tie-break), within each scope (``tabled``, ``all``). The Gaza rows show the
first bridge's number of changes and Nash product, and how many bridges were found.

Each side runs in a fresh subprocess, so one side's memory never counts against the other; the peak
memory is that process's own peak resident set size (:func:`benchmarks.memory.peak_mb`), which includes
the interpreter and the imports (shown alone in the ``base MB`` column: the same process's peak before
the domain is built).
Time covers the computation only (not imports or building the domain and utility functions): one run
for NegMAS, for truce the median of up to five runs (fewer when they take more than ten seconds in all).
``speed-up`` is NegMAS's time over truce's, ``memory`` NegMAS's peak over truce's.
NegMAS is not run on a domain when the time per outcome of its largest run so far projects more than
:data:`LIMIT_SECONDS` seconds (the row says so and gives the projection), and is stopped if a run goes
past three times that.
"""

from __future__ import annotations

import json
import math
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.memory import peak_mb
from truce.analysis.bridge import BridgeResult, bridge, bridge_proposal
from truce.io.scenario_files import load_scenario
from truce.model.compiled import Compiled, compile_scenario
from truce.model.generate import random_scenario
from truce.model.scenario import Term

SEED = 2024
SHARE = 0.4
CASES: tuple[tuple[int, ...], ...] = ((10,) * 4, (10,) * 5, (10,) * 6)
BIG: tuple[int, ...] = (6,) * 80
THREE: tuple[int, ...] = (6,) * 20  # with three parties
TALKS = "gaza-2024"
PROPOSAL, READING = "aug16-bridging", "hamas-aug18"  # the text as the side that rejected it read it
SCOPES = ("tabled", "all")
LIMIT_SECONDS = 60.0
ROOT = Path(__file__).resolve().parents[1]


def domain(sizes: tuple[int, ...], parties: int = 2) -> tuple[Compiled, dict[str, Term]]:
    """The benchmark domain and its reference (the first party's ideal), reservations as the docstring says
    (with more than two parties, every party after the first needs what the second needs with two)."""
    plain = compile_scenario(random_scenario(np.random.default_rng(SEED), parties, sizes))
    ref = np.array([int(np.argmax(t[0])) for t in plain.tables], dtype=np.int64)
    at_ref = plain.utilities(ref)[0]
    best = [float(sum(t[p].max() for t in plain.tables)) for p in range(parties)]
    worst = [float(sum(t[p].min() for t in plain.tables)) for p in range(parties)]
    reservation = (
        float(at_ref[0] - SHARE * (at_ref[0] - worst[0])),
        *(float(at_ref[p] + SHARE * (best[p] - at_ref[p])) for p in range(1, parties)),
    )
    c = compile_scenario(random_scenario(np.random.default_rng(SEED), parties, sizes, reservation=reservation))
    return c, c.decode(ref)


def nash_product(c: Compiled, utilities: list[float]) -> float:
    """The product of the gains over the reservation values (0 when a party gains nothing)."""
    return math.prod(max(u - float(r), 0.0) for u, r in zip(utilities, c.reservation, strict=True))


def _timed(run: Any) -> tuple[float, Any]:
    """The median time of up to five runs (stopping once ten seconds have gone) and the last result."""
    times: list[float] = []
    result = None
    while len(times) < 5 and sum(times) < 10.0:
        start = time.perf_counter()
        result = run()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def _summary(c: Compiled, r: BridgeResult) -> dict[str, Any]:
    search = {"complete": r.search.complete, "least": r.search.least, "precision": r.search.precision}
    if not r.bridges:
        return {"changes": None, "nash": None, "bridges": 0, **search}
    first = r.bridges[0]
    utilities = [float(first.utilities[p]) for p in c.parties]
    return {"changes": len(first.changes), "nash": nash_product(c, utilities), "bridges": len(r.bridges), **search}


def _search_note(r: dict[str, Any]) -> str:
    """What the search could not promise (``''``: nothing): see ``truce bridge``'s closing lines."""
    count = "the count is exact" if r["least"] else "fewer changes may be possible"
    said = [] if r["complete"] else [f"search cut short: {count}, the ranking among the sets seen"]
    if r["precision"] > 0:
        said.append(f"packages from a thinned frontier, precision {r['precision']:.3g}")
    return "; " + "; ".join(said) if said else ""


def truce_side(c: Compiled, reference: dict[str, Term]) -> tuple[float, dict[str, Any]]:
    """Truce's answer to the benchmark question, and the median time it took."""
    seconds, r = _timed(lambda: bridge(c, reference, "nash", k=1, scope="all", improvements=0))
    return seconds, _summary(c, r)


def _negmas(c: Compiled, reference: dict[str, Term]) -> tuple[float, dict[str, Any]]:
    from negmas.outcomes import make_issue, make_os
    from negmas.preferences import LinearAdditiveUtilityFunction
    from negmas.preferences.value_fun import TableFun

    issues = [make_issue(list(range(n)), name=name) for n, name in zip(c.sizes, c.issues, strict=True)]
    space = make_os(issues)
    ufuns = [
        LinearAdditiveUtilityFunction(
            [TableFun({k: float(v) for k, v in enumerate(table[p])}) for table in c.tables],
            weights=[1.0] * len(c.tables),
            outcome_space=space,
            reserved_value=float(c.reservation[p]),
        )
        for p in range(len(c.parties))
    ]
    ref = tuple(int(x) for x in c.encode(reference))
    start = time.perf_counter()
    reserved = [u.reserved_value for u in ufuns]  # read once: NegMAS computes it on every access
    fewest, best, best_utilities = len(ref) + 1, -1.0, None
    for outcome in space.enumerate():
        utilities = [float(u(outcome)) for u in ufuns]
        if any(x < r for x, r in zip(utilities, reserved, strict=True)):
            continue
        changes = sum(a != b for a, b in zip(outcome, ref, strict=True))
        if changes > fewest:
            continue
        product = math.prod(x - r for x, r in zip(utilities, reserved, strict=True))
        if changes < fewest or product > best:
            fewest, best, best_utilities = changes, product, utilities
    seconds = time.perf_counter() - start
    if best_utilities is None:
        return seconds, {"changes": None, "nash": None, "bridges": 0, "complete": True}
    return seconds, {"changes": fewest, "nash": best, "bridges": 1, "complete": True}


def child(side: str, case: str) -> dict[str, Any]:
    """One side's measurement, in this (fresh) process. ``case``: issue sizes, or a scope of the Gaza case."""
    base = peak_mb()
    if side == "gaza":
        c = compile_scenario(load_scenario(ROOT / "examples" / TALKS))
        seconds, r = _timed(
            lambda: bridge_proposal(c, PROPOSAL, "nash", k=3, scope=case, improvements=2, reading=READING)
        )
        result = _summary(c, r)
    else:
        parties, _, sizes = case.rpartition("p:")  # "6,6,6" for two parties, "3p:6,6,6" for three
        c, reference = domain(tuple(int(x) for x in sizes.split(",")), int(parties or 2))
        seconds, result = (truce_side if side == "truce" else _negmas)(c, reference)
    return {"seconds": seconds, "peak_mb": peak_mb(), "base_mb": base, **result}


def measure(side: str, case: str, timeout: float | None = None) -> dict[str, Any] | None:
    """Run :func:`child` in a fresh interpreter and read its result (None when ``timeout`` ran out)."""
    args = [sys.executable, "-m", "benchmarks.bench_bridge", side, case]
    try:
        done = subprocess.run(args, cwd=ROOT, capture_output=True, text=True, check=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return None
    result: dict[str, Any] = json.loads(done.stdout.splitlines()[-1])
    return result


def agree(a: dict[str, Any], b: dict[str, Any]) -> bool:
    """The same fewest number of changes and the same best Nash product (within 1e-9)."""
    if a["changes"] is None or b["changes"] is None:
        return a["changes"] is None and b["changes"] is None
    return bool(a["changes"] == b["changes"] and abs(a["nash"] - b["nash"]) <= 1e-9)


def _label(sizes: tuple[int, ...], parties: int = 2) -> str:
    return f"{parties}p, {len(sizes)}x{sizes[0]} ({math.prod(sizes):.0e})"


def _row(label: str, engine: str, r: dict[str, Any]) -> str:
    nash = "-" if r["nash"] is None else f"{r['nash']:.6f}"
    changes = "-" if r["changes"] is None else str(r["changes"])
    return (
        f"  {label:<46}{engine:<8}{r['seconds']:>10.4f}{r['peak_mb']:>9.0f}{r['base_mb']:>9.0f}{changes:>8}{nash:>11}"
    )


def run() -> None:
    print(
        f"Fewest-change bridge from party p0's ideal + Nash tie-break, random linear-additive domains "
        f"(seed {SEED}), each side in a fresh process"
    )
    print(
        f"  {'domain':<46}{'engine':<8}{'seconds':>10}{'peak MB':>9}{'base MB':>9}{'changes':>8}{'Nash':>11}"
        f"{'speed-up':>10}{'memory':>8}{'agree':>7}"
    )
    per_outcome = 0.0  # NegMAS seconds per outcome in its largest run so far
    for sizes in CASES:
        case, label, outcomes = ",".join(map(str, sizes)), _label(sizes), math.prod(sizes)
        ours = measure("truce", case)
        assert ours is not None
        projected = per_outcome * outcomes
        theirs = None
        if projected <= LIMIT_SECONDS:
            theirs = measure("negmas", case, timeout=3 * LIMIT_SECONDS)
        if theirs is None:
            why = f"projected {projected:.0f} s" if projected > LIMIT_SECONDS else f"over {3 * LIMIT_SECONDS:.0f} s"
            print(f"  {label:<46}{'negmas':<8}{'skipped':>10}  ({why}, limit {LIMIT_SECONDS:.0f} s)")
        else:
            per_outcome = theirs["seconds"] / outcomes
            print(_row(label, "negmas", theirs), flush=True)
        row = _row(label, "truce", ours)
        if theirs is not None:
            row += f"{theirs['seconds'] / ours['seconds']:>9,.0f}x{theirs['peak_mb'] / ours['peak_mb']:>7.1f}x"
            row += f"{'yes' if agree(ours, theirs) else 'NO':>7}"
        print(row, flush=True)
    for parties, sizes in ((2, BIG), (3, THREE)):
        big = measure("truce", f"{parties}p:{','.join(map(str, sizes))}")
        assert big is not None
        note = f"  (no peer: too many outcomes to enumerate{_search_note(big)})"
        print(_row(_label(sizes, parties), "truce", big) + note, flush=True)
    for scope in SCOPES:
        r = measure("gaza", scope)
        assert r is not None
        note = f"  ({r['bridges']} bridges, up to 2 improvements each{_search_note(r)})"
        print(_row(f"{TALKS} {PROPOSAL}@{READING}, {scope}", "truce", r) + note, flush=True)


if __name__ == "__main__":
    print(json.dumps(child(sys.argv[1], sys.argv[2])))
