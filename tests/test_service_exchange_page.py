"""The exchange page: dates beside day numbers, charts readable without colour with an exposure legend, and
the mediator's form that records a release and updates the ledger; bad input comes back beside its field."""

from __future__ import annotations

import re
from typing import Any

import pytest

from conftest import TALKS, auth
from truce.service.pages_exchange import append_row

PAGE = f"/talks/{TALKS}/exchange"
FORM = f"/talks/{TALKS}/exchange/releases"


def version(client: Any) -> int:
    return int(client.get(f"/api/talks/{TALKS}/exchange", headers=auth("mediator")).json()["version"])


def release(client: Any, **changes: str) -> Any:
    form = {
        "version": str(version(client)),
        "date": "2025-02-28",
        "side": "israel",
        "category": "gaza_detainees",
        "count": "2",
        "note": "recorded from the form",
        **changes,
    }
    return client.post(FORM, data=form, headers=auth("mediator"), follow_redirects=False)


@pytest.mark.parametrize("service_db_url", ["sqlite"], indirect=True)
def test_days_come_with_their_dates_and_sides_with_their_names(service_client: Any) -> None:
    html = service_client.get(PAGE, headers=auth("observer")).text
    assert "Day 1 is Sun 19 Jan 2025" in html
    assert re.search(r'<td class="num">1</td><td>Sun 19 Jan 2025</td>', html)
    # legends in words: each side's releases by hatch, each side's exposure by name
    assert re.search(r"released by Hamas[^\"]*\(hatch ", html) and "exposure of Hamas" in html
    assert 'data-testid="release-form"' not in html  # only the mediator records


@pytest.mark.parametrize("service_db_url", ["sqlite"], indirect=True)
def test_a_days_truck_count_is_shown_and_a_row_naming_nobody_names_no_side(service_client: Any) -> None:
    """OCHA's 339 trucks on day 6 showed as "both sides: aid_trucks": no count, and a side the record does
    not name (the agreement says it does not say who answers for a day's shortfall)."""
    html = service_client.get(PAGE, headers=auth("observer")).text
    row = re.search(r'<td class="num">6</td><td>Fri 24 Jan 2025</td>(.*?)</tr>', html, re.S)
    trucks = "600 trucks of aid a day, 50 of them fuel, 300 of them to the north"  # the commitment, by its words
    assert row is not None and f"<td>{trucks}: 339</td>" in row.group(1), row and row.group(1)
    assert "both sides: aid_trucks" not in html


@pytest.mark.parametrize("service_db_url", ["sqlite"], indirect=True)
def test_a_recorded_release_appears_in_the_ledger(service_client: Any) -> None:
    before = version(service_client)
    r = release(service_client)
    assert r.status_code == 303, r.text
    assert version(service_client) == before + 1
    log = service_client.get(f"/api/talks/{TALKS}/exchange", headers=auth("mediator")).json()["release_log"]
    assert log.rstrip().splitlines()[-1] == "41,,israel,gaza_detainees,2,,,,,recorded from the form"
    html = service_client.get(PAGE, headers=auth("mediator")).text
    row = re.search(r'<td class="num">41</td><td>Fri 28 Feb 2025</td>(.*?)</tr>', html, re.S)
    assert row is not None and "2 " in row.group(1)


@pytest.mark.parametrize("service_db_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"count": "many"}, "count", "whole number"),
        ({"count": "0"}, "count", "whole number"),
        ({"count": "²"}, "count", "whole number"),
        ({"date": "28/02/2025"}, "date", "YYYY-MM-DD"),
        ({"date": "2025-01-01"}, "date", "before day 1"),
        ({"date": "9999-12-31"}, "date", "last day, day 42 (2025-03-01)"),
        ({"date": "2025-03-02"}, "date", "last day, day 42"),
        ({"date": ""}, "date", "give the date"),
        ({"category": "deceased"}, "category", "other side"),
        ({"category": "nobody"}, "category", "choose one"),
        ({"side": "nobody"}, "side", "choose one"),
    ],
)
def test_a_bad_release_is_refused_beside_its_field_with_the_input_kept(
    service_client: Any, changes: dict[str, str], field: str, words: str
) -> None:
    before = version(service_client)
    r = release(service_client, **changes)
    assert r.status_code == 422
    error = re.search(rf'id="{field}-error" role="alert">([^<]+)<', r.text)
    assert error is not None and words in error.group(1)
    assert 'value="recorded from the form"' in r.text  # the input is kept
    assert version(service_client) == before  # nothing written


