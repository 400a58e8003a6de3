"""A plan as data: the documented ``plan --json`` shape (the plan's types are in :mod:`truce.model.exchange`)."""

from __future__ import annotations

from typing import Any

from truce.model.exchange import Agreement, Plan


def plan_to_data(plan: Plan, a: Agreement | None = None) -> dict[str, Any]:
    """The documented ``plan --json`` shape (identifiers only when lists were given; dates when the
    agreement, given, has ``day_one``)."""
    return {
        "agreement": plan.agreement,
        "objective": plan.objective,
        "objective_value": plan.objective_value,
        "binding": list(plan.binding),
        "explanation": list(plan.explanation),
        "days": [
            {"day": d.day}
            | _date(d.date or (a.date(d.day) if a is not None else ""))
            | {
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


def _date(date: str) -> dict[str, str]:
    return {"date": date} if date else {}
