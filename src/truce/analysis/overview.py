"""The morning overview of a scenario: every proposal's standing for every party, the sticking
points, and what each text changed along its lineage. ``overview_json`` is the stable shape that
``truce analyze --json`` prints (documented in docs/json.md)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from truce.analysis.diff import Change, diff
from truce.analysis.fragility import Fragility, fragility, fragility_json
from truce.analysis.standing import Standing, standings
from truce.analysis.sticking import StickingPoint, sticking_points
from truce.model.compiled import OPEN, Compiled, compile_scenario
from truce.model.scenario import Proposal, Scenario

JSON_VERSION = 1


@dataclass(frozen=True)
class ProposalView:
    proposal: Proposal
    lineage: tuple[str, ...]  # ids, oldest first, ending with this proposal
    complete: bool
    standings: tuple[Standing, ...]
    fragility: tuple[Fragility, ...]  # per party, in the order of ``standings``
    changes: tuple[Change, ...]  # against its parent (empty without a parent)


@dataclass(frozen=True)
class Overview:
    scenario: Scenario
    compiled: Compiled
    proposals: tuple[ProposalView, ...]
    sticking: tuple[StickingPoint, ...]


def overview(scenario: Scenario) -> Overview:
    c = compile_scenario(scenario)
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
            )
        )
    sticking = tuple(sticking_points(c)) if c.parties else ()
    return Overview(scenario, c, tuple(views), sticking)


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
        "effect": {k: _round(v) for k, v in change.effect.items()},
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
                "losses_at_compromise": {k: _round(v) for k, v in sp.losses.items()},
                "note": sp.note,
            }
            for sp in o.sticking
        ],
    }
