"""The recording pages: drafting with a preview, rounds, events, sources, responses, preferences in a form,
files in and out, and people and access. Every bad submission comes back as the form (a 4xx) naming the field
with the input kept, and changes nothing; no page shows one side anything of the other side's preferences."""

from __future__ import annotations

import io
import re
import zipfile
from html import unescape
from typing import Any

import pytest

from conftest import ROOT, SECRET, TALKS, auth
from test_service_matrix import secrets_of
from test_service_pages import form_token, sign_in
from truce.model.checks import build_scenario
from truce.service.prefs_form import prefill
from truce.store.repo import Store

SQLITE = pytest.mark.parametrize("service_db_url", ["sqlite"], indirect=True)
DRAFT = f"/talks/{TALKS}/draft"
LABOUR = (ROOT / "examples" / "labour-2025" / "scenario.yaml").read_bytes()


def draft(**changes: Any) -> dict[str, Any]:
    form = {
        "id": "sep3-draft",
        "title": "September draft",
        "date": "2024-09-03",
        "tabled_by": ["united_states"],
        "parent": "aug16-bridging",
        "term.rafah": "agreed_reopening",
        "term.aid_trucks": "650",
        "action": "preview",
    }
    return {**form, **changes}


def field_error(html: str, name: str) -> str:
    found = re.search(rf'id="err-{re.escape(name)}" role="alert">Error: ([^<]*)<', html)
    assert found, f"no error beside {name}"
    return found.group(1)


def leaks_of(html: str, party: str, scenario: dict[str, Any]) -> list[str]:
    return [s for s in secrets_of(party, scenario) if s in html]


@SQLITE
def test_the_draft_form_has_one_control_per_issue_with_labels_units_and_inherited_terms(service_client: Any) -> None:
    html = service_client.get(f"{DRAFT}?parent=aug16-bridging", headers=auth("mediator")).text
    scenario = build_scenario(service_client.app.state.store.scenario_data(TALKS))
    controls = re.findall(r'name="term\.([\w\-.]+)"', html)
    assert controls == [i.id for i in scenario.issues]  # one each, in the scenario's order
    aid = re.search(r'<input id="f-term.aid_trucks"[^>]*>', html)
    assert aid and 'type="number"' in aid.group(0) and 'min="0"' in aid.group(0) and 'step="50"' in aid.group(0)
    assert 'Humanitarian aid entering Gaza <span class="unit">(trucks/day)</span>' in html
    inherited = scenario.issue("end_of_war").label(scenario.terms_of("aug16-bridging")["end_of_war"])
    assert f"inherited: {inherited}" in html and "open (left to later talks)" in html


