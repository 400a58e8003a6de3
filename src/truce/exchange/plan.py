"""A plan: who is released on which day on each side, what each release settles, what falls due.

These classes are also the ``plan --json`` format (documented in ``docs/exchange.md``), so a plan
written by the planner can be read back and checked.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Annotated, Any

from pydantic import Field

from truce.exchange.agreement import Count, Day
from truce.model.scenario import Frozen, Id


class Release(Frozen):
    """``count`` people of ``category`` released by ``side``; ``settles`` names the keys or blocks it meets."""

    side: Id
    category: Id
    count: Count
    settles: tuple[Id, ...] = ()
    ids: tuple[Annotated[str, Field(max_length=80)], ...] = Field(
        default=(), description="synthetic identifiers, when lists were given"
    )


class PlanDay(Frozen):
    day: Day
    releases: tuple[Release, ...] = ()
    commitments: tuple[Id, ...] = ()


class Plan(Frozen):
    agreement: Id | None = None
    objective: str = "given"
    objective_value: float | None = None
    days: tuple[PlanDay, ...] = ()

    def released(self, side: str | None = None) -> dict[int, dict[str, int]]:
        """People released per day and category (of one side, or both)."""
        out: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        for d in self.days:
            for r in d.releases:
                if side is None or r.side == side:
                    out[d.day][r.category] += r.count
        return {day: dict(cats) for day, cats in out.items()}

    def settled(self, side: str) -> dict[tuple[str, str], dict[int, int]]:
        """Per (rule id, category): people released per day by ``side`` that settle it."""
        out: dict[tuple[str, str], dict[int, int]] = defaultdict(lambda: defaultdict(int))
        for d in self.days:
            for r in d.releases:
                for rule in r.settles[:1] if r.side == side else ():
                    out[rule, r.category][d.day] += r.count
        return {k: dict(v) for k, v in out.items()}


def plan_to_data(plan: Plan) -> dict[str, Any]:
    """The documented ``plan --json`` shape (identifiers only when lists were given)."""
    return {
        "agreement": plan.agreement,
        "objective": plan.objective,
        "objective_value": plan.objective_value,
        "days": [
            {
                "day": d.day,
                "releases": [
                    {"side": r.side, "category": r.category, "count": r.count, "settles": list(r.settles)}
                    | ({"ids": list(r.ids)} if r.ids else {})
                    for r in d.releases
                ],
                "commitments": list(d.commitments),
            }
            for d in plan.days
        ],
    }
