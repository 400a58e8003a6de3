"""The service API: versions and 409s, history with diffs, private preferences, blind acceptance,
import and export, and the audit chain (run on SQLite, and on PostgreSQL when one is available)."""

from __future__ import annotations

import copy
import json
import re
from html import unescape
from typing import Any

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from conftest import RESERVATION, SECRET, TALKS, auth
from test_service_pages import form_token, sign_in
from truce.cli import app
from truce.model.checks import build_scenario
from truce.service.prefs_form import prefill
from truce.store.repo import Store

API = f"/api/talks/{TALKS}"


def proposal_data(service_client: Any, pid: str) -> dict[str, Any]:
    data = service_client.get(f"{API}/export", headers=auth("mediator")).json()
    return next(p for p in data["proposals"] if p["id"] == pid)


def test_signed_out_and_bad_tokens_get_401(service_client: Any) -> None:
    assert service_client.get(API).status_code == 401
    assert service_client.get(API, headers={"Authorization": "Bearer nope"}).status_code == 401
    assert service_client.get("/api/health").json() == {"status": "ok"}


def test_me_tells_the_role(service_client: Any) -> None:
    assert service_client.get("/api/me", headers=auth("hamas")).json() == {
        "name": "Hamas's team",
        "role": "party",
        "party": "hamas",
        "talks": TALKS,
    }


def test_edits_are_versioned_and_a_stale_edit_gets_409(service_client: Any) -> None:
    url = f"{API}/proposals/may27-israel"  # a text nobody has answered, though the texts amending it were
    p = proposal_data(service_client, "may27-israel")
    changed = {**p, "terms": {**p["terms"], "rafah": "international_presence"}}
    note = "the Rafah term was left out"  # those texts inherit the change: it says why
    first = service_client.put(url, headers=auth("mediator"), json={"version": 1, "proposal": changed, "note": note})
    assert first.status_code == 200, first.text
    assert first.json() == {"version": 2}
    stale = service_client.put(url, headers=auth("mediator"), json={"version": 1, "proposal": {**p, "note": "lost?"}})
    assert stale.status_code == 409
    assert stale.json()["current_version"] == 2
    history = service_client.get(f"{url}/history", headers=auth("observer")).json()
    assert [v["version"] for v in history["versions"]] == [1, 2]
    assert "rafah" not in history["versions"][0]["data"]["terms"]
    (change,) = history["versions"][1]["changes"]
    assert change["field"] == "terms.rafah"
    assert change["text"].startswith("Rafah")
    view = service_client.get(url, headers=auth("observer")).json()
    assert view["version"] == 2 and view["terms"]["rafah"] == "international_presence"


def test_an_answered_text_changes_what_it_says_only_with_a_reason_and_without_the_earlier_answers(
    service_client: Any, service_store: Store
) -> None:
    """A mediator changed the terms of the agreed text with no note, and both sides' acceptances stayed on
    terms neither had seen (200, status still agreed)."""
    url = f"{API}/proposals/jan2025-agreement"
    p = proposal_data(service_client, "jan2025-agreement")
    changed = {**p, "terms": {**p["terms"], "aid_trucks": 500}}
    before = service_store.talks_version(TALKS)
    r = service_client.put(url, headers=auth("mediator"), json={"version": 1, "proposal": changed})
    assert r.status_code == 422
    paths = [d["path"] for d in r.json()["detail"]]
    assert paths == [["note"], ["proposal", "responses"]], r.text
    assert "hamas (accepted, 2025-01-15), israel (accepted, 2025-01-18)" in r.json()["detail"][1]["message"]
    why = "the agreed figure was 600 a day, misread as 500"
    r = service_client.put(url, headers=auth("mediator"), json={"version": 1, "proposal": changed, "note": why})
    assert r.status_code == 422 and [d["path"] for d in r.json()["detail"]] == [["proposal", "responses"]]
    # without the responses, the status they supported goes too
    unanswered = {k: v for k, v in changed.items() if k != "responses"}
    r = service_client.put(url, headers=auth("mediator"), json={"version": 1, "proposal": unanswered, "note": why})
    assert r.status_code == 422 and r.json()["detail"][0]["path"] == ["proposal", "status"]
    assert service_store.talks_version(TALKS) == before  # nothing written
    body = {"version": 1, "proposal": {**unanswered, "status": "tabled"}, "note": why}
    assert service_client.put(url, headers=auth("mediator"), json=body).status_code == 200
    versions = service_client.get(f"{url}/history", headers=auth("observer")).json()["versions"]
    assert versions[-1]["note"] == why and "responses" not in versions[-1]["data"]
    assert len(versions[0]["data"]["responses"]) == 2  # the acceptances stay with the terms they accepted
    # what does not change what a text says keeps its answers, with or without a note
    retitled = {**versions[-1]["data"], "title": "Agreement (as corrected)"}
    assert service_client.put(url, headers=auth("mediator"), json={"version": 2, "proposal": retitled}).is_success
    assert versions[0]["data"]["status"] == "agreed"


def client_put(service_client: Any, pid: str, proposal: dict[str, Any], version: int) -> Any:
    return service_client.put(
        f"{API}/proposals/{pid}", headers=auth("hamas"), json={"version": version, "proposal": proposal}
    )


def test_new_proposal_and_a_bad_one(service_client: Any) -> None:
    new = {
        "id": "hamas-reply",
        "title": "Reply",
        "tabled_by": ["hamas"],
        "date": "2024-08-20",
        "parent": "aug16-bridging",
    }
    r = service_client.put(f"{API}/proposals/hamas-reply", headers=auth("hamas"), json={"version": 0, "proposal": new})
    assert r.status_code == 200 and r.json() == {"version": 1}
    again = service_client.put(
        f"{API}/proposals/hamas-reply", headers=auth("hamas"), json={"version": 0, "proposal": new}
    )
    assert again.status_code == 409
    bad = {**new, "id": "bad", "terms": {"rafah": "no_such_option"}}
    r = service_client.put(f"{API}/proposals/bad", headers=auth("hamas"), json={"version": 0, "proposal": bad})
    assert r.status_code == 422
    assert r.json()["detail"][0]["path"] == ["proposal", "terms", "rafah"]
    # a party may not table in another's name
    forged = {**new, "id": "forged", "tabled_by": ["israel"]}
    r = service_client.put(f"{API}/proposals/forged", headers=auth("hamas"), json={"version": 0, "proposal": forged})
    assert r.status_code == 403
    forged_response = {**new, "responses": [{"party": "israel", "stance": "accepted"}]}
    r = client_put(service_client, "hamas-reply", forged_response, 1)
    assert r.status_code == 403
    own_response = {**new, "responses": [{"party": "hamas", "stance": "accepted"}]}
    assert client_put(service_client, "hamas-reply", own_response, 1).status_code == 200
    jointly = {**new, "id": "jointly", "tabled_by": ["hamas", "israel"]}
    r = service_client.put(f"{API}/proposals/jointly", headers=auth("hamas"), json={"version": 0, "proposal": jointly})
    assert r.status_code == 403


def test_a_problem_in_the_edited_text_is_located_in_what_was_sent(service_client: Any) -> None:
    """Paths pointed into the talks as checked (["proposals", 9, "terms", "aid_trucks"]), not into the body."""
    text = {"id": "med-x", "title": "X", "date": "2024-08-20", "tabled_by": ["united_states"]}
    reading = {"id": "r", "by": "hamas", "terms": {"rafah": "nowhere"}}
    for sent, path in (
        ({**text, "terms": {"aid_trucks": float("nan")}}, ["proposal", "terms", "aid_trucks"]),
        ({**text, "terms": {"aid_trucks": "lots"}}, ["proposal", "terms", "aid_trucks"]),
        ({**text, "readings": [reading]}, ["proposal", "readings", 0, "terms", "rafah"]),
        ({**text, "parent": "no-such-text"}, ["proposal", "parent"]),
    ):
        body = json.dumps({"version": 0, "proposal": sent})  # NaN as JavaScript writes it
        r = service_client.put(
            f"{API}/proposals/med-x", headers={**auth("mediator"), "content-type": "application/json"}, content=body
        )
        assert r.status_code == 422 and [d["path"] for d in r.json()["detail"]] == [path], r.text
    # a problem the edit makes in another text stays where it is in the talks
    p = proposal_data(service_client, "may27-israel")
    r = service_client.put(
        f"{API}/proposals/may27-israel",
        headers=auth("mediator"),
        json={"version": 1, "proposal": {**p, "date": "2024-06-30"}},
    )
    assert r.status_code == 422, r.text
    export = service_client.get(f"{API}/export", headers=auth("mediator")).json()
    child = next(i for i, q in enumerate(export["proposals"]) if q["id"] == "may31-framework")
    assert r.json()["detail"][0]["path"] == ["proposals", child, "date"]