@SQLITE
def test_a_draft_is_previewed_in_words_then_saved(service_client: Any, service_store: Store) -> None:
    before = service_store.talks_version(TALKS)
    r = service_client.post(DRAFT, data=draft(), headers=auth("mediator"))
    assert r.status_code == 200
    preview = r.text.split('data-testid="preview"')[1].split("</section>")[0]
    assert "Rafah crossing: (open) -&gt; " in preview and "600 trucks a day -&gt; 650 trucks a day" in preview
    assert "package rule corridor-vs-complete-withdrawal" in preview
    assert "Israel (government)</th>" in preview and "Hamas</th>" in preview  # every party's, for the mediator
    assert service_store.talks_version(TALKS) == before  # a preview writes nothing
    r = service_client.post(DRAFT, data=draft(action="save"), headers=auth("mediator"), follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == f"/talks/{TALKS}/proposals/sep3-draft"
    saved = next(p for p in service_store.scenario_data(TALKS)["proposals"] if p["id"] == "sep3-draft")
    # only what changes against the parent is the text's own; the rest is inherited
    assert saved["terms"] == {"rafah": "agreed_reopening", "aid_trucks": 650} and saved["parent"] == "aug16-bridging"
    # an issue the parent settles can be left open: the text then stands alone, restating what it keeps
    form = draft(id="sep4-draft", action="save", **{"term.end_of_war": "__open__"})
    assert service_client.post(DRAFT, data=form, headers=auth("mediator"), follow_redirects=False).status_code == 303
    opened = next(p for p in proposals_of(service_store) if p["id"] == "sep4-draft")
    assert opened["inherits"] is False and "end_of_war" not in opened["terms"] and opened["terms"]["aid_trucks"] == 650


def proposals_of(store: Store) -> list[dict[str, Any]]:
    return list(store.scenario_data(TALKS)["proposals"])


@SQLITE
def test_a_bad_draft_comes_back_with_errors_by_the_fields_and_input_kept(
    service_client: Any, service_store: Store
) -> None:
    before = service_store.talks_version(TALKS)
    bad = draft(id="no spaces", title="", date="2024-02-30", action="save")
    bad |= {"term.rafah": "not-an-option", "term.aid_trucks": "655"}
    r = service_client.post(DRAFT, data=bad, headers=auth("mediator"))
    assert r.status_code == 422
    assert "starting with a letter or digit" in field_error(r.text, "id")
    assert field_error(r.text, "title") == "required"
    assert "not a date" in field_error(r.text, "date")
    assert "not one of this issue" in field_error(r.text, "term.rafah")
    assert "in steps of 50" in field_error(r.text, "term.aid_trucks")
    assert 'value="no spaces"' in r.text and 'value="655"' in r.text  # what was typed stays
    r = service_client.post(DRAFT, data=draft(id="aug16-bridging", action="save"), headers=auth("mediator"))
    assert r.status_code == 422 and "exists" in field_error(r.text, "id")
    # whatever arrives, a form comes back, never a server error
    for junk in ({}, {"parent": "nope"}, {"term.aid_trucks": "1e999", "tabled_by": "nobody"}, {"date": "x" * 30000}):
        assert service_client.post(DRAFT, data=junk, headers=auth("mediator")).status_code == 422
    assert service_client.get(f"{DRAFT}?parent=nope", headers=auth("mediator")).status_code == 422
    assert service_store.talks_version(TALKS) == before


@SQLITE
def test_an_infinite_number_typed_for_a_numeric_term_is_refused_not_taken_for_its_least_value(
    service_client: Any, service_store: Store
) -> None:
    # "inf" (or 1e309) was within the tolerance of every value of the issue, and was taken for the first: a draft
    # previewed and saved 0 trucks a day, and a red line "aid_trucks = inf" was saved as aid_trucks = 0.
    version = service_store.talks_version(TALKS)
    for typed in ("inf", "-Infinity", "1e309", "nan"):
        for action in ("preview", "save"):
            r = service_client.post(
                DRAFT, data=draft(action=action, **{"term.aid_trucks": typed}), headers=auth("mediator")
            )
            assert r.status_code == 422 and "steps of 50" in field_error(r.text, "term.aid_trucks"), typed
            assert f'value="{typed}"' in r.text  # what was typed is kept
    scenario = service_store.scenario_data(TALKS)
    fields = prefill(scenario["preferences"]["israel"], build_scenario(scenario)).values
    form = {**fields, "version": "1", "redline.9.terms": "aid_trucks = inf", "action": "save"}
    r = service_client.post(f"/talks/{TALKS}/preferences/israel/form", data=form, headers=auth("israel"))
    assert r.status_code == 422 and "steps of 50" in field_error(r.text, "redline.9.terms")
    assert service_store.talks_version(TALKS) == version  # nothing was written


@SQLITE
def test_a_party_drafts_in_its_own_name_and_sees_only_its_own_standing(
    service_client: Any, service_store: Store
) -> None:
    scenario = service_store.scenario_data(TALKS)
    mine = draft(tabled_by=["hamas"])
    r = service_client.post(DRAFT, data=mine, headers=auth("hamas"))
    assert r.status_code == 200 and 'data-testid="preview-standing"' in r.text
    assert not leaks_of(r.text, "israel", scenario) and "Israel (government)</th>" not in r.text
    assert "Hamas</th>" in r.text
    r = service_client.post(DRAFT, data=draft(tabled_by=["israel"], action="save"), headers=auth("hamas"))
    assert r.status_code == 422 and "own name" in field_error(r.text, "tabled_by")
    # a bridge rests on every side's preferences: not a starting point for a party
    assert service_client.get(f"{DRAFT}?bridge=jul27-israel", headers=auth("hamas")).status_code == 422
    assert service_client.get(DRAFT, headers=auth("observer")).status_code == 403


@SQLITE
def test_a_draft_starts_from_a_bridge(service_client: Any) -> None:
    r = service_client.get(f"{DRAFT}?bridge=jul27-israel&n=0", headers=auth("mediator"))
    assert r.status_code == 200
    bridge = service_client.get(f"/api/talks/{TALKS}/bridge?proposal=jul27-israel", headers=auth("mediator")).json()
    parent = service_client.get(f"/api/talks/{TALKS}/proposals/jul27-israel", headers=auth("mediator")).json()
    changed = {k: v for k, v in bridge["bridges"][0]["terms"].items() if parent["terms"].get(k) != v}
    assert changed
    for issue, term in changed.items():
        assert re.search(rf'name="term.{issue}".*?value="{term}" selected', r.text, re.S) or f'value="{term}"' in r.text
    assert '<option value="jul27-israel" selected>' in r.text


@SQLITE
def test_page_forms_need_the_session_form_token(service_client: Any) -> None:
    sign_in(service_client, "mediator")
    assert service_client.post(DRAFT, data=draft()).status_code == 403
    token = form_token(service_client, DRAFT)
    assert service_client.post(DRAFT, data={**draft(), "csrf": token}).status_code == 200
    for page in (DRAFT, f"/talks/{TALKS}/record", f"/talks/{TALKS}/people", f"/talks/{TALKS}/files"):
        html = service_client.get(page).text
        posted = re.findall(r'<form method="post".*?</form>', html, re.S)
        assert posted and all(f'name="csrf" value="{token}"' in f for f in posted), page


@SQLITE
def test_rounds_events_and_sources_are_recorded_and_shown_on_the_timeline(
    service_client: Any, service_store: Store
) -> None:
    url, h = f"/talks/{TALKS}/record", auth("mediator")
    version = str(service_store.frame_version(TALKS))
    bad = {"version": version, "id": "doha-2024-09", "title": "Doha round", "start": "2024-09-05", "end": "2024-09-01"}
    r = service_client.post(f"{url}/round", data={**bad, "proposals": "nope"}, headers=h)
    assert r.status_code == 422 and field_error(r.text, "end") == "ends before it starts"
    assert "unknown: nope" in field_error(r.text, "proposals") and 'value="Doha round"' in r.text
    good = {**bad, "end": "", "participants": ["qatar", "israel"], "proposals": "aug16-bridging", "sources": "W1"}
    assert service_client.post(f"{url}/round", data=good, headers=h, follow_redirects=False).status_code == 303
    stale = {"version": version, "date": "2024-09-06", "title": "Talks resume in Doha"}
    assert service_client.post(f"{url}/event", data=stale, headers=h).status_code == 409
    fresh = {**stale, "version": str(service_store.frame_version(TALKS))}
    assert service_client.post(f"{url}/event", data=fresh, headers=h, follow_redirects=False).status_code == 303
    source = {"version": str(service_store.frame_version(TALKS)), "id": "W1", "title": "x", "url": "ftp://x"}
    r = service_client.post(f"{url}/source", data=source, headers=h)
    assert r.status_code == 422 and "exists" in field_error(r.text, "id") and "https://" in field_error(r.text, "url")
    source |= {"id": "Z9", "url": "https://example.org/report", "confidence": "reported", "publisher": "A wire"}
    assert service_client.post(f"{url}/source", data=source, headers=h, follow_redirects=False).status_code == 303
    data = service_store.scenario_data(TALKS)
    assert data["sources"]["Z9"]["confidence"] == "reported"
    assert {"id": "doha-2024-09", "participants": ["qatar", "israel"]}.items() <= data["rounds"][-1].items()
    for who in ("observer", "israel"):  # the public record: every role sees it on the talks page
        page = service_client.get(f"/talks/{TALKS}", headers=auth(who)).text.split('data-testid="timeline"')[1]
        assert "Doha round" in page and "Talks resume in Doha" in page
    assert service_client.post(f"{url}/event", data=fresh, headers=auth("israel")).status_code == 403
    assert service_client.post(f"{url}/nonsense", data=fresh, headers=h).status_code == 422


@SQLITE
def test_a_party_records_only_its_own_response(service_client: Any, service_store: Store) -> None:
    url = f"/talks/{TALKS}/proposals/jul2-hamas/respond"

    def responses() -> list[dict[str, Any]]:
        return next(p for p in service_store.scenario_data(TALKS)["proposals"] if p["id"] == "jul2-hamas")["responses"]

    before, version = responses(), service_store.talks_version(TALKS)
    form = {"version": "1", "party": "hamas", "stance": "rejected", "date": "2024-07-30", "note": "as israel"}
    # another side named in the form is refused, not recorded as the sender's own (it was, with 303)
    r = service_client.post(url, data=form, headers=auth("israel"), follow_redirects=False)
    assert r.status_code == 403 and responses() == before and service_store.talks_version(TALKS) == version
    r = service_client.post(url, data={**form, "party": "israel"}, headers=auth("israel"), follow_redirects=False)
    assert r.status_code == 303
    after = responses()
    assert after[:-1] == before and after[-1]["party"] == "israel" and after[-1]["stance"] == "rejected"
    own = {**form, "party": ""}  # a party's own side is the one the form means when it names none
    assert service_client.post(url, data=own, headers=auth("israel")).status_code == 409  # made from a stale version
    r = service_client.post(url, data={"version": "2", "stance": "maybe"}, headers=auth("hamas"))
    assert r.status_code == 422 and "choose" in field_error(r.text, "stance") and field_error(r.text, "date")
    form = {"version": "2", "party": "hamas", "stance": "conditional", "date": "2024-07-06"}
    assert service_client.post(url, data=form, headers=auth("mediator"), follow_redirects=False).status_code == 303
    assert responses()[-1]["party"] == "hamas"
    assert service_client.post(url, data=form, headers=auth("observer")).status_code == 403


@SQLITE
def test_preferences_in_a_form_round_trip_and_preview_the_sides_own_standing(
    service_client: Any, service_store: Store
) -> None:
    scenario = service_store.scenario_data(TALKS)
    url = f"/talks/{TALKS}/preferences/israel/form"
    r = service_client.get(url, headers=auth("israel"))
    assert r.status_code == 200 and SECRET["israel"][1] in r.text and not leaks_of(r.text, "hamas", scenario)
    if "ratification" in scenario["preferences"]["israel"]:  # what the form has no control for is named, and kept
        assert "ratification" in r.text.split('data-testid="kept"')[1].split("</p>")[0]
    assert service_client.get(f"/talks/{TALKS}/preferences/hamas/form", headers=auth("israel")).status_code == 403
    fields = prefill(scenario["preferences"]["israel"], build_scenario(scenario)).values
    form = {**fields, "version": "1", "reservation": "0.9", "action": "preview"}
    r = service_client.post(url, data=form, headers=auth("israel"))
    assert r.status_code == 200 and "verdict changes" in r.text
    assert not leaks_of(r.text, "hamas", scenario)
    bad = {**form, "reservation": "2", "weight.rafah": "heavy", "redline.1.terms": "rafah = nowhere"}
    bad |= {"points.aid_trucks": "0: 0, 600 1"}
    r = service_client.post(url, data={**bad, "action": "save"}, headers=auth("israel"))
    assert r.status_code == 422
    assert field_error(r.text, "reservation") == "must be between 0 and 1"
    assert "not a number" in field_error(r.text, "weight.rafah")
    assert "options" in field_error(r.text, "redline.1.terms") and field_error(r.text, "points.aid_trucks")
    assert 'value="heavy"' in r.text and service_store.preference_history(TALKS, "israel")[-1].version == 1
    r = service_client.post(url, data={**form, "action": "save"}, headers=auth("israel"), follow_redirects=False)
    assert r.status_code == 303
    saved = service_store.preference_history(TALKS, "israel")[-1].data
    assert saved == {**scenario["preferences"]["israel"], "reservation": 0.9}  # nothing else changed
    stale = service_client.post(url, data={**form, "action": "save"}, headers=auth("israel"))
    assert stale.status_code == 409


@SQLITE
def test_red_lines_in_words(service_client: Any, service_store: Store) -> None:
    scenario = service_store.scenario_data(TALKS)
    fields = prefill(scenario["preferences"]["hamas"], build_scenario(scenario)).values
    lines = {
        "redline.5.terms": "aid_trucks < 300 and aid_trucks >= 100",
        "redline.6.terms": "rafah in israeli_control, international_presence and end_of_war = resume_right",
    }
    form = {**fields, **lines, "version": "1", "action": "save"}
    r = service_client.post(
        f"/talks/{TALKS}/preferences/hamas/form", data=form, headers=auth("hamas"), follow_redirects=False
    )
    assert r.status_code == 303, r.text[-2000:]
    saved = service_store.preference_history(TALKS, "hamas")[-1].data["red_lines"]
    assert {"terms": {"aid_trucks": {"below": 300, "at_least": 100}}} in saved
    assert {"terms": {"rafah": ["israeli_control", "international_presence"], "end_of_war": "resume_right"}} in saved


@SQLITE
def test_a_red_line_row_with_a_note_but_no_terms_is_refused_not_dropped(
    service_client: Any, service_store: Store
) -> None:
    """A side that wrote why and the sources of a red line, and not yet its terms, had the row saved away
    without a word (303, and the note gone); a row whose terms are cleared with its note and sources is removed."""
    scenario = service_store.scenario_data(TALKS)
    fields = prefill(scenario["preferences"]["hamas"], build_scenario(scenario)).values
    url = f"/talks/{TALKS}/preferences/hamas/form"
    n = len(scenario["preferences"]["hamas"]["red_lines"])  # the first empty row
    typed = {f"redline.{n}.note": "never the corridor under their control", f"redline.{n}.sources": "H3"}
    form = {**fields, **typed, "version": "1", "action": "save"}
    r = service_client.post(url, data=form, headers=auth("hamas"), follow_redirects=False)
    assert r.status_code == 422
    assert "write the terms" in field_error(r.text, f"redline.{n}.terms")
    assert 'value="never the corridor under their control"' in r.text
    assert service_store.preference_history(TALKS, "hamas")[-1].version == 1  # nothing saved
    first = {"redline.0.terms": "", "redline.0.note": "", "redline.0.sources": ""}
    r = service_client.post(
        url, data={**form, **first, **dict.fromkeys(typed, "")}, headers=auth("hamas"), follow_redirects=False
    )
    assert r.status_code == 303, r.text[-2000:]
    saved = service_store.preference_history(TALKS, "hamas")[-1].data
    assert len(saved.get("red_lines", [])) == len(scenario["preferences"]["hamas"]["red_lines"]) - 1


@SQLITE
def test_a_scenario_is_uploaded_and_a_bad_one_refused_with_located_errors(
    service_client: Any, service_store: Store
) -> None:
    url, h = f"/talks/{TALKS}/files", auth("mediator")
    talks_before = len(service_store.talks())
    r = service_client.post(url, files={"file": ("labour.yaml", LABOUR.replace(b"title:", b"titel:", 1))}, headers=h)
    assert r.status_code == 422 and "labour.yaml:5:1: unknown field" in r.text
    for name, raw in (("x.txt", b"hello"), ("x.zip", b"not a zip"), ("x.json", b"{")):
        assert service_client.post(url, files={"file": (name, raw)}, headers=h).status_code == 422
    assert service_client.post(url, headers=h).status_code == 422
    assert len(service_store.talks()) == talks_before  # nothing changed
    r = service_client.post(url, files={"file": ("labour.yaml", LABOUR)}, headers=h)
    assert r.status_code == 200
    token = re.search(r'data-testid="new-token">([^<]+)<', r.text)
    opened = service_client.get("/api/me", headers={"Authorization": f"Bearer {token.group(1)}"}).json()["talks"]
    assert token and opened.startswith("labour-2025-")
    # the same file again opens talks of their own: a refusal of the id as taken told of talks of that id
    assert service_client.post(url, files={"file": ("labour.yaml", LABOUR)}, headers=h).status_code == 200
    assert service_client.post(url, files={"file": ("labour.yaml", LABOUR)}, headers=auth("israel")).status_code == 403


def test_an_upload_is_held_to_the_bounds_a_scenario_sent_to_the_api_is(
    service_client: Any, service_store: Store
) -> None:
    """A file may hold what the API refuses in a body (a NUL in the title, which PostgreSQL cannot store and
    answered 500; a name on two lines): the upload refuses it too, located in the file, and opens nothing."""
    url, h = f"/talks/{TALKS}/files", auth("mediator")
    title = b"title: Harbourton transit contract talks, 2025 (fictional)"
    nul = LABOUR.replace(title, b'title: "Harbourton\\0talks"', 1)
    two_lines = LABOUR.replace(title, b'title: "Harbourton\\ntalks"', 1)
    # the NUL, written as an escape, is refused by the reader as any control character is; the line break by the API
    nul_said = "labour.yaml:5:8: text may not hold the control character U+0000 (written as an escape)"
    two_said = "labour.yaml:5:8: scenario.title: one line with no control characters"
    for raw, said in ((nul, nul_said), (two_lines, two_said)):
        r = service_client.post(url, files={"file": ("labour.yaml", raw)}, headers=h)
        assert r.status_code == 422, r.text[-500:]
        assert said in unescape(r.text)
    assert [t.id for t in service_store.talks()] == [TALKS]
    assert service_client.post(url, files={"file": ("labour.yaml", LABOUR)}, headers=h).status_code == 200


@SQLITE
def test_an_upload_redirects_to_an_answer_that_a_reload_shows_again_and_changes_nothing(
    service_client: Any, service_store: Store
) -> None:
    from truce.io.scenario_files import load_scenario

    url, h = f"/talks/{TALKS}/files", auth("mediator")
    talks_before = len(service_store.talks())
    r = service_client.post(url, files={"file": ("labour.yaml", LABOUR)}, headers=h, follow_redirects=False)
    assert r.status_code == 303  # Post/Redirect/Get: the answer is a page of its own
    answer = r.headers["location"]
    found = re.fullmatch(rf"{re.escape(url)}\?opened=(labour-2025-[0-9a-f]{{8}})&file=labour.yaml", answer)
    assert found, answer
    opened = found.group(1)
    written = [(e.seq, e.action, e.hash) for e in service_store.audit_entries(opened)]
    assert [action for _seq, action, _hash in written].count("import") == 1
    first = service_client.get(answer, headers=h)
    token = re.search(r'data-testid="new-token">([^<]+)<', first.text)
    assert first.status_code == 200 and token
    assert service_client.get("/api/me", headers={"Authorization": f"Bearer {token.group(1)}"}).json()["talks"] == (
        opened
    )
    labour = load_scenario(ROOT / "examples" / "labour-2025")
    said = unescape(first.text.split('data-testid="imported"')[1].split("</ul>")[0])
    assert f"{len(labour.parties)} parties ({', '.join(p.name for p in labour.parties)})" in said
    assert f"{len(labour.issues)} issues, {len(labour.proposals)} texts" in said
    assert f"the preferences of {len(labour.preferences)} parties" in said and "version 1 of the new talks'" in said
    for _ in range(2):  # a reload says the same, without the token, and sends nothing again
        again = service_client.get(answer, headers=h)
        assert again.status_code == 200 and "New talks opened" in again.text and "labour.yaml" in again.text
        assert unescape(again.text.split('data-testid="imported"')[1].split("</ul>")[0]) == said
        assert token.group(1) not in again.text and "is not shown again" in again.text
    assert [(e.seq, e.action, e.hash) for e in service_store.audit_entries(opened)] == written
    assert len(service_store.talks()) == talks_before + 1
    # only the mediator who opened them is told about them
    assert service_client.get(answer, headers=auth("israel")).status_code == 404
    assert service_client.get(f"{url}?opened={TALKS}", headers=h).status_code == 404
    assert service_client.get(f"{url}?opened=no-such-talks", headers=h).status_code == 404
    # nor is a namesake: a mediator of other talks who bears the same name
    name = service_client.get("/api/me", headers=h).json()["name"]
    service_store.add_person(opened, name, "mediator", None, "namesake-token-0123456789", "test")
    namesake = {"Authorization": "Bearer namesake-token-0123456789"}
    assert service_client.get(f"/talks/{opened}/files?opened={opened}", headers=namesake).status_code == 404


def test_a_token_waits_for_one_showing_then_is_gone() -> None:
    from truce.service.shown_once import ShownOnce

    held = ShownOnce(keep=60, most=2)
    held.put((1, "a"), "tok-a")
    held.put((1, "b"), "tok-b")
    held.put((2, "a"), "tok-c")  # past the bound: the oldest goes
    assert held.take((1, "a")) is None
    assert held.take((2, "a")) == "tok-c" and held.take((2, "a")) is None  # taken as it is shown
    assert held.take((1, "b")) == "tok-b"
    stale = ShownOnce(keep=0)
    stale.put((1, "a"), "tok-a")
    assert stale.take((1, "a")) is None  # never shown past its time


@SQLITE
def test_genius_out_and_back_in_as_a_zip(service_client: Any, service_store: Store) -> None:
    r = service_client.get(f"/talks/{TALKS}/download/genius", headers=auth("mediator"))
    assert r.status_code == 200 and r.headers["content-type"] == "application/zip"
    names = zipfile.ZipFile(io.BytesIO(r.content)).namelist()
    assert sorted(names) == ["NOTES.txt", "gaza-2024-domain.xml", "hamas.xml", "israel.xml"]
    r2 = service_client.post(
        f"/talks/{TALKS}/files", files={"file": ("gaza-genius.zip", r.content)}, headers=auth("mediator")
    )
    assert r2.status_code == 200 and re.search(r"\(gaza-genius-[0-9a-f]{8}\)", r2.text)
    # a broken profile is named as inside the zip, at its line
    broken = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(r.content)) as src, zipfile.ZipFile(broken, "w") as out:
        for name in src.namelist():
            data = src.read(name)
            out.writestr(name, data.replace(b"</utility_space>", b"</utility_spac>") if name == "israel.xml" else data)
    r3 = service_client.post(
        f"/talks/{TALKS}/files", files={"file": ("other.zip", broken.getvalue())}, headers=auth("mediator")
    )
    assert r3.status_code == 422 and re.search(r"other\.zip/israel\.xml:\d+:\d+: ", r3.text) and "/tmp" not in r3.text
    mine = service_client.get(f"/talks/{TALKS}/download/genius", headers=auth("israel"))
    assert sorted(zipfile.ZipFile(io.BytesIO(mine.content)).namelist()) == [
        "NOTES.txt",
        "gaza-2024-domain.xml",
        "israel.xml",
    ]
    assert service_client.get(f"/talks/{TALKS}/download/genius", headers=auth("observer")).status_code == 403


