"""The outcome space a simulation offers from, with utilities precomputed once per scenario.

Offers are indices into :attr:`Space.outcomes`. Each party offers only from its own *feasible* outcomes
(crossing none of its red lines), kept sorted by its utility so that "the outcome whose utility is closest
to, and at least, a target" is one binary search.

Spaces of at most ``limit`` outcomes are enumerated. Bigger spaces are restricted to the Pareto frontier over
the outcomes that cross no party's red line (:func:`truce.analysis.frontier.pareto_frontier`): concession
strategies then move along efficient outcomes only. A mediator that mutates a single text is not restricted:
it works on whole outcome vectors and reads utilities from the compiled tables.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from truce.analysis.frontier import pareto_frontier
from truce.model.compiled import Bools, Compiled, Floats, Ints

ENUMERATE_LIMIT = 1 << 20  # spaces up to this many outcomes are enumerated


@dataclass(frozen=True, eq=False)
class Space:
    """Outcomes ``(n, issues)``, their nominal utilities ``(n, parties)`` and red-line crossings ``(n, parties)``."""

    compiled: Compiled
    outcomes: Ints
    utilities: Floats
    crossed: Bools
    enumerated: bool

    def __len__(self) -> int:
        return int(self.outcomes.shape[0])

    @cached_property
    def feasible(self) -> tuple[Ints, ...]:
        """Per party, the indices of the outcomes crossing none of its red lines."""
        return tuple(np.flatnonzero(~self.crossed[:, p]) for p in range(self.crossed.shape[1]))

    @cached_property
    def orders(self) -> tuple[tuple[Floats, Ints], ...]:
        """Per party, its feasible outcomes' nominal utilities ascending ``(1, n)`` and their indices ``(1, n)``
        (ties: lower index first). Computed once per space and shared by every run whose preferences are certain
        (and by every worker: it travels with the space)."""
        out = []
        for p, feasible in enumerate(self.feasible):
            values = self.utilities[feasible, p]
            by_value = np.argsort(values, kind="stable")
            out.append((values[by_value][None], feasible[by_value][None]))
        return tuple(out)

    def warm(self) -> Space:
        """Compute the shared per-party orders now (before the space is sent to workers)."""
        _ = self.orders
        return self


GRID = 65535  # under noisy preferences a party sees its utilities on this many levels above 0 in [0, 1]


def own_utilities(space: Space, tables: tuple[Floats, ...], p: int) -> Floats:
    """Party ``p``'s utility of every outcome under per-issue ``(parties, options)`` tables.

    An enumerated space is the product of the issues in row-major order, so the utilities are outer sums of
    the tables (no gathering per outcome): the cost is one pass over the space.
    """
    if not space.enumerated:
        total = np.zeros(len(space))
        for i, table in enumerate(tables):
            total += table[p, space.outcomes[:, i]]
        return total
    acc = tables[0][p]
    for table in tables[1:]:
        acc = (acc[:, None] + table[p][None, :]).ravel()
    return np.asarray(acc, dtype=float)


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
    if feasible.size <= GRID:  # a small space: an exact sort costs less than the grid
        by_value = np.argsort(values, kind="stable")
        return values[by_value], feasible[by_value]
    levels = (np.clip(values, 0.0, 1.0) * GRID).astype(np.int64)
    first = np.full(GRID + 1, feasible.size, dtype=np.int64)
    np.minimum.at(first, levels, np.arange(feasible.size))
    grid = np.arange(GRID + 1)
    present = first < feasible.size
    above = np.minimum.accumulate(np.where(present, grid, GRID + 1)[::-1])[::-1]  # next non-empty level >= k
    top = int(grid[present][-1])
    level = np.where(above > GRID, top, above)
    return level / GRID, feasible[first[level]]


def build_space(c: Compiled, *, limit: int = ENUMERATE_LIMIT) -> Space:
    """Enumerate the outcome space of ``c`` if it has at most ``limit`` outcomes, else take its frontier."""
    size = math.prod(c.sizes)
    if size <= limit:
        grids = np.meshgrid(*(np.arange(n, dtype=np.int64) for n in c.sizes), indexing="ij")
        outcomes = np.stack([g.ravel() for g in grids], axis=1)
        enumerated = True
    else:
        outcomes = np.array(pareto_frontier(c).outcomes, dtype=np.int64)
        enumerated = False
    if outcomes.shape[0] == 0:
        raise ValueError("no outcome crosses no red line: nothing to negotiate over")
    utilities = table_utilities(c.tables, outcomes)
    crossed = c.crossed(outcomes)
    for p in np.flatnonzero(crossed.all(axis=0)):
        raise ValueError(f"every outcome crosses a red line of party {c.parties[int(p)]!r}: nothing it can offer")
    for a in (outcomes, utilities, crossed):
        a.setflags(write=False)
    return Space(c, outcomes, utilities, crossed, enumerated)


def table_utilities(tables: tuple[Floats, ...], outcomes: Ints) -> Floats:
    """Utilities ``(n, parties)`` of outcome vectors from per-issue ``(parties, options)`` tables."""
    total = np.zeros((outcomes.shape[0], tables[0].shape[0]))
    for i, table in enumerate(tables):
        total += table[:, outcomes[:, i]].T
    return total