def test_preferences_are_private_and_versioned(service_client: Any) -> None:
    own = service_client.get(f"{API}/preferences/hamas", headers=auth("hamas")).json()
    assert own["versions"][-1]["data"]["basis"] == SECRET["hamas"][0]
    assert service_client.get(f"{API}/preferences/hamas", headers=auth("israel")).status_code == 403
    assert service_client.get(f"{API}/preferences/hamas", headers=auth("observer")).status_code == 403
    prefs = {**own["versions"][-1]["data"], "reservation": 0.2}
    r = service_client.put(f"{API}/preferences/hamas", headers=auth("hamas"), json={"version": 1, "preferences": prefs})
    assert r.status_code == 200 and r.json() == {"version": 2}
    assert (
        service_client.put(
            f"{API}/preferences/hamas", headers=auth("israel"), json={"version": 2, "preferences": prefs}
        ).status_code
        == 403
    )
    stale = service_client.put(
        f"{API}/preferences/hamas", headers=auth("mediator"), json={"version": 1, "preferences": prefs}
    )
    assert stale.status_code == 409
    history = service_client.get(f"{API}/preferences/hamas", headers=auth("mediator")).json()
    assert [c["field"] for c in history["versions"][1]["changes"]] == ["reservation"]


def test_a_preferences_version_says_which_weight_value_and_red_line_it_changed(service_client: Any) -> None:
    """A side reading its versions saw "values: {"end_of_war": {...}, "exchange_keys": {... -> {...": the whole
    table cut at 120 characters, which hid the one value it had changed."""
    prefs = service_client.get(f"{API}/preferences/israel", headers=auth("israel")).json()["versions"][-1]["data"]
    line = {"terms": {"rafah": "israeli_withdrawal"}}
    changed = {
        **prefs,
        "values": {**prefs["values"], "rafah": {**prefs["values"]["rafah"], "israeli_control": 0.9}},
        "weights": {**prefs["weights"], "rafah": 9},
        "red_lines": [*prefs["red_lines"][1:], line],
    }
    r = service_client.put(
        f"{API}/preferences/israel", headers=auth("israel"), json={"version": 1, "preferences": changed}
    )
    assert r.status_code == 200, r.text
    history = service_client.get(f"{API}/preferences/israel", headers=auth("israel")).json()
    said = {c["field"]: c for c in history["versions"][1]["changes"]}
    assert said["values.rafah.israeli_control"]["text"] == "values.rafah.israeli_control: 1.0 -> 0.9"
    assert said["weights.rafah"]["text"] == "weights.rafah: 8.0 -> 9"
    texts = [c["text"] for c in history["versions"][1]["changes"] if c["field"] == "red_lines"]
    assert texts == [
        f"red_lines: removed {json.dumps(prefs['red_lines'][0], ensure_ascii=False)}",
        'red_lines: added {"terms": {"rafah": "israeli_withdrawal"}}',
    ]
    assert set(said) == {"values.rafah.israeli_control", "weights.rafah", "red_lines"}


def test_bad_preferences_get_located_errors_about_the_sender_only(service_client: Any) -> None:
    own = service_client.get(f"{API}/preferences/israel", headers=auth("israel")).json()["versions"][-1]["data"]
    r = service_client.put(
        f"{API}/preferences/israel",
        headers=auth("israel"),
        json={"version": 1, "preferences": {**own, "weights": {"no_such_issue": 1}}},
    )
    assert r.status_code == 422
    for problem in r.json()["detail"]:
        assert problem["path"][:2] == ["preferences", "israel"] or problem["path"] == []
    assert "hamas" not in r.text.lower() or "SECRET-HAMAS" not in r.text


def test_a_weight_past_the_cap_is_refused_naming_it_so_weights_cannot_add_up_to_infinity(
    service_client: Any,
) -> None:
    """Weights near the largest float added up to infinity, and every utility became 0."""
    own = service_client.get(f"{API}/preferences/israel", headers=auth("israel")).json()["versions"][-1]["data"]
    huge = {**own, "weights": {issue: 1e308 for issue in own["weights"]}}
    r = service_client.put(
        f"{API}/preferences/israel", headers=auth("israel"), json={"version": 1, "preferences": huge}
    )
    assert r.status_code == 422, r.text
    named = {tuple(p["path"]) for p in r.json()["detail"]}
    assert named == {("preferences", "israel", "weights", issue) for issue in own["weights"]}
    assert all("less than or equal to 1000" in p["message"] for p in r.json()["detail"])
    versions = service_client.get(f"{API}/preferences/israel", headers=auth("israel")).json()["versions"]
    assert len(versions) == 1  # nothing written
    at_cap = {**own, "weights": {issue: 1000 for issue in own["weights"]}}
    r = service_client.put(
        f"{API}/preferences/israel", headers=auth("israel"), json={"version": 1, "preferences": at_cap}
    )
    assert r.status_code == 200, r.text


def test_standing_shows_each_party_its_own(service_client: Any) -> None:
    mine = service_client.get(f"{API}/standing", headers=auth("israel")).json()
    assert mine["parties"] == ["israel"]
    assert all(set(row["standing"]) == {"israel"} for row in mine["proposals"])
    everyone = service_client.get(f"{API}/standing", headers=auth("mediator")).json()
    assert everyone["parties"] == ["israel", "hamas"]
    assert everyone["proposals"][0]["standing"]["hamas"]["reservation"] == RESERVATION["hamas"]
    view = service_client.get(f"{API}/proposals/aug16-bridging", headers=auth("hamas")).json()
    assert set(view["standing"]) == {"hamas"}
    assert all(set(ch["effect"]) <= {"hamas"} for ch in view["changes_from_parent"])
    public = service_client.get(f"{API}/proposals/aug16-bridging", headers=auth("observer")).json()
    assert public["standing"] == {} and all(ch["effect"] == {} for ch in public["changes_from_parent"])


def test_export_is_a_valid_scenario_with_only_what_the_viewer_may_see(service_client: Any) -> None:
    full = service_client.get(f"{API}/export", headers=auth("mediator")).json()
    assert set(full["preferences"]) == {"israel", "hamas"}
    build_scenario(full)
    mine = service_client.get(f"{API}/export", headers=auth("israel")).json()
    assert set(mine["preferences"]) == {"israel"}
    build_scenario(mine)
    public = service_client.get(f"{API}/export", headers=auth("observer")).json()
    assert public["preferences"] == {}
    build_scenario(public)

    # a shock's shift of a party's reservation value is an assumption about that party's preferences
    def touched(data: dict[str, Any]) -> set[str]:
        return {p for s in data["course"]["shocks"] for p in (*s.get("reservation", {}), *s.get("cost_of_delay", {}))}

    assert touched(full) == {"israel", "hamas"}
    assert touched(mine) == {"israel"} and touched(public) == set()
    assert "Hamas" not in json.dumps(mine["course"]["shocks"])


@pytest.mark.parametrize("service_db_url", ["sqlite"], indirect=True)
def test_what_the_downloads_are_made_from_is_remembered_per_viewer_not_per_preferences_seen(
    service_store: Store,
) -> None:
    """While one side has entered no preferences, a mediator and the other side see the same preferences but
    not the same shocks: the talks made for the mediator's download were handed to the side's."""
    from conftest import marked_scenario
    from truce.service import views
    from truce.service.auth import Role, Viewer
    from truce.service.pages_files import visible_scenario

    data = {**marked_scenario(), "id": "no-hamas-yet"}
    del data["preferences"]["hamas"]
    service_store.create_talks(data, "test")
    state = views.load(service_store, "no-hamas-yet")
    mediator = Viewer(1, "Mediator", Role.mediator, None, "no-hamas-yet")
    israel = Viewer(2, "Israel's team", Role.party, "israel", "no-hamas-yet")
    assert views.visible_parties(state, mediator) == views.visible_parties(state, israel) == ["israel"]

    def touched(scenario: Any) -> set[str]:
        return {p for shock in scenario.course.shocks for p in (*shock.reservation, *shock.cost_of_delay)}

    assert "hamas" in touched(visible_scenario(state, mediator))
    assert touched(visible_scenario(state, israel)) == {"israel"}


