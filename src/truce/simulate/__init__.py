"""Simulated negotiations: protocols, strategies, the scalar and batch engines, Monte Carlo summaries, tournaments.

Plain functions over the compiled arrays; nothing here reads or writes files.
"""

from __future__ import annotations

from truce.simulate.conditions import Delay, Shocks, Uncertainty
from truce.simulate.engine import Negotiation, Runs, Setup, Step, negotiate, run_many, seeds
from truce.simulate.protocol import AlternatingOffers, Protocol, SingleText, StackedAlternatingOffers
from truce.simulate.space import Space, build_space
from truce.simulate.strategies import (
    STRATEGIES,
    Acceptor,
    Hardliner,
    RandomAcceptable,
    Strategy,
    StrategyInfo,
    TimeDependent,
    TitForTat,
    View,
    make_strategy,
)
from truce.simulate.summary import Summary, simulate, summarize
from truce.simulate.trace import format_trace

__all__ = [
    "STRATEGIES",
    "Acceptor",
    "AlternatingOffers",
    "Delay",
    "Hardliner",
    "Negotiation",
    "Protocol",
    "RandomAcceptable",
    "Runs",
    "Setup",
    "Shocks",
    "SingleText",
    "Space",
    "StackedAlternatingOffers",
    "Step",
    "Strategy",
    "StrategyInfo",
    "Summary",
    "TimeDependent",
    "TitForTat",
    "Uncertainty",
    "View",
    "build_space",
    "format_trace",
    "make_strategy",
    "negotiate",
    "run_many",
    "seeds",
    "simulate",
    "summarize",
]
