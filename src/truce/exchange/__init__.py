"""Exchange agreements: plan a feasible, fair schedule of releases, check plans, keep the ledger.

Plain functions over validated objects; nothing here reads files or prints.
"""

from __future__ import annotations

from truce.exchange.agreement import Agreement, build_agreement, check_agreement
from truce.exchange.plan import Plan, PlanDay, Release
from truce.exchange.planner import Objective, plan_exchange

__all__ = [
    "Agreement",
    "Objective",
    "Plan",
    "PlanDay",
    "Release",
    "build_agreement",
    "check_agreement",
    "plan_exchange",
]
