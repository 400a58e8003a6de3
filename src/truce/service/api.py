"""The JSON API. Each route admits the roles named in its ``access(...)`` and filters through
:mod:`truce.service.views`; the authorisation matrix test walks the OpenAPI document over every role."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import sys
from collections.abc import Callable, Coroutine
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Path, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException

from truce.analysis.bridge import Criterion
from truce.errors import InputError, Problem
from truce.model.checks import build_scenario, dated_ahead, today_anywhere
from truce.model.scenario import Scenario
from truce.service import schemas, views
from truce.service.auth import ALL, PUBLIC, Role, Viewer, access, current_viewer, fitted, http_error, store_dep
from truce.service.text_rules import (
    answered_change,
    answered_heirs,
    new_answers_dated,
    new_text_dated,
    party_may_write,
    party_write,
    status_unsupported,
)
from truce.store.models import Person
from truce.store.repo import NotFound, Store, Version, new_token


class UnreadableBody(HTTPException):
    """A JSON body Python's reader cannot read although it is JSON: an integer of more digits than Python
    converts (``sys.get_int_max_str_digits``), or nesting deeper than its recursion goes.

    FastAPI answers the error its JSON parsing raises with a bare 400 that names nothing; this names the
    field, as every other refusal does. An HTTPException because FastAPI lets those through as they are."""

    def __init__(self, message: str, where: list[str | int]) -> None:
        super().__init__(422, message)
        self.where = where


def long_integer_at(body: bytes) -> list[str | int] | None:
    """Where the first integer too long to convert stands in a JSON body (None: nowhere); a body that is not
    JSON past that integer raises json.JSONDecodeError, which FastAPI answers as any text that is not JSON."""
    limit, too_long = sys.get_int_max_str_digits(), object()

    def integer(digits: str) -> object:
        return too_long if limit and len(digits.lstrip("-")) > limit else int(digits)

    data = json.loads(body, parse_int=integer)
    stack: list[tuple[list[str | int], Any]] = [([], data)]
    while stack:
        path, value = stack.pop()
        if value is too_long:
            return path
        if isinstance(value, dict):
            stack.extend(([*path, k], v) for k, v in reversed(value.items()))
        elif isinstance(value, list):
            stack.extend(([*path, i], v) for i, v in reversed(list(enumerate(value))))
    return None


class _JsonRequest(Request):
    """A request whose JSON body, when Python cannot read it (an integer too long to convert, nesting too deep),
    says where the problem is."""

    async def json(self) -> Any:
        if not hasattr(self, "_json"):
            body = await self.body()
            try:
                self._json = schemas.read_json(body, "body")
            except json.JSONDecodeError:
                raise
            except schemas.BoundsError as exc:
                raise UnreadableBody(str(exc), list(exc.where)) from None
            except ValueError:
                where = long_integer_at(body)
                if where is None:
                    raise
                raise UnreadableBody("an integer of more digits than a number can hold", ["body", *where]) from None
        return self._json


class JsonRoute(APIRoute):
    """A route whose JSON body is read by :class:`_JsonRequest`."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def handle(request: Request) -> Response:
            return await handler(_JsonRequest(request.scope, request.receive))

        return handle


router = APIRouter(prefix="/api", route_class=JsonRoute)
ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": schemas.Message, "description": "not signed in"},
    403: {"model": schemas.Message, "description": "not for this role"},
    404: {"model": schemas.Message, "description": "no such thing"},
}
WRITE_ERRORS: dict[int | str, dict[str, Any]] = {
    **ERRORS,
    409: {"model": schemas.ConflictBody, "description": "made from a version that is no longer the latest"},
    422: {"model": schemas.BadInput, "description": "the edit would make the talks invalid"},
}


@router.get("/health", response_model=schemas.Health, **PUBLIC)
async def health() -> schemas.Health:  # a coroutine: it never waits in line for a worker thread
    return schemas.Health(status="ok")


@router.get("/me", response_model=schemas.Me, responses=ERRORS, **access(*ALL))
def me(viewer: Viewer = Depends(current_viewer)) -> schemas.Me:
    return schemas.Me(name=viewer.name, role=viewer.role.value, party=viewer.party, talks=viewer.talks_id)


