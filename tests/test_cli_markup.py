"""The terminal prints the talks' words as written, never as markup: every verb that prints a scenario's or an
agreement's words is run on inputs whose every name, title, label and note holds "[/x]" (markup that closes
nothing: it ended the verbs in a traceback) and "[bold]" (it was obeyed, and vanished from the output)."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML
from typer.testing import CliRunner

from truce.cli import app
from truce.io.scenario_files import load_scenario, scenario_to_data

ROOT = Path(__file__).resolve().parent.parent
MARK = " [/x] [bold]"
# the fields that hold words (ids, dates and enumerations stay as they are)
WORDS = {"title", "name", "label", "description", "summary", "outcome", "quote", "note", "notes", "basis", "unit"}
SCENARIO_WORDS = WORDS | {"publisher", "assumptions", "delay_note", "deadline_basis", "venue", "reported_by", "aliases"}
AGREEMENT_WORDS = WORDS | {"text", "source"}  # a scenario's ``source`` is an id, an agreement's is words


def marked(data: Any, words: set[str], key: str | None = None) -> Any:
    """``data`` with MARK after every string of a field that holds words."""
    if isinstance(data, dict):
        return {k: marked(v, words, k) for k, v in data.items()}
    if isinstance(data, list):
        return [marked(v, words, key) for v in data]
    if isinstance(data, str) and key in words:
        return data + MARK
    return data


class Inputs:
    """Marked copies of the shipped cases, in a folder whose own name is markup (paths are printed too)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        for name in ("gaza-2024", "labour-2025"):
            data = marked(scenario_to_data(load_scenario(ROOT / "examples" / name)), SCENARIO_WORDS)
            (root / f"{name}.json").write_text(json.dumps(data, default=str), encoding="utf-8")
        yaml = YAML()
        agreement = marked(yaml.load(ROOT / "examples" / "exchange-2025" / "agreement.yaml"), AGREEMENT_WORDS)
        (root / "exchange").mkdir()
        with (root / "exchange" / "agreement.yaml").open("w", encoding="utf-8") as handle:
            yaml.dump(agreement, handle)
        shutil.copy(ROOT / "examples" / "exchange-2025" / "release-log.csv", root / "exchange")
        (root / "genius").mkdir()
        for xml in (ROOT / "tests" / "data" / "genius" / "harbour").glob("*.xml"):
            text = xml.read_text(encoding="utf-8")
            for word in ("Berth fee", "Cranes", "Season", "Summer", "Winter"):
                text = text.replace(f'"{word}"', f'"{word}{MARK}"')
            (root / "genius" / xml.name).write_text(text, encoding="utf-8")
        points = (ROOT / "examples" / "points.csv").read_text(encoding="utf-8")
        (root / "points.csv").write_text(points.replace("water rights", f"water rights{MARK}"), encoding="utf-8")
        report = (ROOT / "tests" / "data" / "reports" / "gaza-2024-08-18.txt").read_text(encoding="utf-8")
        (root / "report.txt").write_text(report.replace("still work", f"still{MARK} work"), encoding="utf-8")
        self.gaza, self.labour = str(root / "gaza-2024.json"), str(root / "labour-2025.json")
        self.exchange, self.genius, self.report = str(root / "exchange"), str(root / "genius"), str(root / "report.txt")


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> Inputs:
    root = tmp_path_factory.mktemp("talks") / f"talks{MARK}"  # the "/" of "[/x]" makes it two folders
    root.mkdir(parents=True)
    return Inputs(root)


