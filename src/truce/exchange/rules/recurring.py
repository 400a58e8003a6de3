"""Recurring commitments: something a side does every day of a span, or on given days (aid trucks a day,
a crossing open), monitored from the daily rows of a release log.

A day with a row is met or short; a day with no row is *not recorded*: the ledger says so and never
counts it as met, since silence in a log is no evidence that the trucks came.
"""

from __future__ import annotations

from enum import StrEnum

from truce.exchange.rules.base import Deviation, Record, Rule, RuleKind, Tally, counted, register
from truce.model.exchange import Agreement, Recurring


class RecurringDeviation(StrEnum):
    recurring_short = "recurring_short"  # fewer than agreed on a day (or a yes/no one recorded not kept)


def due_days(a: Agreement, r: Recurring) -> list[int]:
    """The days a recurring commitment applies to, within the agreement."""
    last = r.to_day if r.to_day is not None else a.horizon
    if r.on_days:
        return sorted(d for d in set(r.on_days) if r.from_day <= d <= last)
    return list(range(r.from_day, last + 1))


def spans(days: list[int]) -> str:
    """``1-2, 7, 9-12``: days as runs."""
    runs: list[tuple[int, int]] = []
    for d in sorted(days):
        if runs and d == runs[-1][1] + 1:
            runs[-1] = (runs[-1][0], d)
        else:
            runs.append((d, d))
    return ", ".join(str(s) if s == e else f"{s}-{e}" for s, e in runs)


def _recorded(r: Record, rid: str) -> dict[int, int]:
    """What the log records for a recurring commitment, per day (rows of one day add up)."""
    out: dict[int, int] = {}
    for e in r.events:
        if e.recurring == rid:
            out[e.day] = out.get(e.day, 0) + e.count
    return out


def _watch(a: Agreement, r: Record) -> None:
    for item in a.recurring:
        days = [d for d in due_days(a, item) if d <= r.last]
        recorded = _recorded(r, item.id)
        need = item.per_day if item.per_day is not None else 1
        unit = item.unit or ("days kept" if item.per_day is None else "")
        short: list[int] = []
        for d in days:
            if d in recorded and recorded[d] < need:
                short.append(d)
                r.day(d).deviations.append(_short(a, item, d, recorded[d], need, unit))
        r.tallies.append(_tally(a, item, days, recorded, short, r.last))


def _short(a: Agreement, item: Recurring, day: int, got: int, need: int, unit: str) -> Deviation:
    if item.per_day is None:
        note = f"{item.id}: {item.text}; recorded not kept on {a.day_label(day)}"
        return Deviation(RecurringDeviation.recurring_short, item.side, 1, note, item.id, "days")
    note = f"{item.id}: {counted(got, item.unit)} on {a.day_label(day)}, {need} a day agreed ({need - got} short)"
    return Deviation(RecurringDeviation.recurring_short, item.side, need - got, note, item.id, unit)


def _days(n: int) -> str:
    return f"{n} day" if n == 1 else f"{n} days"


def _tally(
    a: Agreement, item: Recurring, days: list[int], recorded: dict[int, int], short: list[int], last: int
) -> Tally:
    """Days due so far: met, short, and not recorded (named as such, never counted as met)."""
    seen = [d for d in days if d in recorded]
    unrecorded = [d for d in days if d not in recorded]
    met = len(seen) - len(short)
    head = f"{item.id}: " + (f"{counted(item.per_day, item.unit)} a day" if item.per_day is not None else item.text)
    if not days:
        note = f"{head}; none due by {a.day_label(last)}"
    else:
        note = f"{head}; {_days(len(days))} due by {a.day_label(last)}: {met} met, {len(short)} short"
        days_word = "day" if len(unrecorded) == 1 else "days"
        note += f", {len(unrecorded)} not recorded" + (f" ({days_word} {spans(unrecorded)})" if unrecorded else "")
    if not item.monitored:
        note += " (not monitored)"
    data = {
        "kind": "recurring",
        "side": item.side,
        "per_day": item.per_day,
        "unit": item.unit,
        "days_due": len(days),
        "met": met,
        "short": short,
        "not_recorded": unrecorded,
        "recorded": {str(d): recorded[d] for d in sorted(recorded) if d <= last},
    }
    return Tally(item.id, note, data)


RULE = register(Rule(RuleKind.recurring, __name__, watch=_watch, deviations=RecurringDeviation))