@SQLITE
@pytest.mark.parametrize("who", ["mediator", "israel", "hamas", "observer"])
def test_downloads_hold_only_what_the_viewer_may_see(service_client: Any, service_store: Store, who: str) -> None:
    scenario = service_store.scenario_data(TALKS)
    allowed = {"mediator": {"israel", "hamas"}, "israel": {"israel"}, "hamas": {"hamas"}, "observer": set()}[who]
    for url in ("/download/scenario", "/download/scenario?format=json", "/download/brief"):
        r = service_client.get(f"/talks/{TALKS}{url}", headers=auth(who))
        assert r.status_code == 200 and "attachment" in r.headers["content-disposition"]
        for party in ("israel", "hamas"):
            assert not (party not in allowed and leaks_of(r.text, party, scenario)), (url, party)
        if "brief" in url:  # the brief says whose preferences it rests on
            used = re.search(r"The preferences of ([\w, ]+) used below", r.text)
            assert set(used.group(1).split(", ") if used else []) == allowed
        else:
            assert {p for p in ("israel", "hamas") if SECRET[p][0] in r.text} == allowed
    yaml = service_client.get(f"/talks/{TALKS}/download/scenario", headers=auth(who)).text
    from truce.io.documents import parse_document
    from truce.io.scenario_files import scenario_from_document

    assert scenario_from_document(parse_document(yaml.encode(), "x.yaml")).id == TALKS  # truce reads it back


