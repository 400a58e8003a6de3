"""The zone of possible agreement: the outcomes acceptable to every party.

An outcome is acceptable to a party when its utility is at or above the party's reservation value (within
1e-12) and it crosses none of the party's red lines, exactly as :meth:`Compiled.acceptable`.

The count is exact (a Python int, however large) and made without enumerating the outcome space. Issues
are assigned one at a time, in their order; a layer holds the distinct partial assignments reached so far,
each with its multiplicity (partial assignments with bit-identical utility sums and the same red-line
state are merged, since every completion treats them alike). A partial assignment is

- *dropped* when even its best completion leaves some party below its reservation value,
- *settled* when even its worst completion satisfies every party: it then counts ``multiplicity x (number
  of feasible completions)`` at once. The feasible completions (those crossing no red line) depend only on
  the red-line state, so their number and each party's best and worst completion come from a small
  memoised recursion over the remaining issues and red-line states,
- carried on to the next issue otherwise.

Settling and dropping keep a margin of 1e-9 to float error; what lies inside the margin goes to the last
issue, where its utilities are the same float sums as :meth:`Compiled.utilities` and are compared as that
method's callers do. Wide layers are cut into chunks and walked depth first, so memory stays bounded.

The time is small when reservation values lie low or high (10^7 outcomes at mid reservation values: about
a second; 6^40 at low ones: milliseconds) and exponential in the worst case: counting exactly is hard when
reservation values cut through the middle of a huge space. Spaces of at most :data:`ENUMERATE_MAX`
outcomes are enumerated.

So the count never hangs, it works within a *budget* of seconds and a memory cap (:data:`BUDGET`,
:data:`MEMORY`; ``budget=None`` for no time limit). The methods, tried in turn, and what ``method`` says:

- ``"enumerated"``: every outcome checked (small spaces);
- ``"exact"``: the layered count above, within the budget (a quarter of it when the next method applies);
- ``"meet-in-the-middle"``: for one or two parties, an exact count in O(N log^2 N) for N the square root
  of the space, within the rest of the budget (see :mod:`truce.analysis.zopa_wide`);
- ``"inclusion-exclusion"``: when a party must be ratified at home, the exact count of the union of the
  ways its constituents can ratify (see :func:`_ratified`); an estimate as below past :data:`MAX_TERMS`;
- ``"bounds"``: for one or two parties, past the budget, a certified lower and upper bound from a grid
  (``count`` is then ``None`` unless they meet);
- ``"monte-carlo"``: for three or more parties, past the budget, an estimate from :data:`SAMPLES` seeded
  draws with a confidence interval at :data:`~truce.analysis.zopa_wide.CONFIDENCE` (not a certificate).

The fallbacks take a time bounded by the space's size, not by its number of outcomes: with the defaults, a
second or two on a hundred issues.

Of several acceptable outcomes equally good (or bad) for a party, ``best`` and ``worst`` give the first
found; the choice is deterministic. Only the enumerated and exact layered counts find them; the other
methods leave them empty.
"""

from __future__ import annotations

import itertools
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from truce.analysis import zopa_wide
from truce.analysis.frontier import all_outcomes, allowed_options, selected
from truce.model.compiled import TOLERANCE, Bools, Compiled, Floats, Ints

ENUMERATE_MAX = 1 << 14  # spaces up to this many outcomes are enumerated
CHUNK = 1 << 18  # partial assignments expanded at once
BUDGET = 2.0  # seconds for the exact counts before bounds or an estimate
# bytes of arrays the exact counts may hold, as they account them; numpy's own temporaries come on top (on
# two parties and 80 issues with no time limit, the whole process peaked at 0.75 GB)
MEMORY = 1 << 29
SAMPLES = 1 << 18  # Monte Carlo draws
_MARGIN = 1e-9  # settle or drop only this far from a reservation value


@dataclass(frozen=True, eq=False)
class Point:
    """One outcome and its utilities for the parties considered."""

    outcome: Ints
    utilities: Floats


