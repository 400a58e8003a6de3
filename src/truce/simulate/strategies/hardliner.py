"""The hardliner: never concede."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from truce.model.compiled import Bools, Floats, Ints
from truce.simulate.strategies.base import Strategy, StrategyInfo, View, accepts
from truce.simulate.strategies.registry import register


@register(StrategyInfo("hardliner", "Hardliner", "never", False, "the 'hardheaded' baseline of the ANAC literature"))
@dataclass(frozen=True)
class Hardliner(Strategy):
    """Offer its best outcome every time; accept only an offer as good as its best."""

    def propose(self, view: View) -> Ints:
        return view.order[:, -1] if view.order.shape[0] > 1 else np.repeat(view.order[0, -1], view.noise.shape[0])

    def respond(self, view: View, utility: Floats, crosses: Bools) -> Bools:
        return accepts(view, utility, crosses, view.best - 1e-12)
