from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from truce.cli import app
from truce.errors import InputError
from truce.io.agreement_files import load_agreement, read_people

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
A2025 = EXAMPLES / "exchange-2025"
runner = CliRunner()


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, ["exchange", *args])
    return result.exit_code, result.stdout, result.stderr


def test_plan_json_is_stable_and_checks(tmp_path: Path) -> None:
    code, out, _ = run("plan", str(A2025), "--json")
    assert code == 0
    data = json.loads(out)
    assert list(data) == ["agreement", "objective", "objective_value", "binding", "explanation", "days"]
    day1 = data["days"][0]
    assert (day1["day"], day1["date"]) == (1, "2025-01-19")
    assert {"side": "hamas", "category": "civilian_women", "count": 3, "settles": ["key_civilian"]} in day1["releases"]
    plan = tmp_path / "plan.json"
    plan.write_text(out)
    code, out, _ = run("check", str(A2025), str(plan))
    assert code == 0 and "meets every rule" in out


def test_check_reports_violations_located(tmp_path: Path) -> None:
    _, out, _ = run("plan", str(A2025), "--json")
    data = json.loads(out)
    for r in data["days"][0]["releases"]:
        if r["category"] == "women_minors":
            r["count"] = 60
    plan = tmp_path / "plan.json"
    plan.write_text(json.dumps(data))
    code, out, _ = run("check", str(A2025), str(plan))
    assert code == 1
    assert "agreement.yaml:" in out and "key: day 1: key key_civilian: 30 women_minors short by day 1" in out


def test_malformed_agreement_is_located(tmp_path: Path) -> None:
    text = (
        (A2025 / "agreement.yaml")
        .read_text()
        .replace("    per_person: {women_minors: 30}", "    per_persons: {women_minors: 30}")
    )
    bad = tmp_path / "agreement.yaml"
    bad.write_text(text)
    line = text.splitlines().index("    per_persons: {women_minors: 30}") + 1
    code, _, err = run("plan", str(bad))
    assert code == 2
    assert f"agreement.yaml:{line}:5: unknown field 'per_persons'" in err


def test_cross_reference_error_is_located(tmp_path: Path) -> None:
    text = (A2025 / "agreement.yaml").read_text().replace("category: gaza_detainees", "category: civilian_women")
    bad = tmp_path / "agreement.yaml"
    bad.write_text(text)
    code, _, err = run("plan", str(bad))
    assert code == 2
    assert "'civilian_women' is not a category of side israel (it belongs to hamas)" in err
    assert ":1:1:" not in err


def test_infeasible_agreement_names_the_rules_with_places(tmp_path: Path) -> None:
    text = (A2025 / "agreement.yaml").read_text().replace("- {day: 7, count: 4}", "- {day: 7, count: 40}")
    bad = tmp_path / "agreement.yaml"
    bad.write_text(text)
    code, _, err = run("plan", str(bad))
    assert code == 2
    assert "these rules conflict" in err
    line = text.splitlines().index("    - {day: 7, count: 40}") + 1
    assert f"agreement.yaml:{line}:7: conflicting rule: cadence batch 2: 40 on day 7" in err


def test_malformed_log_is_located(tmp_path: Path) -> None:
    log = tmp_path / "log.csv"
    log.write_text(
        "# comment\nday,side,category,count\n1,hamas,civilian_women,3\n2,hamas,women_minors,4\nx,israel,life,3\n"
    )
    code, _, err = run("ledger", str(A2025), str(log))
    assert code == 2
    assert "log.csv:4:9: 'women_minors' is not a category of side 'hamas' (it is of side israel)" in err
    assert "log.csv:5:1: day must be a whole number (got 'x')" in err


def test_log_with_unknown_column(tmp_path: Path) -> None:
    log = tmp_path / "log.csv"
    log.write_text("day,side,cat,count\n")
    code, _, err = run("ledger", str(A2025), str(log))
    assert code == 2 and "log.csv:1:10: unknown column 'cat'" in err


def test_ledger_json_and_report(tmp_path: Path) -> None:
    report = tmp_path / "ledger.html"
    code, out, _ = run("ledger", str(A2025), str(A2025 / "release-log.csv"), "--json", "--report", str(report))
    assert code == 0
    data = json.loads(out)
    kinds = [(d["day"], v["kind"]) for d in data["days"] for v in d["deviations"]]
    assert (35, "late") in kinds
    html = report.read_text()
    assert "Plotly.newPlot" in html and "key_held_since_2014" in html and "<script src=" not in html


