"""One JSON shape per result across the command line and the service, each checked against its schema;
docs/json.md checked against the schemas; every verb has --json."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import typer.main

from cli_runner import invoke_json, runner
from conftest import TALKS, auth
from truce.analysis.results import RESULTS, result_schema
from truce.analysis.solutions import CONCEPTS
from truce.cli import app, load

ROOT = Path(__file__).resolve().parents[1]
GAZA = ROOT / "examples" / "gaza-2024"
HARBOUR = ROOT / "tests" / "data" / "genius" / "harbour"
API = f"/api/talks/{TALKS}"
# verbs without --json, and why: their output is already a JSON document, or they are not a query
NO_JSON = {"schema": "prints a JSON Schema", "serve": "runs the service"}


def valid(name: str, document: Any) -> None:
    jsonschema.validate(document, result_schema(name), format_checker=None)


def exported(service_client: Any, folder: Path) -> str:
    """The service's talks as a scenario file (the mediator's export), for the CLI to read the same talks."""
    path = folder / "talks.json"
    path.write_text(json.dumps(service_client.get(f"{API}/export", headers=auth("mediator")).json()), encoding="utf-8")
    return str(path)


@pytest.mark.parametrize("name", RESULTS)
def test_each_result_schema_is_a_json_schema_printed_by_the_cli(name: str) -> None:
    schema = result_schema(name)
    jsonschema.Draft202012Validator.check_schema(schema)
    assert json.loads(runner.invoke(app, ["schema", name]).stdout) == schema


def test_the_frontier_is_one_document_from_the_cli_and_the_api(service_client: Any, tmp_path: Path) -> None:
    cli = invoke_json("frontier", exported(service_client, tmp_path))
    valid("frontier", cli)
    assert set(cli["solutions"]) == set(CONCEPTS) and cli["zopa"]["method"]
    api = service_client.get(f"{API}/frontier", headers=auth("mediator")).json()
    valid("frontier", api)
    del cli["zopa"]  # counted on request only: a page must not wait on it
    assert api == cli
    valid("frontier", invoke_json("frontier", str(HARBOUR), "--zopa"))
    # a side ratifies at home: counted by inclusion-exclusion, given the time it takes whatever the machine's load
    # (with the default 2 s a loaded machine fell back to bounds, and this failed now and then)
    ratified = invoke_json("frontier", str(GAZA), "--within", "all", "--zopa-budget", "600")
    assert ratified["zopa"]["method"] == "inclusion-exclusion"
    valid("frontier", ratified)


def test_the_bridge_is_one_document_from_the_cli_and_the_api(service_client: Any, tmp_path: Path) -> None:
    cli = invoke_json(
        "bridge", exported(service_client, tmp_path), "--from", "aug16-bridging", "--criterion", "egalitarian"
    )
    valid("bridge", cli)
    api = service_client.get(
        f"{API}/bridge", params={"proposal": "aug16-bridging", "criterion": "egalitarian"}, headers=auth("mediator")
    ).json()
    valid("bridge", api)
    assert [b["terms"] for b in api["bridges"]] == [b["terms"] for b in cli["bridges"]]
    assert set(api) == set(cli) and api["criterion"] == cli["criterion"] == "egalitarian"
    valid("bridge", invoke_json("bridge", str(HARBOUR)))


def test_a_bridge_from_a_reading_is_the_clis_document_and_says_whose_reading_it_is(
    service_client: Any, tmp_path: Path
) -> None:
    # the API offered no reading: a reading asked for was ignored, and the bridges were from the text as tabled
    question = {"proposal": "aug16-bridging", "reading": "hamas-aug18"}
    api = service_client.get(f"{API}/bridge", params=question, headers=auth("mediator")).json()
    cli = invoke_json("bridge", exported(service_client, tmp_path), "--from", "aug16-bridging@hamas-aug18")
    valid("bridge", api)
    assert api == cli
    read = api["reading"]
    assert (read["proposal"], read["reading"], read["by"], read["holder"]) == (
        "aug16-bridging",
        "hamas-aug18",
        "hamas",
        "Hamas",
    )
    assert "as Hamas reads it (reading hamas-aug18), not from the text as tabled" in read["text"]
    tabled = service_client.get(f"{API}/bridge", params={"proposal": "aug16-bridging"}, headers=auth("mediator"))
    assert tabled.json()["reading"] is None and tabled.json()["bridges"] != api["bridges"]


def test_every_bridge_from_a_reading_of_the_shipped_case_is_the_clis(tmp_path: Path) -> None:
    # on the shipped case as it is shipped (the service's other tests mark its private texts): every reading of
    # every text, bridged in the service, is the document truce bridge --from ID@READING --json prints
    from fastapi.testclient import TestClient

    from conftest import TOKENS, client_settings
    from truce.io.scenario_files import load_scenario, scenario_to_data
    from truce.service.app import create_app
    from truce.store.repo import Store

    shipped = load_scenario(GAZA)
    store = Store(f"sqlite:///{tmp_path / 'truce.db'}")
    store.create_talks(scenario_to_data(shipped), "test")
    store.add_person(TALKS, "Mediator", "mediator", None, TOKENS["mediator"], "test")
    try:
        with TestClient(create_app(store, client_settings())) as client:
            for proposal in shipped.proposals:
                for reading in proposal.readings:
                    question = {"proposal": proposal.id, "reading": reading.id}
                    api = client.get(f"{API}/bridge", params=question, headers=auth("mediator")).json()
                    cli = invoke_json("bridge", str(GAZA), "--from", f"{proposal.id}@{reading.id}")
                    assert api == cli, (proposal.id, reading.id)
                    assert api["reading"]["by"] == reading.by
    finally:
        store.close()


@pytest.mark.parametrize(
    ("reading", "said"),
    [
        ("nope", "no reading 'nope' of 'aug16-bridging' (expected one of mediators, israel-pmo, hamas-aug18)"),
        ("hamas-lists", "no reading 'hamas-lists' of 'aug16-bridging'"),  # a reading of another text
        ("", "at least 1 character"),
    ],
)
def test_a_reading_the_text_does_not_have_is_refused_by_name(service_client: Any, reading: str, said: str) -> None:
    question = {"proposal": "aug16-bridging", "reading": reading}
    answer = service_client.get(f"{API}/bridge", params=question, headers=auth("mediator"))
    assert answer.status_code == 422
    (problem,) = answer.json()["detail"]
    assert problem["path"] == ["query", "reading"] and said in problem["message"]


@pytest.mark.parametrize("who", ["israel", "hamas", "observer"])
def test_only_mediators_bridge_from_a_reading(service_client: Any, who: str) -> None:
    # bridges rest on every side's preferences: a side asking from its own reading learns nothing more
    question = {"proposal": "aug16-bridging", "reading": "hamas-aug18"}
    assert service_client.get(f"{API}/bridge", params=question, headers=auth(who)).status_code == 403


def test_an_unknown_criterion_is_refused_by_name(service_client: Any) -> None:
    answer = service_client.get(
        f"{API}/bridge", params={"proposal": "aug16-bridging", "criterion": "bogus"}, headers=auth("mediator")
    )
    assert answer.status_code == 422 and "criterion" in answer.text
    spec = service_client.get("/openapi.json").json()
    (param,) = [
        p for p in spec["paths"]["/api/talks/{talks_id}/bridge"]["get"]["parameters"] if p["name"] == "criterion"
    ]
    schema = param["schema"]
    enum = schema.get("enum") or spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]["enum"]
    assert set(CONCEPTS) <= set(enum)


def test_every_standing_has_one_shape_in_analyze_and_the_api(service_client: Any, tmp_path: Path) -> None:
    analyzed = invoke_json("analyze", exported(service_client, tmp_path))
    by_proposal = {p["id"]: p["standing"] for p in analyzed["proposals"]}
    for standing in by_proposal.values():
        for party_standing in standing.values():
            valid("standing", party_standing)
    mediator = service_client.get(f"{API}/standing", headers=auth("mediator")).json()
    for row in mediator["proposals"]:
        for party_standing in row["standing"].values():
            valid("standing", party_standing)
        assert row["standing"] == by_proposal[row["proposal"]]
    party = service_client.get(f"{API}/standing", headers=auth("hamas")).json()
    assert all(set(row["standing"]) == {"hamas"} for row in party["proposals"])


def _section(text: str, verb: str) -> str:
    match = re.search(rf"^## `truce {verb}\b.*?(?=^## |\Z)", text, flags=re.S | re.M)  # the last section too
    assert match, f"docs/json.md has no section for truce {verb}"
    return match.group(0)


def test_docs_json_names_every_field_of_each_schema() -> None:
    text = (ROOT / "docs" / "json.md").read_text(encoding="utf-8")
    for name, verb in (("frontier", "frontier"), ("bridge", "bridge"), ("standing", "analyze")):
        section = _section(text, verb)
        schema = result_schema(name)
        for field in schema["properties"]:
            assert f'"{field}"' in section, f"docs/json.md, truce {verb}: field {field!r} of the {name} schema"
        assert f"truce schema {name}" in section


LABOUR = ROOT / "examples" / "labour-2025"
DOCUMENTED = {
    "frontier": ["frontier", str(LABOUR)],
    "bridge": ["bridge", str(GAZA), "--from", "aug16-bridging", "-k", "1"],
    "trades": ["trades", str(GAZA), "--from", "aug16-bridging", "--parties", "israel,hamas", "--limit", "1"],
    "analyze": ["analyze", str(LABOUR)],
    "diff": ["diff", str(LABOUR), "authority-counter", "mediator-package"],
    "timeline": ["timeline", str(LABOUR)],
    "tabled": ["tabled", str(LABOUR)],
    "fair-divide": ["fair-divide", str(ROOT / "examples" / "points.csv")],
}


@pytest.mark.parametrize("verb", DOCUMENTED)
def test_docs_json_gives_the_top_level_fields_in_the_order_printed(verb: str) -> None:
    """The order is what readers of the output rely on: the docs had bridge's criterion before
    preferences_assumed_for and trades' preferences_assumed_for before trades, the other way from the output."""
    section = _section((ROOT / "docs" / "json.md").read_text(encoding="utf-8"), verb)
    block = re.search(r"```text\n(.*?)```", section, re.S)
    assert block, f"docs/json.md, truce {verb}: no text block"
    printed = list(invoke_json(*DOCUMENTED[verb]))
    found = {key: block.group(1).find(f'"{key}"') for key in printed}  # a top-level field's first mention
    assert -1 not in found.values(), f"docs/json.md, truce {verb}: fields not named: {found}"
    assert sorted(printed, key=found.__getitem__) == printed, f"docs/json.md, truce {verb}: {found}"


