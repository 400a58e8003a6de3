"""Bridging off the request path: a long search shows a progress page that refreshes itself, never a page
that hangs; one search per question however many ask; a failed search is tried again when asked again."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest

from conftest import TALKS, auth
from truce.service import views
from truce.service.jobs import WAIT_SECONDS, Jobs

PAGE = f"/talks/{TALKS}/bridge"


def test_one_job_per_key_and_its_result_kept() -> None:
    jobs, calls = Jobs(workers=2, kept=4), []
    release = threading.Event()

    def work() -> int:
        calls.append(1)
        release.wait(5)
        return 42

    first, second = jobs.submit("k", work), jobs.submit("k", work)
    assert first is second and not first.wait(0.05)
    release.set()
    assert first.wait(5) and first.result() == 42 and jobs.submit("k", work).result() == 42
    assert len(calls) == 1


def test_a_failed_job_is_tried_again() -> None:
    jobs, calls = Jobs(workers=1, kept=4), []

    def work() -> None:
        calls.append(1)
        raise ValueError("bad question")

    job = jobs.submit("k", work)
    assert job.wait(5)
    with pytest.raises(ValueError):
        job.result()
    jobs.submit("k", work).wait(5)
    assert len(calls) == 2


@pytest.mark.parametrize("service_db_url", ["sqlite"], indirect=True)
def test_a_long_search_shows_progress_then_the_bridges(service_client: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    real = views.bridge_view

    def slow(*args: Any) -> Any:
        time.sleep(WAIT_SECONDS + 1.0)
        return real(*args)

    monkeypatch.setattr(views, "bridge_view", slow)
    r = service_client.get(PAGE, params={"proposal": "may6-egypt-qatar"}, headers=auth("mediator"))
    # the search outlasts the bounded wait: the page answers without it, as a progress page
    assert r.status_code == 202 and 'http-equiv="refresh"' in r.text and "<progress" in r.text
    deadline = time.monotonic() + 30
    while r.status_code == 202 and time.monotonic() < deadline:
        time.sleep(0.3)
        r = service_client.get(PAGE, params={"proposal": "may6-egypt-qatar"}, headers=auth("mediator"))
    assert r.status_code == 200 and "http-equiv" not in r.text
    assert "Publish these packages for blind acceptance" in r.text or 'role="alert"' in r.text


@pytest.mark.parametrize("service_db_url", ["sqlite"], indirect=True)
def test_an_unknown_proposal_is_refused_naming_the_field(service_client: Any) -> None:
    r = service_client.get(PAGE, params={"proposal": "no-such-text"}, headers=auth("mediator"))
    assert r.status_code == 422 and "no proposal" in r.text
    r = service_client.get(PAGE, params={"criterion": "nope"}, headers=auth("mediator"))
    assert r.status_code == 422


@pytest.mark.parametrize("service_db_url", ["sqlite"], indirect=True)
def test_the_api_searches_on_the_job_threads_and_joins_the_pages_search(
    service_client: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # a search on a request's own thread would hold one of the few worker threads every page needs
    from concurrent.futures import ThreadPoolExecutor

    real, release, threads = views.bridge_view, threading.Event(), []

    def held(*args: Any) -> Any:
        threads.append(threading.current_thread().name)
        release.wait(30)
        return real(*args)

    monkeypatch.setattr(views, "bridge_view", held)
    question = {"proposal": "may6-egypt-qatar"}
    assert service_client.get(PAGE, params=question, headers=auth("mediator")).status_code == 202
    with ThreadPoolExecutor(1) as pool:
        api = pool.submit(service_client.get, f"/api/talks/{TALKS}/bridge", params=question, headers=auth("mediator"))
        try:
            assert service_client.get("/api/health").status_code == 200  # while the API waits for the search
        finally:
            release.set()
        answer = api.result(timeout=30)
    assert answer.status_code == 200 and answer.json()["reference"] == "may6-egypt-qatar"
    assert len(threads) == 1 and threads[0].startswith("truce-job")  # one search, the page's, joined by the API


@pytest.fixture
def held_search(monkeypatch: pytest.MonkeyPatch) -> tuple[threading.Event, threading.Event]:
    """Every bridging search held until ``release`` is set; ``entered`` once one has started."""
    real, entered, release = views.bridge_proposal, threading.Event(), threading.Event()

    def held(*args: Any, **kwargs: Any) -> Any:
        entered.set()
        release.wait(30)
        return real(*args, **kwargs)

    monkeypatch.setattr(views, "bridge_proposal", held)
    return entered, release


LONG_BRIDGES = {
    "the bridging page": ("get", PAGE, {"params": {"proposal": "aug16-bridging"}}),
    "a ballot of bridges": (
        "post",
        f"/api/talks/{TALKS}/ballots",
        {"json": {"title": "Bridges", "from_proposal": "aug16-bridging"}},
    ),
    "a draft from a bridge": ("get", f"/talks/{TALKS}/draft", {"params": {"bridge": "aug16-bridging"}}),
}


@pytest.mark.parametrize("asked", list(LONG_BRIDGES))
@pytest.mark.parametrize("service_db_url", ["sqlite"], indirect=True)
def test_a_long_bridge_holds_up_no_other_request(
    service_client: Any, held_search: tuple[threading.Event, threading.Event], asked: str
) -> None:
    # two requests at once: while a bridging search runs, a side reading its own standing on the same talks is
    # answered at once (one lock over every result of a version held it until the search ended)
    from concurrent.futures import ThreadPoolExecutor

    entered, release = held_search
    method, url, extra = LONG_BRIDGES[asked]
    with ThreadPoolExecutor(2) as pool:
        long = pool.submit(getattr(service_client, method), url, headers=auth("mediator"), **extra)
        try:
            assert entered.wait(30)
            other = pool.submit(service_client.get, f"/api/talks/{TALKS}/standing", headers=auth("israel"))
            # answered while the search is held (the page itself answers 202 meanwhile; a ballot or a draft waits)
            assert other.result(timeout=10).status_code == 200
        finally:
            release.set()
        assert long.result(timeout=30).status_code in (200, 201, 202)


@pytest.mark.parametrize("service_db_url", ["sqlite"], indirect=True)
def test_a_ballot_waiting_for_its_bridges_holds_no_worker_thread(
    service_store: Any, monkeypatch: pytest.MonkeyPatch, held_search: tuple[threading.Event, threading.Event]
) -> None:
    # a ballot published from bridges waited for the search on a worker thread of its own: with few of them, a
    # few such ballots held up every page. It now waits as the bridging API does, holding none.
    from concurrent.futures import ThreadPoolExecutor

    from fastapi.testclient import TestClient

    from conftest import client_settings
    from truce.service import app as service_app

    monkeypatch.setattr(service_app, "THREADS", 1)  # one worker thread: a ballot holding it holds up the rest
    entered, release = held_search
    body = {"title": "Bridges", "from_proposal": "aug16-bridging", "reading": "hamas-aug18"}
    with TestClient(service_app.create_app(service_store, client_settings())) as client, ThreadPoolExecutor(2) as pool:
        ballot = pool.submit(client.post, f"/api/talks/{TALKS}/ballots", json=body, headers=auth("mediator"))
        try:
            assert entered.wait(30)
            other = pool.submit(client.get, f"/api/talks/{TALKS}/standing", headers=auth("israel"))
            assert other.result(timeout=10).status_code == 200
        finally:
            release.set()
        assert ballot.result(timeout=60).status_code == 201