@router.get("/talks", response_model=list[schemas.TalksItem], responses=ERRORS, **access(*ALL))
def talks_list(viewer: Viewer = Depends(current_viewer), store: Store = Depends(store_dep)) -> list[schemas.TalksItem]:
    talks = store.get_talks(viewer.talks_id)
    return [schemas.TalksItem(id=talks.id, title=talks.title)]


@router.post(
    "/talks", response_model=schemas.Imported, status_code=201, responses=WRITE_ERRORS, **access(Role.mediator)
)
def import_talks(
    scenario: Annotated[
        dict[str, Any],
        schemas.bounded("scenario", whole_body=True),
        Body(description="a scenario, as a scenario file holds it (JSON)"),
    ],
    viewer: Viewer = Depends(current_viewer),
    store: Store = Depends(store_dep),
) -> schemas.Imported:
    """Import a scenario as new talks, under an id of their own (the scenario's id and a random part, whatever
    talks exist); the answer carries it and a mediator's token for them."""
    s = build_scenario(scenario)
    ahead = list(dated_ahead(s, today_anywhere()))  # as an uploaded file's are: the same talks open either way
    if ahead:
        raise InputError(ahead)
    from truce.io.scenario_files import scenario_to_data

    token = new_token()
    talks_id = store.open_talks(
        scenario_to_data(s), viewer.label, (fitted(viewer.name, ")", "mediator (imported by "), token)
    )
    return schemas.Imported(id=talks_id, mediator_token=token)


@router.get("/talks/{talks_id}", response_model=schemas.Talks, responses=ERRORS, **access(*ALL))
def talks_view(talks_id: str, store: Store = Depends(store_dep)) -> schemas.Talks:
    """The public record: parties, issues, rounds, events, and the latest version of every proposal."""
    state = views.load(store, talks_id)
    return schemas.Talks(
        frame=views.public_frame(state),
        proposals=[views.proposal_summary(state, p) for p in state.scenario.proposals],
    )


@router.get("/talks/{talks_id}/export", response_model=dict[str, Any], responses=ERRORS, **access(*ALL))
def export(talks_id: str, viewer: Viewer = Depends(current_viewer), store: Store = Depends(store_dep)) -> Any:
    """The scenario as a file (JSON; ``truce validate`` reads it), with only the preferences you may see."""
    return views.export_data(views.load(store, talks_id), viewer)


@router.get(
    "/talks/{talks_id}/proposals/{proposal_id}", response_model=dict[str, Any], responses=ERRORS, **access(*ALL)
)
def proposal(
    talks_id: str, proposal_id: str, viewer: Viewer = Depends(current_viewer), store: Store = Depends(store_dep)
) -> Any:
    """A proposal, its diff to its parent, and each party's standing as far as you may see it."""
    return views.proposal_view(views.load(store, talks_id), viewer, proposal_id)


@router.put(
    "/talks/{talks_id}/proposals/{proposal_id}",
    response_model=schemas.Written,
    responses=WRITE_ERRORS,
    **access(Role.mediator, Role.party),
)
def put_proposal(
    talks_id: str,
    proposal_id: str,
    edit: schemas.ProposalEdit,
    viewer: Viewer = Depends(current_viewer),
    store: Store = Depends(store_dep),
) -> schemas.Written:
    """A new version of a proposal (version 0 tables a new one). A party edits only texts it tabled."""
    written = write_proposal(store, viewer, talks_id, proposal_id, edit.proposal, edit.version, edit.note)
    return schemas.Written(version=written)


# What one edit may add. Every write validates the whole scenario under the talks' lock, and every new version
# is built once for all readers: these keep one party from making either slow for everyone.
MAX_PROPOSALS = 2_000
PROPOSAL_LISTS = {"sources": 200, "responses": 50, "tabled_by": 20}
PREFERENCE_LISTS = {"sources": 200, "red_lines": 200}


def bounded(data: dict[str, Any], limits: dict[str, int], what: str) -> None:
    problems = [
        Problem(f"at most {limit} {key} (got {len(data[key])})", (what, key))
        for key, limit in limits.items()
        if isinstance(data.get(key), list) and len(data[key]) > limit
    ]
    if problems:
        raise InputError(problems)


