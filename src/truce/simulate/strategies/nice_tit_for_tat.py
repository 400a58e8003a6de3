"""Nice Tit for Tat, re-implemented from its description.

Source: T. Baarslag, K. Hindriks and C. Jonker, "A tit for tat negotiation strategy for real-time bilateral
negotiations", in Complex Automated Negotiations: Theories, Models, and Software Competitions, Studies in
Computational Intelligence 435, Springer, 2013, pp. 229-233.

As described there: it reciprocates the opponent's concessions measured in the *opponent's* utility (as its
Bayesian opponent model estimates it), aiming at the Nash point of the estimated outcome space: when the
opponent has moved a share ``s`` of the way from its first offer towards that Nash point, it moves the same
share from its own best towards its utility at the Nash point; at that level it offers what the model rates
best for the opponent. It accepts an offer at least as good as its next offer and, in the last 2% of the
time, one at least as good as the best it has received. Simplifications (stated): the Nash point is estimated
over 256 of its outcomes spread evenly over its own utility, the modelled utilities rescaled to run from 0 to
1 over them and the opponent's reservation value taken as 0;
and, being nice, it concedes towards the Nash point at least as fast as ``t^5`` (two copies of a pure
reciprocator never start conceding). In the single-text protocol nobody offers: a mediator's text is no one's
concession, so there it has nothing to reciprocate, its model learns nothing, and it concedes with time alone.
With three or more parties (stacked alternating offers, Aydoğan et al. 2017) it takes every offer it receives
for the opponent's, the others taken together, as the bilateral ANAC protocol had one opponent.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from truce.model.compiled import Bools, Floats, Ints
from truce.simulate.memory import Bayesian, OpponentModel
from truce.simulate.strategies.base import Strategy, StrategyInfo, View, accepts
from truce.simulate.strategies.modelled import WINDOW, best_for_opponent, best_for_opponent_and_worth
from truce.simulate.strategies.registry import register

SAMPLE = 256  # outcomes over which the Nash point of the modelled space is estimated
LAST = 0.98  # from this time on it accepts anything as good as the best it was offered


@register(
    StrategyInfo(
        "nice-tit-for-tat",
        "Nice Tit for Tat: reciprocate towards the estimated Nash point (Bayesian model)",
        "opponent",
        False,
        "T. Baarslag, K. Hindriks and C. Jonker, A tit for tat negotiation strategy, Springer SCI 435, 2013",
        "has no offers to reciprocate, and its opponent model learns nothing from the mediator's texts: it "
        "concedes with time alone (t^5 of the way towards a Nash point estimated with that untaught model) and, "
        "in the last 2% of the time, accepts only a text as good as the best it has been shown",
    )
)
@dataclass(frozen=True)
class NiceTitForTat(Strategy):
    opponent: OpponentModel = field(default_factory=Bayesian)

    @property
    def model(self) -> OpponentModel | None:
        return self.opponent

    def target(self, view: View) -> Floats:
        memory = view.memory
        if memory is None:
            return np.maximum(view.best, view.reservation)
        n = view.sorted_u.shape[1]
        runs = view.noise.shape[0]
        pos = np.broadcast_to(np.linspace(0, n - 1, min(SAMPLE, n)).astype(np.int64), (runs, min(SAMPLE, n)))
        own = view.sorted_u[np.arange(runs)[:, None] if view.sorted_u.shape[0] > 1 else 0, pos]
        theirs = memory.opponent(view.outcome_at(pos))
        low, high = theirs.min(axis=1, keepdims=True), theirs.max(axis=1, keepdims=True)
        span = np.where(high > low, high - low, 1.0)
        theirs = (theirs - low) / span  # the opponent's scale: worst 0, best 1
        r = view.reservation[:, None]
        nash = np.argmax(np.where(own >= r, (own - r) * theirs, -np.inf), axis=1)
        rows = np.arange(runs)
        own_nash, their_nash = own[rows, nash], theirs[rows, nash]
        seen = np.maximum(memory.first_offer, 0)[:, None]
        # its first and last offers on the same scale as the Nash point
        first = ((memory.opponent(seen) - low) / span)[:, 0]
        last = ((memory.opponent(np.maximum(memory.last_offer, 0)[:, None]) - low) / span)[:, 0]
        room = first - their_nash
        share = np.clip((first - last) / np.where(room > 1e-9, room, 1.0), 0.0, 1.0)
        # a mediator's text counts as received but is no one's offer: only offers show what the other conceded
        share = np.where((memory.first_offer >= 0) & (room > 1e-9), share, 0.0)
        share = np.maximum(share, view.t**5)  # nice: never stuck waiting for the other to move first
        target: Floats = np.maximum(view.best - (view.best - own_nash) * share, view.reservation)
        return target

    def propose(self, view: View) -> Ints:
        target = self.target(view)
        return best_for_opponent(view, target, target + WINDOW)

    def respond(self, view: View, utility: Floats, crosses: Bools) -> Bools:
        target = self.target(view)
        floor = best_for_opponent_and_worth(view, target, target + WINDOW)[1]  # AC_next: what it would offer now
        if view.memory is not None and view.t >= LAST:
            floor = np.minimum(floor, np.nan_to_num(view.memory.best, nan=np.inf))
        return accepts(view, utility, crosses, floor)
