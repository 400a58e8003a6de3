"""Bridging from a side's reading of a text in the service, as `truce bridge --from ID@READING` does: the
bridging page offers the text's readings, and what it leads to (a ballot, a draft) keeps the reading; the
answer always says it is that side's account, never the text."""

from __future__ import annotations

import html
import re
import time
from typing import Any

import pytest

from conftest import TALKS, auth
from test_service_pages import form_token, sign_in

API = f"/api/talks/{TALKS}"
PAGE = f"/talks/{TALKS}/bridge"
TEXT, READING = "aug16-bridging", "hamas-aug18"
FROM_READING = {"proposal": TEXT, "reading": READING}
pytestmark = pytest.mark.parametrize("service_db_url", ["sqlite"], indirect=True)


def words(page: str) -> str:
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page)))


def bridging_page(client: Any, params: dict[str, str]) -> Any:
    """The bridging page once its search has ended (a long one answers 202 and refreshes itself)."""
    deadline, r = time.monotonic() + 60, client.get(PAGE, params=params, headers=auth("mediator"))
    while r.status_code == 202 and time.monotonic() < deadline:
        time.sleep(0.2)
        r = client.get(PAGE, params=params, headers=auth("mediator"))
    return r


def bridges(client: Any, params: dict[str, str]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = client.get(f"{API}/bridge", params=params, headers=auth("mediator")).json()["bridges"]
    return found


def test_the_bridging_page_offers_the_texts_readings_and_says_whose_reading_it_starts_from(
    service_client: Any,
) -> None:
    # the page offered the texts alone: a mediator could not see the bridges from one side's account of a text
    offered = bridging_page(service_client, {"proposal": TEXT})
    select = re.search(r'<select id="proposal" name="proposal".*?</select>', offered.text, re.S)
    assert select
    options = re.findall(r'<option value="([^"]*)"[^>]*>([^<]*)</option>', html.unescape(select.group(0)))
    for proposal in service_client.get(API, headers=auth("mediator")).json()["proposals"]:
        pid, title = proposal["id"], proposal["title"]
        readings = service_client.get(f"{API}/proposals/{pid}", headers=auth("mediator")).json()["readings"]
        listed = [(value, label) for value, label in options if value.partition("@")[0] == pid]
        # each text, then under it each of its readings, named as whose account it is
        assert listed == [(pid, f"{title}, as tabled" if readings else title)] + [
            (f"{pid}@{r['id']}", f"{title}, as {r['holder']} reads it (reading {r['id']})") for r in readings
        ]
    assert "not from the text as tabled" not in words(offered.text)
    chosen = re.findall(r'<option value="([^"]*)" selected', select.group(0))
    assert chosen == [TEXT]

    page = bridging_page(service_client, FROM_READING)
    said = words(page.text)
    assert page.status_code == 200
    assert re.findall(r'<option value="([^"]*)" selected', page.text)[0] == f"{TEXT}@{READING}"
    # as the page's choice sends it, and as truce bridge --from takes it: the same page
    assert bridging_page(service_client, {"proposal": f"{TEXT}@{READING}"}).text == page.text
    assert "as Hamas reads it (reading hamas-aug18), not from the text as tabled" in said
    assert "change as few terms of US bridging proposal, with Egyptian and Qatari support, as Hamas reads it" in said
    # each bridge shown is the API's from that reading (the API's is the command line's: see test_json_contracts)
    shown = re.findall(r"<strong>(\d+) changes?</strong>", page.text)
    assert [int(n) for n in shown] == [len(b["changes"]) for b in bridges(service_client, FROM_READING)]
    # what it leads to keeps the reading: the drafts and the ballot are of the bridges shown
    assert f"n=0&amp;reading={READING}" in page.text
    assert f'<input type="hidden" name="reading" value="{READING}">' in page.text


@pytest.mark.parametrize(
    ("params", "said"),
    [
        ({"proposal": TEXT, "reading": "nope"}, "reading: no reading 'nope' of 'aug16-bridging'"),
        ({"proposal": TEXT, "reading": "hamas-lists"}, "reading: no reading 'hamas-lists' of 'aug16-bridging'"),
        ({"proposal": f"{TEXT}@nope"}, "proposal: no reading 'nope' of 'aug16-bridging'"),
        ({"proposal": f"{TEXT}@"}, "proposal: 'aug16-bridging@': no reading after @"),
        ({"proposal": f"{TEXT}@{READING}", "reading": READING}, "reading: the reading is named twice"),
    ],
)
def test_the_bridging_page_refuses_a_reading_the_text_does_not_have(
    service_client: Any, params: dict[str, str], said: str
) -> None:
    r = service_client.get(PAGE, params=params, headers=auth("mediator"))
    assert r.status_code == 422 and said in words(r.text)


def test_a_ballot_of_bridges_from_a_reading_shows_them_against_that_reading_named_as_such(service_client: Any) -> None:
    body = {"title": "From Hamas's reading", "from_proposal": TEXT, "reading": READING}
    number = service_client.post(f"{API}/ballots", json=body, headers=auth("mediator")).json()["number"]
    ballot = service_client.get(f"{API}/ballots/{number}", headers=auth("israel")).json()
    published = ballot["packages"]
    expected = sorted(sorted(b["terms"].items()) for b in bridges(service_client, FROM_READING))
    # the API says what the page says: shown against Hamas's reading, not the text (it said nothing)
    shown = ballot["reference"]
    assert (shown["proposal"], shown["reading"], shown["holder"], shown["bridged_from"]) == (
        TEXT,
        READING,
        "Hamas",
        None,
    )
    assert sorted(sorted(p["terms"].items()) for p in published) == expected
    proposal = service_client.get(f"{API}/proposals/{TEXT}", headers=auth("israel")).json()
    asserts = next(r["asserts_text"] for r in proposal["readings"] if r["id"] == READING)
    for side in ("israel", "hamas"):  # each side sees whose account the packages are shown against
        page = service_client.get(f"/talks/{TALKS}/ballots/{number}", headers=auth(side)).text
        said = words(page)
        assert "as Hamas reads it (reading hamas-aug18), not the text as tabled" in said
        assert "As Hamas reads US bridging proposal" in said and "On the table:" not in said
        # the first column is the reading's terms: the end of the war as Hamas reads the text, not as tabled
        first = re.findall(r'<td class="reference">([^<]*)</td>', page)
        assert asserts["end_of_war"].split(": ", 1)[1] in first
        assert proposal["terms_text"]["end_of_war"] not in first


@pytest.mark.parametrize(
    ("body", "path", "said"),
    [
        ({"packages": [{"rafah": "egypt_pa_eu"}], "reading": READING}, ["reading"], "give from_proposal"),
        ({"from_proposal": TEXT, "reading": "nope"}, ["reading"], "no reading 'nope' of 'aug16-bridging'"),
        ({"from_proposal": TEXT, "reading": ""}, ["body", "reading"], "at least 1 character"),
    ],
)
def test_a_ballot_from_a_reading_it_cannot_start_from_is_refused_and_nothing_published(
    service_client: Any, body: dict[str, Any], path: list[str], said: str
) -> None:
    r = service_client.post(f"{API}/ballots", json={"title": "B", **body}, headers=auth("mediator"))
    assert r.status_code == 422
    (problem,) = r.json()["detail"]
    assert problem["path"] == path and said in problem["message"]
    assert service_client.get(f"{API}/ballots", headers=auth("mediator")).json() == []


def test_the_pages_publish_and_draft_the_bridges_of_the_reading_shown(service_client: Any) -> None:
    sign_in(service_client, "mediator")
    found = bridges(service_client, FROM_READING)
    form = {"proposal": TEXT, "reading": READING, "title": "B", "csrf": form_token(service_client, PAGE)}
    r = service_client.post(f"/talks/{TALKS}/ballots", data=form, follow_redirects=False)
    assert r.status_code == 303
    number = int(r.headers["location"].rsplit("/", 1)[1])
    published = service_client.get(f"{API}/ballots/{number}", headers=auth("mediator")).json()["packages"]
    assert sorted(sorted(p["terms"].items()) for p in published) == sorted(sorted(b["terms"].items()) for b in found)
    # a draft from the first bridge: it amends the text as tabled (a child inherits the text, never a reading)
    # with the bridge's terms
    draft = service_client.get(f"/talks/{TALKS}/draft", params={"bridge": TEXT, "reading": READING, "n": 0})
    assert draft.status_code == 200
    tabled = service_client.get(f"{API}/proposals/{TEXT}", headers=auth("mediator")).json()["terms"]
    chosen = {}
    for name, options in re.findall(r'<select[^>]*name="term\.([^"]+)"[^>]*>(.*?)</select>', draft.text, re.S):
        picked = re.search(r'<option value="([^"]*)"[^>]*selected', options)
        chosen[name] = picked.group(1) if picked and picked.group(1) else tabled.get(name)
    assert re.search(r'<option value="aug16-bridging"[^>]*selected', draft.text)  # the parent
    assert chosen == {i: t for i, t in found[0]["terms"].items() if i in chosen}
    assert chosen != {i: t for i, t in bridges(service_client, {"proposal": TEXT})[0]["terms"].items() if i in chosen}


def test_a_side_cannot_start_a_draft_from_a_bridge_from_any_reading(service_client: Any) -> None:
    # bridges rest on every side's preferences: a side learns nothing of the other's from a reading's bridges
    for side in ("israel", "hamas"):
        draft = service_client.get(
            f"/talks/{TALKS}/draft", params={"bridge": TEXT, "reading": READING}, headers=auth(side)
        )
        assert draft.status_code == 422 and "only mediators start from one" in words(draft.text)
        assert service_client.get(PAGE, params=FROM_READING, headers=auth(side)).status_code == 403


def test_a_draft_naming_a_reading_but_no_bridge_is_refused(service_client: Any) -> None:
    draft = service_client.get(f"/talks/{TALKS}/draft", params={"reading": READING}, headers=auth("mediator"))
    assert draft.status_code == 422 and "a reading is of the text a bridge starts from" in words(draft.text)
    bad = service_client.get(
        f"/talks/{TALKS}/draft", params={"bridge": TEXT, "reading": "nope"}, headers=auth("mediator")
    )
    assert bad.status_code == 422 and "no reading 'nope' of 'aug16-bridging'" in words(bad.text)


@pytest.mark.parametrize("reference", [TEXT, "jul27-israel"])
def test_a_ballot_of_bridges_from_a_reading_shown_against_a_text_named_says_whose_reading_they_start_from(
    service_client: Any, reference: str
) -> None:
    """With reference and reading both given, the packages were shown against the text as tabled and nothing
    said that the bridges started from Hamas's account of the 16 August text."""
    body = {"title": "From Hamas's reading", "from_proposal": TEXT, "reading": READING, "reference": reference}
    r = service_client.post(f"{API}/ballots", json=body, headers=auth("mediator"))
    assert r.status_code == 201, r.text
    title = service_client.get(f"{API}/proposals/{reference}", headers=auth("israel")).json()["title"]
    bridged = service_client.get(f"{API}/proposals/{TEXT}", headers=auth("israel")).json()["title"]
    shown = service_client.get(f"{API}/ballots/{r.json()['number']}", headers=auth("hamas")).json()["reference"]
    assert {**shown, "bridged_from": None} == {
        "proposal": reference,
        "title": title,
        "reading": None,
        "holder": None,
        "bridged_from": None,
    }
    assert shown["bridged_from"] == {"proposal": TEXT, "title": bridged, "reading": READING, "holder": "Hamas"}
    for side in ("israel", "hamas"):
        said = words(service_client.get(f"/talks/{TALKS}/ballots/{r.json()['number']}", headers=auth(side)).text)
        assert f"On the table: {title}" in said  # the text named, as tabled
        assert (
            f"These packages are bridges from {bridged}, as Hamas reads it (reading hamas-aug18): that side's "
            "account of the text, not the text as tabled." in said
        ), said
