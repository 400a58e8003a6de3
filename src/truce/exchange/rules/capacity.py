"""Capacity: at most so many people of a side (or of some of its categories) released a day."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

from truce.exchange.rules.base import (
    Deviation,
    DeviationKind,
    Model,
    PlanFacts,
    Record,
    Rule,
    RuleKind,
    Violation,
    register,
)
from truce.model.exchange import Agreement, Capacity


def _limited(a: Agreement, cap: Capacity) -> set[str]:
    return set(cap.categories) or {c.id for c in a.side(cap.side).categories}


def _build(a: Agreement, m: Model) -> None:
    for n, cap in enumerate(a.capacities):
        limited = _limited(a, cap)
        g = m.program.group(f"capacity: at most {cap.max_per_day} a day of side {cap.side}", ("capacities", n), 5)
        for d in m.days:
            terms = {v: 1.0 for (t, c), v in m.x.items() if t == d and c in limited}
            terms.update({v: 1.0 for (t, _, q), v in m.y.items() if t == d and q in limited})
            if terms:
                m.program.row(terms, -float("inf"), cap.max_per_day, g)


def _check(a: Agreement, f: PlanFacts) -> Iterator[Violation]:
    both: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for table in (f.captives, f.prisoners):
        for t, v in table.items():
            for c, k in v.items():
                both[t][c] += k
    for n, cap in enumerate(a.capacities):
        limited = _limited(a, cap)
        for day in sorted(both):
            got = sum(v for c, v in both[day].items() if c in limited)
            if got > cap.max_per_day:
                message = f"{got} released, over the limit of {cap.max_per_day}"
                yield Violation(RuleKind.capacity, message, day, ("capacities", n))


def _watch(a: Agreement, r: Record) -> None:
    for n, cap in enumerate(a.capacities):
        limited = _limited(a, cap)
        table = r.captives if cap.side == a.batch_side.id else r.prisoners
        for t, cats in table.items():
            got = sum(v for c, v in cats.items() if c in limited)
            if got > cap.max_per_day:
                note = f"{got} released, limit {cap.max_per_day}"
                dev = Deviation(DeviationKind.over_capacity, cap.side, got - cap.max_per_day, note, f"capacity {n + 1}")
                r.day(t).deviations.append(dev)


RULE = register(Rule(RuleKind.capacity, __name__, build=_build, check=_check, watch=_watch))
