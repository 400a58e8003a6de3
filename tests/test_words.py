"""Words people read: numbers with their units, labels rather than ids in every verb's text, and the JSON's
utilities rounded to 6 decimals as docs/json.md promises."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from cli_runner import invoke_json, runner
from truce.cli import app
from truce.io.scenario_files import load_any
from truce.model.scenario import with_unit

ROOT = Path(__file__).resolve().parent.parent
GAZA = ROOT / "examples" / "gaza-2024"


@pytest.mark.parametrize(
    ("unit", "said"),
    [
        ("trucks/day", "600 trucks a day"),
        ("people/hour", "600 people an hour"),
        ("day {n} of phase 1", "day 600 of phase 1"),
        ("km/h", "600 km/h"),
        ("thousand EUR", "600 thousand EUR"),
        ("% a year", "600% a year"),
        ("%/year", "600% a year"),
        (None, "600"),
    ],
)
def test_a_number_reads_with_its_unit(unit: str | None, said: str) -> None:
    assert with_unit("600", unit) == said


def test_gaza_numbers_read_naturally() -> None:
    s = load_any(GAZA)
    assert s.issue("aid_trucks").label(600) == "600 trucks a day"
    assert s.issue("phase2_talks").label(16) == "day 16 of phase 1"


def _ids(path: Path) -> set[str]:
    """The ids of a scenario's issues and options that no reader would take for words (they hold a "_")."""
    s = load_any(path)
    words = " ".join([i.name for i in s.issues] + [o.label for i in s.issues for o in i.options])
    ids = {i.id for i in s.issues} | {o.id for i in s.issues for o in i.options}
    return {x for x in ids if "_" in x and x not in words}


def _text(*args: str) -> str:
    # A wide terminal, so that no id is broken across lines and missed.
    result = runner.invoke(app, list(args), env={"COLUMNS": "400"})
    assert result.exit_code == 0, (result.output, result.exception)
    return result.stdout


VERBS = {
    "analyze": ("analyze", str(GAZA)),
    "frontier": ("frontier", str(GAZA), "--parties", "israel,hamas"),
    "trades": ("trades", str(GAZA), "--from", "aug16-bridging", "--parties", "israel,hamas", "--limit", "5"),
    "bridge": ("bridge", str(GAZA), "--from", "aug16-bridging"),
    "simulate": ("simulate", str(GAZA), "--strategies", "boulware,conceder", "--runs", "30", "--seed", "3"),
    "tournament": ("tournament", str(GAZA), "--strategies", "boulware,linear", "--seeds", "1", "--workers", "1"),
}


@pytest.mark.parametrize("verb", list(VERBS))
def test_text_output_names_issues_and_terms_not_ids(verb: str) -> None:
    text = _text(*VERBS[verb])
    found = {x for x in _ids(GAZA) if re.search(rf"\b{re.escape(x)}\b", text)}
    assert not found, f"{verb} prints ids: {sorted(found)}"
    if verb in ("frontier", "simulate"):
        assert "Philadelphi Corridor (Gaza-Egypt border strip)" in text
        assert "trucks a day" in text


def test_trades_text_says_from_what_to_what_and_whether_acceptable() -> None:
    text = " ".join(_text(*VERBS["trades"]).split())
    assert re.search(r'concedes on [^,]+(\([^)]*\))?, from "[^"]+" to "[^"]+"; in exchange, ', text)
    assert "The result is " in text and ("acceptable to Hamas" in text or "not acceptable to Hamas" in text)


def _floats(data: Any, path: str = "") -> list[tuple[str, float]]:
    if isinstance(data, float):
        return [(path, data)]
    if isinstance(data, dict):
        return [f for k, v in data.items() for f in _floats(v, f"{path}.{k}")]
    if isinstance(data, list):
        return [f for v in data for f in _floats(v, f"{path}[]")]
    return []


JSON_VERBS = {
    "analyze": ("analyze", str(GAZA)),
    "diff": ("diff", str(GAZA), "may31-framework", "aug16-bridging"),
    "frontier": ("frontier", str(GAZA), "--parties", "israel,hamas"),
    "trades": VERBS["trades"],
    "bridge": VERBS["bridge"],
    "simulate": VERBS["simulate"],
    "tournament": VERBS["tournament"],
    "fair-divide": ("fair-divide", str(ROOT / "examples" / "points.csv")),
}


@pytest.mark.parametrize("verb", list(JSON_VERBS))
def test_json_numbers_have_at_most_six_decimals(verb: str) -> None:
    out = invoke_json(*JSON_VERBS[verb])
    # The ZOPA's share is a ratio of two exact counts (both given), not a utility.
    loose = [(p, x) for p, x in _floats(out) if p != ".zopa.share" and round(x, 6) != x]
    assert not loose, loose[:5]
