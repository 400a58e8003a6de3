"""The checker: a given plan against an agreement, rule by rule.

Each violation names the rule (with its place in the agreement file), the day, and what is wrong.
The plan's own shape is checked here; every rule of the agreement is checked by its own module.
"""

from __future__ import annotations

from truce.exchange.rules import registered
from truce.exchange.rules.base import PlanFacts, RuleKind, Violation
from truce.model.exchange import Agreement, Plan


def check_plan(a: Agreement, plan: Plan) -> list[Violation]:
    """Every rule of the agreement the plan breaks (empty: the plan meets the agreement)."""
    found, malformed = _shape(a, plan)
    if malformed:  # the rules cannot be read off a plan of the wrong shape
        return found
    facts = PlanFacts(
        plan,
        a.available(),
        plan.released(a.batch_side.id),
        plan.released(a.other_side.id),
        plan.settled(a.other_side.id),
        max([a.horizon, *(d.day for d in plan.days)]),
    )
    for rule in registered():
        if rule.check is not None:
            found += rule.check(a, facts)
    return found


def _shape(a: Agreement, plan: Plan) -> tuple[list[Violation], bool]:
    """Problems of the plan itself, and whether they leave it unreadable against the rules."""
    owner = a.category_side()
    rule_ids = {rule_id for rule in registered() if rule.settles for rule_id, _, _ in rule.settles(a)}
    found: list[Violation] = []
    malformed = False
    seen_days: set[int] = set()
    for i, d in enumerate(plan.days):  # a violation of the plan's own shape has a path into the plan
        if d.day in seen_days:
            found.append(Violation(RuleKind.plan, f"day {d.day} is listed twice", d.day, ("days", i, "day")))
            malformed = True
        seen_days.add(d.day)
        if d.day > a.horizon and any(r.count for r in d.releases):
            message = f"releases on day {d.day}, after the agreement's last day {a.horizon}"
            found.append(Violation(RuleKind.plan, message, d.day, ("days", i, "day")))
        for j, r in enumerate(d.releases):
            at = ("days", i, "releases", j)
            if owner.get(r.category) != r.side:
                message = f"{r.category!r} is not a category of side {r.side!r}"
                found.append(Violation(RuleKind.plan, message, d.day, (*at, "category")))
                malformed = True
            if r.side == a.other_side.id and (len(r.settles) != 1 or r.settles[0] not in rule_ids):
                message = f"a release of {r.category} must settle exactly one key or block"
                found.append(Violation(RuleKind.plan, message, d.day, (*at, "settles")))
                malformed = True
    return found, malformed
