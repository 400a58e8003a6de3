"""The shipped scenarios load, compile, and say what we know they say."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest

from truce.io.documents import parse_document
from truce.io.scenario_files import load_scenario, scenario_from_document
from truce.model.compiled import OPEN, compile_scenario
from truce.model.scenario import IssueKind, Role, Scenario, Status

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
FILES = sorted(EXAMPLES.glob("*/scenario.yaml"))


def cited_sources(s: Scenario) -> set[str]:
    """Every source id the scenario cites, wherever it is cited."""
    ids: set[str] = set()
    for issue in s.issues:
        ids.update(issue.sources)
        for option in issue.options:
            ids.update(option.sources)
    for prefs in s.preferences.values():
        ids.update(prefs.sources)
        for red_line in prefs.red_lines:
            ids.update(red_line.sources)
    for rule in s.constraints:
        ids.update(rule.sources)
    for proposal in s.proposals:
        ids.update(proposal.sources)
        for response in proposal.responses:
            ids.update(response.sources)
        for reading in proposal.readings:
            ids.update(reading.sources)
    for rnd in s.rounds:
        ids.update(rnd.sources)
    for event in s.events:
        ids.update(event.sources)
    for record in (*s.meetings, *s.statements):
        ids.update(record.sources)
    for series in s.series:
        ids.update(point.source for point in series.points)
    for prefs in s.preferences.values():
        ids.update(prefs.uncertainty.sources if prefs.uncertainty else ())
    if s.course is not None:
        ids.update(s.course.sources)
        ids.update(s.course.hazard.sources if s.course.hazard else ())
        for item in (*s.course.risks, *s.course.shocks):
            ids.update(item.sources)
    return ids


@pytest.fixture(scope="module")
def gaza() -> Scenario:
    return load_scenario(EXAMPLES / "gaza-2024")


def test_examples_are_found() -> None:
    assert {f.parent.name for f in FILES} >= {"gaza-2024", "labour-2025"}


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.parent.name)
def test_example_loads_and_compiles(path: Path) -> None:
    s = load_scenario(path)
    c = compile_scenario(s)
    assert c.parties == tuple(p.id for p in s.parties if p.id in s.preferences)
    assert c.sizes == tuple(len(issue.option_ids()) for issue in s.issues)
    # Every complete proposal has a utility in [0, 1] for every party with preferences.
    for proposal in s.proposals:
        row = c.encode(proposal.terms)
        if (row != OPEN).all():
            u = c.utilities(row)
            assert ((u >= 0) & (u <= 1 + 1e-12)).all(), proposal.id


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.parent.name)
def test_every_lineage_resolves(path: Path) -> None:
    s = load_scenario(path)
    ids = {p.id for p in s.proposals}
    for proposal in s.proposals:
        chain = s.lineage(proposal.id)
        assert chain[-1].id == proposal.id
        assert chain[0].parent is None, f"{proposal.id}: lineage does not reach a root"
        assert all(p.id in ids for p in chain)
        assert len({p.id for p in chain}) == len(chain)
        # A child is never dated before its parent.
        assert all(a.date <= b.date for a, b in itertools.pairwise(chain))


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.parent.name)
def test_every_cited_source_exists_and_every_source_is_cited(path: Path) -> None:
    s = load_scenario(path)
    cited = cited_sources(s)
    assert cited <= set(s.sources), sorted(cited - set(s.sources))
    assert set(s.sources) <= cited, f"sources never cited: {sorted(set(s.sources) - cited)}"


def test_gaza_counts(gaza: Scenario) -> None:
    roles = {p.id: p.role for p in gaza.parties}
    assert roles == {
        "israel": Role.party,
        "hamas": Role.party,
        "united_states": Role.mediator,
        "qatar": Role.mediator,
        "egypt": Role.mediator,
        "unsc": Role.observer,
    }
    assert len(gaza.issues) == 12
    assert {i.id for i in gaza.issues} >= {"philadelphi", "return_north", "rafah", "aid_trucks", "end_of_war"}
    assert [p.id for p in gaza.proposals] == [
        "may6-egypt-qatar",
        "may27-israel",
        "may31-framework",
        "unsc2735",
        "jul2-hamas",
        "jul27-israel",
        "aug16-bridging",
        "jan2025-agreement",
    ]
    assert [r.id for r in gaza.rounds] == ["rome-2024-07", "doha-2024-08", "cairo-2024-08", "doha-2025-01"]


def test_gaza_aid_is_numeric_in_trucks_per_day(gaza: Scenario) -> None:
    aid = gaza.issue("aid_trucks")
    assert aid.kind is IssueKind.numeric
    assert aid.unit == "trucks/day"
    assert 600 in aid.grid()
    assert gaza.proposal("may31-framework").terms["aid_trucks"] == 600


def test_gaza_lineage(gaza: Scenario) -> None:
    parent = {p.id: p.parent for p in gaza.proposals}
    assert parent["may31-framework"] == "may27-israel"
    assert parent["unsc2735"] == "may31-framework"
    for child in ("jul2-hamas", "jul27-israel", "aug16-bridging", "jan2025-agreement"):
        assert "may31-framework" in [p.id for p in gaza.lineage(child)], child


def test_gaza_preferences_are_labelled_assumptions(gaza: Scenario) -> None:
    assert set(gaza.preferences) == {"israel", "hamas"}
    assert gaza.assumptions
    for pid, prefs in gaza.preferences.items():
        assert prefs.assumption is True, pid
        assert prefs.basis is not None and "ILLUSTRATIVE ASSUMPTION" in prefs.basis, pid
        assert prefs.sources, pid
        assert prefs.delay_note, pid
        for red_line in prefs.red_lines:
            assert red_line.sources, pid


def test_gaza_responses_as_recorded(gaza: Scenario) -> None:
    def stance(proposal: str, party: str) -> str:
        (r,) = [r for r in gaza.proposal(proposal).responses if r.party == party]
        assert r.sources and r.date is not None
        return r.stance.value

    assert stance("aug16-bridging", "israel") == "accepted"
    assert stance("aug16-bridging", "hamas") == "rejected"
    assert stance("may6-egypt-qatar", "hamas") == "accepted"
    jan = gaza.proposal("jan2025-agreement")
    assert jan.status is Status.agreed
    assert {r.party: r.stance.value for r in jan.responses} == {"israel": "accepted", "hamas": "accepted"}


def test_gaza_unpublished_texts_say_so(gaza: Scenario) -> None:
    assert "NEVER PUBLISHED" in (gaza.proposal("aug16-bridging").note or "")
    assert "not officially published" in (gaza.proposal("may27-israel").note or "")


def test_gaza_sources_carry_confidence_and_address(gaza: Scenario) -> None:
    for sid, source in gaza.sources.items():
        assert source.confidence is not None, sid
        assert source.url and source.url.startswith("http"), sid


def test_labour_example() -> None:
    s = load_scenario(EXAMPLES / "labour-2025")
    assert "FICTIONAL" in (s.description or "")
    assert [p.id for p in s.parties if p.role is Role.party] == ["union", "authority"]
    assert len(s.issues) == 5
    assert len(s.proposals) == 4
    wage = s.issue("wage_increase")
    assert wage.kind is IssueKind.numeric
    assert isinstance(s.preferences["union"].values["wage_increase"], tuple)
    assert sum(len(p.red_lines) for p in s.preferences.values()) == 1
    c = compile_scenario(s)
    # The union's red line: a rise of at most 1.5% a year is never acceptable to it.
    low = c.encode({**s.proposal("tentative-agreement").terms, "wage_increase": 1.5})
    assert not c.acceptable(low)[0, c.parties.index("union")]
    agreed = c.encode(s.proposal("tentative-agreement").terms)
    assert c.acceptable(agreed).all()
    # Piecewise-linear values: 3.75% lies between the 3.0 and 4.5 points of the union's function.
    w = c.index(0, 3.75)
    union_row = c.tables[0][c.parties.index("union")]
    assert union_row[w] == pytest.approx(0.7 * 40 / 100)
    assert np.all(np.diff(union_row) >= 0)


def test_worked_example_in_the_format_reference() -> None:
    text = (EXAMPLES.parent / "docs" / "scenario-format.md").read_text(encoding="utf-8")
    blocks = [b.split("```", 1)[0] for b in text.split("```yaml\n")[1:]]
    (block,) = [b for b in blocks if b.startswith("truce: 1")]
    s = scenario_from_document(parse_document(block.encode(), "scenario-format.md"))
    c = compile_scenario(s)
    council, operator = c.parties.index("council"), c.parties.index("operator")
    package = c.encode(s.proposal("chamber-package").terms)
    u = c.utilities(package)[0]
    assert u[council] == pytest.approx(0.475)
    assert u[operator] == pytest.approx(0.75)
    assert c.acceptable(package).all()
    first = c.encode(s.proposal("first-offer").terms)
    assert c.utilities(first)[0, operator] == pytest.approx((1 / 6 + 0.2) / 2)
    assert not c.acceptable(first)[0, operator]
    # The council's red line: rent below 90 (90 itself is allowed).
    assert not c.crossed(c.encode({"rent": 90, "term": "five_years"}))[0, council]
    assert c.crossed(c.encode({"rent": 80, "term": "five_years"}))[0, council]
