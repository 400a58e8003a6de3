"""Bargaining solutions, measured from the disagreement point.

The disagreement point ``d`` is the parties' reservation values; a party's *gain* at an outcome is its
utility minus its reservation value. Every solution is chosen among the outcomes acceptable to all the
parties considered (the ZOPA), and lies on the ZOPA's Pareto frontier, so each is found by scoring the
frontier of :func:`truce.analysis.frontier.pareto_frontier` with ``zopa_only``. Each returns ``None`` when
the ZOPA is empty.

Scores are compared rounded to 1e-12 (as the frontier's utilities). Each concept states how ties are
broken; the last resort everywhere is symmetric, so that the answer does not depend on the order in which
parties are listed (nor, for an imported GENIUS domain, on the names of its profile files): first the most
equal gains (the smallest spread between the largest and the smallest gain over the disagreement point),
then the smallest vector of option indices in the scenario's issue order, the same rule the frontier uses
to keep one of several outcomes with equal utilities.

Every concept is registered in :data:`CONCEPTS` where it is defined, with its source.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum

import numpy as np

from truce.analysis.frontier import Frontier, keys, pareto_frontier, selected
from truce.model.compiled import TOLERANCE, Compiled, Floats, Ints

_ROOM = 1e-12  # a party whose ideal is this close to its reservation value has no room to gain


@dataclass(frozen=True, eq=False)
class Solution:
    """The outcome a solution concept picks, with its utilities for ``parties``."""

    concept: str
    parties: tuple[str, ...]
    outcome: Ints
    utilities: Floats


Score = Callable[[Floats, Floats, Floats], list[Floats]]
"""A concept's criteria for ``(gains, utilities, room)`` rows, most important first, larger better.

``room`` is each party's best acceptable utility minus its reservation value. Solutions and bridges both
rank by a concept's score, so a bridge "by the Nash criterion" means what the Nash solution means."""


@dataclass(frozen=True)
class Concept:
    """A solution concept: its name, what it maximises, how ties are broken, its source, and its score."""

    name: str
    title: str
    maximises: str
    ties: str
    source: str
    score: Score

    def solve(
        self, c: Compiled, parties: Sequence[int] | None = None, *, frontier: Frontier | None = None
    ) -> Solution | None:
        """The acceptable outcome this concept picks (``None`` when the ZOPA is empty)."""
        return _pick(self.name, c, parties, frontier, self.score)


CONCEPTS: dict[str, Concept] = {}


def concept(name: str, title: str, maximises: str, ties: str, source: str) -> Callable[[Score], Score]:
    """Register the decorated score in :data:`CONCEPTS` under ``name``."""

    def register(score: Score) -> Score:
        if name in CONCEPTS:
            raise ValueError(f"solution concept {name!r} registered twice")
        CONCEPTS[name] = Concept(name, title, maximises, ties, source, score)
        return score

    return register


def solve_all(c: Compiled, parties: Sequence[int] | None = None) -> dict[str, Solution | None]:
    """Every registered concept's solution, computing the ZOPA frontier once."""
    frontier = pareto_frontier(c, parties, zopa_only=True)
    return {name: entry.solve(c, parties, frontier=frontier) for name, entry in CONCEPTS.items()}


@concept(
    "nash",
    "Nash bargaining solution",
    "the product of the parties' gains",
    "the larger sum of utilities, then the most equal gains, then the smallest option indices",
    "J. F. Nash, The bargaining problem, Econometrica 18(2), 1950",
)
def nash_score(g: Floats, u: Floats, room: Floats) -> list[Floats]:
    """The largest product of gains over the disagreement point; ties: the larger sum of utilities.

    Source: J. F. Nash, "The bargaining problem", Econometrica 18(2):155-162, 1950.
    """
    return [np.prod(g, axis=1), u.sum(axis=1)]


@concept(
    "kalai_smorodinsky",
    "Kalai–Smorodinsky solution",
    "the smallest share of its possible gain any party gets: min over p of gain_p / (ideal_p - d_p)",
    "the larger sum of utilities, then the most equal gains, then the smallest option indices",
    "E. Kalai and M. Smorodinsky, Other solutions to Nash's bargaining problem, Econometrica 43(3), 1975",
)
def kalai_smorodinsky_score(g: Floats, u: Floats, room: Floats) -> list[Floats]:
    """The largest smallest ratio ``gain_p / (ideal_p - d_p)``; ties: the larger sum of utilities.

    ``ideal_p`` is the best utility party ``p`` gets from any acceptable outcome. A party whose ideal equals
    its reservation value (no room to gain) does not count in the minimum.
    Source: E. Kalai and M. Smorodinsky, "Other solutions to Nash's bargaining problem",
    Econometrica 43(3):513-518, 1975.
    """
    counted = room > _ROOM
    if not counted.any():
        return [u.sum(axis=1)]
    return [np.min(g[:, counted] / room[counted], axis=1), u.sum(axis=1)]


