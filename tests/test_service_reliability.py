"""Reliability against a real ``truce serve`` process, on SQLite and on PostgreSQL:

- 50 clients edit the same proposal at once: every acknowledged edit is a version of its own, every
  other attempt gets 409, no version is lost or corrupted, and the audit chain verifies;
- the server is killed in the middle of writes and restarted: no acknowledged write is lost and the
  audit chain verifies.
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx

from conftest import TALKS, Server
from truce.model.checks import build_scenario
from truce.store.repo import Store

API = f"/api/talks/{TALKS}"
CLIENTS = 50
MEDIATOR = {"Authorization": "Bearer demo-mediator"}


def proposal(server: Server, pid: str) -> dict[str, Any]:
    data = httpx.get(f"{server.url}{API}/export", headers=MEDIATOR, timeout=30).json()
    return next(p for p in data["proposals"] if p["id"] == pid)


def test_fifty_clients_editing_one_proposal_lose_no_update(service_db_url: str) -> None:
    server = Server(service_db_url, "--demo").start()
    try:
        base = proposal(server, "aug16-bridging")
        start = threading.Barrier(CLIENTS)
        statuses: list[int] = []
        won: list[tuple[int, str]] = []
        lock = threading.Lock()

        def editor(n: int) -> None:
            with httpx.Client(base_url=server.url, headers=MEDIATOR, timeout=120) as http:
                start.wait()
                for attempt in range(4):  # bounded: a few tries each
                    version = http.get(f"{API}/proposals/aug16-bridging").json()["version"]
                    note = f"client {n} attempt {attempt}"
                    r = http.put(
                        f"{API}/proposals/aug16-bridging", json={"version": version, "proposal": {**base, "note": note}}
                    )
                    with lock:
                        statuses.append(r.status_code)
                        if r.status_code == 200:
                            won.append((r.json()["version"], note))

        with ThreadPoolExecutor(CLIENTS) as pool:
            list(pool.map(editor, range(CLIENTS)))
    finally:
        server.stop()
    assert set(statuses) <= {200, 409}, sorted(set(statuses))
    assert len(statuses) == CLIENTS * 4
    assert won, "no edit got through"
    versions = sorted(v for v, _ in won)
    assert versions == list(range(2, 2 + len(won))), "two edits acknowledged with the same version"
    service_store = Store(service_db_url)
    try:
        history = service_store.proposal_history(TALKS, "aug16-bridging")
        assert [v.version for v in history] == list(range(1, 2 + len(won)))
        assert {v.version: v.data["note"] for v in history[1:]} == dict(won)
        build_scenario(service_store.scenario_data(TALKS))
        result = service_store.verify()
        assert result.ok, result.problems
    finally:
        service_store.close()


def test_killed_in_the_middle_of_writes_loses_no_acknowledged_write(service_db_url: str) -> None:
    server = Server(service_db_url, "--demo").start()
    acknowledged: list[str] = []
    lock = threading.Lock()
    stop = threading.Event()

    def writer(n: int) -> None:
        with httpx.Client(base_url=server.url, headers=MEDIATOR, timeout=30) as http:
            for k in range(200):  # bounded
                if stop.is_set():
                    return
                pid = f"w{n}-{k}"
                body = {"id": pid, "title": f"Write {n}/{k}", "tabled_by": ["egypt"], "date": "2024-09-01"}
                try:
                    r = http.put(f"{API}/proposals/{pid}", json={"version": 0, "proposal": body})
                except httpx.HTTPError:
                    return  # the server is gone: this write was never acknowledged
                if r.status_code == 200:
                    with lock:
                        acknowledged.append(pid)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    deadline = time.monotonic() + 30
    while len(acknowledged) < 25 and time.monotonic() < deadline:
        time.sleep(0.05)
    server.kill()
    stop.set()
    for t in threads:
        t.join(timeout=60)
    assert len(acknowledged) >= 25, server.output
    restarted = Server(service_db_url, "--demo").start()
    try:
        data = httpx.get(f"{restarted.url}{API}/export", headers=MEDIATOR, timeout=30).json()
        present = {p["id"] for p in data["proposals"]}
        missing = [pid for pid in acknowledged if pid not in present]
        assert not missing, f"acknowledged writes lost: {missing}"
        after = {"id": "after-restart", "title": "After", "tabled_by": ["egypt"], "date": "2024-09-02"}
        r = httpx.put(
            f"{restarted.url}{API}/proposals/after-restart",
            headers=MEDIATOR,
            json={"version": 0, "proposal": after},
            timeout=30,
        )
        assert r.status_code == 200
    finally:
        restarted.stop()
    service_store = Store(service_db_url)
    try:
        result = service_store.verify()
        assert result.ok, result.problems
    finally:
        service_store.close()
