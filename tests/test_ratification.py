"""Two-level talks: a party accepts only what its constituents ratify. Every fast path (the frontier by
pieces, the ZOPA by inclusion-exclusion, the bridge's vote constraint) is checked against brute force
over every outcome of small random cases, with acceptance at home computed here from the scenario's own
objects, apart from the compiled arrays."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cases import every_outcome
from cli_runner import invoke_json
from conftest import TALKS, TOKENS, auth
from hand_cases import corridor_and_crossing, east_west_preferences, east_west_sides
from test_bridge import _check_against_brute_force
from test_service_pages import sign_in
from truce.analysis import frontier as fr
from truce.analysis import zopa as zp
from truce.analysis.bridge import _Program, bridge
from truce.analysis.frontier import keys, pareto_frontier
from truce.analysis.home import home_standings
from truce.analysis.overview import overview
from truce.errors import InputError
from truce.io.documents import parse_document
from truce.model.checks import build_scenario, check_scenario
from truce.model.compiled import Compiled, compile_scenario
from truce.model.generate import random_scenario, with_constituents
from truce.model.scenario import Constituent, RatificationRule, RedLine, Scenario, Term
from truce.simulate import AlternatingOffers, Setup, SingleText, make_strategy, simulate

CASES = st.fixed_dictionaries(
    {
        "seed": st.integers(0, 2**32 - 1),
        "parties": st.integers(1, 3),
        "sizes": st.lists(st.integers(2, 4), min_size=1, max_size=4),
        "reservation": st.floats(0.0, 0.5),
        "members": st.integers(1, 3),
    }
)


def make(case: dict[str, Any]) -> Scenario:
    rng = np.random.default_rng(case["seed"])
    s = random_scenario(rng, case["parties"], case["sizes"], red_lines=True, reservation=case["reservation"])
    s = with_constituents(rng, s, members=case["members"], reservation=0.6)
    assert not list(check_scenario(s))
    return s


def _red_line_crossed(line: RedLine, terms: dict[str, Term]) -> bool:
    return all((terms[i] in cond) if isinstance(cond, tuple) else terms[i] == cond for i, cond in line.terms.items())


def _approves(s: Scenario, member: Constituent, terms: dict[str, Term]) -> bool:
    if any(_red_line_crossed(line, terms) for line in member.red_lines):
        return False
    total = sum(member.weights.values())
    if not total:
        return True
    utility = sum(w * member.values[i][str(terms[i])] for i, w in member.weights.items()) / total  # type: ignore[index]
    return utility >= member.reservation - 1e-12


def ratified_here(s: Scenario, pid: str, terms: dict[str, Term]) -> bool:
    """The rule, read straight from the scenario."""
    rule = s.preferences[pid].ratification
    if rule is None:
        return True
    votes = sum(m.votes for m in rule.constituents if _approves(s, m, terms))
    total = sum(m.votes for m in rule.constituents)
    if rule.rule is RatificationRule.veto:
        return votes >= total - 1e-9
    if rule.rule is RatificationRule.majority:
        return votes > total / 2 + 1e-9
    assert rule.threshold is not None
    return votes >= rule.threshold * total - 1e-9


def brute_ratified(c: Compiled) -> np.ndarray:
    outcomes = every_outcome(c)
    return np.array([[ratified_here(c.scenario, pid, c.decode(o)) for pid in c.parties] for o in outcomes], dtype=bool)


@settings(max_examples=40, deadline=None)
@given(case=CASES)
def test_ratified_reads_the_rule(case: dict[str, Any]) -> None:
    c = compile_scenario(make(case))
    assert (c.ratified(every_outcome(c)) == brute_ratified(c)).all()
    plain = compile_scenario(c.scenario, ratification=False)
    assert plain.ratified(every_outcome(c)).all(), "--no-ratification: the leaders' view alone"


def brute_frontier_keys(c: Compiled, sel: list[int], zopa_only: bool) -> set[tuple[int, ...]]:
    outcomes = every_outcome(c)
    ok = ~c.crossed(outcomes)[:, sel].any(axis=1) & brute_ratified(c)[:, sel].all(axis=1)
    if zopa_only:
        ok &= (c.utilities(outcomes)[:, sel] >= c.reservation[sel] - 1e-12).all(axis=1)
    k = keys(c.utilities(outcomes[ok])[:, sel])
    return {tuple(row.tolist()) for row in k if not ((k >= row).all(axis=1) & (k > row).any(axis=1)).any()}


@settings(max_examples=60, deadline=None)
@given(case=CASES, zopa_only=st.booleans(), enumerate_all=st.booleans(), subset=st.booleans())
def test_frontier_honours_ratification(
    case: dict[str, Any], zopa_only: bool, enumerate_all: bool, subset: bool
) -> None:
    c = compile_scenario(make(case))
    sel = [len(c.parties) - 1] if subset else list(range(len(c.parties)))
    with pytest.MonkeyPatch.context() as m:
        m.setattr(fr, "ENUMERATE_MAX", 10**9 if enumerate_all else 0)  # 0: by pieces, as on big spaces
        f = pareto_frontier(c, sel, zopa_only=zopa_only)
    found = [tuple(k.tolist()) for k in keys(f.utilities)]
    assert len(set(found)) == len(found), "one outcome per utility vector"
    assert set(found) == brute_frontier_keys(c, sel, zopa_only)
    if len(f):
        assert c.ratified(f.outcomes)[:, sel].all()
        assert np.allclose(c.utilities(f.outcomes)[:, sel], f.utilities)


def test_constituents_are_checked() -> None:
    rng = np.random.default_rng(1)
    s = random_scenario(rng, 2, [2, 2]).model_dump(mode="json")
    s["preferences"]["p0"]["ratification"] = {
        "rule": "weighted",
        "constituents": [
            {"id": "a", "name": "a", "assumption": True, "reservation": 0.2},
            {"id": "a", "name": "b", "assumption": True, "weights": {"i9": 1.0}},
        ],
    }
    with pytest.raises(InputError) as err:
        build_scenario(s)
    said = "\n".join(p.message for p in err.value.problems)
    assert "needs a threshold" in said
    assert "no reservation" in said
    assert "duplicate constituent id 'a'" in said
    assert "unknown issue 'i9'" in said


@settings(max_examples=50, deadline=None)
@given(case=CASES, subset=st.booleans())
def test_zopa_counts_the_ratifiable_set(case: dict[str, Any], subset: bool) -> None:
    c = compile_scenario(make(case))
    sel = [0] if subset else list(range(len(c.parties)))
    outcomes = every_outcome(c)
    ok = (~c.crossed(outcomes) & brute_ratified(c))[:, sel].all(axis=1)
    ok &= (c.utilities(outcomes)[:, sel] >= c.reservation[sel] - 1e-12).all(axis=1)
    with pytest.MonkeyPatch.context() as m:
        m.setattr(zp, "ENUMERATE_MAX", 0)  # by inclusion-exclusion, as on big spaces
        z = zp.zopa(c, sel, budget=None)
    assert z.method == ("inclusion-exclusion" if c.homes_of(sel) else "exact")
    assert z.count == int(ok.sum())
    if z.count:
        u = c.utilities(outcomes[ok])[:, sel]
        assert np.allclose([p.utilities[j] for j, p in enumerate(z.best)], u.max(axis=0))
        assert np.allclose([p.utilities[j] for j, p in enumerate(z.worst)], u.min(axis=0))
        assert c.acceptable(np.array([p.outcome for p in (*z.best, *z.worst)]))[:, sel].all()


def test_zopa_estimate_samples_the_ratifiable_set() -> None:
    c = compile_scenario(make({"seed": 3, "parties": 2, "sizes": [4, 4, 4, 4], "reservation": 0.2, "members": 3}))
    outcomes = every_outcome(c)
    exact = int(c.acceptable(outcomes).all(axis=1).sum())
    with pytest.MonkeyPatch.context() as m:
        m.setattr(zp, "ENUMERATE_MAX", 0)
        m.setattr(zp, "MAX_TERMS", 0)  # force the estimate
        z = zp.zopa(c, budget=None, samples=20_000)
    assert z.method == "monte-carlo"
    assert z.bounds[0] <= exact <= z.bounds[1]


@settings(max_examples=60, deadline=None)
@given(case=CASES, data=st.data())
def test_bridges_honour_ratification(case: dict[str, Any], data: st.DataObject) -> None:
    c = compile_scenario(make({**case, "parties": max(2, case["parties"])}))
    reference = {}
    for i, n in enumerate(c.sizes):
        pick = data.draw(st.integers(-1, n - 1))
        if pick >= 0:
            reference[f"i{i}"] = f"o{pick}"
    criterion = data.draw(st.sampled_from(["nash", "ks", "egalitarian", "utilitarian"]))
    _check_against_brute_force(c, reference, criterion, data.draw(st.integers(1, 3)))
    # the 0-1 programme's vote constraints alone find the fewest changes any ratifiable package needs
    ref = c.encode(reference)
    found = _Program(c, ref, c.reservation - 1e-9, None).fewest_changes()
    rows = every_outcome(c)
    ok = c.acceptable(rows).all(axis=1)
    fewest = min((int(((ref != -1) & (row != ref)).sum()) for row in rows[ok]), default=None)
    assert (found is None) if fewest is None else (found is not None and found[0] == fewest)


@pytest.mark.parametrize("seed", range(4))
def test_simulated_deals_are_ratified(seed: int) -> None:
    case = {"seed": seed, "parties": 2, "sizes": [3, 3, 4], "reservation": 0.2, "members": 3}
    c = compile_scenario(make(case))
    for protocol in (AlternatingOffers(30), SingleText(30)):
        setup = Setup(protocol, (make_strategy("conceder"), make_strategy("random")))
        runs, _ = simulate(c, setup, runs=40, seed=seed)
        deals = runs.outcome[runs.agreed]
        assert c.acceptable(deals).all(), "a party accepts only what its home ratifies"
        plain = compile_scenario(c.scenario, ratification=False)
        assert plain.acceptable(deals).all()


def _two_level_talks() -> dict[str, Any]:
    """East and West (hand_cases), West needing only 0.3. East's leader accepts a phased withdrawal; a
    coalition partner's red line rules it out, and a cabinet that weighs the crossing more needs 0.5."""
    preferences = east_west_preferences(west_reservation=0.3)
    preferences["east"]["ratification"] = {
        "rule": "veto",
        "constituents": [
            {
                "id": "partner",
                "name": "Coalition partner",
                "assumption": True,
                "red_lines": [{"terms": {"corridor": ["phased", "out"]}}],
            },
            {
                "id": "cabinet",
                "name": "Cabinet",
                "assumption": True,
                "weights": {"corridor": 1, "crossing": 1},
                "values": {
                    "corridor": {"stay": 1, "phased": 0.5, "out": 0},
                    "crossing": {"closed": 1, "open": 0},
                },
                "reservation": 0.5,
            },
        ],
    }
    return {
        "id": "two-level",
        "title": "two sides, one with constituents",
        "parties": east_west_sides(),
        "issues": corridor_and_crossing(),
        "preferences": preferences,
        "proposals": [
            {
                "id": "text",
                "title": "phased withdrawal, crossing open",
                "tabled_by": ["west"],
                "date": "2024-08-16",
                "terms": {"corridor": "phased", "crossing": "open"},
            }
        ],
    }


