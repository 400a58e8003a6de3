"""What each viewer may see: the library's results, filtered by role.

A party sees its own preferences and standing and nobody else's; an observer sees the public record
(parties, issues, proposals, their lineage and diffs, rounds, events) and nothing derived from anyone's
preferences; a mediator sees everything. Every function here takes the viewer and filters before
anything leaves it, so routes and pages cannot forget to.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import hashlib
import json
import random
import secrets
import threading
import weakref
from collections.abc import Callable, Collection
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from truce.analysis.bargaining import bargaining, bargaining_json
from truce.analysis.bridge import bridge_json, bridge_proposal, criterion_keys, reference_row
from truce.analysis.delay import DEFAULT_DELAY_DAYS, cost_of_no_deal, series_cost_json
from truce.analysis.diff import diff
from truce.analysis.fragility import fragility, fragility_json
from truce.analysis.home import home_json, home_standings
from truce.analysis.overview import change_json, standing_json
from truce.analysis.rules import rule_breaches, rule_json
from truce.analysis.standing import standings
from truce.analysis.tabled import default_scope, holder_name
from truce.analysis.timeline import STANCE_WORDS, entry_json, speaker_name, statements_about, timeline
from truce.errors import InputError, Problem
from truce.exchange.ledger import Ledger, keep_ledger
from truce.exchange.planner import plan_exchange
from truce.io.agreement_files import log_days, read_release_log
from truce.model.checks import build_checked, build_scenario, check_scenario, dated_after
from truce.model.compiled import OPEN, Compiled, compile_scenario
from truce.model.exchange import Agreement, Event, Plan, build_agreement
from truce.model.scenario import Proposal, Reading, Scenario
from truce.service.auth import Role, Viewer
from truce.service.cache import LRU, Memo
from truce.service.jobs import Job, jobs_of
from truce.service.schemas import BallotReference, BallotView, Package, TextShown
from truce.store.models import Person
from truce.store.repo import BallotContent, NotFound, Store, ballot_content


@dataclass(frozen=True)
class State:
    """The talks as they stand: the scenario built from the latest versions, and those versions. One State
    is built per version of the talks and shared by every request (read-only); what is derived from it is
    made once, in ``memo``."""

    data: dict[str, Any]
    scenario: Scenario
    compiled: Compiled
    versions: dict[str, int]  # proposal id -> latest version
    version: int = 0  # the talks' version (see Store.talks_version)
    memo: Memo = field(default_factory=Memo, compare=False, repr=False)


TALKS_CACHED = 16  # versions of talks kept built (each holds its scenario, compiled arrays and analyses)
PLANS_CACHED = 16  # exchange plans kept, by agreement


@dataclass
class Caches:
    talks: LRU[tuple[str, int | None], State]
    exchanges: LRU[tuple[str, int], Exchange]
    plans: LRU[str, Plan]
    # the scenario built and compiled, and what is derived from it, by the scenario's digest: a write that
    # leaves the scenario as it was (a ballot, a mark, a release, a person) starts a new version of the
    # talks but keeps all of these
    built: LRU[str, tuple[Scenario, Compiled, Memo]] = field(default_factory=lambda: LRU(TALKS_CACHED))


_caches: weakref.WeakKeyDictionary[Store, Caches] = weakref.WeakKeyDictionary()
_caches_lock = threading.Lock()


def caches(store: Store) -> Caches:
    """The caches of one store (one per database, so two stores never share results)."""
    with _caches_lock:
        found = _caches.get(store)
        if found is None:
            found = _caches[store] = Caches(LRU(TALKS_CACHED), LRU(TALKS_CACHED), LRU(PLANS_CACHED))
        return found


def load(store: Store, talks_id: str) -> State:
    """The talks as they stand, built once per version (a lookup of the version, then the cache)."""
    return caches(store).talks.get((talks_id, store.talks_version(talks_id)), lambda: build(store, talks_id))


def build(store: Store, talks_id: str) -> State:
    version, data, versions = store.snapshot(talks_id)
    digest = hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()

    def make() -> tuple[Scenario, Compiled, Memo]:
        scenario = build_scenario(data)
        return scenario, compile_scenario(scenario), Memo()

    scenario, compiled, memo = caches(store).built.get(digest, make)
    return State(data, scenario, compiled, versions, version, memo)


def warm(store: Store) -> None:
    """Build every set of talks and solve their exchange plans now (at start), so that no reader waits."""
    from truce.service.charts import frontier_page_data
    from truce.service.pages import compile_templates
    from truce.service.pages_exchange import charts, figures_of

    compile_templates()  # the first readers of each page would otherwise compile its template, all at once
    for talks in store.talks():
        frontier_page_data(load(store, talks.id))  # the frontier and its chart, drawn once per version
        with contextlib.suppress(NotFound):
            x = exchange_view(store, talks.id)
            figures_of(store).get((talks.id, x.version), functools.partial(charts, x))


def visible_parties(state: State, viewer: Viewer) -> list[str]:
    """The parties with preferences whose standing this viewer may see."""
    return [p for p in state.compiled.parties if viewer.may_see_party(p)]


def resting_on(state: State, viewer: Viewer) -> dict[str, Any]:
    """What every utility a page shows this viewer rests on, said where the numbers are, as the command line
    and the brief say it: whose preferences (of those the viewer may see) are assumptions rather than the
    parties' own, and whose home must ratify (a package counts only if it does)."""
    c, s = state.compiled, state.scenario
    names = {p.id: p.name for p in s.parties}
    seen = visible_parties(state, viewer)
    homes = [h for h in c.homes if c.parties[h.party] in seen]
    return {
        "assumed": [names[p] for p in s.assumed(seen)],
        "homes": [f"{names[c.parties[h.party]]} ({h.rule}, {len(h.members)} constituents)" for h in homes],
    }


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
    try:
        proposal = state.scenario.proposal(proposal_id)
    except KeyError:
        raise NotFound(f"no proposal {proposal_id!r}") from None
    whole = state.memo.get(("proposal", proposal.id), lambda: _proposal_whole(state, proposal))
    seen = set(visible_parties(state, viewer))
    return {
        **whole,
        # the memo serves every version whose data are the same (a text saved again unchanged): the number is now's
        "version": state.versions.get(proposal.id, 1),
        "standing": _only(all_standings(state).get(proposal.id, {}), seen),
        "changes_from_parent": [_filtered_change(change, seen) for change in whole["changes_from_parent"]],
        # ratification at home reads a party's constituents: shown only to whoever may see that party
        "ratification": [h for h in whole["ratification"] if h["party"] in seen],
        "readings": [{**r, "standing": _only(r["standing"], seen)} for r in whole["readings"]],
    }