def test_import_makes_new_talks_with_a_mediator_token(service_client: Any) -> None:
    from conftest import ROOT
    from truce.io.scenario_files import load_scenario, scenario_to_data

    data = scenario_to_data(load_scenario(ROOT / "examples" / "labour-2025"))
    r = service_client.post("/api/talks", headers=auth("mediator"), json=data)
    assert r.status_code == 201, r.text
    token, opened = r.json()["mediator_token"], r.json()["id"]
    assert opened.startswith("labour-2025-")  # an id of their own
    other = service_client.get(f"/api/talks/{opened}/export", headers={"Authorization": f"Bearer {token}"}).json()
    assert build_scenario(other) == build_scenario({**data, "id": opened})
    again = service_client.post("/api/talks", headers=auth("mediator"), json=data)
    assert again.status_code == 201 and again.json()["id"] not in (opened, data["id"])
    broken = service_client.post("/api/talks", headers=auth("mediator"), json={**data, "id": "x", "issues": []})
    assert broken.status_code == 422


def test_an_imported_scenario_is_refused_naming_the_field_from_the_top_of_the_body(service_client: Any) -> None:
    """The body is the scenario: its problems are located from the body's top (["title"]), as the model's are; a
    NUL or a name on two lines was located under a "scenario" the body does not have."""
    from conftest import ROOT
    from truce.io.scenario_files import load_scenario, scenario_to_data

    data = scenario_to_data(load_scenario(ROOT / "examples" / "labour-2025"))
    for change, path in (
        ({"description": "a\u0000b"}, ["description"]),
        ({"title": "two\nlines"}, ["title"]),
        ({"parties": [{**data["parties"][0], "name": "a\u2028b"}]}, ["parties", 0, "name"]),
        ({"title": 3}, ["title"]),
    ):
        r = service_client.post("/api/talks", headers=auth("mediator"), json={**data, **change})
        assert r.status_code == 422 and [p["path"] for p in r.json()["detail"]] == [path], r.text


def test_blind_acceptance_reveals_one_package_once_all_have_answered(service_client: Any) -> None:
    packages = [{"rafah": "israeli_control"}, {"rafah": "international_presence"}, {"philadelphi": "reduced_presence"}]
    r = service_client.post(f"{API}/ballots", headers=auth("mediator"), json={"title": "Three", "packages": packages})
    assert r.status_code == 201
    n = r.json()["number"]
    assert (
        service_client.post(
            f"{API}/ballots", headers=auth("hamas"), json={"title": "x", "packages": packages}
        ).status_code
        == 403
    )
    published = [
        p["terms"] for p in service_client.get(f"{API}/ballots/{n}", headers=auth("israel")).json()["packages"]
    ]
    assert sorted(map(json.dumps, published)) == sorted(map(json.dumps, packages))
    at = {json.dumps(p): i for i, p in enumerate(published)}
    first, second, third = (at[json.dumps(p)] for p in packages)
    mark = service_client.put(f"{API}/ballots/{n}/marks", headers=auth("israel"), json={"accepted": [first, third]})
    assert mark.status_code == 200
    assert mark.json()["my_marks"] == sorted([first, third]) and mark.json()["status"] == "waiting"
    assert mark.json()["chosen"] is None
    # nothing about israel's marks reaches hamas or the mediator; the mediator sees who has answered
    for who in ("hamas", "mediator"):
        seen = service_client.get(f"{API}/ballots/{n}", headers=auth(who)).json()
        assert seen["status"] == "waiting" and seen["chosen"] is None and seen["my_marks"] is None
    assert service_client.get(f"{API}/ballots/{n}", headers=auth("mediator")).json()["answered_by"] == ["israel"]
    assert service_client.get(f"{API}/ballots/{n}", headers=auth("hamas")).json()["answered_by"] is None
    again = service_client.put(f"{API}/ballots/{n}/marks", headers=auth("israel"), json={"accepted": [second]})
    assert again.status_code == 409
    assert (
        service_client.put(f"{API}/ballots/{n}/marks", headers=auth("mediator"), json={"accepted": [1]}).status_code
        == 403
    )
    assert (
        service_client.put(f"{API}/ballots/{n}/marks", headers=auth("hamas"), json={"accepted": [7]}).status_code == 422
    )
    done = service_client.put(f"{API}/ballots/{n}/marks", headers=auth("hamas"), json={"accepted": [second, third]})
    body = done.json()
    assert body["status"] == "revealed" and body["chosen"] == third and body["my_marks"] == sorted([second, third])
    seen = service_client.get(f"{API}/ballots/{n}", headers=auth("mediator")).json()
    assert seen["chosen"] == third and seen["my_marks"] is None and seen["answered_by"] == ["israel", "hamas"]
    seen = service_client.get(f"{API}/ballots/{n}", headers=auth("israel")).json()
    assert seen["my_marks"] == sorted([first, third])  # its own, never the other's
    assert service_client.get(f"{API}/ballots/{n}", headers=auth("observer")).status_code == 403


def test_ballot_from_bridging_suggestions(service_client: Any) -> None:
    r = service_client.post(
        f"{API}/ballots", headers=auth("mediator"), json={"title": "Bridges", "from_proposal": "aug16-bridging"}
    )
    assert r.status_code == 201, r.text
    ballot = service_client.get(f"{API}/ballots/{r.json()['number']}", headers=auth("hamas")).json()
    assert 1 <= len(ballot["packages"]) <= 3
    bridge = service_client.get(f"{API}/bridge", params={"proposal": "aug16-bridging"}, headers=auth("mediator")).json()
    published = sorted(json.dumps(p["terms"], sort_keys=True) for p in ballot["packages"])
    assert published == sorted(json.dumps(b["terms"], sort_keys=True) for b in bridge["bridges"])


@pytest.mark.parametrize("service_db_url", ["sqlite"], indirect=True)
def test_a_proposal_the_talks_do_not_hold_is_refused_naming_the_field_it_was_sent_in(service_client: Any) -> None:
    # the library located it in the talks' "proposals", a field neither request has
    r = service_client.get(f"{API}/bridge", params={"proposal": "sep3-bridging"}, headers=auth("mediator"))
    assert r.status_code == 422, r.text
    assert [d["path"] for d in r.json()["detail"]] == [["query", "proposal"]]
    assert "aug16-bridging" in r.json()["detail"][0]["message"]  # the ones it could be are named
    entries = len(service_client.get(f"{API}/audit", headers=auth("mediator")).json())
    r = service_client.post(
        f"{API}/ballots", headers=auth("mediator"), json={"title": "Bridges", "from_proposal": "sep3-bridging"}
    )
    assert r.status_code == 422, r.text
    assert [d["path"] for d in r.json()["detail"]] == [["from_proposal"]]
    assert service_client.get(f"{API}/ballots", headers=auth("mediator")).json() == []
    assert len(service_client.get(f"{API}/audit", headers=auth("mediator")).json()) == entries


def test_frontier_for_mediators(service_client: Any) -> None:
    data = service_client.get(f"{API}/frontier", headers=auth("mediator")).json()
    assert data["parties"] == ["israel", "hamas"] and data["frontier"]
    assert set(data["solutions"]) == {"nash", "kalai_smorodinsky", "egalitarian", "utilitarian"}


def test_people_get_tokens_shown_once_and_stored_hashed(service_client: Any, service_store: Store) -> None:
    r = service_client.post(
        f"{API}/people", headers=auth("mediator"), json={"name": "Aide", "role": "party", "party": "israel"}
    )
    assert r.status_code == 201
    token = r.json()["token"]
    assert service_client.get("/api/me", headers={"Authorization": f"Bearer {token}"}).json()["party"] == "israel"
    with service_store.engine.connect() as conn:
        stored = [row[0] for row in conn.execute(text("select token_hash from person"))]
    assert token not in stored and len(stored) == 5
    bad = service_client.post(
        f"{API}/people", headers=auth("mediator"), json={"name": "X", "role": "party", "party": "egypt"}
    )
    assert bad.status_code == 422
    listed = service_client.get(f"{API}/people", headers=auth("mediator")).text
    assert token not in listed and "token" not in listed


def test_audit_chain_verifies_and_records_every_write(service_client: Any, service_store: Store) -> None:
    p = proposal_data(service_client, "jul2-hamas")
    service_client.put(
        f"{API}/proposals/jul2-hamas", headers=auth("hamas"), json={"version": 1, "proposal": {**p, "note": "x"}}
    )
    log = service_client.get(f"{API}/audit", headers=auth("mediator")).json()
    assert [e["seq"] for e in log] == list(range(1, len(log) + 1))
    assert log[-1]["action"] == "proposal" and log[-1]["actor"].startswith("Hamas's team")
    result = service_store.verify()
    assert result.ok, result.problems
    assert result.head == log[-1]["hash"]