def write_proposal(
    store: Store,
    viewer: Viewer,
    talks_id: str,
    proposal_id: str,
    data: dict[str, Any],
    version: int,
    note: str | None = None,
) -> int:
    """Write a proposal version as ``viewer``: the rules the API and the pages share. ``note`` (why this
    version, e.g. what a correction put right) is kept in the version's audit entry.

    Every rule that depends on the talks is checked inside the write, against the talks as they stand
    under the write's lock, never against an earlier read."""
    if data.get("id") != proposal_id:
        raise InputError([Problem("the proposal's id must be the one in the address", ("proposal", "id"))])
    bounded(data, PROPOSAL_LISTS, "proposal")
    if viewer.role == Role.party:  # before the store compares versions: a text not its own is a 403, not a 409
        made_from = made_from_version(store, talks_id, proposal_id, version)
        if version == 0 or made_from is not None:  # a version that does not exist is the store's 409
            party_may_write(viewer, data, made_from, views.load(store, talks_id).data)

    def ours(path: tuple[Any, ...]) -> bool:
        return len(path) >= 2 and path[0] == "proposals"

    def check(scenario: dict[str, Any], current: dict[str, Any] | None) -> None:
        if current is None and len(scenario["proposals"]) > MAX_PROPOSALS:
            raise InputError([Problem(f"these talks already hold {MAX_PROPOSALS} proposals", ("proposal",))])
        if viewer.role == Role.party:
            party_write(viewer, data, current, scenario)
        answered_change(data, current, note)
        new_text_dated(data, current)
        new_answers_dated(data, current)
        others = [p for p in scenario["proposals"] if p.get("id") != proposal_id]
        # the sources the writer saw before this edit: another it cites is unknown to it, as one never recorded
        hidden = views.hidden_sources({**scenario, "proposals": others + ([current] if current else [])}, viewer)
        validate = views.checker(viewer, ours, hidden)
        edited = next(i for i, p in enumerate(scenario["proposals"]) if p.get("id") == proposal_id)
        try:
            checked = validate(scenario)
        except InputError as exc:
            raise InputError([in_body(p, edited) for p in exc.problems]) from None
        answered_heirs(viewer, checked, scenario, current, note)
        status_unsupported(scenario, data, current)

    return store.put_proposal(talks_id, data, version, viewer.label, check, note)


def made_from_version(store: Store, talks_id: str, proposal_id: str, version: int) -> dict[str, Any] | None:
    """The text as it stood at ``version`` (None: a new text, or a version it never had)."""
    if version == 0:
        return None
    try:
        versions = store.proposal_history(talks_id, proposal_id)
    except NotFound:
        return None
    return next((v.data for v in versions if v.version == version), None)


def in_body(problem: Problem, edited: int) -> Problem:
    """A problem of the candidate scenario located in what was sent when it names something inside the edited
    text (``proposals[9].terms.aid_trucks`` is the body's ``proposal.terms.aid_trucks``), else as it was."""
    if problem.path[:2] != ("proposals", edited):
        return problem
    return dataclasses.replace(problem, path=("proposal", *problem.path[2:]))


@router.get(
    "/talks/{talks_id}/proposals/{proposal_id}/history",
    response_model=schemas.History,
    responses=ERRORS,
    **access(*ALL),
)
def proposal_history(talks_id: str, proposal_id: str, store: Store = Depends(store_dep)) -> schemas.History:
    """Every version of a proposal, each with what it changed against the one before."""
    state = views.load(store, talks_id)
    return schemas.History(
        id=proposal_id, versions=history(state.scenario, store.proposal_history(talks_id, proposal_id))
    )


def history(scenario: Scenario, versions: list[Version]) -> list[schemas.VersionItem]:
    out = []
    previous: dict[str, Any] = {}
    for v in versions:
        out.append(
            schemas.VersionItem(
                version=v.version,
                author=v.author,
                created_at=v.created_at,
                data=v.data,
                changes=version_changes(scenario, previous, v.data) if v.version > 1 else [],
                note=v.note,
            )
        )
        previous = v.data
    return out


