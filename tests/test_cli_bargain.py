"""The bargaining verbs end to end: frontier, bridge, trades, fair-divide, GENIUS import and export."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from cli_runner import invoke_json, runner
from truce.analysis.standing import standings
from truce.analysis.tabled import tabled_terms
from truce.cli import app
from truce.io.scenario_files import load_any
from truce.model.compiled import compile_scenario

ROOT = Path(__file__).resolve().parent.parent
GAZA = ROOT / "examples" / "gaza-2024"
LABOUR = ROOT / "examples" / "labour-2025"
HARBOUR = ROOT / "tests" / "data" / "genius" / "harbour"


def test_frontier_json_has_the_documented_shape() -> None:
    out = invoke_json("frontier", str(LABOUR))
    assert list(out) == [
        "parties",
        "preferences_assumed_for",
        "precision",
        "frontier",
        "solutions",
        "zopa",
        "within",
        "proposals",
    ]
    assert out["precision"] == 0  # two parties: exact
    assert out["preferences_assumed_for"] == ["union", "authority"]  # the shipped file's preferences are assumed
    assert set(out["solutions"]) == {"nash", "kalai_smorodinsky", "egalitarian", "utilitarian"}
    assert set(out["zopa"]) >= {"empty", "count", "share"}
    c = compile_scenario(load_any(LABOUR))
    for point in out["frontier"]:
        u = c.utilities(c.encode(point["terms"]))[0]
        assert [point["utilities"][p] for p in out["parties"]] == pytest.approx(u, abs=1e-6)
        assert all(0 <= x <= 1 for x in point["utilities"].values())
    # Every solution lies on the frontier and is acceptable to all.
    frontier = {tuple(sorted(p["terms"].items())) for p in out["frontier"]}
    for sol in out["solutions"].values():
        assert tuple(sorted(sol["terms"].items())) in frontier
        assert c.acceptable(c.encode(sol["terms"]))[0].all()


@pytest.mark.parametrize("within", [None, "tabled", "all"])
def test_solutions_stay_within_the_tabled_terms_by_default(within: str | None) -> None:
    args = ["frontier", str(GAZA)] + (["--within", within] if within else [])
    out = invoke_json(*args)
    assert out["within"] == (within or "tabled")  # the shipped case has proposals: tabled by default
    s = load_any(GAZA)
    tabled = tabled_terms(s)
    for point in [*out["frontier"], *(sol for sol in out["solutions"].values() if sol)]:
        assert point["untabled"] == list(tabled.untabled(point["terms"]))
        if out["within"] == "tabled":
            assert point["untabled"] == []


@pytest.mark.parametrize("proposal", ["may31-framework", "aug16-bridging"])
def test_bridges_from_the_shipped_texts_are_acceptable_and_explained(proposal: str) -> None:
    out = invoke_json("bridge", str(GAZA), "--from", proposal, "-k", "3")
    assert out["reference"] == proposal and out["within"] == "tabled"
    c = compile_scenario(load_any(GAZA))
    if out["infeasible"] is not None:  # then it says exactly why
        assert out["bridges"] == [] and out["infeasible"]["relaxation"]
        return
    assert 1 <= len(out["bridges"]) <= 3
    reference = c.scenario.terms_of(proposal)
    tabled = tabled_terms(c.scenario)
    sets = []
    for b in out["bridges"]:
        assert c.acceptable(c.encode(b["terms"]))[0].all()
        # the changes are exactly the reference's terms the bridge changes, the fills its open issues
        moved = {issue for issue, term in reference.items() if b["terms"][issue] != term}
        assert {change["issue"] for change in b["changes"]} == moved
        assert {f["issue"] for f in b["filled"]} == set(b["terms"]) - set(reference)
        for change in b["changes"]:
            assert reference[change["issue"]] == change["from"] and b["terms"][change["issue"]] == change["to"]
            assert set(change["gains"]) <= {"israel", "hamas"}
        # by default nothing nobody tabled
        assert b["untabled"] == [] and tabled.untabled(b["terms"]) == ()
        assert not any(moved >= other for other in sets)  # no bridge changes more than an earlier one needed
        sets.append(moved)
    assert out["acceptable_as_it_stands"] == (out["bridges"][0]["changes"] == [])


def test_fewer_bridges_than_asked_for_says_why() -> None:
    # every bridge from the US text changes nothing (it only fills open issues): they change the same set
    short = runner.invoke(app, ["bridge", str(GAZA), "--from", "aug16-bridging", "-k", "3"])
    assert short.exit_code == 0 and short.stdout.count("Bridge ") == 1
    assert "1 bridge of the 3 asked for: each bridge changes a different set of issues" in short.stdout
    assert "--same-issues" in short.stdout
    full = runner.invoke(app, ["bridge", str(GAZA), "--from", "aug16-bridging", "-k", "3", "--same-issues"])
    assert full.stdout.count("Bridge ") == 3 and "asked for" not in full.stdout


def test_bridge_needs_a_known_proposal_and_criterion() -> None:
    result = runner.invoke(app, ["bridge", str(GAZA), "--from", "nope"])
    assert result.exit_code == 2 and "no proposal 'nope'" in result.stderr
    result = runner.invoke(app, ["bridge", str(GAZA), "--from", "may31-framework", "--criterion", "best"])
    # the criteria are a choice of the registered concepts: the usage error lists them
    assert result.exit_code == 2 and "'best' is not one of" in result.stderr and "kalai_smorodinsky" in result.stderr


def test_a_preferred_term_only_hamas_reads_into_the_us_text_is_said_to_be_its_reading() -> None:
    # nobody tabled Israeli control of the Rafah crossing: Hamas reads the 16 August text so
    out = invoke_json("bridge", str(GAZA), "--from", "aug16-bridging", "-k", "1")
    rafah = next(f for f in out["bridges"][0]["filled"] if f["issue"] == "rafah")
    assert (
        "against Israeli control of the crossing (tabled only in aug16-bridging as read by Hamas, reading "
        "hamas-aug18), its preferred term of those tabled" in rafah["text"]
    )
    assert {"term": "israeli_control", "proposal": "aug16-bridging", "reading": "hamas-aug18", "by": ["hamas"]} in (
        rafah["only_in_readings"]
    )


def test_trades_leave_both_better_off() -> None:
    out = invoke_json("trades", str(GAZA), "--from", "aug16-bridging", "--parties", "israel,hamas", "--limit", "2")
    assert len(out["trades"]) <= 2
    for trade in out["trades"]:
        assert trade["gains"]["israel"] > 0 and trade["gains"]["hamas"] > 0


def test_a_trades_verdict_with_any_term_is_analyzes_on_the_same_terms() -> None:
    # the first trade leaves Philadelphi, Rafah and the lists open: within the tabled terms Israel accepts it,
    # with any term there it depends, and the trade says which verdict assumes what
    out = invoke_json("trades", str(GAZA), "--from", "aug16-bridging", "--parties", "israel,hamas")
    c = compile_scenario(load_any(GAZA))
    first = out["trades"][0]
    assert first["open"] == ["prisoner_lists", "philadelphi", "rafah"]
    assert first["acceptable"]["israel"] == "yes" and first["any_term"]["acceptable"]["israel"] == "depends"
    assert "these verdicts assume they are settled within the terms tabled" in first["text"]
    for trade in out["trades"]:
        analyzed = {st.party: st.acceptable.value for st in standings(c, c.encode(trade["terms"]))}
        assert trade["any_term"]["acceptable"] == {p: analyzed[p] for p in ("israel", "hamas")}


def test_fair_divide_csv(tmp_path: Path) -> None:
    points = tmp_path / "points.csv"
    points.write_text("item,north,south\na,40,20\nb,10,10\nc,30,12\nd,15,38\ne,5,20\n")
    out = invoke_json("fair-divide", str(points))
    assert list(out)[:3] == ["allocation", "points", "split"]
    assert out["points"]["north"] == pytest.approx(out["points"]["south"])
    split = [item for item, shares in out["allocation"].items() if 0 < shares["north"] < 1]
    assert split == ([out["split"]] if out["split"] else [])
    bad = tmp_path / "bad.csv"
    bad.write_text("item,north,south\na,40,x\n")
    result = runner.invoke(app, ["fair-divide", str(bad)])
    assert result.exit_code == 2 and result.stderr.startswith(f"{bad}:2:")


def test_fair_divide_scenario_names_silence_and_assumptions(tmp_path: Path) -> None:
    text = (GAZA / "scenario.yaml").read_text(encoding="utf-8")
    for issue_id in ("aid_trucks", "phase2_talks", "philadelphi", "rafah"):
        text = text.replace(f"  - id: {issue_id}\n", f"  - id: {issue_id}\n    divisible: true\n", 1)
    scenario = tmp_path / "scenario.yaml"
    scenario.write_text(text, encoding="utf-8")
    result = runner.invoke(app, ["fair-divide", str(scenario)], terminal_width=200)
    assert result.exit_code == 0, result.output
    said = " ".join(result.stdout.split())
    # the issues by name, Israel's silence on aid as silence, and the preferences as assumptions
    assert "Humanitarian aid entering Gaza" in said and "aid_trucks" not in said
    assert said.count("(no stated position)") == 2
    assert "israel states no position on Humanitarian aid entering Gaza, Start of phase-2 talks" in said
    assert "Preferences of israel, hamas are assumptions" in said
    out = invoke_json("fair-divide", str(scenario))
    assert out["no_stated_position"] == {"aid_trucks": ["israel"], "phase2_talks": ["israel"]}
    assert out["preferences_assumed_for"] == ["israel", "hamas"]


def test_genius_import_export_round_trip(tmp_path: Path) -> None:
    imported = tmp_path / "harbour.yaml"
    result = runner.invoke(app, ["import", "genius", str(HARBOUR), "-o", str(imported)])
    assert result.exit_code == 0, result.output
    assert runner.invoke(app, ["validate", str(imported)]).exit_code == 0
    out = tmp_path / "out"
    result = runner.invoke(app, ["export", "genius", str(imported), str(out)])
    assert result.exit_code == 0, result.output
    a, b = (compile_scenario(load_any(p)) for p in (HARBOUR, out))
    grid = np.array(np.meshgrid(*(range(n) for n in a.sizes))).reshape(len(a.sizes), -1).T
    assert a.utilities(grid) == pytest.approx(b.utilities(grid))
    # The verbs take a GENIUS folder directly, imported on the fly.
    assert invoke_json("frontier", str(HARBOUR))["frontier"]
    assert runner.invoke(app, ["analyze", str(HARBOUR)]).exit_code == 0


def test_import_writes_nothing_on_bad_input(tmp_path: Path) -> None:
    folder = tmp_path / "broken"
    folder.mkdir()
    (folder / "domain.xml").write_text("<negotiation_template><objective")
    target = tmp_path / "x.yaml"
    result = runner.invoke(app, ["import", "genius", str(folder), "-o", str(target)])
    assert result.exit_code == 2
    assert not target.exists()


def test_tabled_lists_who_holds_each_term() -> None:
    out = invoke_json("tabled", str(GAZA))
    s = load_any(GAZA)
    assert set(out["issues"]) == {issue.id for issue in s.issues}
    # every term of every text, as tabled and as each reading has it, is listed with that text
    for proposal in s.proposals:
        for reading in (None, *(r.id for r in proposal.readings)):
            for issue_id, term in s.terms_of(proposal.id, reading).items():
                entry = next(e for e in out["issues"][issue_id] if e["term"] == term)
                assert any(h["proposal"] == proposal.id for h in entry["held_by"])
    text = runner.invoke(app, ["tabled", str(GAZA)])
    assert text.exit_code == 0 and "tabled by" in text.stdout


def test_bridge_from_a_reading_starts_from_the_text_as_that_reading_has_it() -> None:
    s = load_any(GAZA)
    proposal = next(p for p in s.proposals if p.readings)
    reading = proposal.readings[0]
    out = invoke_json("bridge", str(GAZA), "--from", f"{proposal.id}@{reading.id}")
    reference = s.terms_of(proposal.id, reading.id)
    for b in out["bridges"]:
        assert {ch["issue"] for ch in b["changes"]} == {i for i, t in reference.items() if b["terms"][i] != t}
        for ch in b["changes"]:
            assert ch["from"] == reference[ch["issue"]]
    assert (out["reading"]["proposal"], out["reading"]["reading"]) == (proposal.id, reading.id)
    text = runner.invoke(app, ["bridge", str(GAZA), "--from", f"{proposal.id}@{reading.id}", "-k", "1"])
    assert f"reads it (reading {reading.id}), not from the text as tabled" in text.stdout
    assert invoke_json("bridge", str(GAZA), "--from", proposal.id, "-k", "1")["reading"] is None
    bad = runner.invoke(app, ["bridge", str(GAZA), "--from", f"{proposal.id}@nope"])
    assert bad.exit_code == 2 and "no reading 'nope'" in bad.stderr


def test_bridges_print_a_title_as_written_not_as_markup(tmp_path: Path) -> None:
    """A text titled with "[/x]" ended `truce bridge` in a traceback, from the text and from a reading of it."""
    import shutil

    folder = tmp_path / "talks"
    shutil.copytree(GAZA, folder)
    scenario = folder / "scenario.yaml"
    plain = "title: US bridging proposal, with Egyptian and Qatari support\n"
    assert plain in scenario.read_text(encoding="utf-8")
    titled = '"US bridging proposal [/x], with Egyptian and Qatari support"'
    scenario.write_text(scenario.read_text(encoding="utf-8").replace(plain, f"title: {titled}\n"), encoding="utf-8")
    for start in ("aug16-bridging", "aug16-bridging@hamas-aug18"):
        result = runner.invoke(app, ["bridge", str(folder), "--from", start, "-k", "1"])
        assert result.exit_code == 0, result.output
        assert "Bridge 1:" in result.stdout and "to US bridging proposal [/x], with" in result.stdout


def test_bridge_with_no_proposal_starts_from_an_empty_text() -> None:
    out = invoke_json("bridge", str(HARBOUR), "-k", "1")
    assert out["reference"] is None
    (first,) = out["bridges"]
    s = load_any(HARBOUR)
    assert first["changes"] == []  # an empty text has no term to change: every issue is open, and filled
    assert {f["issue"] for f in first["filled"]} == {issue.id for issue in s.issues}
    nash = invoke_json("frontier", str(HARBOUR))["solutions"]["nash"]
    assert first["terms"] == nash["terms"]
    text = runner.invoke(app, ["bridge", str(HARBOUR)])
    assert text.exit_code == 0 and "An empty text (no proposal is on the table) needs no change" in text.stdout
    # with proposals on the table, the text to start from must be named
    result = runner.invoke(app, ["bridge", str(GAZA)])
    assert result.exit_code == 2 and result.stderr.startswith(f"{GAZA}: --from: name the proposal to start from")
    assert "may31-framework" in result.stderr


def test_trades_with_no_proposal_say_an_empty_text_has_nothing_to_trade() -> None:
    parties = ",".join(p.id for p in load_any(HARBOUR).parties)
    assert invoke_json("trades", str(HARBOUR), "--parties", parties)["trades"] == []
    text = runner.invoke(app, ["trades", str(HARBOUR), "--parties", parties])
    assert text.exit_code == 0 and "an empty text holds no term to trade" in text.stdout
    result = runner.invoke(app, ["trades", str(GAZA), "--parties", "israel,hamas"])
    assert result.exit_code == 2 and "--from: name the proposal" in result.stderr


def test_profiles_pick_the_parties_of_a_folder_with_variants(tmp_path: Path) -> None:
    folder = tmp_path / "harbour"
    folder.mkdir()
    for path in HARBOUR.iterdir():
        (folder / path.name).write_bytes(path.read_bytes())
    variant = (HARBOUR / "harbour-prof2.xml").read_text(encoding="utf-8")
    assert '<reservation value="' in variant
    (folder / "harbour-prof2-low.xml").write_text(
        variant.replace("<reservation value=", '<reservation value="0.1" old=')
    )
    for verb in (["frontier"], ["analyze"], ["validate"], ["bridge"], ["tabled"]):
        result = runner.invoke(app, [*verb, str(folder)])
        assert result.exit_code == 2, verb
        assert result.stderr.startswith(f"{folder}:1:1: 3 GENIUS profiles and nothing says which are the parties")
        assert "harbour-prof2-low.xml" in result.stderr and "--profiles" in result.stderr
    pick = ["--profiles", "harbour-prof1.xml,harbour-prof2-low.xml"]
    out = invoke_json("frontier", str(folder), *pick)
    assert out["parties"] == ["harbour-prof1", "harbour-prof2-low"]
    assert runner.invoke(app, ["validate", str(folder), *pick]).exit_code == 0
    target = tmp_path / "picked.yaml"
    result = runner.invoke(app, ["import", "genius", str(folder), "-o", str(target), *pick])
    assert result.exit_code == 0, result.output
    assert "note: profiles not read as parties: harbour-prof2.xml" in result.stdout
    assert load_any(target).preferences["harbour-prof2-low"].reservation == 0.1
    wrong = runner.invoke(app, ["frontier", str(folder), "--profiles", "harbour-prof1.xml,nope.xml"])
    assert wrong.exit_code == 2 and "not a GENIUS profile in this folder: nope.xml" in wrong.stderr


def test_json_is_indented_when_small_and_compact_when_large(capsys: pytest.CaptureFixture[str]) -> None:
    from truce.cli.common import PRETTY_JSON_LIMIT, print_json

    print_json({"a": [1, 2]})
    small = capsys.readouterr().out
    assert small.count("\n") > 1 and json.loads(small) == {"a": [1, 2]}
    big = {"rows": ["x" * 100] * (PRETTY_JSON_LIMIT // 100)}
    print_json(big)
    large = capsys.readouterr().out
    assert large.count("\n") == 1 and json.loads(large) == big


def test_a_fill_within_the_tabled_terms_never_calls_a_term_a_partys_preferred_one_outright() -> None:
    """Hamas's best Rafah option (Israeli withdrawal) was never tabled: the best tabled one is only that."""
    texts = {}
    for within in ("tabled", "all"):
        out = invoke_json("bridge", str(GAZA), "--from", "aug16-bridging", "--within", within)
        texts[within] = [f["text"] for b in out["bridges"] for f in b["filled"]]
    assert any("Rafah" in t and "Hamas gets its preferred term of those tabled" in t for t in texts["tabled"])
    assert texts["all"] and not any("of those tabled" in t for t in texts["all"])