def test_plan_report(tmp_path: Path) -> None:
    report = tmp_path / "plan.html"
    code, _, _ = run("plan", str(A2025), "--objective", "exposure", "--report", str(report))
    assert code == 0
    assert "return_north" in report.read_text()


def test_synthetic_lists_and_identifiers(tmp_path: Path) -> None:
    lists = tmp_path / "people.csv"
    code, _, _ = run("lists", str(A2025), "--synthetic", "--seed", "3", "--out", str(lists))
    assert code == 0
    rows = lists.read_text().splitlines()
    assert rows[0] == "id,side,category,status"
    assert len(rows) == 1 + 33 + 275 + 295 + 144 + 1000 + 47
    code, out, _ = run("plan", str(A2025), "--lists", str(lists), "--json")
    assert code == 0
    releases = [r for d in json.loads(out)["days"] for r in d["releases"]]
    ids = [i for r in releases for i in r["ids"]]
    assert all(len(r["ids"]) == r["count"] for r in releases)
    assert len(ids) == len(set(ids))


def test_lists_need_synthetic() -> None:
    code, _, err = run("lists", str(A2025))
    assert code == 2 and "--synthetic" in err


def test_example_folder_copy_works(tmp_path: Path) -> None:
    shutil.copytree(EXAMPLES / "exchange-2023", tmp_path / "x")
    code, out, _ = run("plan", str(tmp_path / "x"), "--json")
    assert code == 0 and json.loads(out)["objective_value"] == 7.0


def test_docs_example_agreement_plans(tmp_path: Path) -> None:
    import re

    text = (Path(__file__).resolve().parent.parent / "docs" / "exchange.md").read_text()
    block = re.search(r"```yaml\n(.*?)```", text, re.S)
    assert block is not None
    file = tmp_path / "agreement.yaml"
    file.write_text(block.group(1))
    code, out, _ = run("plan", str(file), "--json")
    assert code == 0
    plan = tmp_path / "plan.json"
    plan.write_text(out)
    assert run("check", str(file), str(plan))[0] == 0


def test_malformed_plan_is_located(tmp_path: Path) -> None:
    plan = tmp_path / "plan.json"
    plan.write_text(
        '{\n  "days": [\n    {"day": 1, "releases": '
        '[{"side": "hamas", "category": "civilian_women", "count": -3}]}\n  ]\n}\n'
    )
    code, _, err = run("check", str(A2025), str(plan))
    assert code == 2
    assert "plan.json:3:" in err and "greater than or equal to 0" in err


def test_a_plan_for_another_agreement_is_refused_at_its_agreement_field(tmp_path: Path) -> None:
    """A plan naming another agreement was checked anyway: one for `other` met every rule of exchange-2025."""
    _, out, _ = run("plan", str(A2025), "--json")
    plan = tmp_path / "plan.json"
    plan.write_text(json.dumps({**json.loads(out), "agreement": "other"}, indent=1))
    code, _, err = run("check", str(A2025), str(plan))
    assert code == 2
    assert err.strip() == f"{plan}:2:15: the plan is for agreement 'other', not 'exchange-2025'"
    assert run("ledger", str(A2025), str(A2025 / "release-log.csv"), "--plan", str(plan))[0] == 2


def test_a_plans_own_problems_are_located_in_the_plan(tmp_path: Path) -> None:
    """A category the agreement does not have was reported as `plan: ...`, with no line in either file."""
    _, out, _ = run("plan", str(A2025), "--json")
    plan = tmp_path / "plan.json"
    text = json.dumps(json.loads(out), indent=1).replace('"civilian_women"', '"unicorns"', 1)
    plan.write_text(text)
    line = next(n for n, row in enumerate(text.splitlines(), 1) if '"unicorns"' in row)
    code, out, _ = run("check", str(A2025), str(plan))
    assert code == 1
    assert f"{plan}:{line}:" in out and "plan: day 1: 'unicorns' is not a category of side 'hamas'" in out


def test_lists_that_do_not_match_are_reported(tmp_path: Path) -> None:
    lists = tmp_path / "people.csv"
    lists.write_text("id,side,category,status\nX-1,hamas,civilian_women,\n")
    code, _, err = run("plan", str(A2025), "--lists", str(lists))
    assert code == 2
    assert "the lists hold 1 of civilian_women but the agreement says 4" in err
    lists.write_text("id,side,category,status\nX-1,hamas,civilian_women,maybe\n")
    code, _, err = run("plan", str(A2025), "--lists", str(lists))
    assert code == 2 and "people.csv:2:26: status must be veto, exile or empty" in err