def version_changes(scenario: Scenario, before: dict[str, Any], after: dict[str, Any]) -> list[dict[str, Any]]:
    """Field by field (and term by term for proposals), what a version changed. A text with no terms of its
    own (one that inherits them all) has no ``terms`` at all: it is compared term by term all the same."""
    changes: list[dict[str, Any]] = []
    for key in sorted(set(before) | set(after)):
        old, new = before.get(key), after.get(key)
        if key == "terms":
            old, new = old or {}, new or {}
        if old == new:
            continue
        if key == "terms" and isinstance(old, dict) and isinstance(new, dict):
            for issue in sorted(set(old) | set(new)):
                if old.get(issue) != new.get(issue):
                    changes.append({"field": f"terms.{issue}", "from": old.get(issue), "to": new.get(issue)})
                    changes[-1]["text"] = _term_text(scenario, issue, old.get(issue), new.get(issue))
        elif key in ("weights", "values") and isinstance(old, dict) and isinstance(new, dict):
            changes += _leaf_changes(key, old, new)  # the one value changed, not the whole table cut short
        elif key == "red_lines" and isinstance(old, list) and isinstance(new, list):
            changes += _list_changes(key, old, new)
        else:
            changes.append({"field": key, "from": old, "to": new, "text": f"{key}: {_short(old)} -> {_short(new)}"})
    return changes


def _leaf_changes(field: str, old: dict[str, Any], new: dict[str, Any]) -> list[dict[str, Any]]:
    """Each value a table of preferences changed (``values.rafah.israeli_control: 1.0 -> 0.9``), key by key."""
    changes: list[dict[str, Any]] = []
    for key in sorted(set(old) | set(new)):
        a, b, where = old.get(key), new.get(key), f"{field}.{key}"
        if a == b:
            continue
        if isinstance(a, dict) and isinstance(b, dict):
            changes += _leaf_changes(where, a, b)
        else:
            changes.append({"field": where, "from": a, "to": b, "text": f"{where}: {_short(a)} -> {_short(b)}"})
    return changes


def _list_changes(field: str, old: list[Any], new: list[Any]) -> list[dict[str, Any]]:
    """The entries a list (red lines) lost and gained, each whole, rather than both lists cut short."""
    removed = [x for x in old if x not in new]
    added = [x for x in new if x not in old]
    return [
        *({"field": field, "from": x, "to": None, "text": f"{field}: removed {_json(x)}"} for x in removed),
        *({"field": field, "from": None, "to": x, "text": f"{field}: added {_json(x)}"} for x in added),
    ]


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def _term_text(scenario: Scenario, issue_id: str, old: Any, new: Any) -> str:
    try:
        issue = scenario.issue(issue_id)
    except KeyError:
        return f"{issue_id}: {old} -> {new}"
    label = issue.label
    return f"{issue.name}: {'(open)' if old is None else label(old)} -> {'(open)' if new is None else label(new)}"


def _short(value: Any) -> str:
    text = "(none)" if value is None else json.dumps(value, ensure_ascii=False) if not isinstance(value, str) else value
    return text if len(text) <= 120 else text[:117] + "..."


@router.get(
    "/talks/{talks_id}/preferences/{party}",
    response_model=schemas.History,
    responses=ERRORS,
    **access(Role.mediator, Role.party),
)
def preferences(talks_id: str, party: str, store: Store = Depends(store_dep)) -> schemas.History:
    """A party's preferences, every version (its own party and mediators only)."""
    state = views.load(store, talks_id)
    versions = store.preference_history(talks_id, party)
    if not versions:
        raise NotFound(f"no preferences for {party!r}")
    return schemas.History(id=party, versions=history(state.scenario, versions))


@router.put(
    "/talks/{talks_id}/preferences/{party}",
    response_model=schemas.Written,
    responses=WRITE_ERRORS,
    **access(Role.mediator, Role.party),
)
def put_preferences(
    talks_id: str,
    party: str,
    edit: schemas.PreferencesEdit,
    viewer: Viewer = Depends(current_viewer),
    store: Store = Depends(store_dep),
) -> schemas.Written:
    """A new version of a party's preferences (its own party and mediators only)."""
    return schemas.Written(version=write_preferences(store, viewer, talks_id, party, edit.preferences, edit.version))