def _proposal_whole(state: State, proposal: Proposal) -> dict[str, Any]:
    """A proposal's view with every party's effects, standings and ratification: made once per version, and
    never shown as it is (:func:`proposal_view` keeps what the viewer may see; nobody changes it)."""
    s, c = state.scenario, state.compiled
    outcome = c.encode(s.terms_of(proposal.id))
    parent = s.proposal(proposal.parent) if proposal.parent else None
    changes = diff(s, parent, proposal, c) if parent else []
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
        "changes_from_parent": [change_json(ch) for ch in changes],
        "package_rules": [rule_json(b) for b in rule_breaches(c, outcome)],
        "ratification": [home_json(h) for h in home_standings(c, outcome)],
        "readings": [_reading(state, proposal, r) for r in proposal.readings],
        "statements": [
            {
                "id": st.id,
                "date": st.date.isoformat(),
                "speaker": speaker_name(s, st),
                "stance": st.stance.value,
                "stance_text": STANCE_WORDS[st.stance],
                "quote": st.quote,
                "note": st.note,
                "sources": list(st.sources),
            }
            for st in statements_about(s, proposal.id)
        ],
    }


def record_view(state: State) -> dict[str, Any]:
    """The record in date order and the cost of no deal: public record only (no preferences are read), so
    the same for every role."""

    def make() -> dict[str, Any]:
        s = state.scenario
        return {
            "timeline": [entry_json(e) for e in timeline(s)],
            "delay_days": DEFAULT_DELAY_DAYS,
            "cost_of_no_deal": [series_cost_json(c) for c in cost_of_no_deal(s, DEFAULT_DELAY_DAYS)],
        }

    return state.memo.get("record", make)


