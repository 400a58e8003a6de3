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
reservation values cut through the middle of a huge space (two parties, 20 issues of 6 options, both at
0.5, does not finish in minutes). Spaces of at most :data:`ENUMERATE_MAX` outcomes are enumerated.

Of several acceptable outcomes equally good (or bad) for a party, ``best`` and ``worst`` give the first
found; the choice is deterministic.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from truce.analysis.frontier import all_outcomes, allowed_options, selected
from truce.model.compiled import TOLERANCE, Bools, Compiled, Floats, Ints

ENUMERATE_MAX = 1 << 14  # spaces up to this many outcomes are enumerated
CHUNK = 1 << 18  # partial assignments expanded at once
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
    count: int
    space: int
    best: tuple[Point, ...]
    worst: tuple[Point, ...]

    @property
    def empty(self) -> bool:
        return self.count == 0

    @property
    def share(self) -> float:
        """The ZOPA's share of the whole outcome space."""
        return self.count / self.space


def zopa(c: Compiled, parties: Sequence[int] | None = None) -> Zopa:
    """The ZOPA of ``parties`` (indices into ``c.parties``, default all): its exact size and extremes."""
    sel = selected(c, parties)
    names = tuple(c.parties[p] for p in sel)
    space = math.prod(c.sizes)
    counter = _Enumerate(c, sel) if space <= ENUMERATE_MAX else _Count(c, sel)
    count, best, worst = counter.run()
    if count == 0:
        return Zopa(names, 0, space, (), ())

    def point(row: Ints) -> Point:
        outcome = row.copy()
        utilities = c.utilities(outcome)[0, sel]
        outcome.setflags(write=False)
        utilities.setflags(write=False)
        return Point(outcome, utilities)

    return Zopa(names, count, space, tuple(point(r) for r in best), tuple(point(r) for r in worst))


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
    count: int = 0
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
        step = max(1, CHUNK // len(self.options[i]))
        if len(utilities) > step:
            for s in range(0, len(utilities), step):
                part = slice(s, s + step)
                self._descend(i, utilities[part], live[part], mult[part], prefix[part])
            return
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
