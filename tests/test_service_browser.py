"""Browser tests: Playwright driving Debian's chromium against ``truce serve --demo`` on a fresh database.

Each role signs in with the keyboard, sees what it may and not more, and the sides mark a blind acceptance
until one package is revealed. A screenshot of every page is saved under ``out/screenshots/``.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from browser_pages import watched_page
from conftest import ROOT, TALKS, Server, in_ci

CHROMIUM = Path("/usr/bin/chromium")
SHOTS = ROOT / "out" / "screenshots"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]


def _have_browser() -> bool:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return False
    return CHROMIUM.exists() or shutil.which("chromium") is not None


if not _have_browser():
    if in_ci():
        raise RuntimeError("CI is set but playwright or Debian's chromium is missing (run .ci/setup-services)")
    pytest.skip("playwright or chromium not installed", allow_module_level=True)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    db = tmp_path_factory.mktemp("browser") / "truce.db"
    s = Server(str(db), "--demo").start()
    yield s
    s.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=str(CHROMIUM if CHROMIUM.exists() else shutil.which("chromium")), args=ARGS
        )
        yield b
        b.close()


@pytest.fixture
def page(browser: Any, server: Server) -> Iterator[Any]:
    # 403 pages (and the API's 401 to a browser), and forms sent back as refused (422, 409), are expected here;
    # anything else (a script error, a refused resource) is not
    with watched_page(browser, server, expected=("403", "status of 401", "status of 422", "status of 409")) as p:
        yield p


def sign_in(page: Any, server: Server, token: str) -> None:
    page.goto(f"{server.url}/login")
    page.get_by_label("Your token").focus()
    page.keyboard.type(token)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{server.url}/talks/{TALKS}")


def shot(page: Any, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def nav_links(page: Any) -> list[str]:
    return [a.inner_text() for a in page.locator("header nav a").all()]


def test_first_start_prints_the_demo_tokens(server: Server) -> None:
    import httpx

    me = httpx.get(f"{server.url}/api/me", headers={"Authorization": "Bearer demo-hamas"}, timeout=10).json()
    assert me["party"] == "hamas" and me["talks"] == TALKS


def test_mediator_sees_everything(page: Any, server: Server) -> None:
    sign_in(page, server, "demo-mediator")
    assert nav_links(page) == [
        "The talks",
        "Exchange",
        "Blind acceptance",
        "Draft a proposal",
        "Frontier",
        "Bridging",
        "Audit log",
        "Record",
        "People",
        "Files",
    ]
    shot(page, "mediator-talks")
    # the text is linked from the proposals table and from the timeline
    page.get_by_role("link", name="US bridging proposal, with Egyptian and Qatari support").first.click()
    standing = page.get_by_test_id("standing")
    assert standing.locator("tbody tr").count() == 2
    shot(page, "mediator-proposal")
    page.get_by_role("link", name="Frontier", exact=True).click()
    page.locator("#chart .main-svg").first.wait_for()
    shot(page, "mediator-frontier")
    page.get_by_role("link", name="Bridging", exact=True).click()
    shot(page, "mediator-bridging")
    page.get_by_role("link", name="Audit log", exact=True).click()
    assert page.locator("tbody tr").count() >= 10
    shot(page, "mediator-audit")
    # drafting the record from a report is part of recording: reached from the Record page, and back
    page.get_by_role("link", name="Record", exact=True).click()
    shot(page, "mediator-record")
    page.get_by_role("link", name="Draft from a report").click()
    page.wait_for_url(f"**/talks/{TALKS}/record/draft")
    assert page.title() == "Draft from a report · Record · truce"
    shot(page, "mediator-record-draft")
    page.get_by_role("navigation", name="Breadcrumb").get_by_role("link", name="Record").click()
    page.wait_for_url(f"**/talks/{TALKS}/record")


def test_a_party_sees_its_own_standing_only(page: Any, server: Server) -> None:
    sign_in(page, server, "demo-israel")
    assert nav_links(page) == [
        "The talks",
        "Exchange",
        "Our preferences",
        "Who acts in our name",
        "Blind acceptance",
        "Draft a proposal",
        "Files",
    ]
    assert "Standing for Israel (government)" in page.content() and "Standing for Hamas" not in page.content()
    shot(page, "israel-talks")
    page.goto(f"{server.url}/talks/{TALKS}/proposals/aug16-bridging")
    rows = page.get_by_test_id("standing").locator("tbody th")
    assert [r.inner_text() for r in rows.all()] == ["Israel (government)"]  # by name, not id
    shot(page, "israel-proposal")
    page.goto(f"{server.url}/talks/{TALKS}/frontier")
    assert "not for your role" in page.content()
    # the API takes a bearer token only: the page session's cookie signs no one in there
    page.goto(f"{server.url}/api/talks/{TALKS}/preferences/israel")
    assert "sign in with a token" in page.content()


def test_an_observer_sees_the_public_record_only(page: Any, server: Server) -> None:
    sign_in(page, server, "demo-observer")
    assert nav_links(page) == ["The talks", "Exchange", "Files"]
    assert "Standing for" not in page.content()
    shot(page, "observer-talks")
    page.goto(f"{server.url}/talks/{TALKS}/proposals/aug16-bridging")
    assert "your role does not show them" in page.content()
    shot(page, "observer-proposal")
    page.get_by_role("link", name="Exchange", exact=True).click()
    page.locator("#chart .main-svg").first.wait_for()
    assert page.get_by_test_id("ledger").locator("tbody tr").count() >= 10
    shot(page, "observer-exchange")


def test_blind_acceptance_end_to_end(page: Any, server: Server) -> None:
    sign_in(page, server, "demo-mediator")
    page.get_by_role("link", name="Bridging", exact=True).click()
    # the 27 July text needs changes: three bridges, each changing a different set of terms
    page.get_by_label("From proposal").select_option("jul27-israel")
    page.get_by_role("button", name="Show").click()
    page.get_by_role("button", name="Publish these packages for blind acceptance").click()
    page.wait_for_url("**/ballots/*")
    ballot = page.url
    assert "waiting for every party" in page.get_by_test_id("status").inner_text()
    shot(page, "mediator-ballot-waiting")
    for who, marks in (("israel", [1, 2]), ("hamas", [2])):
        page.get_by_role("button", name="Sign out").click()
        sign_in(page, server, f"demo-{who}")
        page.goto(ballot)
        for n in marks:
            box = page.get_by_label(f"Package {n}", exact=True)
            box.focus()
            page.keyboard.press("Space")
            assert box.is_checked()
        shot(page, f"{who}-ballot-marking")
        page.get_by_role("button", name="Send my marks").click()
        page.wait_for_url(ballot)
        assert "you marked it acceptable" in page.content()
    assert "Every party could accept Package 2." in page.get_by_test_id("result").inner_text()
    shot(page, "hamas-ballot-revealed")
    page.get_by_role("button", name="Sign out").click()
    sign_in(page, server, "demo-israel")
    page.goto(ballot)
    assert "Every party could accept Package 2." in page.get_by_test_id("result").inner_text()
    # its own marks, and nothing of the other side's beyond the one package revealed
    assert page.content().count("you marked it acceptable") == 2
