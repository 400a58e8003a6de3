"""Counting the ZOPA when enumerating it layer by layer would take too long: an exact meet-in-the-middle
count for one or two parties, certified bounds from a grid, and a Monte Carlo estimate.

All three see the same space as :mod:`truce.analysis.zopa`: each issue's options that no considered party's
one-issue red line forbids, the considered parties' red lines over several issues (``couplings``, package
rules among them) and their reservation values, with a utility at or above the reservation value within
:data:`~truce.model.compiled.TOLERANCE` accepted.

Each works within a memory cap (bytes) and stops with :class:`OverBudget` past a deadline it is given, so
that the caller can fall back to the next method.

*Meet in the middle* (one or two parties). The issues are split into two halves of about equal size; each
half's feasible partial assignments are enumerated with their utility pair. A complete outcome is a pair
(a, b) of partial assignments, acceptable when ``a_p + b_p >= r_p`` for both parties: counting such pairs
is a two-dimensional dominance count, made by sorting one half on the first party's utility and, for each
entry of the other half, counting in that prefix the entries whose second utility is high enough; the
prefix is cut into aligned blocks of powers of two (as a Fenwick tree does) whose entries are sorted
once per level, so the whole count is vectorised at O(N log^2 N). Red lines over several issues that lie
within one half remove that half's entries; a red line with issues in both halves is crossed when both
partial assignments lie in its masks, so each entry carries one bit per such red line and only entries
with no common bit are paired. The sums ``a_p + b_p`` are added in another order than
:meth:`Compiled.utilities` adds them: an outcome whose utility lies within about 1e-15 of its reservation
value minus the tolerance may be judged differently (nothing else may).

*Certified bounds* (any number of parties; used for one or two). Each party's utility is measured on a
grid of step ``h``: rounding every issue's contribution down to the grid gives a utility no higher than the
true one, so outcomes whose rounded-down sum reaches the reservation value are certainly acceptable (a
lower bound on the count); rounding up gives a utility no lower than the true one, so every acceptable
outcome has a rounded-up sum reaching it (an upper bound). Both counts come from a dynamic programme over
each party's remaining shortfall in grid steps (capped at zero, since contributions are shifted to be
non-negative), issue by issue. A margin of 1e-9 absorbs float error in the rounding, and the counts, kept
as floats, are widened by a relative 1e-9 when they may exceed 2^53 (where floats stop being exact
integers); both only loosen the bounds. Red lines over several issues are left out of the programme: the
upper bound then counts a superset, and the lower bound subtracts, for each such red line, every feasible
outcome crossing it (a union bound). The width of the bounds grows with the number of issues and shrinks
with the grid; when they meet, the count is exact.

*Monte Carlo* (three or more parties): outcomes drawn uniformly from the feasible options of each issue
with numpy's PCG64 seeded by ``seed``, the share found acceptable scaled to the feasible space, with a
Wilson score interval at :data:`CONFIDENCE`. The interval is a statistical statement, not a certificate;
an acceptable outcome drawn does certify that the ZOPA is not empty.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from fractions import Fraction
from typing import Literal

import numpy as np

from truce.analysis.frontier import allowed_options
from truce.model.compiled import TOLERANCE, Bools, Compiled, Floats, Ints

CONFIDENCE = 0.99
_Z = 2.5758293035489004  # the standard normal quantile of 1 - (1 - CONFIDENCE) / 2
_MARGIN = 1e-9  # float error allowed for in the grid's rounding
_WIDEN = Fraction(1, 10**9)  # relative error allowed for in float counts above 2^53
_MAX_CROSSING = 8  # red lines with issues in both halves that meet in the middle tracks
MIN_CELLS, MAX_CELLS = 1 << 12, 1 << 22  # the grid's size: at most 5 arrays of 32 MiB
_CELLS_PER_SECOND = 5e7  # grid cells moved per second by one option, on a slow, shared machine


class OverBudget(Exception):
    """A method would pass its deadline or its memory cap."""


@dataclass(frozen=True)
class Space:
    """The feasible space for the parties considered: options, their utilities, and the red lines left."""

    options: tuple[Ints, ...]  # per issue: the option indices no one-issue red line forbids
    tables: tuple[Floats, ...]  # per issue: (feasible options, parties)
    couplings: tuple[tuple[tuple[int, Bools], ...], ...]  # masks over feasible options
    reservation: Floats
    feasible: int  # outcomes using only feasible options


def feasible_space(c: Compiled, sel: Ints) -> Space:
    n = len(c.issues)
    chosen = set(sel.tolist())
    options = tuple(allowed_options(c, sel, i) for i in range(n))
    tables = tuple(np.ascontiguousarray(c.tables[i][sel].T[options[i]]) for i in range(n))
    couplings = tuple(tuple((i, mask[options[i]]) for i, mask in cp.masks) for cp in c.couplings if cp.party in chosen)
    feasible = math.prod(len(o) for o in options)
    return Space(options, tables, couplings, c.reservation[sel].astype(np.float64), feasible)


def _check(deadline: float | None) -> None:
    if deadline is not None and time.monotonic() >= deadline:
        raise OverBudget


# -- meet in the middle ---------------------------------------------------------------------------------


def meet_in_the_middle(s: Space, *, memory: int, deadline: float | None) -> int:
    """The exact number of feasible outcomes acceptable to one or two parties."""
    m = len(s.reservation)
    if m > 2:
        raise ValueError("meet in the middle counts for one or two parties")
    if s.feasible == 0:
        return 0
    if not fits_in_the_middle(s, memory):
        raise OverBudget
    halves = _split([len(o) for o in s.options])
    side = [set(h) for h in halves]
    crossing = [cp for cp in s.couplings if not any({i for i, _ in cp} <= h for h in side)]
    a_u, a_bits = _half(s, halves[0], crossing, deadline)
    b_u, b_bits = _half(s, halves[1], crossing, deadline)
    if m == 1:  # a second party that accepts everything
        a_u = np.column_stack((a_u, np.zeros(len(a_u))))
        b_u = np.column_stack((b_u, np.zeros(len(b_u))))
        need = np.array([s.reservation[0] - TOLERANCE, -1.0])
    else:
        need = s.reservation - TOLERANCE
    total = 0
    for bits in np.unique(a_bits):
        q = a_bits == bits
        b = (b_bits & bits) == 0
        if q.any() and b.any():
            total += _dominance(b_u[b], need - a_u[q], deadline)
    return total


def fits_in_the_middle(s: Space, memory: int) -> bool:
    """Whether meeting in the middle can count ``s`` within ``memory`` bytes (and few enough red lines
    across the halves)."""
    halves = _split([len(o) for o in s.options])
    side = [set(h) for h in halves]
    crossing = [cp for cp in s.couplings if not any({i for i, _ in cp} <= h for h in side)]
    rows = max(math.prod(len(s.options[i]) for i in h) for h in halves)
    # utilities, bits, sort keys and their temporaries
    return len(crossing) <= _MAX_CROSSING and rows * (16 * len(s.reservation) + 64) <= memory


def _split(sizes: list[int]) -> tuple[list[int], list[int]]:
    """Issues in two halves of about equal product of sizes: largest first, each to the smaller half."""
    halves: tuple[list[int], list[int]] = ([], [])
    logs = [0.0, 0.0]
    for i in sorted(range(len(sizes)), key=lambda i: -sizes[i]):
        k = 0 if logs[0] <= logs[1] else 1
        halves[k].append(i)
        logs[k] += math.log(max(1, sizes[i]))
    return sorted(halves[0]), sorted(halves[1])


def _half(
    s: Space, issues: list[int], crossing: list[tuple[tuple[int, Bools], ...]], deadline: float | None
) -> tuple[Floats, Ints]:
    """Every feasible assignment of ``issues``: its utilities, and a bit per crossing red line whose masks
    it lies in. Assignments crossing a red line that lies within these issues are left out."""
    m = len(s.reservation)
    mine = set(issues)
    inside = [cp for cp in s.couplings if {i for i, _ in cp} <= mine]
    tracked = [dict(cp) for cp in (*inside, *crossing)]
    utilities = np.zeros((1, m))
    hits = [np.ones(1, dtype=bool) for _ in tracked]  # per red line: whether every mask so far holds
    for i in issues:
        _check(deadline)
        n = len(s.options[i])
        utilities = (utilities[:, None, :] + s.tables[i][None, :, :]).reshape(-1, m)
        for k, masks in enumerate(tracked):
            hits[k] = np.repeat(hits[k], n) & np.tile(masks.get(i, np.ones(n, dtype=bool)), len(hits[k]))
    keep = np.ones(len(utilities), dtype=bool)
    for hit in hits[: len(inside)]:
        keep &= ~hit
    bits = np.zeros(len(utilities), dtype=np.int64)
    for k, hit in enumerate(hits[len(inside) :]):
        bits |= hit.astype(np.int64) << k
    return utilities[keep], bits[keep]


def _dominance(points: Floats, queries: Floats, deadline: float | None) -> int:
    """How many (query, point) pairs have the point at or above the query in both coordinates."""
    n = len(points)
    order = np.argsort(-points[:, 0], kind="stable")
    xs = -points[order, 0]  # ascending
    ys = points[order, 1]
    prefix = _search(xs, -queries[:, 0], "right")  # points with x >= the query's x
    by_y = np.argsort(ys, kind="stable")
    rank = np.empty(n, dtype=np.int64)
    rank[by_y] = np.arange(n)
    low = _search(ys[by_y], queries[:, 1], "left")  # points with y >= the query's have rank >= low
    total = 0
    level = 0
    while (1 << level) <= n:
        _check(deadline)
        size = 1 << level
        has = (prefix >> level) & 1 == 1
        if has.any():
            blocks = n // size
            keys = np.sort(rank[: blocks * size].reshape(blocks, size), axis=1)
            keys += (np.arange(blocks, dtype=np.int64) * n)[:, None]
            block = (prefix[has] >> (level + 1)) << 1  # the aligned block of this size that the prefix ends with
            # only the sum counts, so the needles may be sorted: searching sorted needles is ten times faster
            at = np.searchsorted(keys.ravel(), np.sort(block * n + low[has]), side="left")
            total += int(((block + 1) * size).sum()) - int(at.sum())
        level += 1
    return total


def _search(haystack: Floats, needles: Floats, side: Literal["left", "right"]) -> Ints:
    """``np.searchsorted``, with the needles sorted first: much faster on large arrays (memory order)."""
    order = np.argsort(needles, kind="stable")
    out = np.empty(len(needles), dtype=np.int64)
    out[order] = np.searchsorted(haystack, needles[order], side=side)
    return out


# -- certified bounds -----------------------------------------------------------------------------------


def grid_bounds(s: Space, *, cells: int, deadline: float | None = None) -> tuple[int, int]:
    """A lower and an upper bound on the number of feasible outcomes acceptable to one or two parties, from
    a grid of at most about ``cells`` cells (see the module's notes)."""
    m = len(s.reservation)
    if m > 2:
        raise ValueError("the grid bounds count for one or two parties")
    if s.feasible == 0:
        return 0, 0
    base = np.array([t.min(axis=0) for t in s.tables])  # (issues, parties)
    shifted = [t - b for t, b in zip(s.tables, base, strict=True)]
    need = s.reservation - TOLERANCE - base.sum(axis=0)  # shortfall to make up from the shifted contributions
    top = np.array([t.max(axis=0) for t in shifted]).sum(axis=0)
    if np.any(need - _MARGIN > top):  # some party cannot be satisfied even by its best outcome
        return 0, 0
    active = [p for p in range(m) if need[p] + _MARGIN > 0]  # the others accept every outcome
    side = max(1, int(cells ** (1 / max(1, len(active)))) - 2)
    low = _shortfall_count(shifted, need + _MARGIN, side, active, np.floor, deadline)
    high = _shortfall_count(shifted, need - _MARGIN, side, active, np.ceil, deadline)
    crossing = sum(_crossing(s, cp) for cp in s.couplings)
    lo = max(0, _rounded(low, s.feasible, down=True) - crossing)
    hi = min(s.feasible, _rounded(high, s.feasible, down=False))
    return lo, max(lo, hi)


def _shortfall_count(
    shifted: list[Floats],
    need: Floats,
    side: int,
    active: list[int],
    rounding: np.ufunc,
    deadline: float | None,
) -> float:
    """How many outcomes of the feasible options (red lines over several issues aside) have every active
    party's contributions, rounded to a grid of ``side`` steps up to its need, reach ``need``; a float,
    exact below 2^53."""
    axes = [*active, -1, -1][:2]  # fewer than two parties to satisfy: axes of length one
    step = [need[p] / side if p >= 0 and need[p] > 0 else 1.0 for p in axes]
    target = [max(0, math.ceil(need[p] / st)) if p >= 0 else 0 for p, st in zip(axes, step, strict=True)]
    # count[a, b]: partial outcomes whose shortfall is a grid steps for the first axis and b for the second,
    # capped below at zero
    count = np.zeros((target[0] + 1, target[1] + 1))
    count[target[0], target[1]] = 1.0
    for table in shifted:
        _check(deadline)
        steps = np.zeros((len(table), 2), dtype=np.int64)
        for k, (p, st) in enumerate(zip(axes, step, strict=True)):
            if p >= 0:
                steps[:, k] = np.minimum(rounding(table[:, p] / st), target[k])
        shifts, times = np.unique(steps, axis=0, return_counts=True)
        count = _step(count, shifts, times.astype(np.float64))
    return float(count[0, 0])


def _step(count: Floats, shifts: Ints, times: Floats) -> Floats:
    """One issue: each option lowers the shortfall by its shift (``times`` options alike), what falls below
    zero kept at zero."""
    rows, cols = count.shape
    down = np.cumsum(count, axis=0)  # down[a, b]: count[0..a, b]
    across = np.cumsum(count, axis=1)  # across[a, b]: count[a, 0..b]
    both = np.cumsum(down, axis=1)
    out = np.zeros_like(count)
    scratch = np.empty_like(count)
    for (k, j), w in zip(shifts.tolist(), times.tolist(), strict=True):
        # shortfalls (a + k, b + j) move to (a, b); those at or below (k, j) on an axis collect at zero on it
        if k + 1 < rows and j + 1 < cols:
            target = out[1 : rows - k, 1 : cols - j]
            if w == 1:
                target += count[k + 1 :, j + 1 :]
            else:
                part = scratch[: rows - k - 1, : cols - j - 1]
                np.multiply(count[k + 1 :, j + 1 :], w, out=part)
                target += part
        if j + 1 < cols:
            out[0, 1 : cols - j] += w * down[k, j + 1 :]
        if k + 1 < rows:
            out[1 : rows - k, 0] += w * across[k + 1 :, j]
        out[0, 0] += w * both[k, j]
    return out


def grid_cells(s: Space, seconds: float) -> int:
    """Grid cells for bounds that take about ``seconds`` (at a conservative speed), within the cap."""
    work = 2 * sum(len(o) for o in s.options)  # two programmes, each a pass over the grid per option
    return int(min(MAX_CELLS, max(MIN_CELLS, seconds * _CELLS_PER_SECOND / max(1, work))))


def _rounded(value: float, feasible: int, *, down: bool) -> int:
    exact = Fraction(value)
    if feasible >= 2**53:
        exact *= 1 - _WIDEN if down else 1 + _WIDEN
    return math.floor(exact) if down else math.ceil(exact)


def _crossing(s: Space, cp: tuple[tuple[int, Bools], ...]) -> int:
    """How many feasible outcomes cross red line ``cp``."""
    masks = dict(cp)
    return math.prod(int(masks[i].sum()) if i in masks else len(o) for i, o in enumerate(s.options))


# -- Monte Carlo ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Estimate:
    count: int  # the point estimate, rounded
    bounds: tuple[int, int]  # the interval at CONFIDENCE
    hits: int
    samples: int


def monte_carlo(c: Compiled, sel: Ints, s: Space, *, samples: int, seed: int) -> Estimate:
    """The number of feasible outcomes acceptable to every party considered, estimated from ``samples``
    outcomes drawn uniformly from the feasible space."""
    if s.feasible == 0 or samples <= 0:
        return Estimate(0, (0, s.feasible), 0, 0)
    rng = np.random.default_rng(seed)
    hits = 0
    chunk = 1 << 16
    for start in range(0, samples, chunk):
        k = min(chunk, samples - start)
        outcomes = np.column_stack([o[rng.integers(0, len(o), k)] for o in s.options]).astype(np.int64)
        hits += int(c.acceptable(outcomes)[:, sel].all(axis=1).sum())
    share = hits / samples
    spread = _Z * math.sqrt(share * (1 - share) / samples + _Z**2 / (4 * samples**2))
    centre = share + _Z**2 / (2 * samples)
    scale = 1 + _Z**2 / samples
    low_share, high_share = max(0.0, (centre - spread) / scale), min(1.0, (centre + spread) / scale)
    low = max(1 if hits else 0, math.floor(Fraction(low_share) * s.feasible))
    high = min(s.feasible, math.ceil(Fraction(high_share) * s.feasible))
    return Estimate(round(Fraction(hits, samples) * s.feasible), (low, max(low, high)), hits, samples)
