"""The lists: nobody released twice or beyond a list; everyone on the batch side's lists released in the end."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from truce.exchange.rules.base import (
    Deviation,
    DeviationKind,
    Model,
    PlanFacts,
    Record,
    Rule,
    RuleKind,
    Tally,
    Violation,
    register,
)
from truce.model.exchange import Agreement


def _build(a: Agreement, m: Model) -> None:
    p, counts = m.program, m.counts
    n_total = sum(counts[c] for c in m.captives)
    path = ("sides", a.sides.index(a.batch_side), "categories")
    g = p.group(f"side {a.batch_side.id}'s lists ({n_total} people)", path)
    for c in m.captives:
        p.row({m.total[a.horizon, c]: 1.0}, -np.inf, counts[c], g)
    # the rule's day is the agreement's last day: `days`, or the extension that can add to it
    last = ("extension",) if a.extension is not None else ("days",)
    g = p.group(f"everyone on side {a.batch_side.id}'s lists is released by day {a.horizon}", last, 1)
    for c in m.captives:
        p.row({m.total[a.horizon, c]: 1.0}, counts[c], np.inf, g)
    other_index = a.sides.index(a.other_side)
    for n, cat in enumerate(a.other_side.categories):
        terms = {v: 1.0 for (_, _, q), v in m.y.items() if q == cat.id}
        if terms:
            g = p.group(
                f"side {a.other_side.id}'s list of {cat.id} ({counts[cat.id]} people)",
                ("sides", other_index, "categories", n, "count"),
                3,
            )
            p.row(terms, -np.inf, counts[cat.id], g)


def _check(a: Agreement, f: PlanFacts) -> Iterator[Violation]:
    counts, listed = f.counts, a.counts()
    vetoed = {v.category: k for k, v in enumerate(a.vetoes)}
    for i, side in enumerate(a.sides):  # each at the rule it breaks: the list's count, or the veto
        for n, cat in enumerate(side.categories):
            out = sum(day.get(cat.id, 0) for table in (f.captives, f.prisoners) for day in table.values())
            if out > listed[cat.id]:
                message = f"{out} of {cat.id} released but the list holds {listed[cat.id]}"
                yield Violation(RuleKind.list, message, None, ("sides", i, "categories", n, "count"))
            elif out > counts[cat.id]:
                message = (
                    f"{out} of {cat.id} released but only {counts[cat.id]} may be: the list holds "
                    f"{listed[cat.id]}, {listed[cat.id] - counts[cat.id]} of them vetoed"
                )
                yield Violation(RuleKind.list, message, None, ("vetoes", vetoed[cat.id]))
    side_index = a.sides.index(a.batch_side)
    for n, cat in enumerate(a.batch_side.categories):
        out = sum(day.get(cat.id, 0) for day in f.captives.values())
        if out < counts[cat.id]:
            who = f"the {counts[cat.id]} {cat.id}"
            if counts[cat.id] < listed[cat.id]:
                who += f" who may be released (the list holds {listed[cat.id]}, some vetoed)"
            message = f"only {out} of {who} released by day {a.horizon}"
            yield Violation(RuleKind.list, message, None, ("sides", side_index, "categories", n, "count"))


def _watch(a: Agreement, r: Record) -> None:
    """Prisoners released beyond anything due (what settling left over), captives beyond the list, and
    prisoners released ahead of keys still to come (no deviation: they settle those keys when they fall due)."""
    one, two = a.batch_side.id, a.other_side.id
    for t, cats in sorted(r.surplus.items()):
        for q, n in cats.items():
            note = f"{n} {a.category_name(q)} released beyond anything due"
            r.day(t).deviations.append(Deviation(DeviationKind.surplus, two, n, note, "lists"))
    available = a.available()
    for category in a.batch_side.categories:
        running = 0
        for t in sorted(r.captives):
            before = running
            running += r.captives[t].get(category.id, 0)
            over = running - max(before, available[category.id])
            if over > 0:
                note = f"{over} {a.category_name(category.id)} released beyond the {available[category.id]} on the list"
                r.day(t).deviations.append(Deviation(DeviationKind.surplus, one, over, note, "lists"))
    if r.ahead:
        r.tallies.append(_ahead(a, r))


def _ahead(a: Agreement, r: Record) -> Tally:
    """Prisoners released before the captives they answer for: not yet owed, and not a surplus."""
    two = a.other_side.id
    rows = [(t, q, n) for t, cats in sorted(r.ahead.items()) for q, n in sorted(cats.items())]
    what = ", ".join(f"{n} {a.category_name(q)} on {a.day_label(t)}" for t, q, n in rows)
    note = (
        f"side {two} released ahead of anything due by {a.day_label(r.last)}: {what}; they settle the keys of "
        "the captives still held as those are released"
    )
    data = {"kind": "ahead", "side": two, "released": [{"day": t, "category": q, "count": n} for t, q, n in rows]}
    return Tally(f"ahead ({two})", note, data)


RULE = register(Rule(RuleKind.list, __name__, build=_build, check=_check, watch=_watch))