def test_analyze_names_who_blocks_at_home_and_by_how_much(tmp_path: Path) -> None:
    path = tmp_path / "talks.json"
    path.write_text(json.dumps(_two_level_talks()))
    out = invoke_json("analyze", str(path))
    [home] = out["proposals"][0]["ratification"]
    assert home["party"] == "east" and home["ratified"] == "no"
    assert home["blockers"] == ["partner", "cabinet"]
    partner, cabinet = home["constituents"]
    assert partner["approves"] == "no" and partner["red_lines_crossed"] == [
        "Corridor: phased withdrawal or full withdrawal"
    ]
    assert cabinet["approves"] == "no" and cabinet["shortfall"] == pytest.approx(0.25)  # 0.5 - (0.5 + 0) / 2
    assert "blocked by: Coalition partner (crosses its red line" in home["text"]
    assert "Cabinet (below its reservation 0.50 by 0.250)" in home["text"]
    assert out["proposals"][0]["standing"]["east"]["acceptable"] == "yes"  # the leader alone would accept
    plain = invoke_json("analyze", str(path), "--no-ratification")
    assert plain["proposals"][0]["ratification"] == []


def test_a_bridge_targets_what_both_sides_can_ratify(tmp_path: Path) -> None:
    path = tmp_path / "talks.json"
    path.write_text(json.dumps(_two_level_talks()))
    ratified = invoke_json("bridge", str(path), "--from", "text", "--within", "all")
    leaders = invoke_json("bridge", str(path), "--from", "text", "--within", "all", "--no-ratification")
    assert leaders["bridges"][0]["changes"] == []  # the leaders alone accept the text as it stands
    c = compile_scenario(build_scenario(_two_level_talks()))
    for b in ratified["bridges"]:
        row = c.encode(b["terms"])
        assert c.acceptable(row).all() and c.ratified(row).all()
    # the partner allows only troops remaining, so every ratifiable text changes the corridor
    assert ratified["bridges"] and all(b["terms"]["corridor"] == "stay" for b in ratified["bridges"])


