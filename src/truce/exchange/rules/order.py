"""The order of categories: none of a level released before all earlier levels are."""

from __future__ import annotations

from collections.abc import Iterator

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


def _completes(a: Agreement) -> set[str]:
    return {c for level in a.cadence.order for c in level}


def _build(a: Agreement, m: Model) -> None:
    """Nobody of a level on a day unless every earlier category is completely out by that day."""
    if not a.cadence.order:
        return
    counts = m.counts
    g = m.program.group("order of categories", ("cadence", "order"), 5)
    for j in range(1, len(a.cadence.order)):
        earlier = [c for level in a.cadence.order[:j] for c in level if counts[c]]
        later = [c for c in a.cadence.order[j] if counts[c]]
        if not earlier or not later:
            continue
        for d in m.days:
            for c in later:
                for e in earlier:
                    m.program.row({m.x[d, c]: 1.0, m.done[d, e]: -float(counts[c])}, -float("inf"), 0, g)


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
            earlier = ", ".join(c for lv in a.cadence.order[:level] for c in lv)
            note = f"{later} of {', '.join(a.cadence.order[level])} released while {held} of {earlier} still held"
            r.day(t).deviations.append(Deviation(DeviationKind.out_of_order, one, min(later, held), note, "order"))


RULE = register(Rule(RuleKind.order, __name__, completes=_completes, build=_build, check=_check, watch=_watch))
