"""CUHKAgent, winner of ANAC 2012, re-implemented (simplified) from its description.

Source: J. Hao and H. Leung, "CUHKAgent: an adaptive negotiation strategy for bilateral negotiations over
multiple items", in Novel Insights in Agent-based Complex Automated Negotiation, Studies in Computational
Intelligence 535, Springer, 2014, pp. 171-179.

As described there: it stays tough until a *non-exploitation point* ``lambda`` and concedes after it, and it
sets both from how much the opponent concedes (its *concession degree*, here the share of the way the
opponent's best offer has moved from its first offer towards the agent's best, in its own utility): the more
the opponent concedes, the later ``lambda`` (``0.5 + 0.4 s``) and the less the agent concedes before it. Before
``lambda`` its threshold falls at most a quarter of the way from its best to its floor (the better of its
reservation value and the best offer received), along ``(t / lambda)^2``; after ``lambda`` it falls linearly
to that floor at the deadline. It offers the opponent's best offer when that reaches its threshold, else what
its frequency model rates best for the opponent among the outcomes at its threshold; it accepts an offer at
least as good as its threshold and, in the last 2% of the time, one at least as good as the best it has been
offered, which it then also offers back (the agreement the paper's agent secures near the deadline).
Simplification (stated): the paper's discount-factor handling and its exact adaptive formulas are replaced by
these two piecewise curves. Adapted: in the single-text protocol, where nobody offers, the mediator's texts stand
for the opponent's offers (its first and best); its frequency model learns nothing from them.
With three or more parties (stacked alternating offers, Aydoğan et al. 2017) it takes every offer it receives
for the opponent's, the others taken together, as the bilateral ANAC protocol had one opponent.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from truce.model.compiled import Bools, Floats, Ints
from truce.simulate.memory import Frequency, OpponentModel
from truce.simulate.strategies.base import Strategy, StrategyInfo, View, accepts
from truce.simulate.strategies.modelled import offer_or_take_best
from truce.simulate.strategies.registry import register

LAST = 0.98  # from this time on it accepts anything as good as the best it was offered


@register(
    StrategyInfo(
        "cuhk-agent",
        "CUHKAgent (ANAC 2012): adaptive non-exploitation point, frequency model",
        "opponent",
        False,
        "J. Hao and H. Leung, CUHKAgent, Springer SCI 535, 2014",
        "takes the mediator's texts for the other sides' offers (how far they moved towards its best sets its "
        "non-exploitation point, and the best of them its floor) and, in the last 2% of the time, accepts a text "
        "as good as the best it has been shown",
    )
)
@dataclass(frozen=True)
class CUHKAgent(Strategy):
    opponent: OpponentModel = field(default_factory=Frequency)

    @property
    def model(self) -> OpponentModel | None:
        return self.opponent

    def target(self, view: View) -> Floats:
        top = view.best
        best_seen = view.reservation if view.memory is None else np.nan_to_num(view.memory.best, nan=-np.inf)
        floor = np.minimum(np.maximum(view.reservation, best_seen), top)
        first = np.where(np.isnan(view.first), top, view.first)
        room = top - first
        best_seen_u = np.where(np.isfinite(best_seen), best_seen, first)
        degree = np.clip((best_seen_u - first) / np.where(room > 0, room, 1.0), 0.0, 1.0)
        point = 0.5 + 0.4 * degree  # the non-exploitation point
        at_point = top - 0.25 * (top - floor)
        tough = top - (top - at_point) * np.minimum(view.t / point, 1.0) ** 2
        late = at_point - (at_point - floor) * np.clip((view.t - point) / (1.0 - point), 0.0, 1.0)
        target: Floats = np.where(view.t <= point, tough, late)
        return target

    def propose(self, view: View) -> Ints:
        target = self.target(view)
        if view.memory is not None and view.t >= LAST:
            # it would accept the best offer it has received, so it offers that back: two agents that each wait
            # for the other's threshold to reach their best offer otherwise pass each other at the deadline
            target = np.minimum(target, np.nan_to_num(view.memory.best, nan=np.inf))
        return offer_or_take_best(view, target)

    def respond(self, view: View, utility: Floats, crosses: Bools) -> Bools:
        floor = self.target(view)
        if view.memory is not None and view.t >= LAST:
            floor = np.minimum(floor, np.nan_to_num(view.memory.best, nan=np.inf))
        return accepts(view, utility, crosses, floor)
