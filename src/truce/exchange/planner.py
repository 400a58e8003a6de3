"""The planner: an optimal feasible day-by-day plan as an integer program (scipy's HiGHS).

Variables are counts per (day, category) for the batch side and per (day, key or block, category)
for the other side, never one per person. Every constraint row belongs to a named *rule group*
(a key, a block, a cadence batch, a list, ...). When no plan exists, a deletion filter over the
groups finds a minimal set of rules that cannot all hold (an irreducible infeasible subset) and
names them, each with its place in the agreement file.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from enum import StrEnum

import numpy as np

from truce.errors import InputError, Path, Problem
from truce.exchange import rules
from truce.exchange.agreement import Agreement
from truce.exchange.plan import Plan, PlanDay, Release


class Objective(StrEnum):
    earliest = "earliest"  # the last release as early as possible, then each release as early as possible
    priority = "priority"  # categories with higher priority released first
    exposure = "exposure"  # the smallest largest exposure of either side


@dataclass(frozen=True)
class Group:
    """A named rule: its constraint rows are kept or dropped together."""

    label: str
    path: Path
    rank: int  # the deletion filter tries high-rank (specific) rules first, so simple causes remain


@dataclass
class _Program:
    """A growing integer program: variables with bounds, rows tagged with their rule group."""

    lb: list[float] = field(default_factory=list)
    ub: list[float] = field(default_factory=list)
    integer: list[int] = field(default_factory=list)
    cost: list[float] = field(default_factory=list)
    rows: list[tuple[dict[int, float], float, float, int]] = field(default_factory=list)
    groups: list[Group] = field(default_factory=list)

    def var(self, lb: float = 0.0, ub: float = np.inf, integer: bool = True) -> int:
        self.lb.append(lb)
        self.ub.append(ub)
        self.integer.append(1 if integer else 0)
        self.cost.append(0.0)
        return len(self.lb) - 1

    def group(self, label: str, path: Path, rank: int = 0) -> int:
        self.groups.append(Group(label, path, rank))
        return len(self.groups) - 1

    def row(self, coeffs: dict[int, float], lo: float, hi: float, group: int) -> None:
        self.rows.append((coeffs, lo, hi, group))

    def solve(
        self, keep: set[int] | None, feasibility_only: bool = False, time_limit: float = 60.0
    ) -> np.ndarray | None:
        from scipy.optimize import Bounds, LinearConstraint, milp  # loaded only where a plan is solved
        from scipy.sparse import csr_array

        chosen = [r for r in self.rows if keep is None or r[3] < 0 or r[3] in keep]
        n = len(self.lb)
        data: list[float] = []
        cols: list[int] = []
        ptr = [0]
        lo: list[float] = []
        hi: list[float] = []
        for coeffs, a, b, _ in chosen:
            cols.extend(coeffs)
            data.extend(coeffs.values())
            ptr.append(len(cols))
            lo.append(a)
            hi.append(b)
        constraints = []
        if chosen:
            matrix = csr_array((np.array(data), np.array(cols, dtype=np.int64), np.array(ptr)), shape=(len(chosen), n))
            constraints.append(LinearConstraint(matrix, np.array(lo), np.array(hi)))
        cost = np.zeros(n) if feasibility_only else np.array(self.cost)
        result = milp(
            cost,
            constraints=constraints,
            integrality=np.array(self.integer),
            bounds=Bounds(np.array(self.lb), np.array(self.ub)),
            options={"time_limit": time_limit, "mip_rel_gap": 1e-3},
        )
        if result.x is None:
            if result.status == 2:  # infeasible
                return None
            raise RuntimeError(f"the planner's solver stopped without a plan: {result.message}")
        return np.asarray(result.x)


HARD = -1  # rows that define variables, never dropped


@dataclass
class _Model:
    program: _Program
    x: dict[tuple[int, str], int]  # (day, captive category) -> variable
    y: dict[tuple[int, str, str], int]  # (day, rule id, prisoner category) -> variable
    primary: int  # the variable whose value is the objective's value


def _build(a: Agreement, objective: Objective) -> _Model:
    p = _Program()
    days = list(range(1, a.horizon + 1))
    counts = a.available()
    captives = [c.id for c in a.batch_side.categories]
    n_total = sum(counts[c] for c in captives)
    x = {(d, c): p.var() for d in days for c in captives}
    parts = rules.key_parts(a)
    blocks = rules.block_counts(a)
    y: dict[tuple[int, str, str], int] = {}
    for part in parts:
        for d in days:
            y[d, part.key, part.category] = p.var()
    # Blocks go out on exchange days (the batch side's release days) when their window has any.
    exchange_days = rules.release_days(a)
    block_days: dict[str, list[int]] = {}
    for b in a.blocks:
        window = list(range(b.from_day, b.by_day + 1))
        block_days[b.id] = [d for d in window if d in exchange_days] or window
        for d in block_days[b.id]:
            y[d, b.id, b.category] = p.var()

    # Running totals keep rows short: total[d, c] = total[d - 1, c] + x[d, c].
    total: dict[tuple[int, str], int] = {}
    for c in captives:
        for d in days:
            total[d, c] = p.var(0, np.inf, integer=False)
            p.row({total[d, c]: 1.0, x[d, c]: -1.0, **({total[d - 1, c]: -1.0} if d > 1 else {})}, 0, 0, HARD)

    def cum(c: str, d: int) -> dict[int, float]:
        return {total[d, c]: 1.0}

    # Completion flags: done[d, c] = 1 exactly when all of category c are out by day d.
    need_done = {part.captive for part in parts if part.last} | {c for level in a.cadence.order for c in level}
    done: dict[tuple[int, str], int] = {}
    beyond = max(1, n_total) + sum(b.count or 0 for b in a.cadence.batches)  # past any list, when lists are dropped
    for c in captives:
        if c not in need_done or counts[c] == 0:
            continue
        for d in days:
            v = done[d, c] = p.var(0, 1)
            p.row({**cum(c, d), v: -float(counts[c])}, 0, np.inf, HARD)
            p.row({**cum(c, d), v: -float(beyond)}, -np.inf, counts[c] - 1, HARD)

    # The lists: nobody released twice; everyone on the batch side's lists released in the end.
    g = p.group(
        f"side {a.batch_side.id}'s lists ({n_total} people)", ("sides", a.sides.index(a.batch_side), "categories")
    )
    for c in captives:
        p.row(cum(c, a.horizon), -np.inf, counts[c], g)
    g = p.group(f"everyone on side {a.batch_side.id}'s lists is released by day {a.horizon}", ("cadence", "batches"), 1)
    for c in captives:
        p.row(cum(c, a.horizon), counts[c], np.inf, g)
    other_index = a.sides.index(a.other_side)
    for m, cat in enumerate(a.other_side.categories):
        terms = {v: 1.0 for (_, _, q), v in y.items() if q == cat.id}
        if terms:
            g = p.group(
                f"side {a.other_side.id}'s list of {cat.id} ({counts[cat.id]} people)",
                ("sides", other_index, "categories", m, "count"),
                3,
            )
            p.row(terms, -np.inf, counts[cat.id], g)

    # Keys: settled on the day the captives are released.
    key_index = {k.id: n for n, k in enumerate(a.keys)}
    key_groups: dict[str, int] = {}
    for part in parts:
        if part.key not in key_groups:
            key_groups[part.key] = p.group(
                f"key {part.key} (for each {part.captive} released)", ("keys", key_index[part.key]), 4
            )
        for d in days:
            coeffs: dict[int, float] = {y[d, part.key, part.category]: 1.0, x[d, part.captive]: -float(part.each)}
            if part.last and (d, part.captive) in done:
                coeffs[done[d, part.captive]] = coeffs.get(done[d, part.captive], 0.0) - part.last
                if (d - 1, part.captive) in done:
                    coeffs[done[d - 1, part.captive]] = part.last
            p.row(coeffs, 0, 0, key_groups[part.key])

    for n, b in enumerate(a.blocks):
        g = p.group(f"block {b.id} ({blocks[b.id]} {b.category} by day {b.by_day})", ("blocks", n), 4)
        p.row({y[d, b.id, b.category]: 1.0 for d in block_days[b.id]}, blocks[b.id], blocks[b.id], g)

    # Cadence.
    covered: set[int] = set(rules.extension_days(a))
    for n, batch in enumerate(a.cadence.batches):
        window = list(range(batch.first, batch.last + 1))
        covered.update(window)
        cats = rules.batch_categories(a, batch)
        g = p.group(f"cadence batch {n + 1}: {batch.label()}", ("cadence", "batches", n), 2)
        if batch.remainder:
            p.row(
                {x[t, c]: 1.0 for t in days if t <= batch.last for c in cats}, sum(counts[c] for c in cats), np.inf, g
            )
        else:
            count = float(batch.count or 0)
            p.row({x[t, c]: 1.0 for t in window for c in cats}, count, count, g)
        for c in captives:
            if c not in cats:
                for t in window:
                    p.row({x[t, c]: 1.0}, 0, 0, g)
    idle = [d for d in days if d not in covered]
    if idle:
        g = p.group("cadence: no releases outside the batches' days", ("cadence", "batches"), 2)
        for d in idle:
            p.row({x[d, c]: 1.0 for c in captives}, 0, 0, g)

    if a.extension is not None:
        ext = a.extension
        g = p.group(f"extension: one more day per {ext.per_day} further people", ("extension",), 2)
        prev: int | None = None
        for d in rules.extension_days(a):
            on = p.var(0, 1)
            p.row({**{x[d, c]: 1.0 for c in captives}, on: -float(ext.per_day)}, 0, 0, g)
            if prev is not None:
                p.row({on: 1.0, prev: -1.0}, -np.inf, 0, g)
            prev = on

    if a.cadence.order:
        g = p.group("order of categories", ("cadence", "order"), 5)
        for j in range(1, len(a.cadence.order)):
            earlier = [c for level in a.cadence.order[:j] for c in level if counts[c]]
            later = [c for c in a.cadence.order[j] if counts[c]]
            if not earlier or not later:
                continue
            for d in days:
                for c in later:
                    for e in earlier:
                        p.row({x[d, c]: 1.0, done[d, e]: -float(counts[c])}, -np.inf, 0, g)

    for n, cap in enumerate(a.capacities):
        limited = set(cap.categories) or {c.id for c in a.side(cap.side).categories}
        g = p.group(f"capacity: at most {cap.max_per_day} a day of side {cap.side}", ("capacities", n), 5)
        for d in days:
            terms = {v: 1.0 for (t, c), v in x.items() if t == d and c in limited}
            terms.update({v: 1.0 for (t, _, q), v in y.items() if t == d and q in limited})
            if terms:
                p.row(terms, -np.inf, cap.max_per_day, g)

    # Exposure: share delivered by one side less share received from the other, at the end of each day.
    totals = rules.side_totals(a)
    t_one, t_two = totals[a.batch_side.id], totals[a.other_side.id]
    worst = p.var(0, 1, integer=False)
    if t_one and t_two:
        limit = a.exposure_limit
        g_limit = p.group(f"exposure limit {limit}", ("exposure_limit",), 6) if limit is not None else None
        paid_by_day: dict[int, list[int]] = defaultdict(list)
        for (t, _, _), v in y.items():
            paid_by_day[t].append(v)
        paid: dict[int, int] = {}
        for d in days:
            paid[d] = p.var(0, np.inf, integer=False)
            terms = {paid[d]: 1.0, **{v: -1.0 for v in paid_by_day[d]}}
            if d > 1:
                terms[paid[d - 1]] = -1.0
            p.row(terms, 0, 0, HARD)
        for d in days:
            share = {total[d, c]: 1.0 / t_one for c in captives}
            share[paid[d]] = -1.0 / t_two
            if g_limit is not None and limit is not None:
                p.row(share, -limit, limit, g_limit)
            if objective is Objective.exposure:
                p.row({**share, worst: -1.0}, -np.inf, 0, HARD)
                p.row({**share, worst: 1.0}, 0, np.inf, HARD)

    # Objective.
    priority = {c.id: c.priority for c in a.batch_side.categories}
    scale = float(max(1, n_total) * max(1, a.horizon))
    primary = worst
    for (d, c), v in x.items():  # earlier releases first (a tie-break under the exposure objective)
        p.cost[v] = d * (1.0 + priority[c] if objective is Objective.priority else 1.0)
    if objective is Objective.earliest:
        last = primary = p.var(0, a.horizon, integer=False)
        p.cost[last] = scale
        big = float(beyond)
        for d in days:
            u = p.var(0, 1)
            p.row({**{x[d, c]: 1.0 for c in captives}, u: -big}, -np.inf, 0, HARD)
            p.row({last: 1.0, u: -float(d)}, 0, np.inf, HARD)
    elif objective is Objective.exposure:
        p.cost[worst] = scale * 10.0
    return _Model(p, x, y, primary)


def plan_exchange(a: Agreement, objective: Objective = Objective.earliest, time_limit: float = 60.0) -> Plan:
    """An optimal plan for the agreement, or :class:`InputError` naming a minimal set of conflicting rules."""
    model = _build(a, objective)
    solution = model.program.solve(None, time_limit=time_limit)
    if solution is None:
        raise InputError(conflict_problems(a, model))
    return _to_plan(a, model, solution, objective)


def conflict_problems(a: Agreement, model: _Model) -> list[Problem]:
    """A deletion filter over rule groups: drop each group in turn, keep it dropped if still infeasible."""
    groups = model.program.groups
    keep = set(range(len(groups)))
    for g in sorted(keep, key=lambda g: (-groups[g].rank, g)):
        trial = keep - {g}
        if model.program.solve(trial, feasibility_only=True) is None:
            keep = trial
    conflict = [model.program.groups[g] for g in sorted(keep)]
    names = "; ".join(group.label for group in conflict)
    problems = [Problem(f"no plan meets every rule; these rules conflict (drop any one and a plan exists): {names}")]
    problems += [Problem(f"conflicting rule: {group.label}", group.path) for group in conflict]
    return problems


def _to_plan(a: Agreement, model: _Model, solution: np.ndarray, objective: Objective) -> Plan:
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
    for cid, (day, _) in rules.commitment_days(a, released).items():
        if day is not None:
            due[day].append(cid)
    all_days = sorted(set(per_day) | set(due))
    days = tuple(PlanDay(day=d, releases=tuple(per_day[d]), commitments=tuple(due[d])) for d in all_days)
    value = float(solution[model.primary])
    if objective is Objective.priority:
        value = float(sum(model.program.cost[v] * values[v] for v in model.x.values()))
    return Plan(agreement=a.id, objective=objective.value, objective_value=round(value, 6), days=days)
