"""Browser tests of the recording pages (Playwright driving Debian's chromium against ``truce serve --demo``):
drafting with a preview, a failed save that keeps the input, a party's response and its own preferences, JSON
editing opened from the keyboard, an upload refused with located errors then one that a reload does not send
again, and a token revoked. Screenshots go to ``out/screenshots/``."""

# ruff: noqa: F811  (the fixtures imported from test_service_browser are arguments here)
from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from conftest import ROOT, TALKS, Server
from test_service_browser import browser, page, server, shot, sign_in  # noqa: F401  (fixtures)


def test_drafting_preview_then_a_failed_save_keeps_the_input_then_saves(page: Any, server: Server) -> None:
    sign_in(page, server, "demo-mediator")
    page.get_by_role("link", name="Bridging", exact=True).click()
    page.get_by_label("From proposal").select_option("jul27-israel")
    page.get_by_role("button", name="Show").click()
    page.get_by_role("link", name="Draft a proposal from bridge 1").click()
    page.wait_for_url("**/draft?bridge=*")
    assert page.get_by_label("Amends (parent)").input_value() == "jul27-israel"
    page.get_by_label("Id (required)").fill("sep5-bridge")
    page.get_by_label("Title (required)").fill("Bridge on the 27 July text")
    page.get_by_label("Date tabled (required)").fill("2024-09-05")
    page.get_by_label("United States").check()
    page.get_by_label("Humanitarian aid entering Gaza (trucks/day)").fill("655")  # not on the 50-truck grid
    page.get_by_role("button", name="Save").click()
    errors = page.get_by_test_id("form-errors")
    assert "Nothing was saved" in errors.inner_text()
    assert "in steps of 50" in page.locator("#err-term\\.aid_trucks").inner_text()
    assert page.get_by_label("Id (required)").input_value() == "sep5-bridge"  # the input is kept
    assert page.get_by_label("Humanitarian aid entering Gaza (trucks/day)").input_value() == "655"
    shot(page, "mediator-draft-refused")
    page.get_by_label("Humanitarian aid entering Gaza (trucks/day)").fill("650")
    page.get_by_role("button", name="Preview").click()
    preview = page.get_by_test_id("preview")
    assert "650 trucks a day" in preview.inner_text()
    assert preview.get_by_test_id("preview-standing").locator("tbody tr").count() == 2  # both sides, for the mediator
    shot(page, "mediator-draft-preview")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(f"**/talks/{TALKS}/proposals/sep5-bridge")
    assert page.locator("h1").inner_text() == "Bridge on the 27 July text"
    shot(page, "mediator-draft-saved")


def test_a_party_responds_and_edits_its_own_preferences_with_a_preview(page: Any, server: Server) -> None:
    sign_in(page, server, "demo-hamas")
    page.goto(f"{server.url}/talks/{TALKS}/proposals/aug16-bridging")
    page.get_by_role("link", name="Record a response").click()
    assert page.get_by_label("Side").locator("option").all_inner_texts() == ["Hamas"]  # its own side only
    page.get_by_label("Stance").select_option("conditional")
    page.get_by_label("Note").fill("Recorded from the party's page")
    page.get_by_role("button", name="Record the response").click()
    page.wait_for_url(f"**/talks/{TALKS}/proposals/aug16-bridging")
    page.get_by_role("link", name="Our preferences").click()
    page.get_by_role("link", name="Edit in a form, with a preview of your standing").click()
    page.get_by_label("Reservation value: what no deal is worth (0 to 1)").fill("0.95")
    page.get_by_role("button", name="Preview").click()
    table = page.get_by_test_id("preview-standing")
    assert "verdict changes" in table.inner_text()
    assert "Israel (government)" not in page.get_by_test_id("preview").inner_text()
    shot(page, "hamas-preferences-preview")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(f"**/talks/{TALKS}/preferences/hamas")
    assert "0.95" in page.content()


