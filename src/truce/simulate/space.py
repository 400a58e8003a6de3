"""The outcome space a simulation offers from, with utilities precomputed once per scenario.

Offers are indices into :attr:`Space.outcomes`. Each party offers only from its own *feasible* outcomes
(crossing none of its red lines), kept sorted by its utility so that "the outcome whose utility is closest
to, and at least, a target" is one binary search.

Information is *private* by default: each party offers from outcomes chosen by its own preferences only.
Spaces of at most ``limit`` outcomes are enumerated and every party may offer any outcome that crosses none of
its red lines. Bigger spaces hold, per party, the ladder of :mod:`truce.simulate.ladder` (outcomes at every level
of its own utility, solved from its own weights); the space is the union of the parties' ladders, and each party
offers from its own ladder only.

``information="complete"`` is an explicitly named assumption: every party knows every other party's preferences,
and so offers only from the joint Pareto frontier over the outcomes that cross no party's red line
(:func:`truce.analysis.frontier.pareto_frontier`), on any size of space. A mediator that mutates a single text
is not restricted: it works on whole outcome vectors and reads utilities from the compiled tables.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property
from typing import Literal

import numpy as np

from truce.analysis.frontier import pareto_frontier
from truce.model.compiled import Bools, Compiled, Floats, Ints
from truce.simulate.ladder import unique_rows, wide_ladder

ENUMERATE_LIMIT = 1 << 20  # spaces up to this many outcomes are enumerated
Information = Literal["private", "complete"]
INFORMATION: tuple[Information, ...] = ("private", "complete")


@dataclass(frozen=True, eq=False)
class Space:
    """Outcomes ``(n, issues)``, their nominal utilities ``(n, parties)`` and red-line crossings ``(n, parties)``;
    ``offers`` per party the indices of the outcomes it may offer (empty: all that cross none of its red lines)."""

    compiled: Compiled
    outcomes: Ints
    utilities: Floats
    crossed: Bools
    enumerated: bool
    offers: tuple[Ints, ...] = ()
    information: Information = "private"

    def __len__(self) -> int:
        return int(self.outcomes.shape[0])

    def offerable(self, p: int) -> Ints:
        """Indices of the outcomes party ``p`` may offer: its own, and none crossing its red lines."""
        mine = np.arange(len(self)) if not self.offers else self.offers[p]
        kept: Ints = mine[~self.crossed[mine, p]]
        return kept

    @cached_property
    def feasible(self) -> tuple[Ints, ...]:
        """Per party, the indices of the outcomes it may offer (:meth:`offerable`)."""
        return tuple(self.offerable(p) for p in range(self.crossed.shape[1]))

    @property
    def orders(self) -> tuple[tuple[Floats, Ints], ...]:
        """Per party, its feasible outcomes' nominal utilities ascending ``(1, n)`` and their indices ``(1, n)``
        (ties: lower index first): see :meth:`order_of`."""
        return tuple(self.order_of(p) for p in range(self.crossed.shape[1]))

    def order_of(self, p: int) -> tuple[Floats, Ints]:
        """Party ``p``'s feasible outcomes by nominal utility, computed on first use and kept: shared by every
        run whose preferences for ``p`` are certain (and by every worker: it travels with the space)."""
        cache = self._orders
        if p not in cache:
            feasible = self.feasible[p]
            values = self.utilities[feasible, p]
            by_value = np.argsort(values, kind="stable")
            cache[p] = (values[by_value][None], feasible[by_value][None])
        return cache[p]

    @cached_property
    def _orders(self) -> dict[int, tuple[Floats, Ints]]:
        return {}

    def warm(self) -> Space:
        """Compute the shared per-party orders now (before the space is sent to workers)."""
        _ = self.orders
        return self


GRID = 65535  # under noisy preferences a party sees its utilities on this many levels above 0 in [0, 1]


def own_utilities(space: Space, tables: tuple[Floats, ...], p: int) -> Floats:
    """Party ``p``'s utility of every outcome under per-issue ``(parties, options)`` tables, to order them by
    (offers are valued from the tables themselves).

    An enumerated space is the product of the issues in row-major order, so the utilities are outer sums of
    the tables (no gathering per outcome): the cost is one pass over the space.
    """
    if not space.enumerated:
        total = np.zeros(len(space))
        for i, table in enumerate(tables):
            total += table[p, space.outcomes[:, i]]
        return total
    # Ordered on the grid only (big spaces), single precision is ample and halves the memory traffic.
    dtype = np.float32 if len(space) > GRID else np.float64
    acc = tables[0][p].astype(dtype)
    for table in tables[1:]:
        acc = (acc[:, None] + table[p][None, :].astype(dtype)).ravel()
    out: Floats = acc
    return out


def noisy_order(space: Space, utilities: Floats, p: int) -> tuple[Floats, Ints]:
    """Party ``p``'s feasible outcomes under perturbed ``utilities``, ascending; on big spaces, one per level.

    A space of at most :data:`GRID` feasible outcomes is sorted exactly (ties: lower index first).

    A noisy run must not sort the whole space again (a comparison sort of 10^6 outcomes per party and run would
    dominate the run). Utilities are rounded down to :data:`GRID` levels; each level keeps its lowest-index
    outcome (one pass, no sort). The result has one entry per level, ``GRID + 1`` in all, ascending: an empty
    level holds the next non-empty one above it (the best one at the top), so "the lowest at or above a
    target" is still one binary search, and answers with the lowest-index outcome of the lowest level at or
    above the target. Sorted utilities are the levels (at most 1/65535 below the outcomes' utilities).
    """
    feasible = space.feasible[p]
    values = utilities if feasible.size == len(space) else utilities[feasible]
    if feasible.size <= GRID and values.dtype == np.float64:  # a small space: an exact sort costs less
        by_value = np.argsort(values, kind="stable")
        return values[by_value], feasible[by_value]
    levels = (values * GRID).astype(np.uint16)  # utilities lie in [0, 1]: no clipping needed
    first = np.full(GRID + 1, len(space), dtype=np.int64)
    np.minimum.at(first, levels, feasible)  # feasible is ascending: the lowest index of each level
    grid = np.arange(GRID + 1)
    present = first < len(space)
    above = np.minimum.accumulate(np.where(present, grid, GRID + 1)[::-1])[::-1]  # next non-empty level >= k
    top = int(grid[present][-1])
    level = np.where(above > GRID, top, above)
    return level / GRID, first[level]


def build_space(c: Compiled, *, limit: int = ENUMERATE_LIMIT, information: Information = "private") -> Space:
    """The outcomes the parties offer from: enumerated up to ``limit`` outcomes, else each party's own ladder
    (private information), or the joint frontier for every party (``information="complete"``)."""
    if information not in INFORMATION:
        raise ValueError(f"information {information!r} is not one of {', '.join(INFORMATION)}")
    size = math.prod(c.sizes)
    enumerated = size <= limit
    offers: tuple[Ints, ...] = ()
    if enumerated:
        grids = np.meshgrid(*(np.arange(n, dtype=np.int64) for n in c.sizes), indexing="ij")
        outcomes = np.stack([g.ravel() for g in grids], axis=1)
        if information == "complete":  # the frontier's outcomes, found by their place in the enumeration
            efficient = np.asarray(pareto_frontier(c).outcomes, dtype=np.int64).reshape(-1, len(c.sizes))
            place = np.ravel_multi_index(tuple(efficient.T), c.sizes) if efficient.size else efficient[:, 0]
            offers = (np.sort(place),) * len(c.parties)
    elif information == "complete":
        outcomes = np.array(pareto_frontier(c).outcomes, dtype=np.int64)
    else:
        outcomes, offers = _ladders(c)
    if outcomes.shape[0] == 0 or (offers and offers[0].size == 0):
        raise ValueError("no outcome crosses no red line: nothing to negotiate over")
    utilities = table_utilities(c.tables, outcomes)
    crossed = c.barred(outcomes)  # a party refuses what crosses its red lines or would not be ratified at home
    space = Space(c, outcomes, utilities, crossed, enumerated, offers, information)
    for p in range(len(c.parties)):
        if space.offerable(p).size == 0:
            raise ValueError(
                f"every outcome crosses a red line of party {c.parties[p]!r} or fails its ratification at home:"
                " nothing it can offer"
            )
    for a in (outcomes, utilities, crossed, *offers):
        a.setflags(write=False)
    return space


def _ladders(c: Compiled) -> tuple[Ints, tuple[Ints, ...]]:
    """The union of every party's own ladder, and per party the indices of its own rows in it."""
    own = [wide_ladder(tuple(t[p] for t in c.tables), tuple(a[p] for a in c.allowed)) for p in range(len(c.parties))]
    outcomes, inverse = unique_rows(np.concatenate(own), c.sizes)
    bounds = np.cumsum([0, *(rows.shape[0] for rows in own)])
    offers = tuple(np.unique(inverse[bounds[p] : bounds[p + 1]]) for p in range(len(c.parties)))
    return outcomes.astype(np.int64), offers


def table_utilities(tables: tuple[Floats, ...], outcomes: Ints) -> Floats:
    """Utilities ``(n, parties)`` of outcome vectors from per-issue ``(parties, options)`` tables."""
    total = np.zeros((outcomes.shape[0], tables[0].shape[0]))
    for i, table in enumerate(tables):
        total += table[:, outcomes[:, i]].T
    return total
