from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from truce.errors import InputError
from truce.exchange import Agreement, Objective, build_agreement, plan_exchange
from truce.exchange.checker import check_plan
from truce.exchange.ledger import keep_ledger
from truce.io.agreement_files import load_agreement
from truce.model.exchange import Event

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


@pytest.fixture(scope="module")
def a2025() -> Agreement:
    return load_agreement(EXAMPLES / "exchange-2025")[0]


def _day(plan: Any, n: int) -> dict[tuple[str, str], int]:
    out: dict[tuple[str, str], int] = {}
    for d in plan.days:
        if d.day == n:
            for r in d.releases:
                out[r.side, r.category] = out.get((r.side, r.category), 0) + r.count
    return out


@pytest.mark.parametrize("objective", list(Objective))
def test_2025_plans_and_meets_every_rule(a2025: Agreement, objective: Objective) -> None:
    plan = plan_exchange(a2025, objective)
    assert check_plan(a2025, plan) == []
    released = plan.released("hamas")
    assert sum(sum(v.values()) for d, v in released.items() if d <= 42) == 33
    assert max(released) <= 42


def test_2025_day_one_is_three_civilian_women_for_ninety(a2025: Agreement) -> None:
    plan = plan_exchange(a2025, Objective.earliest)
    day1 = _day(plan, 1)
    assert day1["hamas", "civilian_women"] == 3
    # 90 under the key, and the block of all women and minors spread over the exchange days from day 1
    block = sum(r.count for d in plan.days if d.day == 1 for r in d.releases if r.settles == ("block_women_minors",))
    assert day1["israel", "women_minors"] == 90 + block
    keyed = sum(r.count for d in plan.days if d.day == 1 for r in d.releases if r.settles == ("key_civilian",))
    assert keyed == 3 + 90
    assert plan.objective_value == 36.0  # the remainder goes out on the first day of week 6


def test_2025_commitments_fall_due(a2025: Agreement) -> None:
    plan = plan_exchange(a2025)
    due = {cid: d.day for d in plan.days for cid in d.commitments}
    assert due["return_north"] == 7
    assert due["netzarim_withdrawal"] == 22
    assert due["philadelphi_withdrawal"] == 42


def test_2023_extension_adds_a_day_per_ten() -> None:
    a = load_agreement(EXAMPLES / "exchange-2023")[0]
    plan = plan_exchange(a)
    counts = [sum(r.count for r in d.releases if r.side == "hamas") for d in plan.days]
    prisoners = [sum(r.count for r in d.releases if r.side == "israel") for d in plan.days]
    assert counts == [13, 13, 13, 11, 10, 10, 10]
    assert sum(prisoners) == 240
    assert check_plan(a, plan) == []


def _base(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": "t",
        "title": "test",
        "days": 10,
        "sides": [
            {"id": "a", "name": "A", "categories": [{"id": "c1", "count": 4}, {"id": "c2", "count": 2}]},
            {"id": "b", "name": "B", "categories": [{"id": "p1", "count": 100}, {"id": "p2", "count": 50}]},
        ],
        "cadence": {"side": "a", "batches": [{"day": 1, "count": 2}, {"from_day": 5, "to_day": 10, "remainder": True}]},
        "keys": [
            {"id": "k1", "category": "c1", "per_person": {"p1": 10}},
            {"id": "k2", "category": "c2", "per_person": {"p1": 5, "p2": 5}},
        ],
    }
    data.update(changes)
    return data


def _conflict(data: dict[str, Any]) -> str:
    with pytest.raises(InputError) as err:
        plan_exchange(build_agreement(data))
    return "\n".join(p.message for p in err.value.problems)


def test_cadence_that_cannot_fit_names_the_rules() -> None:
    batches = [{"day": 1, "count": 5}, {"day": 2, "count": 3}]
    text = _conflict(_base(cadence={"side": "a", "batches": batches}))
    assert "cadence batch 1: 5 on day 1" in text
    assert "cadence batch 2: 3 on day 2" in text
    assert "side a's lists (6 people)" in text


