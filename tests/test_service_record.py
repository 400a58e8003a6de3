"""The mediator's page for drafting the record from a report: drafting, ticking, downloading; no other role."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from conftest import TALKS, auth
from test_service_pages import form_token, sign_in
from truce.model.checks import build_scenario

REPORT = (Path(__file__).resolve().parent / "data" / "reports" / "gaza-2024-08-18.txt").read_text(encoding="utf-8")
PAGE = f"/talks/{TALKS}/record/draft"


def nav_of(html: str) -> str:
    return html.split('<nav aria-label="Main">', 1)[1].split("</nav>", 1)[0]


@pytest.mark.parametrize("service_db_url", ["sqlite"], indirect=True)
def test_recording_has_one_entry_in_the_navigation_and_drafting_from_a_report_sits_under_it(
    service_client: Any,
) -> None:
    sign_in(service_client, "mediator")
    nav = nav_of(service_client.get(f"/talks/{TALKS}").text)
    assert re.findall(r'href="(/talks/[^"]*/record[^"]*)"[^>]*>([^<]*)<', nav) == [(f"/talks/{TALKS}/record", "Record")]
    record = service_client.get(f"/talks/{TALKS}/record").text
    lead = record.split('data-testid="from-report"', 1)[1].split("</section>", 1)[0]
    assert f'<a href="{PAGE}">Draft from a report</a>' in lead
    assert record.index('data-testid="from-report"') < record.index('id="round-h"')  # at the top, before the forms
    draft = service_client.get(PAGE).text
    assert "<title>Draft from a report · Record · truce</title>" in draft
    crumbs = draft.split('aria-label="Breadcrumb"', 1)[1].split("</nav>", 1)[0]
    assert f'<a href="/talks/{TALKS}/record">Record</a>' in crumbs and "Draft from a report" in crumbs
    assert 'aria-current="page">Record</a>' in nav_of(draft)  # the navigation says where the page belongs


@pytest.mark.parametrize("service_db_url", ["sqlite"], indirect=True)
def test_the_mediator_drafts_ticks_and_downloads(service_client: Any) -> None:
    sign_in(service_client, "mediator")
    token = form_token(service_client, PAGE)
    r = service_client.post(PAGE, data={"report": REPORT, "source": "A1", "csrf": token})
    assert r.status_code == 200, r.text[:500]
    assert 'value="meeting-1"' in r.text and "arrived in Israel on Sunday" in r.text
    assert "already recorded as us-visit-israel-2024-08" in r.text
    form = {"report": REPORT, "date": "", "source": "", "accept": ["figure-2", "issue-philadelphi"], "csrf": token}
    r = service_client.post(f"{PAGE}/scenario", data=form)
    assert r.status_code == 200, r.text[:500]
    assert r.headers["content-disposition"].startswith('attachment; filename="gaza-2024-with-report-2024-08-18.json"')
    s = build_scenario(json.loads(r.text))
    assert "report-2024-08-18" in s.sources and "report-2024-08-18" in s.issue("philadelphi").sources
    assert s.series[-1].id == "deaths-in-a-day-reported"
    assert s.preferences  # the mediator's file is the whole scenario


@pytest.mark.parametrize("service_db_url", ["sqlite"], indirect=True)
def test_uploads_and_bad_input_are_answered_by_field(service_client: Any) -> None:
    sign_in(service_client, "mediator")
    token = form_token(service_client, PAGE)
    files = {"upload": ("report.txt", REPORT.encode(), "text/plain")}
    r = service_client.post(PAGE, data={"csrf": token}, files=files)
    assert r.status_code == 200 and 'value="statement-2"' in r.text
    r = service_client.post(
        PAGE, data={"csrf": token, "report": "Talks resumed in Cairo."}, files={"upload": ("", b"")}
    )
    assert r.status_code == 422 and "give its date" in r.text
    r = service_client.post(PAGE, data={"csrf": token}, files={"upload": ("x.bin", b"\xff\xfe\x00", "text/plain")})
    assert r.status_code == 422 and "not UTF-8" in r.text
    r = service_client.post(f"{PAGE}/scenario", data={"csrf": token, "report": REPORT})
    assert r.status_code == 422 and "tick at least one entry" in r.text
    r = service_client.post(f"{PAGE}/scenario", data={"csrf": token, "report": REPORT, "accept": "meeting-99"})
    assert r.status_code == 422 and "no entry" in r.text and "meeting-99" in r.text
    r = service_client.post(PAGE, data={"report": REPORT})  # no form token
    assert r.status_code == 403


@pytest.mark.parametrize("service_db_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize("who", ["israel", "hamas", "observer"])
def test_no_other_role_may_draft(service_client: Any, who: str) -> None:
    sign_in(service_client, who)
    assert service_client.get(PAGE).status_code == 403
    assert service_client.get(f"/talks/{TALKS}/record").status_code == 403
    assert "/record" not in nav_of(service_client.get(f"/talks/{TALKS}").text)


@pytest.mark.parametrize("service_db_url", ["sqlite"], indirect=True)
def test_the_mediator_applies_ticked_entries_to_the_record(service_client: Any) -> None:
    sign_in(service_client, "mediator")
    token = form_token(service_client, PAGE)
    r = service_client.post(PAGE, data={"report": REPORT, "csrf": token})
    version = re.search(r'name="version" value="(\d+)"', r.text)
    assert version is not None
    form = {"report": REPORT, "csrf": token, "version": version.group(1)}
    r = service_client.post(f"{PAGE}/apply", data={**form, "accept": ["proposal-aug16-bridging"]})
    assert r.status_code == 422 and "makes a new version of the text" in r.text
    r = service_client.post(f"{PAGE}/apply", data={**form, "accept": ["figure-2", "meeting-1"]}, follow_redirects=False)
    assert r.status_code == 303, r.text[:500]
    s = build_scenario(service_client.get(f"/api/talks/{TALKS}/export", headers=auth("mediator")).json())
    assert s.series[-1].id == "deaths-in-a-day-reported"
    assert "report-2024-08-18" in next(m for m in s.meetings if m.id == "us-visit-israel-2024-08").sources
    r = service_client.post(f"{PAGE}/apply", data={**form, "accept": ["issue-philadelphi"]})
    assert r.status_code == 409  # made from the version before the last change


@pytest.mark.parametrize("service_db_url", ["sqlite"], indirect=True)
def test_a_long_report_gives_a_page_its_size_not_its_size_squared(service_client: Any) -> None:
    """A one-line report of 400 sentences (20 KB) gave 8.3 MB of HTML: each entry quoted the whole line."""
    report = "2024-08-18\n\n" + " ".join(f"{i} people were killed in Gaza, the ministry said." for i in range(400))
    r = service_client.post(PAGE, headers=auth("mediator"), data={"report": report})
    assert r.status_code == 200 and len(r.content) < 200_000, len(r.content)
    assert "and 300 more not drafted (300 figures): a report gives at most 100 entries" in r.text


@pytest.mark.parametrize("service_db_url", ["sqlite"], indirect=True)
def test_a_report_dated_after_today_adds_nothing_to_the_record(service_client: Any, service_store: Any) -> None:
    """A report dated next year put its figures (and itself, as a source) into the record, dated next year, as
    if already reported: they are refused, and nothing is written."""
    import datetime as dt

    ahead = (dt.datetime.now(dt.UTC).date() + dt.timedelta(days=400)).isoformat()
    report = f"{ahead}\n\n35 people were killed in Gaza, the ministry said.\n"
    r = service_client.post(PAGE, data={"report": report}, headers=auth("mediator"))
    version = re.search(r'name="version" value="(\d+)"', r.text)
    assert r.status_code == 200 and version is not None and 'value="figure-1"' in r.text
    before = service_store.talks_version(TALKS)
    form = {"report": report, "version": version.group(1), "accept": ["figure-1"]}
    r = service_client.post(f"{PAGE}/apply", data=form, headers=auth("mediator"), follow_redirects=False)
    assert r.status_code == 422 and "a figure is recorded once it is reported" in r.text, r.status_code
    assert service_store.talks_version(TALKS) == before


@pytest.mark.parametrize("service_db_url", ["sqlite"], indirect=True)
def test_a_text_the_talks_hold_dated_after_today_does_not_stop_a_report_being_applied(
    service_client: Any, service_store: Any
) -> None:
    """What the talks already hold stands: a text stored dated next year (before such a date was refused) is no
    reason to refuse the entries of a report dated in the past."""
    import datetime as dt

    ahead = (dt.datetime.now(dt.UTC).date() + dt.timedelta(days=400)).isoformat()
    held = {"id": "held-ahead", "title": "Held", "tabled_by": ["qatar"], "date": ahead}
    service_store.put_proposal(TALKS, held, 0, "test", lambda _s, _c: None)
    r = service_client.post(PAGE, data={"report": REPORT}, headers=auth("mediator"))
    version = re.search(r'name="version" value="(\d+)"', r.text)
    assert version is not None
    form = {"report": REPORT, "version": version.group(1), "accept": ["figure-2"]}
    r = service_client.post(f"{PAGE}/apply", data=form, headers=auth("mediator"), follow_redirects=False)
    assert r.status_code == 303, r.text[:500]
