"""A plan in words: what its objective minimises, why releases remain after the objective's day, how the
blocks were spread, and which rules are at their limit.

Plain sentences built from the agreement and the plan; nothing here solves anything.
"""

from __future__ import annotations

from truce.exchange.spread import SPREAD_RULE
from truce.model.exchange import Agreement, Batch, Plan


def _objective(a: Agreement, plan: Plan) -> str:
    one = a.batch_side.id
    value = plan.objective_value
    if plan.objective == "earliest" and value is not None:
        return (
            f"Objective `earliest`: the day of side {one}'s last release, as early as the rules allow, then each of "
            f"its releases as early as possible. Its value, {value:g}, is that day: {a.day_label(int(value))}. "
            f"Only side {one}'s releases are priced: the other side's follow from the keys (the same day) and "
            f"the blocks (any exchange day of their window)."
        )
    if plan.objective == "priority":
        return (
            f"Objective `priority`: side {one}'s categories with higher priority released first. Its value, "
            f"{value:g}, is the sum over the people released of day x (1 + priority): the smaller, the earlier."
        )
    return (
        f"Objective `exposure`: the largest exposure of either side on any day (the share of all it owes that it "
        f"has delivered, less the share it has received) as small as possible, then releases as early as "
        f"possible. Its value, {value:g}, is that largest exposure."
    )


def _batch_of(a: Agreement, day: int) -> tuple[int, Batch] | None:
    for n, batch in enumerate(a.cadence.batches):
        if batch.first <= day <= batch.last:
            return n, batch
    return None


def _why_last(a: Agreement, plan: Plan) -> list[str]:
    """Why side one's last release is on its day, and why the other side's releases after it remain."""
    one, two = a.batch_side.id, a.other_side.id
    mine = [d.day for d in plan.days if any(r.side == one and r.count for r in d.releases)]
    if not mine:
        return []
    last = max(mine)
    out: list[str] = []
    found = _batch_of(a, last)
    if found is not None:
        n, batch = found
        why = (
            "its first day"
            if last == batch.first
            else f"the earliest day of days {batch.first}-{batch.last} the rules allow"
        )
        out.append(
            f"Side {one}'s last release, on {a.day_label(last)}, is cadence batch {n + 1} ({batch.label()}), on {why}."
        )
    elif a.extension is not None and last > a.extension.after_day:
        k, ext = last - a.extension.after_day, a.extension
        out.append(
            f"Side {one}'s last release, on {a.day_label(last)}, is day {k} of the extension (one more day after "
            f"day {ext.after_day} for every {ext.per_day} further people): everyone on the lists must be released, "
            f"and the days before could not hold them all."
        )
    later = [d for d in plan.days if d.day > last and any(r.side == two and r.count for r in d.releases)]
    for d in later:
        rules = sorted({r.settles[0] for r in d.releases if r.side == two and r.count and r.settles})
        people = sum(r.count for r in d.releases if r.side == two)
        out.append(
            f"Side {two}'s release of {people} on {a.day_label(d.day)}, after that day, remains because it settles "
            f"{', '.join(rules)}, which may go out after side {one}'s releases (a block by the last day of its "
            f"window, a key within its lag_days) and no objective prices the day it goes out; blocks are placed by "
            f"the spreading rule below."
        )
    return out


def explain_plan(a: Agreement, plan: Plan) -> tuple[str, ...]:
    """Sentences for a reader: the objective, why the last releases are where they are, the spreading rule,
    and the rules at their limit (``plan.binding``)."""
    out = [_objective(a, plan), *_why_last(a, plan)]
    if a.blocks:
        out.append(f"Blocks are spread by a stated rule: {SPREAD_RULE}.")
    if plan.binding:
        out.append("Rules at their limit in this plan (binding): " + "; ".join(plan.binding) + ".")
    else:
        out.append("No rule is at its limit in this plan beyond the cadence's counts, the keys and the blocks.")
    return tuple(out)
