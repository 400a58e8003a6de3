"""A strategy composed with an opponent model: ``boulware+frequency``, ``tit-for-tat+bayesian``, ...

The base strategy decides how much it wants (its target utility) and when to accept; the composition decides
*which* outcome to offer at that level. Among the outcomes worth between the target and ``target + window`` to
the party (``candidates`` of them, spread evenly), it offers the one the opponent model rates best for the
opponent. Without a model, a time-based strategy takes the lowest outcome at or above its target, whatever it
is worth to the other side; with one, it moves along its own iso-utility band towards the other side's wishes,
which is how the ANAC agents that model their opponent find efficient deals (see the sources of the models).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from truce.model.compiled import Bools, Floats, Ints
from truce.simulate.memory import OpponentModel, make_model
from truce.simulate.strategies.base import Strategy, StrategyInfo, View
from truce.simulate.strategies.registry import register

WINDOW = 0.02  # how far above its target a party looks for an outcome the opponent likes better
CANDIDATES = 32  # how many outcomes of that band it scores with the model


def offer_or_take_best(view: View, target: Floats) -> Ints:
    """An agent's offer at ``target``: the outcome its model rates best for the opponent within the band above
    the target (the lowest one at or above it before anything was received, or with no model), unless the
    best offer received so far already reaches the target, which it then offers back."""
    return next_offer(view, target)[0]


def next_offer(view: View, target: Floats) -> tuple[Ints, Floats]:
    """:func:`offer_or_take_best`'s offer and what it is worth to the party (an AC_next agent accepts an offer
    worth that much: the offer it would make, not its target, which the offer may exceed by up to the band)."""
    n = view.sorted_u.shape[1]
    lowest = np.minimum(view.position(target), n - 1)
    if view.memory is None:
        return view.outcome_at(lowest), view.worth_at(lowest)
    chosen, worth = best_for_opponent_and_worth(view, target, target + WINDOW)
    fresh = view.received > 0
    chosen = np.where(fresh, chosen, view.outcome_at(lowest))
    worth = np.where(fresh, worth, view.worth_at(lowest))
    theirs = view.memory.best_offer
    taken = (theirs >= 0) & (view.memory.best >= target)
    return np.where(taken, theirs, chosen), np.where(taken, view.memory.best, worth)


def best_for_opponent(view: View, low: Floats, high: Floats, k: int = CANDIDATES) -> Ints:
    """Per run, among ``k`` outcomes worth ``low`` to ``high`` to the party, the one its model rates best for
    the opponent (ties: the one worth least to the party, i.e. the nearest its target)."""
    return best_for_opponent_and_worth(view, low, high, k)[0]


def best_for_opponent_and_worth(view: View, low: Floats, high: Floats, k: int = CANDIDATES) -> tuple[Ints, Floats]:
    """:func:`best_for_opponent`'s outcome and what it is worth to the party."""
    pos = view.band_positions(low, high, k)
    candidates = view.outcome_at(pos)
    rows = np.arange(candidates.shape[0])
    pick = np.zeros(candidates.shape[0], dtype=np.int64)
    if view.memory is not None:
        pick = np.argmax(view.memory.opponent(candidates), axis=1)
    chosen: Ints = candidates[rows, pick]
    return chosen, view.worth_at(pos[rows, pick])


@register(
    StrategyInfo(
        "modelled",
        "A strategy offering, at its target, what an opponent model rates best for the opponent",
        "time",
        False,
        "the bidding strategies of the ANAC literature, e.g. T. van Krimpen et al., HardHeaded, 2013",
    ),
    by_name=False,
)
@dataclass(frozen=True)
class WithModel(Strategy):
    """``base`` decides its target and answers; ``opponent`` picks which outcome at that target to offer."""

    base: Strategy
    opponent: OpponentModel
    window: float = WINDOW

    @property
    def model(self) -> OpponentModel | None:
        return self.opponent

    def target(self, view: View) -> Floats | None:
        return self.base.target(view)

    def propose(self, view: View) -> Ints:
        offer = self.base.propose(view)
        target = self.base.target(view)
        if target is None or view.memory is None:
            return offer
        chosen = best_for_opponent(view, target, target + self.window)
        learnt: Ints = np.where(view.received > 0, chosen, offer)  # nothing received yet: nothing to model
        return learnt

    def respond(self, view: View, utility: Floats, crosses: Bools) -> Bools:
        return self.base.respond(view, utility, crosses)

    @property
    def label(self) -> str:
        return f"{self.base.label}+{self.opponent.info.name}"

    @property
    def single_text(self) -> str:
        return self.base.single_text  # the model only chooses offers, and in the single text nobody offers


def with_model(base: Strategy, model: str) -> Strategy:
    """``base`` composed with the registered opponent model ``model``."""
    if base.model is not None:
        raise ValueError(f"{base.label} already has an opponent model ({base.model.info.name})")
    if base.target(_probe()) is None:
        raise ValueError(f"{base.label} does not offer by a target utility, so a model cannot choose at it")
    return WithModel(base, make_model(model))


def _probe() -> View:
    """A one-run view to ask a strategy whether it offers by a target."""
    one = np.ones(1)
    return View(0.5, one * 0, np.array([[0.0, 1.0]]), np.array([[0, 1]]), one * np.nan, one * np.nan, one * 0.5)
