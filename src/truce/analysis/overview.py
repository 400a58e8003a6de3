"""The morning overview of a scenario: every proposal's standing for every party, the sticking
points, and what each text changed along its lineage. ``overview_json`` is the stable shape that
``truce analyze --json`` prints (documented in docs/json.md).

Where a text is contested, each of its readings gets its own standings beside the text as tabled,
and a party whose verdict differs between them is flagged: its answer depends on whose reading
holds, and the overview says which. Package rules the text breaks are reported with the text, not
with any party.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from truce.analysis.diff import Change, diff
from truce.analysis.fragility import Fragility, fragility, fragility_json
from truce.analysis.home import HomeStanding, home_json, home_standings
from truce.analysis.rules import RuleBreach, rule_breaches, rule_json
from truce.analysis.standing import Standing, Verdict, standings
from truce.analysis.sticking import StickingPoint, sticking_points
from truce.analysis.tabled import holder_name
from truce.model.compiled import OPEN, Compiled, compile_scenario
from truce.model.scenario import Proposal, Reading, Scenario, Term

JSON_VERSION = 1


@dataclass(frozen=True)
class ReadingView:
    """The proposal as one party or source reads it: the terms that reading gives, and where they stand."""

    reading: Reading
    holder: str  # who holds the reading, by name
    terms: dict[str, Term]  # the text's terms with the reading's over them
    complete: bool
    standings: tuple[Standing, ...]
    rules: tuple[RuleBreach, ...]  # package rules the text, so read, breaks or could break
    fragility: tuple[Fragility, ...] = ()  # per party, in the order of ``standings``


@dataclass(frozen=True)
class ProposalView:
    proposal: Proposal
    lineage: tuple[str, ...]  # ids, oldest first, ending with this proposal
    complete: bool
    standings: tuple[Standing, ...]
    fragility: tuple[Fragility, ...]  # per party, in the order of ``standings``
    changes: tuple[Change, ...]  # against its parent (empty without a parent)
    rules: tuple[RuleBreach, ...] = ()  # package rules the text as tabled breaks or could break
    readings: tuple[ReadingView, ...] = ()
    home: tuple[HomeStanding, ...] = ()  # ratification at home, for each party with a rule

    def verdicts(self, party: str) -> dict[str | None, Verdict]:
        """The party's verdict on the text as tabled (key ``None``) and under each reading (its id)."""
        out: dict[str | None, Verdict] = {}
        for key, found in ((None, self.standings), *((r.reading.id, r.standings) for r in self.readings)):
            for st in found:
                if st.party == party:
                    out[key] = st.acceptable
        return out

    def depends_on_reading(self, party: str) -> bool:
        """True when the party's verdict is not the same under every reading and the text as tabled."""
        return len(set(self.verdicts(party).values())) > 1

    def verdict_text(self, party: str) -> str:
        """E.g. "no as tabled; yes as read by the mediators (med-aug16); no as read by Hamas (hamas-aug18)"."""
        verdicts = self.verdicts(party)
        parts = [f"{verdicts[None].value} as tabled"] if None in verdicts else []
        parts += [f"{verdicts[r.reading.id].value} as read by {r.holder} ({r.reading.id})" for r in self.readings]
        return "; ".join(parts)


@dataclass(frozen=True)
class Overview:
    scenario: Scenario
    compiled: Compiled
    proposals: tuple[ProposalView, ...]
    sticking: tuple[StickingPoint, ...]


def overview(scenario: Scenario, *, ratification: bool = True) -> Overview:
    """Each proposal's standing; with ``ratification`` (the default) also whether each party's home would
    ratify it (without: the leaders' view alone)."""
    c = compile_scenario(scenario, ratification=ratification)
    views = []
    for proposal in scenario.proposals:
        outcome = c.encode(scenario.terms_of(proposal.id))
        parent = scenario.proposal(proposal.parent) if proposal.parent else None
        views.append(
            ProposalView(
                fragility=tuple(fragility(c, outcome)),
                proposal=proposal,
                lineage=tuple(p.id for p in scenario.lineage(proposal.id)),
                complete=bool((outcome != OPEN).all()),
                standings=tuple(standings(c, outcome)) if c.parties else (),
                changes=tuple(diff(scenario, parent, proposal, c)) if parent else (),
                rules=rule_breaches(c, outcome),
                readings=tuple(_reading_view(scenario, c, proposal, r) for r in proposal.readings),
                home=home_standings(c, outcome),
            )
        )
    # the issues that keep the parties apart: with one side's preferences alone (a side's own brief) there is
    # no one to be kept apart from, and every tension would read 0 as if the sides agreed on everything
    sticking = tuple(sticking_points(c)) if len(c.parties) > 1 else ()
    return Overview(scenario, c, tuple(views), sticking)


