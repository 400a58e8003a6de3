"""The audit page in words: what each entry changed (a diff), a link to the record, readable times; a
blind-acceptance mark says who answered and never what."""

from __future__ import annotations

import re
from typing import Any

import pytest

from conftest import TALKS, auth

PAGE = f"/talks/{TALKS}/audit"
API = f"/api/talks/{TALKS}"


def audit(client: Any) -> str:
    r = client.get(PAGE, headers=auth("mediator"))
    assert r.status_code == 200, r.text
    return str(r.text)


@pytest.mark.parametrize("service_db_url", ["sqlite"], indirect=True)
def test_a_new_version_of_a_text_shows_what_changed_and_links_to_it(service_client: Any) -> None:
    # a text nobody has answered: an answered one needs a note, and drops its answers
    current = service_client.get(f"{API}/proposals/may27-israel/history", headers=auth("mediator")).json()
    latest = current["versions"][-1]
    data = {**latest["data"], "terms": {**latest["data"].get("terms", {}), "aid_trucks": 700}}
    body = {"version": latest["version"], "proposal": data}
    r = service_client.put(f"{API}/proposals/may27-israel", headers=auth("mediator"), json=body)
    assert r.status_code == 200, r.text
    html = audit(service_client)
    first = html.split("<tbody>")[1].split("</tr>")[0]  # newest first
    assert f'href="/talks/{TALKS}/proposals/may27-israel"' in first and "version 2" in first
    assert re.search(r"Humanitarian aid[^<]*: \(open\) → 700", first), first  # its own terms had none
    assert re.search(r'<time datetime="[^"]+">\d{1,2} \w{3} \d{4}, \d\d:\d\d UTC</time>', first)


@pytest.mark.parametrize("service_db_url", ["sqlite"], indirect=True)
def test_a_mark_says_who_answered_never_what(service_client: Any) -> None:
    body = {"title": "Probe", "packages": [{"rafah": "israeli_control"}, {"rafah": "international_presence"}]}
    n = service_client.post(f"{API}/ballots", headers=auth("mediator"), json=body).json()["number"]
    service_client.put(f"{API}/ballots/{n}/marks", headers=auth("israel"), json={"accepted": [1]})
    html = audit(service_client)
    assert f"Israel (government) answered ballot {n} (what it marked stays secret)" in html
    assert f'href="/talks/{TALKS}/ballots/{n}">Published ballot {n}' in html
    row = html.split("<tbody>")[1].split("</tr>")[0]  # the mark, newest first
    assert "answered ballot" in row and "[1]" not in row and "diff" not in row


@pytest.mark.parametrize("service_db_url", ["sqlite"], indirect=True)
def test_a_recorded_release_shows_the_row_it_added(service_client: Any) -> None:
    version = service_client.get(f"{API}/exchange", headers=auth("mediator")).json()["version"]
    form = {"version": str(version), "date": "2025-02-28", "side": "israel", "category": "gaza_detainees",
            "count": "3", "note": "audit probe"}  # fmt: skip
    assert service_client.post(f"/talks/{TALKS}/exchange/releases", data=form, headers=auth("mediator"),
                               follow_redirects=False).status_code == 303  # fmt: skip
    first = audit(service_client).split("<tbody>")[1].split("</tr>")[0]
    assert f"release log: version {version + 1}" in first
    assert "added:</span> <code>41,,israel,gaza_detainees,3,,,,,audit probe</code>" in first
    # people are named, not numbered
    html = audit(service_client)
    assert "Israel&#39;s team given access as party for Israel (government)" in html
