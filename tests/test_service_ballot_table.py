"""Ballot pages people can read: packages as a table against the text on the table, changed and untabled
terms marked in words, each viewer's standings only, who has answered (never what), the result's diff."""

from __future__ import annotations

import re
from typing import Any

import pytest

from conftest import TALKS, auth
from truce.service.ballot_table import package_diff, package_rows
from truce.service.views import load

API = f"/api/talks/{TALKS}"
# the 16 August text's terms, changed on one issue each and filled on another; the second leaves one open
REFERENCE = {
    "end_of_war": "phased",
    "phase1_captives": "thirty_three",
    "release_cadence": "three_weekly",
    "exchange_keys": "may_keys",
    "return_north": "unarmed_no_inspection",
    "phase2_talks": 16,
    "withdrawal_depth": "populated_then_full",
    "aid_trucks": 600,
    "guarantees": "mediators_ensure_talks",
}
PACKAGES = [
    {**REFERENCE, "return_north": "vehicle_inspection", "rafah": "israeli_control"},
    {**{k: v for k, v in REFERENCE.items() if k != "guarantees"}, "rafah": "international_presence"},
]
ISRAEL, HAMAS = "Israel (government)", "Hamas"


def publish(client: Any, **extra: Any) -> int:
    body = {"title": "Probe", "packages": PACKAGES, "reference": "aug16-bridging", **extra}
    r = client.post(f"{API}/ballots", headers=auth("mediator"), json=body)
    assert r.status_code == 201, r.text
    return int(r.json()["number"])


def page(client: Any, who: str, n: int) -> str:
    r = client.get(f"/talks/{TALKS}/ballots/{n}", headers=auth(who))
    assert r.status_code == 200, r.text
    return str(r.text)


def row_headers(html: str) -> list[str]:
    body = html.split('data-testid="packages"')[1].split("<tbody>")[1].split("</tbody>")[0]
    return re.findall(r'<th scope="row">([^<]+)</th>', body)


@pytest.mark.parametrize("service_db_url", ["sqlite"], indirect=True)
def test_packages_are_a_table_of_issues_in_scenario_order_against_the_reference(
    service_client: Any, service_store: Any
) -> None:
    n = publish(service_client)
    html = page(service_client, "israel", n)
    state = load(service_store, TALKS)
    assert row_headers(html) == [i.name for i in state.scenario.issues]
    assert "On the table: " + state.scenario.proposal("aug16-bridging").title in html
    # a changed term says so in words, with what it replaces; not by colour alone
    assert "▲" in html and re.search(r"changed, was [^<]+</span>", html)


def test_changes_fills_and_untabled_terms_are_marked(service_store: Any) -> None:
    state = load(service_store, TALKS)
    reference = dict(state.scenario.terms_of("aug16-bridging"))
    issue = state.scenario.issues[0]
    other = next(o.id for o in issue.options if o.id != reference.get(issue.id)) if issue.options else None
    package = {**reference, issue.id: other} if other is not None else dict(reference)
    rows = package_rows(state, [dict(reference), package], reference)
    assert all(r["cells"][0]["change"] is None for r in rows)  # the text itself changes nothing
    if other is not None:
        assert rows[0]["cells"][1]["change"] == "changed"
        table = {"rows": rows}
        assert [d["issue"] for d in package_diff(table, 1)] == [issue.name]
    # a numeric term beyond every text's range is flagged as not tabled by anyone
    numeric = next(i for i in state.scenario.issues if i.kind.value == "numeric")
    top = numeric.max
    rows = package_rows(state, [{numeric.id: top}], reference)
    flagged = next(r for r in rows if r["issue_id"] == numeric.id)["cells"][0]["untabled"]
    assert flagged == (not state.memo.get("tabled", lambda: None).holds(numeric.id, top))


