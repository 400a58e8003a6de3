"""What could be agreed, in one place: the frontier, the standard solutions and the ZOPA, as the stable
JSON that ``truce frontier --json`` prints (docs/json.md)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from truce.analysis.frontier import MAX_PAIRS, Frontier, pareto_frontier
from truce.analysis.solutions import CONCEPTS, Solution
from truce.analysis.standing import standings
from truce.analysis.tabled import Tabled, scoped
from truce.analysis.zopa import BUDGET, Zopa, zopa
from truce.model.compiled import OPEN, Compiled, Floats, Ints


@dataclass(frozen=True, eq=False)
class Bargaining:
    compiled: Compiled  # restricted to the scope: outcomes index its options
    parties: tuple[int, ...]  # indices into compiled.parties
    frontier: Frontier
    solutions: dict[str, Solution | None]
    zopa: Zopa | None  # None when not asked for (counting it takes up to its budget, and bounds after)
    scope: str  # "tabled" or "all" (see truce.analysis.tabled)
    tabled: Tabled
    source: Compiled  # the talks before the scope restricted them: proposals are measured on it

    def untabled(self, outcome: Ints) -> tuple[str, ...]:
        """The issues of an outcome whose term nobody tabled (flagged in every answer)."""
        return self.tabled.untabled(self.compiled.decode(outcome))


def bargaining(
    c: Compiled,
    parties: Sequence[int] | None = None,
    *,
    zopa_only: bool = False,
    count_zopa: bool = True,
    scope: str = "all",
    zopa_budget: float | None = BUDGET,
    frontier_pairs: int = MAX_PAIRS,
) -> Bargaining:
    """The frontier (of every feasible outcome, or only of the ZOPA), the solutions, and the ZOPA, all
    within ``scope`` (``tabled``: the terms some proposal holds; ``all``: any term). The ZOPA is counted
    exactly within ``zopa_budget`` seconds (``None``: no limit), then bounded or estimated
    (:func:`truce.analysis.zopa.zopa`); the frontier of three or more parties is exact within
    ``frontier_pairs`` comparisons, then thinned with its precision stated (:mod:`truce.analysis.frontier`)."""
    source = c
    c, scope, tabled = scoped(c, scope, {})
    chosen = tuple(range(len(c.parties))) if parties is None else tuple(parties)
    frontier = pareto_frontier(c, chosen, zopa_only=zopa_only, pairs=frontier_pairs)
    # computed once: the ZOPA's frontier is the full frontier's acceptable part (whatever dominates an acceptable
    # outcome is acceptable too), and each solution takes those rows of whichever frontier it is given
    solutions = {name: entry.solve(c, chosen, frontier=frontier) for name, entry in CONCEPTS.items()}
    counted = zopa(c, chosen, budget=zopa_budget) if count_zopa else None
    return Bargaining(c, chosen, frontier, solutions, counted, scope, tabled, source)


def point_json(c: Compiled, parties: Sequence[str], outcome: Ints, utilities: Floats) -> dict[str, Any]:
    return {
        "terms": c.decode(outcome),
        "utilities": {party: round(float(u), 6) for party, u in zip(parties, utilities, strict=True)},
    }


def _frontier_points(b: Bargaining) -> list[dict[str, Any]]:
    """``point`` for every frontier row, decoding and flagging each (issue, option) once: a frontier of many
    parties runs to tens of thousands of rows, and decoding each row term by term dominated ``--json``."""
    c, names = b.compiled, b.frontier.parties
    order = {issue.id: n for n, issue in enumerate(b.tabled.scenario.issues)}
    columns = sorted(range(len(c.issues)), key=lambda i: order.get(c.issues[i], len(order)))
    flagged = [[b.tabled.flagged(c.issues[i], term) for term in c.options[i]] for i in range(len(c.issues))]
    points = []
    for row, utilities in zip(b.frontier.outcomes.tolist(), np.round(b.frontier.utilities, 6).tolist(), strict=True):
        points.append(
            {
                "terms": {c.issues[i]: c.options[i][k] for i, k in enumerate(row) if k != OPEN},
                "utilities": dict(zip(names, utilities, strict=True)),
                "untabled": [c.issues[i] for i in columns if row[i] != OPEN and flagged[i][row[i]]],
            }
        )
    return points


def bargaining_json(b: Bargaining) -> dict[str, Any]:
    c, names = b.compiled, b.frontier.parties

    def point(outcome: Ints, utilities: Floats) -> dict[str, Any]:
        return {**point_json(c, names, outcome, utilities), "untabled": list(b.untabled(outcome))}

    out: dict[str, Any] = {
        "parties": list(names),
        "preferences_assumed_for": c.scenario.assumed(names),
        "precision": b.frontier.precision,
        "frontier": _frontier_points(b),
        "solutions": {name: None if s is None else point(s.outcome, s.utilities) for name, s in b.solutions.items()},
    }
    if b.zopa is not None:
        z = b.zopa
        out["zopa"] = {
            "empty": z.empty,
            "count": z.count,
            "share": z.share,
            "best": {p: point_json(c, names, pt.outcome, pt.utilities) for p, pt in zip(names, z.best, strict=False)},
            "worst": {p: point_json(c, names, pt.outcome, pt.utilities) for p, pt in zip(names, z.worst, strict=False)},
            "bounds": list(z.bounds),
            "method": z.method,
            "estimate": z.estimate,
            "confidence": z.confidence,
            "samples": z.samples,
            "seed": z.seed,
        }
    out["within"] = b.scope
    out["proposals"] = _proposals(b)
    return out


def _proposals(b: Bargaining) -> list[dict[str, Any]]:
    """Where each proposal stands for the frontier's parties: the worst and best completion of its text."""
    s, c = b.tabled.scenario, b.source
    shown = set(b.frontier.parties)
    out = []
    for proposal in s.proposals:
        st = [x for x in standings(c, c.encode(s.terms_of(proposal.id))) if x.party in shown]
        out.append(
            {
                "id": proposal.id,
                "low": {x.party: round(x.low, 6) for x in st},
                "high": {x.party: round(x.high, 6) for x in st},
            }
        )
    return out
