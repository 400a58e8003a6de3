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
    crossed = c.barred(outcomes)  # a party refuses what crosses its red lines or would not be ratified at home
    for p in np.flatnonzero(crossed.all(axis=0)):
        raise ValueError(
            f"every outcome crosses a red line of party {c.parties[int(p)]!r} or fails its ratification at home:"
            " nothing it can offer"
        )
    for a in (outcomes, utilities, crossed):
        a.setflags(write=False)
    return Space(c, outcomes, utilities, crossed, enumerated)


def table_utilities(tables: tuple[Floats, ...], outcomes: Ints) -> Floats:
    """Utilities ``(n, parties)`` of outcome vectors from per-issue ``(parties, options)`` tables."""
    total = np.zeros((outcomes.shape[0], tables[0].shape[0]))
    for i, table in enumerate(tables):
        total += table[:, outcomes[:, i]].T
    return total