@dataclass(frozen=True, eq=False)
class Zopa:
    """How many outcomes every party accepts, and per party its best and worst of them.

    ``best[p]`` and ``worst[p]`` give, for the ``p``-th party considered, an acceptable outcome with the
    highest and the lowest utility for it (empty tuples when the ZOPA is empty).
    """

    parties: tuple[str, ...]
    count: int | None  # exact, or None when only bounds or an estimate are known
    space: int
    best: tuple[Point, ...]
    worst: tuple[Point, ...]
    bounds: tuple[int, int]  # the count lies within (certified unless the method is "monte-carlo")
    method: str  # which method gave the figure (see the module's notes)
    estimate: int | None = None  # the Monte Carlo point estimate
    samples: int = 0  # Monte Carlo draws
    seed: int | None = None  # Monte Carlo seed (numpy's PCG64)
    confidence: float | None = None  # Monte Carlo interval's confidence level

    @property
    def empty(self) -> bool:
        """Whether the ZOPA is known to be empty."""
        return self.bounds[1] == 0

    @property
    def share(self) -> float | None:
        """The ZOPA's share of the whole outcome space, when counted exactly."""
        return None if self.count is None else self.count / self.space


def zopa(
    c: Compiled,
    parties: Sequence[int] | None = None,
    *,
    budget: float | None = BUDGET,
    memory: int = MEMORY,
    seed: int = 0,
    samples: int = SAMPLES,
    thresholds: int = 0,
) -> Zopa:
    """The ZOPA of ``parties`` (indices into ``c.parties``, default all): its size and extremes, exact
    while that fits in ``budget`` seconds (``None``: no limit) and ``memory`` bytes, then bounded or
    estimated (the Monte Carlo draws seeded with ``seed``). The last ``thresholds`` parties are
    constituents who must only reach their reservation values (see :func:`_ratified`): the exact count
    merges partial assignments that differ only above what they are sure to reach, and their best and
    worst outcomes are not sought."""
    sel = selected(c, parties)
    names = tuple(c.parties[p] for p in sel)
    space = math.prod(c.sizes)
    start = time.monotonic()
    deadline = None if budget is None else start + max(0.0, budget)
    if space <= ENUMERATE_MAX:
        method, found = "enumerated", _Enumerate(c, sel).run()
    elif c.homes_of(sel):
        return _ratified(c, sel, space, budget, memory=memory, seed=seed, samples=samples)
    else:
        # a quarter of the budget for the layered count when meeting in the middle can take over
        middle = len(sel) <= 2 and zopa_wide.fits_in_the_middle(zopa_wide.feasible_space(c, sel), memory)
        first = deadline if deadline is None or not middle else start + max(0.0, budget or 0.0) / 4
        attempted = _Count(c, sel, deadline=first, memory=memory, thresholds=thresholds).attempt()
        if attempted is None:
            return _fallback(start, c, sel, names, space, budget, memory=memory, seed=seed, samples=samples)
        method, found = "exact", attempted
    count, best, worst = found
    if count == 0:
        return Zopa(names, 0, space, (), (), (0, 0), method)

    def point(row: Ints) -> Point:
        outcome = row.copy()
        utilities = c.utilities(outcome)[0, sel]
        outcome.setflags(write=False)
        utilities.setflags(write=False)
        return Point(outcome, utilities)

    best_points, worst_points = tuple(point(r) for r in best), tuple(point(r) for r in worst)
    return Zopa(names, count, space, best_points, worst_points, (count, count), method)


def _fallback(
    start: float,
    c: Compiled,
    sel: Ints,
    names: tuple[str, ...],
    space: int,
    budget: float | None,
    *,
    memory: int,
    seed: int,
    samples: int,
) -> Zopa:
    """Past the layered count's budget: meet in the middle, then bounds, for one or two parties; an
    estimate for more."""
    wide = zopa_wide.feasible_space(c, sel)
    deadline = None if budget is None else start + max(0.0, budget)
    if len(sel) <= 2:
        try:
            n = zopa_wide.meet_in_the_middle(wide, memory=memory, deadline=deadline)
            return Zopa(names, n, space, (), (), (n, n), "meet-in-the-middle")
        except zopa_wide.OverBudget:
            pass
        # the bounds get about as long again as the exact counts had, for their grid
        cells = zopa_wide.grid_cells(wide, BUDGET if budget is None else budget)
        low, high = zopa_wide.grid_bounds(wide, cells=cells)
        return Zopa(names, low if low == high else None, space, (), (), (low, high), "bounds")
    e = zopa_wide.monte_carlo(c, sel, wide, samples=samples, seed=seed)
    return Zopa(names, None, space, (), (), e.bounds, "monte-carlo", e.count, e.samples, seed, zopa_wide.CONFIDENCE)


