"""Contested readings of a proposal: validation locates every mistake, and each reading's terms
overlay the text's without passing down to the proposal's children."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml
from typer.testing import CliRunner

from truce.cli import app
from truce.io.scenario_files import load_scenario
from truce.model.checks import build_scenario

ROOT = Path(__file__).resolve().parent.parent
LABOUR = ROOT / "examples" / "labour-2025"
runner = CliRunner()


def labour() -> dict[str, Any]:
    data = yaml.safe_load((LABOUR / "scenario.yaml").read_text())
    assert isinstance(data, dict)
    return data


def proposal(data: dict[str, Any], pid: str) -> dict[str, Any]:
    found = next(p for p in data["proposals"] if p["id"] == pid)
    assert isinstance(found, dict)
    return found


def test_reading_terms_overlay_the_text_and_children_inherit_the_text() -> None:
    s = load_scenario(LABOUR)
    tabled = s.terms_of("mediator-package")
    union = s.terms_of("mediator-package", "union-mar07")
    assert union == {**tabled, "weekend_premium": "fifteen_percent"}
    assert tabled["weekend_premium"] == "ten_percent"
    data = labour()
    data["proposals"].append(
        {
            "id": "amended",
            "title": "Amended package",
            "tabled_by": ["mediator"],
            "date": "2025-03-08",
            "parent": "mediator-package",
            "terms": {"contract_length": "two_years"},
            "readings": [{"id": "own", "by": "union", "terms": {"pension": "unchanged"}}],
        }
    )
    s = build_scenario(data)
    # a child inherits the text as tabled, not any reading of it
    assert s.terms_of("amended") == {**tabled, "contract_length": "two_years"}
    assert s.terms_of("amended", "own") == {**tabled, "contract_length": "two_years", "pension": "unchanged"}


def test_every_mistake_in_a_reading_is_located(tmp_path: Path) -> None:
    data = labour()
    proposal(data, "mediator-package")["readings"] = [
        {"id": "r1", "by": "nobody", "terms": {"staffing": "robots"}},
        {"id": "r1", "by": "union", "terms": {"wages": 2}, "sources": ["nowhere"]},
        {"id": "r2", "by": "authority", "terms": {"wage_increase": 2.1}},
    ]
    path = tmp_path / "scenario.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    result = runner.invoke(app, ["validate", str(path)])
    assert result.exit_code == 2, result.output
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    for line in lines:
        assert re.match(r"^.+:\d+:\d+: \S", line), line
    text = "\n".join(lines)
    assert "unknown party or source 'nobody'" in text
    assert "unknown option 'robots' of staffing" in text
    assert "duplicate reading id 'r1'" in text
    assert "unknown issue 'wages'" in text
    assert "unknown source 'nowhere'" in text
    assert "2.1 is not a value of wage_increase" in text
    assert len(lines) == 6


def test_a_source_may_hold_a_reading(tmp_path: Path) -> None:
    data = labour()
    data["sources"] = {"paper": {"title": "Harbourton Gazette (fictional)"}}
    proposal(data, "mediator-package")["readings"] = [{"id": "press", "by": "paper", "terms": {"pension": "unchanged"}}]
    path = tmp_path / "scenario.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    result = runner.invoke(app, ["validate", str(path)])
    assert result.exit_code == 0, result.output
