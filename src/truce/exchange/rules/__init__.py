"""The rules of an exchange agreement, one module per rule kind, each registered where it is defined.

Importing this package imports every module in it, so each registers its rule; :func:`registered`
gives them in the order :class:`RuleKind` lists them. A new rule kind is a new module here (and its
member of :class:`RuleKind`); the planner, the checker and the ledger find it in the registry.
"""

from __future__ import annotations

import importlib
import pkgutil
from types import ModuleType

from truce.exchange.rules.base import REGISTRY, Deviation, DeviationKind, Rule, RuleKind, Violation, registered

MODULES: tuple[ModuleType, ...] = tuple(
    importlib.import_module(f"{__name__}.{found.name}")
    for found in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name)
    if found.name != "base"
)

__all__ = ["MODULES", "REGISTRY", "Deviation", "DeviationKind", "Rule", "RuleKind", "Violation", "registered"]
