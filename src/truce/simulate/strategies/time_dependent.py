"""Time-dependent concession (Faratin, Sierra and Jennings, 1998), with the Boulware, linear and conceder presets."""

from __future__ import annotations

from dataclasses import dataclass

from truce.model.compiled import Bools, Floats, Ints
from truce.simulate.strategies.base import Strategy, StrategyInfo, View, accepts
from truce.simulate.strategies.registry import STRATEGIES, register, register_family


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
        return accepts(view, utility, crosses, self.target(view))

    @property
    def label(self) -> str:
        presets = {0.2: "boulware", 1.0: "linear", 5.0: "conceder"}
        return presets.get(self.exponent, f"time:{self.exponent:g}")


PRESETS: dict[str, float] = {"boulware": 0.2, "linear": 1.0, "conceder": 5.0}
for _name, _e in PRESETS.items():
    STRATEGIES[_name] = lambda e=_e: TimeDependent(e)  # type: ignore[misc]


def _with_exponent(arg: str) -> Strategy:
    return TimeDependent(float(arg))


register_family("time", _with_exponent)
