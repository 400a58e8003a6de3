"""Server-rendered pages (Jinja2, plain HTML forms; plotly.js served from the installed package).

Pages call the same view functions as the API, so they show exactly what the viewer's role allows.
"""

from __future__ import annotations

import hmac
import json
import secrets
from dataclasses import dataclass
from typing import Any

import jinja2
from fastapi import APIRouter, Depends, Form, HTTPException, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from markupsafe import Markup

from truce.analysis.bridge import Criterion
from truce.analysis.frontier import thinned_text
from truce.errors import InputError, Problem, format_path
from truce.service import views, words
from truce.service.auth import (
    ALL,
    COOKIE,
    FORM_FIELD,
    PUBLIC,
    Role,
    Viewer,
    access,
    check_form_token,
    current_viewer,
    form_token,
    optional_viewer,
    session_person,
    store_dep,
    store_of,
)
from truce.service.schemas import LINE, NOTE_MOST, BallotNew, BoundsError, check_bounds, read_json
from truce.store.repo import Conflict, NotFound, Store

router = APIRouter()
LOGIN_COOKIE = "truce_login"
_PAGE = {"content": {"text/html": {"schema": {"type": "string"}}}}
HTML: dict[str, Any] = {
    "response_class": HTMLResponse,
    "responses": {
        200: {**_PAGE, "description": "the page"},
        202: {**_PAGE, "description": "still working: a progress page that refreshes itself"},
        303: {"description": "on to the next page (or to sign in)"},
        401: {**_PAGE, "description": "not signed in"},
        403: {**_PAGE, "description": "not for this role"},
        404: {**_PAGE, "description": "no such thing"},
        409: {**_PAGE, "description": "already done, or made from a stale version"},
        422: {**_PAGE, "description": "bad input"},
    },
}
_env = jinja2.Environment(
    loader=jinja2.PackageLoader("truce.service", "templates"),
    autoescape=jinja2.select_autoescape(["html"]),
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


def form_token_field(viewer: Viewer | None) -> Markup:
    """The hidden field every state-changing form carries (nothing when signed in by a bearer token)."""
    if viewer is None or viewer.form_token is None:
        return Markup("")
    return Markup('<input type="hidden" name="{}" value="{}">').format(FORM_FIELD, viewer.form_token)


_env.globals["form_token_field"] = form_token_field
_env.filters["when"] = words.when


def compile_templates() -> None:
    """Compile every page's template now (Jinja2 keeps them), and import what the pages import when first
    used, so that no reader pays for either."""
    import truce.service.api
    import truce.service.audit_view
    import truce.service.ballot_table  # noqa: F401

    for name in _env.list_templates(extensions=["html"]):
        _env.get_template(name)


def render(name: str, viewer: Viewer | None, status: int = 200, **context: Any) -> HTMLResponse:
    html = _env.get_template(name).render(viewer=viewer, **context)
    return HTMLResponse(html, status_code=status)


def named_problem(problem: Problem) -> str:
    """A problem as a page says it: after the field it is in (``preferences.israel.reservation: ...``), as the
    API's answer names it in ``path``; a message that already begins with its field, or that has none, as it is."""
    if not problem.path:
        return problem.message
    field = format_path(problem.path)
    return problem.message if problem.message.startswith(f"{field}:") else f"{field}: {problem.message}"


@dataclass(frozen=True)
class Refused:
    """A JSON edit a page refused, to show again in its editor: the problems, and everything as it was typed
    (the version it was made from included, so that saving again after someone else saved is still refused)."""

    status: int
    problems: tuple[str, ...]
    version: int
    text: str
    note: str = ""

    @classmethod
    def of(cls, exc: InputError | Conflict | HTTPException, version: int, text: str, note: str = "") -> Refused:
        if isinstance(exc, Conflict):
            said = (f"{exc}: it was changed meanwhile; copy your edit, reload the page and make it again",)
            return cls(409, said, version, text, note)
        if isinstance(exc, HTTPException):  # a change to a text that is not the side's to make
            return cls(exc.status_code, (str(exc.detail),), version, text, note)
        return cls(422, tuple(named_problem(p) for p in exc.problems), version, text, note)


def error_page(request: Request, status: int, message: str) -> HTMLResponse:
    viewer = optional_viewer(request)
    return render("error.html", viewer, status=status, status_code=status, message=message)


@router.get("/", **PUBLIC, **HTML)
def home(request: Request) -> Response:
    viewer = optional_viewer(request)
    if viewer is None:
        return RedirectResponse("/login", status_code=303)
    return RedirectResponse(f"/talks/{viewer.talks_id}", status_code=303)


@router.get("/login", **PUBLIC, **HTML)
def login_page(request: Request) -> HTMLResponse:
    return login_form(request, None, 200)


def login_form(request: Request, message: str | None, status: int) -> HTMLResponse:
    """The sign-in form, with a fresh form token in a cookie of its own (there is no session yet to tie it to)."""
    nonce = secrets.token_urlsafe(24)
    response = render("login.html", optional_viewer(request), status=status, message=message, login_token=nonce)
    response.set_cookie(LOGIN_COOKIE, nonce, httponly=True, samesite="strict", secure=_https(request), path="/login")
    return response


def _https(request: Request) -> bool:
    return request.url.scheme == "https"


@router.post("/login", **PUBLIC, **HTML)
def login(request: Request, token: str = Form(..., max_length=200), csrf: str = Form("", max_length=100)) -> Response:
    # The form token pairs the form with the cookie set when it was shown: a foreign page cannot read either,
    # so it cannot sign a browser in to someone else's account (login CSRF), even without an Origin header.
    expected = request.cookies.get(LOGIN_COOKIE, "")
    if not expected or not hmac.compare_digest(csrf.encode(), expected.encode()):
        return login_form(request, "This sign-in form has expired. Please enter your token again.", 403)
    store = store_of(request)
    person = store.person_by_token(token.strip()) if token.strip() else None
    if person is None:
        return login_form(request, "That token is not valid.", 401)
    old = request.cookies.get(COOKIE)
    if old:
        store.end_session(old)
    response = RedirectResponse(f"/talks/{person.talks_id}", status_code=303)
    response.set_cookie(
        COOKIE, store.start_session(person.id), httponly=True, samesite="strict", secure=_https(request)
    )
    response.delete_cookie(LOGIN_COOKIE, path="/login")
    return response


@router.post("/logout", **PUBLIC, **HTML)
async def logout(request: Request) -> Response:
    """Ends the session on the server (the cookie alone would be no sign-out), then forgets the cookie."""
    # the database is read and written on a worker thread: a write waiting for the lock must not stop the
    # event loop, which every other request needs
    found = await run_in_threadpool(session_person, request)
    if found is not None:
        await check_form_token(request, form_token(found[1]))
        await run_in_threadpool(store_of(request).end_session, found[1])
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(COOKIE)
    return response


@router.get("/talks/{talks_id}", **access(*ALL), **HTML)
def glance(talks_id: str, viewer: Viewer = Depends(current_viewer), store: Store = Depends(store_dep)) -> HTMLResponse:
    state = views.load(store, talks_id)
    frame = views.public_frame(state)
    proposals = [views.proposal_summary(state, p) for p in state.scenario.proposals]
    table = views.standing_table(state, viewer) if viewer.role != Role.observer else None
    record = views.record_view(state)
    return render(
        "talks.html",
        viewer,
        frame=frame,
        proposals=list(reversed(proposals)),
        table=table,
        timeline=record["timeline"],
        record=record,
        names={p.id: p.name for p in state.scenario.parties},
        titles={p.id: p.title for p in state.scenario.proposals},
    )


@router.get("/talks/{talks_id}/proposals/{proposal_id}", **access(*ALL), **HTML)
def proposal_page(
    talks_id: str, proposal_id: str, viewer: Viewer = Depends(current_viewer), store: Store = Depends(store_dep)
) -> HTMLResponse:
    return _proposal_html(store, viewer, talks_id, proposal_id)


def _proposal_html(
    store: Store, viewer: Viewer, talks_id: str, proposal_id: str, refused: Refused | None = None
) -> HTMLResponse:
    """A text's page; with ``refused``, a JSON edit refused, shown in its editor as it was typed."""
    from truce.service.api import history

    state = views.load(store, talks_id)
    view = views.proposal_view(state, viewer, proposal_id)
    versions = history(state.scenario, store.proposal_history(talks_id, proposal_id))
    issues = {i.id: i.name for i in state.scenario.issues}
    proposal = state.scenario.proposal(proposal_id)
    # a side edits the texts it tabled alone; on any other it may change its own response and reading only
    answers_only = viewer.role == Role.party and list(proposal.tabled_by) != [viewer.party]
    text = json.dumps(proposal.model_dump(mode="json", exclude_defaults=True), indent=2, ensure_ascii=False)
    last = {r["party"]: k for k, r in enumerate(view["responses"])}  # a side's last response is the one that counts
    return render(
        "proposal.html",
        viewer,
        status=refused.status if refused else 200,
        p=view,
        versions=list(reversed(versions)),
        issues=issues,
        names={party.id: party.name for party in state.scenario.parties},
        titles={q.id: q.title for q in state.scenario.proposals},
        edit_text=text if viewer.role in (Role.mediator, Role.party) else None,
        answers_only=answers_only,
        responses=[{**r, "current": last[r["party"]] == k} for k, r in enumerate(view["responses"])],
        basis=views.resting_on(state, viewer),
        refused=refused,
    )


def _json_form(text: str, what: str) -> dict[str, Any]:
    try:
        data = read_json(text, what)  # refuses nesting too deep to read, as the API's bodies are refused
    except BoundsError as exc:
        raise InputError([Problem(str(exc), exc.where)]) from None
    except ValueError as exc:
        raise InputError([Problem(f"the {what} is not valid JSON: {exc}", (what,))]) from None
    if not isinstance(data, dict):
        raise InputError([Problem(f"the {what} must be a JSON object", (what,))])
    try:
        check_bounds(data, what)  # the same bounds as the API's bodies
    except ValueError as exc:
        raise InputError([Problem(str(exc), (what,))]) from None
    return data


@router.post("/talks/{talks_id}/proposals/{proposal_id}", **access(Role.mediator, Role.party), **HTML)
def proposal_edit(
    talks_id: str,
    proposal_id: str,
    version: int = Form(..., ge=0, le=1_000_000),
    text: str = Form(..., max_length=200_000),
    note: str = Form("", max_length=NOTE_MOST, pattern=LINE),
    viewer: Viewer = Depends(current_viewer),
    store: Store = Depends(store_dep),
) -> Response:
    from truce.service.api import write_proposal

    said = note.strip() or None  # why this version, kept in its audit entry
    try:
        write_proposal(store, viewer, talks_id, proposal_id, _json_form(text, "proposal"), version, said)
    except (InputError, Conflict) as exc:
        return _proposal_html(store, viewer, talks_id, proposal_id, Refused.of(exc, version, text, note))
    except HTTPException as exc:
        if exc.status_code != 403:
            raise
        # every role reads a text's page, so it may come back there; preferences refused 403 never do (not theirs)
        return _proposal_html(store, viewer, talks_id, proposal_id, Refused.of(exc, version, text, note))
    return RedirectResponse(f"/talks/{talks_id}/proposals/{proposal_id}", status_code=303)


@router.get("/talks/{talks_id}/preferences/{party}", **access(Role.mediator, Role.party), **HTML)
def preferences_page(
    talks_id: str, party: str, viewer: Viewer = Depends(current_viewer), store: Store = Depends(store_dep)
) -> HTMLResponse:
    return _preferences_html(store, viewer, talks_id, party)


def _preferences_html(
    store: Store, viewer: Viewer, talks_id: str, party: str, refused: Refused | None = None
) -> HTMLResponse:
    """A party's preferences page; with ``refused``, a JSON edit refused, shown in its editor as it was typed."""
    from truce.service.api import history

    state = views.load(store, talks_id)
    names = {p.id: p.name for p in state.scenario.parties}
    if party not in names:
        raise NotFound(f"no party {party!r}")  # as the API and the form answer
    versions = history(state.scenario, store.preference_history(talks_id, party))
    current = versions[-1] if versions else None
    return render(
        "preferences.html",
        viewer,
        status=refused.status if refused else 200,
        party=party,
        party_name=names[party],
        version=current.version if current else 0,
        text=json.dumps(current.data if current else {}, indent=2, ensure_ascii=False),
        versions=list(reversed(versions)),
        refused=refused,
    )


@router.post("/talks/{talks_id}/preferences/{party}", **access(Role.mediator, Role.party), **HTML)
def preferences_edit(
    talks_id: str,
    party: str,
    version: int = Form(..., ge=0, le=1_000_000),
    text: str = Form(..., max_length=200_000),
    viewer: Viewer = Depends(current_viewer),
    store: Store = Depends(store_dep),
) -> Response:
    from truce.service.api import write_preferences

    try:
        write_preferences(store, viewer, talks_id, party, _json_form(text, "preferences"), version)
    except (InputError, Conflict) as exc:
        return _preferences_html(store, viewer, talks_id, party, Refused.of(exc, version, text))
    return RedirectResponse(f"/talks/{talks_id}/preferences/{party}", status_code=303)


@router.get("/talks/{talks_id}/frontier", **access(Role.mediator), **HTML)
def frontier_page(
    talks_id: str, viewer: Viewer = Depends(current_viewer), store: Store = Depends(store_dep)
) -> HTMLResponse:
    from truce.report.frontier_chart import SELECT_SCRIPT
    from truce.service.charts import frontier_page_data

    state = views.load(store, talks_id)
    data = views.frontier_view(state)
    return render(
        "frontier.html",
        viewer,
        data=data,
        thinned=thinned_text(data["precision"]),
        page=frontier_page_data(state),
        select_script=SELECT_SCRIPT,
        basis=views.resting_on(state, viewer),
    )


BRIDGES_ASKED = 3  # as `truce bridge` asks by default


@router.get("/talks/{talks_id}/bridge", **access(Role.mediator), **HTML)
def bridge_page(
    talks_id: str,
    proposal: str | None = Query(None, max_length=161, description="a proposal's id, or ID@READING: as it reads it"),
    reading: str = Query("", max_length=80, description="one of the proposal's readings; empty: the text as tabled"),
    criterion: Criterion = Query("nash"),
    viewer: Viewer = Depends(current_viewer),
    store: Store = Depends(store_dep),
) -> HTMLResponse:
    from truce.service.jobs import WAIT_SECONDS

    state = views.load(store, talks_id)
    ids = [p.id for p in state.scenario.proposals]
    chosen, read = _bridge_start(state, proposal, reading)
    job = None
    if chosen is not None:  # the search runs off the request path; a long one shows its progress
        job = views.bridge_job(store, state, chosen, str(criterion), BRIDGES_ASKED, read)
    done = job is None or job.wait(WAIT_SECONDS)
    # each text's readings, to start from instead of it: the public record, as on the text's page
    offered = {pid: views.readings_offered(state, pid) for pid in ids}
    holder, titles = (
        {r["id"]: r["holder"] for r in offered.get(chosen or "", [])},
        {p.id: p.title for p in state.scenario.proposals},
    )
    return render(
        "bridge.html",
        viewer,
        status=200 if done else 202,
        ids=ids,
        chosen=chosen,
        reading=read,
        readings=offered,
        from_title=None if chosen is None else titles[chosen] + (f", as {holder[read]} reads it" if read else ""),
        criterion=criterion,
        result=job.result() if job is not None and done else None,
        asked=BRIDGES_ASKED,
        pending=None if done or job is None else {"seconds": round(job.elapsed)},
        issues={i.id: i for i in state.scenario.issues},
        titles=titles,
        names={p.id: p.name for p in state.scenario.parties},
        basis=views.resting_on(state, viewer),
    )


def _bridge_start(state: views.State, proposal: str | None, reading: str) -> tuple[str | None, str | None]:
    """The text the bridging page starts from and the reading of it, if any: ``proposal`` is an id, or
    ``ID@READING`` as the page's choice sends it (and as ``truce bridge --from`` takes it); ``reading`` names
    one too. Unknown names are refused, located, before any search starts. No proposal: the latest."""
    ids = [p.id for p in state.scenario.proposals]
    named, at, read = (proposal or "").partition("@")
    if at and reading:
        raise InputError([Problem("the reading is named twice: in proposal (ID@READING) and in reading", ("reading",))])
    if at and not read:
        raise InputError([Problem(f"{proposal!r}: no reading after @", ("proposal",))])
    chosen = named or (ids[-1] if ids else None)
    if chosen is None:
        return None, None
    views.tabled_proposal(state, chosen, ("proposal",))
    return chosen, views.recorded_reading(state, chosen, read or reading or None, ("proposal" if at else "reading",))


@router.get("/talks/{talks_id}/ballots", **access(Role.mediator, Role.party), **HTML)
def ballots_page(
    talks_id: str, viewer: Viewer = Depends(current_viewer), store: Store = Depends(store_dep)
) -> HTMLResponse:
    state = views.load(store, talks_id)
    items = [views.ballot_view(store, state, b, viewer) for b in store.ballots(talks_id)]
    names = {p.id: p.name for p in state.scenario.parties}
    return render("ballots.html", viewer, ballots=list(reversed(items)), names=names)


@router.post("/talks/{talks_id}/ballots", **access(Role.mediator), **HTML)
def publish_page(
    talks_id: str,
    proposal: str = Form(..., max_length=80, pattern=LINE),
    reading: str = Form("", max_length=80, pattern=LINE),
    title: str = Form(..., min_length=1, max_length=500, pattern=LINE),
    criterion: Criterion = Form("nash"),
    viewer: Viewer = Depends(current_viewer),
    store: Store = Depends(store_dep),
) -> Response:
    state = views.load(store, talks_id)
    body = BallotNew(title=title, from_proposal=proposal, criterion=criterion, reading=reading or None)
    number = views.publish_ballot(store, state, body, viewer)
    return RedirectResponse(f"/talks/{talks_id}/ballots/{number}", status_code=303)


@router.get("/talks/{talks_id}/ballots/{number}", **access(Role.mediator, Role.party), **HTML)
def ballot_page(
    talks_id: str, number: int, viewer: Viewer = Depends(current_viewer), store: Store = Depends(store_dep)
) -> HTMLResponse:
    from truce.service.ballot_table import ballot_table, package_diff
    from truce.store.repo import ballot_content

    state = views.load(store, talks_id)
    ballot = store.ballot(talks_id, number)
    b = views.ballot_view(store, state, ballot, viewer)
    seen = tuple(views.visible_parties(state, viewer))  # a ballot's packages never change: made once per viewer
    table = state.memo.get(("ballot", number, seen), lambda: ballot_table(state, ballot_content(ballot), viewer))
    return render(
        "ballot.html",
        viewer,
        b=b,
        table=table,
        revealed_diff=package_diff(table, b.chosen) if b.chosen is not None else None,
        names={p.id: p.name for p in state.scenario.parties},
        waiting_for=[p for p in json.loads(ballot.parties) if b.answered_by is not None and p not in b.answered_by],
        basis=views.resting_on(state, viewer),
    )


@router.post("/talks/{talks_id}/ballots/{number}/marks", **access(Role.party), **HTML)
def mark_page(
    talks_id: str,
    number: int,
    accepted: list[int] = Form(default=[], max_length=100),
    viewer: Viewer = Depends(current_viewer),
    store: Store = Depends(store_dep),
) -> Response:
    try:
        views.record_mark(store, store.ballot(talks_id, number), accepted, viewer)
    except InputError as exc:  # the form's boxes are its packages, not a list whose places are counted from 0
        raise InputError([Problem(p.message, p.path[:1]) for p in exc.problems]) from None
    return RedirectResponse(f"/talks/{talks_id}/ballots/{number}", status_code=303)


@router.get("/talks/{talks_id}/audit", **access(Role.mediator), **HTML)
def audit_page(
    talks_id: str, viewer: Viewer = Depends(current_viewer), store: Store = Depends(store_dep)
) -> HTMLResponse:
    from truce.service.audit_view import audit_page_entries

    state = views.load(store, talks_id)
    entries = audit_page_entries(store, talks_id, state.version, state.scenario)
    return render("audit.html", viewer, entries=entries)
