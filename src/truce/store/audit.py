"""The audit chain: each entry's hash covers its fields and the previous entry's hash.

An entry names the row it records (table, key) with a digest of that row. Rows are never updated in place,
so every row has exactly one entry: :func:`verify` finds an altered, removed or inserted entry (the chain
breaks), an altered, removed or unrecorded row (the digests no longer match), and a row recorded twice
(an old row changed and then "recorded" again by a new, correctly chained entry).

Whoever can write to the database can also rewrite entries and rehash everything after them; no check
inside the database can see that. A *checkpoint* kept outside it can: :func:`checkpoint` signs the head
(position and hash) with an HMAC key that is not in the database, and :func:`check_checkpoint` accepts
entries added after it but not any change to the entries up to it.
"""

from __future__ import annotations

import hashlib
import hmac
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
    FrameVersion,
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
    FrameVersion,
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


def subject_of(row: Base, note: str | None = None) -> str:
    """What an entry records: the row's table, key and digest, and the writer's ``note`` on why, if any (inside
    the entry, so that the hash chain covers it as it covers the row)."""
    subject: dict[str, Any] = {"table": row.__tablename__, "key": row_key(row), "digest": row_digest(row)}
    if note is not None:
        subject["note"] = note
    return canonical(subject)


def append(
    session: Session, *, at: str, talks_id: str, actor: str, action: str, row: Base, note: str | None = None
) -> AuditEntry:
    """Append an entry recording ``row`` (already added to the session) in the same transaction."""
    session.flush()
    last = session.execute(select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(1)).scalar_one_or_none()
    entry = AuditEntry(
        seq=last.seq + 1 if last else 1,
        at=at,
        talks_id=talks_id,
        actor=actor,
        action=action,
        subject=subject_of(row, note),
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
    seq: int = 0  # position of the newest entry (0 when the log is empty)

    @property
    def ok(self) -> bool:
        return not self.problems


def verify(session: Session) -> Verification:
    """Check the whole chain, and the set of rows against the set of entries: one entry per row."""
    problems: list[str] = []
    expected_prev, expected_seq = GENESIS, 1
    recorded: dict[tuple[str, str], list[tuple[int, str]]] = {}
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
            found = (entry.seq, subject["digest"])
            recorded.setdefault((subject["table"], canonical(subject["key"])), []).append(found)
        except (ValueError, KeyError, TypeError):
            problems.append(f"entry {entry.seq}: unreadable subject")
        expected_prev, expected_seq = entry.hash, entry.seq + 1
    for (name, key), records in recorded.items():
        if len(records) > 1:  # a row is written once; a second entry for it hides a change made in place
            seqs = ", ".join(str(seq) for seq, _ in records)
            problems.append(f"entries {seqs} all record the {name} row {key}: a row version has exactly one entry")
    for name, cls in _BY_NAME.items():
        for row in _rows(session, cls):
            entries = recorded.pop((name, canonical(row_key(row))), None)
            if entries is None:
                problems.append(f"{name} {row_key(row)}: no audit entry records this row")
            elif any(digest != row_digest(row) for _, digest in entries):
                problems.append(f"{name} {row_key(row)}: altered since audit entry {entries[0][0]}")
    for (name, key), entries in sorted(recorded.items(), key=lambda kv: kv[1][0][0]):
        problems.append(f"entry {entries[0][0]}: the {name} row {key} it records is missing")
    return Verification(count, expected_prev, tuple(problems), expected_seq - 1)


# ----------------------------------------------------------------------------------------------
# checkpoints: the head, signed with a key kept outside the database

CHECKPOINT_FORMAT = 1


def _mac(secret: bytes, seq: int, head: str, at: str) -> str:
    message = canonical({"format": CHECKPOINT_FORMAT, "seq": seq, "head": head, "at": at})
    return hmac.new(secret, message.encode("utf-8"), hashlib.sha256).hexdigest()


def checkpoint(result: Verification, secret: bytes, at: str) -> dict[str, Any]:
    """A checkpoint of a verified chain: its newest entry's position and hash, with their HMAC."""
    if not result.ok:
        raise ValueError("the audit chain does not verify: no checkpoint of it can be made")
    return {
        "truce_audit_checkpoint": CHECKPOINT_FORMAT,
        "seq": result.seq,
        "head": result.head,
        "at": at,
        "mac": _mac(secret, result.seq, result.head, at),
    }


def check_checkpoint(session: Session, point: Any, secret: bytes) -> list[str]:
    """Problems with the log against a checkpoint: entries up to it must be exactly as they were (growth
    after it is fine; the rest of the chain is :func:`verify`'s to check)."""
    try:
        seq, head, at, mac = int(point["seq"]), str(point["head"]), str(point["at"]), str(point["mac"])
        if point["truce_audit_checkpoint"] != CHECKPOINT_FORMAT:
            raise ValueError
    except (KeyError, TypeError, ValueError):
        return ["the checkpoint is not one `truce audit checkpoint` writes"]
    if not hmac.compare_digest(mac, _mac(secret, seq, head, at)):
        return ["the checkpoint's MAC does not match: it was changed, or it was made with another secret"]
    if seq == 0:
        return []  # a checkpoint of the empty log: anything since is growth
    entry = session.get(AuditEntry, seq)
    if entry is None:
        return [f"entry {seq}, the head at the checkpoint of {at}, is missing (entries removed)"]
    if entry.hash != head:
        return [f"entry {seq} is not the one checkpointed at {at}: the log up to it was rewritten"]
    return []


def _rows(session: Session, cls: type[Base]) -> Iterable[Base]:
    return session.execute(select(cls)).scalars()