@pytest.mark.parametrize("service_db_url", ["sqlite"], indirect=True)
def test_the_service_shows_ratification_only_to_who_may_see_the_party(service_client: Any) -> None:
    """Ratification reads a side's constituents: Israel and the mediators see Israel's, Hamas and observers do
    not (the shipped case gives only Israel a rule)."""
    url = f"/api/talks/{TALKS}/proposals/jan2025-agreement"
    seen = {who: service_client.get(url, headers=auth(who)).json()["ratification"] for who in TOKENS}
    assert [h["party"] for h in seen["israel"]] == ["israel"] == [h["party"] for h in seen["mediator"]]
    assert seen["hamas"] == [] and seen["observer"] == []
    [home] = seen["israel"]
    assert {m["id"] for m in home["constituents"]} == {"other-ministers", "ministers-against"}
    sign_in(service_client, "israel")
    assert 'data-testid="ratification"' in service_client.get(f"/talks/{TALKS}/proposals/jan2025-agreement").text
    sign_in(service_client, "hamas")
    assert 'data-testid="ratification"' not in service_client.get(f"/talks/{TALKS}/proposals/jan2025-agreement").text


def test_the_format_reference_example_is_the_one_tested_here() -> None:
    """The ratification example of docs/scenario-format.md validates and says what the tests above say."""
    text = (Path(__file__).resolve().parents[1] / "docs" / "scenario-format.md").read_text(encoding="utf-8")
    blocks = [b.split("```", 1)[0] for b in text.split("```yaml\n")[1:]]
    (block,) = [b for b in blocks if b.startswith("preferences:\n  east:")]
    east = parse_document(block.encode(), "scenario-format.md").data["preferences"]["east"]
    data = _two_level_talks()
    data["sources"] = {"p1": {"title": "a statement of the coalition partner"}}
    data["preferences"]["east"] = east
    c = compile_scenario(build_scenario(data))
    [home] = home_standings(c, c.encode(c.scenario.terms_of("text")))
    assert home.verdict.value == "no" and home.blockers == ("partner", "cabinet")


