"""Opponent models and what a party remembers of a negotiation (see :mod:`truce.simulate.memory.base`).

Importing this package imports every model module, so the registry :data:`MODELS` is complete.
"""

from __future__ import annotations

from truce.simulate.memory.base import MODELS, Memory, ModelInfo, OpponentModel, make_model, register_model
from truce.simulate.memory.bayesian import Bayesian
from truce.simulate.memory.frequency import Frequency

__all__ = ["MODELS", "Bayesian", "Frequency", "Memory", "ModelInfo", "OpponentModel", "make_model", "register_model"]