@pytest.mark.parametrize("service_db_url", ["sqlite"], indirect=True)
def test_a_release_on_the_agreements_last_day_is_recorded(service_client: Any) -> None:
    assert release(service_client, date="2025-03-01").status_code == 303  # day 42 of 42


@pytest.mark.parametrize("service_db_url", ["sqlite"], indirect=True)
def test_parties_and_observers_cannot_record_and_a_stale_form_is_a_conflict(service_client: Any) -> None:
    for who in ("israel", "observer"):
        form = {"version": "1", "date": "2025-02-28", "side": "israel", "category": "life", "count": "1"}
        assert service_client.post(FORM, data=form, headers=auth(who)).status_code == 403
    assert release(service_client, version="0").status_code == 409
    r = service_client.post(FORM, data={"version": "x"}, headers=auth("mediator"))
    assert r.status_code == 422 and "version" in r.text


def test_a_row_goes_under_the_logs_own_header() -> None:
    log = "# comment\nday,side,category,count,commitment,note\n1,a,b,2,,x"
    out = append_row(log, {"day": "3", "side": "a", "category": "b", "count": "4", "note": 'say "hi", ok'})
    assert out.splitlines()[-1] == '3,a,b,4,,"say ""hi"", ok"' and out.startswith(log)
    assert append_row("", {"day": "1", "side": "a", "category": "b", "count": "1", "note": ""}) == (
        "day,side,category,count,note\n1,a,b,1,\n"
    )


def test_a_note_is_kept_when_the_logs_header_has_no_note_column() -> None:
    """The form's note went nowhere when the log had no note column; earlier rows stay as they were."""
    log = "# from the API\nday,side,category,count\n1,a,b,2\n"
    out = append_row(log, {"day": "3", "side": "a", "category": "b", "count": "4", "note": "from the form"})
    assert out == "# from the API\nday,side,category,count,note\n1,a,b,2\n3,a,b,4,from the form\n"
    assert append_row(log, {"day": "3", "side": "a", "category": "b", "count": "4", "note": ""}).endswith("\n3,a,b,4\n")


@pytest.mark.parametrize("service_db_url", ["sqlite"], indirect=True)
def test_commitments_are_named_by_what_they_commit_a_side_to_not_by_their_ids(service_client: Any) -> None:
    # the plan and the ledger said "netzarim_withdrawal", "phase2_talks" and "(ceasefire)", ids of the agreement file
    from html import unescape

    page = unescape(service_client.get(PAGE, headers=auth("observer")).text)
    plan = page.split('data-testid="plan"')[1].split("</table>")[0]
    day22 = re.search(r'<td class="num">22</td>(.*?)</tr>', plan, re.S)
    assert day22 and "Withdrawal from the Netzarim corridor" in day22.group(1)
    assert "netzarim_withdrawal" not in plan and "phase2_talks" not in plan
    ledger = page.split('data-testid="ledger"')[1].split("</table>")[0]
    day1 = re.search(r'<td class="num">1</td>(.*?)</tr>', ledger, re.S)
    assert day1 and "both sides: (The ceasefire takes effect)" in day1.group(1)
    assert "(ceasefire)" not in ledger and "<td>aid_trucks" not in ledger  # deviations keep the rule's id
    assert "3  (" not in ledger  # a count of no category is not followed by an empty name


@pytest.mark.parametrize("service_db_url", ["sqlite"], indirect=True)
def test_the_ledger_says_what_is_not_yet_due_and_what_it_counted(service_client: Any) -> None:
    """The page gave what is owed alone: "Still owed by Israel: nothing", with the Philadelphi withdrawal not
    yet due, and no word of the 33 days with no count of aid trucks, which a reader took as days met."""
    from html import unescape

    page = unescape(service_client.get(PAGE, headers=auth("observer")).text)
    pending = page.split('data-testid="not-yet-due"')[1].split("</ul>")[0]
    assert "Withdrawal from the Philadelphi axis" in pending and "by day 50 (2025-03-09)" in pending
    counted = page.split('data-testid="tallies"')[1].split("</ul>")[0]
    assert "33 not recorded (days 7-24, 26-40)" in counted


