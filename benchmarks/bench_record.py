"""Drafting the record from reports: precision and recall of ``truce record draft`` on short reports written
for the tests, about invented talks (``tests/data/reports/``).

The reports in ``dev/`` were used while writing the rules; those in ``held-out/`` were written with them but
not looked at while the rules were tuned, so their figures say how the rules fare on reports they were not
fitted to. Each report has a ``.expected.yaml`` listing the entries a careful reader would draft from it.

An expected entry is found when a drafted entry of the same kind agrees on what identifies it: for a meeting,
who travelled, the venue and the day (or a day within the window the reader gives); for a round, the venue and
a start within the round's days (a day either side allowed); for a statement, the party, the stance and the
day; for a figure, the series, the value and the day; for an issue or a proposal, which one. Precision counts
drafted entries that match an expected one; recall counts expected entries found.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

from truce.analysis.drafting import KINDS, Entry, draft_record
from truce.io.scenario_files import load_scenario

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "tests" / "data" / "reports"
SETS = ("dev", "held-out")


@dataclass
class Tally:
    found: int = 0  # drafted entries that match an expected one
    drafted: int = 0
    expected: int = 0
    recalled: int = 0  # expected entries found

    def add(self, other: Tally) -> None:
        self.found += other.found
        self.drafted += other.drafted
        self.expected += other.expected
        self.recalled += other.recalled

    @property
    def precision(self) -> float:
        return self.found / self.drafted if self.drafted else 1.0

    @property
    def recall(self) -> float:
        return self.recalled / self.expected if self.expected else 1.0


def cases(which: str) -> list[tuple[Path, dict[str, Any]]]:
    """(report file, expected entries) of one set, in name order."""
    yaml = YAML(typ="safe", pure=True)
    out = []
    for report in sorted((CORPUS / which).glob("*.txt")):
        expected = yaml.load(report.with_suffix(".expected.yaml").read_text(encoding="utf-8"))
        out.append((report, expected))
    return out


def _day(value: Any) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


def _on_day(expected: dict[str, Any], day: Any) -> bool:
    if day is None:
        return False
    if "window" in expected:
        start, end = (_day(d) for d in expected["window"])
        return start <= _day(day) <= end
    return _day(day) == _day(expected["date"])


def agrees(expected: dict[str, Any], entry: Entry) -> bool:
    """Whether a drafted entry is the expected one (see the module's docstring)."""
    if entry.kind != expected["kind"]:
        return False
    data = entry.data or {}
    kind = entry.kind
    if kind in ("issue", "proposal"):
        return entry.matches == expected[kind]
    if kind == "meeting":
        same = set(data.get("who", ())) == set(expected["who"]) and data.get("venue") == expected["venue"]
        return same and _on_day(expected, data.get("date"))
    if kind == "round":
        start, end = _day(expected["start"]), _day(expected.get("end", expected["start"]))
        drafted = _day(data["start"])
        return data.get("venue") == expected["venue"] and start - dt.timedelta(days=1) <= drafted <= end + dt.timedelta(
            days=1
        )
    if kind == "statement":
        speaker = data.get("speaker")
        party = speaker.get("party") if isinstance(speaker, dict) else speaker
        return (
            party == expected["party"]
            and data.get("stance") == expected["stance"]
            and _on_day(expected, data.get("date"))
        )
    return (
        entry.series == expected["series"]
        and data.get("value") == expected["value"]
        and _on_day(expected, data.get("date"))
    )


def score(entries: tuple[Entry, ...], expected: list[dict[str, Any]]) -> dict[str, Tally]:
    """A tally per kind: each expected entry is paired with at most one drafted entry, and the reverse."""
    tallies = {kind: Tally() for kind in KINDS}
    used: set[int] = set()
    for want in expected:
        tallies[want["kind"]].expected += 1
        for k, entry in enumerate(entries):
            if k not in used and agrees(want, entry):
                used.add(k)
                tallies[want["kind"]].recalled += 1
                tallies[want["kind"]].found += 1
                break
    for entry in entries:
        tallies[entry.kind].drafted += 1
    return tallies


def evaluate(which: str) -> tuple[dict[str, Tally], list[str]]:
    """Tallies per kind over one set, and the reports whose date was not read right."""
    scenario = load_scenario(CORPUS / "scenario.yaml")
    total = {kind: Tally() for kind in KINDS}
    wrong_dates = []
    for report, expected in cases(which):
        draft = draft_record(scenario, report.read_text(encoding="utf-8"))
        if draft.date != _day(expected["date"]):
            wrong_dates.append(report.name)
        for kind, tally in score(draft.entries, expected["entries"]).items():
            total[kind].add(tally)
    return total, wrong_dates


def run() -> None:
    for which in SETS:
        tallies, wrong_dates = evaluate(which)
        overall = Tally()
        print(f"{which} ({len(cases(which))} reports)")
        print(f"  {'kind':<12}{'expected':>9}{'drafted':>9}{'precision':>11}{'recall':>8}")
        for kind, t in tallies.items():
            overall.add(t)
            print(f"  {kind:<12}{t.expected:>9}{t.drafted:>9}{t.precision:>11.2f}{t.recall:>8.2f}")
        print(f"  {'all':<12}{overall.expected:>9}{overall.drafted:>9}{overall.precision:>11.2f}{overall.recall:>8.2f}")
        print(f"  report dates read from the dateline: {len(cases(which)) - len(wrong_dates)} of {len(cases(which))}")
