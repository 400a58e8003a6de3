"""The planner: an optimal feasible day-by-day plan as an integer program (scipy's HiGHS).

Variables are counts per (day, category) for the batch side and per (day, key or block, category)
for the other side, never one per person. Each registered rule (:mod:`truce.exchange.rules`) adds
its own rows, under its own named groups. When no plan exists, a deletion filter over the groups
finds a minimal set of rules that cannot all hold (an irreducible infeasible subset) and names
them, each with its place in the agreement file.
"""

from __future__ import annotations

from collections import defaultdict
from enum import StrEnum

import numpy as np

from truce.errors import InputError, Problem
from truce.exchange.explain import explain_plan
from truce.exchange.program import HARD, Program, binding_groups
from truce.exchange.rules import registered
from truce.exchange.rules.base import Model
from truce.exchange.rules.cadence import release_days
from truce.exchange.rules.commitments import commitment_days
from truce.exchange.spread import spread_blocks
from truce.model.exchange import Agreement, Plan, PlanDay, Release


class Objective(StrEnum):
    earliest = "earliest"  # the last release as early as possible, then each release as early as possible
    priority = "priority"  # categories with higher priority released first
    exposure = "exposure"  # the smallest largest exposure of either side


def _variables(a: Agreement, objective: Objective, tight: bool) -> Model:
    """The variables every rule shares: releases of each side, running totals, completion flags.

    ``tight``: the formulation the plan is solved with. The batch side cannot release outside the
    cadence's days, so there its releases are fixed at 0 and its completion flags are those of the day
    before; flags are monotone and defined with the smallest big-M the lists allow. The loose form
    keeps every day free and a big-M past any list, so that the deletion filter, which drops the
    cadence and the lists, still reads the flags right.
    """
    p = Program()
    counts = a.available()
    captives = [c.id for c in a.batch_side.categories]
    n_total = sum(counts[c] for c in captives)
    beyond = max(1, n_total) + sum(b.count or 0 for b in a.cadence.batches)  # past any list, when lists are dropped
    m = Model(p, objective.value, list(range(1, a.horizon + 1)), counts, captives, float(beyond))
    open_days = m.open_days = release_days(a) if tight else set(m.days)
    m.tight = tight
    m.x = {(d, c): p.var(0, np.inf if d in open_days else 0) for d in m.days for c in captives}
    for rule in registered():
        for rule_id, category, days in rule.settles(a) if rule.settles else ():
            for d in days:
                m.y[d, rule_id, category] = p.var()
    # Running totals keep rows short: total[d, c] = total[d - 1, c] + x[d, c].
    for c in captives:
        for d in m.days:
            m.total[d, c] = p.var(0, np.inf, integer=False)
            before = {m.total[d - 1, c]: -1.0} if d > 1 else {}
            p.row({m.total[d, c]: 1.0, m.x[d, c]: -1.0, **before}, 0, 0, HARD)
    need_done: set[str] = set()
    for rule in registered():
        need_done |= rule.completes(a) if rule.completes else set()
    for c in captives:
        if c in need_done and counts[c]:
            _flags(m, c, open_days, tight)
    return m


def _flags(m: Model, c: str, open_days: set[int], tight: bool) -> None:
    """Completion flags: done[d, c] = 1 exactly when all of category c are out by day d."""
    p, count = m.program, float(m.counts[c])
    big = 1.0 if tight else m.beyond  # tight: the lists keep the total at most the count, so 1 is enough
    for d in m.days:
        if tight and d > 1 and d not in open_days:
            m.done[d, c] = m.done[d - 1, c]  # nothing released that day: the flag of the day before
            continue
        v = m.done[d, c] = p.var(0, 1)
        p.row({m.total[d, c]: 1.0, v: -count}, 0, np.inf, HARD)
        p.row({m.total[d, c]: 1.0, v: -big}, -np.inf, count - 1, HARD)
        if tight and d > 1:
            p.row({v: 1.0, m.done[d - 1, c]: -1.0}, 0, np.inf, HARD)


