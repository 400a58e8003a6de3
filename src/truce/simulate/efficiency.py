"""How efficient a run's result is: its distance to the Pareto frontier and to the Nash point.

Distances are Euclidean, in the space of the parties' nominal utilities (the stated preferences), from the
result of each run: its agreement, or the parties' reservation values when it has none (the disagreement
point). A result on the frontier is at distance 0 from it. These are the measures the ANAC literature reports
as "distance to Pareto" and "distance to Nash".
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from truce.analysis.frontier import Frontier, pareto_frontier
from truce.analysis.solutions import nash
from truce.model.compiled import Compiled, Floats

_CELLS = 1 << 22  # run x frontier points kept at once


@dataclass(frozen=True, eq=False)
class Reference:
    """The frontier's utilities ``(F, parties)`` and the Nash point's (``None`` when there is none)."""

    frontier: Floats
    nash: Floats | None

    @staticmethod
    def of(c: Compiled, frontier: Frontier | None = None) -> Reference:
        front = pareto_frontier(c) if frontier is None else frontier
        solution = nash(c)
        point = None if solution is None else np.asarray(solution.utilities, dtype=float)
        return Reference(np.asarray(front.utilities, dtype=float), point)


def to_frontier(utilities: Floats, reference: Reference) -> Floats:
    """Per row of ``utilities`` ``(R, parties)``, the distance to the nearest point of the frontier."""
    front = reference.frontier
    if front.shape[0] == 0:
        return np.full(utilities.shape[0], np.nan)
    out = np.empty(utilities.shape[0])
    step = max(1, _CELLS // front.shape[0])
    for i in range(0, utilities.shape[0], step):
        gap = utilities[i : i + step, None, :] - front[None, :, :]
        out[i : i + step] = np.sqrt((gap**2).sum(axis=2)).min(axis=1)
    return out


def to_nash(utilities: Floats, reference: Reference) -> Floats | None:
    """Per row of ``utilities``, the distance to the Nash point (``None`` when there is none)."""
    if reference.nash is None:
        return None
    distance: Floats = np.sqrt(((utilities - reference.nash[None, :]) ** 2).sum(axis=1))
    return distance


def spread(values: Floats) -> dict[str, float]:
    """Mean, 10th and 90th percentiles, rounded as every summary figure is."""
    return {
        "mean": round(float(values.mean()), 6),
        "p10": round(float(np.percentile(values, 10)), 6),
        "p90": round(float(np.percentile(values, 90)), 6),
    }
