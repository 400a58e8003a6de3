"""Negotiation strategies: one small ``propose`` / ``respond`` pair each, over a batch of runs.

A strategy is a frozen, stateless object. The engine keeps every run's state and hands the strategy a
:class:`View` of one party in many runs at once (one run in the scalar engine): its sorted utilities, its
current reservation value, what it has been offered so far, and one uniform random number per run drawn
from the run's own generator. ``propose`` returns, per run, the index of an outcome in the space;
``respond`` says, per run, whether the party accepts an offer as the agreement.

Strategies are registered where they are defined, with typed metadata (:class:`StrategyInfo`), and made by
name with :func:`make_strategy` (``"boulware"``, ``"time:0.5"``, ...).
"""

from __future__ import annotations

from collections.abc import Callable
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


STRATEGIES: dict[str, Callable[[], Strategy]] = {}
CLASSES: dict[str, type[Strategy]] = {}


def register(info: StrategyInfo) -> Callable[[type[Strategy]], type[Strategy]]:
    """Register the decorated strategy class under ``info.name`` (made with no arguments)."""

    def decorate(cls: type[Strategy]) -> type[Strategy]:
        if info.name in STRATEGIES:
            raise ValueError(f"strategy {info.name!r} registered twice")
        cls.info = info
        STRATEGIES[info.name] = cls
        CLASSES[info.name] = cls
        return cls

    return decorate


def _accepts(view: View, utility: Floats, crosses: Bools, floor: Floats) -> Bools:
    return ~crosses & (utility >= np.maximum(floor, view.reservation))


@register(
    StrategyInfo(
        "time",
        "Time-dependent concession",
        "time",
        False,
        "P. Faratin, C. Sierra and N. R. Jennings, Negotiation decision functions for autonomous agents, 1998",
    )
)
@dataclass(frozen=True)
class TimeDependent(Strategy):
    """Concede with time: at time ``t`` aim for ``u(t) = r + (best - r)(1 - t^(1/e))``.

    It offers the outcome whose own utility is the lowest at or above the target and accepts an offer worth
    at least the target (and its reservation value). ``e`` < 1 concedes late (Boulware), ``e`` = 1 linearly,
    ``e`` > 1 early (conceder). Source: Faratin, Sierra and Jennings, Robotics and Autonomous Systems 24, 1998.
    """

    exponent: float = 1.0

    def __post_init__(self) -> None:
        if not self.exponent > 0:
            raise ValueError("the exponent of a time-dependent strategy must be > 0")

    def target(self, view: View) -> Floats:
        r = view.reservation
        target: Floats = r + (view.best - r) * (1.0 - view.t ** (1.0 / self.exponent))
        return target

    def propose(self, view: View) -> Ints:
        return view.at_least(self.target(view))

    def respond(self, view: View, utility: Floats, crosses: Bools) -> Bools:
        return _accepts(view, utility, crosses, self.target(view))

    @property
    def label(self) -> str:
        presets = {0.2: "boulware", 1.0: "linear", 5.0: "conceder"}
        return presets.get(self.exponent, f"time:{self.exponent:g}")


@register(
    StrategyInfo(
        "tit-for-tat",
        "Relative tit-for-tat",
        "opponent",
        False,
        "P. Faratin, C. Sierra and N. R. Jennings, 1998 (imitative tactics); T. Baarslag et al., 2013",
    )
)
@dataclass(frozen=True)
class TitForTat(Strategy):
    """Concede in proportion to what the others conceded (relative tit-for-tat).

    If the offers it received have moved a share ``s`` of the way from the first one towards its best outcome
    (measured in its own utility), it aims a share ``s`` of the way from its best down to its reservation
    value. Two of them never start conceding. Source: Faratin, Sierra and Jennings, 1998, imitative tactics.
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
        return _accepts(view, utility, crosses, self.target(view))


@register(StrategyInfo("hardliner", "Hardliner", "never", False, "the 'hardheaded' baseline of the ANAC literature"))
@dataclass(frozen=True)
class Hardliner(Strategy):
    """Offer its best outcome every time; accept only an offer as good as its best."""

    def propose(self, view: View) -> Ints:
        return view.order[:, -1] if view.order.shape[0] > 1 else np.repeat(view.order[0, -1], view.noise.shape[0])

    def respond(self, view: View, utility: Floats, crosses: Bools) -> Bools:
        return _accepts(view, utility, crosses, view.best - 1e-12)


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
        return _accepts(view, utility, crosses, view.reservation)


@register(StrategyInfo("random", "Random acceptable", "random", True, "a baseline: uniform over acceptable outcomes"))
@dataclass(frozen=True)
class RandomAcceptable(Strategy):
    """Offer an outcome drawn uniformly from those it finds acceptable (its best when none is); accept any
    acceptable offer."""

    def propose(self, view: View) -> Ints:
        n = view.sorted_u.shape[1]
        if view.sorted_u.shape[0] == 1:
            start = np.searchsorted(view.sorted_u[0], view.reservation, side="left")
        else:
            start = (view.sorted_u < view.reservation[:, None]).sum(axis=1)
        start = np.minimum(start, n - 1)
        pos = start + np.floor(view.noise * (n - start)).astype(np.int64)
        rows = np.arange(pos.shape[0]) if view.order.shape[0] > 1 else np.zeros(pos.shape[0], dtype=np.int64)
        chosen: Ints = view.order[rows, np.minimum(pos, n - 1)]
        return chosen

    def respond(self, view: View, utility: Floats, crosses: Bools) -> Bools:
        return _accepts(view, utility, crosses, view.reservation)


PRESETS: dict[str, float] = {"boulware": 0.2, "linear": 1.0, "conceder": 5.0}
for _name, _e in PRESETS.items():
    STRATEGIES[_name] = lambda e=_e: TimeDependent(e)  # type: ignore[misc]


def make_strategy(name: str) -> Strategy:
    """A strategy by registered name, or ``time:E`` for a time-dependent one with exponent ``E``."""
    if name.startswith("time:"):
        try:
            return TimeDependent(float(name.split(":", 1)[1]))
        except ValueError as exc:
            raise ValueError(f"bad strategy {name!r}: {exc}") from None
    if name not in STRATEGIES:
        raise ValueError(f"unknown strategy {name!r} (expected one of {', '.join(sorted(STRATEGIES))} or time:E)")
    return STRATEGIES[name]()