def tamper(service_store: Store, sql: str) -> list[str]:
    with service_store.engine.begin() as conn:
        conn.execute(text(sql))
    return list(service_store.verify().problems)


def test_verify_finds_an_altered_entry(service_store: Store) -> None:
    problems = tamper(service_store, "update audit set actor = 'someone else' where seq = 3")
    assert any("entry 3: altered" in p for p in problems)


def test_verify_finds_a_removed_entry(service_store: Store) -> None:
    problems = tamper(service_store, "delete from audit where seq = 4")
    assert any("entry 4: missing" in p for p in problems)
    assert any("no audit entry records this row" in p for p in problems)


def test_verify_finds_the_newest_entry_removed(service_store: Store) -> None:
    last = service_store.verify().entries
    problems = tamper(service_store, f"delete from audit where seq = {last}")
    assert any("no audit entry records this row" in p for p in problems)


def test_verify_finds_an_altered_row(service_store: Store) -> None:
    problems = tamper(
        service_store, "update preference_version set data = replace(data, '0.29173', '0.9') where party = 'hamas'"
    )
    assert any("preference_version" in p and "altered" in p for p in problems)


def test_verify_finds_a_quietly_removed_version(service_store: Store) -> None:
    problems = tamper(service_store, "delete from proposal_version where proposal_id = 'may6-egypt-qatar'")
    assert any("records is missing" in p for p in problems)


def test_audit_verify_command(service_sqlite_url: str) -> None:
    s = Store(service_sqlite_url)
    from conftest import seed_store

    seed_store(s)
    head = s.verify().head
    path = service_sqlite_url.removeprefix("sqlite:///")
    runner = CliRunner()
    ok = runner.invoke(app, ["audit", "verify", "--db", path, "--json"])
    assert ok.exit_code == 0, ok.output
    assert json.loads(ok.stdout)["head"] == head
    assert runner.invoke(app, ["audit", "verify", "--db", path, "--expect-head", "0" * 64]).exit_code == 1
    with s.engine.begin() as conn:
        conn.execute(text("update audit set action = 'nothing' where seq = 2"))
    s.close()
    bad = runner.invoke(app, ["audit", "verify", "--db", path])
    assert bad.exit_code == 1
    assert "entry 2: altered" in bad.output
    missing = runner.invoke(app, ["audit", "verify", "--db", path + ".nope"])
    assert missing.exit_code == 2


def test_migrations_run_once_and_reopening_keeps_everything(service_store: Store) -> None:
    again = Store(service_store.url)
    assert again.scenario_data(TALKS) == service_store.scenario_data(TALKS)
    with again.engine.connect() as conn:
        assert conn.execute(text("select version_num from alembic_version")).scalar_one() == "0003_frame"
    again.close()


def test_a_database_made_by_the_first_schema_is_upgraded_on_start(service_db_url: str) -> None:
    from truce.store.db import make_engine, migrate

    engine = make_engine(service_db_url)
    migrate(engine, "0001")
    with engine.connect() as conn:
        assert conn.execute(text("select version_num from alembic_version")).scalar_one() == "0001"
    engine.dispose()
    service_store = Store(service_db_url)
    from conftest import seed_store

    seed_store(service_store)
    assert service_store.exchange(TALKS) is not None and service_store.verify().ok
    service_store.close()


def test_exchange_plan_and_ledger_are_public_and_versioned(service_client: Any) -> None:
    x = service_client.get(f"{API}/exchange", headers=auth("observer")).json()
    assert x["version"] == 1 and x["plan"]["days"] and x["ledger"]["days"]
    stale = service_client.put(
        f"{API}/exchange", headers=auth("mediator"), json={"version": 0, "agreement": x["agreement"], "release_log": ""}
    )
    assert stale.status_code == 409
    bad = service_client.put(
        f"{API}/exchange",
        headers=auth("mediator"),
        json={"version": 1, "agreement": x["agreement"], "release_log": "day,side,category,count\n1,nobody,x,1\n"},
    )
    assert bad.status_code == 422 and bad.json()["detail"][0]["path"][0] == "release_log"
    r = service_client.put(
        f"{API}/exchange", headers=auth("mediator"), json={"version": 1, "agreement": x["agreement"], "release_log": ""}
    )
    assert r.status_code == 200 and r.json() == {"version": 2}
    assert service_client.get(f"{API}/exchange", headers=auth("hamas")).json()["ledger"] is None


def test_a_bad_agreement_is_refused_naming_the_field_in_the_body_sent(service_client: Any) -> None:
    """The problems of an agreement were located as in an agreement file (["days"]), a field the body sent does
    not have: they are located in the body, as a release log's are (["release_log", 2])."""
    x = service_client.get(f"{API}/exchange", headers=auth("mediator")).json()
    for change, path in (({"days": -3}, ["agreement", "days"]), ({"surprise": 1}, ["agreement", "surprise"])):
        body = {"version": 1, "agreement": {**x["agreement"], **change}, "release_log": ""}
        r = service_client.put(f"{API}/exchange", headers=auth("mediator"), json=body)
        assert r.status_code == 422 and [p["path"] for p in r.json()["detail"]] == [path], r.text
    assert service_client.get(f"{API}/exchange", headers=auth("mediator")).json()["version"] == 1


def test_a_status_the_responses_do_not_support_is_refused(service_client: Any) -> None:
    text = {"id": "hamas-final", "title": "Final", "tabled_by": ["hamas"], "date": "2024-08-20"}
    assert client_put(service_client, "hamas-final", text, 0).status_code == 200
    # a side cannot declare a text agreed on the other side's behalf
    claimed = client_put(service_client, "hamas-final", {**text, "status": "agreed"}, 1)
    assert claimed.status_code == 422, claimed.text
    (problem,) = claimed.json()["detail"]
    assert problem["path"] == ["proposal", "status"] and "israel" in problem["message"]
    # nor may a mediator record it while a side's response says otherwise
    p = proposal_data(service_client, "aug16-bridging")
    israel_no = [{"party": "israel", "stance": "rejected"}, {"party": "hamas", "stance": "accepted"}]
    r = service_client.put(
        f"{API}/proposals/aug16-bridging",
        headers=auth("mediator"),
        json={"version": 1, "proposal": {**p, "status": "agreed", "responses": israel_no}},
    )
    assert r.status_code == 422 and r.json()["detail"][0]["path"] == ["proposal", "status"]
    assert "rejected" in r.json()["detail"][0]["message"]
    # once every side's acceptance is recorded, the status follows
    both_yes = [{"party": "israel", "stance": "accepted"}, {"party": "hamas", "stance": "accepted"}]
    r = service_client.put(
        f"{API}/proposals/aug16-bridging",
        headers=auth("mediator"),
        json={"version": 1, "proposal": {**p, "status": "agreed", "responses": both_yes}},
    )
    assert r.status_code == 200, r.text
    assert proposal_data(service_client, "aug16-bridging")["status"] == "agreed"
    # a side that tabled a text and recorded nothing else has taken it; the other side's word is needed
    own_yes = {**text, "status": "accepted", "responses": [{"party": "hamas", "stance": "accepted"}]}
    assert client_put(service_client, "hamas-final", own_yes, 1).status_code == 422
    # the attack as reported: the other side's response is `rejected`, and the text's author says `agreed`
    rejected = {**text, "responses": [{"party": "israel", "stance": "rejected"}]}
    r = service_client.put(
        f"{API}/proposals/hamas-final", headers=auth("mediator"), json={"version": 1, "proposal": rejected}
    )
    assert r.status_code == 200, r.text
    rewritten = client_put(service_client, "hamas-final", {**rejected, "status": "agreed"}, 2)
    assert rewritten.status_code == 422 and rewritten.json()["detail"][0]["path"] == ["proposal", "status"]
    assert proposal_data(service_client, "hamas-final").get("status", "tabled") == "tabled"


def answer(service_client: Any, pid: str, who: str, stance: str, version: int) -> Any:
    form = {"version": str(version), "stance": stance, "date": "2024-08-26"}
    url = f"/talks/{TALKS}/proposals/{pid}/respond"
    return service_client.post(url, data=form, headers=auth(who), follow_redirects=False)


