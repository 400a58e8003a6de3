"""The extension point every strategy implements: :class:`View`, :class:`Strategy` and :class:`StrategyInfo`.

A strategy is a frozen, stateless object. The engine keeps every run's state and hands the strategy a
:class:`View` of one party in many runs at once (one run in the scalar engine): its sorted utilities, its
current reservation value, what it has been offered so far, and one uniform random number per run drawn
from the run's own generator. ``propose`` returns, per run, the index of an outcome in the space;
``respond`` says, per run, whether the party accepts an offer as the agreement.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Literal

import numpy as np

from truce.model.compiled import Bools, Floats, Ints

Concession = Literal["time", "opponent", "never", "reservation", "random"]


@dataclass(frozen=True)
class StrategyInfo:
    """A registered strategy: its name, a title, how it concedes, whether it draws random numbers, its source."""

    name: str
    title: str
    concession: Concession
    stochastic: bool
    source: str


@dataclass(frozen=True, eq=False)
class View:
    """One party in ``R`` runs (``R`` = 1 in the scalar engine), at time ``t`` in [0, 1).

    ``sorted_u`` ``(R or 1, n)`` is the party's utility of its feasible outcomes, ascending, and ``order`` the
    outcome indices in that order. ``first`` and ``last`` are the party's utility of the first and of the
    latest offer it received (``nan`` before any). ``noise`` is this round's uniform number per run.
    """

    t: float
    reservation: Floats
    sorted_u: Floats
    order: Ints
    first: Floats
    last: Floats
    noise: Floats

    @property
    def best(self) -> Floats:
        return self.sorted_u[:, -1]

    def at_least(self, target: Floats) -> Ints:
        """Per run, the outcome whose utility is the lowest at or above ``target`` (the best if none is)."""
        n = self.sorted_u.shape[1]
        if self.sorted_u.shape[0] == 1:
            pos = np.searchsorted(self.sorted_u[0], target, side="left")
            shared: Ints = self.order[0, np.minimum(pos, n - 1)]
            return shared
        lo = np.zeros(target.shape[0], dtype=np.int64)
        hi = np.full(target.shape[0], n, dtype=np.int64)
        rows = np.arange(target.shape[0])
        while (lo < hi).any():  # a binary search per row, all rows at once (same answer as searchsorted)
            mid = (lo + hi) // 2
            searching = lo < hi
            below = self.sorted_u[rows, np.minimum(mid, n - 1)] < target
            lo = np.where(searching & below, mid + 1, lo)
            hi = np.where(searching & ~below, mid, hi)
        found: Ints = self.order[rows, np.minimum(lo, n - 1)]
        return found


class Strategy:
    """Base of every strategy: subclasses set :attr:`info` and implement :meth:`propose` and :meth:`respond`."""

    info: ClassVar[StrategyInfo]

    def propose(self, view: View) -> Ints:
        raise NotImplementedError

    def respond(self, view: View, utility: Floats, crosses: Bools) -> Bools:
        """Accept, per run, an offer worth ``utility`` to the party (``crosses``: it crosses a red line)."""
        raise NotImplementedError

    @property
    def label(self) -> str:
        return self.info.name


def accepts(view: View, utility: Floats, crosses: Bools, floor: Floats) -> Bools:
    return ~crosses & (utility >= np.maximum(floor, view.reservation))