def _reading(state: State, proposal: Proposal, reading: Reading) -> dict[str, Any]:
    """A reading of the text, with every party's standing under it and how fragile that is, as ``truce
    analyze`` gives them (filtered by :func:`proposal_view`)."""
    s, c = state.scenario, state.compiled
    outcome = c.encode(s.terms_of(proposal.id, reading.id))
    stands = standings(c, outcome) if c.parties else []
    return {
        "id": reading.id,
        "by": reading.by,
        "holder": holder_name(s, reading.by),
        "asserts": dict(reading.terms),
        "asserts_text": {i: f"{s.issue(i).name}: {s.issue(i).label(t)}" for i, t in reading.terms.items()},
        "note": reading.note,
        "sources": list(reading.sources),
        "standing": {
            st.party: {**standing_json(st), "fragility": fragility_json(f)}
            for st, f in zip(stands, fragility(c, outcome, stands), strict=True)
        },
        "package_rules": [rule_json(b) for b in rule_breaches(c, outcome)],
    }


def _only(by_party: dict[str, Any], seen: set[str]) -> dict[str, Any]:
    return {party: v for party, v in by_party.items() if party in seen}


def _filtered_change(change: dict[str, Any], seen: set[str]) -> dict[str, Any]:
    return {**change, "effect": _only(change["effect"], seen)}


def all_standings(state: State) -> dict[str, dict[str, dict[str, Any]]]:
    """Every proposal's standing for every party (proposal id -> party -> standing), made once per version;
    callers filter it by viewer and must not change it."""

    def make() -> dict[str, dict[str, dict[str, Any]]]:
        s, c = state.scenario, state.compiled
        if not c.parties:
            return {p.id: {} for p in s.proposals}
        table = {}
        for p in s.proposals:
            outcome = c.encode(s.terms_of(p.id))
            stands = standings(c, outcome)
            table[p.id] = {
                st.party: {**standing_json(st), "fragility": fragility_json(f)}
                for st, f in zip(stands, fragility(c, outcome, stands), strict=True)
            }
        return table

    return state.memo.get("standings", make)


def standing_table(state: State, viewer: Viewer) -> dict[str, Any]:
    seen = visible_parties(state, viewer)
    table = all_standings(state)
    rows = [
        {"proposal": p.id, "standing": {party: v for party, v in table[p.id].items() if party in seen}}
        for p in state.scenario.proposals
    ]
    return {"parties": seen, "proposals": rows}


def export_data(state: State, viewer: Viewer) -> dict[str, Any]:
    """The scenario as a file would hold it, with only what this viewer may see (:func:`visible_data`)."""
    return visible_data(state.data, viewer)


def visible_data(talks: dict[str, Any], viewer: Viewer) -> dict[str, Any]:
    """Scenario data with only the preferences this viewer may see: the course's shocks that shift a hidden
    party's reservation value or cost of delay are left out too (their figures and their basis are assumptions
    about that party's preferences).

    Anyone but a mediator gets the sources cited by what it gets, and no other: a source cited only in another
    side's preferences says what that side rests them on. One cited by nothing is left out as well: shown
    until a side cited it privately, its going would tell the other side as much."""
    data = dict(talks)
    data["preferences"] = {p: v for p, v in talks.get("preferences", {}).items() if viewer.may_see_party(p)}
    course = data.get("course")
    if isinstance(course, dict) and course.get("shocks"):
        data["course"] = {**course, "shocks": [s for s in course["shocks"] if _shock_visible(s, viewer)]}
    if viewer.role != Role.mediator and isinstance(data.get("sources"), dict):
        cited = cited_sources({k: v for k, v in data.items() if k != "sources"})
        data["sources"] = {sid: source for sid, source in data["sources"].items() if sid in cited}
    return data


def citable_sources(talks: dict[str, Any], viewer: Viewer) -> set[str]:
    """The sources ``viewer`` may cite in what it writes: those it sees (:func:`visible_data`). Were another
    accepted, a side could learn that a source it does not see exists, and, citing it in the public record,
    read it in its export."""
    return set(visible_data(talks, viewer).get("sources") or {})


def hidden_sources(talks: dict[str, Any], viewer: Viewer) -> set[str]:
    """The sources the talks hold that ``viewer`` does not see in them (:func:`citable_sources`): what it writes
    is checked as if the talks did not hold them (:func:`checker`)."""
    return set(talks.get("sources") or {}) - citable_sources(talks, viewer)


# tables keyed by the ids of issues, options or parties: a key there that reads "sources" cites nothing
_ID_KEYED = frozenset({"terms", "never", "weights", "values", "reservation", "cost_of_delay"})


