"""truce: a mediation engine for multi-party, multi-issue negotiations.

The public API is what ``__all__`` lists; everything else is private to the package and may change.
Its names load on first use, so that ``import truce`` (and every ``truce`` command) pays only for what it
uses: the analyses, scipy's solvers, the service and the reports load when something asks for them.
"""

from __future__ import annotations

import typing

if typing.TYPE_CHECKING:
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
    from truce.io.genius import export_genius, import_genius
    from truce.io.scenario_files import load_any, load_scenario
    from truce.model.checks import build_scenario
    from truce.model.compiled import Compiled, compile_scenario
    from truce.model.scenario import Issue, Party, Preferences, Proposal, Scenario

__version__ = "0.1.0"

# where each public name lives, for __getattr__
_WHERE = {
    "Bargaining": "truce.analysis.bargaining",
    "bargaining": "truce.analysis.bargaining",
    "BridgeResult": "truce.analysis.bridge",
    "bridge": "truce.analysis.bridge",
    "bridge_proposal": "truce.analysis.bridge",
    "Change": "truce.analysis.diff",
    "diff": "truce.analysis.diff",
    "Allocation": "truce.analysis.fair_division",
    "adjusted_winner": "truce.analysis.fair_division",
    "Fragility": "truce.analysis.fragility",
    "fragility": "truce.analysis.fragility",
    "Frontier": "truce.analysis.frontier",
    "pareto_frontier": "truce.analysis.frontier",
    "Overview": "truce.analysis.overview",
    "overview": "truce.analysis.overview",
    "overview_json": "truce.analysis.overview",
    "CONCEPTS": "truce.analysis.solutions",
    "Solution": "truce.analysis.solutions",
    "solve_all": "truce.analysis.solutions",
    "Standing": "truce.analysis.standing",
    "Verdict": "truce.analysis.standing",
    "standings": "truce.analysis.standing",
    "StickingPoint": "truce.analysis.sticking",
    "sticking_points": "truce.analysis.sticking",
    "Trade": "truce.analysis.trades",
    "trades": "truce.analysis.trades",
    "Zopa": "truce.analysis.zopa",
    "zopa": "truce.analysis.zopa",
    "InputError": "truce.errors",
    "Problem": "truce.errors",
    "export_genius": "truce.io.genius",
    "import_genius": "truce.io.genius",
    "load_any": "truce.io.scenario_files",
    "load_scenario": "truce.io.scenario_files",
    "build_scenario": "truce.model.checks",
    "Compiled": "truce.model.compiled",
    "compile_scenario": "truce.model.compiled",
    "Issue": "truce.model.scenario",
    "Party": "truce.model.scenario",
    "Preferences": "truce.model.scenario",
    "Proposal": "truce.model.scenario",
    "Scenario": "truce.model.scenario",
}


def analyze_file(path: str | Path) -> Overview:
    """Load a scenario file or folder and analyse every proposal in it."""
    from truce.analysis.overview import overview
    from truce.io.scenario_files import load_scenario

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


def __getattr__(name: str) -> object:
    """A public name, imported from its module on first use (PEP 562)."""
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'truce' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_WHERE})