def test_a_side_cannot_change_what_a_text_says_once_the_other_side_answered_it(service_client: Any) -> None:
    """An acceptance is of the terms it answered: a side that then changed its text kept the other side's
    acceptance on terms it never saw, and the text's status `agreed` then refused that side's rejection."""
    text = {
        "id": "isr-2",
        "title": "Israel's text",
        "date": "2024-08-20",
        "tabled_by": ["israel"],
        "terms": {"philadelphi": "reduced_presence"},
    }
    put = service_client.put
    assert (
        put(f"{API}/proposals/isr-2", headers=auth("israel"), json={"version": 0, "proposal": text}).status_code == 200
    )
    assert answer(service_client, "isr-2", "hamas", "accepted", 1).status_code == 303
    answered = proposal_data(service_client, "isr-2")
    agreed = {**answered, "status": "agreed"}
    assert client_put_as(service_client, "israel", agreed, 2).status_code == 200
    changed = {**agreed, "terms": {"philadelphi": "idf_control"}}
    r = client_put_as(service_client, "israel", changed, 3)
    assert r.status_code == 422, r.text
    (problem,) = r.json()["detail"]
    assert problem["path"] == ["proposal", "terms"]
    assert "hamas (accepted, 2024-08-26)" in problem["message"] and "new text amending it" in problem["message"]
    assert client_put_as(service_client, "israel", {**agreed, "parent": "aug16-bridging"}, 3).status_code == 422
    # what does not change what it says may still be put right
    retitled = {**agreed, "title": "Israel's text of 20 August", "inherits": True}  # stated default: no change
    assert client_put_as(service_client, "israel", retitled, 3).status_code == 200
    # and the other side may always change its answer: the status follows it
    assert answer(service_client, "isr-2", "hamas", "rejected", 4).status_code == 303
    after = proposal_data(service_client, "isr-2")
    assert after["status"] == "rejected" and after["responses"][-1]["stance"] == "rejected"
    history = service_client.get(f"{API}/proposals/isr-2/history", headers=auth("observer")).json()["versions"]
    assert history[-1]["note"] == "status 'agreed' -> 'rejected': hamas's recorded response is 'rejected'"


def client_put_as(service_client: Any, who: str, proposal: dict[str, Any], version: int) -> Any:
    url = f"{API}/proposals/{proposal['id']}"
    return service_client.put(url, headers=auth(who), json={"version": version, "proposal": proposal})


def test_names_and_titles_are_one_line_and_numbers_and_flags_are_not_text(
    service_client: Any, service_store: Store
) -> None:
    """Each was accepted with 200 and stored as sent: a title on two lines, a name holding U+2028, a reservation
    "0.5" or true, inherits "yes", a mark "0"."""
    one = {"title": "One", "packages": [{"rafah": "israeli_control"}]}
    assert service_client.post(f"{API}/ballots", headers=auth("mediator"), json=one).status_code == 201
    before = service_store.talks_version(TALKS)
    prefs = service_client.get(f"{API}/preferences/israel", headers=auth("israel")).json()["versions"][-1]["data"]
    export = service_client.get(f"{API}/export", headers=auth("mediator")).json()
    text = next(p for p in export["proposals"] if p["id"] == "aug16-bridging")
    sent: list[tuple[str, str, str, dict[str, Any], list[str | int]]] = [  # the path's first and last parts
        ("put", f"{API}/proposals/aug16-bridging", "mediator", {"version": 1, "proposal": {**text, "title": "a\nb"}},
         ["proposal", "title"]),
        ("put", f"{API}/proposals/aug16-bridging", "mediator", {"version": 1, "proposal": {**text, "inherits": "yes"}},
         ["proposal", "inherits"]),
        ("put", f"{API}/preferences/israel", "israel", {"version": 1, "preferences": {**prefs, "reservation": "0.5"}},
         ["preferences", "israel", "reservation"]),
        ("put", f"{API}/preferences/israel", "israel", {"version": 1, "preferences": {**prefs, "reservation": True}},
         ["preferences", "israel", "reservation"]),
        ("put", f"{API}/ballots/1/marks", "israel", {"accepted": ["0"]}, ["body", "accepted", 0]),
    ]  # fmt: skip
    for name in ("a\nb", "a\tb", "a\u2028b", "a\x85b"):
        sent.append(("post", f"{API}/people", "mediator", {"name": name, "role": "observer"}, ["body", "name"]))
    for method, url, who, body, path in sent:
        r = getattr(service_client, method)(url, headers=auth(who), json=body)
        assert r.status_code == 422, (body, r.text)
        found = r.json()["detail"][0]["path"]
        assert [found[0], *found[-len(path) + 1 :]] == path, (body, r.text)  # the field, wherever its text stands
    assert service_store.talks_version(TALKS) == before  # nothing written


def test_a_side_writes_nothing_in_anyone_elses_name(service_client: Any) -> None:
    """Not as co-tabler (adding a mediator, or dropping the other side from a joint text), and not a reading
    attributed to another side."""
    joint = {"id": "joint-1", "title": "Joint", "date": "2024-08-20", "tabled_by": ["israel", "hamas"]}
    assert client_put_as(service_client, "mediator", joint, 0).status_code == 200
    for forged in (
        {**joint, "tabled_by": ["israel"]},
        {**joint, "tabled_by": ["israel", "united_states"]},
        {**joint, "title": "Retitled"},
    ):
        assert client_put_as(service_client, "israel", forged, 1).status_code == 403
    own = {"id": "isr-3", "title": "Israel's", "date": "2024-08-21", "tabled_by": ["israel", "united_states"]}
    assert client_put_as(service_client, "israel", own, 0).status_code == 403
    own["tabled_by"] = ["israel"]
    assert client_put_as(service_client, "israel", own, 0).status_code == 200
    reading = {"id": "r1", "by": "hamas", "terms": {"philadelphi": "idf_control"}, "note": "Hamas reads it so"}
    assert client_put_as(service_client, "israel", {**own, "readings": [reading]}, 1).status_code == 403
    mine = {**reading, "by": "israel", "note": "Israel reads it so"}
    assert client_put_as(service_client, "israel", {**own, "readings": [mine]}, 1).status_code == 200
    # a huge number is refused where it stands, not a server error
    huge = {**own, "readings": [mine], "terms": {"aid_trucks": 10**400}}
    r = client_put_as(service_client, "israel", huge, 2)
    assert r.status_code == 422 and r.json()["detail"][0]["path"][-2:] == ["terms", "aid_trucks"], r.text


def test_a_side_changes_its_own_response_and_reading_on_a_text_it_did_not_table(
    service_client: Any, service_store: Store
) -> None:
    """Any change, even none, to a text a side did not table alone was refused with 403 "a party tables texts in
    its own name alone", so a side could not record its own response or reading through the API."""
    url = f"{API}/proposals/aug16-bridging"

    def latest(who: str) -> tuple[int, dict[str, Any]]:
        v = service_client.get(f"{url}/history", headers=auth(who)).json()["versions"][-1]
        return v["version"], v["data"]

    version, text = latest("israel")
    assert text["responses"][0]["party"] == "israel"
    unchanged = service_client.put(url, headers=auth("israel"), json={"version": version, "proposal": text})
    assert unchanged.status_code == 200, unchanged.text
    version, text = latest("israel")
    text["responses"][0]["stance"] = "conditional"
    r = service_client.put(url, headers=auth("israel"), json={"version": version, "proposal": text})
    assert r.status_code == 200, r.text
    version, text = latest("hamas")
    mine = next(r for r in text["readings"] if r["by"] == "hamas")
    mine["note"] = "Hamas's reading, restated"
    r = service_client.put(url, headers=auth("hamas"), json={"version": version, "proposal": text})
    assert r.status_code == 200, r.text
    assert latest("observer")[1]["responses"][0]["stance"] == "conditional"
    # anything else is the tablers' or a mediator's: the text itself, another side's answer, who tabled it
    version, text = latest("hamas")
    before = service_store.talks_version(TALKS)
    theirs = json.loads(json.dumps(text))
    theirs["responses"][0]["stance"] = "accepted"  # israel's
    other_reading = json.loads(json.dumps(text))
    next(r for r in other_reading["readings"] if r["by"] == "israel")["note"] = "forged"
    for forged in (
        {**text, "title": "Renamed"},
        {**text, "terms": {**text.get("terms", {}), "aid_trucks": 700}},
        {**text, "tabled_by": ["hamas"]},
        {**text, "status": "withdrawn"},
        theirs,
        other_reading,
    ):
        r = service_client.put(url, headers=auth("hamas"), json={"version": version, "proposal": forged})
        assert r.status_code == 403, (forged, r.text)
    # a side's reading of a text it did not table goes in under its own name only
    added = {
        **text,
        "readings": [*text["readings"], {"id": "hamas-2", "by": "israel", "terms": {"rafah": "agreed_reopening"}}],
    }
    r = service_client.put(url, headers=auth("hamas"), json={"version": version, "proposal": added})
    assert r.status_code == 403
    assert service_store.talks_version(TALKS) == before  # nothing written
    # the JSON editor on the text's page is the same write
    sign_in(service_client, "hamas")
    page = f"/talks/{TALKS}/proposals/aug16-bridging"
    form = {"version": str(version), "text": json.dumps(text), "csrf": form_token(service_client, page)}
    assert service_client.post(page, data=form, follow_redirects=False).status_code == 303
    retitled = {**form, "text": json.dumps({**text, "title": "Renamed"})}  # saved unchanged: still at version
    assert service_client.post(page, data=retitled, follow_redirects=False).status_code == 403