def cited_sources(data: Any) -> set[str]:
    """Every id scenario data cite a source by: in a ``sources`` list, a series point's ``source`` and a
    reading's ``by`` (a reading may be a source's; a party id found there matches no source)."""
    return {sid for sid, _ in _citations(data, (), by=True)}


def _citations(data: Any, where: tuple[str | int, ...], by: bool = False) -> list[tuple[str, tuple[str | int, ...]]]:
    """Each source id ``data`` cite, with where (``sources`` lists and a series point's ``source``; with ``by``, a
    reading's holder too)."""
    found: list[tuple[str, tuple[str | int, ...]]] = []
    stack: list[tuple[Any, tuple[str | int, ...]]] = [(data, where)]
    while stack:
        item, path = stack.pop()
        if isinstance(item, list):
            stack.extend((v, (*path, k)) for k, v in enumerate(item))
        elif isinstance(item, dict):
            for key, value in item.items():
                if key == "sources" and isinstance(value, list):
                    found += [(v, (*path, key, k)) for k, v in enumerate(value) if isinstance(v, str)]
                elif (key == "source" or (by and key == "by")) and isinstance(value, str):
                    found.append((value, (*path, key)))
                elif key not in _ID_KEYED:
                    stack.append((value, (*path, key)))
    return found


def export_scope(viewer: Viewer) -> tuple[str, ...]:
    """What decides what :func:`export_data` keeps for a viewer, as a key to remember what is made from it by: the
    role, and the side a party speaks for. (The parties whose preferences the viewer sees are not enough: a
    mediator and a side see the same preferences while the other side has entered none, but not the same
    shocks.)"""
    return (viewer.role.value, viewer.party or "")


def _shock_visible(shock: dict[str, Any], viewer: Viewer) -> bool:
    return all(viewer.may_see_party(p) for p in (*shock.get("reservation", {}), *shock.get("cost_of_delay", {})))


def frontier_view(state: State) -> dict[str, Any]:
    """Mediators only: the Pareto frontier, the solutions on it, and where each proposal stands (made once
    per version; callers must not change it)."""
    return state.memo.get("frontier", lambda: _frontier(state))


def _frontier(state: State) -> dict[str, Any]:
    c, s = state.compiled, state.scenario
    scope = default_scope(s)
    if not c.parties:
        empty = {"parties": [], "preferences_assumed_for": [], "precision": 0.0, "frontier": [], "solutions": {}}
        return {**empty, "within": scope, "proposals": []}
    # the same document as `truce frontier --json` (one schema), without the ZOPA count: a page must not wait on it
    return bargaining_json(bargaining(c, count_zopa=False, scope=scope))


def bridge_view(state: State, proposal_id: str, criterion: str, k: int, reading: str | None = None) -> dict[str, Any]:
    """Mediators only: bridging suggestions from a proposal as tabled, or as one of its readings reads it (they
    carry every party's gains; the answer names the reading, which is one side's account, not the text). The
    same document as ``truce bridge --from ID[@READING] --json``. Made once per version and question; callers
    must not change it."""

    def make() -> dict[str, Any]:
        found = bridge_proposal(state.compiled, proposal_id, criterion, k, reading=reading)
        return bridge_json(found, proposal_id if reading is None else f"{proposal_id}@{reading}")

    if proposal_id not in state.versions:  # only tabled proposals are remembered: the memo stays bounded
        return make()
    return state.memo.get(("bridge", proposal_id, reading, criterion, k), make)


def tabled_proposal(state: State, proposal_id: str, where: tuple[str | int, ...]) -> str:
    """``proposal_id`` if the talks hold that proposal; else bad input located at ``where``, the field the
    sender named it in (the library's own check locates it in the talks' ``proposals``, a field no request
    has). Checked before any search starts, so a wrong name starts none."""
    ids = [p.id for p in state.scenario.proposals]
    if proposal_id not in ids:
        known = ", ".join(ids) or "(none)"
        raise InputError([Problem(f"no proposal {proposal_id!r} (expected one of {known})", where)])
    return proposal_id


def recorded_reading(state: State, proposal_id: str, reading: str | None, where: tuple[str | int, ...]) -> str | None:
    """``reading`` if it is one of the (known) proposal's readings, or None for the text as tabled; else bad
    input located at ``where``, naming the readings the text has. Readings are the public record: whoever may
    bridge may bridge from any of them."""
    if reading is None:
        return None
    known = [r.id for r in state.scenario.proposal(proposal_id).readings]
    if reading not in known:
        expected = f"expected one of {', '.join(known)}" if known else "it has none: leave the reading out"
        raise InputError([Problem(f"no reading {reading!r} of {proposal_id!r} ({expected})", where)])
    return reading


