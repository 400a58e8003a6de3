"""Repository functions: every write is one transaction that adds new rows and their audit entries.

Nothing is updated in place. An edit names the version it was made from; if another edit got there
first, :class:`Conflict` is raised (HTTP 409) and nothing is written.

Writes to one set of talks are serialised: each write first takes the talks' row lock (``SELECT ... FOR
UPDATE`` on PostgreSQL; on SQLite every transaction starts with ``BEGIN IMMEDIATE``, which holds the
database's write lock), then reads the talks and validates the whole candidate scenario under that lock.
Two edits that are each valid alone but not together (two proposals made each other's parent) therefore
cannot both be saved: the second one is checked against the first.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import random
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from sqlalchemy import ColumnElement, Engine, delete, event, func, select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import InstrumentedAttribute, ORMExecuteState, Session, sessionmaker

from truce.model.exchange import Agreement
from truce.model.scenario import Preferences, Proposal
from truce.store import audit
from truce.store.db import make_engine, migrate, read_only_options
from truce.store.models import (
    AuditEntry,
    Ballot,
    Base,
    CredentialChange,
    ExchangeVersion,
    FrameVersion,
    LoginSession,
    Mark,
    Person,
    PersonSeen,
    PreferenceVersion,
    ProposalVersion,
    Setting,
    Talks,
)

T = TypeVar("T")
Versioned = TypeVar("Versioned", ProposalVersion, PreferenceVersion)  # a text kept version by version
Check = Callable[[dict[str, Any]], object]  # raises on a candidate scenario (as data) that is not valid
# raises on a candidate scenario, given the proposal's latest version before the edit (None: a new one)
ProposalCheck = Callable[[dict[str, Any], dict[str, Any] | None], None]
RETRIES = 30
MAX_NUMBER = 2**31 - 1  # an INTEGER column on PostgreSQL (SQLite's is wider)
TALKS_ID_MOST = 80  # the talks' id column, and a scenario id's longest


class Conflict(Exception):
    """The edit was made from a version that is no longer the latest."""

    def __init__(self, message: str, current: int) -> None:
        super().__init__(message)
        self.current = current


class NotFound(Exception):
    pass


def now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="microseconds")


def hash_token(token: str) -> str:
    """Tokens are long random strings, so one SHA-256 is enough; only the hash is ever stored."""
    return audit.sha256(token)


def new_token() -> str:
    return secrets.token_urlsafe(24)


@dataclass(frozen=True)
class BallotContent:
    """What a ballot holds: its packages as published, and how the one to reveal is chosen."""

    packages: list[dict[str, Any]]
    criterion: str
    seed: int | None  # the seed the published order was shuffled with (None: not shuffled)
    ranking: list[int] | None  # package indices best first (None: to be ranked when revealed)
    # the text the packages are set against: {"proposal", "title", "terms"} as it stood when published
    reference: dict[str, Any] | None = None


def ballot_content(ballot: Ballot) -> BallotContent:
    """A ballot's content; ballots published before packages were shuffled hold a bare list."""
    data = json.loads(ballot.packages)
    if isinstance(data, list):
        return BallotContent(data, "nash", None, None)
    return BallotContent(data["packages"], data["criterion"], data["seed"], data["ranking"], data.get("reference"))


@dataclass(frozen=True)
class Version:
    version: int
    data: dict[str, Any]
    author: str
    created_at: str
    note: str | None = None  # why the version was written, where its writer said (a correction's "what was wrong")


class _Writes(Exception):
    """Work run as a read turned out to write."""


def _refuse_writes(session: Session, _context: Any, _instances: Any) -> None:
    if session.new or session.dirty or session.deleted:
        raise _Writes()


def _refuse_statements(state: ORMExecuteState) -> None:
    # a statement that writes never passes through a flush: PostgreSQL would refuse it in a read-only
    # transaction, and SQLite would take the write lock halfway through one begun without it
    if state.is_insert or state.is_update or state.is_delete:
        raise _Writes()


