"""The registry of strategies: each module registers its classes where they are defined, and
:func:`make_strategy` makes one by name (``"boulware"``, ``"time:0.5"``, ...).

Besides plain names, a module may register a *family*: a prefix (``time``) and a function that makes a
strategy from the text after ``prefix:``.
"""

from __future__ import annotations

from collections.abc import Callable

from truce.simulate.strategies.base import Strategy, StrategyInfo

STRATEGIES: dict[str, Callable[[], Strategy]] = {}
CLASSES: dict[str, type[Strategy]] = {}


def register(info: StrategyInfo, *, by_name: bool = True) -> Callable[[type[Strategy]], type[Strategy]]:
    """Register the decorated strategy class under ``info.name``: made by name with no arguments, unless
    ``by_name`` is false (a class made otherwise, e.g. by composition)."""

    def decorate(cls: type[Strategy]) -> type[Strategy]:
        if info.name in CLASSES:
            raise ValueError(f"strategy {info.name!r} registered twice")
        cls.info = info
        CLASSES[info.name] = cls
        if by_name:
            STRATEGIES[info.name] = cls
        return cls

    return decorate


FAMILIES: dict[str, Callable[[str], Strategy]] = {}


def register_family(prefix: str, make: Callable[[str], Strategy]) -> None:
    """Make ``prefix:ARG`` strategies with ``make(ARG)`` (which raises ``ValueError`` on a bad argument)."""
    if prefix in FAMILIES:
        raise ValueError(f"strategy family {prefix!r} registered twice")
    FAMILIES[prefix] = make


def make_strategy(name: str) -> Strategy:
    """A strategy by registered name, ``PREFIX:ARG`` of a registered family (``time:E``), or ``STRATEGY+MODEL``:
    a strategy that offers by a target, choosing among the outcomes at its target the one best for the opponent
    as an opponent model (``frequency``, ``bayesian``) estimates it."""
    if "+" in name:
        from truce.simulate.strategies.modelled import with_model  # composition builds on every strategy

        base, _, model = name.rpartition("+")
        return with_model(make_strategy(base), model)
    prefix, sep, arg = name.partition(":")
    if sep and prefix in FAMILIES:
        try:
            return FAMILIES[prefix](arg)
        except ValueError as exc:
            raise ValueError(f"bad strategy {name!r}: {exc}") from None
    if name not in STRATEGIES:
        families = "".join(f" or {p}:..." for p in sorted(FAMILIES))
        raise ValueError(f"unknown strategy {name!r} (expected one of {', '.join(sorted(STRATEGIES))}{families})")
    return STRATEGIES[name]()