@pytest.mark.parametrize("service_db_url", ["sqlite"], indirect=True)
def test_the_same_release_recorded_twice_is_refused_and_a_note_tells_two_alike_apart(service_client: Any) -> None:
    """A second click on the form recorded the same release again: two people Israel never released."""
    assert release(service_client, note="first report").status_code == 303
    before = version(service_client)
    again = release(service_client, note="first report")
    assert again.status_code == 422
    error = re.search(r'id="release-error" role="alert">([^<]+)<', again.text)
    assert error is not None and "word for word: a day recorded twice?" in error.group(1)
    assert version(service_client) == before
    assert release(service_client, note="a second release that day").status_code == 303


@pytest.mark.parametrize("service_db_url", ["sqlite"], indirect=True)
def test_what_is_not_yet_due_is_headed_without_a_date_when_the_agreement_gives_none(service_client: Any) -> None:
    """Without a day one, the heading read "Not yet due on day 40 ()"."""
    x = service_client.get(f"/api/talks/{TALKS}/exchange", headers=auth("mediator")).json()
    agreement = {k: v for k, v in x["agreement"].items() if k != "day_one"}
    body = {"version": x["version"], "agreement": agreement, "release_log": x["release_log"]}
    assert service_client.put(f"/api/talks/{TALKS}/exchange", headers=auth("mediator"), json=body).status_code == 200
    page = service_client.get(PAGE, headers=auth("observer")).text
    heading = re.search(r"<h3>Not yet due on day \d+[^<]*</h3>", page)
    assert heading is not None and "()" not in heading.group(0), heading


@pytest.mark.parametrize("service_db_url", ["sqlite"], indirect=True)
def test_a_release_dated_after_today_is_refused_beside_its_date(service_client: Any) -> None:
    """A release dated after today (or on a day number whose date is) was recorded in the ledger, what happened,
    as if made: it is refused beside the date, with the input kept; one made today is recorded."""
    import datetime as dt

    today = dt.datetime.now(dt.UTC).date()
    x = service_client.get(f"/api/talks/{TALKS}/exchange", headers=auth("mediator")).json()
    started = {**x["agreement"], "day_one": (today - dt.timedelta(days=10)).isoformat()}
    body = {"version": x["version"], "agreement": started, "release_log": ""}
    assert service_client.put(f"/api/talks/{TALKS}/exchange", headers=auth("mediator"), json=body).is_success
    before = version(service_client)
    for changes in ({"date": (today + dt.timedelta(days=3)).isoformat()}, {"date": "", "day": "15"}):
        r = release(service_client, **changes)
        error = re.search(r'id="date-error" role="alert">([^<]+)<', r.text)
        assert r.status_code == 422 and error is not None and "after today" in error.group(1), changes
        assert 'value="recorded from the form"' in r.text
    assert version(service_client) == before  # nothing written
    assert release(service_client, date=today.isoformat()).status_code == 303


@pytest.mark.parametrize("service_db_url", ["sqlite"], indirect=True)
def test_the_api_refuses_a_new_release_dated_after_today_and_leaves_those_stored(
    service_client: Any, service_store: Any
) -> None:
    """PUT /api/.../exchange recorded a release log row on a day after today, which the form refuses: it is
    refused, located at its row; a row already stored so dated stays, and the log still takes rows made."""
    import datetime as dt

    today = dt.datetime.now(dt.UTC).date()
    x = service_client.get(f"/api/talks/{TALKS}/exchange", headers=auth("mediator")).json()
    started = {**x["agreement"], "day_one": (today - dt.timedelta(days=10)).isoformat()}
    stored = "day,side,category,count,note\n20,israel,gaza_detainees,2,stored before the rule\n"
    written = service_store.put_exchange(TALKS, started, stored, x["version"], "mediator", lambda _a, _l: None)
    url, mediator = f"/api/talks/{TALKS}/exchange", auth("mediator")
    ahead = stored + "# a row for next week\n15,israel,gaza_detainees,3,\n"
    r = service_client.put(url, headers=mediator, json={"version": written, "agreement": started, "release_log": ahead})
    assert r.status_code == 422, r.text
    (problem,) = r.json()["detail"]
    assert problem["path"] == ["release_log", 4] and "after today" in problem["message"], problem
    assert version(service_client) == written  # nothing written
    made = stored + "11,israel,gaza_detainees,3,\n"
    r = service_client.put(url, headers=mediator, json={"version": written, "agreement": started, "release_log": made})
    assert r.status_code == 200 and r.json() == {"version": written + 1}, r.text