class Store:
    def __init__(self, url: str, *, upgrade: bool = True) -> None:
        """``upgrade``: bring the schema up to date first (a check that must change nothing passes ``False``, and
        reads the revision the schema is at before reading anything else)."""
        self.url = url
        self.engine: Engine = make_engine(url)
        if upgrade:
            migrate(self.engine)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)
        reading = self.engine.execution_options(**read_only_options(self.engine))
        self.readers = sessionmaker(reading, expire_on_commit=False)
        event.listen(self.readers, "before_flush", _refuse_writes)
        event.listen(self.readers, "do_orm_execute", _refuse_statements)

    def close(self) -> None:
        self.engine.dispose()

    def run(self, work: Callable[[Session], T]) -> T:
        """Run ``work`` in one transaction; a collision with a concurrent writer is retried from scratch."""
        return self._transaction(self.sessions, work)

    def read(self, work: Callable[[Session], T]) -> T:
        """Run ``work`` in one transaction that only reads: it waits for no writer and no writer waits for it
        (what every page does most). Work that turns out to write (a session to keep alive, at most once a
        minute) is run again from scratch by :meth:`run`."""
        try:
            return self._transaction(self.readers, work)
        except _Writes:
            return self.run(work)

    def _transaction(self, sessions: sessionmaker[Session], work: Callable[[Session], T]) -> T:
        for attempt in range(RETRIES):
            try:
                with sessions.begin() as session:
                    return work(session)
            except (IntegrityError, OperationalError):
                if attempt == RETRIES - 1:
                    raise
                time.sleep(random.uniform(0.001, 0.02) * (attempt + 1))
        raise AssertionError("unreachable")

    # ------------------------------------------------------------------------------------------
    # talks and people

    def is_empty(self) -> bool:
        return self.read(lambda s: s.execute(select(func.count()).select_from(Talks)).scalar_one() == 0)

    def create_talks(self, scenario_data: dict[str, Any], actor: str, mediator: tuple[str, str] | None = None) -> None:
        """Open talks from a scenario. ``mediator`` (a name and a token) is given access to them in the same
        transaction, so that talks nobody can reach are never left behind when that fails."""

        def work(s: Session) -> None:
            talks_id = _new_talks(s, scenario_data, actor)
            if mediator is not None:
                _new_person(s, talks_id, mediator[0], "mediator", None, mediator[1], actor)

        self.run(work)

    def seed_talks(
        self,
        scenario_data: dict[str, Any],
        exchange: tuple[dict[str, Any], str] | None,
        people: list[tuple[str, str, str | None, str]],
        actor: str,
        demo: bool = False,
    ) -> None:
        """Open talks on a first start: the scenario, its exchange agreement and release log (if given), and its
        people (name, role, party, token), with ``demo`` marking the database as made with the public demo
        tokens, all in one transaction: stopped halfway, talks that no one has a token for are never left
        behind, and the database stays empty for the next start to open them."""

        def work(s: Session) -> None:
            talks_id = _new_talks(s, scenario_data, actor)
            if exchange is not None:
                _new_exchange(s, talks_id, exchange[0], exchange[1], 1, actor)
            if demo:
                s.merge(Setting(name="demo", value="1"))
            for name, role, party, token in people:
                _new_person(s, talks_id, name, role, party, token, actor)

        self.run(work)

    def open_talks(self, scenario_data: dict[str, Any], actor: str, mediator: tuple[str, str]) -> str:
        """Open talks someone sent (a file, a body) under an id of their own, the scenario's id and a random
        part (``labour-2025-3f9c01ab``), taken or not, with their first mediator; gives the id. Talks of the
        scenario's own id may belong to others on this server: refusing the id as taken told whoever sent the
        file that they exist, and an id made whatever is taken tells nothing."""
        base = str(scenario_data["id"])[: TALKS_ID_MOST - 9]
        for _ in range(RETRIES):  # a random part already taken is all but impossible: another is drawn
            talks_id = f"{base}-{secrets.token_hex(4)}"
            try:
                self.create_talks({**scenario_data, "id": talks_id}, actor, mediator)
            except Conflict:
                continue
            return talks_id
        raise Conflict("no free id for the talks; send them again", 0)

    def talks(self) -> list[Talks]:
        return self.read(lambda s: list(s.execute(select(Talks).order_by(Talks.created_at)).scalars()))

    def get_talks(self, talks_id: str) -> Talks:
        found = self.read(lambda s: s.get(Talks, talks_id))
        if found is None:
            raise NotFound(f"no talks {talks_id!r}")
        return found

    def add_person(self, talks_id: str, name: str, role: str, party: str | None, token: str, actor: str) -> Person:
        def work(s: Session) -> Person:
            _lock_talks(s, talks_id)
            return _new_person(s, talks_id, name, role, party, token, actor)

        return self.run(work)

    def person_by_token(self, token: str) -> Person | None:
        """Who holds ``token``: their latest token (their first, or the latest rotation's), unless revoked."""
        digest = hash_token(token)

        def work(s: Session) -> Person | None:
            rotated = s.execute(select(CredentialChange).where(CredentialChange.token_hash == digest)).scalar()
            if rotated is not None:
                person = s.get(Person, rotated.person_id)
            else:
                person = s.execute(select(Person).where(Person.token_hash == digest)).scalar_one_or_none()
            if person is None:
                return None
            latest = _latest_change(s, person.id)
            current = person.token_hash if latest is None else latest.token_hash
            if current != digest:
                return None  # a revocation's token_hash is None
            _seen(s, person.id)
            return person

        return self.read(work)

    def person_number(self, person: Person) -> int:
        """A person's number among the people of their talks, in the order they were given access (1: the first)."""
        query = select(func.count()).where(Person.talks_id == person.talks_id, Person.id <= person.id)
        return self.read(lambda s: int(s.execute(query).scalar_one()))

    def people(self, talks_id: str) -> list[Person]:
        return self.read(
            lambda s: list(s.execute(select(Person).where(Person.talks_id == talks_id).order_by(Person.id)).scalars())
        )

    def revoked(self, talks_id: str) -> set[int]:
        """The ids of the people of these talks whose access has been ended."""
        query = (
            select(CredentialChange.person_id)
            .join(Person, Person.id == CredentialChange.person_id)
            .where(Person.talks_id == talks_id, CredentialChange.action == "revoke")
        )
        return self.read(lambda s: set(s.execute(query).scalars()))

    def access_history(self, talks_id: str) -> dict[int, list[AccessEvent]]:
        """Per person of these talks, oldest first: when they were given access, given a new token or revoked,
        and by whom, as the audit log records it (the log, not the rows, names who did it)."""
        query = (
            select(AuditEntry.at, AuditEntry.actor, AuditEntry.action, AuditEntry.subject)
            .where(AuditEntry.talks_id == talks_id, AuditEntry.action.in_(ACCESS_ACTIONS))
            .order_by(AuditEntry.seq)
        )
        out: dict[int, list[AccessEvent]] = {}
        for at, actor, action, subject in self.read(lambda s: s.execute(query).all()):
            person = int(json.loads(subject)["key"][0])  # person: [id]; credential_change: [person id, number]
            out.setdefault(person, []).append(AccessEvent(ACCESS_ACTIONS[action], at, actor))
        return out

    def last_used(self, talks_id: str) -> dict[int, str]:
        """When each person of these talks last used their access (people who never did are left out)."""
        query = (
            select(PersonSeen.person_id, PersonSeen.last_used)
            .join(Person, Person.id == PersonSeen.person_id)
            .where(Person.talks_id == talks_id)
        )
        return self.read(lambda s: {pid: at for pid, at in s.execute(query).all()})

    def person(self, person_id: int) -> Person:
        found = self.read(lambda s: s.get(Person, person_id)) if 0 < person_id <= MAX_NUMBER else None
        if found is None:
            raise NotFound(f"no person {person_id}")
        return found

    def revoke_person(self, person_id: int, actor: str) -> None:
        """End a person's access for good: their token stops working and their sessions end."""
        self._change_credentials(person_id, "revoke", None, actor)

    def rotate_token(self, person_id: int, actor: str) -> str:
        """Give a person a new token (returned, shown once); the old one stops working and their sessions end."""
        token = new_token()
        self._change_credentials(person_id, "rotate", hash_token(token), actor)
        return token

    def _change_credentials(self, person_id: int, action: str, token_hash: str | None, actor: str) -> None:
        person = self.person(person_id)

        def work(s: Session) -> None:
            latest = _latest_change(s, person_id)
            if latest is not None and latest.action == "revoke":
                raise Conflict(f"person {person_id} was revoked; give them a new person instead", latest.number)
            at = now()
            row = CredentialChange(
                person_id=person_id,
                number=(latest.number if latest else 0) + 1,
                action=action,
                token_hash=token_hash,
                created_at=at,
            )
            _record(s, row, at=at, talks_id=person.talks_id, actor=actor, action=action)
            s.execute(delete(LoginSession).where(LoginSession.person_id == person_id))

        self.run(work)

    # ------------------------------------------------------------------------------------------
    # sign-in sessions of the pages (not part of the record: no audit entries)

    def start_session(self, person_id: int) -> str:
        """A new session for a person; the id returned goes in the cookie, only its hash is kept."""
        session_id = secrets.token_urlsafe(32)

        def work(s: Session) -> None:
            at = now()
            s.add(LoginSession(id_hash=hash_token(session_id), person_id=person_id, created_at=at, last_used=at))

        self.run(work)
        return session_id

    def session_person(self, session_id: str, idle: dt.timedelta) -> Person | None:
        """The person signed in with this session, unless it has ended (signed out, idle too long, revoked)."""
        digest = hash_token(session_id)

        def work(s: Session) -> Person | None:
            row = s.get(LoginSession, digest)
            if row is None:
                return None
            at = dt.datetime.now(dt.UTC)
            if at - dt.datetime.fromisoformat(row.last_used) > idle:
                s.delete(row)
                return None
            latest = _latest_change(s, row.person_id)
            if latest is not None and latest.action == "revoke":
                return None
            if at - dt.datetime.fromisoformat(row.last_used) > min(idle / 10, dt.timedelta(minutes=1)):
                row.last_used = at.isoformat(timespec="microseconds")  # not on every request: writes queue
            _seen(s, row.person_id)
            return s.get(Person, row.person_id)

        return self.read(work)

    def end_session(self, session_id: str) -> None:
        digest = hash_token(session_id)
        self.run(lambda s: s.execute(delete(LoginSession).where(LoginSession.id_hash == digest)))

    # ------------------------------------------------------------------------------------------
    # facts about the database

    def mark_demo(self) -> None:
        """Mark the database as made with the public demo tokens (never to be served beyond loopback)."""
        self.run(lambda s: s.merge(Setting(name="demo", value="1")))

    def is_demo(self) -> bool:
        return self.read(lambda s: s.get(Setting, "demo")) is not None

    # ------------------------------------------------------------------------------------------
    # the scenario as it stands

    def scenario_data(self, talks_id: str) -> dict[str, Any]:
        """The scenario as it stands now: the frame with the latest proposals and preferences."""
        return self.read(lambda s: _scenario_data(s, talks_id))

    def talks_version(self, talks_id: str) -> int | None:
        """The talks' version: the position of their newest audit entry, which every write to them
        appends (None: no such talks). One indexed lookup, to key what is derived from the talks."""
        return self.read(
            lambda s: s.execute(select(func.max(AuditEntry.seq)).where(AuditEntry.talks_id == talks_id)).scalar()
        )

    def snapshot(self, talks_id: str) -> tuple[int, dict[str, Any], dict[str, int]]:
        """(version, scenario data, latest version of each proposal), read in one transaction. The version is
        read first, so the data are never older than the version says (they may be newer)."""

        def work(s: Session) -> tuple[int, dict[str, Any], dict[str, int]]:
            version = s.execute(select(func.max(AuditEntry.seq)).where(AuditEntry.talks_id == talks_id)).scalar()
            data = _scenario_data(s, talks_id)
            return int(version or 0), data, _proposal_versions(s, talks_id)

        return self.read(work)

    def proposal_versions(self, talks_id: str) -> dict[str, int]:
        return self.read(lambda s: _proposal_versions(s, talks_id))

    def proposal_history(self, talks_id: str, proposal_id: str) -> list[Version]:
        """Every version of a proposal, oldest first, each with the note its audit entry holds (if any)."""

        def work(s: Session) -> list[Version]:
            found = _versions(
                s, ProposalVersion, ProposalVersion.talks_id == talks_id, ProposalVersion.proposal_id == proposal_id
            )
            notes = _notes(s, talks_id, ProposalVersion.__tablename__, [talks_id, proposal_id])
            return [dataclasses.replace(v, note=notes.get(v.version)) for v in found]

        found = self.read(work)
        if not found:
            raise NotFound(f"no proposal {proposal_id!r}")
        return found

    def preference_history(self, talks_id: str, party: str) -> list[Version]:
        return self.read(
            lambda s: _versions(
                s, PreferenceVersion, PreferenceVersion.talks_id == talks_id, PreferenceVersion.party == party
            )
        )

    def put_proposal(
        self,
        talks_id: str,
        proposal: dict[str, Any],
        expected: int,
        actor: str,
        check: ProposalCheck,
        note: str | None = None,
    ) -> int:
        """Write a new version of a proposal made from version ``expected`` (0: a new proposal); a text the same
        as its latest version writes nothing and keeps its number, as preferences do.

        ``check`` sees the whole candidate scenario and the proposal as it stood, under the talks' lock.
        ``note`` (why this version, e.g. what a correction put right) goes into the version's audit entry."""
        proposal_id = str(proposal["id"])

        def work(s: Session) -> int:
            _lock_talks(s, talks_id)
            latest = s.execute(
                select(ProposalVersion)
                .where(ProposalVersion.talks_id == talks_id, ProposalVersion.proposal_id == proposal_id)
                .order_by(ProposalVersion.version.desc())
                .limit(1)
            ).scalar_one_or_none()
            current = latest.version if latest else 0
            _expect_version(f"proposal {proposal_id!r}", current, expected)
            data = _scenario_data(s, talks_id)
            before = next((p for p in data["proposals"] if p["id"] == proposal_id), None)
            others = [p for p in data["proposals"] if p["id"] != proposal_id]
            if latest is not None:
                position = latest.position
                data["proposals"] = [proposal if p["id"] == proposal_id else p for p in data["proposals"]]
            else:
                position = (
                    s.execute(
                        select(func.max(ProposalVersion.position)).where(ProposalVersion.talks_id == talks_id)
                    ).scalar_one_or_none()
                    or 0
                ) + 1
                data["proposals"] = [*others, proposal]
            check(data, before)
            if _unchanged(before, proposal, Proposal):
                return current
            at = now()
            row = ProposalVersion(
                talks_id=talks_id,
                proposal_id=proposal_id,
                version=current + 1,
                position=position,
                data=audit.canonical(proposal),
                author=actor,
                created_at=at,
            )
            _record(s, row, at=at, talks_id=talks_id, actor=actor, action="proposal", note=note)
            return current + 1

        return self.run(work)

    def put_preferences(
        self, talks_id: str, party: str, prefs: dict[str, Any], expected: int, actor: str, check: Check
    ) -> int:
        """Write a new version of a party's preferences made from version ``expected``; preferences the same as
        the latest version's write nothing and keep its number (a version that changes nothing is noise in the
        history a side reads to see what changed)."""

        def work(s: Session) -> int:
            _lock_talks(s, talks_id)
            current = _latest_version(
                s, PreferenceVersion.version, PreferenceVersion.talks_id == talks_id, PreferenceVersion.party == party
            )
            _expect_version("the preferences", current, expected)
            data = _scenario_data(s, talks_id)
            latest = data["preferences"].get(party)
            data["preferences"][party] = prefs
            check(data)
            if current and _unchanged(latest, prefs, Preferences):
                return current
            at = now()
            row = PreferenceVersion(
                talks_id=talks_id,
                party=party,
                version=current + 1,
                data=audit.canonical(prefs),
                author=actor,
                created_at=at,
            )
            _record(s, row, at=at, talks_id=talks_id, actor=actor, action="preferences")
            return current + 1

        return self.run(work)

    def frame_version(self, talks_id: str) -> int:
        """The version of the talks' public frame: 1 as imported, one more for each recorded change."""
        return self.read(lambda s: _frame_version(s, talks_id))

    def put_frame(self, talks_id: str, frame: dict[str, Any], expected: int, actor: str, check: Check) -> int:
        """Write a new version of the public frame (rounds, events, sources ...) made from version ``expected``.

        ``check`` sees the whole candidate scenario under the talks' lock."""
        frame = {k: v for k, v in frame.items() if k not in ("proposals", "preferences")}

        def work(s: Session) -> int:
            _lock_talks(s, talks_id)
            current = _frame_version(s, talks_id)
            _expect_version("the record of the talks", current, expected)
            data = _scenario_data(s, talks_id)
            candidate = {**frame, "proposals": data["proposals"], "preferences": data["preferences"]}
            check(candidate)
            at = now()
            row = FrameVersion(
                talks_id=talks_id, version=current + 1, data=audit.canonical(frame), author=actor, created_at=at
            )
            _record(s, row, at=at, talks_id=talks_id, actor=actor, action="record")
            return current + 1

        return self.run(work)

    # ------------------------------------------------------------------------------------------
    # blind acceptance

    def create_ballot(
        self,
        talks_id: str,
        title: str,
        packages: list[dict[str, Any]],
        parties: list[str],
        actor: str,
        *,
        criterion: str = "nash",
        seed: int | None = None,
        ranking: list[int] | None = None,
        reference: dict[str, Any] | None = None,
    ) -> int:
        """Publish ``packages`` (in the order given) for ``parties`` to mark. ``ranking`` lists the packages
        best first by ``criterion`` (None: ranked when revealed); ``seed`` is the one their order was
        shuffled with. The ranking is never shown: it only picks the one package a reveal names.
        ``reference`` is the text the packages are shown against, as it stood when published."""
        content: dict[str, Any] = {"packages": packages, "criterion": criterion, "seed": seed, "ranking": ranking}
        if reference is not None:
            content["reference"] = reference

        def work(s: Session) -> int:
            _lock_talks(s, talks_id)
            last = s.execute(select(func.max(Ballot.number)).where(Ballot.talks_id == talks_id)).scalar_one_or_none()
            at = now()
            row = Ballot(
                talks_id=talks_id,
                number=(last or 0) + 1,
                title=title,
                packages=audit.canonical(content),
                parties=audit.canonical(parties),
                created_at=at,
            )
            _record(s, row, at=at, talks_id=talks_id, actor=actor, action="ballot")
            return row.number

        return self.run(work)

    def ballots(self, talks_id: str) -> list[Ballot]:
        return self.read(
            lambda s: list(
                s.execute(select(Ballot).where(Ballot.talks_id == talks_id).order_by(Ballot.number)).scalars()
            )
        )

    def ballot(self, talks_id: str, number: int) -> Ballot:
        if not 0 < number <= MAX_NUMBER:  # past the column's range no ballot can exist (nor be looked up)
            raise NotFound(f"no ballot {number}")
        found = self.read(lambda s: s.get(Ballot, (talks_id, number)))
        if found is None:
            raise NotFound(f"no ballot {number}")
        return found

    def marks(self, talks_id: str, number: int) -> dict[str, list[int]]:
        """Every party's marks: for working out the overlap only, never to be shown."""

        def work(s: Session) -> dict[str, list[int]]:
            rows = s.execute(select(Mark).where(Mark.talks_id == talks_id, Mark.number == number)).scalars()
            return {m.party: list(json.loads(m.accepted)) for m in rows}

        return self.read(work)

    def put_mark(self, talks_id: str, number: int, party: str, accepted: list[int], actor: str) -> None:
        def work(s: Session) -> None:
            _lock_talks(s, talks_id)
            if s.get(Mark, (talks_id, number, party)) is not None:
                raise Conflict("this party has already answered this ballot", 1)
            at = now()
            row = Mark(
                talks_id=talks_id,
                number=number,
                party=party,
                accepted=audit.canonical(sorted(set(accepted))),
                salt=secrets.token_hex(16),
                created_at=at,
            )
            _record(s, row, at=at, talks_id=talks_id, actor=actor, action="mark")

        self.run(work)

    # ------------------------------------------------------------------------------------------
    # the exchange agreement being monitored

    def exchange(self, talks_id: str) -> tuple[int, dict[str, Any], str] | None:
        """The latest (version, agreement, release log), or None if there is none."""

        def work(s: Session) -> tuple[int, dict[str, Any], str] | None:
            row = s.execute(
                select(ExchangeVersion)
                .where(ExchangeVersion.talks_id == talks_id)
                .order_by(ExchangeVersion.version.desc())
                .limit(1)
            ).scalar_one_or_none()
            return None if row is None else (row.version, json.loads(row.agreement), row.release_log)

        return self.read(work)

    def exchange_history(self, talks_id: str) -> list[tuple[int, dict[str, Any], str, str, str]]:
        """Every version of the exchange agreement: (version, agreement, release log, author, time), oldest first."""

        def work(s: Session) -> list[tuple[int, dict[str, Any], str, str, str]]:
            rows = s.execute(
                select(ExchangeVersion).where(ExchangeVersion.talks_id == talks_id).order_by(ExchangeVersion.version)
            ).scalars()
            return [(r.version, json.loads(r.agreement), r.release_log, r.author, r.created_at) for r in rows]

        return self.read(work)

    def put_exchange(
        self,
        talks_id: str,
        agreement: dict[str, Any],
        release_log: str,
        expected: int,
        actor: str,
        check: Callable[[dict[str, Any], str], None],
    ) -> int:
        """Write a new version of the exchange agreement and its release log made from version ``expected``; the
        same agreement and log as the latest version's write nothing and keep its number, as preferences do."""

        def work(s: Session) -> int:
            _lock_talks(s, talks_id)
            latest = s.execute(
                select(ExchangeVersion)
                .where(ExchangeVersion.talks_id == talks_id)
                .order_by(ExchangeVersion.version.desc())
                .limit(1)
            ).scalar_one_or_none()
            current = latest.version if latest else 0
            _expect_version("the exchange agreement", current, expected)
            check(agreement, release_log)
            was = None if latest is None else json.loads(latest.agreement)
            if latest is not None and latest.release_log == release_log and _unchanged(was, agreement, Agreement):
                return current
            _new_exchange(s, talks_id, agreement, release_log, current + 1, actor)
            return current + 1

        return self.run(work)

    # ------------------------------------------------------------------------------------------
    # audit

    def audit_entries(self, talks_id: str) -> list[AuditEntry]:
        return self.read(
            lambda s: list(
                s.execute(select(AuditEntry).where(AuditEntry.talks_id == talks_id).order_by(AuditEntry.seq)).scalars()
            )
        )

    def verify(self) -> audit.Verification:
        return self.read(audit.verify)

    def check_checkpoint(self, point: Any, secret: bytes) -> list[str]:
        return self.read(lambda s: audit.check_checkpoint(s, point, secret))


