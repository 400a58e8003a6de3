"""The cost of ratification at home: frontier, ZOPA and bridges with and without constituents.

Domains: random linear-additive preferences (seed :data:`SEED`), two parties, reservation 0.3, issues of
five options, too many outcomes to enumerate (5^8 and 5^12), so that the frontier is computed by pieces
and the ZOPA by inclusion-exclusion, as on real cases. Each party gets :data:`MEMBERS` constituents
(random weights and values, reservation up to 0.6, some with a red line only) under each rule in turn:
``veto`` (one piece per party), ``majority`` and ``weighted`` (several minimal winning coalitions, so
several pieces). The row "leaders" is the same domain compiled without ratification (the
``--no-ratification`` view). Also the shipped case ``examples/gaza-2024`` (Israel's government vote,
two constituents under a majority rule) with and without ratification.

Columns: ``pieces`` (the ways both sides can be ratified at once: frontiers computed and merged),
``frontier`` (its size) and ``frontier s``; ``zopa`` (the exact count, or the method when only an
estimate is known) and ``zopa s``; ``bridge changes`` and ``bridge s`` for one Nash bridge from the first
party's ideal, with no improvements. The ZOPA has a budget of five seconds before it estimates. Times are the
median of three runs (one when a run takes more than
ten seconds). ``x leaders`` is the ratified frontier's time over the leaders' own.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from truce.analysis.bridge import bridge
from truce.analysis.frontier import pareto_frontier
from truce.analysis.zopa import zopa
from truce.io.scenario_files import load_scenario
from truce.model.compiled import Compiled, compile_scenario
from truce.model.generate import random_scenario, with_constituents
from truce.model.scenario import RatificationRule

SEED = 2024
MEMBERS = 3
SIZES: tuple[tuple[int, ...], ...] = ((5,) * 8, (5,) * 12)
ROOT = Path(__file__).resolve().parents[1]


def timed(fn: Callable[[], Any]) -> tuple[Any, float]:
    times: list[float] = []
    result: Any = None
    for _ in range(3):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
        if times[-1] > 10:
            break
    return result, statistics.median(times)


def measure(c: Compiled) -> dict[str, Any]:
    front, t_front = timed(lambda: pareto_frontier(c))
    z, t_zopa = timed(lambda: zopa(c, budget=5.0))
    ideal = {issue: c.options[i][int(np.argmax(c.tables[i][0]))] for i, issue in enumerate(c.issues)}
    found, t_bridge = timed(lambda: bridge(c, ideal, "nash", 1, scope="all", improvements=0))
    return {
        "pieces": len(c.pieces(range(len(c.parties)))),
        "frontier": len(front),
        "frontier s": t_front,
        "zopa": z.count if z.count is not None else z.method,
        "zopa s": t_zopa,
        "bridge changes": len(found.bridges[0].changes) if found.bridges else "none",
        "bridge s": t_bridge,
    }


def cases() -> list[tuple[str, str, Compiled]]:
    out: list[tuple[str, str, Compiled]] = []
    for sizes in SIZES:
        name = f"2x{len(sizes)}x{sizes[0]}"
        base = random_scenario(np.random.default_rng(SEED), 2, sizes, reservation=0.3)
        out.append((name, "leaders", compile_scenario(base)))
        for rule in RatificationRule:
            rng = np.random.default_rng(SEED + 1)
            ratified = with_constituents(rng, base, members=MEMBERS, reservation=0.6, rule=rule, exact=True)
            out.append((name, rule.value, compile_scenario(ratified)))
    gaza = load_scenario(ROOT / "examples" / "gaza-2024")
    out.append(("gaza-2024", "leaders", compile_scenario(gaza, ratification=False)))
    out.append(("gaza-2024", "government vote", compile_scenario(gaza)))
    return out


def run() -> None:
    head = (
        "case",
        "rule",
        "pieces",
        "frontier",
        "frontier s",
        "x leaders",
        "zopa",
        "zopa s",
        "bridge changes",
        "bridge s",
    )
    print(" | ".join(f"{h:>15}" for h in head))
    leaders: dict[str, float] = {}
    for name, rule, c in cases():
        row = measure(c)
        if rule == "leaders":
            leaders[name] = row["frontier s"]
        ratio = row["frontier s"] / leaders[name] if leaders.get(name) else float("nan")
        cells = [name, rule, row["pieces"], row["frontier"], f"{row['frontier s']:.3f}", f"{ratio:.1f}"]
        cells += [row["zopa"], f"{row['zopa s']:.3f}", row["bridge changes"], f"{row['bridge s']:.3f}"]
        print(" | ".join(f"{x!s:>15}" for x in cells), flush=True)


if __name__ == "__main__":
    run()