def _reading_view(scenario: Scenario, c: Compiled, proposal: Proposal, reading: Reading) -> ReadingView:
    terms = scenario.terms_of(proposal.id, reading.id)
    outcome = c.encode(terms)
    found = tuple(standings(c, outcome)) if c.parties else ()
    return ReadingView(
        reading=reading,
        holder=holder_name(scenario, reading.by),
        terms=terms,
        complete=bool((outcome != OPEN).all()),
        standings=found,
        rules=rule_breaches(c, outcome),
        fragility=tuple(fragility(c, outcome, found)) if c.parties else (),
    )


def _round(x: float) -> float:
    return round(x, 6)


def standing_json(s: Standing) -> dict[str, Any]:
    return {
        "utility": {"low": _round(s.low), "high": _round(s.high)},
        "reservation": _round(s.reservation),
        "acceptable": s.acceptable.value,
        "shortfall": _round(s.shortfall),
        "reasons": list(s.reasons),
        "gaps": {k: (None if v is None else _round(v)) for k, v in s.gaps.items()},
        "biggest_gap": s.biggest_gap,
        "red_lines_crossed": list(s.crossed),
        "gap_notes": dict(s.gap_notes),
    }


def change_json(change: Change) -> dict[str, Any]:
    return {
        "issue": change.issue,
        "kind": change.kind.value,
        "from": change.before,
        "to": change.after,
        "text": change.text,
        "effect": {k: None if v is None else _round(v) for k, v in change.effect.items()},
    }


def reading_json(r: ReadingView) -> dict[str, Any]:
    return {
        "id": r.reading.id,
        "by": r.reading.by,
        "holder": r.holder,
        "asserts": dict(r.reading.terms),
        "terms": r.terms,
        "complete": r.complete,
        "standing": {
            st.party: {**standing_json(st), "fragility": fragility_json(f)}
            for st, f in zip(r.standings, r.fragility, strict=True)
        },
        "package_rules": [rule_json(b) for b in r.rules],
        "sources": list(r.reading.sources),
        "note": r.reading.note,
    }


def overview_json(o: Overview) -> dict[str, Any]:
    s = o.scenario
    assumed = [pid for pid in o.compiled.parties if s.preferences[pid].assumption]
    return {
        "truce_json": JSON_VERSION,
        "scenario": s.id,
        "title": s.title,
        "assumptions": {"text": s.assumptions, "preferences_assumed_for": assumed},
        "parties": list(o.compiled.parties),
        "proposals": [
            {
                "id": v.proposal.id,
                "title": v.proposal.title,
                "tabled_by": list(v.proposal.tabled_by),
                "date": v.proposal.date.isoformat(),
                "status": v.proposal.status.value,
                "parent": v.proposal.parent,
                "lineage": list(v.lineage),
                "complete": v.complete,
                "terms": s.terms_of(v.proposal.id),
                "standing": {
                    st.party: {**standing_json(st), "fragility": fragility_json(f)}
                    for st, f in zip(v.standings, v.fragility, strict=True)
                },
                "changes_from_parent": [change_json(ch) for ch in v.changes],
                "package_rules": [rule_json(b) for b in v.rules],
                "readings": [reading_json(r) for r in v.readings],
                "depends_on_reading": {
                    party: {"depends": v.depends_on_reading(party), "text": v.verdict_text(party)}
                    for party in o.compiled.parties
                }
                if v.readings
                else {},
                "ratification": [home_json(h) for h in v.home],
            }
            for v in o.proposals
        ],
        "sticking_points": [
            {
                "issue": sp.issue,
                "name": s.issue(sp.issue).name,
                "tension": _round(sp.tension),
                "preferred": sp.preferred,
                "compromise": sp.compromise,
                "untabled": sp.untabled,
                "losses_at_compromise": {k: None if v is None else _round(v) for k, v in sp.losses.items()},
                "note": sp.note,
            }
            for sp in o.sticking
        ],
    }