def readings_offered(state: State, proposal_id: str) -> list[dict[str, str]]:
    """The readings of a text a bridge may start from, each with whose it is: ``[{"id", "holder"}]``."""
    proposal = state.scenario.proposal(proposal_id)
    return [{"id": r.id, "holder": holder_name(state.scenario, r.by)} for r in proposal.readings]


def bridge_job(store: Store, state: State, proposal_id: str, criterion: str, k: int, reading: str | None = None) -> Job:
    """:func:`bridge_view` as a job on the store's job threads: one search per version and question, joined
    by whoever asks it again while it runs (the bridging page, the API, a ballot or a draft made from it)."""
    work = functools.partial(bridge_view, state, proposal_id, criterion, k, reading)
    key = ("bridge", state.scenario.id, state.version, proposal_id, reading, criterion, k)
    return jobs_of(store).submit(key, work)


AGREED = ("accepted", "agreed")  # statuses that say the sides took the text


def unsupported_status(scenario: dict[str, Any], proposal: dict[str, Any]) -> str | None:
    """Why ``proposal``'s status is not supported by the recorded responses (None if it is).

    A text is ``accepted`` or ``agreed`` only when every side has taken it: by a recorded ``accepted``
    response, or by tabling it and recording nothing else; it stays ``rejected`` on a side's rejection only
    while some side's latest response is one. The status is a summary of the responses, never a claim one
    side makes for the other, nor one an answer since has overtaken. (``scenario`` and ``proposal`` are valid
    data; a side's latest response is the last of its responses in the list, the one it recorded last.)"""
    status = proposal.get("status", "tabled")
    latest = {r["party"]: r["stance"] for r in proposal.get("responses", [])}  # a later response overrides
    if status == "rejected":
        return _unsupported_rejection(proposal, latest)
    if status not in AGREED:
        return None
    for side in (p["id"] for p in scenario["parties"] if p.get("role", "party") == "party"):
        stance = latest.get(side)
        if stance is None and side not in proposal.get("tabled_by", []):
            return f"status {status!r} needs every side's acceptance; {side} has recorded no response"
        if stance is not None and stance != "accepted":
            return f"status {status!r} needs every side's acceptance; {side}'s recorded response is {stance!r}"
    return None


def _unsupported_rejection(proposal: dict[str, Any], latest: dict[str, str]) -> str | None:
    """Why a text's status ``rejected`` rests on a rejection no side holds now (None if it does not): a side
    that rejected it answered again, and no side's latest response is a rejection. A rejected status with no
    rejection among the responses is the record's word, and stands."""
    rejected_by = [r["party"] for r in proposal.get("responses", []) if r["stance"] == "rejected"]
    if not rejected_by or "rejected" in latest.values():
        return None
    side = rejected_by[-1]
    return f"status 'rejected' needs a side's rejection; {side}'s latest response is {latest[side]!r}"


def checker(
    viewer: Viewer, keep: Callable[[tuple[Any, ...]], bool], hidden: Collection[str] = ()
) -> Callable[[dict[str, Any]], Scenario]:
    """A check of a candidate scenario whose problems name only what the viewer sent: any other
    problem is reported without its text, so that no message quotes another party's preferences. It gives the
    scenario checked, for rules that read it further. A source in ``hidden`` (:func:`hidden_sources`) is checked
    as one the talks do not hold where the viewer writes (``keep``), so that citing it is refused with the same
    words, beside the same other problems, as citing one never recorded."""

    def check(data: dict[str, Any]) -> Scenario:
        try:
            if not hidden:
                return build_scenario(data)
            return build_checked(Scenario, data, "scenario", lambda s: _problems_as_seen(s, data, keep, set(hidden)))
        except InputError as exc:
            problems = [
                p if keep(p.path) or viewer.role == Role.mediator else Problem("the edit conflicts with the talks")
                for p in exc.problems
            ]
            raise InputError(problems) from None

    return check


