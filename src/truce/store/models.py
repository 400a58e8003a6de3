"""The tables. Content is stored as JSON text; every change is a new row, never an update in place."""

from __future__ import annotations

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class Talks(Base):
    """One set of talks: the scenario's public frame (everything but proposals and preferences)."""

    __tablename__ = "talks"
    id: Mapped[str] = mapped_column(String(80), primary_key=True)
    title: Mapped[str] = mapped_column(Text)
    frame: Mapped[str] = mapped_column(Text)  # JSON: the scenario without proposals and preferences
    created_at: Mapped[str] = mapped_column(String(40))


class Person(Base):
    """Someone who may sign in: a role, a party for the party role, and the SHA-256 of their token."""

    __tablename__ = "person"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    talks_id: Mapped[str] = mapped_column(ForeignKey("talks.id"))
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))  # mediator | party | observer
    party: Mapped[str | None] = mapped_column(String(80), nullable=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[str] = mapped_column(String(40))


class ProposalVersion(Base):
    """One version of one proposal. The primary key makes two writers of the same version collide."""

    __tablename__ = "proposal_version"
    talks_id: Mapped[str] = mapped_column(ForeignKey("talks.id"), primary_key=True)
    proposal_id: Mapped[str] = mapped_column(String(80), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    position: Mapped[int] = mapped_column(Integer)  # order of first tabling, kept across versions
    data: Mapped[str] = mapped_column(Text)  # JSON of the proposal
    author: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[str] = mapped_column(String(40))


class PreferenceVersion(Base):
    """One version of one party's private preferences."""

    __tablename__ = "preference_version"
    talks_id: Mapped[str] = mapped_column(ForeignKey("talks.id"), primary_key=True)
    party: Mapped[str] = mapped_column(String(80), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    data: Mapped[str] = mapped_column(Text)
    author: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[str] = mapped_column(String(40))


class Ballot(Base):
    """Suggested packages published by the mediator for blind acceptance."""

    __tablename__ = "ballot"
    talks_id: Mapped[str] = mapped_column(ForeignKey("talks.id"), primary_key=True)
    number: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(Text)
    packages: Mapped[str] = mapped_column(Text)  # JSON list of {"terms": {...}}
    parties: Mapped[str] = mapped_column(Text)  # JSON list of the party ids that must answer
    created_at: Mapped[str] = mapped_column(String(40))


class Mark(Base):
    """A party's secret answer to a ballot: the indices of the packages it could accept."""

    __tablename__ = "mark"
    talks_id: Mapped[str] = mapped_column(String(80), primary_key=True)
    number: Mapped[int] = mapped_column(Integer, primary_key=True)
    party: Mapped[str] = mapped_column(String(80), primary_key=True)
    accepted: Mapped[str] = mapped_column(Text)  # JSON list of package indices
    salt: Mapped[str] = mapped_column(String(64))  # keeps the audit digest from revealing the marks
    created_at: Mapped[str] = mapped_column(String(40))


class AuditEntry(Base):
    """An append-only, hash-chained log entry; ``seq`` is dense from 1, so two appenders collide."""

    __tablename__ = "audit"
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    at: Mapped[str] = mapped_column(String(40))
    talks_id: Mapped[str] = mapped_column(String(80))
    actor: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(40))
    subject: Mapped[str] = mapped_column(Text)  # JSON: what the entry is about, with the content digest
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


Index("ix_audit_talks", AuditEntry.talks_id)


class ExchangeVersion(Base):
    """One version of the exchange agreement being monitored (public record) and its release log (CSV)."""

    __tablename__ = "exchange_version"
    talks_id: Mapped[str] = mapped_column(ForeignKey("talks.id"), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    agreement: Mapped[str] = mapped_column(Text)  # JSON of the agreement file
    release_log: Mapped[str] = mapped_column(Text)  # CSV, as `truce exchange ledger` reads it ("" if none)
    author: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[str] = mapped_column(String(40))


class CredentialChange(Base):
    """A person's token replaced (``rotate``, with the new token's SHA-256) or their access ended (``revoke``).

    Appended, never updated: a person's token is the latest rotation's, or their own if there is none, and a
    revocation is final."""

    __tablename__ = "credential_change"
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), primary_key=True)
    number: Mapped[int] = mapped_column(Integer, primary_key=True)
    action: Mapped[str] = mapped_column(String(20))  # rotate | revoke
    token_hash: Mapped[str | None] = mapped_column(String(64), nullable=True, unique=True)
    created_at: Mapped[str] = mapped_column(String(40))


class LoginSession(Base):
    """A signed-in browser: the SHA-256 of the random id its cookie holds, and when it was last used.

    Not part of the record (not in the audit chain): sessions end on sign-out, after the idle time, and when
    their person is revoked or given a new token."""

    __tablename__ = "login_session"
    id_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"))
    created_at: Mapped[str] = mapped_column(String(40))
    last_used: Mapped[str] = mapped_column(String(40))


Index("ix_login_session_person", LoginSession.person_id)


class Setting(Base):
    """Facts about the database itself, such as ``demo`` (made with the public demo tokens)."""

    __tablename__ = "setting"
    name: Mapped[str] = mapped_column(String(80), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class FrameVersion(Base):
    """A later version of the talks' public frame (rounds, events, sources recorded after the import).

    The frame the talks were imported with stays in :class:`Talks`; the latest version here overrides it."""

    __tablename__ = "frame_version"
    talks_id: Mapped[str] = mapped_column(ForeignKey("talks.id"), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, primary_key=True)  # 2 onwards: the import is version 1
    data: Mapped[str] = mapped_column(Text)  # JSON: the scenario without proposals and preferences
    author: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[str] = mapped_column(String(40))


class PersonSeen(Base):
    """When a person's access was last used (by token or by a signed-in page), to the minute.

    Not part of the record (not in the audit chain): it is updated in place, at most once a minute."""

    __tablename__ = "person_seen"
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), primary_key=True)
    last_used: Mapped[str] = mapped_column(String(40))