@pytest.mark.parametrize("seed", range(6))
def test_a_constituent_judging_as_its_leader_adds_nothing_to_the_zopa(seed: int) -> None:
    rng = np.random.default_rng(seed)
    s = random_scenario(rng, 2, [3, 3, 3, 2], red_lines=True, reservation=0.4)
    s = with_constituents(rng, s, members=2, reservation=0.6, rule=RatificationRule.veto, exact=True)
    lead = s.preferences["p0"]
    assert lead.ratification is not None
    twin = Constituent(
        id="twin", name="twin", assumption=True, weights=lead.weights, values=lead.values, reservation=0.3
    )
    rule = lead.ratification.model_copy(update={"constituents": (*lead.ratification.constituents, twin)})
    s = s.model_copy(update={"preferences": {**s.preferences, "p0": lead.model_copy(update={"ratification": rule})}})
    c = compile_scenario(s)
    assert c.members is not None and c.members.parties[2] == "p0:twin"  # p0's two constituents come first
    assert zp.implied_by_a_leader(c, np.arange(2), 2)
    assert not zp.implied_by_a_leader(c, np.arange(2), 0)  # random tables of its own
    expected = int(c.acceptable(every_outcome(c)).all(axis=1).sum())
    with pytest.MonkeyPatch.context() as m:
        m.setattr(zp, "ENUMERATE_MAX", 0)
        assert zp.zopa(c, budget=None).count == expected


