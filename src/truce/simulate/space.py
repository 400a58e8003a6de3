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
    crossed = c.crossed(outcomes)
    space = Space(c, outcomes, utilities, crossed, enumerated, offers, information)
    for p in range(len(c.parties)):
        if space.offerable(p).size == 0:
            raise ValueError(f"every outcome crosses a red line of party {c.parties[p]!r}: nothing it can offer")
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
