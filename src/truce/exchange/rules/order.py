"""The order of categories: none of a level released before all earlier levels are."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from truce.exchange.rules.base import (
    Deviation,
    DeviationKind,
    Model,
    PlanFacts,
    Record,
    Released,
    Rule,
    RuleKind,
    Violation,
    register,
)
from truce.model.exchange import Agreement


def order_breaches(a: Agreement, released: Released, day: int) -> list[tuple[int, int, int]]:
    """(level, people of that level released on ``day``, people of earlier levels still held after it)."""
    counts = a.available()
    out: list[tuple[int, int, int]] = []
    today = released.get(day, {})
    for j in range(1, len(a.cadence.order)):
        later = sum(today.get(c, 0) for c in a.cadence.order[j])
        if not later:
            continue
        earlier = [c for level in a.cadence.order[:j] for c in level]
        out_by_day = sum(v.get(c, 0) for t, v in released.items() if t <= day for c in earlier)
        held = sum(counts[c] for c in earlier) - out_by_day
        if held > 0:
            out.append((j, later, held))
    return out


def _build(a: Agreement, m: Model) -> None:
    """One flag per level and day, ``open[d, j]``: level j may release on day d only if it is 1, and it is 1
    only if every category of the earlier levels is completely out by day d.

    A flag per level (not per category) and only the "only if" direction keep the program small and its
    relaxation tight; the flags never fall back to 0 once set, as releases never come back.
    """
    if not a.cadence.order:
        return
    p, counts = m.program, m.counts
    g = p.group("order of categories", ("cadence", "order"), 5)
    days = [d for d in m.days if d in m.open_days]
    for j in range(1, len(a.cadence.order)):
        earlier = [c for level in a.cadence.order[:j] for c in level if counts[c]]
        later = [c for c in a.cadence.order[j] if counts[c]]
        if not earlier or not later:
            continue
        before: int | None = None
        for d in days:
            flag = p.var(0, 1)
            for e in earlier:
                p.row({m.total[d, e]: 1.0, flag: -float(counts[e])}, 0, np.inf, g)
            for c in later:
                cap = float(counts[c]) if m.tight else m.beyond  # loose: past any list, as lists may be dropped
                p.row({m.x[d, c]: 1.0, flag: -cap}, -np.inf, 0, g)
            if before is not None:
                p.row({flag: 1.0, before: -1.0}, 0, np.inf, g)
            before = flag


def _check(a: Agreement, f: PlanFacts) -> Iterator[Violation]:
    for day in sorted(f.captives):
        for level, later, held in order_breaches(a, f.captives, day):
            earlier = [c for lv in a.cadence.order[:level] for c in lv]
            message = (
                f"{later} of {', '.join(a.cadence.order[level])} released while {held} of {', '.join(earlier)} are held"
            )
            yield Violation(RuleKind.order, message, day, ("cadence", "order", level))


def _watch(a: Agreement, r: Record) -> None:
    one = a.batch_side.id
    for t in sorted(r.captives):
        for level, later, held in order_breaches(a, r.captives, t):
            earlier = "; ".join(a.category_name(c) for lv in a.cadence.order[:level] for c in lv)
            now = "; ".join(a.category_name(c) for c in a.cadence.order[level])
            note = f"{later} of {now} released while {held} of {earlier} still held"
            r.day(t).deviations.append(Deviation(DeviationKind.out_of_order, one, min(later, held), note, "order"))


RULE = register(Rule(RuleKind.order, __name__, build=_build, check=_check, watch=_watch))