def _lock_talks(s: Session, talks_id: str) -> None:
    """Hold the talks' row lock until this transaction ends, so that writes to one set of talks queue up
    and each validates against the one before it. (SQLite has no row locks and renders no ``FOR UPDATE``:
    there ``BEGIN IMMEDIATE`` already holds the database's write lock for the whole transaction.)"""
    found = s.execute(select(Talks.id).where(Talks.id == talks_id).with_for_update()).scalar_one_or_none()
    if found is None:
        raise NotFound(f"no talks {talks_id!r}")


@dataclass(frozen=True)
class AccessEvent:
    """A change of someone's access: ``what`` (:data:`ACCESS_ACTIONS`' words), when, and by whom."""

    what: str
    at: str
    by: str


# the audit log's actions that change someone's access, in words
ACCESS_ACTIONS = {"person": "given access", "rotate": "given a new token", "revoke": "access ended"}


def _new_talks(s: Session, scenario_data: dict[str, Any], actor: str) -> str:
    """Add talks from a scenario, its texts and preferences each at version 1; gives their id."""
    frame = {k: v for k, v in scenario_data.items() if k not in ("proposals", "preferences")}
    talks_id = str(scenario_data["id"])
    if s.get(Talks, talks_id) is not None:
        raise Conflict(f"talks {talks_id!r} already exist", 0)
    at = now()
    talks = Talks(id=talks_id, title=str(scenario_data["title"]), frame=audit.canonical(frame), created_at=at)
    _record(s, talks, at=at, talks_id=talks_id, actor=actor, action="import")
    for position, proposal in enumerate(scenario_data.get("proposals", [])):
        row = ProposalVersion(
            talks_id=talks_id,
            proposal_id=proposal["id"],
            version=1,
            position=position,
            data=audit.canonical(proposal),
            author=actor,
            created_at=at,
        )
        _record(s, row, at=at, talks_id=talks_id, actor=actor, action="proposal")
    for party, prefs in scenario_data.get("preferences", {}).items():
        prow = PreferenceVersion(
            talks_id=talks_id, party=party, version=1, data=audit.canonical(prefs), author=actor, created_at=at
        )
        _record(s, prow, at=at, talks_id=talks_id, actor=actor, action="preferences")
    return talks_id