def _objective(a: Agreement, m: Model, objective: Objective) -> int:
    """Set the costs; the variable whose value is the objective's value."""
    p = m.program
    priority = {c.id: c.priority for c in a.batch_side.categories}
    scale = float(max(1, sum(m.counts[c] for c in m.captives)) * max(1, a.horizon))
    assert m.worst is not None  # the exposure rule always makes it
    primary = m.worst
    for (d, c), v in m.x.items():  # earlier releases first (a tie-break under the exposure objective)
        p.cost[v] = d * (1.0 + priority[c] if objective is Objective.priority else 1.0)
    if objective is Objective.earliest:
        last = primary = p.var(0, a.horizon, integer=False)
        p.cost[last] = scale
        for d in m.days:
            u = p.var(0, 1)
            p.row({**{m.x[d, c]: 1.0 for c in m.captives}, u: -m.beyond}, -np.inf, 0, HARD)
            p.row({last: 1.0, u: -float(d)}, 0, np.inf, HARD)
    elif objective is Objective.exposure:
        p.cost[m.worst] = scale * 10.0
    return primary


def _build(a: Agreement, objective: Objective, tight: bool = True) -> tuple[Model, int]:
    m = _variables(a, objective, tight)
    for rule in registered():
        if rule.build is not None:
            rule.build(a, m)
    return m, _objective(a, m, objective)


def plan_exchange(a: Agreement, objective: Objective = Objective.earliest, time_limit: float = 60.0) -> Plan:
    """An optimal plan for the agreement, or :class:`InputError` naming a minimal set of conflicting rules."""
    model, primary = _build(a, objective)
    solution = model.program.solve(None, time_limit=time_limit)
    if solution is None:
        raise InputError(conflict_problems(_build(a, objective, tight=False)[0].program))
    value = _value(model, primary, solution, objective)
    spread = spread_blocks(a, model, solution)  # the objective's value is fixed; only the blocks move
    binding = tuple(model.program.groups[g].label for g in binding_groups(model.program, spread))
    plan = _to_plan(a, model, spread, objective, value).model_copy(update={"binding": binding})
    return plan.model_copy(update={"explanation": explain_plan(a, plan)})


def _value(model: Model, primary: int, solution: np.ndarray, objective: Objective) -> float:
    """The objective's value: the last day, the largest exposure, or the priority-weighted sum of days."""
    if objective is Objective.priority:
        values = np.rint(solution)
        return round(float(sum(model.program.cost[v] * values[v] for v in model.x.values())), 6)
    return round(float(solution[primary]), 6)


def conflict_problems(program: Program) -> list[Problem]:
    """A deletion filter over rule groups: drop each group in turn, keep it dropped if still infeasible."""
    groups = program.groups
    keep = set(range(len(groups)))
    for g in sorted(keep, key=lambda g: (-groups[g].rank, g)):
        trial = keep - {g}
        if program.solve(trial, feasibility_only=True) is None:
            keep = trial
    conflict = [groups[g] for g in sorted(keep)]
    names = "; ".join(group.label for group in conflict)
    problems = [Problem(f"no plan meets every rule; these rules conflict (drop any one and a plan exists): {names}")]
    problems += [Problem(f"conflicting rule: {group.label}", group.path) for group in conflict]
    return problems


def _to_plan(a: Agreement, model: Model, solution: np.ndarray, objective: Objective, value: float) -> Plan:
    values = np.rint(solution).astype(np.int64)
    released: dict[int, dict[str, int]] = defaultdict(dict)
    for (d, c), v in model.x.items():
        if values[v]:
            released[d][c] = int(values[v])
    keys_for: dict[str, list[str]] = defaultdict(list)
    for key in a.keys:
        keys_for[key.category].append(key.id)
    per_day: dict[int, list[Release]] = defaultdict(list)
    for d in sorted(released):
        for c, n in released[d].items():
            per_day[d].append(Release(side=a.batch_side.id, category=c, count=n, settles=tuple(keys_for[c])))
    for (d, rule, q), v in sorted(model.y.items()):
        if values[v]:
            per_day[d].append(Release(side=a.other_side.id, category=q, count=int(values[v]), settles=(rule,)))
    due: dict[int, list[str]] = defaultdict(list)
    for cid, (day, _) in commitment_days(a, released).items():
        if day is not None:
            due[day].append(cid)
    all_days = sorted(set(per_day) | set(due))
    days = tuple(
        PlanDay(day=d, date=a.date(d), releases=tuple(per_day[d]), commitments=tuple(due[d])) for d in all_days
    )
    return Plan(agreement=a.id, objective=objective.value, objective_value=value, days=days)