@concept(
    "egalitarian",
    "Egalitarian solution (leximin)",
    "the smallest gain, then the second smallest, and so on",
    "the smallest vector of option indices",
    "J. Rawls, A Theory of Justice, 1971; E. Kalai, Proportional solutions to bargaining situations, "
    "Econometrica 45(7), 1977",
)
def egalitarian_score(g: Floats, u: Floats, room: Floats) -> list[Floats]:
    """Leximin-best gains: the largest smallest gain, then the next.

    Sources: J. Rawls, "A Theory of Justice", 1971 (the maximin principle); E. Kalai, "Proportional
    solutions to bargaining situations: interpersonal utility comparisons", Econometrica 45(7):1623-1630, 1977.
    Ties (equal sorted gains, hence equal spread): the smallest vector of option indices.
    """
    return list(np.sort(g, axis=1).T)


@concept(
    "utilitarian",
    "Utilitarian solution",
    "the sum of utilities",
    "the leximin-best gains, then the smallest option indices",
    "J. C. Harsanyi, Cardinal welfare, individualistic ethics, and interpersonal comparisons of utility, "
    "Journal of Political Economy 63(4), 1955",
)
def utilitarian_score(g: Floats, u: Floats, room: Floats) -> list[Floats]:
    """The largest sum of utilities; ties: the leximin-best gains.

    Source: J. C. Harsanyi, "Cardinal welfare, individualistic ethics, and interpersonal comparisons of
    utility", Journal of Political Economy 63(4):309-321, 1955.
    """
    return [u.sum(axis=1), *np.sort(g, axis=1).T]


ConceptName = StrEnum("ConceptName", {name: name for name in CONCEPTS})  # type: ignore[misc]
"""The registered concepts' names, for command-line choices and the API's schema."""


def nash(c: Compiled, parties: Sequence[int] | None = None, *, frontier: Frontier | None = None) -> Solution | None:
    """The Nash bargaining solution (see :func:`nash_score`)."""
    return CONCEPTS["nash"].solve(c, parties, frontier=frontier)


def _pick(
    name: str,
    c: Compiled,
    parties: Sequence[int] | None,
    frontier: Frontier | None,
    score: Callable[[Floats, Floats, Floats], list[Floats]],
) -> Solution | None:
    """The acceptable frontier row maximising ``score`` (a list of criteria, most important first), ties
    broken by the smallest spread of gains, then the smallest vector of option indices.

    ``frontier`` may be given precomputed for the same parties, with or without ``zopa_only``.
    """
    sel = selected(c, parties)
    if frontier is None:
        frontier = pareto_frontier(c, sel.tolist(), zopa_only=True)
    elif frontier.parties != tuple(c.parties[p] for p in sel):
        raise ValueError(f"the frontier is for parties {frontier.parties}, not {tuple(c.parties[p] for p in sel)}")
    d = c.reservation[sel]
    # a full frontier's acceptable rows are the ZOPA's frontier: whatever dominates an acceptable outcome is one
    rows = np.flatnonzero(np.all(frontier.utilities >= d - TOLERANCE, axis=1))
    if len(rows) == 0:
        return None
    utilities = frontier.utilities[rows]
    gains = np.maximum(utilities - d, 0.0)
    room = utilities.max(axis=0) - d
    criteria = [keys(np.asarray(s, dtype=np.float64)) for s in score(gains, utilities, room)]
    # the last resort must not favour any party: the frontier's own order puts the first party's best first,
    # so ties go to the most equal gains, then to the terms themselves (the same whatever the party order)
    spread = keys(gains.max(axis=1) - gains.min(axis=1))
    terms = frontier.outcomes[rows]
    order = np.lexsort(
        (*(terms[:, i] for i in range(terms.shape[1] - 1, -1, -1)), spread, *(-k for k in reversed(criteria)))
    )
    best = int(rows[order[0]])
    return Solution(name, frontier.parties, frontier.outcomes[best].copy(), frontier.utilities[best].copy())
