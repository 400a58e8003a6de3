"""The extension: one more day after ``after_day`` for every ``per_day`` further people released."""

from __future__ import annotations

from collections.abc import Iterator

from truce.exchange.rules.base import Model, PlanFacts, Rule, RuleKind, Violation, register
from truce.model.exchange import Agreement


def extension_days(a: Agreement) -> list[int]:
    if a.extension is None:
        return []
    start = a.extension.after_day + 1
    return list(range(start, start + a.extension.max_days))


def _build(a: Agreement, m: Model) -> None:
    """Each extra day opens only after the one before, and releases exactly ``per_day``."""
    if a.extension is None:
        return
    p, ext = m.program, a.extension
    g = p.group(f"extension: one more day per {ext.per_day} further people", ("extension",), 2)
    prev: int | None = None
    for d in extension_days(a):
        on = p.var(0, 1)
        p.row({**{m.x[d, c]: 1.0 for c in m.captives}, on: -float(ext.per_day)}, 0, 0, g)
        if prev is not None:
            p.row({on: 1.0, prev: -1.0}, -float("inf"), 0, g)
        prev = on


def _check(a: Agreement, f: PlanFacts) -> Iterator[Violation]:
    if a.extension is None:
        return
    ext = a.extension
    opened = True
    for day in extension_days(a):
        got = sum(f.captives.get(day, {}).values())
        if got and (not opened or got != ext.per_day):
            message = f"day {day} of the extension releases {got} (each extra day needs {ext.per_day}, in a row)"
            yield Violation(RuleKind.extension, message, day, ("extension",))
        opened = opened and got == ext.per_day


RULE = register(Rule(RuleKind.extension, __name__, build=_build, check=_check))
