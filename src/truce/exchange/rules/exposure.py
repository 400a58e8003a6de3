"""Exposure: the share one side has delivered beyond the share of the other side's total it has received."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Mapping

import numpy as np

from truce.exchange.program import HARD
from truce.exchange.rules.base import (
    Deviation,
    DeviationKind,
    Model,
    PlanFacts,
    Record,
    Released,
    Rule,
    RuleKind,
    Violation,
    register,
)
from truce.exchange.rules.blocks import block_counts
from truce.exchange.rules.keys import key_totals
from truce.model.exchange import Agreement


def side_totals(a: Agreement) -> dict[str, int]:
    """People each side releases once everything is done."""
    captives = sum(a.available()[c.id] for c in a.batch_side.categories)
    prisoners = sum(key_totals(a).values()) + sum(block_counts(a).values())
    return {a.batch_side.id: captives, a.other_side.id: prisoners}


def exposure(a: Agreement, delivered: Mapping[str, int]) -> dict[str, float]:
    """Per side: share of its own total delivered less the share of the other side's total received."""
    totals = side_totals(a)
    one, two = a.batch_side.id, a.other_side.id
    if not totals[one] or not totals[two]:
        return {one: 0.0, two: 0.0}  # a one-way release: nothing is received, so nobody is exposed
    share = {s: delivered.get(s, 0) / totals[s] for s in totals}
    return {one: share[one] - share[two], two: share[two] - share[one]}


def running_exposure(
    a: Agreement, captives: Released, prisoners: Released, last_day: int
) -> dict[int, dict[str, float]]:
    """Each side's exposure at the end of each day on which anything was released."""
    out: dict[int, dict[str, float]] = {}
    delivered = {a.batch_side.id: 0, a.other_side.id: 0}
    for day in sorted(set(captives) | set(prisoners)):
        if day > last_day:
            break
        delivered[a.batch_side.id] += sum(captives.get(day, {}).values())
        delivered[a.other_side.id] += sum(prisoners.get(day, {}).values())
        out[day] = exposure(a, delivered)
    return out


def _build(a: Agreement, m: Model) -> None:
    """Exposure at the end of each day, within the limit; under the exposure objective, its largest value."""
    p = m.program
    totals = side_totals(a)
    t_one, t_two = totals[a.batch_side.id], totals[a.other_side.id]
    m.worst = worst = p.var(0, 1, integer=False)
    if not t_one or not t_two:
        return
    limit = a.exposure_limit
    g_limit = p.group(f"exposure limit {limit}", ("exposure_limit",), 6) if limit is not None else None
    paid_by_day: dict[int, list[int]] = defaultdict(list)
    for (t, _, _), v in m.y.items():
        paid_by_day[t].append(v)
    paid: dict[int, int] = {}
    for d in m.days:  # running totals of the other side's releases keep the rows short
        paid[d] = p.var(0, np.inf, integer=False)
        terms = {paid[d]: 1.0, **{v: -1.0 for v in paid_by_day[d]}}
        if d > 1:
            terms[paid[d - 1]] = -1.0
        p.row(terms, 0, 0, HARD)
    for d in m.days:
        share = {m.total[d, c]: 1.0 / t_one for c in m.captives}
        share[paid[d]] = -1.0 / t_two
        if g_limit is not None and limit is not None:
            p.row(share, -limit, limit, g_limit)
        if m.objective == "exposure":
            p.row({**share, worst: -1.0}, -np.inf, 0, HARD)
            p.row({**share, worst: 1.0}, 0, np.inf, HARD)


def _check(a: Agreement, f: PlanFacts) -> Iterator[Violation]:
    if a.exposure_limit is None:
        return
    for day, worst in running_exposure(a, f.captives, f.prisoners, f.last_day).items():
        side, value = max(worst.items(), key=lambda kv: kv[1])
        if value > a.exposure_limit + 1e-9:
            message = f"side {side} is exposed by {value:.3f}, over the limit {a.exposure_limit}"
            yield Violation(RuleKind.exposure, message, day, ("exposure_limit",))
            return


def _watch(a: Agreement, r: Record) -> None:
    for t, now in running_exposure(a, r.captives, r.prisoners, r.last).items():
        r.day(t).exposure = {s: round(v, 4) for s, v in now.items()}
        side, worst = max(now.items(), key=lambda kv: kv[1])
        if a.exposure_limit is not None and worst > a.exposure_limit + 1e-9:
            note = f"exposed by {worst:.3f}, limit {a.exposure_limit}"
            dev = Deviation(DeviationKind.exposure, side, round(worst - a.exposure_limit, 4), note, "exposure_limit")
            r.day(t).deviations.append(dev)


RULE = register(Rule(RuleKind.exposure, __name__, build=_build, check=_check, watch=_watch))