GAZA_TITLE = "Gaza ceasefire and hostage/prisoner exchange talks (May 2024 - January 2025)"
HAMAS, ISRAEL, RAFAH = f"Hamas{MARK}", f"Israel (government){MARK}", f"Rafah crossing{MARK}"
AUG16 = f"US bridging proposal, with Egyptian and Qatari support{MARK}"
AGREEMENT = f"January 2025 agreement, phase one: 33 captives for prisoners and detainees, 42 days{MARK}"
# each verb: its arguments, given the inputs and a folder to write into, and words it must print as written
VERBS: dict[str, tuple[Callable[[Inputs, Path], list[str]], list[str]]] = {
    "validate": (lambda i, out: ["validate", i.gaza], [f"talks{MARK}/gaza-2024.json: ok"]),
    "analyze": (
        lambda i, out: ["analyze", i.gaza],
        [
            f"{GAZA_TITLE}{MARK}  (gaza-2024)",
            "Assumptions: Everything under",
            f"gap: End of the war (ceasefire permanence){MARK}",
        ],
    ),
    "diff": (
        lambda i, out: ["diff", i.gaza, "may31-framework", "jul27-israel"],
        [f"Phase-1 releases from Gaza (number and definition){MARK}: 33 in the humanitarian categories"],
    ),
    "diff of readings": (
        lambda i, out: ["diff", i.gaza, "aug16-bridging@mediators", "aug16-bridging@hamas-aug18"],
        [f"Withdrawal of Israeli forces{MARK}: "],
    ),
    "frontier": (lambda i, out: ["frontier", i.gaza], [RAFAH]),
    "bridge": (lambda i, out: ["bridge", i.gaza, "--from", "aug16-bridging"], [f"to {AUG16} (within the terms"]),
    "bridge from a reading": (
        lambda i, out: ["bridge", i.gaza, "--from", "aug16-bridging@hamas-aug18"],
        [f"to {AUG16}, as {HAMAS} reads it"],
    ),
    "trades": (
        lambda i, out: ["trades", i.gaza, "--from", "aug16-bridging", "--parties", "israel,hamas"],
        [f"1. {ISRAEL} concedes on"],
    ),
    "tabled": (lambda i, out: ["tabled", i.gaza], [f"\n{RAFAH}\n", f"(tabled by {HAMAS}, 2024-07-02)"]),
    "timeline": (
        lambda i, out: ["timeline", i.gaza, "--delay-days", "30"],
        [
            f"[statement] United States{MARK} (jointly with Egypt{MARK}",
            f"“cautious optimism{MARK}”",
            f"+3,797 deaths{MARK}",
        ],
    ),
    "simulate": (
        lambda i, out: ["simulate", i.labour, "--strategies", "boulware,linear", "--runs", "20", "--seed", "1"],
        [f"Harbourton transit contract talks, 2025 (fictional){MARK}: alternating offers"],
    ),
    "tournament": (
        lambda i, out: [
            "tournament",
            i.labour,
            "--strategies",
            "boulware,linear",
            "--seeds",
            "2",
            "--out",
            f"{out}/runs",
        ],
        [f"out{MARK}/runs/results.csv"],
    ),
    "exchange plan": (lambda i, out: ["exchange", "plan", i.exchange], [AGREEMENT]),
    "exchange ledger": (
        lambda i, out: ["exchange", "ledger", i.exchange, f"{i.exchange}/release-log.csv"],
        [AGREEMENT, f"female soldiers (living){MARK} released"],
    ),
    "record draft": (
        lambda i, out: ["record", "draft", i.gaza, i.report],
        [f"proposal: {AUG16}\n", f"statement: United States{MARK} (jointly)", f"there is still{MARK} work"],
    ),
    "import genius": (
        lambda i, out: ["import", "genius", i.genius, "-o", f"{out}/harbour.yaml"],
        [f"out{MARK}/harbour.yaml: 3 issues"],
    ),
    "GENIUS domain": (lambda i, out: ["frontier", i.genius], [f"Berth fee{MARK}", f"Summer{MARK}"]),
    "export genius": (
        lambda i, out: ["export", "genius", i.labour, f"{out}/genius"],
        ["GENIUS domain written to {out}/genius"],
    ),
    "fair-divide": (lambda i, out: ["fair-divide", str(i.root / "points.csv")], [f"water rights{MARK}"]),
}


@pytest.mark.parametrize("verb", VERBS)
def test_every_verb_prints_the_talks_words_as_written(inputs: Inputs, tmp_path: Path, verb: str) -> None:
    out = tmp_path / f"out{MARK}"
    out.mkdir(parents=True)
    args, expected = VERBS[verb]
    # wide enough that no table wraps a word, and no colour codes between the words
    result = CliRunner().invoke(app, args(inputs, out), env={"COLUMNS": "4000", "FORCE_COLOR": ""})
    assert result.exit_code == 0, (result.output, result.exception)
    for words in expected:
        assert words.format(out=out) in result.stdout, words
