"""Negotiation strategies: one small ``propose`` / ``respond`` pair each, over a batch of runs.

:mod:`~truce.simulate.strategies.base` holds the extension point (:class:`View`, :class:`Strategy`,
:class:`StrategyInfo`); every other module defines one strategy and registers it where it is defined
(:mod:`~truce.simulate.strategies.registry`). Strategies are made by name with :func:`make_strategy`
(``"boulware"``, ``"time:0.5"``, ...). Importing this package imports every strategy module, so the
registry is complete.
"""

from __future__ import annotations

from truce.simulate.strategies.acceptor import Acceptor
from truce.simulate.strategies.agent_k import AgentK
from truce.simulate.strategies.base import Concession, Strategy, StrategyInfo, View, accepts
from truce.simulate.strategies.cuhk_agent import CUHKAgent
from truce.simulate.strategies.hardheaded import HardHeaded
from truce.simulate.strategies.hardliner import Hardliner
from truce.simulate.strategies.modelled import WithModel, with_model
from truce.simulate.strategies.nice_tit_for_tat import NiceTitForTat
from truce.simulate.strategies.random_acceptable import RandomAcceptable
from truce.simulate.strategies.registry import (
    CLASSES,
    FAMILIES,
    STRATEGIES,
    make_strategy,
    register,
    register_family,
)
from truce.simulate.strategies.time_dependent import PRESETS, TimeDependent
from truce.simulate.strategies.tit_for_tat import TitForTat

__all__ = [
    "CLASSES",
    "FAMILIES",
    "PRESETS",
    "STRATEGIES",
    "Acceptor",
    "AgentK",
    "CUHKAgent",
    "Concession",
    "HardHeaded",
    "Hardliner",
    "NiceTitForTat",
    "RandomAcceptable",
    "Strategy",
    "StrategyInfo",
    "TimeDependent",
    "TitForTat",
    "View",
    "WithModel",
    "accepts",
    "make_strategy",
    "register",
    "register_family",
    "with_model",
]
