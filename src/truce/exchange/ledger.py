"""The ledger: what really happened, day by day, against what the agreement made due.

What is due comes from the agreement's rules applied to what actually happened: prisoners under
a key fall due on the day the captives they answer for are released; blocks by their last day;
batches by their last day, counted cumulatively (so a release earlier than planned is no
deviation). Released prisoners settle what is due first-come: overdue key dues first, then
blocks; a release ahead of its due waits for it. Every shortfall is reported once, on the day it
fell due, with its size. Each rule module writes its own dues and deviations
(:mod:`truce.exchange.rules`); the settling is here.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from truce.exchange.rules import registered
from truce.exchange.rules.base import Deviation, Entry, LedgerDay, NotYetDue, Record, Tally
from truce.exchange.rules.cadence import everyone_due_by
from truce.exchange.rules.extension import batches_total, due_with_extension
from truce.exchange.rules.keys import key_totals
from truce.model.exchange import Agreement, Event, Plan


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
    not_yet_due: list[NotYetDue] = field(default_factory=list)  # commitments whose deadline is still ahead
    tallies: list[Tally] = field(default_factory=list)  # recurring days, destinations, identification, ahead
    day_one: dt.date | None = None

    def date(self, day: int | None) -> str | None:
        """The date of a day (ISO), or None when the agreement gives no ``day_one``."""
        if day is None or self.day_one is None:
            return None
        return (self.day_one + dt.timedelta(days=day - 1)).isoformat()

    def deviations(self) -> list[tuple[int, Deviation]]:
        return [(d.day, dev) for d in self.days for dev in d.deviations]


def keep_ledger(a: Agreement, events: list[Event], through: int | None = None, plan: Plan | None = None) -> Ledger:
    """The ledger of ``events`` up to day ``through`` (default: the last day in the log).

    With a ``plan``, each day also shows what the plan had for it (for comparison; deviations are
    measured against the agreement's rules, so a release moved within what the rules allow is none).
    """
    last = through if through is not None else max((e.day for e in events), default=0)
    r = _record(a, events, last)
    for rule in registered():
        r.dues += rule.owes(a, r) if rule.owes else []
    _settle(a, r)
    for rule in registered():
        if rule.watch is not None:
            rule.watch(a, r)
    if plan is not None:
        _beside(r, plan)
    days = [r.book[n] for n in sorted(r.book) if n <= last or r.book[n].due or r.book[n].planned]
    return Ledger(a.id, last, days, _owed(a, r), r.not_yet_due, r.tallies, a.day_one)


def _record(a: Agreement, events: list[Event], last: int) -> Record:
    """What each side released and which commitments were done, per day up to ``last``.

    Remains or people recorded as not identified or misidentified are not counted as released (the
    identification rule reports them and their follow-up); a row giving only a destination counts no one.
    """
    one, two = a.batch_side.id, a.other_side.id
    captives: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    prisoners: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    kept = sorted((e for e in events if e.day <= last), key=lambda e: e.day)
    r = Record(last, {}, {}, {}, events=kept)
    for e in kept:
        if e.commitment is not None:
            if e.commitment not in r.done_commitments and e.time is not None:
                r.done_times[e.commitment] = e.time
            r.done_commitments.setdefault(e.commitment, e.day)
            r.day(e.day).done.append(Entry(e.side, 0, e.commitment))
        elif e.recurring is not None:
            r.day(e.day).done.append(Entry(e.side, e.count, e.recurring, counted=True))
        elif e.category is not None and e.identified in (None, "yes"):
            (captives if e.side == one else prisoners)[e.day][e.category] += e.count
    for n in sorted(set(captives) | set(prisoners)):
        for side, table in ((one, captives), (two, prisoners)):
            for cat, count in sorted(table.get(n, {}).items()):
                r.day(n).done.append(Entry(side, count, "release", cat))
    r.captives = {d: dict(v) for d, v in captives.items()}
    r.prisoners = {d: dict(v) for d, v in prisoners.items()}
    return r


def _settle(a: Agreement, r: Record) -> None:
    """Released prisoners settle what is due first come, first served (overdue key dues first, then blocks).

    A release made before anything of its category is due is held, oldest first, and settles the next dues
    of that category as they fall due, as paid on the day it was made: counted as a surplus on its day, it
    would be owed again when its due came, and the ledger would show a release ahead of time as a default.
    What no due takes is ahead of keys still to come, as far as the captives still held can make them due,
    and a surplus beyond that.
    """
    held: dict[str, list[list[int]]] = defaultdict(list)  # category -> [[day released, people not yet used]]
    for t in sorted(set(r.prisoners) | {d.due_day for d in r.dues}):
        for q, n in r.prisoners.get(t, {}).items():
            held[q].append([t, n])
        for item in sorted((d for d in r.dues if d.due_day <= t), key=lambda d: d.first):
            for q in item.amounts:
                while item.open(q) > 0 and held[q]:
                    chunk = held[q][0]
                    take = min(chunk[1], item.open(q))
                    item.paid[q].append((chunk[0], take))
                    chunk[1] -= take
                    if not chunk[1]:
                        held[q].pop(0)
    _left_over(a, r, held)


def _left_over(a: Agreement, r: Record, held: dict[str, list[list[int]]]) -> None:
    """What no due took: ahead of the keys the captives still held will make due (oldest first), then surplus."""
    to_come: dict[str, int] = defaultdict(int)
    for (_, q), n in key_totals(a).items():
        to_come[q] += n
    keys = {k.id for k in a.keys}
    for item in r.dues:
        for q, n in item.amounts.items() if item.rule in keys else ():
            to_come[q] -= n
    surplus: dict[int, dict[str, int]] = defaultdict(dict)
    for q, chunks in held.items():
        room = max(0, to_come.get(q, 0))
        for t, n in chunks:
            ahead = min(n, room)
            room -= ahead
            if ahead:
                r.ahead.setdefault(t, {})[q] = ahead
            if n - ahead:
                surplus[t][q] = n - ahead
    r.surplus = dict(surplus)


def _beside(r: Record, plan: Plan) -> None:
    """What the plan had for each day, beside what happened."""
    for ledger_day in r.book.values():
        ledger_day.planned = []
    for planned_day in plan.days:
        entries = [Entry(x.side, x.count, ", ".join(x.settles) or "release", x.category) for x in planned_day.releases]
        entries += [Entry(None, 0, cid) for cid in planned_day.commitments]
        r.day(planned_day.day).planned = entries


def _owed(a: Agreement, r: Record) -> dict[str, list[Owed]]:
    one, two = a.batch_side.id, a.other_side.id
    owed: dict[str, list[Owed]] = {one: _owed_captives(a, r), two: []}
    for item in r.dues:
        for q in item.amounts:
            if item.open(q) > 0:
                owed[two].append(Owed(item.rule, q, item.open(q), item.deadline))
    return owed


def _owed_captives(a: Agreement, r: Record) -> list[Owed]:
    """The batch side's people still held, by category, due by the day its cadence makes everyone due.

    With an extension, the people the batches make due are owed under the cadence, by the batches' last day,
    however many days of extension were taken; those beyond them only for the days taken (the pause may end
    on any day), by the last of them. Each part is a count, named by category when it is everyone still held
    or when one category is.
    """
    available = a.available()
    released = {c: sum(v.get(c, 0) for v in r.captives.values()) for c in available}
    held = {c.id: available[c.id] - released[c.id] for c in a.batch_side.categories if available[c.id] > released[c.id]}
    extended = due_with_extension(a, r)
    if extended is None:
        return [Owed("cadence", c, n, everyone_due_by(a)) for c, n in held.items()]
    due, by, _ = extended
    base = batches_total(a)
    out = sum(min(available[c.id], released[c.id]) for c in a.batch_side.categories)
    cadence_by = min(everyone_due_by(a), max(b.last for b in a.cadence.batches))
    parts = [("cadence", base - out, cadence_by)] if out < base else []
    if due > max(out, base):
        parts.append(("extension", due - max(out, base), by))
    if len(parts) == 1 and parts[0][1] == sum(held.values()):  # everyone still held, under one rule
        return [Owed(parts[0][0], c, n, parts[0][2]) for c, n in held.items()]
    named = next(iter(held)) if len(held) == 1 else None
    return [Owed(rule, named, n, day) for rule, n, day in parts]


def ledger_to_data(ledger: Ledger) -> dict[str, Any]:
    """The documented ``ledger --json`` shape (``date`` fields only when the agreement gives ``day_one``)."""

    def entry(e: Entry) -> dict[str, Any]:
        out: dict[str, Any] = {"side": e.side, "rule": e.rule}
        if e.category is not None or e.count or e.counted:
            out |= {"category": e.category, "count": e.count}
        if not e.monitored:
            out["monitored"] = False
        return out

    def dated(day: int | None, key: str = "date") -> dict[str, Any]:
        date = ledger.date(day)
        return {key: date} if date is not None else {}

    def deviation(v: Deviation) -> dict[str, Any]:
        out = {"kind": v.kind.value, "side": v.side, "size": v.size, "note": v.note, "rule": v.rule}
        return out | ({"unit": v.unit} if v.unit else {})

    return {
        "agreement": ledger.agreement,
        "through": ledger.through,
        **dated(ledger.through, "through_date"),
        "days": [
            {"day": d.day, **dated(d.day)}
            | {
                "due": [entry(e) for e in d.due],
                "done": [entry(e) for e in d.done],
                "deviations": [deviation(v) for v in d.deviations],
                "exposure": d.exposure,
            }
            | ({"planned": [entry(e) for e in d.planned]} if d.planned is not None else {})
            for d in ledger.days
        ],
        "owed": _owed_data(ledger),
        "not_yet_due": [
            {"rule": n.rule, "side": n.side, "due_day": n.due_day, **dated(n.due_day, "due_date")}
            | {"by_day": n.by_day, **dated(n.by_day, "by_date"), "note": n.note}
            | ({} if n.monitored else {"monitored": False})
            for n in ledger.not_yet_due
        ],
        "tallies": [{"rule": t.rule, "note": t.note, **t.data} for t in ledger.tallies],
    }


def _owed_data(ledger: Ledger) -> dict[str, Any]:
    return {
        side: {
            "total": sum(o.count for o in items),
            "items": [
                {"rule": o.rule, "category": o.category, "count": o.count, "due_day": o.due_day}
                | ({"due_date": ledger.date(o.due_day)} if ledger.date(o.due_day) else {})
                for o in items
            ],
        }
        for side, items in ledger.owed.items()
    }
