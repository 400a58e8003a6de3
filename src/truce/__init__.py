"""truce: a mediation engine for multi-party, multi-issue negotiations.

The public API is what ``__all__`` lists; everything else is private to the package and may change.
"""

from __future__ import annotations

from pathlib import Path

from truce.analysis.diff import Change, diff
from truce.analysis.overview import Overview, overview, overview_json
from truce.analysis.standing import Standing, Verdict, standings
from truce.analysis.sticking import StickingPoint, sticking_points
from truce.errors import InputError, Problem
from truce.io.scenario_files import load_scenario
from truce.model.checks import build_scenario
from truce.model.compiled import Compiled, compile_scenario
from truce.model.scenario import Issue, Party, Preferences, Proposal, Scenario

__version__ = "0.1.0"


def analyze_file(path: str | Path) -> Overview:
    """Load a scenario file or folder and analyse every proposal in it."""
    return overview(load_scenario(path))


__all__ = [
    "Change",
    "Compiled",
    "InputError",
    "Issue",
    "Overview",
    "Party",
    "Preferences",
    "Problem",
    "Proposal",
    "Scenario",
    "Standing",
    "StickingPoint",
    "Verdict",
    "analyze_file",
    "build_scenario",
    "compile_scenario",
    "diff",
    "load_scenario",
    "overview",
    "overview_json",
    "standings",
    "sticking_points",
]