def _problems_as_seen(
    s: Scenario, data: dict[str, Any], keep: Callable[[tuple[Any, ...]], bool], hidden: set[str]
) -> list[Problem]:
    """The scenario's problems with the ``hidden`` sources left out of its table, less those it then finds where
    others cite them (outside ``keep``): there they are held, and no problem of the writer's."""
    shown = s.model_copy(update={"sources": {k: v for k, v in s.sources.items() if k not in hidden}})
    return [
        p
        for p in check_scenario(shown)
        if keep(p.path) or not (p.message.startswith("unknown") and _value_at(data, p.path) in hidden)
    ]


def _value_at(data: Any, path: tuple[Any, ...]) -> Any:
    """What ``data`` hold at ``path`` (None where nothing is)."""
    for part in path:
        try:
            data = data[part]
        except (KeyError, IndexError, TypeError):
            return None
    return data if isinstance(data, str) else None


# ----------------------------------------------------------------------------------------------
# blind acceptance


def sides(state: State) -> list[str]:
    """The parties that answer a ballot: the sides (role ``party``)."""
    return [p.id for p in state.scenario.parties if p.role.value == "party"]


def publish_ballot(store: Store, state: State, body: Any, viewer: Viewer) -> int:
    """Publish packages in an order that carries no information: shuffled with a fresh seed, which is
    recorded with the ballot together with the (never shown) ranking by the ballot's criterion."""
    if body.packages is not None and body.from_proposal is not None:
        raise InputError([Problem("give packages or from_proposal, not both", ("packages",))])
    if body.reading is not None and body.from_proposal is None:
        raise InputError([Problem("a reading is of the text bridges start from: give from_proposal", ("reading",))])
    if body.packages is not None:
        packages = [dict(p) for p in body.packages]
    elif body.from_proposal is not None:
        # best first; the order and the gains would tell each side about the other's preferences
        result = ballot_bridges(store, state, body).result()
        packages = [dict(b["terms"]) for b in result["bridges"]]
    else:
        raise InputError([Problem("give packages or from_proposal", ("packages",))])
    if not packages:
        raise InputError([Problem("no packages to publish (no bridging suggestion found)", ("packages",))])
    _distinct_packages(state.compiled, packages)
    c = state.compiled
    parties = sides(state)
    if not parties:
        raise InputError([Problem("these talks have no sides to answer", ())])
    # packages given are shown against the text named; bridges against what they start from, a reading named so
    reading = None if body.reference is not None else body.reading
    reference = _reference(state, body.reference or body.from_proposal, reading)
    if reference is not None and reading is None and body.reading is not None:
        # shown against the text named, the bridges still start from one side's account: the ballot says so
        bridged = _reference(state, body.from_proposal, body.reading) or {}
        reference["bridged_from"] = {k: bridged.get(k) for k in ("proposal", "title", "reading", "holder")}
    seed = secrets.randbits(63)
    order = list(range(len(packages)))
    random.Random(seed).shuffle(order)
    published = [{"terms": packages[i]} for i in order]
    return store.create_ballot(
        state.scenario.id,
        body.title,
        published,
        parties,
        viewer.label,
        criterion=body.criterion,
        seed=seed,
        ranking=rank_packages(c, published, body.criterion),
        reference=reference,
    )


def ballot_bridges(store: Store, state: State, body: Any) -> Future[dict[str, Any]]:
    """The bridges a ballot publishes (``body.from_proposal``, as ``body.reading`` reads it if given), searched
    as the bridging page searches them: on the jobs' threads, joining the page's search of the same question or
    reusing its result for this version. Bad names are refused, located, before any search starts."""
    start = tabled_proposal(state, body.from_proposal, ("from_proposal",))
    reading = recorded_reading(state, start, body.reading, ("reading",))
    return bridge_job(store, state, start, str(body.criterion), body.k, reading).future


def _distinct_packages(c: Compiled, packages: list[dict[str, Any]]) -> None:
    """Refuse a package that is not one of these talks, or one published twice: a side marking one copy and
    the other side the other would be told that no package was marked by every party."""
    first: dict[tuple[int, ...], int] = {}
    for n, terms in enumerate(packages):
        try:
            row = tuple(int(k) for k in reference_row(c, terms))
        except InputError:
            raise InputError([Problem("not a valid package for these talks", ("packages", n))]) from None
        if row in first:
            raise InputError([Problem(f"the same package as packages[{first[row]}]", ("packages", n))])
        first[row] = n