def write_preferences(
    store: Store, viewer: Viewer, talks_id: str, party: str, data: dict[str, Any], version: int
) -> int:
    """Write a version of ``party``'s preferences (the caller has checked that the viewer may)."""
    if not viewer.may_see_party(party):
        raise http_error(403, "not for your role")
    bounded(data, PREFERENCE_LISTS, "preferences")
    frame_parties = {p.id for p in views.load(store, talks_id).scenario.parties}
    if party not in frame_parties:
        raise NotFound(f"no party {party!r}")

    def ours(path: tuple[Any, ...]) -> bool:
        return len(path) >= 2 and path[0] == "preferences" and path[1] == party

    old = views.load(store, talks_id).data.get("preferences", {}).get(party)

    def check(scenario: dict[str, Any]) -> Scenario:
        # the sources the writer saw before this edit: another it cites is unknown to it, as one never recorded
        prefs = {p: v for p, v in scenario["preferences"].items() if p != party} | ({party: old} if old else {})
        hidden = views.hidden_sources({**scenario, "preferences": prefs}, viewer)
        return views.checker(viewer, ours, hidden)(scenario)

    return store.put_preferences(talks_id, party, data, version, viewer.label, check)


@router.get(
    "/talks/{talks_id}/standing", response_model=dict[str, Any], responses=ERRORS, **access(Role.mediator, Role.party)
)
def standing(talks_id: str, viewer: Viewer = Depends(current_viewer), store: Store = Depends(store_dep)) -> Any:
    """Every proposal's standing: a party sees its own, a mediator every party's."""
    return views.standing_table(views.load(store, talks_id), viewer)


@router.get("/talks/{talks_id}/frontier", response_model=dict[str, Any], responses=ERRORS, **access(Role.mediator))
def frontier(talks_id: str, store: Store = Depends(store_dep)) -> Any:
    """The Pareto frontier, the solutions on it, and every proposal's utilities (mediators only)."""
    return views.frontier_view(views.load(store, talks_id))


@router.get("/talks/{talks_id}/bridge", response_model=dict[str, Any], responses=WRITE_ERRORS, **access(Role.mediator))
async def bridge(
    talks_id: str,
    proposal: str = Query(..., max_length=80, description="the proposal to bridge from"),
    reading: str | None = Query(
        None,
        min_length=1,
        max_length=80,
        description="bridge from the text as this reading of it reads it (the id of one of the proposal's "
        "readings: a side's or a source's account of the text, named in the answer's reading); leave out for the "
        "text as tabled",
    ),
    criterion: Criterion = Query("nash", description="tie-break: a solution concept (ks: kalai_smorodinsky)"),
    k: int = Query(3, ge=1, le=10),
    store: Store = Depends(store_dep),
) -> Any:
    """Bridging suggestions from a proposal, as tabled or as one of its readings reads it, with who gains and who
    gives (mediators only): the document of ``truce bridge --from ID[@READING] --json``."""
    state = await run_in_threadpool(views.load, store, talks_id)
    # the search runs on the jobs' threads, as the bridging page's does: waiting for it holds none of the few
    # worker threads every page needs, and the page and the API asking the same question share one search
    views.tabled_proposal(state, proposal, ("query", "proposal"))
    views.recorded_reading(state, proposal, reading, ("query", "reading"))
    job = views.bridge_job(store, state, proposal, str(criterion), k, reading)
    return await asyncio.wrap_future(job.future)


@router.get(
    "/talks/{talks_id}/people",
    response_model=list[schemas.PersonItem],
    responses=ERRORS,
    **access(Role.mediator, Role.party),
)
def people(
    talks_id: str, viewer: Viewer = Depends(current_viewer), store: Store = Depends(store_dep)
) -> list[schemas.PersonItem]:
    """Who has access, with when and by whom it was given, renewed or ended. A side sees the people who act in
    its name alone: whoever holds such a token reads its preferences and its secret marks, so a side can see
    that nobody was given one behind its back."""
    revoked, history = store.revoked(talks_id), store.access_history(talks_id)
    mediator = viewer.role == Role.mediator
    return [
        _person_item(p, revoked=p.id in revoked).model_copy(
            update={
                "id": p.id if mediator else None,
                "history": [schemas.AccessItem(**vars(e)) for e in history.get(p.id, [])],
            }
        )
        for p in views.visible_people(store, viewer, talks_id)
    ]


