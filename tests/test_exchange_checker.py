from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from truce.exchange import Agreement, Plan, PlanDay, Release, plan_exchange
from truce.exchange.checker import check_plan
from truce.io.agreement_files import load_agreement
from truce.model.exchange import Capacity, Restriction

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


@pytest.fixture(scope="module")
def a2025() -> Agreement:
    return load_agreement(EXAMPLES / "exchange-2025")[0]


@pytest.fixture(scope="module")
def plan2025(a2025: Agreement) -> Plan:
    return plan_exchange(a2025)


def edit(plan: Plan, day: int, change: Callable[[PlanDay], PlanDay]) -> Plan:
    days = tuple(change(d) if d.day == day else d for d in plan.days)
    return plan.model_copy(update={"days": days})


def releases(d: PlanDay, rewrite: Callable[[Release], Release | None]) -> PlanDay:
    kept = tuple(r for r in (rewrite(r) for r in d.releases) if r is not None)
    return d.model_copy(update={"releases": kept})


def rules_broken(a: Agreement, plan: Plan) -> set[str]:
    return {v.rule for v in check_plan(a, plan)}


def test_the_planned_plan_is_clean(a2025: Agreement, plan2025: Plan) -> None:
    assert check_plan(a2025, plan2025) == []


def test_short_of_the_key(a2025: Agreement, plan2025: Plan) -> None:
    bad = edit(
        plan2025,
        1,
        lambda d: releases(d, lambda r: r.model_copy(update={"count": 60}) if r.category == "women_minors" else r),
    )
    violations = [v for v in check_plan(a2025, bad) if v.rule == "key"]
    assert len(violations) == 1
    assert "key_civilian: 30 women_minors short by day 1" in violations[0].message
    assert violations[0].path == ("keys", 0)


def test_release_off_the_cadence(a2025: Agreement, plan2025: Plan) -> None:
    moved = edit(plan2025, 1, lambda d: d.model_copy(update={"day": 2}))
    broken = rules_broken(a2025, moved)
    assert "cadence" in broken


def test_out_of_order(a2025: Agreement, plan2025: Plan) -> None:
    def swap(r: Release) -> Release:
        if r.category == "civilian_women":
            return r.model_copy(update={"category": "female_soldiers", "settles": ("key_female_soldier",)})
        return r

    assert "order" in rules_broken(a2025, edit(plan2025, 1, lambda d: releases(d, swap)))


def test_block_not_met(a2025: Agreement, plan2025: Plan) -> None:
    day = next(d.day for d in plan2025.days for r in d.releases if r.category == "gaza_detainees")
    bad = edit(plan2025, day, lambda d: releases(d, lambda r: None if r.category == "gaza_detainees" else r))
    violations = [v for v in check_plan(a2025, bad) if v.rule == "block"]
    assert violations and "block_gaza_1000" in violations[0].message


def test_list_exceeded(a2025: Agreement, plan2025: Plan) -> None:
    extra = Release(side="hamas", category="deceased", count=5, settles=())
    bad = edit(plan2025, 1, lambda d: d.model_copy(update={"releases": (*d.releases, extra)}))
    assert "list" in rules_broken(a2025, bad)


def test_a_list_exceeded_is_located_at_its_count_and_a_veto_broken_at_the_veto(
    a2025: Agreement, plan2025: Plan
) -> None:
    """A list passed was printed at the plan file with no line, as if the plan were malformed; with a
    veto, "the list holds 4" was said of a list of 5, one of them vetoed."""
    extra = Release(side="hamas", category="deceased", count=5, settles=())
    bad = edit(plan2025, 1, lambda d: d.model_copy(update={"releases": (*d.releases, extra)}))
    found = {(v.message, v.path) for v in check_plan(a2025, bad) if v.rule == "list"}
    deceased = next(i for i, c in enumerate(a2025.batch_side.categories) if c.id == "deceased")
    assert found == {("13 of deceased released but the list holds 8", ("sides", 0, "categories", deceased, "count"))}
    vetoed = a2025.model_copy(update={"vetoes": (Restriction(side="hamas", category="female_soldiers", count=1),)})
    found = {(v.message, v.path) for v in check_plan(vetoed, plan2025) if v.rule == "list"}
    assert found == {
        ("5 of female_soldiers released but only 4 may be: the list holds 5, 1 of them vetoed", ("vetoes", 0))
    }


def test_capacity(a2025: Agreement, plan2025: Plan) -> None:
    tight = a2025.model_copy(update={"capacities": (Capacity(side="israel", max_per_day=100),)})
    assert "capacity" in rules_broken(tight, plan2025)


def test_exposure(a2025: Agreement, plan2025: Plan) -> None:
    tight = a2025.model_copy(update={"exposure_limit": 0.01})
    assert "exposure" in rules_broken(tight, plan2025)


def test_commitment_not_listed(a2025: Agreement, plan2025: Plan) -> None:
    bad = edit(plan2025, 7, lambda d: d.model_copy(update={"commitments": ()}))
    violations = [v for v in check_plan(a2025, bad) if v.rule == "commitment"]
    assert violations and "return_north falls due on day 7" in violations[0].message


def test_extension_rule() -> None:
    a = load_agreement(EXAMPLES / "exchange-2023")[0]
    plan = plan_exchange(a)
    bad = edit(
        plan,
        5,
        lambda d: releases(
            d, lambda r: r.model_copy(update={"count": r.count - 1 if r.side == "hamas" else r.count - 3})
        ),
    )
    assert "extension" in rules_broken(a, bad)


def test_wrong_side_is_malformed(a2025: Agreement, plan2025: Plan) -> None:
    bad = edit(
        plan2025,
        1,
        lambda d: releases(
            d, lambda r: r.model_copy(update={"side": "israel"}) if r.category == "civilian_women" else r
        ),
    )
    assert rules_broken(a2025, bad) == {"plan"}
