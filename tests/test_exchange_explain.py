"""Plans people can follow: the objective in words, blocks spread by the stated rule, the binding rules."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from truce.exchange import Objective, build_agreement, plan_exchange
from truce.exchange.checker import check_plan
from truce.exchange.spread import SPREAD_RULE
from truce.io.agreement_files import load_agreement
from truce.model.exchange import Agreement, Plan

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "exchange-2025"


@pytest.fixture(scope="module")
def a2025() -> Agreement:
    return load_agreement(EXAMPLE)[0]


def _block_days(plan: Plan, block: str) -> dict[int, int]:
    out: dict[int, int] = {}
    for d in plan.days:
        for r in d.releases:
            if r.settles == (block,):
                out[d.day] = out.get(d.day, 0) + r.count
    return out


def test_2025_blocks_are_spread_evenly_over_the_exchange_days(a2025: Agreement) -> None:
    plan = plan_exchange(a2025, Objective.earliest)
    gaza = _block_days(plan, "block_gaza_1000")
    exchange_days = sorted(d.day for d in plan.days if any(r.side == "hamas" for r in d.releases))
    assert sorted(gaza) == exchange_days  # one share on every day the captives' side releases anyone
    assert sum(gaza.values()) == 1000 and max(gaza.values()) - min(gaza.values()) <= 1
    assert max(gaza.values()) < 440  # no lump
    assert check_plan(a2025, plan) == []


def test_2025_earliest_is_explained_in_words(a2025: Agreement) -> None:
    plan = plan_exchange(a2025, Objective.earliest)
    text = " ".join(plan.explanation)
    assert "Its value, 36, is that day: day 36 (2025-02-23)" in text
    assert "cadence batch 7 (the remainder on days 36-42), on its first day" in text
    assert SPREAD_RULE in text
    assert "binding" in text and "cadence batch 7" in " ".join(plan.binding)


def _small(**extra: Any) -> Agreement:
    return build_agreement(
        {
            "id": "small",
            "title": "small",
            "days": 10,
            "sides": [
                {"id": "a", "name": "A", "categories": [{"id": "c", "count": 4}]},
                {"id": "b", "name": "B", "categories": [{"id": "p", "count": 40}, {"id": "q", "count": 90}]},
            ],
            "cadence": {"side": "a", "batches": [{"day": 1, "count": 2}, {"day": 9, "count": 2}]},
            "keys": [{"id": "k", "category": "c", "per_person": {"p": 10}}],
            "blocks": [{"id": "blk", "category": "q", "count": 90, "from_day": 1, "by_day": 10}],
            **extra,
        }
    )


def test_a_capacity_at_its_limit_is_named_as_binding() -> None:
    a = _small(capacities=[{"side": "b", "max_per_day": 65}])  # 20 under the key and 45 of the block a day
    plan = plan_exchange(a, Objective.earliest)
    assert _block_days(plan, "blk") == {1: 45, 9: 45}
    assert any(label.startswith("capacity") for label in plan.binding)
    roomy = plan_exchange(_small(capacities=[{"side": "b", "max_per_day": 80}]), Objective.earliest)
    assert not any(label.startswith("capacity") for label in roomy.binding)
    assert check_plan(a, plan) == []


def test_spreading_follows_the_rule_when_nothing_stops_it() -> None:
    plan = plan_exchange(_small(), Objective.earliest)
    assert _block_days(plan, "blk") == {1: 45, 9: 45}
    assert plan.objective_value == 9.0


@pytest.mark.parametrize("objective", list(Objective))
def test_the_spreading_stage_keeps_the_objective_value(objective: Objective) -> None:
    a = _small(exposure_limit=0.6)
    plan = plan_exchange(a, objective)
    assert check_plan(a, plan) == []
    assert plan.explanation[0].startswith(f"Objective `{objective.value}`")


def test_a_release_after_the_objectives_day_is_explained() -> None:
    a = _small(blocks=[{"id": "late", "category": "q", "count": 60, "from_day": 10, "by_day": 10}])
    plan = plan_exchange(a, Objective.earliest)
    assert plan.objective_value == 9.0
    text = " ".join(plan.explanation)
    assert "release of 60 on day 10, after that day, remains because it settles late" in text


def test_an_extension_day_is_explained() -> None:
    a = build_agreement(
        {
            "id": "ext",
            "title": "ext",
            "days": 2,
            "sides": [
                {"id": "a", "name": "A", "categories": [{"id": "c", "count": 30}]},
                {"id": "b", "name": "B", "categories": [{"id": "p", "count": 90}]},
            ],
            "cadence": {"side": "a", "batches": [{"day": 1, "count": 10}, {"day": 2, "count": 10}]},
            "extension": {"after_day": 2, "per_day": 10, "max_days": 3},
            "keys": [{"id": "k", "category": "c", "per_person": {"p": 3}}],
        }
    )
    plan = plan_exchange(a, Objective.earliest)
    assert plan.objective_value == 3.0
    assert "is day 1 of the extension" in " ".join(plan.explanation)
