"""truce: a mediation engine for multi-party, multi-issue negotiations.

The public API is what ``__all__`` lists; everything else is private to the package and may change.
"""

from __future__ import annotations

from pathlib import Path

from truce.analysis.bargaining import Bargaining, bargaining
from truce.analysis.bridge import BridgeResult, bridge, bridge_proposal
from truce.analysis.diff import Change, diff
from truce.analysis.fair_division import Allocation, adjusted_winner
from truce.analysis.fragility import Fragility, fragility
from truce.analysis.frontier import Frontier, pareto_frontier
from truce.analysis.overview import Overview, overview, overview_json
from truce.analysis.solutions import CONCEPTS, Solution, solve_all
from truce.analysis.standing import Standing, Verdict, standings
from truce.analysis.sticking import StickingPoint, sticking_points
from truce.analysis.trades import Trade, trades
from truce.analysis.zopa import Zopa, zopa
from truce.errors import InputError, Problem
from truce.io.genius import export_genius, import_genius, load_any
from truce.io.scenario_files import load_scenario
from truce.model.checks import build_scenario
from truce.model.compiled import Compiled, compile_scenario
from truce.model.scenario import Issue, Party, Preferences, Proposal, Scenario

__version__ = "0.1.0"


def analyze_file(path: str | Path) -> Overview:
    """Load a scenario file or folder and analyse every proposal in it."""
    return overview(load_scenario(path))


__all__ = [
    "CONCEPTS",
    "Allocation",
    "Bargaining",
    "BridgeResult",
    "Change",
    "Compiled",
    "Fragility",
    "Frontier",
    "InputError",
    "Issue",
    "Overview",
    "Party",
    "Preferences",
    "Problem",
    "Proposal",
    "Scenario",
    "Solution",
    "Standing",
    "StickingPoint",
    "Trade",
    "Verdict",
    "Zopa",
    "adjusted_winner",
    "analyze_file",
    "bargaining",
    "bridge",
    "bridge_proposal",
    "build_scenario",
    "compile_scenario",
    "diff",
    "export_genius",
    "fragility",
    "import_genius",
    "load_any",
    "load_scenario",
    "overview",
    "overview_json",
    "pareto_frontier",
    "solve_all",
    "standings",
    "sticking_points",
    "trades",
    "zopa",
]