@SQLITE
def test_a_side_with_no_preferences_yet_is_offered_no_genius_file(service_client: Any, service_store: Store) -> None:
    """The files page offered a side that had entered no preferences the GENIUS download, and the link saved an
    error page, "no party has preferences", as the file (though the other side had entered theirs)."""
    from conftest import marked_scenario

    data = marked_scenario()
    data["id"] = "no-hamas-yet"
    del data["preferences"]["hamas"]
    service_store.create_talks(data, "test")
    service_store.add_person("no-hamas-yet", "Hamas's team", "party", "hamas", "tok-hamas-no-prefs-0123", "test")
    service_store.add_person("no-hamas-yet", "Israel's team", "party", "israel", "tok-israel-no-prefs-012", "test")
    hamas = {"Authorization": "Bearer tok-hamas-no-prefs-0123"}
    israel = {"Authorization": "Bearer tok-israel-no-prefs-012"}
    page = service_client.get("/talks/no-hamas-yet/files", headers=hamas).text
    assert "/download/genius" not in page and "your side has entered no preferences" in page
    r = service_client.get("/talks/no-hamas-yet/download/genius", headers=hamas)
    assert r.status_code == 404 and "your side has entered no preferences yet" in r.text
    assert "/download/genius" in service_client.get("/talks/no-hamas-yet/files", headers=israel).text
    mine = service_client.get("/talks/no-hamas-yet/download/genius", headers=israel)
    assert mine.status_code == 200 and "israel.xml" in zipfile.ZipFile(io.BytesIO(mine.content)).namelist()


