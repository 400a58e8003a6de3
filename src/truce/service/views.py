"""What each viewer may see: the library's results, filtered by role.

A party sees its own preferences and standing and nobody else's; an observer sees the public record
(parties, issues, proposals, their lineage and diffs, rounds, events) and nothing derived from anyone's
preferences; a mediator sees everything. Every function here takes the viewer and filters before
anything leaves it, so routes and pages cannot forget to.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from truce.analysis.bridge import bridge_json, bridge_proposal, reference_row
from truce.analysis.diff import diff
from truce.analysis.fragility import fragility, fragility_json
from truce.analysis.frontier import pareto_frontier
from truce.analysis.overview import change_json, holder_name, rule_json, standing_json
from truce.analysis.rules import rule_breaches
from truce.analysis.solutions import solve_all
from truce.analysis.standing import standings
from truce.analysis.tabled import default_scope, tabled_terms, within
from truce.errors import InputError, Problem
from truce.exchange.agreement import Agreement, build_agreement
from truce.exchange.ledger import Event, Ledger, keep_ledger
from truce.exchange.plan import Plan
from truce.exchange.planner import plan_exchange
from truce.io.agreement_files import load_release_log
from truce.model.checks import build_scenario
from truce.model.compiled import OPEN, Compiled, compile_scenario
from truce.model.scenario import Proposal, Reading, Scenario
from truce.service.auth import Role, Viewer
from truce.service.schemas import BallotView, Package
from truce.store.repo import NotFound, Store


@dataclass(frozen=True)
class State:
    """The talks as they stand: the scenario built from the latest versions, and those versions."""

    data: dict[str, Any]
    scenario: Scenario
    compiled: Compiled
    versions: dict[str, int]  # proposal id -> latest version


def load(store: Store, talks_id: str) -> State:
    data = store.scenario_data(talks_id)
    scenario = build_scenario(data)
    return State(data, scenario, compile_scenario(scenario), store.proposal_versions(talks_id))


def visible_parties(state: State, viewer: Viewer) -> list[str]:
    """The parties with preferences whose standing this viewer may see."""
    return [p for p in state.compiled.parties if viewer.may_see_party(p)]


def _r(x: float) -> float:
    return round(x, 6)


def public_frame(state: State) -> dict[str, Any]:
    s = state.scenario
    return {
        "id": s.id,
        "title": s.title,
        "description": s.description,
        "assumptions": s.assumptions,
        "parties": [{"id": p.id, "name": p.name, "role": p.role.value} for p in s.parties],
        "issues": [
            {
                "id": i.id,
                "name": i.name,
                "kind": i.kind.value,
                "options": [{"id": o.id, "label": o.label} for o in i.options],
                "unit": i.unit,
                "min": i.min,
                "max": i.max,
                "step": i.step,
            }
            for i in s.issues
        ],
        "rounds": [
            {
                "id": r.id,
                "title": r.title,
                "start": r.start.isoformat(),
                "end": r.end.isoformat() if r.end else None,
                "venue": r.venue,
                "proposals": list(r.proposals),
            }
            for r in s.rounds
        ],
        "events": [{"date": e.date.isoformat(), "title": e.title, "summary": e.summary} for e in s.events],
    }


def proposal_summary(state: State, proposal: Proposal) -> dict[str, Any]:
    return {
        "id": proposal.id,
        "title": proposal.title,
        "tabled_by": list(proposal.tabled_by),
        "date": proposal.date.isoformat(),
        "venue": proposal.venue,
        "status": proposal.status.value,
        "parent": proposal.parent,
        "version": state.versions.get(proposal.id, 1),
    }


def proposal_view(state: State, viewer: Viewer, proposal_id: str) -> dict[str, Any]:
    """One proposal: the public record, its diff to its parent, and the standings this viewer may see."""
    s, c = state.scenario, state.compiled
    try:
        proposal = s.proposal(proposal_id)
    except KeyError:
        raise NotFound(f"no proposal {proposal_id!r}") from None
    seen = set(visible_parties(state, viewer))
    outcome = c.encode(s.terms_of(proposal.id))
    parent = s.proposal(proposal.parent) if proposal.parent else None
    changes = diff(s, parent, proposal, c) if parent else []
    standing = {st.party: standing_json(st) for st in standings(c, outcome) if st.party in seen} if c.parties else {}
    return {
        **proposal_summary(state, proposal),
        "lineage": [p.id for p in s.lineage(proposal.id)],
        "complete": bool((outcome != OPEN).all()),
        "own_terms": dict(proposal.terms),
        "terms": s.terms_of(proposal.id),
        "terms_text": {i: s.issue(i).label(t) for i, t in s.terms_of(proposal.id).items()},
        "responses": [
            {"party": r.party, "stance": r.stance.value, "date": r.date.isoformat() if r.date else None, "note": r.note}
            for r in proposal.responses
        ],
        "note": proposal.note,
        "standing": with_fragility(c, s.terms_of(proposal.id), standing),
        "changes_from_parent": [_filtered_change(change_json(ch), seen) for ch in changes],
        "package_rules": [rule_json(b) for b in rule_breaches(c, outcome)],
        "readings": [_reading(state, proposal, r, seen) for r in proposal.readings],
    }


def _reading(state: State, proposal: Proposal, reading: Reading, seen: set[str]) -> dict[str, Any]:
    """A reading of the text, with the standings under it of the parties this viewer may see."""
    s, c = state.scenario, state.compiled
    outcome = c.encode(s.terms_of(proposal.id, reading.id))
    return {
        "id": reading.id,
        "by": reading.by,
        "holder": holder_name(s, reading.by),
        "asserts": dict(reading.terms),
        "asserts_text": {i: f"{s.issue(i).name}: {s.issue(i).label(t)}" for i, t in reading.terms.items()},
        "note": reading.note,
        "sources": list(reading.sources),
        "standing": {st.party: standing_json(st) for st in standings(c, outcome) if st.party in seen}
        if c.parties
        else {},
        "package_rules": [rule_json(b) for b in rule_breaches(c, outcome)],
    }


def with_fragility(c: Compiled, terms: dict[str, Any], standing: dict[str, Any]) -> dict[str, Any]:
    """Each standing shown, with how fragile its verdict is (only for the parties already let through)."""
    shaky = {f.party: fragility_json(f) for f in fragility(c, c.encode(terms))} if standing else {}
    return {party: {**st, "fragility": shaky[party]} for party, st in standing.items()}


def _filtered_change(change: dict[str, Any], seen: set[str]) -> dict[str, Any]:
    change["effect"] = {p: v for p, v in change["effect"].items() if p in seen}
    return change


def standing_table(state: State, viewer: Viewer) -> dict[str, Any]:
    s, c = state.scenario, state.compiled
    seen = visible_parties(state, viewer)
    rows = []
    for proposal in s.proposals:
        outcome = c.encode(s.terms_of(proposal.id))
        rows.append(
            {
                "proposal": proposal.id,
                "standing": {st.party: standing_json(st) for st in standings(c, outcome) if st.party in seen},
            }
        )
    return {"parties": seen, "proposals": rows}


def export_data(state: State, viewer: Viewer) -> dict[str, Any]:
    """The scenario as a file would hold it, with only the preferences this viewer may see."""
    data = dict(state.data)
    data["preferences"] = {p: v for p, v in state.data.get("preferences", {}).items() if viewer.may_see_party(p)}
    return data


def frontier_view(state: State) -> dict[str, Any]:
    """Mediators only: the Pareto frontier, the solutions on it, and where each proposal stands."""
    c, s = state.compiled, state.scenario
    scope = default_scope(s)
    if not c.parties:
        return {"parties": [], "within": scope, "frontier": [], "solutions": {}, "proposals": []}
    scoped = within(c, scope)  # the frontier and solutions stay within the tabled terms where texts exist
    tabled = tabled_terms(s)
    front = pareto_frontier(scoped)
    solutions = solve_all(scoped)
    proposals = []
    for proposal in s.proposals:
        st = standings(c, c.encode(s.terms_of(proposal.id)))
        proposals.append(
            {
                "id": proposal.id,
                "low": {x.party: _r(x.low) for x in st},
                "high": {x.party: _r(x.high) for x in st},
            }
        )
    return {
        "parties": list(front.parties),
        "within": scope,
        "frontier": [
            {
                "terms": scoped.decode(row),
                "utilities": {p: _r(float(u)) for p, u in zip(front.parties, us, strict=True)},
            }
            for row, us in zip(front.outcomes, front.utilities, strict=True)
        ],
        "solutions": {
            name: None
            if sol is None
            else {
                "terms": scoped.decode(sol.outcome),
                "utilities": {p: _r(float(u)) for p, u in zip(sol.parties, sol.utilities, strict=True)},
                "untabled": list(tabled.untabled(scoped.decode(sol.outcome))),
            }
            for name, sol in solutions.items()
        },
        "proposals": proposals,
    }


def bridge_view(state: State, proposal_id: str, criterion: str, k: int) -> dict[str, Any]:
    """Mediators only: bridging suggestions from a proposal (they carry every party's gains)."""
    return bridge_json(bridge_proposal(state.compiled, proposal_id, criterion, k), proposal_id)


def checker(viewer: Viewer, keep: Callable[[tuple[Any, ...]], bool]) -> Callable[[dict[str, Any]], None]:
    """A check of a candidate scenario whose problems name only what the viewer sent: any other
    problem is reported without its text, so that no message quotes another party's preferences."""

    def check(data: dict[str, Any]) -> None:
        try:
            build_scenario(data)
        except InputError as exc:
            problems = [
                p if keep(p.path) or viewer.role == Role.mediator else Problem("the edit conflicts with the talks")
                for p in exc.problems
            ]
            raise InputError(problems) from None

    return check


# ----------------------------------------------------------------------------------------------
# blind acceptance


def sides(state: State) -> list[str]:
    """The parties that answer a ballot: the sides (role ``party``)."""
    return [p.id for p in state.scenario.parties if p.role.value == "party"]


def publish_ballot(store: Store, state: State, body: Any, viewer: Viewer) -> int:
    if body.packages is not None and body.from_proposal is not None:
        raise InputError([Problem("give packages or from_proposal, not both", ("packages",))])
    if body.packages is not None:
        packages = [dict(p) for p in body.packages]
    elif body.from_proposal is not None:
        result = bridge_proposal(state.compiled, body.from_proposal, body.criterion, body.k)
        packages = [dict(b.terms) for b in result.bridges]
    else:
        raise InputError([Problem("give packages or from_proposal", ("packages",))])
    if not packages:
        raise InputError([Problem("no packages to publish (no bridging suggestion found)", ("packages",))])
    c = state.compiled
    for n, terms in enumerate(packages):
        try:
            reference_row(c, terms)
        except InputError:
            raise InputError([Problem("not a valid package for these talks", ("packages", n))]) from None
    parties = sides(state)
    if not parties:
        raise InputError([Problem("these talks have no sides to answer", ())])
    return store.create_ballot(state.scenario.id, body.title, [{"terms": t} for t in packages], parties, viewer.label)


def record_mark(store: Store, ballot: Any, accepted: list[int], viewer: Viewer) -> None:
    packages = json.loads(ballot.packages)
    parties = json.loads(ballot.parties)
    if viewer.party not in parties:
        from truce.service.auth import Forbidden

        raise Forbidden()
    bad = [i for i in accepted if not 0 <= i < len(packages)]
    if bad:
        raise InputError([Problem(f"no package {bad[0]} (there are {len(packages)})", ("accepted",))])
    store.put_mark(ballot.talks_id, ballot.number, str(viewer.party), accepted, viewer.label)


def ballot_view(store: Store, state: State, ballot: Any, viewer: Viewer) -> BallotView:
    """A ballot as this viewer may see it: the packages, the viewer's own marks, and the overlap only
    once every party has answered. Nothing else about anyone's marks (not even who has answered)."""
    packages = json.loads(ballot.packages)
    parties = json.loads(ballot.parties)
    marks = store.marks(ballot.talks_id, ballot.number)
    revealed = all(p in marks for p in parties)
    overlap = sorted(set.intersection(*(set(marks[p]) for p in parties))) if revealed else None
    mine = marks.get(viewer.party) if viewer.role == Role.party and viewer.party else None
    return BallotView(
        number=ballot.number,
        title=ballot.title,
        created_at=ballot.created_at,
        packages=[
            Package(index=i, terms=p["terms"], text=_terms_text(state.scenario, p["terms"]))
            for i, p in enumerate(packages)
        ],
        status="revealed" if revealed else "waiting",
        answered=(mine is not None) if viewer.role == Role.party else None,
        my_marks=mine,
        overlap=overlap,
    )


def _terms_text(scenario: Scenario, terms: dict[str, Any]) -> dict[str, str]:
    out = {}
    for issue_id, term in terms.items():
        try:
            out[issue_id] = f"{scenario.issue(issue_id).name}: {scenario.issue(issue_id).label(term)}"
        except (KeyError, ValueError):
            out[issue_id] = f"{issue_id}: {term}"
    return out


# ----------------------------------------------------------------------------------------------
# the exchange agreement (public record): plan and ledger


@dataclass(frozen=True)
class Exchange:
    version: int
    agreement: Agreement
    plan: Plan
    ledger: Ledger | None


def read_exchange(agreement: dict[str, Any], release_log: str) -> tuple[Agreement, list[Event] | None]:
    """The agreement and its release log, checked as ``truce exchange`` checks files."""
    a = build_agreement(agreement)
    if not release_log.strip():
        return a, None
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "release-log.csv"
        path.write_text(release_log, encoding="utf-8")
        try:
            return a, load_release_log(path, a)
        except InputError as exc:
            raise InputError(
                [Problem(p.message, ("release_log", p.line or 0), None, p.line, p.column) for p in exc.problems]
            ) from None


def exchange_view(store: Store, talks_id: str) -> Exchange:
    found = store.exchange(talks_id)
    if found is None:
        raise NotFound("no exchange agreement for these talks")
    version, agreement, release_log = found
    a, events = read_exchange(agreement, release_log)
    return Exchange(version, a, plan_exchange(a), keep_ledger(a, events) if events is not None else None)
