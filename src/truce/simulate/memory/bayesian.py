"""A Bayesian opponent model: hypotheses over each issue's weight and value function, updated by Bayes' rule.

Source: K. Hindriks and D. Tykhonov, "Opponent modelling in automated multi-issue negotiation using Bayesian
learning", Proceedings of AAMAS 2008, pp. 331-338 (its scalable variant: each issue's hypotheses are learnt
separately, the other issues held at their expected values).

Per issue, a hypothesis is a pair: an unnormalised weight level (``levels``) and a value function shaped as in
the paper, a triangle over the options in their listed order with its peak on one option (downhill and uphill
functions are the peaks at either end). The model assumes, as the paper does, that the opponent concedes in a
known way: here linearly in time from 1 to ``1 - concession``; an offer is likely under a hypothesis when the
utility the hypothesis gives it is near that expectation (a normal likelihood of spread ``sigma``). For issues
whose options have no order, the triangle is an assumption of the model, as it is in the paper's domains.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from truce.model.compiled import Bools, Floats, Ints
from truce.simulate.memory.base import ModelInfo, OpponentModel, State, padded, register_model

LEVELS = np.linspace(0.1, 1.0, 10)  # unnormalised weight levels of one issue


def shapes(sizes: tuple[int, ...]) -> Floats:
    """``(issues, peaks, max options)``: value function ``h`` of issue ``i`` peaks (1) at option ``h`` and falls
    linearly to 0 at the option furthest from it; padded peaks and options are 0."""
    top = max(sizes)
    out = np.zeros((len(sizes), top, top))
    for i, n in enumerate(sizes):
        o = np.arange(n)
        for h in range(n):
            span = max(h, n - 1 - h, 1)
            out[i, h, :n] = 1.0 - np.abs(o - h) / span
    return out


@register_model(
    ModelInfo(
        "bayesian",
        "Bayesian model (hypotheses over issue weights and value functions)",
        "K. Hindriks and D. Tykhonov, Opponent modelling in automated multi-issue negotiation using Bayesian "
        "learning, AAMAS 2008",
    )
)
@dataclass(frozen=True)
class Bayesian(OpponentModel):
    """``concession``: how far the opponent is assumed to concede by the deadline; ``sigma``: the spread of
    the likelihood."""

    concession: float = 0.5
    sigma: float = 0.25

    def cells(self, sizes: tuple[int, ...]) -> int:
        return len(sizes) * len(LEVELS) * max(sizes)

    def start(self, runs: int, sizes: tuple[int, ...]) -> State:
        valid = padded(sizes)  # peaks are options too
        prior = np.ones((len(sizes), len(LEVELS), max(sizes))) * valid[:, None, :]
        prior /= prior.sum(axis=(1, 2), keepdims=True)
        return {"posterior": np.tile(prior, (runs, 1, 1, 1)), "shapes": shapes(sizes)[None]}

    def update(self, state: State, offers: Ints, t: float, fresh: Bools) -> None:
        post = state["posterior"]  # (R, m, L, H)
        m = offers.shape[1]
        value = state["shapes"][0][np.arange(m)[None, :], :, offers]  # (R, m, H): each peak's value of the offer
        weight = np.einsum("rilh,l->ri", post, LEVELS)  # expected unnormalised weights (R, m)
        expected_value = np.einsum("rilh,rih->ri", post, value)  # expected value of the offer's option (R, m)
        others = (weight * expected_value).sum(axis=1, keepdims=True) - weight * expected_value  # (R, m)
        other_weight = weight.sum(axis=1, keepdims=True) - weight
        numerator = others[:, :, None, None] + LEVELS[None, None, :, None] * value[:, :, None, :]
        u = numerator / (other_weight[:, :, None, None] + LEVELS[None, None, :, None])  # (R, m, L, H)
        expected = 1.0 - self.concession * t
        likelihood = np.exp(-((u - expected) ** 2) / (2 * self.sigma**2))
        updated = post * likelihood
        updated /= np.maximum(updated.sum(axis=(2, 3), keepdims=True), 1e-300)
        state["posterior"] = np.where(fresh[:, None, None, None], updated, post)

    def tables(self, state: State) -> Floats:
        post = state["posterior"]
        weight = np.einsum("rilh,l->ri", post, LEVELS)
        weight /= weight.sum(axis=1, keepdims=True)
        values = np.einsum("rilh,iho->rio", post, state["shapes"][0])  # expected value function (R, m, options)
        estimate: Floats = weight[:, :, None] * values
        return estimate