@SQLITE
def test_people_get_a_role_a_token_shown_once_and_can_be_revoked_or_rotated(
    service_client: Any, service_store: Store
) -> None:
    url, h = f"/talks/{TALKS}/people", auth("mediator")
    r = service_client.post(url, data={"name": "Qatar desk", "role": "party"}, headers=h)
    assert r.status_code == 422 and "one side" in field_error(r.text, "party") and 'value="Qatar desk"' in r.text
    sent = {"name": "Qatar desk", "role": "party", "party": "hamas"}
    done = service_client.post(url, data=sent, headers=h, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == url  # a reload adds no one a second time
    r = service_client.get(url, headers=h)
    token = re.search(r'data-testid="new-token">([^<]+)<', r.text)
    assert r.status_code == 200 and token
    assert sum(p.name == "Qatar desk" for p in service_store.people(TALKS)) == 1
    assert (
        service_client.get("/api/me", headers={"Authorization": f"Bearer {token.group(1)}"}).json()["party"] == "hamas"
    )
    listing = service_client.get(url, headers=h).text
    assert token.group(1) not in listing  # shown once
    row = re.search(r"Qatar desk</th>.*?</tr>", listing, re.S)
    assert row and re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d</td>", row.group(0).split("</td>", 3)[3])  # last used
    assert "never" in re.search(r"Observer</th>.*?</tr>", listing, re.S).group(0)
    person = next(p for p in service_store.people(TALKS) if p.name == "Qatar desk")
    r = service_client.post(f"{url}/rotate", data={"person": str(person.id)}, headers=h)
    new = re.search(r'data-testid="new-token">([^<]+)<', r.text)
    assert (
        new and service_client.get("/api/me", headers={"Authorization": f"Bearer {token.group(1)}"}).status_code == 401
    )
    assert service_client.post(f"{url}/revoke", data={"person": str(person.id)}, headers=h).status_code == 200
    assert service_client.get("/api/me", headers={"Authorization": f"Bearer {new.group(1)}"}).status_code == 401
    assert "revoked" in service_client.get(url, headers=h).text
    assert service_client.post(f"{url}/revoke", data={"person": str(person.id)}, headers=h).status_code == 409
    assert service_client.post(f"{url}/revoke", data={"person": "x"}, headers=h).status_code == 422
    me = next(p for p in service_store.people(TALKS) if p.name == "Mediator")
    assert service_client.post(f"{url}/revoke", data={"person": str(me.id)}, headers=h).status_code == 422
    # a side sees who acts in its name, and changes nothing there
    side = service_client.get(url, headers=auth("israel"))
    assert side.status_code == 200 and "Who acts in our name" in side.text and "Add a person" not in side.text
    assert service_client.post(url, data={"name": "x", "role": "observer"}, headers=auth("israel")).status_code == 403


LONG = "n" * 30_000  # past the 20,000 characters of any one text, as the API's bodies are bounded


def over_limit_cases(store: Store) -> list[tuple[str, str, dict[str, Any], str]]:
    """(who, url, a form good but for one field, that field) for every page route reading a form's fields."""
    data = store.scenario_data(TALKS)
    prefs = prefill(data["preferences"]["israel"], build_scenario(data)).values
    prefs_form = {**prefs, "version": "1", "action": "save"}
    correction = draft(action="save", edit="aug16-bridging", version="1", correction="x", note=LONG)
    frame = str(store.frame_version(TALKS))
    respond = {"version": "1", "party": "hamas", "stance": "rejected", "date": "2024-09-07"}
    record, people = f"/talks/{TALKS}/record", f"/talks/{TALKS}/people"
    round_ = {"version": frame, "id": "r9", "title": "R", "start": "2024-09-05", "summary": LONG}
    event = {"version": frame, "date": "2024-09-06", "title": "E", "summary": LONG}
    source = {"version": frame, "id": "Z9", "title": "S", "publisher": LONG}
    return [
        ("hamas", f"/talks/{TALKS}/proposals/jul27-israel/respond", {**respond, "note": LONG}, "note"),
        ("mediator", DRAFT, draft(action="save", note=LONG), "note"),
        ("mediator", DRAFT, correction, "note"),
        ("israel", f"/talks/{TALKS}/preferences/israel/form", {**prefs_form, "basis": LONG}, "basis"),
        ("israel", f"/talks/{TALKS}/preferences/israel/form", {**prefs_form, "delay_note": LONG}, "delay_note"),
        ("mediator", f"{record}/round", round_, "summary"),
        ("mediator", f"{record}/event", event, "summary"),
        ("mediator", f"{record}/source", source, "publisher"),
        ("mediator", people, {"name": "Qatar\x00desk", "role": "observer"}, "name"),
        ("mediator", f"{people}/revoke", {"person": "1" * 30_000}, "person"),
        ("mediator", f"{people}/rotate", {"person": "1" * 30_000}, "person"),
    ]


@SQLITE
def test_a_form_field_over_its_limit_comes_back_beside_the_field_and_nothing_is_saved(
    service_client: Any, service_store: Store
) -> None:
    before = service_store.talks_version(TALKS)
    cases = over_limit_cases(service_store)
    for who, url, form, name in cases:
        r = service_client.post(url, data=form, headers=auth(who), follow_redirects=False)
        assert r.status_code == 422, (url, name, r.status_code)
        expected = "a NUL character is not allowed" if "\x00" in form[name] else "at most 20,000 characters"
        assert expected in field_error(r.text, name), (url, name)
        assert service_store.talks_version(TALKS) == before, (url, name)  # nothing cut and saved
    who, url, form, _name = cases[0]
    assert LONG in service_client.post(url, data=form, headers=auth(who)).text  # everything typed is kept
    # every route reading a form's fields is among the cases above, so a new form cannot cut a field again
    import importlib
    import pkgutil

    import truce.service
    from truce.service.forms import form_fields

    modules = [importlib.import_module(f"truce.service.{m.name}") for m in pkgutil.iter_modules(truce.service.__path__)]
    reading = {
        (r.path.replace("{talks_id}", TALKS), method)
        for module in modules
        for r in getattr(getattr(module, "router", None), "routes", [])
        if any(d.call is form_fields for d in r.dependant.dependencies)
        for method in r.methods
    }
    covered = {(re.sub(r"/proposals/[^/]+/", "/proposals/{proposal_id}/", u), "POST") for _, u, _, _ in cases}
    covered = {(u.replace("/preferences/israel/", "/preferences/{party}/"), m) for u, m in covered}
    covered = {(re.sub(r"/record/\w+$", "/record/{kind}", u), m) for u, m in covered}
    assert reading == covered


@SQLITE
def test_a_name_or_a_title_on_a_form_is_one_line_as_in_the_api(service_client: Any, service_store: Store) -> None:
    """The people form took a name holding a newline, a tab or U+2028 with 303, which the API refuses."""
    before = service_store.talks_version(TALKS)
    for broken in ("a\nb", "a\tb", "a\u2028b", "a\u0085b"):
        r = service_client.post(f"/talks/{TALKS}/people", data={"name": broken, "role": "observer"},
                                headers=auth("mediator"))  # fmt: skip
        assert r.status_code == 422 and field_error(r.text, "name") == "one line with no control characters"
        r = service_client.post(DRAFT, data=draft(action="save", title=broken), headers=auth("mediator"))
        assert r.status_code == 422 and field_error(r.text, "title") == "one line with no control characters"
    assert service_store.talks_version(TALKS) == before


@SQLITE
def test_a_text_dated_after_today_is_refused_beside_its_date(service_client: Any, service_store: Store) -> None:
    """A text dated next year was tabled without a word, in the form and through the API, and read as the latest
    on the table. A text is dated when it is tabled: it is refused beside its date, what was typed kept; a text
    already recorded with its date stands, whatever that date."""
    import datetime as dt

    from test_service_api import client_put_as, proposal_data

    today = dt.datetime.now(dt.UTC).date()
    later = (today + dt.timedelta(days=3)).isoformat()
    before = service_store.talks_version(TALKS)
    for who, tabled_by in (("mediator", "united_states"), ("hamas", "hamas")):
        for action in ("preview", "save"):
            form = draft(date=later, title="Typed title", tabled_by=[tabled_by], action=action)
            r = service_client.post(DRAFT, data=form, headers=auth(who))
            assert r.status_code == 422 and "after today" in field_error(r.text, "date"), (who, r.status_code)
            assert f'value="{later}"' in r.text and 'value="Typed title"' in r.text
    new = {"id": "ahead", "title": "Ahead", "tabled_by": ["hamas"], "date": later}
    r = client_put_as(service_client, "hamas", new, 0)
    assert r.status_code == 422 and [p["path"] for p in r.json()["detail"]] == [["proposal", "date"]], r.text
    text = proposal_data(service_client, "may31-framework")
    r = client_put_as(service_client, "mediator", {**text, "date": "2099-01-01"}, 1)
    assert r.status_code == 422 and r.json()["detail"][0]["path"] == ["proposal", "date"], r.text
    assert service_store.talks_version(TALKS) == before  # nothing saved
    # a text stored with a date after today (before this rule) stands, and is edited as it is
    service_store.put_proposal(TALKS, new, 0, "test", lambda _s, _c: None)
    assert client_put_as(service_client, "hamas", {**new, "title": "Still ahead"}, 1).json() == {"version": 2}
    r = service_client.post(DRAFT, data=draft(date=today.isoformat(), action="save"), headers=auth("mediator"))
    assert r.status_code == 200, r.text


@SQLITE
def test_a_source_or_imported_talks_dated_after_today_are_refused_and_an_event_may_be_ahead(
    service_client: Any, service_store: Store
) -> None:
    """A source published next year was recorded, as were talks imported with a text tabled next year (an uploaded
    file holding it was not, yet the same talks open either way). An event may be scheduled ahead."""
    import datetime as dt

    from truce.io.scenario_files import load_scenario, scenario_to_data

    ahead = (dt.datetime.now(dt.UTC).date() + dt.timedelta(days=30)).isoformat()
    url = f"/talks/{TALKS}/record"
    version = str(service_store.frame_version(TALKS))
    source = {"id": "later", "title": "Not yet out", "date": ahead, "version": version}
    r = service_client.post(f"{url}/source", data=source, headers=auth("mediator"))
    assert r.status_code == 422 and "after today" in field_error(r.text, "date") and 'value="Not yet out"' in r.text
    data = scenario_to_data(load_scenario(ROOT / "examples" / "labour-2025"))
    tabled_by = [data["parties"][0]["id"]]
    data["proposals"].append({"id": "ahead", "title": "Ahead", "tabled_by": tabled_by, "date": ahead})
    r = service_client.post("/api/talks", headers=auth("mediator"), json=data)
    where = ["proposals", len(data["proposals"]) - 1, "date"]
    assert r.status_code == 422 and [p["path"] for p in r.json()["detail"]] == [where], r.text
    event = {"date": ahead, "title": "Talks set to resume", "version": version}
    r = service_client.post(f"{url}/event", data=event, headers=auth("mediator"), follow_redirects=False)
    assert r.status_code == 303