PersonId = Annotated[int, Path(ge=1, le=2**31 - 1, description="a person's id, as the list of people gives it")]


def _person_item(person: Person, *, revoked: bool = False) -> schemas.PersonItem:
    """What the API says of a person: never the hash of their token."""
    return schemas.PersonItem(id=person.id, name=person.name, role=person.role, party=person.party, revoked=revoked)


def _person_created(person: Person, token: str) -> schemas.PersonCreated:
    """A person just given a token: the one time the token itself is shown."""
    return schemas.PersonCreated(**_person_item(person).model_dump(), token=token)


def _person_of(store: Store, talks_id: str, person_id: int) -> Person:
    person = store.person(person_id)
    if person.talks_id != talks_id:
        raise NotFound(f"no person {person_id}")
    return person


@router.post(
    "/talks/{talks_id}/people/{person_id}/revoke",
    response_model=schemas.PersonItem,
    responses=WRITE_ERRORS,
    **access(Role.mediator),
)
def revoke(
    talks_id: str, person_id: PersonId, viewer: Viewer = Depends(current_viewer), store: Store = Depends(store_dep)
) -> schemas.PersonItem:
    """End someone's access for good: their token stops working and their signed-in pages are signed out."""
    person = _person_of(store, talks_id, person_id)
    if person.id == viewer.person:
        raise InputError([Problem("you cannot revoke yourself; ask another mediator", ("person_id",))])
    store.revoke_person(person.id, viewer.label)
    return _person_item(person, revoked=True)


@router.post(
    "/talks/{talks_id}/people/{person_id}/token",
    response_model=schemas.PersonCreated,
    responses=WRITE_ERRORS,
    **access(Role.mediator),
)
def rotate(
    talks_id: str, person_id: PersonId, viewer: Viewer = Depends(current_viewer), store: Store = Depends(store_dep)
) -> schemas.PersonCreated:
    """Give someone a new token (shown once): the old one stops working and their signed-in pages are signed out."""
    person = _person_of(store, talks_id, person_id)
    token = store.rotate_token(person.id, viewer.label)
    return _person_created(person, token)


@router.post(
    "/talks/{talks_id}/people",
    response_model=schemas.PersonCreated,
    status_code=201,
    responses=WRITE_ERRORS,
    **access(Role.mediator),
)
def add_person(
    talks_id: str, body: schemas.PersonNew, viewer: Viewer = Depends(current_viewer), store: Store = Depends(store_dep)
) -> schemas.PersonCreated:
    """Give someone a role (and a party, for the party role); the token is shown once."""
    state = views.load(store, talks_id)
    sides = [p.id for p in state.scenario.parties if p.role.value == "party"]
    if (body.role == "party") != (body.party is not None) or (body.party is not None and body.party not in sides):
        raise InputError(
            [Problem(f"the party role needs a party, one of {', '.join(sides)}; other roles none", ("party",))]
        )
    token = new_token()
    person = store.add_person(talks_id, body.name, body.role, body.party, token, viewer.label)
    return _person_created(person, token)


@router.get(
    "/talks/{talks_id}/ballots",
    response_model=list[schemas.BallotView],
    responses=ERRORS,
    **access(Role.mediator, Role.party),
)
def ballots(
    talks_id: str, viewer: Viewer = Depends(current_viewer), store: Store = Depends(store_dep)
) -> list[schemas.BallotView]:
    """Published packages for blind acceptance, and the overlap once every party has answered."""
    state = views.load(store, talks_id)
    return [views.ballot_view(store, state, b, viewer) for b in store.ballots(talks_id)]