def test_keys_exceeding_prisoner_lists_are_named() -> None:
    data = _base()
    data["sides"][1]["categories"][0]["count"] = 30  # the keys need 4*10 + 2*5 = 50
    text = _conflict(data)
    assert "side b's list of p1 (30 people)" in text
    assert "key k1" in text
    assert "everyone on side a's lists is released" in text
    assert "cadence" not in text  # not part of the minimal set


def test_conflicts_carry_paths_for_location() -> None:
    data = _base()
    data["sides"][1]["categories"][0]["count"] = 30
    with pytest.raises(InputError) as err:
        plan_exchange(build_agreement(data))
    paths = {p.path for p in err.value.problems}
    assert ("sides", 1, "categories", 0, "count") in paths
    assert ("keys", 0) in paths
    # everyone released by the last day is put at `days`, not at the first cadence batch, which it is not
    assert ("days",) in paths and ("cadence", "batches") not in paths


@st.composite
def agreements(draw: st.DrawFn) -> dict[str, Any]:
    n_cats = draw(st.integers(1, 3))
    cats = [
        {"id": f"c{i}", "count": draw(st.integers(0, 6)), "priority": draw(st.integers(0, 3))} for i in range(n_cats)
    ]
    prisoners = [{"id": f"p{i}", "count": draw(st.integers(0, 80))} for i in range(2)]
    days = draw(st.integers(3, 12))
    keys = []
    for i, c in enumerate(cats):
        kind = draw(st.sampled_from(["per_person", "in_total", "with_last", None]))
        if kind:
            keys.append(
                {"id": f"k{i}", "category": c["id"], kind: {f"p{draw(st.integers(0, 1))}": draw(st.integers(1, 12))}}
            )
    first = draw(st.integers(0, 4))
    batches: list[dict[str, Any]] = [{"day": 1, "count": first}, {"from_day": 2, "to_day": days, "remainder": True}]
    data: dict[str, Any] = {
        "id": "r",
        "title": "random",
        "days": days,
        "sides": [{"id": "a", "name": "A", "categories": cats}, {"id": "b", "name": "B", "categories": prisoners}],
        "cadence": {"side": "a", "batches": batches},
        "keys": keys,
    }
    if draw(st.booleans()):
        data["cadence"]["order"] = [[c["id"]] for c in cats]
    if draw(st.booleans()):
        data["blocks"] = [{"id": "b0", "category": "p1", "count": draw(st.integers(0, 10)), "by_day": days}]
    if draw(st.booleans()):
        data["capacities"] = [{"side": "a", "max_per_day": draw(st.integers(1, 5))}]
    if draw(st.booleans()):
        data["exposure_limit"] = draw(st.sampled_from([0.3, 0.5, 1.0]))
    return data


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(agreements(), st.sampled_from(list(Objective)))
def test_any_plan_the_planner_returns_passes_the_checker(data: dict[str, Any], objective: Objective) -> None:
    a = build_agreement(data)
    try:
        plan = plan_exchange(a, objective)
    except InputError as err:
        assert "these rules conflict" in err.problems[0].message
        return
    assert check_plan(a, plan) == []


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(agreements())
def test_a_plan_carried_out_exactly_leaves_a_clean_ledger(data: dict[str, Any]) -> None:
    a = build_agreement(data)
    try:
        plan = plan_exchange(a)
    except InputError:
        return
    events = [Event(d.day, r.side, r.category, r.count) for d in plan.days for r in d.releases if r.count]
    events += [Event(d.day, a.batch_side.id, None, 0, (), cid) for d in plan.days for cid in d.commitments]
    ledger = keep_ledger(a, events, through=a.horizon)
    assert ledger.deviations() == []
    assert all(not items for items in ledger.owed.values())


def test_vetoes_shrink_the_lists() -> None:
    data = _base(vetoes=[{"side": "b", "category": "p1", "count": 60, "note": "vetoed"}])
    text = _conflict(data)  # 100 - 60 = 40 left; the keys need 50
    assert "side b's list of p1" in text
    data = _base(vetoes=[{"side": "b", "category": "p1", "count": 40}])
    a = build_agreement(data)
    assert check_plan(a, plan_exchange(a)) == []
