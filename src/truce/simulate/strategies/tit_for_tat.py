"""Relative tit-for-tat: concede as much as the others did (Faratin, Sierra and Jennings, 1998)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from truce.model.compiled import Bools, Floats, Ints
from truce.simulate.strategies.base import Strategy, StrategyInfo, View, accepts
from truce.simulate.strategies.registry import register


@register(
    StrategyInfo(
        "tit-for-tat",
        "Relative tit-for-tat",
        "opponent",
        False,
        "P. Faratin, C. Sierra and N. R. Jennings, 1998 (imitative tactics); T. Baarslag et al., 2013",
        "takes the mediator's texts for the other sides' offers: it concedes as far as the text has moved towards "
        "its best since the first text",
    )
)
@dataclass(frozen=True)
class TitForTat(Strategy):
    """Concede in proportion to what the others conceded (relative tit-for-tat).

    If the offers it received have moved a share ``s`` of the way from the first one towards its best outcome
    (measured in its own utility), it aims a share ``s`` of the way from its best down to its reservation
    value. Two of them never start conceding. Source: Faratin, Sierra and Jennings, 1998, imitative tactics,
    adapted: their relative tit-for-tat works issue by issue, multiplying its own last value of an issue by the
    ratio between two of the opponent's offers ``delta`` steps back; this one works on utilities, and on the
    whole way conceded since the first offer, so that it needs no order on categorical options.
    """

    def target(self, view: View) -> Floats:
        first = np.where(np.isnan(view.first), view.best, view.first)  # nothing received yet: nothing conceded
        last = np.where(np.isnan(view.last), first, view.last)
        room = view.best - first
        share = np.clip((last - first) / np.where(room > 0, room, 1.0), 0.0, 1.0)
        r = np.minimum(view.reservation, view.best)
        return view.best - (view.best - r) * share

    def propose(self, view: View) -> Ints:
        return view.at_least(self.target(view))

    def respond(self, view: View, utility: Floats, crosses: Bools) -> Bools:
        return accepts(view, utility, crosses, self.target(view))
