"""Contested readings of a proposal: validation locates every mistake, and each reading's terms
overlay the text's without passing down to the proposal's children."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from cli_runner import invoke_json
from truce.analysis.fragility import fragility, fragility_json
from truce.cli import app
from truce.io.scenario_files import load_scenario
from truce.model.checks import build_scenario
from truce.model.compiled import compile_scenario

ROOT = Path(__file__).resolve().parent.parent
LABOUR = ROOT / "examples" / "labour-2025"
runner = CliRunner()


def labour() -> dict[str, Any]:
    data = yaml.safe_load((LABOUR / "scenario.yaml").read_text())
    assert isinstance(data, dict)
    return data


def proposal(data: dict[str, Any], pid: str) -> dict[str, Any]:
    found = next(p for p in data["proposals"] if p["id"] == pid)
    assert isinstance(found, dict)
    return found


def test_reading_terms_overlay_the_text_and_children_inherit_the_text() -> None:
    s = load_scenario(LABOUR)
    tabled = s.terms_of("mediator-package")
    union = s.terms_of("mediator-package", "union-mar07")
    assert union == {**tabled, "weekend_premium": "fifteen_percent"}
    assert tabled["weekend_premium"] == "ten_percent"
    data = labour()
    data["proposals"].append(
        {
            "id": "amended",
            "title": "Amended package",
            "tabled_by": ["mediator"],
            "date": "2025-03-08",
            "parent": "mediator-package",
            "terms": {"contract_length": "two_years"},
            "readings": [{"id": "own", "by": "union", "terms": {"pension": "unchanged"}}],
        }
    )
    s = build_scenario(data)
    # a child inherits the text as tabled, not any reading of it
    assert s.terms_of("amended") == {**tabled, "contract_length": "two_years"}
    assert s.terms_of("amended", "own") == {**tabled, "contract_length": "two_years", "pension": "unchanged"}


def test_every_mistake_in_a_reading_is_located(tmp_path: Path) -> None:
    data = labour()
    proposal(data, "mediator-package")["readings"] = [
        {"id": "r1", "by": "nobody", "terms": {"staffing": "robots"}},
        {"id": "r1", "by": "union", "terms": {"wages": 2}, "sources": ["nowhere"]},
        {"id": "r2", "by": "authority", "terms": {"wage_increase": 2.1}},
    ]
    path = tmp_path / "scenario.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    result = runner.invoke(app, ["validate", str(path)])
    assert result.exit_code == 2, result.output
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    for line in lines:
        assert re.match(r"^.+:\d+:\d+: \S", line), line
    text = "\n".join(lines)
    assert "unknown party or source 'nobody'" in text
    assert "unknown option 'robots' of staffing" in text
    assert "duplicate reading id 'r1'" in text
    assert "unknown issue 'wages'" in text
    assert "unknown source 'nowhere'" in text
    assert "2.1 is not a value of wage_increase" in text
    assert len(lines) == 6


def test_a_source_may_hold_a_reading(tmp_path: Path) -> None:
    data = labour()
    data["sources"] = {"paper": {"title": "Harbourton Gazette (fictional)"}}
    proposal(data, "mediator-package")["readings"] = [{"id": "press", "by": "paper", "terms": {"pension": "unchanged"}}]
    path = tmp_path / "scenario.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    result = runner.invoke(app, ["validate", str(path)])
    assert result.exit_code == 0, result.output


def test_analyze_gives_the_standing_under_every_reading(tmp_path: Path) -> None:
    out = invoke_json("analyze", str(LABOUR))
    by_id = {p["id"]: p for p in out["proposals"]}
    package = by_id["mediator-package"]
    s = load_scenario(LABOUR)
    c = compile_scenario(s)
    assert [r["id"] for r in package["readings"]] == ["union-mar07", "authority-mar07"]
    for r in package["readings"]:
        terms = s.terms_of("mediator-package", r["id"])
        assert r["terms"] == terms and r["asserts"] == dict(s.proposal("mediator-package").reading(r["id"]).terms)
        u = c.utilities(c.encode(terms))[0]
        ok = c.acceptable(c.encode(terms))[0]
        for p, party in enumerate(c.parties):
            assert r["standing"][party]["utility"]["low"] == pytest.approx(u[p], abs=1e-6)
            assert r["standing"][party]["acceptable"] == ("yes" if ok[p] else "no")
    verdicts = {
        party: {package["standing"][party]["acceptable"]}
        | {r["standing"][party]["acceptable"] for r in package["readings"]}
        for party in c.parties
    }
    flags = package["depends_on_reading"]
    assert {party: flags[party]["depends"] for party in c.parties} == {
        party: len(v) > 1 for party, v in verdicts.items()
    }
    # the union's answer turns on whose reading holds: yes as tabled, no as the authority reads it
    assert flags["union"]["depends"] and not flags["authority"]["depends"]
    assert "no as read by Harbourton Transit Authority (fictional) (authority-mar07)" in flags["union"]["text"]
    assert by_id["tentative-agreement"]["readings"] == [] and by_id["tentative-agreement"]["depends_on_reading"] == {}

    result = runner.invoke(app, ["analyze", str(LABOUR), "--report", str(tmp_path / "brief.html")])
    assert result.exit_code == 0, result.output
    assert "union: the verdict depends on the reading" in " ".join(result.stdout.split())
    assert "authority: the verdict depends" not in result.stdout
    html = (tmp_path / "brief.html").read_text()
    assert "union: the verdict depends on the reading" in html and "authority-mar07" in html


def test_diff_lists_each_reading_and_takes_a_text_as_one_reading_reads_it() -> None:
    out = invoke_json("diff", str(LABOUR), "authority-counter", "mediator-package")
    assert [(r["proposal"], r["reading"], r["by"]) for r in out["readings"]] == [
        ("mediator-package", "union-mar07", "union"),
        ("mediator-package", "authority-mar07", "authority"),
    ]
    s = load_scenario(LABOUR)
    for r in out["readings"]:
        tabled, read = s.terms_of(r["proposal"]), s.terms_of(r["proposal"], r["reading"])
        assert {ch["issue"]: (ch["from"], ch["to"]) for ch in r["changes"]} == {
            k: (tabled[k], read[k]) for k in read if read[k] != tabled[k]
        }
    both = invoke_json("diff", str(LABOUR), "mediator-package@union-mar07", "mediator-package@authority-mar07")
    union, authority = (s.terms_of("mediator-package", r) for r in ("union-mar07", "authority-mar07"))
    assert {ch["issue"] for ch in both["changes"]} == {k for k in union if union[k] != authority[k]}
    assert len(both["readings"]) == 2  # one text, listed once

    bad = runner.invoke(app, ["diff", str(LABOUR), "mediator-package@nobody", "tentative-agreement"])
    assert bad.exit_code == 2 and "no reading 'nobody' of proposal 'mediator-package'" in bad.stderr


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["diff", str(LABOUR), "mediator-package@", "tentative-agreement"], "'mediator-package@': no reading after @"),
        (["diff", str(LABOUR), "union-opening", "authority-counter@"], "authority-counter: it has no readings"),
        (["bridge", str(LABOUR), "--from", "mediator-package@"], "union-mar07, authority-mar07"),
    ],
)
def test_an_at_sign_with_no_reading_after_it_is_refused(args: list[str], said: str) -> None:
    """'ID@' passed for the text as tabled, with the @ in the header as if a reading had been named."""
    result = runner.invoke(app, args)
    assert result.exit_code == 2, result.output
    assert "no reading after @" in result.stderr and said in result.stderr, result.stderr


def test_the_service_shows_each_viewer_only_the_standings_it_may_see(tmp_path: Path) -> None:
    from fastapi.testclient import TestClient

    from conftest import client_settings
    from test_service_pages import form_token
    from truce.io.scenario_files import scenario_to_data
    from truce.service.app import create_app
    from truce.store.repo import Store

    store = Store(f"sqlite:///{tmp_path / 'truce.db'}")
    store.create_talks(scenario_to_data(load_scenario(LABOUR)), "test")
    tokens = {
        "mediator": "tok-labour-mediator-0123",
        "union": "tok-labour-union-0123",
        "observer": "tok-labour-obs-0123",
    }
    store.add_person("labour-2025", "Mediator", "mediator", None, tokens["mediator"], "test")
    store.add_person("labour-2025", "Union team", "party", "union", tokens["union"], "test")
    store.add_person("labour-2025", "Observer", "observer", None, tokens["observer"], "test")
    url = "/api/talks/labour-2025/proposals/mediator-package"
    seen: dict[str, set[str]] = {"mediator": {"union", "authority"}, "union": {"union"}, "observer": set()}
    try:
        with TestClient(create_app(store, client_settings())) as client:
            for who, token in tokens.items():
                got = client.get(url, headers={"Authorization": f"Bearer {token}"})
                assert got.status_code == 200, got.text
                readings = got.json()["readings"]
                assert [r["id"] for r in readings] == ["union-mar07", "authority-mar07"]
                assert all(set(r["standing"]) == seen[who] for r in readings)
                client.cookies.clear()
                client.post(
                    "/login", data={"token": token, "csrf": form_token(client, "/login")}, follow_redirects=False
                )
                page = client.get("/talks/labour-2025/proposals/mediator-package").text
                assert "authority-mar07, as read by Harbourton Transit Authority (fictional)" in page
                # parties by name on the page
                assert ("Harbourton Transit Drivers&#39; Union (fictional): 0.403" in page) == (
                    who in {"mediator", "union"}
                )
                assert ("Harbourton Transit Authority (fictional): 0." in page) == (who == "mediator")
    finally:
        store.close()


def test_the_schema_describes_readings_and_package_rules() -> None:
    import json

    import jsonschema

    from truce.io.documents import read_document

    schema = json.loads(runner.invoke(app, ["schema"]).stdout)
    data = read_document(LABOUR / "scenario.yaml").data
    jsonschema.validate(data, schema, format_checker=None)
    assert {"Reading", "PackageRule"} <= set(schema["$defs"])
    wrong = read_document(LABOUR / "scenario.yaml").data
    proposal(wrong, "mediator-package")["readings"][0]["by"] = None
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(wrong, schema, format_checker=None)


def test_every_reading_carries_each_partys_fragility() -> None:
    out = invoke_json("analyze", str(LABOUR))
    s = load_scenario(LABOUR)
    c = compile_scenario(s)
    for proposal in out["proposals"]:
        for reading in proposal["readings"]:
            outcome = c.encode(s.terms_of(proposal["id"], reading["id"]))
            expected = {f.party: fragility_json(f) for f in fragility(c, outcome)}
            assert {p: st["fragility"] for p, st in reading["standing"].items()} == expected
