"""Blocks: a fixed number of prisoners released whatever the other side does, within a window of days."""

from __future__ import annotations

from collections.abc import Iterator

from truce.exchange.rules.base import Due, Model, PlanFacts, Record, Rule, RuleKind, Violation, register
from truce.exchange.rules.cadence import release_days
from truce.exchange.rules.keys import key_totals, report_due
from truce.model.exchange import Agreement


def block_counts(a: Agreement) -> dict[str, int]:
    """Each block's size; ``all`` is what the list holds beyond what keys use of that category."""
    used: dict[str, int] = {}
    for (_, q), n in key_totals(a).items():
        used[q] = used.get(q, 0) + n
    avail = a.available()
    out: dict[str, int] = {}
    for b in a.blocks:
        if b.count == "all":
            out[b.id] = max(0, avail.get(b.category, 0) - used.get(b.category, 0))
            used[b.category] = used.get(b.category, 0) + out[b.id]
        else:
            out[b.id] = b.count
    return out


def block_days(a: Agreement) -> dict[str, list[int]]:
    """Blocks go out on exchange days (the batch side's release days) when their window has any."""
    exchange_days = release_days(a)
    out: dict[str, list[int]] = {}
    for b in a.blocks:
        window = list(range(b.from_day, b.by_day + 1))
        out[b.id] = [d for d in window if d in exchange_days] or window
    return out


def _settles(a: Agreement) -> list[tuple[str, str, list[int]]]:
    days = block_days(a)
    return [(b.id, b.category, days[b.id]) for b in a.blocks]


def _build(a: Agreement, m: Model) -> None:
    sizes, days = block_counts(a), block_days(a)
    for n, b in enumerate(a.blocks):
        g = m.program.group(f"block {b.id} ({sizes[b.id]} {b.category} by day {b.by_day})", ("blocks", n), 4)
        m.program.row({m.y[d, b.id, b.category]: 1.0 for d in days[b.id]}, sizes[b.id], sizes[b.id], g)


def _check(a: Agreement, f: PlanFacts) -> Iterator[Violation]:
    sizes = block_counts(a)
    for n, b in enumerate(a.blocks):
        paid = f.settled.get((b.id, b.category), {})
        inside = sum(v for t, v in paid.items() if b.from_day <= t <= b.by_day)
        outside = sum(paid.values()) - inside
        if inside != sizes[b.id]:
            message = f"block {b.id}: {inside} of {sizes[b.id]} released by day {b.by_day}"
            yield Violation(RuleKind.block, message, b.by_day, ("blocks", n))
        if outside:
            message = f"block {b.id}: {outside} released outside days {b.from_day}-{b.by_day}"
            yield Violation(RuleKind.block, message, None, ("blocks", n))
    for rule, q in f.settled:
        for b in a.blocks:
            if b.id == rule and q != b.category:
                yield Violation(RuleKind.block, f"block {rule} is of {b.category}, not {q}")


def _owes(a: Agreement, r: Record) -> list[Due]:
    """A block is owed from its first day, by its last; it is settled after any overdue key dues."""
    sizes = block_counts(a)
    return [Due(b.id, b.from_day, b.by_day, {b.category: sizes[b.id]}, (1, b.by_day), b.by_day) for b in a.blocks]


def _watch(a: Agreement, r: Record) -> None:
    block_ids = {b.id for b in a.blocks}
    for item in r.dues:
        if item.rule in block_ids:
            report_due(a, r, item)


RULE = register(Rule(RuleKind.block, __name__, settles=_settles, build=_build, check=_check, owes=_owes, watch=_watch))
