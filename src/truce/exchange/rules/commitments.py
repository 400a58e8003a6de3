"""Commitments: something a side does on a day, or once categories are released (a withdrawal, a crossing)."""

from __future__ import annotations

from collections.abc import Iterator

from truce.exchange.rules.base import (
    Deviation,
    DeviationKind,
    Entry,
    NotYetDue,
    PlanFacts,
    Record,
    Released,
    Rule,
    RuleKind,
    Violation,
    completion_days,
    register,
)
from truce.model.exchange import Agreement, Commitment, clock_hours


def commitment_days(a: Agreement, released: Released) -> dict[str, tuple[int | None, int | None]]:
    """Per commitment: the day it falls due and the last day to complete it (None: not yet known)."""
    done = completion_days(a, released)
    out: dict[str, tuple[int | None, int | None]] = {}
    for c in a.commitments:
        day: int | None = c.day
        if c.after_released:
            ends = [done.get(cid) for cid in c.after_released]
            day = None if any(e is None for e in ends) else max(e for e in ends if e is not None) + c.offset_days
        deadline = c.by_day if c.by_day is not None else day
        if day is not None and deadline is not None and deadline < day:
            deadline = day
        out[c.id] = (day, deadline)
    return out


def _check(a: Agreement, f: PlanFacts) -> Iterator[Violation]:
    """Each commitment is listed on the day it falls due."""
    listed = {cid: d.day for d in f.plan.days for cid in d.commitments}
    due_days = commitment_days(a, f.captives)
    for n, com in enumerate(a.commitments):
        due_day, _ = due_days[com.id]
        if due_day is not None and listed.get(com.id) != due_day:
            where = f"day {listed[com.id]}" if com.id in listed else "no day"
            message = f"commitment {com.id} falls due on day {due_day}; the plan gives {where}"
            yield Violation(RuleKind.commitment, message, due_day, ("commitments", n))


def _watch(a: Agreement, r: Record) -> None:
    when = commitment_days(a, r.captives)
    for c in a.commitments:
        due_day, deadline = when[c.id]
        done_day = r.done_commitments.get(c.id)
        if done_day is None and (deadline is None or deadline > r.last):
            r.not_yet_due.append(_not_yet_due(a, c, due_day, deadline, r.last))
        if due_day is None or deadline is None:
            continue
        r.day(due_day).due.append(Entry(c.side, 0, c.id, monitored=c.monitored))
        if not c.monitored or deadline > r.last:
            continue
        dev = _lateness(a, c, deadline, done_day, r.done_times.get(c.id), r.last)
        if dev is not None:
            r.day(deadline).deviations.append(dev)


def _lateness(
    a: Agreement, c: Commitment, deadline: int, done_day: int | None, time: str | None, last: int
) -> Deviation | None:
    """Missed (days overdue), late by days, or late by hours on its last day when it is due ``at`` a time."""
    due = a.day_label(deadline) + (f" at {c.at}" if c.at else "")
    if done_day is None:
        note = f"{c.id}: due by {due}, not recorded by {a.day_label(last)}"
        return Deviation(DeviationKind.commitment_missed, c.side, last - deadline, note, c.id, "days")
    if done_day > deadline:
        note = f"{c.id}: due by {due}, done on {a.day_label(done_day)}"
        return Deviation(DeviationKind.commitment_late, c.side, done_day - deadline, note, c.id, "days")
    if done_day == deadline and c.at is not None and time is not None and time > c.at:
        hours = round(clock_hours(time) - clock_hours(c.at), 2)
        note = f"{c.id}: due on {due}, done at {time}, {hours:g} hours late"
        return Deviation(DeviationKind.commitment_late, c.side, hours, note, c.id, "hours")
    return None


def _not_yet_due(a: Agreement, c: Commitment, due_day: int | None, deadline: int | None, last: int) -> NotYetDue:
    if due_day is None or deadline is None:
        waits = "; ".join(a.category_name(cid) for cid in c.after_released)
        after = f" + {c.offset_days} day{'' if c.offset_days == 1 else 's'}" if c.offset_days else ""
        when = f"due once all {waits} are released{after}"
    elif deadline == due_day:
        when = f"due on {a.day_label(deadline)}"
    else:
        when = f"due from {a.day_label(due_day)}, by {a.day_label(deadline)}"
    note = f"{c.id}: {when}; not yet due on {a.day_label(last)}"
    return NotYetDue(c.id, c.side, due_day, deadline, note, c.monitored)


RULE = register(Rule(RuleKind.commitment, __name__, check=_check, watch=_watch))
