"""The planner's integer program: variables with bounds, constraint rows tagged with the rule they belong to.

Every constraint row belongs to a named *rule group* (a key, a block, a cadence batch, a list, ...),
so that when no plan exists a deletion filter can drop groups and name the ones that conflict.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from truce.errors import Path

HARD = -1  # rows that define variables, never dropped


@dataclass(frozen=True)
class Group:
    """A named rule: its constraint rows are kept or dropped together."""

    label: str
    path: Path
    rank: int  # the deletion filter tries high-rank (specific) rules first, so simple causes remain


@dataclass
class Program:
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
        chosen = [r for r in self.rows if keep is None or r[3] < 0 or r[3] in keep]
        n = len(self.lb)
        data: list[float] = []
        from scipy.optimize import Bounds, LinearConstraint, milp  # loaded only where a plan is solved
        from scipy.sparse import csr_array

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


def binding_groups(program: Program, solution: np.ndarray, tolerance: float = 1e-6) -> list[int]:
    """Rule groups with an inequality row at its limit that some release actually meets.

    An inequality row (a capacity, the exposure limit, a list's size, the order) binds in a plan when its
    left side equals one of its bounds and a variable in it is not zero; rows that only define variables
    and equalities (a batch's count, a block's size) are left out, as they hold in every plan alike.
    """
    found: set[int] = set()
    for coeffs, lo, hi, group in program.rows:
        if group < 0 or group in found or lo == hi:
            continue
        if not any(abs(solution[v]) > tolerance for v in coeffs):
            continue
        activity = sum(k * solution[v] for v, k in coeffs.items())
        if (np.isfinite(hi) and abs(activity - hi) <= tolerance * max(1.0, abs(hi))) or (
            np.isfinite(lo) and abs(activity - lo) <= tolerance * max(1.0, abs(lo))
        ):
            found.add(group)
    return sorted(found)
