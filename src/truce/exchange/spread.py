"""The spreading stage: blocks spread over their exchange days by a stated rule, not left in lumps.

The objectives price the batch side's releases (and, under ``exposure``, the largest exposure); the
days a block goes out are free within its window, so an optimal program may put a whole block on one
day. Once the objective is met, this stage fixes every release of the batch side (and with them the
keys) and the objective's value, and solves a small program over the blocks alone:

    Each block is spread evenly over the exchange days of its window on which the batch side releases
    anyone (over all the window's exchange days when it releases nobody there), in whole numbers with the
    remainder on the earliest of those days, or as near to that as the capacities, the lists and the
    exposure limit allow (the least total distance from it).

The objective's value cannot change: what it prices is fixed.
"""

from __future__ import annotations

import numpy as np

from truce.exchange.program import HARD, Program
from truce.exchange.rules.base import Model
from truce.exchange.rules.blocks import block_counts, block_days
from truce.model.exchange import Agreement

SPREAD_RULE = (
    "each block is spread evenly over the exchange days of its window on which the batch side releases anyone "
    "(over all the window's exchange days when it releases nobody there), in whole numbers with the remainder on "
    "the earliest of those days, or as near to that as the capacities, the lists and the exposure limit allow"
)


def targets(a: Agreement, m: Model, values: np.ndarray) -> dict[tuple[int, str, str], float]:
    """The even share of each block on each of its days, in whole numbers, given the batch side's releases.

    Whole targets keep the stage cheap: when the rules allow the even split, it is the optimum at the root."""
    sizes, days = block_counts(a), block_days(a)
    out: dict[tuple[int, str, str], float] = {}
    for b in a.blocks:
        window = days[b.id]
        busy = [d for d in window if sum(values[m.x[d, c]] for c in m.captives if (d, c) in m.x) > 0.5]
        chosen = busy or window
        share, rest = divmod(sizes[b.id], len(chosen))
        for d in window:
            extra = 1 if d in chosen and chosen.index(d) < rest else 0  # the remainder on the earliest days
            out[d, b.id, b.category] = float(share + extra) if d in chosen else 0.0
    return out


def spread_blocks(a: Agreement, m: Model, solution: np.ndarray, time_limit: float = 20.0) -> np.ndarray:
    """The solution with its blocks spread by :data:`SPREAD_RULE` (unchanged if there are no blocks)."""
    if not a.blocks:
        return solution
    block_ids = {b.id for b in a.blocks}
    free = {v for (_, rule, _), v in m.y.items() if rule in block_ids}
    p = m.program
    stage = Program(list(p.lb), list(p.ub), list(p.integer), [0.0] * len(p.lb), list(p.rows), list(p.groups))
    for v in range(len(p.lb)):
        if p.integer[v] and v not in free:
            stage.lb[v] = stage.ub[v] = float(np.rint(solution[v]))
    if m.worst is not None and m.objective == "exposure":
        stage.ub[m.worst] = float(solution[m.worst]) + 1e-9  # keep the largest exposure found
    for (d, rule, q), target in targets(a, m, solution).items():
        y = m.y[d, rule, q]
        gap = stage.var(0, np.inf, integer=False)
        stage.cost[gap] = 1.0
        stage.row({gap: 1.0, y: -1.0}, -target, np.inf, HARD)  # gap >= y - target
        stage.row({gap: 1.0, y: 1.0}, target, np.inf, HARD)  # gap >= target - y
    spread = stage.solve(None, time_limit=time_limit)
    return solution if spread is None else spread[: len(p.lb)]
