"""A plan as data: the documented ``plan --json`` shape (the plan's types are in :mod:`truce.model.exchange`)."""

from __future__ import annotations

from typing import Any

from truce.model.exchange import Plan


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