def test_json_editing_is_closed_and_the_keyboard_opens_it_and_saves(page: Any, server: Server) -> None:
    sign_in(page, server, "demo-mediator")
    page.goto(f"{server.url}/talks/{TALKS}/proposals/jul2-hamas")
    box = page.get_by_label("The proposal as JSON", exact=False)
    assert not box.is_visible()  # closed until asked for
    page.get_by_role("link", name="record a side's response").focus()
    page.keyboard.press("Tab")  # the next stop is the summary: a control the keyboard reaches
    assert page.evaluate("document.activeElement.textContent") == "Edit as JSON (advanced)"
    page.keyboard.press("Enter")
    assert box.is_visible()
    shot(page, "mediator-proposal-json-open")
    box.fill(box.input_value().replace('"title": "', '"title": "Edited: ', 1))
    page.keyboard.press("Tab")
    with page.expect_navigation():
        page.keyboard.press("Enter")  # the save button, from the keyboard
    assert page.locator("h1").inner_text().startswith("Edited: ")
    assert not page.get_by_label("The proposal as JSON", exact=False).is_visible()  # closed again


def test_an_upload_is_refused_with_located_errors_then_one_opens_talks(
    page: Any,
    server: Server,
    tmp_path: Path,
) -> None:
    sign_in(page, server, "demo-mediator")
    page.get_by_role("link", name="Files", exact=True).click()
    good = (ROOT / "examples" / "labour-2025" / "scenario.yaml").read_text()
    bad = tmp_path / "labour.yaml"
    bad.write_text(good.replace("title:", "titel:", 1))
    page.set_input_files("#f-file", str(bad))
    page.get_by_role("button", name="Check and open").click()
    assert "labour.yaml:5:1: unknown field" in page.get_by_test_id("upload-errors").inner_text()
    shot(page, "mediator-upload-refused")
    fine = tmp_path / "labour-ok.yaml"
    fine.write_text(good)
    page.set_input_files("#f-file", str(fine))
    page.get_by_role("button", name="Check and open").click()
    page.wait_for_url(re.compile(rf"/talks/{TALKS}/files\?opened=labour-2025-[0-9a-f]{{8}}&file=labour-ok\.yaml$"))
    assert "New talks opened" in page.get_by_test_id("opened").inner_text()
    token = page.get_by_test_id("new-token").inner_text()
    shot(page, "mediator-upload-opened")
    answer = page.reload()  # a plain GET of the answer: the file is not sent again, so no 409
    assert answer is not None and answer.status == 200 and answer.request.method == "GET"
    opened = page.get_by_test_id("opened").inner_text()
    assert "New talks opened" in opened and "labour-ok.yaml" in opened and token not in opened
    assert page.get_by_test_id("new-token").count() == 0 and "is not shown again" in opened


def test_a_revoked_token_stops_working(page: Any, server: Server) -> None:
    sign_in(page, server, "demo-mediator")
    page.get_by_role("link", name="People", exact=True).click()
    page.get_by_label("Name or office (required)").fill("Egypt desk")
    page.get_by_label("Role", exact=True).select_option("observer")
    page.get_by_role("button", name="Add and show their token").click()
    token = page.get_by_test_id("new-token").inner_text()
    shot(page, "mediator-people-token")
    page.get_by_role("button", name="Sign out").click()
    page.goto(f"{server.url}/login")
    page.get_by_label("Your token").fill(token)
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/talks/{TALKS}")
    page.get_by_role("button", name="Sign out").click()
    sign_in(page, server, "demo-mediator")
    page.goto(f"{server.url}/talks/{TALKS}/people")
    row = page.locator("tr", has_text="Egypt desk")
    assert "never" not in row.inner_text()  # last used: just now
    page.get_by_role("button", name="Revoke Egypt desk").click()
    assert "revoked" in page.locator("tr", has_text="Egypt desk").inner_text()
    page.get_by_role("button", name="Sign out").click()
    page.goto(f"{server.url}/login")
    page.get_by_label("Your token").fill(token)
    page.keyboard.press("Enter")
    assert "That token is not valid." in page.get_by_role("alert").inner_text()


def test_the_forms_fit_a_phone(page: Any, server: Server) -> None:
    sign_in(page, server, "demo-mediator")
    page.set_viewport_size({"width": 390, "height": 800})
    for path in ("draft?parent=aug16-bridging", "record", "people", "files", "preferences/israel/form"):
        page.goto(f"{server.url}/talks/{TALKS}/{path}")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, (path, width)
    shot(page, "mediator-draft-phone")
