"""One party cannot slow every page for all: the talks are built once per version and what is derived from
them (standings, frontier, bridges, the exchange plan) is made once and kept in bounded caches; the exchange
plan is solved when the agreement is written, outside the write's transaction, never on a read."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from conftest import TALKS, auth
from truce.service import views
from truce.service.cache import LRU
from truce.store.repo import Store

API = f"/api/talks/{TALKS}"
READS = [
    ("observer", API),
    ("observer", f"/talks/{TALKS}"),
    ("observer", f"{API}/proposals/aug16-bridging"),
    ("israel", f"{API}/standing"),
    ("israel", f"/talks/{TALKS}"),
    ("hamas", f"{API}/proposals/aug16-bridging"),
    ("mediator", f"{API}/frontier"),
    ("mediator", f"/talks/{TALKS}/frontier"),
    ("mediator", f"{API}/bridge?proposal=aug16-bridging"),
    ("mediator", f"/talks/{TALKS}/bridge?proposal=aug16-bridging"),
    ("mediator", f"{API}/ballots"),
]


def counting(monkeypatch: pytest.MonkeyPatch, name: str) -> list[int]:
    """Count the calls of ``views.<name>`` from here on."""
    calls: list[int] = []
    real: Callable[..., Any] = getattr(views, name)

    def counted(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(views, name, counted)
    return calls


def read_everything(service_client: Any, times: int) -> None:
    for _ in range(times):
        for who, path in READS:
            r = service_client.get(path, headers=auth(who))
            assert r.status_code == 200, (who, path, r.text)


def test_the_talks_are_built_once_per_version_for_every_reader(
    service_client: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    builds = counting(monkeypatch, "build_scenario")
    fronts = counting(monkeypatch, "bargaining")
    bridges = counting(monkeypatch, "bridge_proposal")
    proposals = counting(monkeypatch, "_proposal_whole")
    read_everything(service_client, 3)
    assert (len(builds), len(fronts), len(bridges), len(proposals)) == (1, 1, 1, 1)
    # a write makes a new version: validated once under the lock, then built once for every reader
    p = service_client.get(f"{API}/export", headers=auth("mediator")).json()["proposals"][0]
    r = service_client.put(
        f"{API}/proposals/{p['id']}", headers=auth("mediator"), json={"version": 1, "proposal": {**p, "note": "new"}}
    )
    assert r.status_code == 200
    read_everything(service_client, 3)
    assert (len(builds), len(fronts), len(bridges), len(proposals)) == (3, 2, 2, 2)
    assert service_client.get(f"{API}/proposals/{p['id']}", headers=auth("observer")).json()["note"] == "new"


def test_a_proposal_made_once_for_everyone_shows_each_reader_only_their_own(service_client: Any) -> None:
    # the view is made once with every party's effects and standings, then cut to what each reader may see:
    # the cut must never change what is kept for the next reader
    def seen(who: str, proposal: str) -> dict[str, set[str]]:
        view = service_client.get(f"{API}/proposals/{proposal}", headers=auth(who)).json()
        return {
            "standing": set(view["standing"]),
            "effects": {party for change in view["changes_from_parent"] for party in change["effect"]},
            "readings": {party for reading in view["readings"] for party in reading["standing"]},
            "ratification": {h["party"] for h in view["ratification"]},
        }

    for proposal, part in (("jan2025-agreement", "effects"), ("aug16-bridging", "readings")):
        first = seen("hamas", proposal)
        everyone = seen("mediator", proposal)
        assert everyone["standing"] == everyone[part] == {"israel", "hamas"} and everyone["ratification"] == {"israel"}
        assert first["standing"] == first[part] == {"hamas"} and first["ratification"] == set()
        assert seen("hamas", proposal) == first and seen("israel", proposal)[part] == {"israel"}
        assert not any(seen("observer", proposal).values())


def test_a_proposal_changed_back_shows_its_new_version(service_client: Any) -> None:
    # once a change is undone the talks' data are the same as before it, so their build and memo are shared with
    # the old version: the version shown must still be the new one, or the next edit made from the page is
    # refused as stale. (Saved unchanged, a text writes no version: it stays at the one it is at.)
    path = f"{API}/proposals/aug16-bridging"
    before = service_client.get(path, headers=auth("mediator")).json()
    proposal = next(
        p
        for p in service_client.get(f"{API}/export", headers=auth("mediator")).json()["proposals"]
        if p["id"] == "aug16-bridging"
    )
    first = before["version"]
    for version, title in ((first, "Renamed"), (first + 1, proposal["title"]), (first + 2, proposal["title"])):
        body = {"version": version, "proposal": {**proposal, "title": title}}
        assert service_client.put(path, headers=auth("mediator"), json=body).status_code == 200
        assert service_client.get(path, headers=auth("mediator")).json()["version"] == min(version + 1, first + 2)


def test_the_exchange_plan_is_solved_on_write_outside_the_transaction_never_on_a_read(
    service_client: Any, service_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    open_connections: list[int] = []
    real = views.plan_exchange

    def solve(*args: Any, **kwargs: Any) -> Any:
        open_connections.append(service_store.engine.pool.checkedout())  # type: ignore[attr-defined]
        return real(*args, **kwargs)

    monkeypatch.setattr(views, "plan_exchange", solve)
    views.warm(service_store)  # as `truce serve` does before it listens
    assert len(open_connections) == 1
    x = service_client.get(f"{API}/exchange", headers=auth("observer")).json()
    log = x["release_log"] + "\n" if x["release_log"] and not x["release_log"].endswith("\n") else x["release_log"]
    agreement = {**x["agreement"], "title": x["agreement"].get("title", "") + " (revised)"}
    r = service_client.put(
        f"{API}/exchange", headers=auth("mediator"), json={"version": 1, "agreement": agreement, "release_log": log}
    )
    assert r.status_code == 200, r.text
    assert open_connections == [0, 0]  # solved once for the new agreement, with no transaction open
    for _ in range(3):
        for who in ("observer", "israel", "hamas", "mediator"):
            assert service_client.get(f"{API}/exchange", headers=auth(who)).status_code == 200
            assert service_client.get(f"/talks/{TALKS}/exchange", headers=auth(who)).status_code == 200
    assert open_connections == [0, 0]
    # only the release log changed: the same agreement, the same plan, nothing solved
    r = service_client.put(
        f"{API}/exchange", headers=auth("mediator"), json={"version": 2, "agreement": agreement, "release_log": ""}
    )
    assert r.status_code == 200 and open_connections == [0, 0]


def test_a_text_with_too_many_sources_is_refused_naming_the_field(service_client: Any) -> None:
    big = {"id": "big", "title": "Big", "tabled_by": ["hamas"], "date": "2024-09-01", "sources": ["T1"] * 100_000}
    r = service_client.put(f"{API}/proposals/big", headers=auth("hamas"), json={"version": 0, "proposal": big})
    assert r.status_code == 422
    assert r.json()["detail"][0]["path"] == ["proposal", "sources"]
    prefs = service_client.get(f"{API}/preferences/hamas", headers=auth("hamas")).json()["versions"][-1]["data"]
    r = service_client.put(
        f"{API}/preferences/hamas",
        headers=auth("hamas"),
        json={"version": 1, "preferences": {**prefs, "sources": ["T1"] * 100_000}},
    )
    assert r.status_code == 422 and r.json()["detail"][0]["path"] == ["preferences", "sources"]


def test_the_cache_is_bounded_least_recently_used_first_out() -> None:
    made: list[str] = []
    cache: LRU[str, str] = LRU(2)

    def make(key: str) -> Callable[[], str]:
        return lambda: made.append(key) or key.upper()

    assert [cache.get(k, make(k)) for k in ("a", "b", "a", "c")] == ["A", "B", "A", "C"]
    assert made == ["a", "b", "c"] and len(cache) == 2
    assert "b" not in cache and "a" in cache  # "b" was the least recently used
    cache.get("b", make("b"))
    assert made == ["a", "b", "c", "b"] and "a" not in cache and "c" in cache


def test_a_value_wanted_by_many_threads_at_once_is_made_once() -> None:
    made: list[int] = []
    lock = threading.Lock()
    cache: LRU[str, int] = LRU(4)

    def slow() -> int:
        with lock:
            made.append(1)
        time.sleep(0.2)
        return 42

    with ThreadPoolExecutor(8) as pool:
        assert list(pool.map(lambda _: cache.get("plan", slow), range(8))) == [42] * 8
    assert len(made) == 1


@pytest.mark.parametrize("kind", ["memo", "lru"])
def test_a_result_whose_making_failed_is_made_again_by_one_asker_at_a_time(kind: str) -> None:
    """When the first asker's making failed, the one waiting behind it made the result again, but the lock it
    held was no longer the result's: a third asker arriving meanwhile made the same result at once beside it
    (a second bridging search of many seconds; in the bounded caches, a second build of the talks or a second
    exchange plan)."""
    from truce.service.cache import Memo

    memo: Any = Memo() if kind == "memo" else LRU(4)
    first_in, first_out, second_in, second_out = (threading.Event() for _ in range(4))
    third_made = threading.Event()

    def failing() -> int:
        first_in.set()
        first_out.wait(10)
        raise ValueError("the search failed")

    def slow() -> int:
        second_in.set()
        second_out.wait(10)
        return 2

    def third() -> int:
        third_made.set()
        return 3

    with ThreadPoolExecutor(3) as pool:
        one = pool.submit(memo.get, "bridge", failing)
        assert first_in.wait(10)
        two = pool.submit(memo.get, "bridge", slow)
        time.sleep(0.2)  # the second asker waits behind the first
        first_out.set()
        with pytest.raises(ValueError):
            one.result(10)
        assert second_in.wait(10)
        three = pool.submit(memo.get, "bridge", third)
        made_beside = third_made.wait(0.5)
        second_out.set()
        assert two.result(10) == 2 and three.result(10) in (2, 3)
    assert not made_beside and three.result() == 2


@pytest.mark.parametrize("kind", ["memo", "lru"])
def test_the_locks_of_failed_makes_are_not_kept(kind: str) -> None:
    """A make that failed with nobody waiting kept its key's lock: on a long-lived server with many failing
    makes (a search refused, a plan no agreement can meet) the locks grew without bound."""
    from truce.service.cache import Memo

    memo: Any = Memo() if kind == "memo" else LRU(4)

    def failing() -> int:
        raise ValueError("no such plan")

    for key in range(1000):
        with pytest.raises(ValueError):
            memo.get(key, failing)
    assert memo.get("kept", lambda: 1) == 1
    assert len(memo._making) == 0


@pytest.mark.parametrize("kind", ["memo", "lru"])
def test_askers_of_one_key_never_make_it_at_once_while_its_makes_fail(kind: str) -> None:
    """Dropping a key's lock when no asker holds it must not let two askers make the value side by side."""
    from truce.service.cache import Memo

    memo: Any = Memo() if kind == "memo" else LRU(4)
    guard = threading.Lock()
    making, most, tries = [0], [0], [0]

    def make() -> int:
        with guard:
            making[0] += 1
            most[0] = max(most[0], making[0])
            tries[0] += 1
            fails = tries[0] <= 12  # the first twelve makes fail, each with others waiting or arriving
        time.sleep(0.01)
        with guard:
            making[0] -= 1
        if fails:
            raise ValueError("failed")
        return 7

    def ask(_: int) -> int | None:
        try:
            return int(memo.get("plan", make))
        except ValueError:
            return None

    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(ask, range(40)))
    assert most[0] == 1 and tries[0] == 13, (most, tries)
    assert answers.count(7) == 40 - 12 and len(memo._making) == 0
