"""What a party remembers of a negotiation, and the extension point of opponent models.

The engine keeps one :class:`Memory` per party (over a batch of runs) and hands it to the party's strategy in
its :class:`~truce.simulate.strategies.base.View`. It holds statistics of the offers received, measured in the
party's own utility (count, mean, spread, best and which outcome that was), and, when the strategy uses one, an
opponent model's state. A model learns only from the offers the party received: it never reads the other
party's preferences, so a strategy that uses it stays within private information.

An :class:`OpponentModel` is a frozen object with three functions over arrays: ``start`` (its state for ``R``
runs), ``update`` (after one offer per run), and ``tables`` (the opponent's estimated weighted values per issue,
``(R, issues, options)``): both models here estimate a linear additive utility, as the literature's do.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from truce.model.compiled import Bools, Floats, Ints

State = dict[str, np.ndarray]


@dataclass(frozen=True)
class ModelInfo:
    """A registered opponent model: its name (as in ``boulware+NAME``), a title and its source."""

    name: str
    title: str
    source: str


class OpponentModel:
    """Base of every opponent model; subclasses set :attr:`info` and implement the three functions."""

    info: ClassVar[ModelInfo]

    def start(self, runs: int, sizes: tuple[int, ...]) -> State:
        raise NotImplementedError

    def update(self, state: State, offers: Ints, t: float, fresh: Bools) -> None:
        """Learn, in place, from ``offers`` ``(R, issues)`` received at time ``t`` (only where ``fresh``)."""
        raise NotImplementedError

    def tables(self, state: State) -> Floats:
        """The opponent's estimated weight x value per issue and option, ``(R, issues, max options)``."""
        raise NotImplementedError

    def cells(self, sizes: tuple[int, ...]) -> int:
        """How many numbers its state keeps per run (the engine sizes its batches by it)."""
        return 2 * len(sizes) * max(sizes)


MODELS: dict[str, Callable[[], OpponentModel]] = {}


def register_model(info: ModelInfo) -> Callable[[type[OpponentModel]], type[OpponentModel]]:
    """Register the decorated model class under ``info.name`` (made with no arguments)."""

    def decorate(cls: type[OpponentModel]) -> type[OpponentModel]:
        if info.name in MODELS:
            raise ValueError(f"opponent model {info.name!r} registered twice")
        cls.info = info
        MODELS[info.name] = cls
        return cls

    return decorate


def make_model(name: str) -> OpponentModel:
    if name not in MODELS:
        raise ValueError(f"unknown opponent model {name!r} (expected one of {', '.join(sorted(MODELS))})")
    return MODELS[name]()


@dataclass(eq=False)
class Memory:
    """One party's memory in ``R`` runs. ``outcomes`` are the space's outcome vectors (to score candidates)."""

    outcomes: Ints
    count: Floats
    total: Floats
    squares: Floats
    best: Floats
    best_offer: Ints
    first_offer: Ints
    last_offer: Ints
    model: OpponentModel | None = None
    state: State | None = None
    cached: Floats | None = None  # the model's tables since the last offer (strategies ask several times a round)

    @staticmethod
    def start(runs: int, outcomes: Ints, sizes: tuple[int, ...], model: OpponentModel | None) -> Memory:
        state = None if model is None else model.start(runs, sizes)
        zero, none, nan = np.zeros(runs), np.full(runs, -1, dtype=np.int64), np.full(runs, np.nan)
        return Memory(outcomes, zero, zero.copy(), zero.copy(), nan, none, none.copy(), none.copy(), model, state)

    def observe(self, offer: Ints | None, u: Floats, t: float, fresh: Bools) -> None:
        """Record, where ``fresh``, an offer worth ``u`` to the party; ``offer`` indexes the space (``None``: a
        mediator's text, which teaches the model nothing about the opponent)."""
        self.count += fresh
        self.total += np.where(fresh, u, 0.0)
        self.squares += np.where(fresh, u * u, 0.0)
        better = fresh & ~(u <= self.best)  # also where nothing was received yet (best is nan)
        self.best = np.where(better, u, self.best)
        if offer is not None:
            self.best_offer = np.where(better, offer, self.best_offer)
            self.first_offer = np.where(fresh & (self.first_offer < 0), offer, self.first_offer)
            self.last_offer = np.where(fresh, offer, self.last_offer)
            if self.model is not None and self.state is not None:
                self.model.update(self.state, self.outcomes[offer], t, fresh)
                self.cached = None

    @property
    def mean(self) -> Floats:
        mean: Floats = self.total / np.maximum(self.count, 1.0)
        return mean

    @property
    def deviation(self) -> Floats:
        var = self.squares / np.maximum(self.count, 1.0) - self.mean**2
        deviation: Floats = np.sqrt(np.maximum(var, 0.0))
        return deviation

    def opponent(self, candidates: Ints) -> Floats:
        """The modelled opponent's utility of ``candidates`` ``(R, K)`` (space indices), ``(R, K)``; zeros
        without a model."""
        if self.model is None or self.state is None:
            return np.zeros(candidates.shape)
        if self.cached is None:
            self.cached = self.model.tables(self.state)
        tables = self.cached  # (R, m, options)
        rows = self.outcomes[candidates]  # (R, K, m)
        r = np.arange(rows.shape[0])[:, None, None]
        m = np.arange(rows.shape[2])[None, None, :]
        estimate: Floats = tables[r, m, rows].sum(axis=2)
        return estimate


def padded(sizes: tuple[int, ...]) -> Bools:
    """``(issues, max options)``: which padded option slots are real options."""
    valid: Bools = np.arange(max(sizes))[None, :] < np.asarray(sizes)[:, None]
    return valid
