"""Browser tests of the workbench pages (Playwright driving Debian's chromium against ``truce serve --demo``):
no page is wider than a 390 px phone, hovering or selecting a point of the frontier chart shows its terms,
the release form updates the ledger, and a party never sees the other side's ballot answers. Screenshots
are kept under ``out/screenshots/``."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

import test_service_browser as base
from browser_pages import watched_page
from conftest import TALKS, Server
from test_service_browser import shot, sign_in

# the same server and browser as the other browser tests (one of each per module)
server = base.server
browser = base.browser

PHONE = {"width": 390, "height": 844}
PAGES = {
    "mediator": ["", "/proposals/aug16-bridging", "/frontier", "/bridge", "/ballots", "/exchange", "/audit"],
    "israel": ["", "/proposals/jul27-israel", "/ballots", "/exchange", "/preferences/israel"],
    "observer": ["", "/exchange"],
}


@pytest.fixture
def page(browser: Any, server: Server) -> Iterator[Any]:
    """A page that may ask for nothing outside the server and logs no error, except the 422 of a form
    refused on purpose (the tests here check what that answer shows)."""
    with watched_page(browser, server, expected=("status of 422",)) as p:
        yield p


def publish(server: Server) -> int:
    body = {"title": "Phone-width probe", "from_proposal": "jul27-israel"}
    headers = {"Authorization": "Bearer demo-mediator"}
    r = httpx.post(f"{server.url}/api/talks/{TALKS}/ballots", json=body, headers=headers, timeout=60)
    assert r.status_code == 201, r.text
    return int(r.json()["number"])


def overflow(page: Any) -> int:
    """How many pixels the page is wider than the window (0 when nothing scrolls sideways)."""
    return int(page.evaluate("document.documentElement.scrollWidth - window.innerWidth"))


def test_no_page_is_wider_than_a_phone(page: Any, server: Server) -> None:
    number = publish(server)
    page.set_viewport_size(PHONE)
    for who, paths in PAGES.items():
        sign_in(page, server, f"demo-{who}")
        for path in [*paths, *([f"/ballots/{number}"] if who != "observer" else [])]:
            page.goto(f"{server.url}/talks/{TALKS}{path}")
            page.wait_for_load_state("networkidle")
            if page.locator(".js-plotly-plot").count():
                page.locator(".js-plotly-plot .main-svg").first.wait_for()
            name = f"phone-{who}{path.replace('/', '-') or '-talks'}"
            shot(page, name)
            assert overflow(page) <= 0, (who, path, overflow(page))
        page.get_by_role("button", name="Sign out").click()


def point_position(page: Any, key: str) -> tuple[float, float]:
    """Where on the screen plotly drew the marker of the point with this key."""
    page.locator("#chart").scroll_into_view_if_needed()
    x, y = page.evaluate(
        """key => {
          const gd = document.getElementById("chart");
          const trace = gd.data.find(d => d.customdata && d.customdata[0][1] === key);
          const L = gd._fullLayout, box = gd.getBoundingClientRect();
          return [box.left + L._size.l + L.xaxis.l2p(trace.x[0]), box.top + L._size.t + L.yaxis.l2p(trace.y[0])];
        }""",
        key,
    )
    return float(x), float(y)


def test_hovering_or_selecting_a_chart_point_shows_its_terms(page: Any, server: Server) -> None:
    sign_in(page, server, "demo-mediator")
    page.goto(f"{server.url}/talks/{TALKS}/frontier")
    page.locator("#chart .main-svg").first.wait_for()
    key = page.get_by_test_id("chart-key").locator("tbody tr").first.locator("th").inner_text()
    x, y = point_position(page, key)
    page.mouse.move(x, y)
    hover = page.locator(".hoverlayer .hovertext")
    hover.first.wait_for()
    text = hover.first.text_content() or ""
    assert text.startswith(f"{key}.") and "Rafah" in text, text
    shot(page, "mediator-frontier-hover")
    page.mouse.click(x, y)
    selected = page.get_by_test_id("selected-terms")
    assert "Rafah" in selected.inner_text() and selected.inner_text().startswith(f"{key}.")
    # the key and the solutions' terms are tables beside the chart
    assert page.get_by_test_id("solution-terms").locator("tbody tr").count() >= 10


def test_recording_a_release_updates_the_ledger(page: Any, server: Server) -> None:
    sign_in(page, server, "demo-mediator")
    page.goto(f"{server.url}/talks/{TALKS}/exchange")
    form = page.get_by_test_id("release-form")
    form.get_by_label("Count").fill("0")
    form.get_by_role("button", name="Record the release").click()
    assert "whole number of people" in page.locator("#count-error").inner_text()  # beside the field
    shot(page, "mediator-release-refused")
    form = page.get_by_test_id("release-form")
    form.get_by_label("Date").fill("2025-02-28")
    form.get_by_label("Side releasing").select_option(label="Israel (holds the prisoners and detainees)")
    form.get_by_label("Category").select_option("gaza_detainees")
    form.get_by_label("Count").fill("2")
    form.get_by_label("Note").fill("recorded in the browser")
    form.get_by_role("button", name="Record the release").click()
    page.wait_for_url("**/exchange#ledger-h")
    row = page.get_by_test_id("ledger").locator("tbody tr", has_text="Fri 28 Feb 2025")
    assert "2 Gaza detainees" in row.inner_text()
    shot(page, "mediator-release-recorded")


def test_a_party_never_sees_the_other_sides_answers(page: Any, server: Server) -> None:
    number = publish(server)
    url = f"{server.url}/talks/{TALKS}/ballots/{number}"
    sign_in(page, server, "demo-israel")
    page.goto(url)
    page.get_by_label("Package 1", exact=True).check()
    page.get_by_role("button", name="Send my marks").click()
    page.wait_for_url(url)
    assert page.get_by_test_id("my-marks").count() == 1
    assert page.get_by_test_id("standing-row").count() == 1  # its own standing only
    page.get_by_role("button", name="Sign out").click()
    sign_in(page, server, "demo-hamas")
    page.goto(url)
    content = page.content()
    assert "you marked it" not in content and "waiting for every party" in content
    assert not any(box.is_checked() for box in page.locator('input[name="accepted"]').all())
    assert page.get_by_test_id("standing-row").count() == 1 and "Your standing" in content
    shot(page, "hamas-ballot-table")
    page.get_by_role("button", name="Sign out").click()
    sign_in(page, server, "demo-mediator")
    page.goto(url)
    assert "Answered: Israel (government)." in page.get_by_test_id("answered-by").inner_text()
    assert "you marked it" not in page.content()
    shot(page, "mediator-ballot-answered")


def test_a_mediator_corrects_a_recorded_text_as_its_next_version(page: Any, server: Server) -> None:
    sign_in(page, server, "demo-mediator")
    page.goto(f"{server.url}/talks/{TALKS}/proposals/unsc2735")
    page.get_by_test_id("correct-text").click()
    page.wait_for_url("**/draft?edit=unsc2735")
    assert page.get_by_label("Id (required)").input_value() == "unsc2735"
    assert page.get_by_label("Date tabled (required)").input_value() == "2024-06-10"
    aid = page.get_by_label("Humanitarian aid entering Gaza (trucks/day)")
    assert aid.input_value() == ""  # inherited, not the text's own: shown as its parent's
    aid.fill("650")
    page.get_by_role("button", name="Preview").click()
    assert "Nothing was saved" in page.get_by_test_id("form-errors").inner_text()  # what was wrong is required
    assert page.locator("#err-correction").count() == 1 and aid.input_value() == "650"
    page.get_by_label("What was wrong (required)").fill("the aid figure was misread")
    page.get_by_role("button", name="Preview").click()
    assert "600 trucks a day → 650 trucks a day" in page.get_by_test_id("preview").inner_text().replace("->", "→")
    shot(page, "mediator-correction-preview")
    page.get_by_role("button", name="Save as version 2").click()
    page.wait_for_url(f"**/talks/{TALKS}/proposals/unsc2735")
    assert "Version 2" in page.locator("main p").first.inner_text()
    assert "the aid figure was misread" in page.get_by_test_id("version-note").inner_text()
    shot(page, "mediator-correction-saved")


def test_a_mediator_bridges_from_a_sides_reading_and_publishes_those_bridges(page: Any, server: Server) -> None:
    # the bridging page offered the texts alone; a side's reading of a contested text is now a place to start
    sign_in(page, server, "demo-mediator")
    page.set_viewport_size(PHONE)
    page.goto(f"{server.url}/talks/{TALKS}/bridge?proposal=aug16-bridging")
    title = "US bridging proposal, with Egyptian and Qatari support"
    page.get_by_label("From proposal").select_option(label=f"{title}, as Hamas reads it (reading hamas-aug18)")
    page.get_by_role("button", name="Show").click()
    page.get_by_test_id("from-reading").wait_for(timeout=60_000)  # the page refreshes itself until the search ends
    said = page.get_by_test_id("from-reading").inner_text()
    assert "as Hamas reads it (reading hamas-aug18), not from the text as tabled" in said
    assert page.get_by_label("From proposal").input_value() == "aug16-bridging@hamas-aug18"
    shot(page, "phone-mediator-bridge-from-reading")
    assert overflow(page) <= 0
    page.get_by_role("button", name="Publish these packages for blind acceptance").click()
    page.wait_for_url("**/ballots/*")
    header = page.get_by_test_id("packages").locator("thead th.reference").inner_text()
    assert header.startswith("As Hamas reads US bridging proposal")
    shot(page, "phone-mediator-ballot-from-reading")
    assert overflow(page) <= 0
