"""Keys: what the other side releases for each captive of a category, due the day the captive is out."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from truce.exchange.rules.base import (
    Deviation,
    DeviationKind,
    Due,
    Entry,
    Model,
    PlanFacts,
    Record,
    Released,
    Rule,
    RuleKind,
    Violation,
    completion_days,
    register,
)
from truce.model.exchange import Agreement


@dataclass(frozen=True)
class KeyPart:
    """One prisoner category of one key: ``each`` per person released, ``last`` with the last one."""

    key: str
    captive: str
    category: str
    each: int
    last: int
    lag: int

    @property
    def rule(self) -> tuple[str, str]:
        return (self.key, self.category)


def key_parts(a: Agreement) -> list[KeyPart]:
    """Each key split by prisoner category; an ``in_total`` is an equal whole share, remainder with the last."""
    counts = a.available()
    parts: list[KeyPart] = []
    for key in a.keys:
        n = counts.get(key.category, 0)
        cats = list(dict.fromkeys([*key.per_person, *key.in_total, *key.with_last]))
        for q in cats:
            total = key.in_total.get(q, 0)
            share = total // n if n else 0
            rest = total - share * n if n else 0
            parts.append(
                KeyPart(
                    key.id,
                    key.category,
                    q,
                    key.per_person.get(q, 0) + share,
                    key.with_last.get(q, 0) + rest,
                    key.lag_days,
                )
            )
    return parts


def key_dues(a: Agreement, released: Released) -> dict[tuple[str, str], dict[int, int]]:
    """Per (key, prisoner category): people due per day (the day the captives are released). Only captives the
    list holds count: one released beyond it (a surplus, which the lists rule reports) settles nothing the
    agreement keyed, so nothing falls due for it."""
    done = completion_days(a, released)
    counts = a.available()
    dues: dict[tuple[str, str], dict[int, int]] = {}
    for part in key_parts(a):
        per_day: dict[int, int] = {}
        running, listed = 0, counts.get(part.captive, 0)
        for day in sorted(released) if listed else ():
            before, running = running, running + released[day].get(part.captive, 0)
            n = (min(running, listed) - min(before, listed)) * part.each
            if done.get(part.captive) == day:
                n += part.last
            if n:
                per_day[day] = n
        dues[part.rule] = per_day
    return dues


def key_totals(a: Agreement) -> dict[tuple[str, str], int]:
    counts = a.available()
    return {
        p.rule: p.each * counts.get(p.captive, 0) + (p.last if counts.get(p.captive, 0) else 0) for p in key_parts(a)
    }


def _settles(a: Agreement) -> list[tuple[str, str, list[int]]]:
    days = list(range(1, a.horizon + 1))
    return [(part.key, part.category, days) for part in key_parts(a)]


def _completes(a: Agreement) -> set[str]:
    return {part.captive for part in key_parts(a) if part.last}


def _build(a: Agreement, m: Model) -> None:
    """Keys are settled on the day the captives are released."""
    p, x, y, done = m.program, m.x, m.y, m.done
    key_index = {k.id: n for n, k in enumerate(a.keys)}
    groups: dict[str, int] = {}
    for part in key_parts(a):
        if part.key not in groups:
            groups[part.key] = p.group(
                f"key {part.key} (for each {part.captive} released)", ("keys", key_index[part.key]), 4
            )
        for d in m.days:
            paid = y[d, part.key, part.category]
            p.integer[paid] = 0  # fixed by whole releases and flags, so whole without being declared so
            coeffs: dict[int, float] = {paid: 1.0, x[d, part.captive]: -float(part.each)}
            if part.last and (d, part.captive) in done:
                coeffs[done[d, part.captive]] = coeffs.get(done[d, part.captive], 0.0) - part.last
                if (d - 1, part.captive) in done:  # the same flag as today's on a day nothing is released
                    before = done[d - 1, part.captive]
                    coeffs[before] = coeffs.get(before, 0.0) + part.last
            p.row({v: k for v, k in coeffs.items() if k}, 0, 0, groups[part.key])


def _check(a: Agreement, f: PlanFacts) -> Iterator[Violation]:
    """Settled by the day the captives are released (plus the key's lag), never beyond what is due."""
    dues = key_dues(a, f.captives)
    key_index = {k.id: n for n, k in enumerate(a.keys)}
    lags = {k.id: k.lag_days for k in a.keys}
    for (key, q), due in dues.items():
        paid = f.settled.get((key, q), {})
        path = ("keys", key_index[key])
        for day in sorted(set(due) | set(paid)):
            owed = sum(n for t, n in due.items() if t + lags[key] <= day)
            got = sum(n for t, n in paid.items() if t <= day)
            if got < owed:
                yield Violation(RuleKind.key, f"key {key}: {owed - got} {q} short by day {day}", day, path)
                break
        total_due, total_paid = sum(due.values()), sum(paid.values())
        if total_paid > total_due:
            yield Violation(RuleKind.key, f"key {key}: {total_paid} {q} released for {total_due} due", None, path)
    for rule, q in f.settled:
        if rule in key_index and (rule, q) not in dues:
            yield Violation(RuleKind.key, f"key {rule} does not settle with {q}", None, ("keys", key_index[rule]))


def _owes(a: Agreement, r: Record) -> list[Due]:
    """One due per key and day the captives were released; overdue key dues are settled before blocks."""
    lags = {k.id: k.lag_days for k in a.keys}
    by_key_day: dict[tuple[str, int], Due] = {}
    for (key, q), per_day in key_dues(a, r.captives).items():
        for t, n in per_day.items():
            item = by_key_day.get((key, t))
            if item is None:
                deadline = t + lags[key]
                item = by_key_day[key, t] = Due(key, t, deadline, {}, (0, deadline, t), t)
            item.amounts[q] = item.amounts.get(q, 0) + n
    return list(by_key_day.values())


def _watch(a: Agreement, r: Record) -> None:
    key_ids = {k.id for k in a.keys}
    for item in r.dues:
        if item.rule in key_ids:
            report_due(a, r, item)


def report_due(a: Agreement, r: Record, item: Due) -> None:
    """List a due on its day and, once its deadline has passed, any shortfall on the deadline."""
    two = a.other_side.id
    for q, n in item.amounts.items():
        r.day(item.shown_on).due.append(Entry(two, n, item.rule, q))
    if item.deadline > r.last:
        return
    dev = _shortfall(a, item, two, r.last)
    if dev is not None:
        r.day(item.deadline).deviations.append(dev)


def _shortfall(a: Agreement, item: Due, side: str, last: int) -> Deviation | None:
    amount = sum(item.amounts.values())
    on_time = sum(item.settled(q, item.deadline) for q in item.amounts)
    if on_time >= amount:
        return None
    late_days = sorted({t for q in item.amounts for t, _ in item.paid[q] if t > item.deadline})
    late = sum(n for q in item.amounts for t, n in item.paid[q] if t > item.deadline)
    missing = amount - on_time - late
    what = ", ".join(f"{n} {a.category_name(q)}" for q, n in item.amounts.items())
    head = f"{item.rule}: {what} due by {a.day_label(item.deadline)}"
    behind = late_days[-1] - item.deadline if late else 0
    tail = (
        f"; released on {', '.join(map(a.day_label, late_days))} ({behind} day{'' if behind == 1 else 's'} late)"
        if late
        else ""
    )
    if missing:
        tail += f"; {missing} still owed on {a.day_label(last)}"
    if on_time:
        return Deviation(DeviationKind.short, side, amount - on_time, f"{head}, {on_time} on time{tail}", item.rule)
    if missing:
        return Deviation(DeviationKind.missing, side, missing, head + tail, item.rule)
    return Deviation(DeviationKind.late, side, late, head + tail, item.rule)


RULE = register(
    Rule(
        RuleKind.key,
        __name__,
        settles=_settles,
        completes=_completes,
        build=_build,
        check=_check,
        owes=_owes,
        watch=_watch,
    )
)