def _new_exchange(
    s: Session, talks_id: str, agreement: dict[str, Any], release_log: str, version: int, actor: str
) -> None:
    at = now()
    row = ExchangeVersion(
        talks_id=talks_id,
        version=version,
        agreement=audit.canonical(agreement),
        release_log=release_log,
        author=actor,
        created_at=at,
    )
    _record(s, row, at=at, talks_id=talks_id, actor=actor, action="exchange")


def _new_person(s: Session, talks_id: str, name: str, role: str, party: str | None, token: str, actor: str) -> Person:
    at = now()
    person = Person(talks_id=talks_id, name=name, role=role, party=party, token_hash=hash_token(token), created_at=at)
    _record(s, person, at=at, talks_id=talks_id, actor=actor, action="person")
    return person


def _record(s: Session, row: Base, *, at: str, talks_id: str, actor: str, action: str, note: str | None = None) -> None:
    """Add ``row`` and the audit entry that records it (with the writer's ``note``), in the same transaction."""
    s.add(row)
    audit.append(s, at=at, talks_id=talks_id, actor=actor, action=action, row=row, note=note)


def _notes(s: Session, talks_id: str, table: str, key: list[Any]) -> dict[int, str]:
    """The notes the audit entries of the talks hold for the rows of ``table`` whose key starts with ``key``,
    by the key's last part (a version number)."""
    # The database keeps the entries whose key starts with ``key`` (as canonical JSON writes it) and that hold
    # a note, so that a proposal's history parses its own entries, not every noted entry of the talks.
    prefix = '"key":' + audit.canonical(key)[:-1] + ","
    rows = s.execute(
        select(AuditEntry.subject).where(
            AuditEntry.talks_id == talks_id,
            AuditEntry.subject.contains(prefix, autoescape=True),
            AuditEntry.subject.contains('"note":'),
        )
    ).scalars()
    out: dict[int, str] = {}
    for text in rows:
        subject = json.loads(text)
        found = subject.get("key", [])
        if subject.get("table") == table and found[: len(key)] == key and "note" in subject:
            out[int(found[-1])] = str(subject["note"])
    return out


