"""The extension: one more day after ``after_day`` for every ``per_day`` further people released.

The ledger counts an extension cumulatively, as it counts the cadence: by the end of the k-th day of
extension, the batches' people and k times ``per_day`` more are due in all. The rule prices days in people
("every additional ten hostages ... one additional day"), so ten released ahead on one day pay for the
next, and a day that falls short and is made up the day after is a late release, not the pause's end.
An extension day is taken when the batch side releases anyone on it or on a later day of the extension;
one not taken owes nothing, since the agreement lets either side end the pause.
"""

from __future__ import annotations

from collections.abc import Iterator

from truce.exchange.rules.base import (
    Deviation,
    Entry,
    Model,
    PlanFacts,
    Record,
    Rule,
    RuleKind,
    Tally,
    Violation,
    register,
    shortfall,
)
from truce.exchange.rules.recurring import spans
from truce.model.exchange import Agreement


def extension_days(a: Agreement) -> list[int]:
    if a.extension is None:
        return []
    start = a.extension.after_day + 1
    return list(range(start, start + a.extension.max_days))


def batches_total(a: Agreement) -> int:
    """People the cadence's batches make due in all (a remainder batch: everyone on the lists)."""
    listed = sum(a.available()[c.id] for c in a.batch_side.categories)
    if any(b.remainder for b in a.cadence.batches):
        return listed
    return min(listed, sum(b.count or 0 for b in a.cadence.batches))


def days_taken(a: Agreement, r: Record) -> int:
    """Days of extension the pause lasted by the ledger's last day: through the last one with a release. A
    release after the last day the extension allows is late or beyond the lists, and takes no day: counted, it
    made more people due than the extension ever can."""
    if a.extension is None:
        return 0
    after = a.extension.after_day
    end = min(after + a.extension.max_days, r.last)
    days = [t - after for t, cats in r.captives.items() if after < t <= end and any(cats.values())]
    return max(days, default=0)


def due_with_extension(a: Agreement, r: Record) -> tuple[int, int, int] | None:
    """(people due in all, the day the last of them fell due, days taken) when the agreement has an extension;
    None without one."""
    if a.extension is None:
        return None
    listed = sum(a.available()[c.id] for c in a.batch_side.categories)
    taken = days_taken(a, r)
    due = min(listed, batches_total(a) + taken * a.extension.per_day)
    last_batch = max(b.last for b in a.cadence.batches)
    return due, (a.extension.after_day + taken if taken else last_batch), taken


def _build(a: Agreement, m: Model) -> None:
    """Each extra day opens only after the one before, and releases exactly ``per_day``."""
    if a.extension is None:
        return
    p, ext = m.program, a.extension
    g = p.group(f"extension: one more day per {ext.per_day} further people", ("extension",), 2)
    prev: int | None = None
    for d in extension_days(a):
        on = p.var(0, 1)
        p.row({**{m.x[d, c]: 1.0 for c in m.captives}, on: -float(ext.per_day)}, 0, 0, g)
        if prev is not None:
            p.row({on: 1.0, prev: -1.0}, -float("inf"), 0, g)
        prev = on


def _check(a: Agreement, f: PlanFacts) -> Iterator[Violation]:
    if a.extension is None:
        return
    ext = a.extension
    opened = True
    for day in extension_days(a):
        got = sum(f.captives.get(day, {}).values())
        if got and (not opened or got != ext.per_day):
            message = f"day {day} of the extension releases {got} (each extra day needs {ext.per_day}, in a row)"
            yield Violation(RuleKind.extension, message, day, ("extension",))
        opened = opened and got == ext.per_day


def _watch(a: Agreement, r: Record) -> None:
    """Each day of extension taken is due like a batch, counted cumulatively; a shortfall made up later is
    late, one still open on the ledger's last day is short. A tally says how many days were taken."""
    if a.extension is None:
        return
    ext, one = a.extension, a.batch_side.id
    listed = sum(a.available()[c.id] for c in a.batch_side.categories)
    base, taken = batches_total(a), days_taken(a, r)
    for k, day in enumerate(extension_days(a)[:taken], 1):
        need = min(listed, base + k * ext.per_day)
        rule = f"extension day {k}"
        more = need - min(listed, base + (k - 1) * ext.per_day)
        if more:  # once the lists are all due, a day taken (a late release on it, say) makes no one more due
            r.day(day).due.append(Entry(one, more, rule))
        short = shortfall(a, r.captives, need, day, r.last)
        if short is None:
            continue
        out, kind, status = short
        note = (
            f"{rule}, {a.day_label(day)}: {need} due in all by then, the batches' {base} and {ext.per_day} "
            f"for each of {k} day{'' if k == 1 else 's'} of extension; {out} released; {status}"
        )
        r.day(day).deviations.append(Deviation(kind, one, need - out, note, rule))
    r.tallies.append(_tally(a, r, base, taken, listed))


def _tally(a: Agreement, r: Record, base: int, taken: int, listed: int) -> Tally:
    assert a.extension is not None
    ext = a.extension
    available = a.available()
    out = sum(min(available[c.id], sum(v.get(c.id, 0) for v in r.captives.values())) for c in a.batch_side.categories)
    head = (
        f"extension: one more day after {a.day_label(ext.after_day)} for every {ext.per_day} further people "
        f"released, at most {ext.max_days}"
    )
    days = extension_days(a)[:taken]
    if taken:
        head += f"; {taken} day{'' if taken == 1 else 's'} taken (day{'' if taken == 1 else 's'} {spans(days)})"
    else:
        head += "; none taken"
    further = max(0, out - base)
    held = listed - out
    beyond = min(held, listed - min(listed, base + taken * ext.per_day))  # held, and due on no day taken
    note = f"{head} by {a.day_label(r.last)}, {further} further people released"
    if beyond > 0:
        note += f"; {beyond} still held are owed only if more days are taken"
    data = {"kind": "extension", "side": a.batch_side.id, "per_day": ext.per_day, "days_taken": days}
    return Tally("extension", note, data | {"further": further, "not_owed": max(0, beyond)})


RULE = register(Rule(RuleKind.extension, __name__, build=_build, check=_check, watch=_watch))
