"""Exchange planner at scale: 250 captives, 10,000 prisoners, 3 phases of 42 days, 20 categories."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from truce.exchange import Objective, build_agreement, plan_exchange
from truce.exchange.checker import check_plan

PHASES = 3
PHASE_DAYS = 42
CAPTIVE_CATEGORIES = 10
PRISONER_CATEGORIES = 10
PRISONERS = 10_000


def synthetic_agreement() -> dict[str, Any]:
    """A large synthetic agreement (no real people or figures): every kind of rule at once."""
    days = PHASES * PHASE_DAYS
    captives = [{"id": f"c{i}", "count": 25, "priority": i % 4} for i in range(CAPTIVE_CATEGORIES)]
    keys = []
    for i in range(CAPTIVE_CATEGORIES):
        p, q = f"p{i % 5}", f"p{(i % 5) + 5}"
        if i % 3 == 2:
            keys.append({"id": f"k{i}", "category": f"c{i}", "in_total": {p: 420}})
        else:
            keys.append({"id": f"k{i}", "category": f"c{i}", "per_person": {p: 8, q: 12}})
    need: dict[str, int] = {}
    for k in keys:
        for part in ("per_person", "in_total"):
            for cat, n in k.get(part, {}).items():
                need[cat] = need.get(cat, 0) + (n * 25 if part == "per_person" else n)
    blocks = []
    for j in range(PRISONER_CATEGORIES):
        size = 200 if j < 5 else 150
        for phase in range(PHASES):
            blocks.append(
                {
                    "id": f"b{j}_{phase}",
                    "category": f"p{j}",
                    "count": size,
                    "from_day": phase * PHASE_DAYS + 1,
                    "by_day": (phase + 1) * PHASE_DAYS,
                }
            )
            need[f"p{j}"] = need.get(f"p{j}", 0) + size
    surplus = sum(need.values()) - PRISONERS
    blocks[-1]["count"] -= surplus
    need[blocks[-1]["category"]] -= surplus
    prisoners = [{"id": f"p{j}", "count": need[f"p{j}"]} for j in range(PRISONER_CATEGORIES)]
    batches: list[dict[str, Any]] = []
    for phase in range(PHASES):
        start = phase * PHASE_DAYS
        batches += [{"day": start + d, "count": 12} for d in (1, 8, 15, 22, 29)]
        last = {"from_day": start + 36, "to_day": start + PHASE_DAYS}
        if phase == PHASES - 1:
            batches.append({**last, "remainder": True})
        else:
            batches.append({**last, "count": 23})
    return {
        "id": "bench",
        "title": "synthetic benchmark agreement",
        "days": days,
        "sides": [
            {"id": "a", "name": "side A", "categories": captives},
            {"id": "b", "name": "side B", "categories": prisoners},
        ],
        "cadence": {
            "side": "a",
            "batches": batches,
            "order": [["c0", "c1"], ["c2", "c3", "c4"], [f"c{i}" for i in range(5, CAPTIVE_CATEGORIES)]],
        },
        "keys": keys,
        "blocks": blocks,
        "capacities": [{"side": "b", "max_per_day": 1200}],
        "exposure_limit": 0.3,
        "commitments": [{"id": f"w{n}", "day": 7 * n, "text": "withdrawal step"} for n in range(1, 18)],
    }


# The optimal values found before the planner's program was tightened (tests/test_exchange_bench.py).
GOLDEN = Path(__file__).resolve().parent.parent / "tests" / "golden" / "exchange_bench_objectives.json"


def run() -> None:
    agreement = build_agreement(synthetic_agreement())
    captives = sum(c.count for c in agreement.sides[0].categories)
    prisoners = sum(c.count for c in agreement.sides[1].categories)
    golden = json.loads(GOLDEN.read_text()) if GOLDEN.is_file() else {}
    print(f"exchange planner: {captives} captives, {prisoners:,} prisoners, {agreement.days} days, 20 categories")
    print(f"{'objective':<10} {'seconds':>8} {'cpu s':>8} {'value':>12} {'before':>12} {'checker':>8}")
    for objective in Objective:
        start, cpu = time.perf_counter(), time.process_time()
        plan = plan_exchange(agreement, objective)
        seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
        ok = "ok" if not check_plan(agreement, plan) else "FAILED"
        before = golden.get(objective.value, float("nan"))
        print(
            f"{objective.value:<10} {seconds:>8.2f} {cpu:>8.2f} {plan.objective_value:>12.4f} {before:>12.4f} {ok:>8}"
        )


if __name__ == "__main__":
    run()