SEEN_EVERY = dt.timedelta(minutes=1)  # "last used" is kept to the minute: a read seldom has to write


def _seen(s: Session, person_id: int) -> None:
    """Note that a person's access was used now (at most once a minute)."""
    at = dt.datetime.now(dt.UTC)
    row = s.get(PersonSeen, person_id)
    if row is None:
        s.add(PersonSeen(person_id=person_id, last_used=at.isoformat(timespec="seconds")))
    elif at - dt.datetime.fromisoformat(row.last_used) >= SEEN_EVERY:
        row.last_used = at.isoformat(timespec="seconds")


def _frame_version(s: Session, talks_id: str) -> int:
    return _latest_version(s, FrameVersion.version, FrameVersion.talks_id == talks_id) or 1


def _latest_change(s: Session, person_id: int) -> CredentialChange | None:
    return s.execute(
        select(CredentialChange)
        .where(CredentialChange.person_id == person_id)
        .order_by(CredentialChange.number.desc())
        .limit(1)
    ).scalar_one_or_none()


def _latest_version(s: Session, version: InstrumentedAttribute[int], *where: ColumnElement[bool]) -> int:
    """The highest ``version`` among the rows matching ``where`` (0 when there are none)."""
    return s.execute(select(func.max(version)).where(*where)).scalar_one_or_none() or 0


