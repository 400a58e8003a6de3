"""The rules of an exchange agreement, one module per rule kind, each registered where it is defined.

Importing this package registers every rule kind; :func:`registered` gives them in a fixed order.
"""

from __future__ import annotations

from truce.exchange.rules import (
    blocks,
    cadence,
    capacity,
    commitments,
    exposure,
    extension,
    keys,
    lists,
    order,
)
from truce.exchange.rules.base import REGISTRY, Deviation, DeviationKind, Rule, RuleKind, Violation, registered

MODULES = (lists, keys, blocks, cadence, extension, order, capacity, exposure, commitments)

__all__ = ["MODULES", "REGISTRY", "Deviation", "DeviationKind", "Rule", "RuleKind", "Violation", "registered"]