def _ratified(
    c: Compiled, sel: Ints, space: int, budget: float | None, *, memory: int, seed: int, samples: int
) -> Zopa:
    """The ZOPA when some party must be ratified at home: the union, over the pieces of
    :meth:`Compiled.pieces`, of the outcomes every leader accepts and every constituent of the piece
    approves, counted by inclusion-exclusion: each intersection of pieces is the ZOPA of the leaders and
    the constituents of their union as parties of their own, counted as any ZOPA is. Past
    :data:`MAX_TERMS` distinct unions, or when one of them is only bounded or estimated, a Monte Carlo
    estimate over the ratifiable set itself."""
    start = time.monotonic()
    names = tuple(c.parties[p] for p in sel)
    implied = {j for j in range(len(c.members.parties)) if implied_by_a_leader(c, sel, j)} if c.members else set()
    pieces = {tuple(j for j in piece if j not in implied) for piece in c.pieces(sel)}
    terms = union_terms(sorted(pieces))
    total = 0
    best: list[Point] = []
    worst: list[Point] = []
    for n, (members, sign) in enumerate(terms.items()):
        ext = c.extended(members)
        columns = [*sel.tolist(), *range(len(c.parties), len(ext.parties))]
        left = None if budget is None else max(0.0, start + budget - time.monotonic()) / (len(terms) - n)
        part = zopa(ext, columns, budget=left, memory=memory, seed=seed, samples=samples, thresholds=len(members))
        if part.count is None or len(terms) > MAX_TERMS:
            wide = zopa_wide.feasible_space(c, sel)
            e = zopa_wide.monte_carlo(c, sel, wide, samples=samples, seed=seed)
            return Zopa(
                names, None, space, (), (), e.bounds, "monte-carlo", e.count, e.samples, seed, zopa_wide.CONFIDENCE
            )
        total += sign * part.count
        if members in pieces and part.best:
            best, worst = _extremes(best, worst, part, len(sel))
    if total == 0:
        return Zopa(names, 0, space, (), (), (0, 0), "inclusion-exclusion")
    return Zopa(names, total, space, tuple(best), tuple(worst), (total, total), "inclusion-exclusion")


def implied_by_a_leader(c: Compiled, sel: Ints, member: int) -> bool:
    """Whether constituent ``member`` approves every package some selected leader accepts: the same tables,
    a reservation value no higher, and no red line of its own that the leader does not share. Its column
    then adds nothing to a ZOPA, where that leader must accept (the shipped case's government majority
    judges a text as the government does)."""
    m = c.members
    assert m is not None
    if any(cp.party == member and cp.rule is None for cp in m.couplings):
        return False
    for p in sel.tolist():
        if m.reservation[member] > c.reservation[p]:
            continue
        same = all(np.array_equal(t[p], u[member]) for t, u in zip(c.tables, m.tables, strict=True))
        if same and all((a[p] <= b[member]).all() for a, b in zip(c.allowed, m.allowed, strict=True)):
            return True
    return False


MAX_TERMS = 64  # distinct unions of pieces counted by inclusion-exclusion before an estimate


def union_terms(pieces: Sequence[tuple[int, ...]]) -> dict[tuple[int, ...], int]:
    """Inclusion-exclusion over a union of pieces, each the set where all of some constituents approve:
    the intersection of several pieces is the piece of their union, so the union's size is the sum, over
    unions of constituents, of a signed count (terms that cancel are left out)."""
    signs: dict[tuple[int, ...], int] = {}
    for size in range(1, len(pieces) + 1):
        for chosen in itertools.combinations(pieces, size):
            members = tuple(sorted({m for piece in chosen for m in piece}))
            signs[members] = signs.get(members, 0) + (1 if size % 2 else -1)
            if len(signs) > 4 * MAX_TERMS:
                return signs  # far too many: the caller estimates instead
    return {members: sign for members, sign in signs.items() if sign}


def _extremes(best: list[Point], worst: list[Point], part: Zopa, m: int) -> tuple[list[Point], list[Point]]:
    """Each leader's best and worst over the pieces seen so far, from one piece's ZOPA (leaders first)."""
    cut = [Point(p.outcome, p.utilities[:m]) for p in part.best[:m]]
    low = [Point(p.outcome, p.utilities[:m]) for p in part.worst[:m]]
    if not best:
        return cut, low
    best = [b if b.utilities[j] >= n.utilities[j] else n for j, (b, n) in enumerate(zip(best, cut, strict=True))]
    worst = [w if w.utilities[j] <= n.utilities[j] else n for j, (w, n) in enumerate(zip(worst, low, strict=True))]
    return best, worst


