"""The pages: sign-in with a cookie, what each role is shown, plotly served locally, keyboard-usable forms."""

from __future__ import annotations

import re
from typing import Any

import pytest

from conftest import TALKS, TOKENS

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


def sign_in(client: Any, who: str) -> None:
    client.cookies.clear()
    r = client.post("/login", data={"token": TOKENS[who]}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == f"/talks/{TALKS}"


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize("who", list(ALLOWED))
def test_each_role_sees_its_pages_and_no_others(client: Any, who: str) -> None:
    sign_in(client, who)
    for name, url in PAGES.items():
        r = client.get(url, follow_redirects=False)
        if name in ALLOWED[who]:
            assert r.status_code == 200, (name, r.text[:300])
            assert "Signed in as" in r.text
            # nothing is loaded from elsewhere
            assert not re.search(r"""(src|href)=["']?(https?:)?//""", r.text), name
        else:
            assert r.status_code == 403, name
            assert "not for your role" in r.text


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_standings_on_the_proposal_page_follow_the_role(client: Any) -> None:
    sign_in(client, "israel")
    page = client.get(PAGES["proposal"]).text
    assert ">israel</th>" in page and ">hamas</th>" not in page
    sign_in(client, "observer")
    page = client.get(PAGES["proposal"]).text
    assert "your role does not show them" in page
    sign_in(client, "mediator")
    page = client.get(PAGES["proposal"]).text
    assert ">israel</th>" in page and ">hamas</th>" in page


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_frontier_uses_plotly_from_the_installed_package(client: Any) -> None:
    sign_in(client, "mediator")
    page = client.get(PAGES["frontier"]).text
    assert '<script src="/plotly.min.js"></script>' in page and "Plotly.newPlot" in page
    js = client.get("/plotly.min.js")
    assert js.status_code == 200 and "plotly" in js.text[:2000].lower() and len(js.content) > 1_000_000


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_signed_out_pages_go_to_sign_in_and_bad_tokens_are_refused(client: Any) -> None:
    client.cookies.clear()
    assert client.get(PAGES["glance"], follow_redirects=False).headers["location"] == "/login"
    assert client.post("/login", data={"token": "wrong"}).status_code == 401
    sign_in(client, "observer")
    assert client.post("/logout", follow_redirects=False).status_code == 303


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_publish_and_mark_through_the_forms(client: Any) -> None:
    sign_in(client, "mediator")
    r = client.post(
        f"/talks/{TALKS}/ballots", data={"proposal": "aug16-bridging", "title": "Forms"}, follow_redirects=False
    )
    assert r.status_code == 303
    ballot = r.headers["location"]
    for who, marks in (("israel", ["0"]), ("hamas", ["0", "1"])):
        sign_in(client, who)
        assert "waiting for every party" in client.get(ballot).text
        assert client.post(f"{ballot}/marks", data={"accepted": marks}, follow_redirects=False).status_code == 303
    page = client.get(ballot).text
    assert "Packages every party could accept" in page and "<li>Package 1</li>" in page
    assert "Package 2</li>" not in page.split("Packages every party could accept")[1].split("</section>")[0]


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_a_party_edits_its_preferences_in_the_page_and_a_stale_form_gets_409(client: Any) -> None:
    import json

    sign_in(client, "israel")
    page = client.get(f"/talks/{TALKS}/preferences/israel").text
    assert "Version 1." in page and "SECRET-ISRAEL-BASIS" in page
    assert client.get(f"/talks/{TALKS}/preferences/hamas").status_code == 403
    prefs = client.get(f"/api/talks/{TALKS}/preferences/israel").json()["versions"][-1]["data"]
    form = {"version": "1", "text": json.dumps({**prefs, "reservation": 0.25})}
    r = client.post(f"/talks/{TALKS}/preferences/israel", data=form, follow_redirects=False)
    assert r.status_code == 303
    page = client.get(f"/talks/{TALKS}/preferences/israel").text
    assert "Version 2." in page and "reservation:" in page
    stale = client.post(f"/talks/{TALKS}/preferences/israel", data=form)
    assert stale.status_code == 409 and "version 2" in stale.text
    broken = client.post(f"/talks/{TALKS}/preferences/israel", data={"version": "2", "text": "{not json"})
    assert broken.status_code == 422 and "not valid JSON" in broken.text


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_the_edit_form_is_offered_to_who_may_edit(client: Any) -> None:
    sign_in(client, "hamas")
    assert "Edit this text" in client.get(f"/talks/{TALKS}/proposals/jul2-hamas").text
    assert "Edit this text" not in client.get(f"/talks/{TALKS}/proposals/may27-israel").text
    sign_in(client, "observer")
    assert "Edit this text" not in client.get(f"/talks/{TALKS}/proposals/jul2-hamas").text
    sign_in(client, "mediator")
    assert "Edit this text" in client.get(f"/talks/{TALKS}/proposals/may27-israel").text
