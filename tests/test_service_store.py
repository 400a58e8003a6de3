"""Writes to one set of talks, raced on SQLite and on PostgreSQL: edits that are each valid on their own
snapshot but not together are never both saved, so the talks stay readable for everyone."""

from __future__ import annotations

import contextlib
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from conftest import TALKS, auth, write_held
from truce.errors import InputError
from truce.model.checks import build_scenario
from truce.store.repo import Store

WAIT = 3.0  # long enough for both writers to have read the talks, when nothing makes them queue


def valid(data: dict[str, Any], _before: dict[str, Any] | None) -> None:
    build_scenario(data)


def table(store: Store, pid: str) -> None:
    proposal = {"id": pid, "title": pid, "tabled_by": ["egypt"], "date": "2024-09-01"}
    store.put_proposal(TALKS, proposal, 0, "test", valid)


def test_two_edits_that_make_a_cycle_together_are_not_both_saved(service_store: Store) -> None:
    table(service_store, "left")
    table(service_store, "right")
    both_read = threading.Barrier(2)

    def check(data: dict[str, Any], _before: dict[str, Any] | None) -> None:
        build_scenario(data)  # each edit alone is valid
        # hold the transaction open until the other writer has read too; when the writers queue, the
        # other one cannot read yet and the wait times out
        with contextlib.suppress(threading.BrokenBarrierError):
            both_read.wait(WAIT)

    def edit(pair: tuple[str, str]) -> str:
        pid, parent = pair
        proposal = {"id": pid, "title": pid, "tabled_by": ["egypt"], "date": "2024-09-01", "parent": parent}
        try:
            service_store.put_proposal(TALKS, proposal, 1, "test", check)
        except InputError as exc:
            return "; ".join(p.message for p in exc.problems)
        return "saved"

    with ThreadPoolExecutor(2) as pool:
        outcomes = list(pool.map(edit, [("left", "right"), ("right", "left")]))
    assert sorted(outcomes)[-1] == "saved" and outcomes.count("saved") == 1, outcomes
    assert any("cycle" in o for o in outcomes), outcomes
    build_scenario(service_store.scenario_data(TALKS))  # still readable
    assert service_store.verify().ok


def test_many_racing_cycle_edits_leave_the_talks_readable_over_http(service_client: Any) -> None:
    writers = 8
    api = f"/api/talks/{TALKS}/proposals"
    ids = [f"ring-{n}" for n in range(writers)]
    for pid in ids:
        body = {"id": pid, "title": pid, "tabled_by": ["egypt"], "date": "2024-09-01"}
        assert service_client.put(f"{api}/{pid}", headers=auth("mediator"), json={"version": 0, "proposal": body})
    start = threading.Barrier(writers)

    def close_ring(n: int) -> int:
        parent = ids[(n + 1) % writers]
        body = {"id": ids[n], "title": ids[n], "tabled_by": ["egypt"], "date": "2024-09-01", "parent": parent}
        start.wait(WAIT)
        r = service_client.put(f"{api}/{ids[n]}", headers=auth("mediator"), json={"version": 1, "proposal": body})
        return int(r.status_code)

    with ThreadPoolExecutor(writers) as pool:
        statuses = list(pool.map(close_ring, range(writers)))
    # every link but one of the ring can be saved; the last one would close it
    assert statuses.count(200) == writers - 1 and statuses.count(422) == 1, statuses
    assert service_client.get(f"/api/talks/{TALKS}", headers=auth("observer")).status_code == 200


def test_reading_waits_for_no_writer_and_sees_only_what_is_committed(service_store: Store) -> None:
    # every page reads; on SQLite a transaction that may write takes the write lock first, and a page that
    # queued behind each write (or made writers queue behind it) was what made pages slow under load
    # (the writer is let go first, so that a reader queued behind it could finish and the test end)
    with ThreadPoolExecutor(1) as pool, write_held(service_store, "demo"):
        reader = pool.submit(lambda: (service_store.is_demo(), service_store.talks_version(TALKS)))
        demo, version = reader.result(timeout=20)  # queued behind the writer, it would wait until released
    assert not demo and version is not None
    assert service_store.is_demo()


def test_a_read_of_the_talks_is_one_snapshot_whatever_is_written_during_it(
    service_store: Store, monkeypatch: Any
) -> None:
    """On PostgreSQL each statement of a read saw what had been committed before it began: a text saved between
    the read's statements came out at its new version number with its old content, and a page offering that
    content to edit "from" the new version would have let the save silently undo the change."""
    import truce.store.repo as repo

    latest = repo._proposal_versions

    def after_a_write(s: Any, talks_id: str) -> dict[str, int]:
        monkeypatch.setattr(repo, "_proposal_versions", latest)  # one write, in the middle of the read
        current = service_store.proposal_history(TALKS, "may27-israel")[-1]
        changed = {**current.data, "title": "Changed meanwhile"}
        service_store.put_proposal(TALKS, changed, current.version, "test", lambda _d, _c: None)
        return latest(s, talks_id)

    monkeypatch.setattr(repo, "_proposal_versions", after_a_write)
    version, data, versions = service_store.snapshot(TALKS)
    text = next(p for p in data["proposals"] if p["id"] == "may27-israel")
    assert (versions["may27-israel"], text["title"] == "Changed meanwhile") == (1, False)
    assert service_store.snapshot(TALKS)[2]["may27-israel"] == 2 and service_store.talks_version(TALKS) > version


def test_work_read_that_turns_out_to_write_is_run_again_as_a_write(service_store: Store) -> None:
    from truce.store.models import Setting

    runs: list[int] = []

    def work(s: Any) -> None:
        runs.append(1)
        s.merge(Setting(name="demo", value="1"))

    service_store.read(work)
    assert len(runs) == 2 and service_store.is_demo()


def test_a_statement_that_writes_in_a_read_is_run_again_as_a_write(service_store: Store) -> None:
    # a statement never passes through a flush: PostgreSQL would refuse it in a read-only transaction (a 500),
    # SQLite would write in a transaction begun without the write lock
    from sqlalchemy import insert

    from truce.store.models import Setting

    runs: list[int] = []

    def work(s: Any) -> None:
        runs.append(1)
        s.execute(insert(Setting).values(name="demo", value="1"))

    service_store.read(work)
    assert len(runs) == 2 and service_store.is_demo()


def test_a_proposals_history_holds_its_own_notes_only(service_store: Store) -> None:
    # ids that LIKE would take for patterns ('_' matches any one character) or for prefixes of each other
    for pid in ("a_b", "axb", "a_bc"):
        table(service_store, pid)
        proposal = {"id": pid, "title": f"{pid} again", "tabled_by": ["egypt"], "date": "2024-09-01"}
        service_store.put_proposal(TALKS, proposal, 1, "test", valid, note=f"why {pid} changed")
    for pid in ("a_b", "axb", "a_bc"):
        notes = [v.note for v in service_store.proposal_history(TALKS, pid)]
        assert notes == [None, f"why {pid} changed"], (pid, notes)