def describe_zopa(z: Zopa) -> str:
    """The ZOPA's size in words, saying which method gave it."""
    if z.empty:
        how = {"bounds": " (certified bounds)"}.get(z.method, "")
        return f"empty{how}"
    if z.count is not None:
        how = {
            "enumerated": "every outcome checked",
            "exact": "counted exactly",
            "meet-in-the-middle": "counted exactly, meeting in the middle",
            "inclusion-exclusion": "counted exactly, by inclusion-exclusion over the ways each side ratifies",
            "bounds": "certified bounds that meet",
        }[z.method]
        return f"{_number(z.count)} of {_number(z.space)} outcomes ({z.count / z.space:.2%}) acceptable to all ({how})"
    low, high = z.bounds
    span = f"{low / z.space:.2%} to {high / z.space:.2%}"
    of = f"of {_number(z.space)} outcomes"
    if z.method == "bounds":
        return (
            f"between {_number(low)} and {_number(high, up=True)} {of} ({span}) acceptable to all (certified bounds:"
            " the exact count did not fit its time budget)"
        )
    estimate = z.estimate or 0
    return (
        f"about {_number(estimate)} {of} ({estimate / z.space:.2%}) acceptable to all"
        f" ({z.confidence or 0:.0%} confidence interval {_number(low)} to {_number(high, up=True)}, {span};"
        f" a Monte Carlo estimate from {z.samples:,} seeded draws, seed {z.seed}, not a certificate:"
        " the exact count did not fit its time budget)"
    )


def _number(n: int, *, up: bool = False) -> str:
    """A count in full up to 15 digits, else in four significant digits (rounded down, or ``up``, so that a
    bound shown stays a bound)."""
    if n < 10**15:
        return f"{n:,}"
    k = len(str(n)) - 4
    lead, rest = divmod(n, 10**k)
    if up and rest:
        lead += 1
        if lead == 10**4:
            lead, k = 10**3, k + 1
    return f"{lead // 1000}.{lead % 1000:03d}e{k + 3}"


class _OverBudget(Exception):
    """The layered count would pass its deadline or its memory cap."""


@dataclass
class _Enumerate:
    c: Compiled
    sel: Ints

    def run(self) -> tuple[int, list[Ints], list[Ints]]:
        outcomes = all_outcomes(self.c, self.sel)
        if len(outcomes):
            outcomes = outcomes[self.c.acceptable(outcomes)[:, self.sel].all(axis=1)]
        if not len(outcomes):
            return 0, [], []
        utilities = self.c.utilities(outcomes)[:, self.sel]
        best = [outcomes[int(np.argmax(u))] for u in utilities.T]
        worst = [outcomes[int(np.argmin(u))] for u in utilities.T]
        return len(outcomes), best, worst


@dataclass
class _Extreme:
    """The best (or worst) utility found so far for each party, and the outcome that gives it."""

    value: Floats
    outcome: list[Ints | None]


@dataclass(frozen=True, eq=False)
class _Rest:
    """The feasible completions of the issues after some issue, from some red-line state: how many there are,
    the most and least each party can add, and the option of the next issue that gives it."""

    ways: int
    hi: Floats
    lo: Floats
    hi_option: Ints
    lo_option: Ints