@pytest.mark.parametrize(
    "args",
    [
        ("frontier", str(GAZA)),
        ("bridge", str(GAZA), "--from", "aug16-bridging"),
        ("trades", str(GAZA), "--from", "aug16-bridging", "--parties", "israel,hamas"),
        ("diff", str(GAZA), "may31-framework", "jul27-israel"),
    ],
)
def test_every_answer_in_utilities_says_whose_preferences_are_assumed(args: tuple[str, ...]) -> None:
    """The shipped case's preferences are assumptions: analyze and simulate said so, these verbs did not."""
    result = runner.invoke(app, list(args), env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "Preferences of israel, hamas are assumptions" in result.stdout
    assert invoke_json(*args)["preferences_assumed_for"] == ["israel", "hamas"]


def test_a_thinned_frontier_says_so_and_how_close_it_is(monkeypatch: pytest.MonkeyPatch) -> None:
    """Past its work bound the merge thins the frontier: the answer says it is approximate, by how much."""
    from truce.analysis import frontier as fr

    monkeypatch.setattr(fr, "ENUMERATE_MAX", 0)
    monkeypatch.setattr(fr, "MAX_CANDIDATES", 8)
    out = invoke_json("frontier", str(LABOUR), "--within", "all")
    assert out["precision"] > 0
    human = runner.invoke(app, ["frontier", str(LABOUR), "--within", "all"], env={"COLUMNS": "300"})
    assert f"within {out['precision']:.3g} of a listed one for every party" in human.stdout


def test_the_frontier_budget_buys_precision(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """The work a frontier of three or more parties may do was fixed: a researcher could not trade time for a
    finer grid. With no budget beyond the comparisons every layer may always make it thins; by default it is
    exact; and the answer names the option."""
    from truce.analysis import frontier as fr
    from truce.io.scenario_files import scenario_to_data, scenario_to_text
    from truce.model.generate import random_scenario

    three = tmp_path / "three.json"
    data = scenario_to_data(random_scenario(np.random.default_rng(3), 3, (6,) * 6))
    three.write_text(scenario_to_text(data, json_format=True), encoding="utf-8")
    monkeypatch.setattr(fr, "MIN_CANDIDATES", 8)
    args = ("frontier", str(three))
    assert invoke_json(*args)["precision"] == 0
    starved = invoke_json(*args, "--frontier-budget", "0")
    assert starved["precision"] > 0
    human = runner.invoke(app, [*args, "--frontier-budget", "0"], env={"COLUMNS": "300"})
    assert "(--frontier-budget above 0 s gives a finer grid)" in human.stdout
    refused = runner.invoke(app, [*args, "--frontier-budget", "-1"])
    assert refused.exit_code == 2 and "--frontier-budget" in refused.output


def test_bridges_from_a_thinned_frontier_say_so_and_how_close_they_are(monkeypatch: pytest.MonkeyPatch) -> None:
    """A bridge's packages come from the frontier of the packages changing its set of issues: when that
    frontier is thinned, the answer says that each set's best is chosen among those listed, and by how much."""
    from truce.analysis import frontier as fr

    monkeypatch.setattr(fr, "ENUMERATE_MAX", 0)
    monkeypatch.setattr(fr, "MAX_CANDIDATES", 8)
    args = ("bridge", str(GAZA), "--from", "jul2-hamas", "--within", "all")
    search = invoke_json(*args)["search"]
    assert search["precision"] > 0
    human = runner.invoke(app, list(args), env={"COLUMNS": "300"})
    assert f"within {search['precision']:.3g} of every party's utility" in human.stdout
    assert ("is the least possible" in human.stdout) == search["least"] or search["complete"]