def _verbs() -> dict[str, Any]:
    found: dict[str, Any] = {}

    def walk(command: Any, prefix: str) -> None:
        if hasattr(command, "commands"):
            for name, sub in command.commands.items():
                walk(sub, f"{prefix} {name}".strip())
        else:
            found[prefix] = command

    walk(typer.main.get_command(load()), "")
    return found


@pytest.mark.parametrize("verb", ["import genius", "export genius"])
def test_docs_json_gives_the_file_verbs_fields_in_the_order_printed(verb: str, tmp_path: Path) -> None:
    """docs/json.md had no section for the verbs that read and write GENIUS files, though they answer --json."""
    section = _section((ROOT / "docs" / "json.md").read_text(encoding="utf-8"), verb)
    block = re.search(r"```text\n(.*?)```", section, re.S)
    assert block, f"docs/json.md, truce {verb}: no text block"
    target = ["-o", str(tmp_path / "harbour.yaml")] if verb == "import genius" else [str(tmp_path / "out")]
    printed = list(invoke_json(*verb.split(), str(HARBOUR), *target))
    found = {key: block.group(1).find(f'"{key}"') for key in printed}
    assert -1 not in found.values(), f"docs/json.md, truce {verb}: fields not named: {found}"
    assert sorted(printed, key=found.__getitem__) == printed, f"docs/json.md, truce {verb}: {found}"


