"""One party's outcomes at every level of its own utility, from its own preferences only (a knapsack ladder).

With private information, a party that wants "an outcome at or just above my target utility" solves a problem
over its own additive utility alone. When the space is too big to enumerate and sort, a dynamic programme
over the issues answers it for every target at once: each issue's value is rounded down to a grid of step
``delta`` and, for every reachable rounded total, the programme keeps the outcome with the highest exact
utility. That *ladder* (one outcome per reachable rounded total) is what the party offers from.

Precision, stated: for any target ``tau``, the lowest ladder outcome at or above ``tau`` is worth less than
``u* + issues * delta``, where ``u*`` is the exact lowest utility at or above ``tau`` over the whole space (the
exact optimum's rounded total is reachable, and the ladder's outcome for that total is worth at least as much
and shares its rounded total). :data:`PRECISION` sets ``issues * delta``.

One outcome per level leaves an opponent model nothing to choose from, so the ladder is widened: for every
issue and every option of it, a coarser programme (``issues * delta`` = :data:`WIDE_PRECISION`, or coarser if
the work would exceed :data:`WORK`) with that option fixed adds one outcome per level that uses it. One-issue
red lines are honoured inside the programme; red lines over several issues are filtered afterwards.
"""

from __future__ import annotations

import math

import numpy as np

from truce.model.compiled import Bools, Floats, Ints

PRECISION = 1e-3  # the fine ladder is within this of the exact answer, in the party's utility
WIDE_PRECISION = 1e-2  # the widening ladders, one per (issue, option)
WORK = 5e7  # a bound on the widening ladders' work (grid cells times options), which coarsens them if needed


def ladder(values: tuple[Floats, ...], allowed: tuple[Bools, ...], precision: float = PRECISION) -> Ints:
    """The fine ladder ``(k, issues)`` of one party with per-issue ``values`` (its weighted values) and
    ``allowed`` options (its one-issue red lines), with the precision stated in the module doc."""
    return _solve(values, allowed, precision)


def wide_ladder(values: tuple[Floats, ...], allowed: tuple[Bools, ...]) -> Ints:
    """The fine ladder plus, per issue and option, a coarse ladder with that option fixed (rows unique)."""
    parts = [ladder(values, allowed)]
    m = len(values)
    cells = sum(int(a.sum()) for a in allowed) * m * max(a.size for a in allowed) * m / WIDE_PRECISION
    precision = WIDE_PRECISION * max(1.0, cells / WORK)  # keep the widening within the work bound
    for i, ok in enumerate(allowed):
        for o in np.flatnonzero(ok):
            fixed = tuple(np.eye(a.size, dtype=bool)[o] if j == i else a for j, a in enumerate(allowed))
            parts.append(_solve(values, fixed, precision))
    return unique_rows(np.concatenate(parts), tuple(a.size for a in allowed))[0]


def unique_rows(rows: Ints, sizes: tuple[int, ...]) -> tuple[Ints, Ints]:
    """Distinct outcome rows, sorted, and each input row's place among them: rows are keyed by their index in
    the enumeration when that fits in 63 bits (much faster than ``np.unique(axis=0)``)."""
    if math.prod(sizes) < 1 << 62:
        keys = np.ravel_multi_index(tuple(rows.T), sizes)
        distinct, inverse = np.unique(keys, return_inverse=True)
        out: Ints = np.stack(np.unravel_index(distinct, sizes), axis=1).astype(np.int64)
        return out, inverse.reshape(-1)
    found, back = np.unique(rows, axis=0, return_inverse=True)
    return found.astype(np.int64), back.reshape(-1)


def _solve(values: tuple[Floats, ...], allowed: tuple[Bools, ...], precision: float) -> Ints:
    """The dynamic programme: per reachable rounded total, the outcome with the highest exact utility."""
    m = len(values)
    delta = precision / m
    lows = [float(v[ok].min()) for v, ok in zip(values, allowed, strict=True)]
    steps = [np.floor((v - lo) / delta).astype(np.int64) for v, lo in zip(values, lows, strict=True)]
    size = 1 + sum(int(q[ok].max()) for q, ok in zip(steps, allowed, strict=True))
    best = np.full(size, -np.inf)
    best[0] = 0.0
    choice = np.zeros((m, size), dtype=np.int32)
    cells = np.arange(size)
    for i in range(m):
        options = np.flatnonzero(allowed[i])
        source = cells[None, :] - steps[i][options][:, None]  # (options, size): the total before this issue
        moved = np.where(source >= 0, best[np.maximum(source, 0)], -np.inf) + values[i][options][:, None]
        top = np.argmax(moved, axis=0)  # ties keep the lower option: the ladder does not depend on dict order
        best, choice[i] = moved[top, cells], options[top]
    reach = np.flatnonzero(np.isfinite(best))
    rows = np.empty((reach.size, m), dtype=np.int64)
    state = reach.copy()
    for i in range(m - 1, -1, -1):  # walk back from every reachable total at once
        rows[:, i] = choice[i, state]
        state = state - steps[i][rows[:, i]]
    return rows
