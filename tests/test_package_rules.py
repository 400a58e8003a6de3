"""Package rules: terms that cannot stand together in any text. Validation locates every mistake, and
every analysis honours the rules exactly (checked against brute force on small random cases)."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from cases import every_outcome, make, scenario_cases
from cli_runner import invoke_json
from truce.analysis import frontier as fr
from truce.analysis import zopa as zp
from truce.analysis.bridge import bridge
from truce.analysis.frontier import keys, pareto_frontier
from truce.analysis.solutions import solve_all
from truce.analysis.trades import trades
from truce.analysis.zopa import zopa
from truce.cli import app
from truce.io.scenario_files import load_scenario
from truce.model.compiled import Compiled, Ints, compile_scenario
from truce.model.scenario import Condition, PackageRule, Range
from truce.simulate import (
    AlternatingOffers,
    Setup,
    SingleText,
    StackedAlternatingOffers,
    build_space,
    make_strategy,
    run_many,
    seeds,
)

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


# ----------------------------------------------------------------------------------------------
# Every analysis honours the rules: brute force on small random cases


@st.composite
def ruled_cases(draw: st.DrawFn) -> tuple[Compiled, Compiled]:
    """A random case with one to three random package rules, compiled with and without them."""
    case = draw(scenario_cases(max_issues=4))
    plain = make(case)
    s = plain.scenario
    rules = []
    for n in range(draw(st.integers(1, 3))):
        issues = draw(st.lists(st.sampled_from(s.issues), min_size=1, max_size=min(2, len(s.issues)), unique=True))
        never: dict[str, Condition] = {}
        for issue in issues:
            options = [o.id for o in issue.options]
            never[issue.id] = tuple(draw(st.lists(st.sampled_from(options), min_size=1, unique=True)))
        rules.append(PackageRule(id=f"rule{n}", never=never))
    return compile_scenario(s.model_copy(update={"constraints": tuple(rules)})), plain


def breaks_a_rule(c: Compiled, outcome: Ints) -> bool:
    """Checked on the named terms, apart from the compiled masks."""
    terms = c.decode(outcome)
    for rule in c.scenario.constraints:
        if all(terms[i] in (cond if isinstance(cond, tuple) else (cond,)) for i, cond in rule.never.items()):
            return True
    return False


def clean(c: Compiled, plain: Compiled, sel: list[int]) -> Ints:
    """Every outcome that crosses no red line of the chosen parties and breaks no rule (brute force)."""
    outcomes = every_outcome(c)
    ok = ~plain.crossed(outcomes)[:, sel].any(axis=1)
    ok &= np.array([not breaks_a_rule(c, row) for row in outcomes], dtype=bool)
    return outcomes[ok]


def efficient(c: Compiled, outcomes: Ints, sel: list[int]) -> set[tuple[int, ...]]:
    k = keys(c.utilities(outcomes)[:, sel])
    return {tuple(row.tolist()) for row in k if not ((k >= row).all(axis=1) & (k > row).any(axis=1)).any()}


@settings(max_examples=60, deadline=None)
@given(case=ruled_cases(), zopa_only=st.booleans(), subset=st.booleans(), enumerate_all=st.booleans())
def test_frontier_equals_brute_force_with_rules(
    case: tuple[Compiled, Compiled], zopa_only: bool, subset: bool, enumerate_all: bool
) -> None:
    c, plain = case
    sel = [len(c.parties) - 1] if subset else list(range(len(c.parties)))
    with pytest.MonkeyPatch.context() as m:
        m.setattr(fr, "ENUMERATE_MAX", 10**9 if enumerate_all else 0)
        f = pareto_frontier(c, sel, zopa_only=zopa_only)
    outcomes = clean(c, plain, sel)
    if zopa_only:
        outcomes = outcomes[plain.acceptable(outcomes)[:, sel].all(axis=1)]
    assert {tuple(k.tolist()) for k in keys(f.utilities)} == (efficient(c, outcomes, sel) if len(outcomes) else set())
    for row in f.outcomes:
        assert not breaks_a_rule(c, row)
    assert len(f) == 0 or not c.broken(f.outcomes).any()


@settings(max_examples=60, deadline=None)
@given(case=ruled_cases(), enumerate_all=st.booleans())
def test_zopa_and_solutions_break_no_rule(case: tuple[Compiled, Compiled], enumerate_all: bool) -> None:
    c, plain = case
    sel = list(range(len(c.parties)))
    with pytest.MonkeyPatch.context() as m:
        m.setattr(zp, "ENUMERATE_MAX", 10**9 if enumerate_all else 0)
        z = zopa(c)
    outcomes = clean(c, plain, sel)
    accepted = outcomes[plain.acceptable(outcomes).all(axis=1)] if len(outcomes) else outcomes
    assert z.count == len(accepted)
    for point in (*z.best, *z.worst):
        assert not breaks_a_rule(c, point.outcome)
    for solution in solve_all(c).values():
        assert (solution is None) == (len(accepted) == 0)
        if solution is not None:
            assert not breaks_a_rule(c, np.asarray(solution.outcome))


@settings(max_examples=40, deadline=None)
@given(case=ruled_cases(), data=st.data())
def test_bridges_and_trades_break_no_rule(case: tuple[Compiled, Compiled], data: st.DataObject) -> None:
    c, plain = case
    reference = {issue.id: data.draw(st.sampled_from([o.id for o in issue.options])) for issue in c.scenario.issues}
    outcomes = clean(c, plain, list(range(len(c.parties))))
    accepted = outcomes[plain.acceptable(outcomes).all(axis=1)] if len(outcomes) else outcomes
    result = bridge(c, reference)
    assert (result.infeasible is None) == (len(accepted) > 0)
    accepted_rows = {tuple(int(x) for x in row) for row in accepted}
    for found in result.bridges:
        row = np.asarray(found.outcome)
        assert not breaks_a_rule(c, row)
        assert tuple(found.outcome) in accepted_rows  # acceptable to all, by the brute force without rules
    if result.infeasible is not None and not len(outcomes):
        assert "package rules" in result.infeasible.text
    ref = c.encode(reference)
    for trade in trades(c, reference, ("p0", "p1")):
        row = c.encode(trade.terms)
        assert breaks_a_rule(c, ref) or not breaks_a_rule(c, row)


@settings(max_examples=15, deadline=None)
@given(case=ruled_cases())
def test_simulated_agreements_break_no_rule(case: tuple[Compiled, Compiled]) -> None:
    c, _ = case
    try:
        space = build_space(c)
    except ValueError:
        return  # the rules leave a party nothing it could offer: there is nothing to simulate
    offers = AlternatingOffers(20) if len(c.parties) == 2 else StackedAlternatingOffers(20)
    for protocol in (offers, SingleText(20, mediator="hill")):
        names = ("conceder", "acceptor", "random")[: len(c.parties)]
        runs = run_many(space, Setup(protocol, tuple(make_strategy(n) for n in names)), seeds(3, 8))
        for agreed, outcome in zip(runs.agreed, runs.outcome, strict=True):
            if agreed:
                assert not breaks_a_rule(c, outcome)


def test_with_no_party_compiled_the_rules_still_speak() -> None:
    s = load_scenario(LABOUR.parent)
    c = compile_scenario(s, parties=[])
    assert c.parties == () and c.couplings == ()
    both = c.encode({**s.terms_of("union-opening"), "contract_length": "one_year"})
    assert c.broken(both).tolist() == [[True]]
    assert c.broken(c.encode(s.terms_of("union-opening"))).tolist() == [[False]]


# ----------------------------------------------------------------------------------------------
# analyze: a text that breaks a rule is reported as such, not as a party's red line


def test_analyze_reports_a_text_that_breaks_a_rule(tmp_path: Path) -> None:
    data = yaml.safe_load(LABOUR.read_text())
    opening = next(p for p in data["proposals"] if p["id"] == "union-opening")
    opening["terms"]["contract_length"] = "one_year"  # with the pension phased over the contract
    partial = next(p for p in data["proposals"] if p["id"] == "authority-counter")
    partial.update(inherits=False, terms={"pension": "plus_two_phased"})  # the contract's length left open
    path = tmp_path / "scenario.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))

    out = invoke_json("analyze", str(path))
    by_id = {p["id"]: p for p in out["proposals"]}
    (broken,) = by_id["union-opening"]["package_rules"]
    assert broken["id"] == "phasing-needs-time" and broken["broken"] == "yes"
    assert "Contract length: 1 year" in broken["text"]
    (risk,) = by_id["authority-counter"]["package_rules"]
    assert risk["broken"] == "depends"
    for pid in ("union-opening", "authority-counter"):
        for standing in by_id[pid]["standing"].values():
            # the rule is the text's, not a party's red line (the union's own wage line may still be at risk)
            assert standing["red_lines_crossed"] == []
            assert not any("pension" in reason or "Contract length" in reason for reason in standing["reasons"])
    assert by_id["tentative-agreement"]["package_rules"] == []

    text = runner.invoke(app, ["analyze", str(path), "--report", str(tmp_path / "brief.html")])
    assert text.exit_code == 0, text.output
    assert "union-opening breaks package rule phasing-needs-time" in text.stdout
    assert "authority-counter could break" in text.stdout
    html = (tmp_path / "brief.html").read_text()
    assert "Breaks package rule phasing-needs-time" in html
    assert 'id="package-rules"' in html


def test_bridge_names_the_rules_it_cannot_relax() -> None:
    s = load_scenario(LABOUR.parent)
    # the union never takes 1.5% or less; a rule that no text may give more leaves nothing
    capped = s.model_copy(
        update={"constraints": (PackageRule(id="pay-cap", never={"wage_increase": Range(above=1.5)}),)}
    )
    result = bridge(compile_scenario(capped), s.terms_of("mediator-package"), scope="all")
    assert result.bridges == () and result.infeasible is not None
    assert result.infeasible.parties == ("union",)
    assert "red lines rule out every outcome" in result.infeasible.text
    assert result.infeasible.text.endswith("package rules pay-cap")