def test_export_genius_lists_only_the_files_it_wrote(tmp_path: Path) -> None:
    """files listed everything in the folder: a notes.txt kept beside the domain was given as a GENIUS file."""
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "notes.txt").write_text("ours", encoding="utf-8")
    out = invoke_json("export", "genius", str(HARBOUR), str(tmp_path / "out"))
    assert out["files"] == ["harbour-domain.xml", "harbour-prof1.xml", "harbour-prof2.xml"]


def test_every_verb_has_json() -> None:
    verbs = _verbs()
    assert {"frontier", "bridge", "analyze", "exchange plan", "simulate"} <= set(verbs)
    missing = [
        verb
        for verb, command in verbs.items()
        if verb not in NO_JSON and "--json" not in [o for p in command.params for o in getattr(p, "opts", [])]
    ]
    assert missing == []


def test_the_verbs_that_write_files_say_what_they_wrote_in_json(tmp_path: Path) -> None:
    imported = invoke_json("import", "genius", str(HARBOUR), "-o", str(tmp_path / "harbour.yaml"))
    assert imported["file"].endswith("harbour.yaml") and imported["issues"] > 0 and len(imported["profiles"]) == 2
    exported_files = invoke_json("export", "genius", str(GAZA), str(tmp_path / "gaza"))
    assert exported_files["files"] and all(name.endswith(".xml") for name in exported_files["files"])
    rows = invoke_json("exchange", "lists", str(ROOT / "examples" / "exchange-2025"), "--synthetic")
    assert rows and set(rows[0]) >= {"id"}
