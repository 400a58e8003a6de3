"""The frequency opponent model of HardHeaded (ANAC 2011 winner).

Source: T. van Krimpen, D. Looije and S. Hajizadeh, "HardHeaded", in Complex Automated Negotiations: Theories,
Models, and Software Competitions, Studies in Computational Intelligence 435, Springer, 2013, pp. 223-227; and
its description in T. Baarslag, M. Hendrikx, K. Hindriks and C. Jonker, "Learning about the opponent in
automated bilateral negotiation: a comprehensive survey of opponent modeling techniques", Autonomous Agents
and Multi-Agent Systems 30, 2016 (the "HardHeaded frequency model").

An opponent keeps the terms it cares most about: when an issue's option is the same in two consecutive offers,
the issue's weight grows by a learning coefficient (then the weights are normalised); every option offered
counts once more, and an option's value is its count over the issue's highest count.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from truce.model.compiled import Bools, Floats, Ints
from truce.simulate.memory.base import ModelInfo, OpponentModel, State, padded, register_model


@register_model(
    ModelInfo(
        "frequency",
        "Frequency model (issue weights from unchanged terms, values from counts)",
        "T. van Krimpen, D. Looije and S. Hajizadeh, HardHeaded, Springer SCI 435, 2013",
    )
)
@dataclass(frozen=True)
class Frequency(OpponentModel):
    """``learning``: what an issue's weight gains when its term is unchanged between consecutive offers
    (HardHeaded's 0.2, over an initial weight of 1 / issues); ``addition``: what an offered option's count gains."""

    learning: float = 0.2
    addition: float = 1.0

    def start(self, runs: int, sizes: tuple[int, ...]) -> State:
        m = len(sizes)
        valid = padded(sizes)
        return {
            "weights": np.full((runs, m), 1.0 / m),
            "counts": np.tile(valid.astype(float), (runs, 1, 1)),  # every option starts at one count
            "previous": np.full((runs, m), -1, dtype=np.int64),
        }

    def update(self, state: State, offers: Ints, t: float, fresh: Bools) -> None:
        same = (offers == state["previous"]) & fresh[:, None]
        weights = state["weights"] + self.learning * same
        state["weights"] = weights / weights.sum(axis=1, keepdims=True)
        rows = np.flatnonzero(fresh)
        issues = np.arange(offers.shape[1])
        state["counts"][rows[:, None], issues[None, :], offers[rows]] += self.addition
        state["previous"] = np.where(fresh[:, None], offers, state["previous"])

    def tables(self, state: State) -> Floats:
        counts = state["counts"]
        values = counts / counts.max(axis=2, keepdims=True)
        estimate: Floats = state["weights"][:, :, None] * values
        return estimate