def test_a_side_takes_the_status_down_with_its_own_answer_and_no_further(service_client: Any) -> None:
    """As the response form does: a rejection of an agreed text may set it to rejected, never to anything else."""
    url = f"{API}/proposals/jan2025-agreement"
    v = service_client.get(f"{url}/history", headers=auth("israel")).json()["versions"][-1]
    text = json.loads(json.dumps(v["data"]))
    for r in text["responses"]:
        if r["party"] == "israel":
            r["stance"] = "rejected"
    for status, expected in (("agreed", 422), ("withdrawn", 403), ("rejected", 200)):
        body = {"version": v["version"], "proposal": {**text, "status": status}}
        r = service_client.put(url, headers=auth("israel"), json=body)
        assert r.status_code == expected, (status, r.text)


def test_the_service_answers_on_a_few_worker_threads_not_forty(service_client: Any) -> None:
    # under load, forty threads taking turns on the interpreter lock made every answer wait (p95 over 1 s with
    # 20 clients reading without pause on 2 cores; about 0.2 s with a few)
    import anyio.to_thread

    from truce.service.app import THREADS

    tokens = service_client.portal.call(lambda: anyio.to_thread.current_default_thread_limiter().total_tokens)
    assert tokens == THREADS < 40


def test_a_change_that_changes_what_answered_texts_amending_it_say_is_not_silent(
    service_client: Any, service_store: Store
) -> None:
    """Israel changed its own text, nobody's answer, and the mediators' text amending it, which Hamas had
    accepted, then said something else under Hamas's acceptance (200, no word of it); a mediator's correction
    of a parent did the same with no reason given."""
    own = {"id": "isr-1", "title": "Israel's text", "date": "2024-08-20", "tabled_by": ["israel"]}
    own |= {"terms": {"philadelphi": "reduced_presence"}}
    assert client_put_as(service_client, "israel", own, 0).status_code == 200
    amending = {"id": "med-1", "title": "Mediators' text", "date": "2024-08-21", "tabled_by": ["egypt", "qatar"]}
    amending |= {"parent": "isr-1", "terms": {"rafah": "international_presence"}}
    assert client_put_as(service_client, "mediator", amending, 0).status_code == 200
    assert answer(service_client, "med-1", "hamas", "accepted", 1).status_code == 303
    before = service_store.talks_version(TALKS)
    changed = {**own, "terms": {"philadelphi": "idf_control"}}
    r = client_put_as(service_client, "israel", changed, 1)
    assert r.status_code == 422, r.text
    (problem,) = r.json()["detail"]
    assert problem["path"] == ["proposal", "terms"]
    assert "Mediators' text (med-1)" in problem["message"] and "hamas (accepted, 2024-08-26)" in problem["message"]
    assert service_store.talks_version(TALKS) == before  # nothing written
    # a mediator may put it right, saying why: the answers stay, and the note says which texts changed with it
    r = client_put_as(service_client, "mediator", changed, 1)
    assert r.status_code == 422 and [d["path"] for d in r.json()["detail"]] == [["note"]], r.text
    assert "Mediators' text (med-1)" in r.json()["detail"][0]["message"]
    body = {"version": 1, "proposal": changed, "note": "the corridor term was misrecorded"}
    assert service_client.put(f"{API}/proposals/isr-1", headers=auth("mediator"), json=body).status_code == 200
    # a change that leaves what the answered texts say as they were needs no reason
    retitled = {**changed, "title": "Israel's text of 20 August"}
    assert client_put_as(service_client, "israel", retitled, 2).status_code == 200


def test_a_side_sees_who_acts_in_its_name_and_who_gave_them_access(service_client: Any) -> None:
    """A mediator could give someone a token in Israel's name, read Israel's secret marks with it, and Israel
    had no way to know: the list of people was the mediators' alone. A side now sees everyone who acts in its
    name, with when and by whom their access was given, renewed or ended, and nobody else."""
    added = {"name": "Extra desk", "role": "party", "party": "israel"}
    r = service_client.post(f"{API}/people", headers=auth("mediator"), json=added)
    assert r.status_code == 201, r.text
    extra = r.json()["id"]
    assert service_client.post(f"{API}/people/{extra}/token", headers=auth("mediator")).status_code == 200
    seen = service_client.get(f"{API}/people", headers=auth("israel")).json()
    assert sorted(p["name"] for p in seen) == ["Extra desk", "Israel's team"]
    # the server-wide ids, which tell how many people other talks have, are the mediators' (revoke, token) alone
    assert all(p["id"] is None for p in seen)
    (desk,) = [p for p in seen if p["name"] == "Extra desk"]
    assert [e["what"] for e in desk["history"]] == ["given access", "given a new token"]
    assert all(e["by"].startswith("Mediator (mediator") for e in desk["history"])
    assert sorted(p["name"] for p in service_client.get(f"{API}/people", headers=auth("hamas")).json()) == [
        "Hamas's team"
    ]
    assert service_client.get(f"{API}/people", headers=auth("observer")).status_code == 403
    page = service_client.get(f"/talks/{TALKS}/people", headers=auth("israel"))
    assert page.status_code == 200
    assert "Extra desk" in page.text and "given a new token" in page.text and "Hamas&#39;s team" not in page.text
    assert "Add a person" not in page.text and "/people/revoke" not in page.text
    # what a side cannot do stays the mediators'
    r = service_client.post(f"{API}/people/{extra}/revoke", headers=auth("israel"))
    assert r.status_code == 403


PRIVATE_SOURCES = {
    "mediator": "tok-m-private-0123456",
    "israel": "tok-i-private-0123456",
    "hamas": "tok-h-private-0123456",
    "observer": "tok-o-private-0123456",
}


def private_sources(service_store: Store) -> dict[str, dict[str, str]]:
    """Talks ("private-sources") where Israel's preferences and one of its red lines cite sources nothing else
    cites, and one source is cited by nothing; the headers of each role's person."""
    from conftest import marked_scenario

    data = {**marked_scenario(), "id": "private-sources"}
    source = {"title": "SECRET-ISRAEL-SOURCE assessment", "url": "https://example.org/a", "confidence": "single"}
    data["sources"] = {**data["sources"], "israel-memo": source, "israel-line": {**source, "title": "SECRET-LINE"}}
    data["sources"]["uncited"] = {**source, "title": "SECRET-UNCITED"}
    israel = data["preferences"]["israel"]
    israel["sources"] = [*israel.get("sources", []), "israel-memo"]
    israel["red_lines"][0]["sources"] = ["israel-line"]
    service_store.create_talks(data, "test")
    for who, token in PRIVATE_SOURCES.items():
        party = who if who in ("israel", "hamas") else None
        service_store.add_person("private-sources", who, "party" if party else who, party, token, "test")
    return {who: {"Authorization": f"Bearer {token}"} for who, token in PRIVATE_SOURCES.items()}