def test_lists_must_mark_as_vetoed_whom_the_agreement_vetoes(tmp_path: Path) -> None:
    """Lists with no veto marks for an agreement that vetoes a soldier were taken, and the plan gave that
    soldier's place an identifier to release: the planner cannot know who is vetoed but from the marks."""
    agreement = tmp_path / "agreement.yaml"
    text = (A2025 / "agreement.yaml").read_text(encoding="utf-8")
    agreement.write_text(text + "vetoes:\n  - {side: hamas, category: female_soldiers, count: 1}\n", encoding="utf-8")
    lists = tmp_path / "people.csv"
    assert run("lists", str(A2025), "--synthetic", "--out", str(lists))[0] == 0
    code, _, err = run("plan", str(agreement), "--lists", str(lists))
    assert code == 2 and "the lists mark 0 of female_soldiers as vetoed but the agreement vetoes 1" in err
    assert run("lists", str(agreement), "--synthetic", "--out", str(lists))[0] == 0
    assert run("plan", str(A2025), "--lists", str(lists))[0] == 2
    assert run("plan", str(agreement), "--lists", str(lists))[0] == 0


def test_csv_readers_take_text_as_well_as_files(tmp_path: Path) -> None:
    from truce.exchange.lists import synthetic_lists
    from truce.io.agreement_files import (
        load_agreement,
        load_people,
        load_release_log,
        people_to_csv,
        read_people,
        read_release_log,
    )

    a, _ = load_agreement(A2025)
    log = A2025 / "release-log.csv"
    assert read_release_log(log.read_text(encoding="utf-8"), a) == load_release_log(log, a)
    people = synthetic_lists(a, seed=3)
    (tmp_path / "people.csv").write_text(people_to_csv(people))
    assert read_people(people_to_csv(people), a) == load_people(tmp_path / "people.csv", a) == people
    with pytest.raises(InputError) as caught:
        read_release_log("day,side,category,count\n1,nobody,x,1\n", a, "pasted log")
    assert [(p.file, p.line, p.column) for p in caught.value.problems] == [("pasted log", 2, 3)]


def test_ledger_lines_leave_no_blank_where_a_category_or_side_is_missing() -> None:
    """A cadence's batch due read "hamas: 3  (cadence batch 1)", and aid trucks done ": aid_trucks 630"."""
    from truce.cli.exchange import _done_line, _due_line
    from truce.exchange.ledger import keep_ledger
    from truce.io.agreement_files import load_agreement, load_release_log

    a, _ = load_agreement(A2025)
    ledger = keep_ledger(a, load_release_log(A2025 / "release-log.csv", a), None, None)
    dues = [_due_line(e) for d in ledger.days for e in d.due]
    done = [_done_line(e) for d in ledger.days for e in d.done]
    assert "hamas: 3 people (cadence batch 1)" in dues and "aid_trucks 630" in done
    assert not [line for line in dues + done if "  " in line or line.startswith(":") or ": :" in line]


def test_the_ledger_accounts_through_a_day_a_log_could_hold() -> None:
    """--through 5000 ran the ledger of a 42-day agreement to the year 2038, a day no release log may name (their
    days stop at ten years): the option is bounded as the log's days are."""
    folder = EXAMPLES / "exchange-2025"
    args = ["exchange", "ledger", str(folder), str(folder / "release-log.csv"), "--through"]
    assert runner.invoke(app, [*args, "5000"]).exit_code == 2
    assert runner.invoke(app, [*args, "50"]).exit_code == 0


def test_a_person_listed_twice_is_located_at_the_second_line(tmp_path: Path) -> None:
    """The lists answered "people.csv: identifier 'X-1' appears twice", with no line to find it on."""
    lists = tmp_path / "people.csv"
    lists.write_text(
        "id,side,category,status\nX-1,hamas,civilian_women,\nX-2,hamas,civilian_women,\nX-1,hamas,deceased,\n"
    )
    code, _, err = run("plan", str(A2025), "--lists", str(lists))
    assert code == 2
    assert f"{lists}:4:1: identifier 'X-1' is also on line 2" in err


def test_a_person_listed_twice_is_located_at_the_identifier_wherever_its_column() -> None:
    """With the identifier in the last column, the second line was located at column 1, on the side."""
    a = load_agreement(A2025)[0]
    text = "side,category,id\nhamas,civilian_women,X-1\nhamas,civilian_women,X-1\n"
    with pytest.raises(InputError) as caught:
        read_people(text, a, "people.csv")
    assert [(p.line, p.column, p.message) for p in caught.value.problems] == [
        (3, 22, "identifier 'X-1' is also on line 2")
    ]