def test_the_brief_has_a_section_on_ratification_at_home() -> None:
    from truce.report.brief import brief_html

    html = brief_html(overview(build_scenario(_two_level_talks())))
    section = html.split('<h2 id="ratification">Ratification at home</h2>')[1].split("<h2")[0]
    assert (
        "blocked by: Coalition partner (crosses its red line: Corridor: phased withdrawal or full withdrawal)"
        in section
    )
    assert "<em>assumed</em>" in section
    plain = brief_html(overview(build_scenario(_two_level_talks()), ratification=False))
    assert 'id="ratification"' not in plain


def test_no_ratifiable_package_is_explained_as_such() -> None:
    """The leaders could agree, but East's coalition partner vetoes every corridor term."""
    data = _two_level_talks()
    home = data["preferences"]["east"]["ratification"]
    home["constituents"][0]["red_lines"] = [{"terms": {"corridor": ["phased", "out"]}}, {"terms": {"corridor": "stay"}}]
    c = compile_scenario(build_scenario(data))
    result = bridge(c, {"corridor": "phased", "crossing": "open"}, "nash", 1, scope="all")
    assert result.bridges == () and result.infeasible is not None
    assert result.infeasible.parties == ("east",)
    assert "no package they all accept is ratified at home (East)" in result.infeasible.text


def test_too_many_ways_to_ratify_is_said_not_ground_through() -> None:
    rng = np.random.default_rng(5)
    s = random_scenario(rng, 1, [5] * 6)
    s = with_constituents(rng, s, members=12, rule=RatificationRule.majority, exact=True)
    rule = s.preferences["p0"].ratification
    assert rule is not None
    one_vote = tuple(m.model_copy(update={"votes": 1.0}) for m in rule.constituents)
    prefs = s.preferences["p0"].model_copy(update={"ratification": rule.model_copy(update={"constituents": one_vote})})
    c = compile_scenario(s.model_copy(update={"preferences": {"p0": prefs}}))
    assert len(c.pieces([0])) == 792  # 7 of 12 one-vote members: C(12, 7) minimal majorities
    with pytest.raises(InputError, match="792 ways to ratify"):
        pareto_frontier(c)


def _bench(name: str) -> Any:
    # benchmarks/ is not an installed package: load the module from its file
    path = Path(__file__).resolve().parents[1] / "benchmarks" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_ratification_benchmark_measures_what_it_says() -> None:
    bench = _bench("bench_ratification")
    assert callable(_bench("bench_zopa").case)  # it imports again: the scope helper it needs exists
    found = {(name, rule): c for name, rule, c in bench.cases()}
    assert {rule for name, rule in found if name == "2x8x5"} == {"leaders", "veto", "majority", "weighted"}
    assert not found["2x8x5", "leaders"].homes and found["2x8x5", "veto"].homes
    row = bench.measure(found["2x8x5", "veto"])
    assert row["pieces"] == 1 and isinstance(row["zopa"], int)
    assert row["frontier"] == len(pareto_frontier(found["2x8x5", "veto"]))


def _no_zopa_at_home(rule: dict[str, Any]) -> Compiled:
    """East and West with no package both accept (West needs 0.9): the least relaxation for the leaders alone
    is West asking 0.05 less of a phased withdrawal with the crossing open, which West's ``rule`` decides on."""
    preferences = east_west_preferences(west_reservation=0.9)
    preferences["west"]["ratification"] = rule
    data = {
        "id": "no-zopa",
        "title": "no ZOPA",
        "parties": east_west_sides(),
        "issues": corridor_and_crossing(),
        "preferences": preferences,
    }
    return compile_scenario(build_scenario(data))