def _versions(s: Session, model: type[Versioned], *where: ColumnElement[bool]) -> list[Version]:
    """Every version of one text (a proposal, or a party's preferences) among the rows matching ``where``,
    oldest first."""
    rows = s.execute(select(model).where(*where).order_by(model.version)).scalars()
    return [Version(r.version, json.loads(r.data), r.author, r.created_at) for r in rows]


def _unchanged(latest: Any, new: Any, reads: type[BaseModel] | None = None) -> bool:
    """Whether ``new`` says what the latest version (None: there is none) already says, so that writing it
    would add a version that changes nothing to the history a side reads to see what changed: equal as data
    (8 and 8.0 alike), or read alike by ``reads`` (a default written out, or left unstated as the JSON editor
    shows it). Called after the write's check, which refuses what is not valid even where it compares equal
    (1 for true)."""
    if latest is None:
        return False
    if latest == new:
        return True
    if reads is None:
        return False
    try:
        return reads.model_validate(latest) == reads.model_validate(new)
    except ValidationError:  # a version stored under rules since tightened: what replaces it is a change
        return False


def _expect_version(what: str, current: int, expected: int) -> None:
    """Refuse an edit made from a version other than the latest (:class:`Conflict`, HTTP 409)."""
    if current != expected:
        raise Conflict(f"{what} is at version {current}; this edit was made from version {expected}", current)


