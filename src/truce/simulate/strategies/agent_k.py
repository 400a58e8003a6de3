"""Agent K, winner of ANAC 2010, re-implemented from its description.

Source: S. Kawaguchi, K. Fujita and T. Ito, "Compromising strategy based on estimated maximum utility for
automated negotiation agents competition (ANAC-10)", in Modern Approaches in Applied Intelligence (IEA/AIE
2011), LNCS 6704, Springer, pp. 501-510; and "AgentK", in New Trends in Agent-Based Complex Automated
Negotiations, SCI 383, Springer, 2012.

As described there: from the opponent's offers so far (their utility to itself: mean ``mu``, standard deviation
``sigma``) it estimates the best the opponent may still offer, ``emax = mu + (1 - mu) d`` with
``d = sqrt(12) sigma`` (the width of a uniform distribution of that spread), and compromises towards it as time
runs out: ``target(t) = best - (best - emax) t^alpha``. It offers a random outcome worth at least the target and
accepts an offer worth at least the target, or else with probability ``t^5 / 5 + (u - emax) + (u - target)``.

Simplifications (stated): ``alpha`` is fixed (3) where the paper adjusts the speed of compromise during the
negotiation, and the paper's two refinements of that basic strategy are left out: the limit of compromise that
it does not exceed when the opponent is uncooperative, and ``ratio(t)``, which controls the final phase so as to
agree when the opponent's offer comes close to the estimated maximum (both named in the papers' abstracts).
Adapted: the target never falls below the party's reservation value (ANAC 2010 had none); and in the
single-text protocol, where nobody offers, the mediator's texts stand for the opponent's offers in ``mu`` and
``sigma``. With three or more parties (stacked alternating offers, Aydoğan et al. 2017) it takes every offer it
receives for the opponent's, the others taken together, as the bilateral ANAC protocol had one opponent.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from truce.model.compiled import Bools, Floats, Ints
from truce.simulate.strategies.base import Strategy, StrategyInfo, View, accepts
from truce.simulate.strategies.registry import register


@register(
    StrategyInfo(
        "agent-k",
        "Agent K (ANAC 2010): compromise towards the opponent's estimated maximum",
        "opponent",
        True,
        "S. Kawaguchi, K. Fujita and T. Ito, IEA/AIE 2011, LNCS 6704; Springer SCI 383, 2012",
        "takes the mediator's texts for the other sides' offers: it aims at the best it expects of them, from the "
        "mean and spread of what those texts were worth to it, and accepts a text below its aim only by a draw, "
        "likelier as time runs out",
    )
)
@dataclass(frozen=True)
class AgentK(Strategy):
    alpha: float = 3.0

    def estimated_max(self, view: View) -> Floats:
        """``emax``: the best the opponent is expected to offer (its best outcome before any offer)."""
        if view.memory is None:
            return view.best
        mu, width = view.memory.mean, np.sqrt(12.0) * view.memory.deviation
        emax = np.minimum(mu + (1.0 - mu) * width, view.best)
        estimate: Floats = np.where(view.received > 0, emax, view.best)
        return estimate

    def target(self, view: View) -> Floats:
        emax = self.estimated_max(view)
        target: Floats = np.maximum(view.best - (view.best - emax) * view.t**self.alpha, view.reservation)
        return target

    def propose(self, view: View) -> Ints:
        n = view.sorted_u.shape[1]
        start = np.minimum(view.position(self.target(view)), n - 1)
        pos = start + np.floor(_draws(view)[1] * (n - start)).astype(np.int64)  # uniform over what reaches the target
        return view.outcome_at(np.minimum(pos, n - 1))

    def respond(self, view: View, utility: Floats, crosses: Bools) -> Bools:
        target, emax = self.target(view), self.estimated_max(view)
        chance = view.t**5 / 5.0 + (utility - emax) + (utility - target)
        floor = np.where(_draws(view)[0] < chance, view.reservation, target)  # a lucky draw accepts below target
        return accepts(view, utility, crosses, floor)


def _draws(view: View) -> tuple[Floats, Floats]:
    """Two independent uniform numbers per run from the round's one: its high and its low 26 bits. A party that
    answers and offers in one turn (stacked alternating offers) does both on that one number, and the offer must
    not depend on how the draw to accept came out."""
    scaled = view.noise * 2.0**26
    high: Floats = np.floor(scaled) / 2.0**26
    low: Floats = scaled - np.floor(scaled)
    return high, low