def _reference(state: State, proposal_id: str | None, reading: str | None = None) -> dict[str, Any] | None:
    """The text a ballot's packages are shown against, as it stands now (a later version of it does not
    change what the parties were shown), or as one of its readings reads it: then the reading and whose it is
    are kept with it, so that the ballot never shows one side's account as the text."""
    if proposal_id is None:
        return None
    try:
        proposal = state.scenario.proposal(proposal_id)
    except KeyError:
        raise InputError([Problem(f"no proposal {proposal_id!r}", ("reference",))]) from None
    found = {"proposal": proposal.id, "title": proposal.title, "terms": state.scenario.terms_of(proposal.id, reading)}
    if reading is None:
        return found
    by = next(r.by for r in proposal.readings if r.id == reading)
    return {**found, "reading": reading, "holder": holder_name(state.scenario, by)}


def rank_packages(c: Compiled, packages: list[dict[str, Any]], criterion: str) -> list[int]:
    """Package indices best first by a bargaining criterion (:func:`truce.analysis.bridge.criterion_keys`)
    over what each package guarantees every party: its utility in the package's worst completion, so that
    a package leaving an issue open is not ranked on terms it does not hold. Ties keep the published order."""
    if not c.parties or not packages:
        return list(range(len(packages)))
    guaranteed = np.array(
        [[st.low for st in standings(c, reference_row(c, p["terms"]))] for p in packages], dtype=float
    )
    keys = criterion_keys(c, guaranteed, criterion)
    return sorted(range(len(packages)), key=lambda i: (tuple(-x for x in keys[i]), i))


def record_mark(store: Store, ballot: Any, accepted: list[int], viewer: Viewer) -> None:
    packages = ballot_content(ballot).packages
    parties = json.loads(ballot.parties)
    if viewer.party not in parties:
        from truce.service.auth import Forbidden

        raise Forbidden()
    problems = _mark_problems(accepted, len(packages))
    if problems:
        raise InputError(problems)
    store.put_mark(ballot.talks_id, ballot.number, str(viewer.party), accepted, viewer.label)


def _mark_problems(accepted: list[int], count: int) -> list[Problem]:
    """What is wrong with a side's marks, each said as the ballot's page numbers its packages (Package 1 is index
    0): a mark naming no package, or one package twice (the page's form, unlike the API's body, may send that)."""
    numbered = "Package 1, index 0" if count == 1 else f"Packages 1 to {count}, indices 0 to {count - 1}"
    problems, seen = [], set()
    for k, index in enumerate(accepted):
        if not 0 <= index < count:
            problems.append(
                Problem(f"index {index} is no package: the ballot has {count} ({numbered})", ("accepted", k))
            )
        elif index in seen:
            problems.append(Problem(f"Package {index + 1} (index {index}) is marked twice", ("accepted", k)))
        seen.add(index)
    return problems


def revealed_package(state: State, ballot: Any, content: BallotContent, marks: dict[str, list[int]]) -> int | None:
    """The one package a complete ballot reveals: the best, by the ballot's criterion, of those every
    party marked; None when no package was marked by all. Nothing else about the marks comes out."""
    overlap = set.intersection(*(set(marks[p]) for p in json.loads(ballot.parties)))
    ranking = content.ranking
    if ranking is None:  # published before rankings were recorded: ranked on the talks as they stand
        key = ("ranking", ballot.number)
        ranking = state.memo.get(key, lambda: rank_packages(state.compiled, content.packages, content.criterion))
    return next((i for i in ranking if i in overlap), None)


def ballot_view(store: Store, state: State, ballot: Any, viewer: Viewer) -> BallotView:
    """A ballot as this viewer may see it: the packages (no scores, in their shuffled order), a party's own
    marks, who has answered (mediators only), and once every party has answered the one package revealed."""
    content = ballot_content(ballot)
    parties = json.loads(ballot.parties)
    marks = store.marks(ballot.talks_id, ballot.number)
    revealed = all(p in marks for p in parties)
    mine = marks.get(viewer.party) if viewer.role == Role.party and viewer.party else None
    return BallotView(
        number=ballot.number,
        title=ballot.title,
        created_at=ballot.created_at,
        reference=_shown(content.reference),
        packages=[
            Package(index=i, terms=p["terms"], text=_terms_text(state.scenario, p["terms"]))
            for i, p in enumerate(content.packages)
        ],
        status="revealed" if revealed else "waiting",
        answered=(mine is not None) if viewer.role == Role.party else None,
        answered_by=[p for p in parties if p in marks] if viewer.role == Role.mediator else None,
        my_marks=mine,
        chosen=revealed_package(state, ballot, content, marks) if revealed else None,
    )


