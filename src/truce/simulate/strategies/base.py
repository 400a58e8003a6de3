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
from truce.simulate.memory import Memory, OpponentModel

Concession = Literal["time", "opponent", "never", "reservation", "random"]


@dataclass(frozen=True)
class StrategyInfo:
    """A registered strategy: its name, a title, how it concedes, whether it draws random numbers, its source.

    ``single_text`` says, in words that follow the party's name, how it answers a mediator's text in the
    single-text protocol where that differs from how it answers an offer (no side makes offers there, so a
    strategy that learns from the others' offers has only the texts to go on); empty when it answers alike."""

    name: str
    title: str
    concession: Concession
    stochastic: bool
    source: str
    single_text: str = ""


@dataclass(frozen=True, eq=False)
class View:
    """One party in ``R`` runs (``R`` = 1 in the scalar engine), at time ``t`` in [0, 1).

    ``sorted_u`` ``(R or 1, n)`` is the party's utility of its feasible outcomes, ascending, and ``order`` the
    outcome indices in that order. ``first`` and ``last`` are the party's utility of the first and of the
    latest offer it received (``nan`` before any). ``noise`` is this round's uniform number per run.
    ``memory`` is what the party learnt from the offers it received (statistics, and its opponent model's
    state when its strategy has one); ``None`` when the engine keeps none (a view built by hand).
    """

    t: float
    reservation: Floats
    sorted_u: Floats
    order: Ints
    first: Floats
    last: Floats
    noise: Floats
    memory: Memory | None = None

    @property
    def best(self) -> Floats:
        return self.sorted_u[:, -1]

    @property
    def received(self) -> Floats:
        """How many offers each run has received (0 without a memory)."""
        return np.zeros(self.noise.shape[0]) if self.memory is None else self.memory.count

    def at_least(self, target: Floats) -> Ints:
        """Per run, the outcome whose utility is the lowest at or above ``target`` (the best if none is)."""
        n = self.sorted_u.shape[1]
        return self.outcome_at(np.minimum(self.position(target), n - 1))

    def outcome_at(self, pos: Ints) -> Ints:
        """The outcome indices at positions ``pos`` (``(R,)`` or ``(R, K)``) of each run's sorted list."""
        if self.order.shape[0] == 1:
            shared: Ints = self.order[0, pos]
            return shared
        rows = np.arange(pos.shape[0]).reshape((-1,) + (1,) * (pos.ndim - 1))
        found: Ints = self.order[rows, pos]
        return found

    def position(self, target: Floats, side: Literal["left", "right"] = "left") -> Ints:
        """Per run, the position of ``target`` in its sorted utilities (``n`` when above them all)."""
        n = self.sorted_u.shape[1]
        if self.sorted_u.shape[0] == 1:
            at: Ints = np.searchsorted(self.sorted_u[0], target, side=side)
            return at
        lo = np.zeros(target.shape[0], dtype=np.int64)
        hi = np.full(target.shape[0], n, dtype=np.int64)
        rows = np.arange(target.shape[0])
        while (lo < hi).any():  # a binary search per row, all rows at once (same answer as searchsorted)
            mid = (lo + hi) // 2
            searching = lo < hi
            value = self.sorted_u[rows, np.minimum(mid, n - 1)]
            below = value < target if side == "left" else value <= target
            lo = np.where(searching & below, mid + 1, lo)
            hi = np.where(searching & ~below, mid, hi)
        return lo

    def band(self, low: Floats, high: Floats, k: int) -> Ints:
        """Per run, ``k`` outcomes spread evenly over those worth between ``low`` and ``high`` to the party
        ``(R, k)`` (the one nearest at or above ``low`` when none is in the band)."""
        return self.outcome_at(self.band_positions(low, high, k))

    def band_positions(self, low: Floats, high: Floats, k: int) -> Ints:
        """:meth:`band`'s outcomes as positions in each run's sorted list ``(R, k)``."""
        n = self.sorted_u.shape[1]
        lo = np.minimum(self.position(low), n - 1)
        hi = np.maximum(np.minimum(self.position(high, "right"), n), lo + 1)
        steps = (np.arange(k) + 0.5) / k
        pos: Ints = lo[:, None] + np.floor(steps[None, :] * (hi - lo)[:, None]).astype(np.int64)
        return pos

    def worth_at(self, pos: Ints) -> Floats:
        """The party's utility of the outcomes at positions ``pos`` ``(R,)`` of each run's sorted list."""
        if self.sorted_u.shape[0] == 1:
            shared: Floats = self.sorted_u[0, pos]
            return shared
        found: Floats = self.sorted_u[np.arange(pos.shape[0]), pos]
        return found


class Strategy:
    """Base of every strategy: subclasses set :attr:`info` and implement :meth:`propose` and :meth:`respond`."""

    info: ClassVar[StrategyInfo]

    @property
    def model(self) -> OpponentModel | None:
        """The opponent model the engine keeps for this strategy (``None``: it needs none)."""
        return None

    def target(self, view: View) -> Floats | None:
        """The utility it aims at per run, when it offers by a target (composition with a model needs one)."""
        return None

    def propose(self, view: View) -> Ints:
        raise NotImplementedError

    def respond(self, view: View, utility: Floats, crosses: Bools) -> Bools:
        """Accept, per run, an offer worth ``utility`` to the party (``crosses``: it crosses a red line)."""
        raise NotImplementedError

    @property
    def label(self) -> str:
        return self.info.name

    @property
    def single_text(self) -> str:
        """How it answers a mediator's text where that differs from its answer to an offer (:class:`StrategyInfo`)."""
        return self.info.single_text


def accepts(view: View, utility: Floats, crosses: Bools, floor: Floats) -> Bools:
    return ~crosses & (utility >= np.maximum(floor, view.reservation))
