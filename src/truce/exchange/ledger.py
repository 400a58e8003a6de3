"""The ledger: what really happened, day by day, against what the agreement made due.

What is due comes from the agreement's rules applied to what actually happened: prisoners under
a key fall due on the day the captives they answer for are released; blocks by their last day;
batches by their last day, counted cumulatively (so a release earlier than planned is no
deviation). Released prisoners settle what is due first-come: overdue key dues first, then
blocks. Every shortfall is reported once, on the day it fell due, with its size.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from truce.exchange import rules
from truce.model.exchange import Agreement, Event, Plan


@dataclass(frozen=True)
class Entry:
    side: str | None
    count: int
    rule: str
    category: str | None = None


@dataclass(frozen=True)
class Deviation:
    kind: str  # late, short, missing, out_of_order, commitment_late, commitment_missed, over_capacity, exposure
    side: str | None
    size: float
    note: str
    rule: str = ""


@dataclass
class LedgerDay:
    day: int
    due: list[Entry] = field(default_factory=list)
    done: list[Entry] = field(default_factory=list)
    deviations: list[Deviation] = field(default_factory=list)
    exposure: dict[str, float] = field(default_factory=dict)
    planned: list[Entry] | None = None  # what the plan had for this day, when a plan was given


@dataclass(frozen=True)
class Owed:
    rule: str
    category: str | None
    count: int
    due_day: int | None


@dataclass
class Ledger:
    agreement: str
    through: int
    days: list[LedgerDay]
    owed: dict[str, list[Owed]]

    def deviations(self) -> list[tuple[int, Deviation]]:
        return [(d.day, dev) for d in self.days for dev in d.deviations]


@dataclass
class _Due:
    rule: str
    due_day: int
    deadline: int
    amounts: dict[str, int]
    paid: dict[str, list[tuple[int, int]]] = field(default_factory=lambda: defaultdict(list))

    def settled(self, q: str, by: int | None = None) -> int:
        return sum(n for t, n in self.paid[q] if by is None or t <= by)

    def open(self, q: str) -> int:
        return self.amounts.get(q, 0) - self.settled(q)


def keep_ledger(a: Agreement, events: list[Event], through: int | None = None, plan: Plan | None = None) -> Ledger:
    """The ledger of ``events`` up to day ``through`` (default: the last day in the log).

    With a ``plan``, each day also shows what the plan had for it (for comparison; deviations are
    measured against the agreement's rules, so a release moved within what the rules allow is none).
    """
    last = through if through is not None else max((e.day for e in events), default=0)
    one, two = a.batch_side.id, a.other_side.id
    book: dict[int, LedgerDay] = {}

    def day(n: int) -> LedgerDay:
        return book.setdefault(n, LedgerDay(n))

    captives: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    prisoners: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    done_commitments: dict[str, int] = {}
    for e in sorted(events, key=lambda e: e.day):
        if e.day > last:
            continue
        if e.commitment is not None:
            done_commitments.setdefault(e.commitment, e.day)
            day(e.day).done.append(Entry(e.side, 0, e.commitment))
            continue
        if e.category is None:
            continue
        (captives if e.side == one else prisoners)[e.day][e.category] += e.count
    for n in sorted(set(captives) | set(prisoners)):
        for side, table in ((one, captives), (two, prisoners)):
            for cat, count in sorted(table.get(n, {}).items()):
                day(n).done.append(Entry(side, count, "release", cat))
    captives_c = {d: dict(v) for d, v in captives.items()}

    # What the other side owes, and what its releases settled.
    dues: list[_Due] = []
    lags = {k.id: k.lag_days for k in a.keys}
    by_key_day: dict[tuple[str, int], _Due] = {}
    for (key, q), per_day in rules.key_dues(a, captives_c).items():
        for t, n in per_day.items():
            item = by_key_day.get((key, t))
            if item is None:
                item = by_key_day[key, t] = _Due(key, t, t + lags[key], {})
                dues.append(item)
            item.amounts[q] = item.amounts.get(q, 0) + n
    sizes = rules.block_counts(a)
    blocks = [_Due(b.id, b.from_day, b.by_day, {b.category: sizes[b.id]}) for b in a.blocks]
    surplus: dict[int, dict[str, int]] = defaultdict(dict)
    for t in sorted(prisoners):
        for q, n in prisoners[t].items():
            left = n
            owing = sorted((d for d in dues if d.due_day <= t and d.open(q) > 0), key=lambda d: (d.deadline, d.due_day))
            owing += sorted((b for b in blocks if b.due_day <= t and b.open(q) > 0), key=lambda b: b.deadline)
            for item in owing:
                take = min(left, item.open(q))
                if take:
                    item.paid[q].append((t, take))
                    left -= take
            if left:
                surplus[t][q] = left

    for item in [*dues, *blocks]:
        for q, n in item.amounts.items():
            day(item.deadline if item in blocks else item.due_day).due.append(Entry(two, n, item.rule, q))
        if item.deadline > last:
            continue
        dev = _shortfall(item, two, last)
        if dev is not None:
            day(item.deadline).deviations.append(dev)
    for t, cats in sorted(surplus.items()):
        for q, n in cats.items():
            day(t).deviations.append(Deviation("surplus", two, n, f"{n} {q} released beyond anything due", "lists"))

    # The batch side: nobody beyond the lists, cadence (cumulative), order.
    available = a.available()
    for category in a.batch_side.categories:
        running = 0
        for t in sorted(captives_c):
            before = running
            running += captives_c[t].get(category.id, 0)
            over = running - max(before, available[category.id])
            if over > 0:
                note = f"{over} {category.id} released beyond the {available[category.id]} on the list"
                day(t).deviations.append(Deviation("surplus", one, over, note, "lists"))
    cum_due = 0
    total = sum(a.available()[c.id] for c in a.batch_side.categories)
    for k, batch in enumerate(a.cadence.batches):
        before = cum_due
        cum_due = total if batch.remainder else cum_due + (batch.count or 0)
        day(batch.last).due.append(Entry(one, cum_due - before, f"cadence batch {k + 1}"))
        if batch.last > last:
            continue
        out = sum(sum(v.values()) for t, v in captives_c.items() if t <= batch.last)
        if out < cum_due:
            made_up = _made_up(captives_c, cum_due, batch.last, last)
            status = f"made up by day {made_up}" if made_up else f"still short on day {last}"
            day(batch.last).deviations.append(
                Deviation(
                    "late",
                    one,
                    cum_due - out,
                    f"cadence batch {k + 1} ({batch.label()}): {cum_due} due in all by day {batch.last}, "
                    f"{out} released; {status}",
                    f"cadence batch {k + 1}",
                )
            )
    for t in sorted(captives_c):
        for level, later, held in rules.order_breaches(a, captives_c, t):
            earlier = ", ".join(c for lv in a.cadence.order[:level] for c in lv)
            day(t).deviations.append(
                Deviation(
                    "out_of_order",
                    one,
                    min(later, held),
                    f"{later} of {', '.join(a.cadence.order[level])} released while {held} of {earlier} still held",
                    "order",
                )
            )

    # Commitments.
    when = rules.commitment_days(a, captives_c)
    for c in a.commitments:
        due_day, deadline = when[c.id]
        if due_day is None or deadline is None:
            continue
        day(due_day).due.append(Entry(c.side, 0, c.id + ("" if c.monitored else " (not monitored)")))
        if not c.monitored or deadline > last:
            continue
        done_day = done_commitments.get(c.id)
        if done_day is None:
            day(deadline).deviations.append(
                Deviation(
                    "commitment_missed",
                    c.side,
                    last - deadline,
                    f"{c.id}: due by day {deadline}, not recorded by day {last}",
                    c.id,
                )
            )
        elif done_day > deadline:
            day(deadline).deviations.append(
                Deviation(
                    "commitment_late",
                    c.side,
                    done_day - deadline,
                    f"{c.id}: due by day {deadline}, done on day {done_day}",
                    c.id,
                )
            )

    # Capacity and exposure.
    for n, cap in enumerate(a.capacities):
        limited = set(cap.categories) or {c.id for c in a.side(cap.side).categories}
        table = captives_c if cap.side == one else prisoners
        for t, cats in table.items():
            got = sum(v for c, v in cats.items() if c in limited)
            if got > cap.max_per_day:
                day(t).deviations.append(
                    Deviation(
                        "over_capacity",
                        cap.side,
                        got - cap.max_per_day,
                        f"{got} released, limit {cap.max_per_day}",
                        f"capacity {n + 1}",
                    )
                )
    delivered = {one: 0, two: 0}
    for t in sorted(set(captives_c) | set(prisoners)):
        delivered[one] += sum(captives_c.get(t, {}).values())
        delivered[two] += sum(prisoners.get(t, {}).values())
        exposure = rules.exposure(a, delivered)
        day(t).exposure = {s: round(v, 4) for s, v in exposure.items()}
        side, worst = max(exposure.items(), key=lambda kv: kv[1])
        if a.exposure_limit is not None and worst > a.exposure_limit + 1e-9:
            day(t).deviations.append(
                Deviation(
                    "exposure",
                    side,
                    round(worst - a.exposure_limit, 4),
                    f"exposed by {worst:.3f}, limit {a.exposure_limit}",
                    "exposure_limit",
                )
            )

    owed: dict[str, list[Owed]] = {one: [], two: []}
    for category in a.batch_side.categories:
        left = available[category.id] - sum(v.get(category.id, 0) for v in captives_c.values())
        if left > 0:
            owed[one].append(Owed(category.id, category.id, left, None))
    for item in [*dues, *blocks]:
        for q in item.amounts:
            if item.open(q) > 0:
                owed[two].append(Owed(item.rule, q, item.open(q), item.deadline))
    if plan is not None:
        for ledger_day in book.values():
            ledger_day.planned = []
        for planned_day in plan.days:
            entries = [
                Entry(r.side, r.count, ", ".join(r.settles) or "release", r.category) for r in planned_day.releases
            ]
            entries += [Entry(None, 0, cid) for cid in planned_day.commitments]
            day(planned_day.day).planned = entries
    days = [book[n] for n in sorted(book) if n <= last or book[n].due or book[n].planned]
    return Ledger(a.id, last, days, owed)


def _shortfall(item: _Due, side: str, last: int) -> Deviation | None:
    amount = sum(item.amounts.values())
    on_time = sum(item.settled(q, item.deadline) for q in item.amounts)
    if on_time >= amount:
        return None
    late_days = sorted({t for q in item.amounts for t, _ in item.paid[q] if t > item.deadline})
    late = sum(n for q in item.amounts for t, n in item.paid[q] if t > item.deadline)
    missing = amount - on_time - late
    what = ", ".join(f"{n} {q}" for q, n in item.amounts.items())
    head = f"{item.rule}: {what} due by day {item.deadline}"
    tail = (
        f"; released on day {', '.join(map(str, late_days))} ({late_days[-1] - item.deadline} days late)"
        if late
        else ""
    )
    if missing:
        tail += f"; {missing} still owed on day {last}"
    if on_time:
        return Deviation("short", side, amount - on_time, f"{head}, {on_time} on time{tail}", item.rule)
    if missing:
        return Deviation("missing", side, missing, head + tail, item.rule)
    return Deviation("late", side, late, head + tail, item.rule)


def _made_up(released: dict[int, dict[str, int]], need: int, after: int, last: int) -> int | None:
    total = 0
    for t in sorted(released):
        total += sum(released[t].values())
        if t > after and total >= need and t <= last:
            return t
    return None


def ledger_to_data(ledger: Ledger) -> dict[str, Any]:
    """The documented ``ledger --json`` shape."""

    def entry(e: Entry) -> dict[str, Any]:
        out: dict[str, Any] = {"side": e.side, "rule": e.rule}
        if e.category is not None or e.count:
            out |= {"category": e.category, "count": e.count}
        return out

    return {
        "agreement": ledger.agreement,
        "through": ledger.through,
        "days": [
            {
                "day": d.day,
                "due": [entry(e) for e in d.due],
                "done": [entry(e) for e in d.done],
                "deviations": [
                    {"kind": v.kind, "side": v.side, "size": v.size, "note": v.note, "rule": v.rule}
                    for v in d.deviations
                ],
                "exposure": d.exposure,
            }
            | ({"planned": [entry(e) for e in d.planned]} if d.planned is not None else {})
            for d in ledger.days
        ],
        "owed": {
            side: {
                "total": sum(o.count for o in items),
                "items": [
                    {"rule": o.rule, "category": o.category, "count": o.count, "due_day": o.due_day} for o in items
                ],
            }
            for side, items in ledger.owed.items()
        },
    }
