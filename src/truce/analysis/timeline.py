"""The talks in date order: rounds, meetings, statements, events and proposals, from the public record.

Only the record is read (never preferences), so every role may see the timeline. Statements are shown as
what their speakers said, attributed; nothing here or elsewhere in the analysis treats them as facts.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from truce.model.scenario import Meeting, Official, Proposal, Round, Scenario, Statement, StatementStance

# Within one day: the round first (it frames the day), then meetings, the texts tabled, what was said
# about them, and other events.
KINDS = ("round", "meeting", "proposal", "statement", "event", "risk")

STANCE_WORDS = {
    StatementStance.supports: "supports",
    StatementStance.accepts_with_reservations: "accepts with reservations",
    StatementStance.rejects: "rejects",
    StatementStance.accuses_of_new_conditions: "says it brings new conditions",
    StatementStance.optimistic: "optimistic",
    StatementStance.pessimistic: "pessimistic",
}


@dataclass(frozen=True)
class Entry:
    """One dated item of the record. ``proposals`` are the texts it concerns: the text itself, those a
    round tabled, the one a meeting carried, or the one a statement is about."""

    date: dt.date
    kind: str
    title: str
    id: str | None = None
    end: dt.date | None = None
    venue: str | None = None
    parties: tuple[str, ...] = ()
    proposals: tuple[str, ...] = ()
    detail: str | None = None
    speaker: str | None = None
    stance: StatementStance | None = None
    sources: tuple[str, ...] = ()


def party_name(s: Scenario, party_id: str) -> str:
    try:
        return s.party(party_id).name
    except KeyError:
        return party_id


def speaker_name(s: Scenario, statement: Statement) -> str:
    """Who spoke, as the record names them: an office with the party it speaks for, or the party."""
    speaker = statement.speaker
    others = [party_name(s, p) for p in statement.joint_with]
    joint = f"jointly with {', '.join(others[:-1])} and {others[-1]}" if len(others) > 1 else ""
    joint = joint or (f"jointly with {others[0]}" if others else "")
    if isinstance(speaker, Official):
        return f"{speaker.name} ({party_name(s, speaker.party)}{', ' + joint if joint else ''})"
    return party_name(s, speaker) + (f" ({joint})" if joint else "")


def statement_title(s: Scenario, statement: Statement) -> str:
    about = f" on {statement.about}" if statement.about else ""
    return f"{speaker_name(s, statement)}{about}: {STANCE_WORDS[statement.stance]}"


def statements_about(s: Scenario, proposal_id: str) -> tuple[Statement, ...]:
    """The statements about one proposal, in date order."""
    return tuple(sorted((st for st in s.statements if st.about == proposal_id), key=lambda st: st.date))


def _names(s: Scenario, ids: tuple[str, ...]) -> str:
    return ", ".join(party_name(s, p) for p in ids)


def timeline(s: Scenario) -> tuple[Entry, ...]:
    """Every dated item of the record, oldest first; within a day in the order of :data:`KINDS`, and
    items of one kind in the order the file gives them."""
    entries: list[Entry] = []
    for r in s.rounds:
        entries.append(_tabled_entry(r, "round", r.start, r.participants, r.proposals, r.summary, end=r.end))
    for m in s.meetings:
        entries.append(_meeting_entry(s, m))
    for p in s.proposals:
        entries.append(_tabled_entry(p, "proposal", p.date, p.tabled_by, (p.id,), p.note))
    for st in s.statements:
        entries.append(_statement_entry(s, st))
    for e in s.events:
        entries.append(
            Entry(date=e.date, kind="event", title=e.title, parties=e.parties, detail=e.summary, sources=e.sources)
        )
    entries.extend(risk_entries(s))
    order = {kind: n for n, kind in enumerate(KINDS)}
    # sorted() is stable: items of one kind on one day keep the file's order.
    return tuple(sorted(entries, key=lambda e: (e.date, order[e.kind])))


def risk_entries(s: Scenario) -> list[Entry]:
    """The dated risks of the scenario's course (an assassination, a threatened retaliation), each with the
    hazard of breakdown assumed for it and its basis: the figure is the modeller's, never the record's."""
    if s.course is None:
        return []
    out = []
    for r in s.course.risks:
        span = f"for {r.days} days" if r.days else "to the deadline"
        said = "assumed" if r.assumption else "reported"
        out.append(
            Entry(
                date=r.date,
                kind="risk",
                title=f"Risk: {r.title} ({said} breakdown hazard +{r.hazard:.2%} a day {span})",
                id=r.id,
                detail=r.basis,
                sources=r.sources,
            )
        )
    return out


def _tabled_entry(
    item: Round | Proposal,
    kind: str,
    date: dt.date,
    parties: tuple[str, ...],
    proposals: tuple[str, ...],
    detail: str | None,
    end: dt.date | None = None,
) -> Entry:
    """Rounds and proposals share their title, id, venue and sources: build their entries in one place."""
    return Entry(
        date=date,
        kind=kind,
        title=item.title,
        id=item.id,
        end=end,
        venue=item.venue,
        parties=parties,
        proposals=proposals,
        detail=detail,
        sources=item.sources,
    )


def _meeting_entry(s: Scenario, m: Meeting) -> Entry:
    """A meeting's entry, titled by who met whom and where; split out of timeline to keep it short."""
    met = f" with {_names(s, m.met_with)}" if m.met_with else ""
    where = f" in {m.venue}" if m.venue else ""
    return Entry(
        date=m.date,
        kind="meeting",
        title=f"{_names(s, m.who)}{met}{where}",
        id=m.id,
        venue=m.venue,
        parties=(*m.who, *m.met_with),
        proposals=(m.carried,) if m.carried else (),
        detail=m.outcome,
        sources=m.sources,
    )


def _statement_entry(s: Scenario, st: Statement) -> Entry:
    """A statement's entry, attributed to its speaker; split out of timeline to keep it short."""
    return Entry(
        date=st.date,
        kind="statement",
        title=statement_title(s, st),
        id=st.id,
        parties=(st.party(), *st.joint_with),
        proposals=(st.about,) if st.about else (),
        detail=st.quote,
        speaker=speaker_name(s, st),
        stance=st.stance,
        sources=st.sources,
    )


def entry_json(e: Entry) -> dict[str, Any]:
    return {
        "date": e.date.isoformat(),
        "kind": e.kind,
        "id": e.id,
        "title": e.title,
        "end": e.end.isoformat() if e.end else None,
        "venue": e.venue,
        "parties": list(e.parties),
        "proposals": list(e.proposals),
        "detail": e.detail,
        "speaker": e.speaker,
        "stance": e.stance.value if e.stance else None,
        "sources": list(e.sources),
    }