def test_the_least_relaxation_is_one_that_opens_a_ratifiable_package() -> None:
    # West's hard-liners veto any phased withdrawal: lowering West's reservation by 0.05 opens nothing they
    # ratify; the least that does is 0.4, by either side (troops remain, or a full withdrawal, crossing open)
    hardliners = {"id": "hardliners", "name": "Hard-liners", "assumption": True}
    c = _no_zopa_at_home(
        {"rule": "veto", "constituents": [{**hardliners, "red_lines": [{"terms": {"corridor": "phased"}}]}]}
    )
    info = bridge(c, {}, "nash", 1, scope="all").infeasible
    assert info is not None and sum(info.relaxation.values()) == pytest.approx(0.4)
    delta = np.array([info.relaxation.get(p, 0.0) for p in c.parties])
    rows = every_outcome(c)
    opened = (c.utilities(rows) >= c.reservation - delta - 1e-9).all(axis=1) & ~c.barred(rows).any(axis=1)
    assert opened.any()


def test_two_single_votes_are_not_a_majority_of_two() -> None:
    # a majority of two votes needs both: the one that wants a phased withdrawal cannot carry it alone
    members = [
        {
            "id": f"m{k}",
            "name": f"group {k}",
            "assumption": True,
            "weights": {"corridor": 1},
            "values": {"corridor": values},
            "reservation": 0.5,
        }
        for k, values in enumerate(({"stay": 0, "phased": 0, "out": 1}, {"stay": 1, "phased": 1, "out": 0}))
    ]
    c = _no_zopa_at_home({"rule": "majority", "constituents": members})
    info = bridge(c, {}, "nash", 1, scope="all").infeasible
    assert info is not None and not info.relaxation
    assert info.text == (
        "no package crossing no red line is ratified at home (West), whatever the leaders would accept"
    )


@settings(max_examples=60, deadline=None)
@given(case=CASES)
def test_no_zopa_at_home_is_explained_by_what_opens_a_ratifiable_package(case: dict[str, Any]) -> None:
    """The relaxation said opens a package every side accepts and ratifies, and no smaller one does; or no
    package crossing no red line is ratified, as said."""
    s = make(case)
    raised = {
        p: prefs.model_copy(update={"reservation": min(1.0, prefs.reservation + 0.4)})
        for p, prefs in s.preferences.items()
    }
    c = compile_scenario(s.model_copy(update={"preferences": raised}))
    rows = every_outcome(c)
    if c.acceptable(rows).all(axis=1).any():
        return
    info = bridge(c, {}, "nash", 1, scope="all").infeasible
    assert info is not None
    open_ = ~c.barred(rows).any(axis=1)
    if info.red_lines or "ratified at home" in info.text or not info.relaxation:
        assert not open_.any()
        return
    delta = np.array([info.relaxation.get(p, 0.0) for p in c.parties])
    need = np.maximum(c.reservation - c.utilities(rows), 0.0).sum(axis=1)
    assert delta.sum() == pytest.approx(need[open_].min(), abs=1e-7)
    assert ((c.utilities(rows) >= c.reservation - delta - 1e-9).all(axis=1) & open_).any()


def test_a_rule_in_doubt_tells_who_is_in_doubt_from_who_refuses_whatever_is_settled() -> None:
    # On the January 2025 text, Israel's rule is in doubt and the ministers who voted against it refuse it in
    # every completion; they were listed under "in doubt" with those whose approval turns on the open issues.
    from truce.io.scenario_files import load_scenario

    c = compile_scenario(load_scenario(Path(__file__).resolve().parents[1] / "examples" / TALKS))
    [home] = home_standings(c, c.encode(dict(c.scenario.terms_of("jan2025-agreement"))))
    assert home.verdict.value == "depends"
    doubt = [m.name for m in home.members if m.verdict.value == "depends"]
    refuse = [m.name for m in home.members if m.verdict.value == "no"]
    assert doubt and refuse
    text = home.text()
    assert f"; in doubt: {doubt[0]} (" in text
    assert f"; refusing in every completion: {refuse[0]} (" in text
    assert text.index("in doubt:") < text.index(refuse[0])
