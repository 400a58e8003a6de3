"""HardHeaded, winner of ANAC 2011, re-implemented from its description.

Source: T. van Krimpen, D. Looije and S. Hajizadeh, "HardHeaded", in Complex Automated Negotiations: Theories,
Models, and Software Competitions, Studies in Computational Intelligence 435, Springer, 2013, pp. 223-227.

As described there: a Boulware concession ``P(t) = Pmin + (Pmax - Pmin)(1 - t^(1/e))`` with a very small ``e``
(0.05: it hardly concedes before the very end) and a floor ``Pmin`` (0.585 of its best, or its reservation value
if higher); among the outcomes near ``P(t)`` it offers the one its frequency model rates best for the opponent;
when the opponent has already offered something worth at least ``P(t)``, it offers that back. It accepts an
offer at least as good as what it would offer next (AC_next). Adapted: in the single-text protocol, where nobody
offers, its frequency model learns nothing from the mediator's texts and it answers by time alone.
With three or more parties (stacked alternating offers, Aydoğan et al. 2017) it takes every offer it receives
for the opponent's, the others taken together, as the bilateral ANAC protocol had one opponent.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from truce.model.compiled import Bools, Floats, Ints
from truce.simulate.memory import Frequency, OpponentModel
from truce.simulate.strategies.base import Strategy, StrategyInfo, View, accepts
from truce.simulate.strategies.modelled import next_offer, offer_or_take_best
from truce.simulate.strategies.registry import register


@register(
    StrategyInfo(
        "hardheaded",
        "HardHeaded (ANAC 2011): Boulware with a frequency opponent model",
        "time",
        False,
        "T. van Krimpen, D. Looije and S. Hajizadeh, HardHeaded, Springer SCI 435, 2013",
        "answers by time alone, conceding only in the last few percent of it, and its opponent model learns "
        "nothing from the mediator's texts",
    )
)
@dataclass(frozen=True)
class HardHeaded(Strategy):
    exponent: float = 0.05
    floor: float = 0.585
    opponent: OpponentModel = field(default_factory=Frequency)

    @property
    def model(self) -> OpponentModel | None:
        return self.opponent

    def target(self, view: View) -> Floats:
        top = view.best
        low = np.minimum(np.maximum(view.reservation, self.floor * top), top)
        target: Floats = low + (top - low) * (1.0 - view.t ** (1.0 / self.exponent))
        return target

    def propose(self, view: View) -> Ints:
        return offer_or_take_best(view, self.target(view))

    def respond(self, view: View, utility: Floats, crosses: Bools) -> Bools:
        # AC_next: as good as the offer it would make now, which may stand above its target by up to the band
        return accepts(view, utility, crosses, next_offer(view, self.target(view))[1])