@dataclass
class _Count:
    c: Compiled
    sel: Ints
    deadline: float | None = None
    memory: int | None = None
    thresholds: int = 0  # the last columns only need to reach their reservation values (constituents)
    count: int = 0
    held: int = 0  # bytes of partial assignments held down the recursion
    best: _Extreme = field(init=False)
    worst: _Extreme = field(init=False)

    def __post_init__(self) -> None:
        c, sel = self.c, self.sel
        m, n = len(sel), len(c.issues)
        chosen = set(sel.tolist())
        self.couplings = [cp for cp in c.couplings if cp.party in chosen]
        self.last = np.array([max(i for i, _ in cp.masks) for cp in self.couplings], dtype=np.int64)
        self.options = [allowed_options(c, sel, i) for i in range(n)]
        self.tables = [c.tables[i][sel].T[self.options[i]] for i in range(n)]  # (allowed options, parties)
        self.reservation = c.reservation[sel]
        hi = [t.max(axis=0) if len(t) else np.zeros(m) for t in self.tables]
        lo = [t.min(axis=0) if len(t) else np.zeros(m) for t in self.tables]
        # after issue i: the most and least the remaining issues can add, red lines over several issues aside
        self.hi_rest = np.cumsum([np.zeros(m), *hi[::-1]], axis=0)[::-1][1:]
        self.lo_rest = np.cumsum([np.zeros(m), *lo[::-1]], axis=0)[::-1][1:]
        self.big = math.prod(c.sizes) >= 2**62
        self.best = _Extreme(np.full(m, -np.inf), [None] * m)
        self.worst = _Extreme(np.full(m, np.inf), [None] * m)
        self.rests: dict[tuple[int, tuple[bool, ...]], _Rest] = {}

    def attempt(self) -> tuple[int, list[Ints], list[Ints]] | None:
        """The count and extremes, or ``None`` past the deadline or the memory cap."""
        try:
            return self.run()
        except _OverBudget:
            return None

    def run(self) -> tuple[int, list[Ints], list[Ints]]:
        if any(len(o) == 0 for o in self.options):
            return 0, [], []
        mult = np.ones(1, dtype=object if self.big else np.int64)
        live = np.ones((1, len(self.couplings)), dtype=bool)
        self._descend(0, np.zeros((1, len(self.sel))), live, mult, np.zeros((1, 0), dtype=np.int64))
        if self.count == 0:
            return 0, [], []
        best = [o for o in self.best.outcome if o is not None]
        worst = [o for o in self.worst.outcome if o is not None]
        return self.count, best, worst

    def _descend(self, i: int, utilities: Floats, live: Bools, mult: Ints, prefix: Ints) -> None:
        """Assign issue ``i`` to the partial assignments given, settle what can be, go on with the rest."""
        if self.deadline is not None and time.monotonic() >= self.deadline:
            raise _OverBudget
        # multiplicities past 2^62 are Python ints, about 40 bytes each behind their pointers
        held = utilities.nbytes + live.nbytes + mult.nbytes + prefix.nbytes + (40 * len(mult) if self.big else 0)
        # what this layer holds while the next ones are walked, and a chunk's temporaries: per row about
        # six times the utilities, three times the red-line state, twice the outcome so far, a few indices
        m, k, i_ = utilities.shape[1], live.shape[1], prefix.shape[1]
        temporaries = CHUNK * 8 * (6 * m + 3 * k + 2 * i_ + 16 + (10 if self.big else 0))
        if self.memory is not None and self.held + held + temporaries > self.memory:
            raise _OverBudget
        self.held += held
        try:
            step = max(1, CHUNK // len(self.options[i]))
            for s in range(0, len(utilities), step):
                part = slice(s, s + step)
                self._expand(i, utilities[part], live[part], mult[part], prefix[part])
        finally:
            self.held -= held

    def _expand(self, i: int, utilities: Floats, live: Bools, mult: Ints, prefix: Ints) -> None:
        n_opt = len(self.options[i])
        parent = np.repeat(np.arange(len(utilities)), n_opt)
        local = np.tile(np.arange(n_opt), len(utilities))
        option = self.options[i][local]
        cand = (utilities[:, None, :] + self.tables[i][None, :, :]).reshape(-1, utilities.shape[1])
        state, crossed = self._step(i, live[parent], option)
        ok = ~crossed & np.all(cand + self.hi_rest[i] >= self.reservation - _MARGIN, axis=1)
        last = i == len(self.c.issues) - 1
        if last:
            settled = ok & np.all(cand >= self.reservation - TOLERANCE, axis=1)
        else:
            settled = ok & np.all(cand + self.lo_rest[i] >= self.reservation + _MARGIN, axis=1)
        rows = np.flatnonzero(settled)
        if len(rows):
            self._settle(i, cand[rows], state[rows], mult[parent[rows]], prefix[parent[rows]], option[rows])
        if last:
            return
        rows = np.flatnonzero(ok & ~settled)
        if not len(rows):
            return
        if self.thresholds:
            cand = self._capped(i, cand)
        # merge partial assignments with bit-identical utilities and the same red-line state, keeping the first
        key = np.concatenate((cand[rows].view(np.int64), state[rows].astype(np.int64)), axis=1)
        _, first, inverse = np.unique(key, axis=0, return_index=True, return_inverse=True)
        weights = mult[parent[rows]]
        merged = np.zeros(len(first), dtype=weights.dtype)
        np.add.at(merged, inverse.ravel(), weights)
        order = np.argsort(first, kind="stable")  # keep the partial assignments in the order they came
        keep = rows[first[order]]
        outcomes = np.concatenate((prefix[parent[keep]], option[keep, None]), axis=1)
        self._descend(i + 1, cand[keep], state[keep], merged[order], outcomes)

    def _capped(self, i: int, cand: Floats) -> Floats:
        """Threshold columns capped at the level past which the remaining issues' worst options still reach
        the reservation value: partial sums above it are alike for every completion, so they merge. The
        cap itself stays sure (cap + the rest's worst = reservation + margin), so nothing settles or drops
        that would not have."""
        j = cand.shape[1] - self.thresholds
        out = cand.copy()
        out[:, j:] = np.minimum(cand[:, j:], self.reservation[j:] - self.lo_rest[i][j:] + _MARGIN)
        return out

    def _step(self, i: int, live: Bools, option: Ints) -> tuple[Bools, Bools]:
        """Red-line states after assigning ``option`` to issue ``i``, and which assignments cross a red line."""
        state = live.copy()
        crossed: Bools = np.zeros(len(option), dtype=bool)
        for j, cp in enumerate(self.couplings):
            for issue, mask in cp.masks:
                if issue == i:
                    state[:, j] &= mask[option]
            if self.last[j] == i:
                crossed |= state[:, j]
                state[:, j] = False
        return state, crossed

    def _settle(self, i: int, utilities: Floats, state: Bools, mult: Ints, prefix: Ints, option: Ints) -> None:
        """Count partial assignments (issues up to ``i``) every feasible completion of which is acceptable."""
        prefixes = np.concatenate((prefix, option[:, None]), axis=1)
        groups, inverse = np.unique(state, axis=0, return_inverse=True)
        inverse = inverse.ravel()
        for g, live in enumerate(groups):
            rest = self._rest(i, tuple(bool(b) for b in live))
            if rest.ways == 0:
                continue
            rows = np.flatnonzero(inverse == g)
            self.count += int(mult[rows].sum()) * rest.ways
            for p in range(len(self.sel)):
                hi = utilities[rows, p] + rest.hi[p]
                lo = utilities[rows, p] + rest.lo[p]
                a, b = rows[int(np.argmax(hi))], rows[int(np.argmin(lo))]
                if hi.max() > self.best.value[p]:
                    self.best.value[p] = hi.max()
                    self.best.outcome[p] = self._complete(prefixes[a], live, p, high=True)
                if lo.min() < self.worst.value[p]:
                    self.worst.value[p] = lo.min()
                    self.worst.outcome[p] = self._complete(prefixes[b], live, p, high=False)

    def _rest(self, i: int, live: tuple[bool, ...]) -> _Rest:
        """The feasible completions of the issues after ``i`` from red-line state ``live`` (memoised)."""
        found = self.rests.get((i, live))
        if found is not None:
            return found
        m, n = len(self.sel), len(self.c.issues)
        if i == n - 1:
            rest = _Rest(1, np.zeros(m), np.zeros(m), np.full(m, -1), np.full(m, -1))
        else:
            j = i + 1
            ways = 0
            hi, lo = np.full(m, -np.inf), np.full(m, np.inf)
            hi_option, lo_option = np.full(m, -1), np.full(m, -1)
            options = self.options[j]
            states, crossed = self._step(j, np.tile(np.array(live, dtype=bool), (len(options), 1)), options)
            for k, o in enumerate(options):
                if crossed[k]:
                    continue
                sub = self._rest(j, tuple(bool(b) for b in states[k]))
                if sub.ways == 0:
                    continue
                ways += sub.ways
                up, down = self.tables[j][k] + sub.hi, self.tables[j][k] + sub.lo
                hi_option[up > hi], lo_option[down < lo] = o, o
                hi, lo = np.maximum(hi, up), np.minimum(lo, down)
            rest = _Rest(ways, hi, lo, hi_option, lo_option)
        self.rests[(i, live)] = rest
        return rest

    def _complete(self, prefix: Ints, live: Bools, p: int, *, high: bool) -> Ints:
        """``prefix`` completed with the feasible completion best (or worst) for party ``p``."""
        row = prefix.tolist()
        state = live.reshape(1, len(live))
        for i in range(len(prefix) - 1, len(self.c.issues) - 1):
            rest = self._rest(i, tuple(bool(b) for b in state[0]))
            o = int((rest.hi_option if high else rest.lo_option)[p])
            row.append(o)
            state, _ = self._step(i + 1, state, np.array([o]))
        return np.array(row, dtype=np.int64)
