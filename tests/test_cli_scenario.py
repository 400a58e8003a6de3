"""The scenario verbs end to end, on the shipped cases."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema

from cli_runner import invoke_json, runner
from truce.analysis.overview import overview
from truce.cli import app
from truce.io.scenario_files import load_any
from truce.report.brief import gap_heatmap

ROOT = Path(__file__).resolve().parent.parent
GAZA = ROOT / "examples" / "gaza-2024"


def test_validate_shipped_examples() -> None:
    paths = sorted(str(p.parent) for p in (ROOT / "examples").glob("*/scenario.yaml"))
    out = invoke_json("validate", *paths)
    assert out["valid"] is True and len(out["scenarios"]) == len(paths) >= 2


def test_gaza_case_reads_as_the_record_does() -> None:
    """The 16 August text was never published: as tabled it states no term of its own, and under the
    stated assumptions whether Hamas can accept it depends on whose account of it is taken. Read as
    Hamas's statement of 18 August describes it, it crosses Hamas's red line and is acceptable to
    Israel; read as the mediators describe it, Hamas's assumed preferences accept it. The Israeli
    account (forces remaining on the corridor) cannot stand with the complete withdrawal the text
    inherits. The Philadelphi Corridor and the return north are among the top sticking points."""
    out = invoke_json("analyze", str(GAZA))
    aug16 = next(p for p in out["proposals"] if p["id"].startswith("aug16"))
    readings = {r["id"]: r for r in aug16["readings"]}
    assert {r["by"] for r in readings.values()} == {"united_states", "israel", "hamas"}
    hamas_reading = readings["hamas-aug18"]["standing"]
    assert hamas_reading["israel"]["acceptable"] == "yes"
    assert hamas_reading["hamas"]["acceptable"] == "no"
    assert hamas_reading["hamas"]["shortfall"] > 0 and hamas_reading["hamas"]["red_lines_crossed"]
    assert readings["mediators"]["standing"]["hamas"]["acceptable"] == "yes"
    assert aug16["depends_on_reading"]["hamas"]["depends"] is True
    broken = {b["id"]: b["broken"] for b in readings["israel-pmo"]["package_rules"]}
    assert broken["corridor-vs-complete-withdrawal"] == "yes"
    top = [sp["issue"] for sp in out["sticking_points"][:3]]
    assert "philadelphi" in top and "return_north" in top
    assert out["assumptions"]["preferences_assumed_for"] == ["israel", "hamas"]


def test_analyze_json_shape_is_stable() -> None:
    out = invoke_json("analyze", str(GAZA))
    assert list(out) == ["truce_json", "scenario", "title", "assumptions", "parties", "proposals", "sticking_points"]
    proposal = out["proposals"][0]
    assert list(proposal) == [
        "id", "title", "tabled_by", "date", "status", "parent", "lineage", "complete", "terms", "standing",
        "changes_from_parent", "package_rules", "readings", "depends_on_reading", "ratification",
    ]  # fmt: skip
    standing = next(iter(proposal["standing"].values()))
    assert list(standing) == [
        "utility", "reservation", "acceptable", "shortfall", "reasons", "gaps", "biggest_gap", "red_lines_crossed",
        "gap_notes", "fragility",
    ]  # fmt: skip
    for p in out["proposals"]:
        assert p["lineage"][-1] == p["id"]
        for ch in p["changes_from_parent"]:
            assert set(ch) == {"issue", "kind", "from", "to", "text", "effect"}


def test_silence_is_not_a_preference_on_the_gaza_case() -> None:
    """The file gives Israel no weight on aid trucks: no preferred number, no gap that reads as met."""
    out = invoke_json("analyze", str(GAZA))
    aid = next(sp for sp in out["sticking_points"] if sp["issue"] == "aid_trucks")
    assert aid["preferred"]["israel"] is None and aid["preferred"]["hamas"] is not None
    assert "no stated position from israel" in aid["note"]
    assert aid["losses_at_compromise"]["israel"] is None
    # only 600 trucks a day was ever tabled: the least-loss 800 is the arithmetic's, and says so
    assert aid["compromise"] == 800 and aid["untabled"] is True
    tabled = {sp["issue"]: sp["untabled"] for sp in out["sticking_points"]}
    assert tabled["rafah"] is True and tabled["philadelphi"] is False
    for p in out["proposals"]:
        israel = p["standing"]["israel"]
        assert israel["gaps"]["aid_trucks"] is None
        assert israel["gap_notes"]["aid_trucks"] == "no stated position"
        # Every null gap says why, and no number is explained away.
        assert {k for k, v in israel["gaps"].items() if v is None} == set(israel["gap_notes"])
    text = runner.invoke(app, ["analyze", str(GAZA)]).stdout
    assert "prefers 0 trucks" not in text.replace("\n", " ")
    assert "no stated position" in text


def test_every_verdict_on_the_shipped_case_says_what_would_flip_it() -> None:
    """Under the file's assumptions: a yes holds unless the reservation rises above the worst completion, a no
    (not forced by a red line) unless it falls to the best; only the issues a party weighs have a weight flip."""
    out = invoke_json("analyze", str(GAZA))
    for proposal in out["proposals"]:
        for st in proposal["standing"].values():
            f = st["fragility"]
            assert list(f) == ["forced_by_red_lines", "reservation", "weights", "text"]
            assert f["text"].startswith("holds unless") or f["forced_by_red_lines"]
            assert set(f["weights"]) <= {
                k for k, v in st["gaps"].items() if v is not None or st["gap_notes"][k] != "no stated position"
            }
            if f["forced_by_red_lines"] or not f["reservation"]:
                continue
            first = f["reservation"][0]
            if st["acceptable"] == "yes":
                assert (first["direction"], first["threshold"]) == ("rises", st["utility"]["low"])
                assert first["verdict"] in ("depends", "no")
            elif st["acceptable"] == "no":
                assert (first["direction"], first["threshold"]) == ("falls", st["utility"]["high"])
                assert first["verdict"] in ("depends", "yes")
    text = " ".join(runner.invoke(app, ["analyze", str(GAZA)]).stdout.split())
    assert "aug16-bridging, hamas (" in text and "holds unless" in text


def test_an_issue_every_party_is_silent_on_has_no_least_loss_option(tmp_path: Path) -> None:
    """With no weight from anyone on the pension, the first option was shown as the least-loss one, at a loss
    of 0 to both: silence read as agreement."""
    text = (ROOT / "examples" / "labour-2025" / "scenario.yaml").read_text().replace("pension: 20", "pension: 0")
    assert text.count("pension: 0") == 2
    (tmp_path / "scenario.yaml").write_text(text)
    out = invoke_json("analyze", str(tmp_path / "scenario.yaml"))
    pension = next(sp for sp in out["sticking_points"] if sp["issue"] == "pension")
    assert pension["compromise"] is None and set(pension["losses_at_compromise"].values()) == {None}
    human = runner.invoke(app, ["analyze", str(tmp_path / "scenario.yaml")], env={"COLUMNS": "300"})
    assert "none: no party states a position" in human.stdout


def test_a_weight_past_the_cap_is_bad_input_in_a_file(tmp_path: Path) -> None:
    """Only ratios matter, so weights are capped: past about 1e308 they added up to infinity and every
    utility was 0."""
    text = (ROOT / "examples" / "labour-2025" / "scenario.yaml").read_text().replace("pension: 20", "pension: 1e308", 1)
    (tmp_path / "scenario.yaml").write_text(text)
    result = runner.invoke(app, ["validate", str(tmp_path / "scenario.yaml")])
    line = next(n for n, row in enumerate(text.splitlines(), 1) if "pension: 1e308" in row)
    column = text.splitlines()[line - 1].index("1e308") + 1
    assert result.exit_code == 2
    assert f"scenario.yaml:{line}:{column}: input should be less than or equal to 1000" in result.stderr


def test_human_output_names_assumptions_and_sticking_points() -> None:
    result = runner.invoke(app, ["analyze", str(GAZA)])
    assert result.exit_code == 0
    assert "illustrative assumptions" in result.stdout
    assert "Sticking points" in result.stdout
    assert "Philadelphi" in result.stdout


def test_report_is_self_contained(tmp_path: Path) -> None:
    report = tmp_path / "brief.html"
    result = runner.invoke(app, ["analyze", str(GAZA), "--report", str(report)])
    assert result.exit_code == 0
    html = report.read_text()
    assert "illustrative assumptions" in html
    assert "Plotly.newPlot" in html
    assert "holds unless its reservation" in html and "no stated position" in html
    # Nothing is fetched when the page is viewed: no external scripts or styles.
    assert "<script src=" not in html and "<link " not in html


def test_gap_heatmap_tells_met_from_silent_and_open_in_words() -> None:
    o = overview(load_any(GAZA))
    figure = gap_heatmap(o)
    labels = figure.data[0].text
    columns = [(v, st) for v in o.proposals for st in v.standings]
    for row, issue in enumerate(o.compiled.issues):
        for col, (_, st) in enumerate(columns):
            gap = st.gaps[issue]
            expected = (
                {"no stated position": "no position", "left open": "open"}[st.gap_notes[issue]]
                if gap is None
                else ("met" if gap == 0 else f"{gap:.3f}")
            )
            assert labels[row][col] == expected
    assert figure.data[0].texttemplate == "%{text}"
    flat = [label for row in labels for label in row]
    assert {"met", "no position", "open"} <= set(flat)


def test_diff_in_the_issues_own_words() -> None:
    out = invoke_json("diff", str(GAZA), "may31-framework", "jul27-israel")
    issues = {ch["issue"]: ch for ch in out["changes"]}
    assert "philadelphi" in issues and "return_north" in issues
    assert " -> " in issues["philadelphi"]["text"]
    # The 16 August text as tabled restates nothing of the framework: every account of it is a reading.
    assert invoke_json("diff", str(GAZA), "may31-framework", "aug16-bridging")["changes"] == []


def test_diff_unknown_proposal_is_bad_input() -> None:
    result = runner.invoke(app, ["diff", str(GAZA), "may31-framework", "nope"])
    assert result.exit_code == 2
    assert "no proposal 'nope'" in result.stderr


def test_schema_is_a_json_schema_that_accepts_the_shipped_case() -> None:
    schema = json.loads(runner.invoke(app, ["schema"]).stdout)
    jsonschema.Draft202012Validator.check_schema(schema)
    from truce.io.documents import read_document

    data = read_document(GAZA / "scenario.yaml").data
    jsonschema.validate(data, schema, format_checker=None)


def test_a_file_may_plan_meetings_ahead_but_not_date_a_text_or_a_statement_after_today(tmp_path: Path) -> None:
    """A file recording a text tabled next year, or a statement made then, passed `truce validate`. A meeting or a
    round may be set for a date ahead, and an event scheduled, so those stand."""
    import datetime as dt

    from truce.io.scenario_files import load_scenario, scenario_to_data

    ahead = (dt.datetime.now(dt.UTC).date() + dt.timedelta(days=400)).isoformat()
    data = scenario_to_data(load_scenario(ROOT / "examples" / "gaza-2024"))
    data["meetings"].append({"id": "planned", "date": ahead, "who": ["united_states"], "met_with": ["israel"]})
    data["rounds"].append({"id": "planned-round", "title": "Next round", "start": ahead})
    data["events"].append({"date": ahead, "title": "Talks set to resume"})
    planned = tmp_path / "planned.json"
    planned.write_text(json.dumps(data, indent=1))
    assert runner.invoke(app, ["validate", str(planned)]).exit_code == 0
    data["proposals"].append({"id": "next-year", "title": "Ahead", "tabled_by": ["qatar"], "date": ahead})
    data["statements"][0]["date"] = ahead
    bad = tmp_path / "ahead.json"
    bad.write_text(json.dumps(data, indent=1))
    result = runner.invoke(app, ["validate", str(bad)])
    lines = bad.read_text().splitlines()
    where = [n for n, row in enumerate(lines, 1) if f'"date": "{ahead}"' in row]
    said = [row for row in result.stderr.splitlines() if "after today" in row]
    assert result.exit_code == 2 and len(said) == 2, result.stderr
    assert any(f"ahead.json:{n}:" in said[0] and "a text is dated when it is tabled" in said[0] for n in where)
    assert "a statement is recorded once it is made" in said[1] and "Traceback" not in result.stderr