@pytest.mark.parametrize("service_db_url", ["sqlite"], indirect=True)
def test_a_party_sees_its_own_standing_per_package_and_nobody_elses(service_client: Any) -> None:
    n = publish(service_client)
    israel = page(service_client, "israel", n)
    assert israel.count('data-testid="standing-row"') == 1 and "Your standing" in israel
    assert f"Standing for {HAMAS}" not in israel and "SECRET" not in israel
    assert re.search(r"utility \d\.\d\d[^<]*: <strong>(acceptable|not acceptable|depends on the open terms)", israel)
    mediator = page(service_client, "mediator", n)
    assert f"Standing for {ISRAEL}" in mediator and f"Standing for {HAMAS}" in mediator


@pytest.mark.parametrize("service_db_url", ["sqlite"], indirect=True)
def test_the_mediator_sees_who_has_answered_never_what(service_client: Any) -> None:
    n = publish(service_client)
    service_client.put(f"{API}/ballots/{n}/marks", headers=auth("israel"), json={"accepted": [0]})
    mediator = page(service_client, "mediator", n)
    assert f"Answered: {ISRAEL}." in mediator and f"Not yet answered: {HAMAS}." in mediator
    assert "you marked it" not in mediator and "Your marks" not in mediator
    hamas = page(service_client, "hamas", n)
    assert "you marked it" not in hamas and 'type="checkbox"' in hamas
    israel = page(service_client, "israel", n)
    assert 'data-testid="my-marks"' in israel and 'type="checkbox"' not in israel


@pytest.mark.parametrize("service_db_url", ["sqlite"], indirect=True)
def test_the_result_shows_the_revealed_package_with_its_diff_to_the_reference(service_client: Any) -> None:
    n = publish(service_client)
    for side in ("israel", "hamas"):
        service_client.put(f"{API}/ballots/{n}/marks", headers=auth(side), json={"accepted": [0, 1]})
    html = page(service_client, "hamas", n)
    assert "Every party could accept <strong>Package" in html
    diff = html.split('data-testid="revealed-diff"')[1].split("</ul>")[0]
    assert "→" in diff and "diff-ins" in diff


@pytest.mark.parametrize("service_db_url", ["sqlite"], indirect=True)
def test_an_unknown_reference_is_refused_naming_the_field(service_client: Any) -> None:
    body = {"title": "Probe", "packages": PACKAGES, "reference": "no-such-text"}
    r = service_client.post(f"{API}/ballots", headers=auth("mediator"), json=body)
    assert r.status_code == 422 and r.json()["detail"][0]["path"] == ["reference"]


@pytest.mark.parametrize("service_db_url", ["sqlite"], indirect=True)
def test_the_ballots_list_names_the_parties_that_answered(service_client: Any) -> None:
    n = publish(service_client)
    service_client.put(f"{API}/ballots/{n}/marks", headers=auth("hamas"), json={"accepted": []})
    html = service_client.get(f"/talks/{TALKS}/ballots", headers=auth("mediator")).text
    assert f"answered: {HAMAS}" in html and " UTC</td>" in html


@pytest.mark.parametrize("service_db_url", ["sqlite"], indirect=True)
def test_a_term_only_a_reading_holds_says_whose_reading_it_is(service_client: Any) -> None:
    # Israeli control of the Rafah crossing is on the table only as Hamas reads the 16 August text: a package
    # holding it showed it as any term of a text, though it is one side's account of that text.
    n = publish(service_client)
    for who in ("mediator", "israel"):
        html = page(service_client, who, n)
        rafah = html.split('<th scope="row">Rafah crossing</th>')[1].split("</tr>")[0]
        cells = rafah.split("<td")[2:]  # after the reference's, in the ballot's shuffled order
        control = next(cell for cell in cells if "Israeli control of the crossing" in cell)
        read = "(tabled only in aug16-bridging as read by Hamas, reading hamas-aug18)"
        assert f'data-testid="only-read">{read}</span>' in control
        untabled = next(cell for cell in cells if "international" in cell)
        assert "†" in untabled and "only-read" not in untabled  # nobody tabled it: no reading holds it either
        inspection = html.split('<th scope="row">Return of displaced people')[1].split("</tr>")[0]
        assert "only-read" not in inspection  # the January 2025 text holds it as tabled
