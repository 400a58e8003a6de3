"""Correcting a recorded text in the drafting form (mediators): the form opens on the text as it stands, the
preview says what the correction changes against it, and saving writes the next version of the same proposal
with what was wrong in its audit entry. Earlier versions stay readable; a party cannot correct; a form made
from an older version is refused with its input kept; bad input names its field and writes nothing."""

from __future__ import annotations

import json
import re
from html import unescape
from typing import Any

import pytest

from conftest import TALKS, auth
from test_service_forms import draft, field_error
from truce.store.repo import Store

SQLITE = pytest.mark.parametrize("service_db_url", ["sqlite"], indirect=True)
DRAFT = f"/talks/{TALKS}/draft"
TEXT = "unsc2735"  # amends may31-framework, restating two of its terms, with responses and readings


def opened(client: Any, proposal_id: str = TEXT) -> dict[str, Any]:
    """The correction form as it opens, as the fields a browser would send back."""
    html = client.get(f"{DRAFT}?edit={proposal_id}", headers=auth("mediator")).text
    form = html.split('<form method="post" action="/talks/')[1].split("</form>")[0]
    sent: dict[str, Any] = {}
    for tag in re.findall(r"<input [^>]*>", form):
        name, value = re.search(r'name="([^"]+)"', tag), re.search(r'value="([^"]*)"', tag)
        if name is None or ('type="checkbox"' in tag and "checked" not in tag):
            continue
        text = unescape(value.group(1)) if value else ""
        before = sent.get(name.group(1))
        sent[name.group(1)] = (
            text if before is None else [*before, text] if isinstance(before, list) else [before, text]
        )
    for name, body in re.findall(r'<select id="[^"]*" name="([^"]+)"[^>]*>(.*?)</select>', form, re.S):
        chosen = re.search(r'<option value="([^"]*)" selected>', body)
        sent[name] = chosen.group(1) if chosen else ""
    for name, body in re.findall(r'<textarea id="[^"]*" name="([^"]+)"[^>]*>(.*?)</textarea>', form, re.S):
        sent[name] = unescape(body)
    sent.pop("form_token", None)
    return sent


def history(store: Store, proposal_id: str = TEXT) -> list[Any]:
    return store.proposal_history(TALKS, proposal_id)


@SQLITE
def test_the_correction_form_opens_on_the_text_as_it_stands(service_client: Any, service_store: Store) -> None:
    stored = history(service_store)[-1].data
    sent = opened(service_client)
    assert sent["edit"] == TEXT and sent["id"] == TEXT and sent["version"] == str(history(service_store)[-1].version)
    assert sent["title"] == stored["title"] and sent["date"] == stored["date"] == "2024-06-10"
    assert sent["tabled_by"] == "united_states" and sent["sources"] == ", ".join(stored["sources"])
    assert sent["parent"] == "may31-framework" and sent["status"] == stored["status"]
    # its own terms fill the controls; what it inherits stays marked as the parent's, not its own
    assert sent["term.end_of_war"] == "phased" and sent["term.withdrawal_depth"] == "populated_then_full"
    assert sent["term.aid_trucks"] == "" and sent["term.guarantees"] == ""
    html = service_client.get(f"{DRAFT}?edit={TEXT}", headers=auth("mediator")).text
    assert "Parent: 600 trucks a day" in html and 'data-testid="correcting"' in html
    assert 'name="id" type="text" value="unsc2735" size="30" required' in html and "readonly" in html
    assert f"Save as version {history(service_store)[-1].version + 1}" in html


