"""The audit chain: each entry's hash covers its fields and the previous entry's hash.

An entry names the row it records (table, key) with a digest of that row, so :func:`verify` finds an
altered, removed or inserted entry (the chain breaks), and an altered, removed or unrecorded row (the
digests no longer match). Removing the newest entries together with their rows leaves a shorter, valid
chain: compare the head hash with one kept elsewhere (``truce audit verify --expect-head``).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from truce.store.models import (
    AuditEntry,
    Ballot,
    Base,
    CredentialChange,
    ExchangeVersion,
    Mark,
    Person,
    PreferenceVersion,
    ProposalVersion,
    Talks,
)

GENESIS = "0" * 64
RECORDED: tuple[type[Base], ...] = (
    Talks,
    Person,
    ProposalVersion,
    PreferenceVersion,
    Ballot,
    Mark,
    ExchangeVersion,
    CredentialChange,
)
_BY_NAME = {cls.__tablename__: cls for cls in RECORDED}


def canonical(data: Any) -> str:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def row_key(row: Base) -> list[Any]:
    table: Any = row.__table__
    return [getattr(row, c.name) for c in table.primary_key.columns]


def row_digest(row: Base) -> str:
    return sha256(canonical({c.name: getattr(row, c.name) for c in row.__table__.columns}))


def entry_hash(entry: AuditEntry) -> str:
    fields = [entry.seq, entry.at, entry.talks_id, entry.actor, entry.action, entry.subject, entry.prev_hash]
    return sha256(canonical(fields))


def subject_of(row: Base) -> str:
    return canonical({"table": row.__tablename__, "key": row_key(row), "digest": row_digest(row)})


def append(session: Session, *, at: str, talks_id: str, actor: str, action: str, row: Base) -> AuditEntry:
    """Append an entry recording ``row`` (already added to the session) in the same transaction."""
    session.flush()
    last = session.execute(select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(1)).scalar_one_or_none()
    entry = AuditEntry(
        seq=last.seq + 1 if last else 1,
        at=at,
        talks_id=talks_id,
        actor=actor,
        action=action,
        subject=subject_of(row),
        prev_hash=last.hash if last else GENESIS,
        hash="",
    )
    entry.hash = entry_hash(entry)
    session.add(entry)
    session.flush()
    return entry


@dataclass(frozen=True)
class Verification:
    entries: int
    head: str  # hash of the newest entry (GENESIS when the log is empty)
    problems: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return not self.problems


def verify(session: Session) -> Verification:
    """Check the whole chain, and every recorded row against its entry."""
    problems: list[str] = []
    expected_prev, expected_seq = GENESIS, 1
    recorded: dict[tuple[str, str], tuple[int, str]] = {}
    count = 0
    for entry in session.execute(select(AuditEntry).order_by(AuditEntry.seq)).scalars():
        count += 1
        if entry.seq != expected_seq:
            problems.append(f"entry {expected_seq}: missing (next entry is {entry.seq})")
        if entry.prev_hash != expected_prev:
            problems.append(f"entry {entry.seq}: does not follow the entry before it (chain broken)")
        if entry_hash(entry) != entry.hash:
            problems.append(f"entry {entry.seq}: altered (its hash does not match its content)")
        try:
            subject = json.loads(entry.subject)
            recorded[(subject["table"], canonical(subject["key"]))] = (entry.seq, subject["digest"])
        except (ValueError, KeyError, TypeError):
            problems.append(f"entry {entry.seq}: unreadable subject")
        expected_prev, expected_seq = entry.hash, entry.seq + 1
    for name, cls in _BY_NAME.items():
        for row in _rows(session, cls):
            found = recorded.pop((name, canonical(row_key(row))), None)
            if found is None:
                problems.append(f"{name} {row_key(row)}: no audit entry records this row")
            elif found[1] != row_digest(row):
                problems.append(f"{name} {row_key(row)}: altered since audit entry {found[0]}")
    for (name, key), (seq, _) in sorted(recorded.items(), key=lambda kv: kv[1][0]):
        problems.append(f"entry {seq}: the {name} row {key} it records is missing")
    return Verification(count, expected_prev, tuple(problems))


def _rows(session: Session, cls: type[Base]) -> Iterable[Base]:
    return session.execute(select(cls)).scalars()
