"""The exchange benchmark's optimal values stay what they were before the planner was made faster.

``golden/exchange_bench_objectives.json`` holds the values the planner found on the benchmark agreement
(250 captives, 10,000 prisoners, 126 days) before its formulation was tightened. A faster formulation
must find plans as good: the same last day, the same priority sum (within the solver's relative gap of
1e-3, the tolerance the planner asks of HiGHS) and the same largest exposure.
"""

from __future__ import annotations

import importlib
import json
from pathlib import Path

import pytest

from truce.exchange import Agreement, Objective, build_agreement, plan_exchange
from truce.exchange.checker import check_plan

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = json.loads((ROOT / "tests" / "golden" / "exchange_bench_objectives.json").read_text())


@pytest.fixture(scope="module")
def bench_agreement() -> Agreement:
    # benchmarks/ is not an installed package; pytest puts the checkout on the path (pyproject.toml)
    module = importlib.import_module("benchmarks.bench_exchange")
    return build_agreement(module.synthetic_agreement())


@pytest.mark.parametrize("objective", list(Objective))
def test_benchmark_objective_values_are_unchanged(bench_agreement: Agreement, objective: Objective) -> None:
    plan = plan_exchange(bench_agreement, objective)
    assert check_plan(bench_agreement, plan) == []
    assert plan.objective_value == pytest.approx(GOLDEN[objective.value], rel=1e-3, abs=1e-6)
    if objective is not Objective.priority:
        assert plan.objective_value == pytest.approx(GOLDEN[objective.value], abs=1e-6)