def _proposal_versions(s: Session, talks_id: str) -> dict[str, int]:
    rows = s.execute(
        select(ProposalVersion.proposal_id, func.max(ProposalVersion.version))
        .where(ProposalVersion.talks_id == talks_id)
        .group_by(ProposalVersion.proposal_id)
    ).all()
    return {pid: int(v) for pid, v in rows}


def _scenario_data(s: Session, talks_id: str) -> dict[str, Any]:
    talks = s.get(Talks, talks_id)
    if talks is None:
        raise NotFound(f"no talks {talks_id!r}")
    frame = s.execute(
        select(FrameVersion.data)
        .where(FrameVersion.talks_id == talks_id)
        .order_by(FrameVersion.version.desc())
        .limit(1)
    ).scalar_one_or_none()
    data: dict[str, Any] = json.loads(frame if frame is not None else talks.frame)
    latest_p = (
        select(ProposalVersion.proposal_id, func.max(ProposalVersion.version).label("v"))
        .where(ProposalVersion.talks_id == talks_id)
        .group_by(ProposalVersion.proposal_id)
        .subquery()
    )
    rows = s.execute(
        select(ProposalVersion)
        .join(
            latest_p,
            (ProposalVersion.proposal_id == latest_p.c.proposal_id) & (ProposalVersion.version == latest_p.c.v),
        )
        .where(ProposalVersion.talks_id == talks_id)
        .order_by(ProposalVersion.position)
    ).scalars()
    data["proposals"] = [json.loads(r.data) for r in rows]
    latest_q = (
        select(PreferenceVersion.party, func.max(PreferenceVersion.version).label("v"))
        .where(PreferenceVersion.talks_id == talks_id)
        .group_by(PreferenceVersion.party)
        .subquery()
    )
    prefs = s.execute(
        select(PreferenceVersion)
        .join(latest_q, (PreferenceVersion.party == latest_q.c.party) & (PreferenceVersion.version == latest_q.c.v))
        .where(PreferenceVersion.talks_id == talks_id)
    ).scalars()
    found = {r.party: json.loads(r.data) for r in prefs}
    order = [p["id"] for p in data.get("parties", [])]
    data["preferences"] = {
        pid: found[pid] for pid in sorted(found, key=lambda x: (x not in order, order.index(x) if x in order else 0, x))
    }
    return data
