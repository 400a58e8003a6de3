"""Negotiation protocols: frozen rules, kept apart from the per-step state the engine keeps.

Every protocol runs for at most ``rounds`` rounds, ``rounds_per_day`` of them a day; the deadline in days is
``rounds / rounds_per_day`` (use :func:`deadline` to give it in days). Time, as strategies see it, is
``t = round / rounds`` in [0, 1).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True)
class AlternatingOffers:
    """Bilateral alternating offers: the parties take turns to propose; the other accepts or rejects.

    Source: A. Rubinstein, "Perfect equilibrium in a bargaining model", Econometrica 50(1), 1982; the finite
    deadline version as in the ANAC competitions (Baarslag et al., 2012). An agreement is the accepted offer.
    """

    rounds: int = 100
    rounds_per_day: int = 1
    name: Literal["alternating"] = "alternating"

    def __post_init__(self) -> None:
        _check(self.rounds, self.rounds_per_day)


@dataclass(frozen=True)
class StackedAlternatingOffers:
    """Multilateral stacked alternating offers (SAOP), as defined by R. Aydoğan, D. Festen, K. V. Hindriks and
    C. M. Jonker, "Alternating offers protocols for multilateral negotiation", in Modern Approaches to Agent-
    based Complex Automated Negotiation, Springer, 2017.

    The parties take turns in a fixed order (the scenario's), one turn a round. The first makes an offer. On
    its turn each party either accepts the offer on the table or makes a counter-offer, which replaces it and
    is then the one the following parties answer. The offer is an agreement when every party but the one who
    made it has accepted it, one after another in turn. (Walking away is not a move here: the talks end
    without a deal by a breakdown or the deadline.) With two parties the sequence of decisions is that of
    :class:`AlternatingOffers`, counted one turn a round instead of one offer and its answer a round.
    """

    rounds: int = 100
    rounds_per_day: int = 1
    name: Literal["stacked"] = "stacked"

    def __post_init__(self) -> None:
        _check(self.rounds, self.rounds_per_day)


@dataclass(frozen=True)
class SingleText:
    """Mediated single text: a mediator amends one text on the table, the parties vote, until all accept it.

    Source: M. Klein, P. Faratin, H. Sayama and Y. Bar-Yam, "Negotiating complex contracts", Group Decision
    and Negotiation 12(2), 2003. Each round every party is asked whether it accepts the current text as the
    agreement (its strategy's ``respond``); if all do, that is the agreement. Otherwise the mediator changes
    the term of one random issue to another random option, and each party votes for the change when the
    new text is at least as good for it and crosses none of its red lines. A ``hill`` mediator adopts the
    change when every party votes for it; an ``anneal`` mediator also adopts it, with probability
    ``exp(-against / T)``, when ``against`` parties vote against, the temperature ``T`` starting at
    ``temperature`` and multiplied by ``cooling`` every round. ``start`` is the text on the table (one option
    index per issue, ``-1`` where open: open issues start at the option with the largest sum of the parties'
    utilities); ``None`` leaves every issue open.
    """

    rounds: int = 100
    rounds_per_day: int = 1
    mediator: Literal["hill", "anneal"] = "hill"
    start: tuple[int, ...] | None = None
    temperature: float = 1.0
    cooling: float = 0.95
    name: Literal["single-text"] = "single-text"

    def __post_init__(self) -> None:
        _check(self.rounds, self.rounds_per_day)
        if self.mediator not in ("hill", "anneal"):
            raise ValueError(f"mediator must be 'hill' or 'anneal', not {self.mediator!r}")
        if self.temperature <= 0 or not 0 < self.cooling <= 1:
            raise ValueError("temperature must be > 0 and cooling in (0, 1]")


Protocol = AlternatingOffers | StackedAlternatingOffers | SingleText


TITLES = {"alternating": "alternating offers", "stacked": "stacked alternating offers", "single-text": "single text"}


def deadline(days: int, rounds_per_day: int = 1) -> int:
    """The number of rounds in ``days`` days."""
    return days * rounds_per_day


def days_of(protocol: Protocol) -> int:
    """The deadline in whole days (a part day counts as a day)."""
    return -(-protocol.rounds // protocol.rounds_per_day)


def _check(rounds: int, rounds_per_day: int) -> None:
    if rounds < 1 or rounds_per_day < 1:
        raise ValueError("rounds and rounds_per_day must be at least 1")
