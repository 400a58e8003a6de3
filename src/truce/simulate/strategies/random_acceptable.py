"""A random baseline: uniform over the outcomes the party finds acceptable."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from truce.model.compiled import Bools, Floats, Ints
from truce.simulate.strategies.base import Strategy, StrategyInfo, View, accepts
from truce.simulate.strategies.registry import register


@register(StrategyInfo("random", "Random acceptable", "random", True, "a baseline: uniform over acceptable outcomes"))
@dataclass(frozen=True)
class RandomAcceptable(Strategy):
    """Offer an outcome drawn uniformly from those it finds acceptable (its best when none is); accept any
    acceptable offer."""

    def propose(self, view: View) -> Ints:
        n = view.sorted_u.shape[1]
        if view.sorted_u.shape[0] == 1:
            start = np.searchsorted(view.sorted_u[0], view.reservation, side="left")
        else:
            start = (view.sorted_u < view.reservation[:, None]).sum(axis=1)
        start = np.minimum(start, n - 1)
        pos = start + np.floor(view.noise * (n - start)).astype(np.int64)
        rows = np.arange(pos.shape[0]) if view.order.shape[0] > 1 else np.zeros(pos.shape[0], dtype=np.int64)
        chosen: Ints = view.order[rows, np.minimum(pos, n - 1)]
        return chosen

    def respond(self, view: View, utility: Floats, crosses: Bools) -> Bools:
        return accepts(view, utility, crosses, view.reservation)