@pytest.mark.parametrize("service_db_url", ["sqlite"], indirect=True)
def test_a_source_cited_only_in_a_sides_preferences_stays_with_that_side_and_the_mediators(
    service_client: Any, service_store: Store
) -> None:
    """Every export held the talks' whole table of sources: a source cited only in Israel's preferences (its basis,
    a red line's why) showed up, title and all, in Hamas's and the observer's export, scenario file and brief."""
    headers = private_sources(service_store)
    secrets = {"SECRET-ISRAEL-SOURCE", "SECRET-LINE", "SECRET-UNCITED"}
    # a source nothing cites yet is left out too: were it shown until Israel cited it, its going would tell
    sees = {"mediator": secrets, "israel": secrets - {"SECRET-UNCITED"}, "hamas": set(), "observer": set()}
    for who, h in headers.items():
        export = service_client.get("/api/talks/private-sources/export", headers=h).json()
        build_scenario(export)  # every source the export cites is in it
        assert {"israel-memo", "israel-line", "uncited"} & set(export["sources"]) == {
            "mediator": {"israel-memo", "israel-line", "uncited"},
            "israel": {"israel-memo", "israel-line"},
        }.get(who, set())
        assert "W1" in export["sources"]  # cited by the public record
        for url in ("/download/scenario", "/download/brief"):
            text = service_client.get(f"/talks/private-sources{url}", headers=h).text
            assert {s for s in secrets if s in text} == sees[who], (who, url)


def test_preferences_saved_unchanged_write_no_version(service_client: Any, service_store: Store) -> None:
    """Saving a side's preferences as they stood wrote a version that changed nothing, and its audit entry: noise
    in the history a side reads to see what changed. Numbers written another way (8.0 for 8) are the same."""
    prefs = service_client.get(f"{API}/preferences/israel", headers=auth("israel")).json()["versions"][-1]["data"]
    floats = {**prefs, "weights": {k: float(v) for k, v in prefs["weights"].items()}}
    before = service_store.talks_version(TALKS)
    for same in (prefs, floats):
        r = service_client.put(
            f"{API}/preferences/israel", headers=auth("israel"), json={"version": 1, "preferences": same}
        )
        assert r.status_code == 200 and r.json() == {"version": 1}, r.text
    assert len(service_store.preference_history(TALKS, "israel")) == 1 and service_store.talks_version(TALKS) == before
    bad = {**prefs, "assumption": 1 if prefs.get("assumption") else 0}  # equal to the flag in Python, but not one
    r = service_client.put(f"{API}/preferences/israel", headers=auth("israel"), json={"version": 1, "preferences": bad})
    assert r.status_code == 422
    form = {
        **prefill(prefs, build_scenario(service_store.scenario_data(TALKS))).values,
        "version": "1",
        "action": "save",
    }
    r = service_client.post(f"/talks/{TALKS}/preferences/israel/form", data=form, headers=auth("israel"))
    assert r.status_code == 200 and len(service_store.preference_history(TALKS, "israel")) == 1
    changed = {**prefs, "reservation": 0.4}
    r = service_client.put(
        f"{API}/preferences/israel", headers=auth("israel"), json={"version": 1, "preferences": changed}
    )
    assert r.json() == {"version": 2} and service_store.talks_version(TALKS) == before + 1


def test_a_rejected_status_goes_when_the_side_that_rejected_accepts(service_client: Any) -> None:
    """Hamas rejected the 16 August text, which is why it reads rejected; Hamas then recorded its acceptance, and
    the text still read rejected, above the acceptance that replaced the rejection."""
    history = service_client.get(f"{API}/proposals/aug16-bridging/history", headers=auth("observer")).json()
    assert history["versions"][-1]["data"]["status"] == "rejected"
    assert (
        answer(service_client, "aug16-bridging", "hamas", "accepted", history["versions"][-1]["version"]).status_code
        == 303
    )
    after = service_client.get(f"{API}/proposals/aug16-bridging/history", headers=auth("observer")).json()
    latest = after["versions"][-1]
    assert latest["data"]["status"] == "tabled", latest["data"]
    assert latest["note"] == "status 'rejected' -> 'tabled': hamas's latest response is 'accepted'"
    # the text's page shows the responses, which of them counts, and the status they leave
    page = service_client.get(f"/talks/{TALKS}/proposals/aug16-bridging", headers=auth("observer")).text
    said = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", page.split('data-testid="responses">')[1].split("</ul>")[0]))
    assert "Hamas: rejected (replaced by a later response) on 2024-08-18" in said
    assert "Hamas: accepted on 2024-08-26" in said and "Israel (government): accepted on 2024-08-19" in said
    assert "<del>rejected</del>" in page and "Status: tabled." in page
    # nor may an edit put it back while no side's latest response is a rejection
    text = latest["data"]
    r = client_put_as(service_client, "mediator", {**text, "status": "rejected"}, latest["version"])
    assert r.status_code == 422 and r.json()["detail"][0]["path"] == ["proposal", "status"], r.text
    # a rejection with no response behind it is the record's word, and stands
    record = {"id": "hamas-note", "title": "Note", "tabled_by": ["hamas"], "date": "2024-08-20", "status": "rejected"}
    assert client_put(service_client, "hamas-note", record, 0).status_code == 200


def test_a_response_is_dated_neither_after_today_nor_before_the_one_it_replaces(
    service_client: Any, service_store: Store
) -> None:
    """A response dated next year was recorded without a word, and became the side's answer that counts; so was
    one dated before the side's own earlier answer, which it then replaced as the last recorded."""
    import datetime as dt

    from test_service_forms import field_error

    today = dt.datetime.now(dt.UTC).date()
    url = f"/talks/{TALKS}/proposals/aug16-bridging/respond"
    version = service_client.get(f"{API}/proposals/aug16-bridging", headers=auth("hamas")).json()["version"]
    before = service_store.talks_version(TALKS)
    for date, said in (((today + dt.timedelta(days=3)).isoformat(), "after today"), ("2024-08-17", "before hamas's")):
        form = {"version": str(version), "stance": "accepted", "date": date}
        r = service_client.post(url, data=form, headers=auth("hamas"))
        assert r.status_code == 422 and said in unescape(field_error(r.text, "date")), r.status_code
    assert service_store.talks_version(TALKS) == before  # nothing saved
    text = proposal_data(service_client, "aug16-bridging")
    mine = {"party": "israel", "stance": "accepted", "date": "2099-01-01"}
    r = client_put_as(service_client, "israel", {**text, "responses": [*text["responses"], mine]}, version)
    assert r.status_code == 422 and r.json()["detail"][0]["path"] == ["proposal", "responses", 2, "date"], r.text
    for odd in ({**mine, "party": ["israel"]}, {**mine, "date": 20990101}, "accepted"):  # refused where they stand
        r = client_put_as(service_client, "mediator", {**text, "responses": [*text["responses"], odd]}, version)
        assert r.status_code == 422 and r.json()["detail"][0]["path"][:3] == ["proposal", "responses", 2], r.text
    # a response already recorded stands as it is, and one dated today is recorded
    form = {"version": str(version), "stance": "conditional", "date": today.isoformat()}
    assert service_client.post(url, data=form, headers=auth("hamas"), follow_redirects=False).status_code == 303


def test_importing_talks_says_nothing_of_other_talks_on_the_server(service_client: Any, service_store: Store) -> None:
    """A mediator of other talks importing a scenario whose id is these talks' was answered 409 "talks 'gaza-2024'
    already exist": told that talks it is not one of the people of exist, and their id. The answer is now the
    same whether the id is taken or not: new talks under an id of their own."""
    from conftest import ROOT
    from truce.io.scenario_files import load_scenario, scenario_to_data

    service_store.create_talks({**scenario_to_data(load_scenario(ROOT / "examples" / "labour-2025")), "id": "own"}, "t")
    service_store.add_person("own", "Outsider", "mediator", None, "tok-outsider-0123456789", "test")
    outsider = {"Authorization": "Bearer tok-outsider-0123456789"}
    taken = service_store.scenario_data(TALKS)
    before = service_store.talks_version(TALKS)
    for scenario_id in (TALKS, "never-used"):
        r = service_client.post("/api/talks", headers=outsider, json={**taken, "id": scenario_id})
        assert r.status_code == 201, r.text
        opened = r.json()["id"]
        assert set(r.json()) == {"id", "mediator_token"} and re.fullmatch(rf"{scenario_id}-[0-9a-f]{{8}}", opened)
    assert service_store.talks_version(TALKS) == before and service_store.scenario_data(TALKS) == taken
    longest = "x" * 80  # the random part fits beside the longest id
    r = service_client.post("/api/talks", headers=outsider, json={**taken, "id": longest})
    assert r.status_code == 201 and len(r.json()["id"]) == 80


