"""The pages: sign-in with a cookie, what each role is shown, plotly served locally, keyboard-usable forms."""

from __future__ import annotations

import re
import time
from typing import Any

import pytest

from conftest import TALKS, TOKENS, auth

PAGES = {
    "glance": f"/talks/{TALKS}",
    "proposal": f"/talks/{TALKS}/proposals/aug16-bridging",
    "frontier": f"/talks/{TALKS}/frontier",
    "bridge": f"/talks/{TALKS}/bridge",
    "ballots": f"/talks/{TALKS}/ballots",
    "audit": f"/talks/{TALKS}/audit",
    "exchange": f"/talks/{TALKS}/exchange",
}
ALLOWED = {
    "mediator": set(PAGES),
    "israel": {"glance", "proposal", "ballots", "exchange"},
    "hamas": {"glance", "proposal", "ballots", "exchange"},
    "observer": {"glance", "proposal", "exchange"},
}


def form_token(service_client: Any, url: str) -> str:
    """The form token a page's forms carry (as a browser would send it back)."""
    found = re.search(r'name="csrf" value="([^"]+)"', service_client.get(url).text)
    assert found, url
    return found.group(1)


def sign_in(service_client: Any, who: str) -> None:
    service_client.cookies.clear()
    form = {"token": TOKENS[who], "csrf": form_token(service_client, "/login")}
    r = service_client.post("/login", data=form, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == f"/talks/{TALKS}"


@pytest.mark.parametrize("service_db_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize("who", list(ALLOWED))
def test_each_role_sees_its_pages_and_no_others(service_client: Any, who: str) -> None:
    sign_in(service_client, who)
    for name, url in PAGES.items():
        r = service_client.get(url, follow_redirects=False)
        while r.status_code == 202 and name == "bridge":  # the search is still running: its page refreshes
            time.sleep(0.2)
            r = service_client.get(url, follow_redirects=False)
        if name in ALLOWED[who]:
            assert r.status_code == 200, (name, r.text[:300])
            assert "Signed in as" in r.text
            # nothing is loaded from elsewhere
            assert not re.search(r"""(src|href)=["']?(https?:)?//""", r.text), name
        else:
            assert r.status_code == 403, name
            assert "not for your role" in r.text


@pytest.mark.parametrize("service_db_url", ["sqlite"], indirect=True)
def test_standings_on_the_proposal_page_follow_the_role(service_client: Any) -> None:
    sign_in(service_client, "israel")
    page = service_client.get(PAGES["proposal"]).text
    # parties by name, not id
    assert f">{ISRAEL}</th>" in page and f">{HAMAS}</th>" not in page
    assert _fragility(page) == {ISRAEL}
    sign_in(service_client, "observer")
    page = service_client.get(PAGES["proposal"]).text
    assert "your role does not show them" in page and "holds unless" not in page
    sign_in(service_client, "mediator")
    page = service_client.get(PAGES["proposal"]).text
    assert f">{ISRAEL}</th>" in page and f">{HAMAS}</th>" in page
    assert _fragility(page) == {ISRAEL, HAMAS}
    # Silence reads as such in the gaps, not as a gap of 0.000 (the shipped file gives israel no weight on aid).
    row = re.search(r"Humanitarian aid entering Gaza</th>(.*?)</tr>", page.split("Gaps by issue")[1], re.S)
    assert row is not None and "no stated position" in row.group(1)


ISRAEL, HAMAS = "Israel (government)", "Hamas"  # the shipped case's names of the two sides


@pytest.mark.parametrize("service_db_url", ["sqlite"], indirect=True)
def test_each_reading_of_a_contested_text_says_how_fragile_its_verdicts_are_as_analyze_does(
    service_client: Any,
) -> None:
    # The page gave each side's verdict under each reading with neither the why nor how fragile it is, which
    # truce analyze says under the text as tabled and under each reading alike.
    from html import unescape

    from conftest import marked_scenario
    from truce.analysis.fragility import fragility_json
    from truce.analysis.overview import overview
    from truce.model.checks import build_scenario

    view = next(v for v in overview(build_scenario(marked_scenario())).proposals if v.proposal.id == "aug16-bridging")
    expected = {
        r.reading.id: [fragility_json(f)["text"] for f in r.fragility] for r in view.readings
    }  # israel's, then hamas's
    sign_in(service_client, "mediator")
    page = unescape(service_client.get(PAGES["proposal"]).text)
    rows = page.split('data-testid="readings"')[1].split("</table>")[0].split("<tr>")[2:]
    shown = {
        re.match(r'<th scope="row">([\w-]+),', row).group(1): re.findall(  # type: ignore[union-attr]
            r'data-testid="reading-fragility">How fragile: (.*?)</small>', row, re.S
        )
        for row in rows
    }
    assert shown == expected and set(shown) == {"mediators", "israel-pmo", "hamas-aug18"}
    hamas_row = next(row for row in rows if "hamas-aug18," in row)
    assert "✗ no (as tabled: yes): below reservation" in hamas_row and "crosses red line" in hamas_row  # the why
    sign_in(service_client, "israel")  # a side sees its own, under every reading, and nothing of the other's
    page = unescape(service_client.get(PAGES["proposal"]).text)
    readings = page.split('data-testid="readings"')[1].split("</table>")[0]
    assert readings.count('data-testid="reading-fragility"') == 3 and f"{HAMAS}:" not in readings
    for texts in expected.values():
        assert texts[0] in readings and texts[1] not in readings


def _fragility(page: str) -> set[str]:
    """The parties whose verdict's fragility the page states, each as "holds ..." text."""
    block = re.search(r'data-testid="fragility">(.*?)</ul>', page, re.S)
    assert block is not None
    items = re.findall(r"<li><strong>([^<]+)</strong> \(\w+\): (holds[^<]*)</li>", block.group(1))
    return {party for party, _ in items}


def _note(page: str, testid: str) -> str | None:
    """The words of the paragraph with this test id (its links as their text), or None."""
    found = re.search(rf'<p[^>]*data-testid="{testid}">(.*?)</p>', page, re.S)
    return re.sub(r"<[^>]+>", "", found.group(1)) if found else None


@pytest.mark.parametrize("service_db_url", ["sqlite"], indirect=True)
def test_every_page_of_utilities_says_whose_preferences_are_assumed_and_who_must_ratify(service_client: Any) -> None:
    # The command line and the brief say both wherever a utility is shown; the pages gave the numbers alone.
    sign_in(service_client, "mediator")
    r = service_client.post(
        f"/talks/{TALKS}/ballots",
        data={"proposal": "aug16-bridging", "title": "B", "csrf": form_token(service_client, PAGES["bridge"])},
        follow_redirects=False,
    )
    ballot = r.headers["location"]
    both = f"The preferences of {ISRAEL}, {HAMAS} are assumptions (see the talks page), not the parties' own"
    for url in (PAGES["frontier"], PAGES["bridge"], PAGES["proposal"], ballot):
        page = service_client.get(url).text
        while 'http-equiv="refresh"' in page:  # the bridging search is still running
            time.sleep(0.2)
            page = service_client.get(url).text
        assert (_note(page, "assumed") or "").startswith(both), url
    for url in (PAGES["frontier"], PAGES["bridge"]):  # where packages are searched, only ratified ones count
        page = service_client.get(url).text
        assert (
            _note(page, "homes")
            == f"Only packages each side's home ratifies count: {ISRAEL} (majority, 2 constituents)."
        )
    # a side is told about the preferences it sees, its own; an observer sees no utility and no such note
    sign_in(service_client, "hamas")
    for url in (PAGES["proposal"], ballot):
        note = _note(service_client.get(url).text, "assumed")
        assert note is not None and note.startswith(f"The preferences of {HAMAS} are") and ISRAEL not in note
    sign_in(service_client, "observer")
    assert _note(service_client.get(PAGES["proposal"]).text, "assumed") is None


@pytest.mark.parametrize("service_db_url", ["sqlite"], indirect=True)
def test_frontier_uses_plotly_from_the_installed_package(service_client: Any) -> None:
    sign_in(service_client, "mediator")
    page = service_client.get(PAGES["frontier"]).text
    assert '<script src="/plotly.min.js"></script>' in page and "Plotly.newPlot" in page
    js = service_client.get("/plotly.min.js")
    assert js.status_code == 200 and "plotly" in js.text[:2000].lower() and len(js.content) > 1_000_000


@pytest.mark.parametrize("service_db_url", ["sqlite"], indirect=True)
def test_a_solution_term_only_a_reading_holds_says_whose_reading_it_is(service_client: Any) -> None:
    # the solutions' table flagged a term nobody tabled but showed one side's reading of a text as a tabled term
    from html import unescape

    from conftest import marked_scenario
    from truce.analysis.tabled import tabled_terms
    from truce.model.checks import build_scenario

    scenario = build_scenario(marked_scenario())
    tabled = tabled_terms(scenario)
    solutions = service_client.get(f"/api/talks/{TALKS}/frontier", headers=auth("mediator")).json()["solutions"]
    sign_in(service_client, "mediator")
    table = unescape(service_client.get(PAGES["frontier"]).text).split('data-testid="solution-terms"')[1]
    shown = re.findall(r'data-testid="only-read">([^<]*)</span>', table.split("</table>")[0])
    expected = [
        tabled.only_read_note(issue, sol["terms"][issue]).strip()
        for issue in (i.id for i in scenario.issues)
        for sol in solutions.values()
        if sol is not None and tabled.only_read(issue, sol["terms"][issue])
    ]
    assert shown == expected and any("as read by Israel (government)" in note for note in shown)


@pytest.mark.parametrize("service_db_url", ["sqlite"], indirect=True)
def test_when_no_package_is_acceptable_to_all_the_pages_say_so_within_the_terms_tabled(service_client: Any) -> None:
    # Hamas asking 0.85 leaves no package within the terms tabled that both sides accept. The frontier page
    # showed an empty table of solutions, saying nothing; the bridging page gave the least relaxation without
    # saying it was within the terms tabled, nor what it rests on.
    api = f"/api/talks/{TALKS}/preferences/hamas"
    latest = service_client.get(api, headers=auth("mediator")).json()["versions"][-1]
    body = {"version": latest["version"], "preferences": {**latest["data"], "reservation": 0.85}}
    assert service_client.put(api, headers=auth("mediator"), json=body).status_code == 200
    sign_in(service_client, "mediator")
    page = service_client.get(PAGES["frontier"]).text
    assert _note(page, "no-solution") is not None and 'data-testid="solution-terms"' not in page
    assert "within the terms some proposal holds is acceptable to every party" in page
    url = f"{PAGES['bridge']}?proposal=jul27-israel"
    page = service_client.get(url).text
    while 'http-equiv="refresh"' in page:
        time.sleep(0.2)
        page = service_client.get(url).text
    said = _note(page, "infeasible") or ""
    assert said.startswith("Within the terms some proposal holds, no package is acceptable to all;"), said
    assert "Hamas lowers its reservation value by" in said
    assert _note(page, "assumed") and _note(page, "homes")


@pytest.mark.parametrize("service_db_url", ["sqlite"], indirect=True)
def test_the_bridging_page_says_when_it_found_fewer_bridges_than_it_asked_for(service_client: Any) -> None:
    # truce bridge says "1 bridge of the 3 asked for"; the page listed the one bridge and left the reader to
    # wonder whether the others were cut off
    sign_in(service_client, "mediator")
    for proposal in ("jan2025-agreement", "may27-israel", "jul27-israel"):
        found = service_client.get(
            f"/api/talks/{TALKS}/bridge", params={"proposal": proposal}, headers=auth("mediator")
        ).json()["bridges"]
        url = f"{PAGES['bridge']}?proposal={proposal}"
        page = service_client.get(url).text
        while 'http-equiv="refresh"' in page:
            time.sleep(0.2)
            page = service_client.get(url).text
        assert page.count("<li><p><strong>") == len(found)
        said = f"{len(found)} bridge{'' if len(found) == 1 else 's'} of the 3 asked for: each bridge changes"
        assert (_note(page, "fewer") or "").startswith(said) == (len(found) < 3), proposal
        if proposal == "jan2025-agreement":
            assert len(found) == 1


@pytest.mark.parametrize("service_db_url", ["sqlite"], indirect=True)
def test_signed_out_pages_go_to_sign_in_and_bad_tokens_are_refused(service_client: Any) -> None:
    service_client.cookies.clear()
    assert service_client.get(PAGES["glance"], follow_redirects=False).headers["location"] == "/login"
    assert (
        service_client.post("/login", data={"token": "wrong", "csrf": form_token(service_client, "/login")}).status_code
        == 401
    )
    sign_in(service_client, "observer")
    csrf = form_token(service_client, PAGES["glance"])
    assert service_client.post("/logout", data={"csrf": csrf}, follow_redirects=False).status_code == 303


@pytest.mark.parametrize("service_db_url", ["sqlite"], indirect=True)
def test_publish_and_mark_through_the_forms(service_client: Any) -> None:
    sign_in(service_client, "mediator")
    form = {"proposal": "aug16-bridging", "title": "Forms", "csrf": form_token(service_client, PAGES["bridge"])}
    r = service_client.post(f"/talks/{TALKS}/ballots", data=form, follow_redirects=False)
    assert r.status_code == 303
    ballot = r.headers["location"]
    for who, marks in (("israel", ["0"]), ("hamas", ["0"])):
        sign_in(service_client, who)
        assert "waiting for every party" in service_client.get(ballot).text
        form = {"accepted": marks, "csrf": form_token(service_client, ballot)}
        assert service_client.post(f"{ballot}/marks", data=form, follow_redirects=False).status_code == 303
    page = service_client.get(ballot).text
    result = page.split('data-testid="result"')[1].split("</section>")[0]
    assert "Every party could accept <strong>Package 1</strong>" in result and "Package 2" not in result


@pytest.mark.parametrize("service_db_url", ["sqlite"], indirect=True)
def test_a_party_edits_its_preferences_in_the_page_and_a_stale_form_gets_409(service_client: Any) -> None:
    import json

    sign_in(service_client, "israel")
    page = service_client.get(f"/talks/{TALKS}/preferences/israel").text
    assert "Version 1." in page and "SECRET-ISRAEL-BASIS" in page
    assert "<h1>Preferences of Israel (government)</h1>" in page  # named, not "israel"
    assert service_client.get(f"/talks/{TALKS}/preferences/hamas").status_code == 403
    prefs = service_client.get(f"/api/talks/{TALKS}/preferences/israel", headers=auth("israel")).json()
    prefs = prefs["versions"][-1]["data"]
    csrf = form_token(service_client, f"/talks/{TALKS}/preferences/israel")
    form = {"version": "1", "text": json.dumps({**prefs, "reservation": 0.25}), "csrf": csrf}
    r = service_client.post(f"/talks/{TALKS}/preferences/israel", data=form, follow_redirects=False)
    assert r.status_code == 303
    page = service_client.get(f"/talks/{TALKS}/preferences/israel").text
    assert "Version 2." in page and "reservation:" in page
    assert re.search(r"Version 2, \d{1,2} \w{3} \d{4}, \d\d:\d\d UTC, by", page)  # a time as people read it
    stale = service_client.post(f"/talks/{TALKS}/preferences/israel", data=form)
    assert stale.status_code == 409 and "version 2" in stale.text
    broken = service_client.post(
        f"/talks/{TALKS}/preferences/israel", data={"version": "2", "text": "{not json", "csrf": csrf}
    )
    assert broken.status_code == 422 and "not valid JSON" in broken.text


@pytest.mark.parametrize("service_db_url", ["sqlite"], indirect=True)
def test_a_refused_json_edit_on_a_page_names_the_field(service_client: Any) -> None:
    """The page said "input should be less than or equal to 1 (got 2)" and left the reader to guess which of the
    preferences' numbers it meant; it names the field as the API's answer does in its path, and a side is still
    told nothing of what it did not send."""
    import json
    from html import unescape

    scenario = service_client.get(f"/api/talks/{TALKS}/export", headers=auth("mediator")).json()
    prefs = scenario["preferences"]["israel"]
    url = f"/talks/{TALKS}/preferences/israel"
    r = service_client.post(
        url, data={"version": "1", "text": json.dumps({**prefs, "reservation": 2})}, headers=auth("israel")
    )
    assert r.status_code == 422
    assert "preferences.israel.reservation: input should be less than or equal to 1" in unescape(r.text)
    zero = {**prefs, "weights": dict.fromkeys(prefs["weights"], 0)}
    r = service_client.post(url, data={"version": "1", "text": json.dumps(zero)}, headers=auth("israel"))
    assert "preferences.israel.weights: at least one issue needs a positive weight" in unescape(r.text)
    text = next(p for p in scenario["proposals"] if p["id"] == "may27-israel")
    bad = {**text, "terms": {**text.get("terms", {}), "rafah": "nowhere"}}
    r = service_client.post(
        f"/talks/{TALKS}/proposals/may27-israel", data={"version": "1", "text": json.dumps(bad)}, headers=auth("israel")
    )
    assert r.status_code == 422 and "proposal.terms.rafah: unknown option 'nowhere' of rafah" in unescape(r.text)
    assert "SECRET-HAMAS" not in r.text


@pytest.mark.parametrize("service_db_url", ["sqlite"], indirect=True)
def test_a_refused_json_edit_keeps_what_was_typed_in_its_editor(service_client: Any, service_store: Any) -> None:
    """A refused save of *Edit as JSON* answered a bare error page: the preferences or the text typed there were
    lost, and a side had to make its edit again from the saved version. The page comes back with the editor
    open, the problems above it, and the text, the version it was made from and the note as they were sent."""
    import json
    from html import unescape

    def editor(html: str) -> tuple[str, str, str]:
        found = re.search(r'<details[^>]*id="edit-json"[^>]*>.*?</details>', html, re.S)
        assert found, html[:500]
        text = re.search(r"<textarea[^>]*>(.*?)</textarea>", found.group(0), re.S)
        version = re.search(r'name="version" value="(\d+)"', found.group(0))
        assert text and version
        return found.group(0), unescape(text.group(1)), version.group(1)

    prefs = service_client.get(f"/api/talks/{TALKS}/preferences/israel", headers=auth("israel")).json()
    typed = json.dumps({**prefs["versions"][-1]["data"], "reservation": 2, "basis": "our new basis"}, indent=1)
    before = service_store.talks_version(TALKS)
    url = f"/talks/{TALKS}/preferences/israel"
    r = service_client.post(url, data={"version": "1", "text": typed}, headers=auth("israel"))
    assert r.status_code == 422
    shown, text, version = editor(r.text)
    assert "<details" in shown and " open" in shown.split(">", 1)[0]
    assert "preferences.israel.reservation: input should be less than or equal to 1" in unescape(shown)
    assert (text, version) == (typed, "1")
    broken = service_client.post(url, data={"version": "1", "text": "{not json"}, headers=auth("israel"))
    assert broken.status_code == 422 and editor(broken.text)[1] == "{not json"
    assert service_store.talks_version(TALKS) == before  # nothing saved

    data = service_client.get(f"/api/talks/{TALKS}/export", headers=auth("israel")).json()
    mine = next(p for p in data["proposals"] if p["id"] == "may27-israel")
    typed = json.dumps({**mine, "title": "Our corrected title", "terms": {**mine.get("terms", {}), "rafah": "x"}})
    url = f"/talks/{TALKS}/proposals/may27-israel"
    form = {"version": "1", "text": typed, "note": "the title was wrong"}
    r = service_client.post(url, data=form, headers=auth("israel"))
    assert r.status_code == 422 and "proposal.terms.rafah: unknown option" in unescape(r.text)
    shown, text, version = editor(r.text)
    assert (text, version) == (typed, "1") and 'value="the title was wrong"' in shown
    fixed = {**form, "text": json.dumps({**mine, "title": "Our corrected title"})}
    assert service_client.post(url, data=fixed, headers=auth("israel"), follow_redirects=False).status_code == 303
    r = service_client.post(url, data=form, headers=auth("israel"))  # made from version 1, now replaced
    assert r.status_code == 409 and "someone saved first" in r.text
    assert editor(r.text)[1:] == (typed, "1")
    assert "SECRET-HAMAS" not in r.text
    theirs = next(p for p in data["proposals"] if p["id"] == "aug16-bridging")  # tabled by the mediators
    typed = json.dumps({**theirs, "title": "Our title"})
    r = service_client.post(
        f"/talks/{TALKS}/proposals/aug16-bridging", data={"version": "1", "text": typed}, headers=auth("israel")
    )
    assert r.status_code == 403 and "a party records only its own response" in r.text
    assert editor(r.text)[1:] == (typed, "1")


@pytest.mark.parametrize("service_db_url", ["sqlite"], indirect=True)
def test_the_preferences_of_a_party_there_is_not_are_not_found(service_client: Any) -> None:
    """A mediator was shown "Preferences of zzz ... Version 0." for a party the talks do not have."""
    for url in (f"/talks/{TALKS}/preferences/zzz", f"/talks/{TALKS}/preferences/zzz/form"):
        assert service_client.get(url, headers=auth("mediator")).status_code == 404, url
    assert service_client.get(f"/api/talks/{TALKS}/preferences/zzz", headers=auth("mediator")).status_code == 404
    assert service_client.get(f"/talks/{TALKS}/preferences/israel", headers=auth("mediator")).status_code == 200


@pytest.mark.parametrize("service_db_url", ["sqlite"], indirect=True)
def test_the_edit_form_is_offered_to_who_may_edit(service_client: Any) -> None:
    sign_in(service_client, "hamas")
    assert "Edit this text" in service_client.get(f"/talks/{TALKS}/proposals/jul2-hamas").text
    assert "Edit this text" not in service_client.get(f"/talks/{TALKS}/proposals/may27-israel").text
    # on another's text a side may give its own response and reading, and is told that this is all
    other = service_client.get(f"/talks/{TALKS}/proposals/may27-israel").text
    assert "Answer this text" in other and "only your own side's response and your own reading" in other
    sign_in(service_client, "observer")
    assert "Edit this text" not in service_client.get(f"/talks/{TALKS}/proposals/jul2-hamas").text
    sign_in(service_client, "mediator")
    assert "Edit this text" in service_client.get(f"/talks/{TALKS}/proposals/may27-israel").text


@pytest.mark.parametrize("service_db_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize("who", list(ALLOWED))
def test_every_role_sees_the_timeline_and_the_cost_of_no_deal(service_client: Any, who: str) -> None:
    sign_in(service_client, who)
    page = service_client.get(PAGES["glance"]).text
    timeline = page[page.index('data-testid="timeline"') : page.index('data-testid="cost-of-no-deal"')]
    assert "[meeting]" in timeline and "[statement]" in timeline and "[round]" in timeline
    assert "cautious optimism" in timeline
    assert timeline.index("2024-08-18") < timeline.index("2024-08-20")
    cost = page[page.index('data-testid="cost-of-no-deal"') :]
    assert "Gaza Health Ministry" in cost and "Hostages held" in cost and "jan2025-agreement was agreed" in cost
    proposal = service_client.get(PAGES["proposal"]).text
    statements = proposal[proposal.index('data-testid="statements"') :]
    assert "cautious optimism" in statements and "new conditions regarding the prisoner exchange" in statements


def json_editor_of(html: str) -> str:
    """The closed "Edit as JSON (advanced)" part of a page; the page has no other JSON box."""
    assert html.count('name="text"') == 1
    found = re.search(r"<details([^>]*)>\s*<summary>Edit as JSON \(advanced\)</summary>(.*?)</details>", html, re.S)
    assert found and " open" not in found.group(1), "the JSON editor is not in a closed <details>"
    assert 'name="text"' in found.group(2)
    return found.group(2)


@pytest.mark.parametrize("service_db_url", ["sqlite"], indirect=True)
def test_json_editing_is_closed_below_the_forms_and_says_what_it_adds(service_client: Any) -> None:
    sign_in(service_client, "mediator")
    page = service_client.get(f"/talks/{TALKS}/proposals/jul2-hamas").text
    editor = json_editor_of(page)
    assert "The forms cover the terms" in editor and "readings" in editor
    assert page.index("draft?parent=jul2-hamas") < page.index("<summary>Edit as JSON")  # the form comes first
    sign_in(service_client, "israel")
    for url in (f"/talks/{TALKS}/preferences/israel", f"/talks/{TALKS}/preferences/israel/form"):
        page = service_client.get(url).text
        editor = json_editor_of(page)
        assert "The form covers the same preferences" in editor and "ratification" in editor
        assert "SECRET-ISRAEL-BASIS" in editor  # the whole stored preferences, for who may see them
        assert page.index("preferences/israel/form") < page.index("<summary>Edit as JSON")
    form = service_client.get(f"/talks/{TALKS}/preferences/israel/form").text
    assert form.index('action="/talks/gaza-2024/preferences/israel/form"') < form.index("<summary>Edit as JSON")