def _shown(reference: dict[str, Any] | None) -> BallotReference | None:
    """What a ballot's packages are shown against, as kept with it: the text (or a side's reading of it), and the
    reading its bridges came from when that is another text's. Its terms are the packages' own business."""
    if reference is None:
        return None
    said = {k: reference.get(k) for k in ("proposal", "title", "reading", "holder")}
    bridged = reference.get("bridged_from")
    return BallotReference(**said, bridged_from=None if bridged is None else TextShown(**bridged))


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


def in_agreement(exc: InputError) -> InputError:
    """Problems of an agreement located in the body that sent it (``["agreement", "days"]``, not ``["days"]``);
    a problem naming no field stays where it is."""
    return InputError([Problem(p.message, ("agreement", *p.path) if p.path else ()) for p in exc.problems])


def read_exchange(agreement: dict[str, Any], release_log: str) -> tuple[Agreement, list[Event] | None]:
    """The agreement and its release log, checked as ``truce exchange`` checks files."""
    try:
        a = build_agreement(agreement)
    except InputError as exc:
        raise in_agreement(exc) from None
    if not release_log.strip():
        return a, None
    try:
        return a, read_release_log(release_log, a)
    except InputError as exc:
        raise InputError(
            [Problem(p.message, ("release_log", p.line or 0), None, p.line, p.column) for p in exc.problems]
        ) from None


def new_releases_dated(agreement: dict[str, Any], release_log: str, stored_log: str, today: dt.date) -> None:
    """Refuse a row of ``release_log`` that ``stored_log`` (the log as it stands) lacks on a day after
    ``today`` (422 on ``release_log`` and its line): a release log records what happened, as the exchange
    page's form does, and a day ahead is the plan's. Rows already stored stand, whatever their day; an
    agreement with no day one dates nothing. (Both are valid: :func:`read_exchange` has read them.)"""
    a = build_agreement(agreement)
    if a.day_one is None or not release_log.strip():
        return
    stored = {cells for _, _, cells in log_days(stored_log)} if stored_log.strip() else set()
    problems = []
    for line, day, cells in log_days(release_log):
        # a day one near the calendar's end must not overflow the date: past it, any day is ahead
        when = a.day_one + dt.timedelta(days=min(day - 1, (dt.date.max - a.day_one).days))
        late = None if cells in stored else dated_after(when, today, "a release is recorded once made", ())
        if late is not None:
            problems.append(Problem(f"day {day}, {late.message}", ("release_log", line), None, line, 1))
    if problems:
        raise InputError(problems)


def exchange_view(store: Store, talks_id: str) -> Exchange:
    """The exchange agreement, its plan and ledger, made once per version of the agreement. The plan is
    solved when the agreement is written (:func:`prepare_exchange`, outside the write's transaction) or at
    start (:func:`warm`), and then found by the agreement's digest: a page never waits for the solver
    unless the plan was dropped from the bounded cache."""
    found = store.exchange(talks_id)
    if found is None:
        raise NotFound("no exchange agreement for these talks")
    version, agreement, release_log = found

    def make() -> Exchange:
        a, events = read_exchange(agreement, release_log)
        plan = caches(store).plans.get(agreement_digest(agreement), lambda: plan_exchange(a))
        return Exchange(version, a, plan, keep_ledger(a, events) if events is not None else None)

    return caches(store).exchanges.get((talks_id, version), make)


def agreement_digest(agreement: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(agreement, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def prepare_exchange(store: Store, agreement: dict[str, Any], release_log: str) -> None:
    """Check an agreement and its release log as a write of them needs, and solve its plan: before the
    write, outside its transaction. An agreement no plan can meet is refused, its conflicting rules named."""
    a, _ = read_exchange(agreement, release_log)
    try:
        caches(store).plans.get(agreement_digest(agreement), lambda: plan_exchange(a))
    except InputError as exc:
        raise in_agreement(exc) from None


def visible_people(store: Store, viewer: Viewer, talks_id: str) -> list[Person]:
    """The people ``viewer`` may see: all of them for a mediator; for a side, those who act in its name (whoever
    holds such a token reads its preferences and its secret marks, so the side can see who does)."""
    return [p for p in store.people(talks_id) if viewer.role == Role.mediator or p.party == viewer.party]