@pytest.mark.parametrize("service_db_url", ["sqlite"], indirect=True)
def test_a_side_cannot_cite_a_source_it_does_not_see(service_client: Any, service_store: Store) -> None:
    """Hamas, citing in its own response a source only Israel's preferences cite, had it recorded, and so put into
    the public record and into its own export, title and address; a source it guessed the id of and that did not
    exist was refused. Both are now refused alike, in the API, the JSON editor and the forms."""
    from test_service_forms import field_error

    headers = private_sources(service_store)
    hamas, api = headers["hamas"], "/api/talks/private-sources"
    before = service_store.talks_version("private-sources")
    text = {"id": "hamas-x", "title": "Hamas's text", "tabled_by": ["hamas"], "date": "2024-08-20"}
    said = {}
    for sid in ("israel-memo", "israel-line", "uncited", "no-such-source"):
        r = service_client.put(
            f"{api}/proposals/hamas-x", headers=hamas, json={"version": 0, "proposal": {**text, "sources": [sid]}}
        )
        assert r.status_code == 422, r.text
        said[sid] = r.json()["detail"]
        prefs = service_store.scenario_data("private-sources")["preferences"]["hamas"]
        r = service_client.put(
            f"{api}/preferences/hamas", headers=hamas, json={"version": 1, "preferences": {**prefs, "sources": [sid]}}
        )
        assert r.status_code == 422 and r.json()["detail"] == [
            {
                "message": f"unknown source {sid!r} (add it under `sources`)",
                "path": ["preferences", "hamas", "sources", 0],
            }
        ]
        form = {"version": "1", "stance": "accepted", "date": "2024-08-20", "sources": sid}
        page = service_client.post("/talks/private-sources/proposals/aug16-bridging/respond", data=form, headers=hamas)
        assert page.status_code == 422 and field_error(page.text, "sources") == f"unknown: {sid}"
    assert {sid: [{**p, "message": p["message"].replace(sid, "X")} for p in d] for sid, d in said.items()} == {
        sid: [{"message": "unknown source 'X' (add it under `sources`)", "path": ["proposal", "sources", 0]}]
        for sid in said
    }
    assert service_store.talks_version("private-sources") == before  # nothing written
    assert "israel-memo" not in service_client.get(f"{api}/export", headers=hamas).json()["sources"]
    # Israel cites what it sees, its own preferences' sources included; a mediator any source
    mine = {"id": "israel-x", "title": "Israel's text", "tabled_by": ["israel"], "date": "2024-08-20"}
    r = service_client.put(
        f"{api}/proposals/israel-x",
        headers=headers["israel"],
        json={"version": 0, "proposal": {**mine, "sources": ["israel-memo"]}},
    )
    assert r.status_code == 200, r.text
    r = service_client.put(
        f"{api}/proposals/med-x",
        headers=headers["mediator"],
        json={
            "version": 0,
            "proposal": {**mine, "id": "med-x", "tabled_by": ["united_states"], "sources": ["uncited"]},
        },
    )
    assert r.status_code == 200, r.text


@pytest.mark.parametrize("service_db_url", ["sqlite"], indirect=True)
def test_a_source_a_side_does_not_see_is_refused_as_one_never_recorded_beside_other_problems(
    service_client: Any, service_store: Store
) -> None:
    """A source Hamas does not see was refused before the rest of its edit was checked: sent beside another
    mistake, it came back alone where a source never recorded came back with the other mistake, so Hamas could
    tell that it exists."""
    headers = private_sources(service_store)
    hamas, api = headers["hamas"], "/api/talks/private-sources"
    before = service_store.talks_version("private-sources")
    text = {"id": "hamas-x", "title": "Hamas's text", "tabled_by": ["hamas"], "date": "2024-08-20"}
    prefs = service_store.scenario_data("private-sources")["preferences"]["hamas"]
    sent = {
        "proposals/hamas-x": [
            {"version": 0, "proposal": {**text, "sources": ["SID"], "terms": {"no-such-issue": "x"}}},
            {"version": 0, "proposal": {**text, "date": "August", "sources": ["SID"]}},
        ],
        "preferences/hamas": [{"version": 1, "preferences": {**prefs, "reservation": 7, "sources": ["SID"]}}],
    }
    for where, bodies in sent.items():
        for body in bodies:
            said = {}
            for sid in ("israel-memo", "uncited", "no-such-source"):
                r = service_client.put(
                    f"{api}/{where}", headers=hamas, json=json.loads(json.dumps(body).replace("SID", sid))
                )
                assert r.status_code == 422, r.text
                said[sid] = r.text.replace(sid, "X")
            assert said["israel-memo"] == said["uncited"] == said["no-such-source"], said
    assert service_store.talks_version("private-sources") == before  # nothing written


def test_a_text_or_the_exchange_agreement_saved_unchanged_writes_no_version(
    service_client: Any, service_store: Store
) -> None:
    """Saving a text or the exchange agreement as it stood wrote a version that changed nothing, and its audit
    entry. Numbers written another way (600.0 for 600) and a default written out or left unstated (as the JSON
    editor shows a text made by the form) are the same; what is not valid is still refused."""
    import html

    text = proposal_data(service_client, "may31-framework")
    floats = {**text, "terms": {**text["terms"], "aid_trucks": 600.0}, "inherits": True}
    before = service_store.talks_version(TALKS)
    for same in (text, floats):
        r = client_put_as(service_client, "mediator", same, 1)
        assert r.status_code == 200 and r.json() == {"version": 1}, r.text
    assert client_put_as(service_client, "mediator", {**text, "inherits": 1}, 1).status_code == 422
    made = {"id": "note-1", "title": "Note", "tabled_by": ["hamas"], "date": "2024-08-20", "status": "tabled"}
    assert client_put_as(service_client, "hamas", made, 0).json() == {"version": 1}
    page = service_client.get(f"/talks/{TALKS}/proposals/note-1", headers=auth("hamas")).text
    shown = html.unescape(re.search(r'<textarea id="text" name="text"[^>]*>(.*?)</textarea>', page, re.S)[1])
    assert "status" not in json.loads(shown)  # the editor leaves the default unstated
    r = service_client.post(
        f"/talks/{TALKS}/proposals/note-1", data={"version": "1", "text": shown}, headers=auth("hamas")
    )
    assert r.status_code == 200 and len(service_store.proposal_history(TALKS, "note-1")) == 1
    assert service_store.talks_version(TALKS) == before + 1  # the new text alone
    x = service_client.get(f"{API}/exchange", headers=auth("mediator")).json()
    body = {"version": 1, "agreement": x["agreement"], "release_log": x["release_log"]}
    r = service_client.put(f"{API}/exchange", headers=auth("mediator"), json=body)
    assert r.status_code == 200 and r.json() == {"version": 1} and len(service_store.exchange_history(TALKS)) == 1
    assert service_store.talks_version(TALKS) == before + 1
    r = client_put_as(service_client, "mediator", {**text, "title": "Renamed"}, 1)
    assert r.json() == {"version": 2} and service_store.talks_version(TALKS) == before + 2


def test_a_stale_rejected_status_stored_before_the_rule_does_not_block_an_edit_keeping_it(
    service_client: Any, service_store: Store
) -> None:
    """A text stored rejected above the acceptance that replaced the rejection, before the rule that a text is
    rejected only while a rejection stands, refused every edit keeping its status (422 on proposal.status)."""
    history = service_client.get(f"{API}/proposals/aug16-bridging/history", headers=auth("observer")).json()
    latest = history["versions"][-1]
    stale = copy.deepcopy(latest["data"])
    stale["responses"] = [*stale["responses"], {"party": "hamas", "stance": "accepted", "date": "2024-08-26"}]
    assert stale["status"] == "rejected"
    # an edit that itself takes the standing rejection away cannot keep the text rejected
    r = client_put_as(service_client, "mediator", stale, latest["version"])
    assert r.status_code == 422 and r.json()["detail"][0]["path"] == ["proposal", "status"], r.text
    # stored as it was before the rule: no check at all
    version = service_store.put_proposal(TALKS, stale, latest["version"], "mediator", lambda *_: None)
    edited = {**stale, "title": stale["title"] + " (as tabled)"}
    r = client_put_as(service_client, "mediator", edited, version)
    assert r.status_code == 200, r.text
    assert proposal_data(service_client, "aug16-bridging")["title"] == edited["title"]
    # the JSON editor writes as the API does
    text = json.dumps({**edited, "title": stale["title"]})
    url = f"/talks/{TALKS}/proposals/aug16-bridging"
    r = service_client.post(url, data={"version": str(version + 1), "text": text}, headers=auth("mediator"))
    assert r.status_code == 200 and proposal_data(service_client, "aug16-bridging")["title"] == stale["title"], r.text
