"""Exchange agreements: plan a feasible, fair schedule of releases, check plans, keep the ledger.

Plain functions over validated objects; nothing here reads files or prints.
"""

from __future__ import annotations

from truce.exchange.checker import check_plan
from truce.exchange.ledger import Ledger, keep_ledger, ledger_to_data
from truce.exchange.lists import assign_identifiers, synthetic_lists
from truce.exchange.plan import plan_to_data
from truce.exchange.planner import Objective, plan_exchange
from truce.exchange.rules.base import Deviation, DeviationKind, RuleKind, Violation
from truce.model.exchange import Agreement, Event, Person, Plan, PlanDay, Release, build_agreement, check_agreement

__all__ = [
    "Agreement",
    "Deviation",
    "DeviationKind",
    "Event",
    "Ledger",
    "Objective",
    "Person",
    "Plan",
    "PlanDay",
    "Release",
    "RuleKind",
    "Violation",
    "assign_identifiers",
    "build_agreement",
    "check_agreement",
    "check_plan",
    "keep_ledger",
    "ledger_to_data",
    "plan_exchange",
    "plan_to_data",
    "synthetic_lists",
]