@router.post(
    "/talks/{talks_id}/ballots",
    response_model=schemas.BallotCreated,
    status_code=201,
    responses=WRITE_ERRORS,
    **access(Role.mediator),
)
async def publish(
    talks_id: str, body: schemas.BallotNew, viewer: Viewer = Depends(current_viewer), store: Store = Depends(store_dep)
) -> schemas.BallotCreated:
    """Publish packages (given, or the bridging suggestions from a proposal, as tabled or as one of its readings
    reads it) for every party to mark."""
    state = await run_in_threadpool(views.load, store, talks_id)
    if body.from_proposal is not None and body.packages is None:
        # the search runs on the jobs' threads, as the bridging API's does: waiting for it holds none of the few
        # worker threads every page needs, and it joins the bridging page's search of the same question
        await asyncio.wrap_future(views.ballot_bridges(store, state, body))
    number = await run_in_threadpool(views.publish_ballot, store, state, body, viewer)
    return schemas.BallotCreated(number=number)


@router.get(
    "/talks/{talks_id}/ballots/{number}",
    response_model=schemas.BallotView,
    responses=ERRORS,
    **access(Role.mediator, Role.party),
)
def ballot(
    talks_id: str, number: int, viewer: Viewer = Depends(current_viewer), store: Store = Depends(store_dep)
) -> schemas.BallotView:
    state = views.load(store, talks_id)
    return views.ballot_view(store, state, store.ballot(talks_id, number), viewer)


@router.put(
    "/talks/{talks_id}/ballots/{number}/marks",
    response_model=schemas.BallotView,
    responses=WRITE_ERRORS,
    **access(Role.party),
)
def mark(
    talks_id: str,
    number: int,
    body: schemas.MarkBody,
    viewer: Viewer = Depends(current_viewer),
    store: Store = Depends(store_dep),
) -> schemas.BallotView:
    """Mark, in secret and once, which packages your side could accept."""
    state = views.load(store, talks_id)
    b = store.ballot(talks_id, number)
    views.record_mark(store, b, body.accepted, viewer)
    return views.ballot_view(store, state, b, viewer)


@router.get("/talks/{talks_id}/exchange", response_model=schemas.ExchangeBody, responses=ERRORS, **access(*ALL))
def exchange(talks_id: str, store: Store = Depends(store_dep)) -> schemas.ExchangeBody:
    """The exchange agreement being monitored (public record): an optimal plan, and the ledger of what happened."""
    from truce.exchange.ledger import ledger_to_data
    from truce.exchange.plan import plan_to_data

    found = store.exchange(talks_id)
    x = views.exchange_view(store, talks_id)
    assert found is not None
    return schemas.ExchangeBody(
        version=x.version,
        agreement=found[1],
        release_log=found[2],
        plan=plan_to_data(x.plan),
        ledger=ledger_to_data(x.ledger) if x.ledger is not None else None,
    )


@router.put(
    "/talks/{talks_id}/exchange", response_model=schemas.Written, responses=WRITE_ERRORS, **access(Role.mediator)
)
def put_exchange(
    talks_id: str,
    edit: schemas.ExchangeEdit,
    viewer: Viewer = Depends(current_viewer),
    store: Store = Depends(store_dep),
) -> schemas.Written:
    """A new version of the exchange agreement or its release log (mediators only)."""
    # checked and planned first, outside the write's transaction: the plan is a MILP and depends on the
    # agreement alone, so nothing in the database can change it
    views.prepare_exchange(store, edit.agreement, edit.release_log)
    found = store.exchange(talks_id)  # the log the edit adds to: if it changes meanwhile, the write is a 409
    views.new_releases_dated(edit.agreement, edit.release_log, "" if found is None else found[2], today_anywhere())
    version = store.put_exchange(
        talks_id, edit.agreement, edit.release_log, edit.version, viewer.label, lambda _a, _l: None
    )
    return schemas.Written(version=version)


@router.get(
    "/talks/{talks_id}/audit", response_model=list[schemas.AuditItem], responses=ERRORS, **access(Role.mediator)
)
def audit_log(talks_id: str, store: Store = Depends(store_dep)) -> list[schemas.AuditItem]:
    """The audit log of these talks (mediators only), each entry with its chained hash."""
    return [
        schemas.AuditItem(
            seq=e.seq, at=e.at, actor=e.actor, action=e.action, subject=json.loads(e.subject), hash=e.hash
        )
        for e in store.audit_entries(talks_id)
    ]