@SQLITE
def test_a_correction_is_previewed_then_saved_as_the_next_version_with_its_note(
    service_client: Any, service_store: Store
) -> None:
    before, talks_before = history(service_store), service_store.talks_version(TALKS)
    sent = opened(service_client) | {"date": "2024-06-09", "term.aid_trucks": "650", "action": "preview"}
    sent["correction"] = "wrong date (the draft was circulated a day earlier) and a misread aid figure"
    r = service_client.post(DRAFT, data=sent, headers=auth("mediator"))
    assert r.status_code == 200, re.findall(r'role="alert">([^<]*)<', r.text)
    preview = unescape(r.text.split('data-testid="preview"')[1].split("</section>")[0])
    assert "Changes from the text as it stands (version 1)" in preview
    assert "600 trucks a day -> 650 trucks a day" in preview and "End of the war" not in preview
    assert "answered what it says now: they stay with version 1" in preview
    assert service_store.talks_version(TALKS) == talks_before  # a preview writes nothing
    r = service_client.post(DRAFT, data=sent | {"action": "save"}, headers=auth("mediator"), follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == f"/talks/{TALKS}/proposals/{TEXT}"
    after = history(service_store)
    assert [v.version for v in after] == [*[v.version for v in before], len(before) + 1]
    old, new = after[-2].data, after[-1].data
    assert old == before[-1].data
    assert old["terms"] == {"end_of_war": "phased", "withdrawal_depth": "populated_then_full"}
    # the correction, and nothing else: restated terms and readings are kept as they stood; the responses
    # answered the terms as they stood, and stay with version 1
    assert new["date"] == "2024-06-09" and new["terms"] == {**old["terms"], "aid_trucks": 650}
    assert old["responses"] and "responses" not in new
    assert {k: v for k, v in new.items() if k not in ("date", "terms")} == {
        k: v for k, v in old.items() if k not in ("date", "terms", "responses")
    }
    assert after[-1].note == sent["correction"] and after[-2].note is None
    entry = service_store.audit_entries(TALKS)[-1]
    subject = json.loads(entry.subject)
    assert subject["key"] == [TALKS, TEXT, len(after)] and subject["note"] == sent["correction"]
    assert entry.actor and service_store.verify().ok  # the note is inside the hash chain
    page = unescape(service_client.get(r.headers["location"], headers=auth("mediator")).text)
    assert f"Version {len(after)} (" in page and sent["correction"] in page
    assert "Aid trucks" in page or "600 trucks a day -> 650 trucks a day" in page
    api = service_client.get(f"/api/talks/{TALKS}/proposals/{TEXT}/history", headers=auth("observer")).json()
    assert api["versions"][-2]["data"] == old and api["versions"][-1]["note"] == sent["correction"]


@SQLITE
def test_a_party_may_not_correct_a_text(service_client: Any, service_store: Store) -> None:
    mediator = service_client.get(f"/talks/{TALKS}/proposals/jul2-hamas", headers=auth("mediator")).text
    assert 'data-testid="correct-text"' in mediator and f"{DRAFT}?edit=jul2-hamas" in mediator
    page = service_client.get(f"/talks/{TALKS}/proposals/jul2-hamas", headers=auth("hamas")).text
    assert 'data-testid="correct-text"' not in page and "?edit=" not in page
    for who in ("hamas", "israel"):  # even a text the party tabled itself: it drafts a new one amending it
        assert service_client.get(f"{DRAFT}?edit=jul2-hamas", headers=auth(who)).status_code == 403
    sent = opened(service_client, "jul2-hamas") | {"title": "Changed", "correction": "typo", "action": "save"}
    assert service_client.post(DRAFT, data=sent, headers=auth("hamas")).status_code == 403
    assert service_client.get(f"{DRAFT}?edit=jul2-hamas", headers=auth("observer")).status_code == 403
    assert service_client.get(f"{DRAFT}?edit=no-such-text", headers=auth("mediator")).status_code == 404
    assert len(history(service_store, "jul2-hamas")) == 1


@SQLITE
def test_a_correction_made_from_an_older_version_is_refused_with_the_input_kept(
    service_client: Any, service_store: Store
) -> None:
    sent = opened(service_client) | {"title": "A title typed on the stale form", "correction": "wrong title"}
    meanwhile = dict(history(service_store)[-1].data, venue="New York (corrected meanwhile)")
    body = {"version": history(service_store)[-1].version, "proposal": meanwhile}
    assert service_client.put(f"/api/talks/{TALKS}/proposals/{TEXT}", json=body, headers=auth("mediator")).is_success
    count = len(history(service_store))
    for action in ("preview", "save"):
        r = service_client.post(DRAFT, data=sent | {"action": action}, headers=auth("mediator"))
        assert r.status_code == 409 and "changed since this form was opened" in r.text
        assert 'value="A title typed on the stale form"' in r.text and 'value="wrong title"' in r.text
    assert len(history(service_store)) == count and history(service_store)[-1].data == meanwhile


@SQLITE
def test_a_bad_correction_names_its_field_and_writes_nothing(service_client: Any, service_store: Store) -> None:
    talks_before = service_store.talks_version(TALKS)
    sent = opened(service_client) | {"correction": "aid figure", "action": "save"}
    r = service_client.post(DRAFT, data=sent | {"term.aid_trucks": "655"}, headers=auth("mediator"))
    assert r.status_code == 422 and "in steps of 50" in field_error(r.text, "term.aid_trucks")
    assert 'value="655"' in r.text
    r = service_client.post(DRAFT, data=sent | {"term.rafah": "no-such-option"}, headers=auth("mediator"))
    assert r.status_code == 422 and "not one of this issue" in field_error(r.text, "term.rafah")
    r = service_client.post(DRAFT, data=sent | {"correction": ""}, headers=auth("mediator"))
    assert r.status_code == 422 and field_error(r.text, "correction") == "required"
    r = service_client.post(DRAFT, data=sent | {"correction": "x" * 400}, headers=auth("mediator"))
    assert r.status_code == 422 and "at most 300" in field_error(r.text, "correction")
    r = service_client.post(DRAFT, data=sent | {"id": "another-id"}, headers=auth("mediator"))
    assert r.status_code == 422 and "keeps the text's id" in unescape(field_error(r.text, "id"))
    r = service_client.post(DRAFT, data=sent | {"date": "2024-06-31"}, headers=auth("mediator"))
    assert r.status_code == 422 and "not a date" in field_error(r.text, "date")
    r = service_client.post(DRAFT, data=sent, headers=auth("mediator"))  # the text exactly as it stands
    assert r.status_code == 422 and "nothing to correct" in r.text
    r = service_client.post(DRAFT, data={k: v for k, v in sent.items() if k != "version"}, headers=auth("mediator"))
    assert r.status_code == 422 and "lost its version" in r.text
    assert service_store.talks_version(TALKS) == talks_before and len(history(service_store)) == 1


@SQLITE
def test_a_text_that_stands_alone_is_corrected_without_inheriting(service_client: Any, service_store: Store) -> None:
    alone = draft(id="sep4-alone", action="save", **{"term.end_of_war": "__open__"})
    assert service_client.post(DRAFT, data=alone, headers=auth("mediator"), follow_redirects=False).status_code == 303
    first = history(service_store, "sep4-alone")[-1].data
    assert first["inherits"] is False
    sent = opened(service_client, "sep4-alone")
    assert sent["inherits"] == "0" and sent["term.aid_trucks"] == "650"
    sent |= {"title": "September draft (corrected title)", "correction": "the title", "action": "save"}
    r = service_client.post(DRAFT, data=sent, headers=auth("mediator"), follow_redirects=False)
    assert r.status_code == 303
    second = history(service_store, "sep4-alone")[-1].data
    assert second == first | {"title": "September draft (corrected title)"}


def test_an_api_edit_may_say_why_and_the_history_shows_it(service_client: Any, service_store: Store) -> None:
    url = f"/api/talks/{TALKS}/proposals/{TEXT}"
    corrected = dict(history(service_store)[-1].data, title="UN Security Council resolution 2735 (2024)")
    bad = {"version": 1, "proposal": corrected, "note": "two\nlines"}
    assert service_client.put(url, json=bad, headers=auth("mediator")).status_code == 422
    body = {"version": 1, "proposal": corrected, "note": "the year was missing from the title"}
    assert service_client.put(url, json=body, headers=auth("mediator")).json()["version"] == 2
    versions = service_client.get(f"{url}/history", headers=auth("hamas")).json()["versions"]
    assert [v["note"] for v in versions] == [None, "the year was missing from the title"]
    page = service_client.get(f"/talks/{TALKS}/audit", headers=auth("mediator")).text
    assert "Note: the year was missing from the title" in page


@SQLITE
def test_the_preview_names_the_texts_that_inherit_the_correction(service_client: Any) -> None:
    sent = opened(service_client, "may31-framework") | {"term.aid_trucks": "650", "correction": "aid figure"}
    r = service_client.post(DRAFT, data=sent | {"action": "preview"}, headers=auth("mediator"))
    assert r.status_code == 200
    named = re.findall(r'proposals/([\w.-]+)">', r.text.split('data-testid="preview-heirs"')[1].split("</p>")[0])
    # every text amending it that inherits the aid figure; the January text states its own and is not named
    assert sorted(named) == ["aug16-bridging", "jul2-hamas", "jul27-israel", "unsc2735"]
    r = service_client.post(
        DRAFT, data=opened(service_client) | {"title": "x", "correction": "t"}, headers=auth("mediator")
    )
    assert r.status_code == 200 and 'data-testid="preview-heirs"' not in r.text


@SQLITE
def test_the_json_editor_may_say_why_too(service_client: Any, service_store: Store) -> None:
    page = f"/talks/{TALKS}/proposals/{TEXT}"
    assert 'name="note"' in service_client.get(page, headers=auth("mediator")).text
    corrected = dict(history(service_store)[-1].data, title="UN Security Council resolution 2735 (2024)")
    sent = {"version": "1", "text": json.dumps(corrected), "note": "two\nlines"}
    assert service_client.post(page, data=sent, headers=auth("mediator")).status_code == 422
    assert len(history(service_store)) == 1
    sent["note"] = "  the year was missing from the title "
    assert service_client.post(page, data=sent, headers=auth("mediator"), follow_redirects=False).status_code == 303
    assert [v.note for v in history(service_store)] == [None, "the year was missing from the title"]
    del sent["note"]  # the note stays optional
    sent["version"], sent["text"] = "2", json.dumps(dict(corrected, title="UNSC resolution 2735 (2024)"))
    assert service_client.post(page, data=sent, headers=auth("mediator"), follow_redirects=False).status_code == 303
    assert [v.note for v in history(service_store)] == [None, "the year was missing from the title", None]


@SQLITE
def test_a_title_correction_changes_the_title_alone(service_client: Any, service_store: Store) -> None:
    """Every ticked "Tabled by" box is kept (only the first one was), and the form adds nothing the text did
    not say: no empty terms, no default status."""
    text = {"id": "joint-call", "title": "Joint call", "date": "2024-08-20", "tabled_by": ["egypt", "qatar"]}
    r = service_client.put(
        f"/api/talks/{TALKS}/proposals/joint-call", headers=auth("mediator"), json={"version": 0, "proposal": text}
    )
    assert r.status_code == 200, r.text
    sent = opened(service_client, "joint-call")
    assert sorted(sent["tabled_by"]) == ["egypt", "qatar"]
    sent |= {"title": "Joint call by Egypt and Qatar", "correction": "the title left out who called", "action": "save"}
    r = service_client.post(DRAFT, data=sent, headers=auth("mediator"), follow_redirects=False)
    assert r.status_code == 303, re.findall(r'role="alert">([^<]*)<', r.text)
    assert history(service_store, "joint-call")[-1].data == {**text, "title": "Joint call by Egypt and Qatar"}


@SQLITE
def test_a_correction_to_a_text_with_no_terms_of_its_own_is_listed_term_by_term(service_client: Any) -> None:
    # The 16 August text inherits every term: a correction giving it one was listed in its versions (the page and
    # GET .../history) as "terms: (none) -> {"rafah": "agreed_reopening"}", ids in JSON, not in words by issue.
    sent = opened(service_client, "aug16-bridging") | {"term.rafah": "agreed_reopening", "action": "save"}
    sent["correction"] = "the crossing's reopening was reported as part of the text"
    r = service_client.post(DRAFT, data=sent, headers=auth("mediator"), follow_redirects=False)
    assert r.status_code == 303, re.findall(r'role="alert">([^<]*)<', r.text)
    api = service_client.get(f"/api/talks/{TALKS}/proposals/aug16-bridging/history", headers=auth("observer")).json()
    change = next(c for c in api["versions"][-1]["changes"] if c["field"].startswith("terms"))
    words = "Rafah crossing: (open) -> Reopens for civilians and wounded after all women are released"
    assert change["field"] == "terms.rafah" and change["text"].startswith(words)
    page = unescape(service_client.get(r.headers["location"], headers=auth("observer")).text)
    versions = page.split('id="history-h"')[1]
    assert words in versions and '"rafah"' not in versions
    audit = unescape(service_client.get(f"/talks/{TALKS}/audit", headers=auth("mediator")).text)
    assert words.replace("->", "→") in audit  # as the audit log said it already


@SQLITE
def test_the_versions_of_a_text_say_when_in_words_and_in_utc(service_client: Any) -> None:
    # they were given as the machine keeps them (2026-12-08T00:26:33.077065+00:00), unlike the audit log beside them
    sent = opened(service_client) | {"title": "UN Security Council resolution 2735 (10 June)", "action": "save"}
    sent["correction"] = "the title gives the date"
    r = service_client.post(DRAFT, data=sent, headers=auth("mediator"), follow_redirects=False)
    assert r.status_code == 303
    versions = service_client.get(r.headers["location"], headers=auth("observer")).text.split('id="history-h"')[1]
    stamps = re.findall(r"<li>Version (\d+), ([^,]+, [^,]+), by", versions)
    assert [v for v, _ in stamps] == ["2", "1"]
    assert all(re.fullmatch(r"\d{1,2} [A-Z][a-z]{2} \d{4}, \d\d:\d\d UTC", at) for _, at in stamps), stamps
