"""The acceptor: accept any text that beats the reservation value."""

from __future__ import annotations

from dataclasses import dataclass

from truce.model.compiled import Bools, Floats, Ints
from truce.simulate.strategies.base import Strategy, StrategyInfo, View, accepts
from truce.simulate.strategies.hardliner import Hardliner
from truce.simulate.strategies.registry import register


@register(
    StrategyInfo(
        "acceptor",
        "Accept a text that beats the reservation value",
        "reservation",
        False,
        "the voting agents of M. Klein et al., Negotiating complex contracts, 2003",
    )
)
@dataclass(frozen=True)
class Acceptor(Strategy):
    """Accept any text (the mediator's, or an offer) at or above its reservation value; offer its best."""

    def propose(self, view: View) -> Ints:
        return Hardliner().propose(view)

    def respond(self, view: View, utility: Floats, crosses: Bools) -> Bools:
        return accepts(view, utility, crosses, view.reservation)
