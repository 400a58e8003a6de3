"""The cadence: the batch side releases in batches, on given days, in given numbers."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from truce.exchange.rules.base import (
    Deviation,
    Entry,
    Model,
    PlanFacts,
    Record,
    Rule,
    RuleKind,
    Violation,
    register,
    shortfall,
)
from truce.exchange.rules.extension import extension_days
from truce.model.exchange import Agreement, Batch


def batch_categories(a: Agreement, batch: Batch) -> list[str]:
    return list(batch.categories) or [c.id for c in a.batch_side.categories]


def release_days(a: Agreement) -> set[int]:
    """Days the cadence allows the batch side to release on."""
    days: set[int] = set(extension_days(a))
    for b in a.cadence.batches:
        days.update(range(b.first, b.last + 1))
    return days


def _build(a: Agreement, m: Model) -> None:
    p, x, counts = m.program, m.x, m.counts
    covered: set[int] = set(extension_days(a))
    for n, batch in enumerate(a.cadence.batches):
        window = list(range(batch.first, batch.last + 1))
        covered.update(window)
        cats = batch_categories(a, batch)
        g = p.group(f"cadence batch {n + 1}: {batch.label()}", ("cadence", "batches", n), 2)
        if batch.remainder:
            by_last = {x[t, c]: 1.0 for t in m.days if t <= batch.last for c in cats}
            p.row(by_last, sum(counts[c] for c in cats), np.inf, g)
        else:
            count = float(batch.count or 0)
            p.row({x[t, c]: 1.0 for t in window for c in cats}, count, count, g)
        for c in m.captives:
            if c not in cats:
                for t in window:
                    p.row({x[t, c]: 1.0}, 0, 0, g)
    idle = [d for d in m.days if d not in covered]
    if idle:
        g = p.group("cadence: no releases outside the batches' days", ("cadence", "batches"), 2)
        for d in idle:
            p.row({x[d, c]: 1.0 for c in m.captives}, 0, 0, g)


def _check(a: Agreement, f: PlanFacts) -> Iterator[Violation]:
    captives, counts = f.captives, f.counts
    allowed = release_days(a)
    for day in sorted(captives):
        if day not in allowed and any(captives[day].values()):
            yield Violation(
                RuleKind.cadence, f"releases on day {day}, not a day of any batch", day, ("cadence", "batches")
            )
    for n, batch in enumerate(a.cadence.batches):
        cats = batch_categories(a, batch)
        window = range(batch.first, batch.last + 1)
        got = sum(captives.get(t, {}).get(c, 0) for t in window for c in cats)
        path = ("cadence", "batches", n)
        if batch.remainder:
            by = sum(captives.get(t, {}).get(c, 0) for t in captives if t <= batch.last for c in cats)
            need = sum(counts[c] for c in cats)
            if by < need:
                message = f"batch {n + 1} ({batch.label()}): {need - by} still held"
                yield Violation(RuleKind.cadence, message, batch.last, path)
        elif got != batch.count:
            yield Violation(RuleKind.cadence, f"batch {n + 1} ({batch.label()}) releases {got}", batch.last, path)
        others = sum(captives.get(t, {}).get(c, 0) for t in window for c in captives.get(t, {}) if c not in cats)
        if others:
            message = f"batch {n + 1} releases {others} of categories it does not allow"
            yield Violation(RuleKind.cadence, message, batch.last, path)


def _watch(a: Agreement, r: Record) -> None:
    """Batches are counted cumulatively by their last day, so a release earlier than planned is no deviation."""
    one, captives = a.batch_side.id, r.captives
    cum_due = 0
    total = sum(a.available()[c.id] for c in a.batch_side.categories)
    for k, batch in enumerate(a.cadence.batches):
        before = cum_due
        cum_due = total if batch.remainder else cum_due + (batch.count or 0)
        r.day(batch.last).due.append(Entry(one, cum_due - before, f"cadence batch {k + 1}"))
        if batch.last > r.last:
            continue
        short = shortfall(a, captives, cum_due, batch.last, r.last)
        if short:
            out, kind, status = short
            note = (
                f"cadence batch {k + 1} ({batch.label()}): {cum_due} due in all by {a.day_label(batch.last)}, "
                f"{out} released; {status}"
            )
            dev = Deviation(kind, one, cum_due - out, note, f"cadence batch {k + 1}")
            r.day(batch.last).deviations.append(dev)


def everyone_due_by(a: Agreement) -> int:
    """The day by which the cadence, counted cumulatively, makes everyone on the batch side's lists due (the
    agreement's last day when its batches do not add up to them)."""
    total = sum(a.available()[c.id] for c in a.batch_side.categories)
    cum_due = 0
    for batch in a.cadence.batches:
        cum_due = total if batch.remainder else cum_due + (batch.count or 0)
        if cum_due >= total:
            return batch.last
    return a.horizon


RULE = register(Rule(RuleKind.cadence, __name__, build=_build, check=_check, watch=_watch))
