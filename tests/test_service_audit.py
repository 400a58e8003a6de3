"""Attacks on the audit chain by someone who can write to the database (SQLite and PostgreSQL): a row
changed in place and "recorded" again, and entries rewritten with every later hash recomputed. The first
is found by ``verify`` alone; the second only against a checkpoint kept outside the database."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from conftest import TALKS, seed_store
from truce.cli import app
from truce.store import audit
from truce.store.models import AuditEntry, PreferenceVersion
from truce.store.repo import Store, now

SECRET = b"a key that is kept off the database host"


def change_a_row_and_record_it_again(store: Store) -> None:
    with store.sessions.begin() as s:
        row = s.execute(select(PreferenceVersion).where(PreferenceVersion.party == "hamas")).scalar_one()
        row.data = row.data.replace("0.29173", "0.9")
        audit.append(s, at=now(), talks_id=TALKS, actor="Hamas's team", action="preferences", row=row)


def rewrite_entry_and_rehash_the_rest(store: Store, seq: int) -> None:
    with store.sessions.begin() as s:
        entries = list(s.execute(select(AuditEntry).where(AuditEntry.seq >= seq).order_by(AuditEntry.seq)).scalars())
        previous = entries[0].prev_hash
        entries[0].actor = "someone else"
        for entry in entries:
            entry.prev_hash = previous
            entry.hash = audit.entry_hash(entry)
            previous = entry.hash


def test_a_row_changed_in_place_and_recorded_again_is_found(service_store: Store) -> None:
    change_a_row_and_record_it_again(service_store)
    problems = service_store.verify().problems
    assert any("all record the preference_version row" in p for p in problems), problems
    assert any("preference_version" in p and "altered since audit entry" in p for p in problems), problems


def test_a_rewritten_and_rehashed_log_fails_against_a_checkpoint_but_growth_passes(service_store: Store) -> None:
    before = service_store.verify()
    point = audit.checkpoint(before, SECRET, now())
    service_store.add_person(TALKS, "Later", "observer", None, "tok-later-0123456789", "test")  # growth
    assert service_store.verify().ok
    assert service_store.check_checkpoint(point, SECRET) == []
    rewrite_entry_and_rehash_the_rest(service_store, 3)
    assert service_store.verify().ok  # nothing inside the database can tell
    problems = service_store.check_checkpoint(point, SECRET)
    assert problems and "rewritten" in problems[0]
    # a checkpoint moved to the rewritten head does not carry a valid MAC without the key
    forged = {**point, "head": service_store.run(lambda s: s.get(AuditEntry, point["seq"])).hash}
    assert "MAC" in service_store.check_checkpoint(forged, SECRET)[0]
    assert "MAC" in service_store.check_checkpoint(point, b"another key of sixteen bytes")[0]


def test_a_write_made_while_the_chain_is_checked_is_no_tampering(service_store: Store, monkeypatch: Any) -> None:
    """On PostgreSQL ``verify`` read the entries and then the rows, each statement seeing what was committed
    before it began: a person added in between was reported as "no audit entry records this row" on a healthy
    database (and no checkpoint could be made). The check reads one snapshot of both."""
    rows = audit._rows

    def rows_after_a_write(session: Any, cls: Any) -> Any:
        monkeypatch.setattr(audit, "_rows", rows)  # one write, after the entries were read
        service_store.add_person(TALKS, "Late observer", "observer", None, "tok-late-0123456789", "test")
        return rows(session, cls)

    monkeypatch.setattr(audit, "_rows", rows_after_a_write)
    during = service_store.verify()
    assert during.ok, during.problems
    after = service_store.verify()
    assert after.ok and after.entries == during.entries + 1


def test_a_checkpoint_of_a_chain_that_does_not_verify_cannot_be_made(service_store: Store) -> None:
    change_a_row_and_record_it_again(service_store)
    with pytest.raises(ValueError):
        audit.checkpoint(service_store.verify(), SECRET, now())


def test_checkpoint_and_verify_commands(service_sqlite_url: str, tmp_path: Path, monkeypatch: Any) -> None:
    store = Store(service_sqlite_url)
    seed_store(store)
    store.close()
    db = service_sqlite_url.removeprefix("sqlite:///")
    point, key = tmp_path / "checkpoint.json", tmp_path / "audit.key"
    key.write_bytes(SECRET)
    runner = CliRunner()
    monkeypatch.delenv("TRUCE_AUDIT_SECRET", raising=False)
    no_key = runner.invoke(app, ["audit", "checkpoint", "--db", db, "--out", str(point)])
    assert no_key.exit_code == 2 and "TRUCE_AUDIT_SECRET" in no_key.output
    made = runner.invoke(app, ["audit", "checkpoint", "--db", db, "--out", str(point), "--secret-file", str(key)])
    assert made.exit_code == 0, made.output
    assert set(json.loads(point.read_text())) == {"truce_audit_checkpoint", "seq", "head", "at", "mac"}
    monkeypatch.setenv("TRUCE_AUDIT_SECRET", SECRET.decode())
    verify = ["audit", "verify", "--db", db, "--checkpoint", str(point)]
    assert runner.invoke(app, verify).exit_code == 0
    store = Store(service_sqlite_url)
    store.add_person(TALKS, "Later", "observer", None, "tok-later-0123456789", "test")
    rewrite_entry_and_rehash_the_rest(store, 2)
    store.close()
    assert runner.invoke(app, ["audit", "verify", "--db", db]).exit_code == 0
    caught = runner.invoke(app, verify)
    assert caught.exit_code == 1 and "rewritten" in caught.output


@pytest.mark.parametrize("revision", ["0002_sessions", "9999_later"])
def test_verify_changes_nothing_in_a_database_at_another_schema_revision(
    service_db_url: str, revision: str, tmp_path: Path
) -> None:
    """verify brought an older database's schema up to date before checking it: a check that changed what it
    checked. It now reads the revision and refuses, in one line, a schema it cannot read as it stands."""
    import hashlib

    from sqlalchemy import text

    from truce.store.db import make_engine, migrate, schema_revision

    engine = make_engine(service_db_url)
    migrate(engine, "0002_sessions")
    if revision != "0002_sessions":  # as a newer truce would leave it
        with engine.begin() as conn:
            conn.execute(text("update alembic_version set version_num = :v"), {"v": revision})
    engine.dispose()
    file = Path(service_db_url.removeprefix("sqlite:///")) if service_db_url.startswith("sqlite") else None
    before = hashlib.sha256(file.read_bytes()).hexdigest() if file else None
    for verb in (["verify"], ["checkpoint", "--out", str(tmp_path / "point.json")]):
        result = CliRunner().invoke(app, ["audit", *verb, "--db", service_db_url], env={"TRUCE_AUDIT_SECRET": "k" * 16})
        assert result.exit_code == 2, result.output
        line = result.output.strip()
        assert "\n" not in line and "Traceback" not in line and f"revision {revision}" in line
        assert ("truce people list" in line) == (revision == "0002_sessions")
    engine = make_engine(service_db_url)
    assert schema_revision(engine) == revision
    engine.dispose()
    if file is not None:
        assert hashlib.sha256(file.read_bytes()).hexdigest() == before
