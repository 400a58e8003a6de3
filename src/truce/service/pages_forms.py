"""The drafting page: a proposal made in a form (new, amending a text as its child, or from a bridge), with a
preview before it is saved; the same form corrects a recorded text (mediators) as a new version of it. Bad input
comes back as the form, the input kept and each problem by its field."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from fastapi import APIRouter, Depends, Path, Query
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from truce.analysis.bridge import Criterion
from truce.errors import InputError
from truce.model.scenario import Stance, Status
from truce.service import drafting, forms, recording, views
from truce.service.auth import Role, Viewer, access, current_viewer, http_error, store_dep
from truce.service.forms import Errors, Fields, form_fields
from truce.service.pages import HTML, render
from truce.service.prefs_form import check_preferences as prefs_check
from truce.service.prefs_form import keep_untouched, kept_fields
from truce.service.prefs_form import pref_field as prefs_field
from truce.service.prefs_form import prefill as prefs_form_fields
from truce.service.prefs_form import preview as prefs_preview
from truce.service.prefs_form import read_preferences as prefs_read
from truce.service.prefs_form import red_line_rows as prefs_form_rows
from truce.service.schemas import NOTE_MOST
from truce.store.repo import Conflict, NotFound, Store

router = APIRouter()
DRAFTERS = (Role.mediator, Role.party)


@router.get("/talks/{talks_id}/draft", **access(*DRAFTERS), **HTML)
def draft_page(
    talks_id: str,
    parent: str | None = Query(None, max_length=80, description="the text to amend (the draft is its child)"),
    bridge: str | None = Query(None, max_length=80, description="start from a bridge from this proposal"),
    reading: str = Query("", max_length=80, description="with bridge: the bridge from this reading of it"),
    criterion: Criterion = Query("nash"),
    n: int = Query(0, ge=0, le=9, description="which of the bridges"),
    edit: str | None = Query(None, max_length=80, description="correct this recorded text (mediators)"),
    viewer: Viewer = Depends(current_viewer),
    store: Store = Depends(store_dep),
) -> HTMLResponse:
    state = views.load(store, talks_id)
    if edit is not None:
        correcting(state, viewer, edit)
        fields = drafting.prefill_correction(state.scenario, edit, state.versions[edit])
        return draft_form(state, viewer, fields, Errors(), None, 200)
    ids = {p.id for p in state.scenario.proposals}
    errors = Errors()
    terms: dict[str, Any] = {}
    if reading and bridge is None:
        errors.general.append("a reading is of the text a bridge starts from: give the bridge too")
    if bridge is not None:
        if viewer.role != Role.mediator:
            errors.general.append("bridges rest on every party's preferences: only mediators start from one")
        elif bridge not in ids:
            errors.add("parent", f"no proposal {bridge!r} to bridge from")
        else:
            found = _from_bridge(store, state, bridge, reading or None, str(criterion), n, errors)
            if found is not None:  # the draft amends the text as tabled: a child inherits the text, never a reading
                terms, parent = found, bridge
    if parent is not None and parent not in ids:
        errors.add("parent", "no such proposal")
        parent = None
    fields = drafting.prefill(state.scenario, viewer, parent, terms)
    status = 200 if not errors else 422
    return draft_form(state, viewer, fields, errors, None, status)


def _from_bridge(
    store: Store, state: views.State, bridge: str, reading: str | None, criterion: str, n: int, errors: Errors
) -> dict[str, Any] | None:
    """The terms of bridge ``n`` from ``bridge`` (as ``reading`` reads it, if given), or None with the reason in
    ``errors``. The search is the bridging page's: joined while it runs, reused once done."""
    try:
        read = views.recorded_reading(state, bridge, reading, ("reading",))
    except InputError as exc:
        errors.general.extend(p.message for p in exc.problems)
        return None
    found = views.bridge_job(store, state, bridge, criterion, 3, read).future.result()["bridges"]
    if n < len(found):
        return dict(found[n]["terms"])
    errors.general.append(f"there are {len(found)} bridges from {bridge}, not {n + 1}")
    return None


def draft_form(
    state: views.State,
    viewer: Viewer,
    fields: Fields,
    errors: Errors,
    preview: dict[str, Any] | None,
    status: int,
) -> HTMLResponse:
    s = state.scenario
    edit = fields.get("edit").strip()
    return render(
        "forms/draft.html",
        viewer,
        status=status,
        f=fields,
        errors=errors,
        correcting=s.proposal(edit) if edit in state.versions else None,
        controls=drafting.issue_controls(s, drafting.inherits_from(fields), fields, errors),
        parties=[(p.id, p.name) for p in s.parties],
        proposals=[(p.id, p.title) for p in reversed(s.proposals)],
        statuses=[(x.value, x.value) for x in Status],
        preview=preview,
        names={p.id: p.name for p in s.parties},
    )


@router.post("/talks/{talks_id}/draft", **access(*DRAFTERS), **HTML)
def draft_save(
    talks_id: str,
    fields: Fields = Depends(form_fields),
    viewer: Viewer = Depends(current_viewer),
    store: Store = Depends(store_dep),
) -> Response:
    """``action=preview`` shows what the draft would change; ``action=save`` tables it (version 1). With an
    ``edit`` field, the form corrects that text instead (see :func:`correct_save`)."""
    from truce.service.api import write_proposal

    state = views.load(store, talks_id)
    if fields.has("edit"):
        return correct_save(store, state, viewer, talks_id, fields)
    data, errors = drafting.read_draft(state, viewer, fields)
    if viewer.role == Role.party and viewer.party not in data.get("tabled_by", []):
        errors.add("tabled_by", "a party tables texts in its own name: tick your side")
    if data.get("id") in state.versions:
        errors.add("id", "a proposal with this id exists: choose another (or amend it as its child)")
    scenario = None if errors else drafting.check_draft(state, viewer, data, errors)
    if scenario is None:
        return draft_form(state, viewer, fields, errors, None, 422)
    shown = drafting.preview(scenario, viewer, data["id"])
    if fields.get("action") != "save":
        return draft_form(state, viewer, fields, errors, shown, 200)
    try:
        write_proposal(store, viewer, talks_id, data["id"], data, 0)
    except InputError as exc:
        errors.absorb(exc, drafting.draft_field)
        return draft_form(state, viewer, fields, errors, shown, 422)
    except Conflict:
        errors.add("id", "a proposal with this id was saved meanwhile: choose another")
        return draft_form(state, viewer, fields, errors, shown, 409)
    return RedirectResponse(f"/talks/{talks_id}/proposals/{data['id']}", status_code=303)


def correcting(state: views.State, viewer: Viewer, proposal_id: str) -> None:
    """Refuse a correction of ``proposal_id`` by anyone but a mediator (403), or of a text there is not (404)."""
    if viewer.role != Role.mediator:
        raise http_error(403, "only a mediator corrects a recorded text; a side drafts a new one amending it")
    if proposal_id not in state.versions:
        raise NotFound(f"no proposal {proposal_id!r}")


def correct_save(store: Store, state: views.State, viewer: Viewer, talks_id: str, fields: Fields) -> Response:
    """Correct a recorded text: ``action=preview`` shows the change against the text as it stands;
    ``action=save`` writes it as the next version of the same proposal, with what was wrong in its audit entry.
    A form made from an older version than the latest is refused (409), its input kept."""
    from truce.service.api import write_proposal

    proposal_id = fields.get("edit").strip()
    correcting(state, viewer, proposal_id)
    current = next(p for p in state.data["proposals"] if p["id"] == proposal_id)
    data, errors = drafting.read_draft(state, viewer, fields, frozenset(current.get("terms", {})))
    data = drafting.carried(current, data)
    why = forms.line(fields, "correction", errors, required=True, most=NOTE_MOST)
    if data.get("id") != proposal_id and "id" not in errors.by_field:
        errors.add("id", "a correction keeps the text's id: draft a new text to give it another")
    version = _form_version(fields, errors)
    if version >= 0 and version != state.versions[proposal_id]:
        errors.general.append(stale(proposal_id, version, state.versions[proposal_id]))
        return draft_form(state, viewer, fields, errors, None, 409)
    if data == current and not errors:
        errors.general.append("the form holds the text as it stands: there is nothing to correct")
    scenario = None if errors else drafting.check_draft(state, viewer, data, errors)
    if scenario is None:
        return draft_form(state, viewer, fields, errors, None, 422)
    shown = drafting.preview(scenario, viewer, proposal_id, state.scenario)
    shown["unanswered"] = [] if "responses" in data else current.get("responses", [])  # answered what it was
    if fields.get("action") != "save":
        return draft_form(state, viewer, fields, errors, shown, 200)
    try:
        write_proposal(store, viewer, talks_id, proposal_id, data, version, why)
    except InputError as exc:
        errors.absorb(exc, drafting.draft_field)
        return draft_form(state, viewer, fields, errors, shown, 422)
    except Conflict as exc:
        errors.general.append(stale(proposal_id, version, exc.current))
        return draft_form(state, viewer, fields, errors, shown, 409)
    return RedirectResponse(f"/talks/{talks_id}/proposals/{proposal_id}", status_code=303)


def stale(proposal_id: str, made_from: int, current: int) -> str:
    return (
        f"{proposal_id} changed since this form was opened (it is at version {current}; the form was made from "
        f"version {made_from}). Open the correction again from the text's page to start from the current "
        "version; what you typed is kept below to copy from"
    )


def _form_version(fields: Fields, errors: Errors) -> int:
    """The version a form was made from (its hidden ``version`` field), or -1 with the error beside it."""
    try:
        version = int(fields.get("version"))
    except ValueError:
        version = -1
    if version < 0:
        errors.add("version", "the form lost its version: reload the page")
    return version


# ----------------------------------------------------------------------------------------------
# recording: rounds, events and sources (mediators), and responses to a text


def record_form(
    store: Store,
    viewer: Viewer,
    talks_id: str,
    *,
    kind: str | None = None,
    f: Fields | None = None,
    errors: Errors | None = None,
    saved: str | None = None,
    status: int = 200,
) -> HTMLResponse:
    """The recording page: a form for each kind of entry (the one sent back keeps its input and errors)."""
    state = views.load(store, talks_id)
    s = state.scenario
    empty = Fields()
    return render(
        "forms/record.html",
        viewer,
        status=status,
        kind=kind,
        f={k: (f if k == kind and f is not None else empty) for k in recording.KINDS},
        errors={k: (errors if k == kind and errors is not None else Errors()) for k in recording.KINDS},
        saved=saved,
        version=store.frame_version(talks_id),
        parties=[(p.id, p.name) for p in s.parties],
        confidence=[(c, c) for c in recording.CONFIDENCE],
        timeline=views.record_view(state)["timeline"],
        sources=sorted(s.sources),
    )


@router.get("/talks/{talks_id}/record", **access(Role.mediator), **HTML)
def record_page(
    talks_id: str,
    saved: str | None = Query(None, pattern="^(round|event|source)$", description="what was just recorded"),
    viewer: Viewer = Depends(current_viewer),
    store: Store = Depends(store_dep),
) -> HTMLResponse:
    return record_form(store, viewer, talks_id, saved=saved)


@router.post("/talks/{talks_id}/record/{kind}", **access(Role.mediator), **HTML)
def record_save(
    talks_id: str,
    kind: str = Path(..., pattern="^(round|event|source)$"),
    fields: Fields = Depends(form_fields),
    viewer: Viewer = Depends(current_viewer),
    store: Store = Depends(store_dep),
) -> Response:
    """Record a round, an event or a source (a new version of the talks' public record)."""
    state = views.load(store, talks_id)
    errors = Errors.of(fields)
    item = recording.READERS[kind](fields, state.scenario, errors)
    try:
        version = int(fields.get("version"))
    except ValueError:
        errors.add("version", "the form lost its version: reload the page")
        version = -1
    if errors:
        return record_form(store, viewer, talks_id, kind=kind, f=fields, errors=errors, status=422)
    try:
        recording.record_item(store, viewer, state, kind, item, version)
    except InputError as exc:
        errors.absorb(exc, recording.item_field)
        return record_form(store, viewer, talks_id, kind=kind, f=fields, errors=errors, status=422)
    except Conflict as exc:
        errors.general.append(f"{exc}: someone recorded something meanwhile; check the timeline and send again")
        return record_form(store, viewer, talks_id, kind=kind, f=fields, errors=errors, status=409)
    return RedirectResponse(f"/talks/{talks_id}/record?saved={kind}", status_code=303)


def respond_form(
    store: Store, viewer: Viewer, talks_id: str, proposal_id: str, f: Fields, errors: Errors, status: int
) -> HTMLResponse:
    state = views.load(store, talks_id)
    s = state.scenario
    try:
        proposal = s.proposal(proposal_id)
    except KeyError:
        raise NotFound(f"no proposal {proposal_id!r}") from None
    sides = [(p.id, p.name) for p in s.parties if p.role.value == "party"]
    return render(
        "forms/respond.html",
        viewer,
        status=status,
        p=proposal,
        version=state.versions.get(proposal_id, 1),
        f=f,
        errors=errors,
        sides=sides if viewer.role == Role.mediator else [x for x in sides if x[0] == viewer.party],
        stances=[(x.value, x.value.replace("_", " ")) for x in Stance],
        names={p.id: p.name for p in s.parties},
    )


@router.get("/talks/{talks_id}/proposals/{proposal_id}/respond", **access(*DRAFTERS), **HTML)
def respond_page(
    talks_id: str, proposal_id: str, viewer: Viewer = Depends(current_viewer), store: Store = Depends(store_dep)
) -> HTMLResponse:
    f = Fields({"party": [viewer.party or ""], "date": [dt.date.today().isoformat()]})
    return respond_form(store, viewer, talks_id, proposal_id, f, Errors(), 200)


@router.post("/talks/{talks_id}/proposals/{proposal_id}/respond", **access(*DRAFTERS), **HTML)
def respond_save(
    talks_id: str,
    proposal_id: str,
    fields: Fields = Depends(form_fields),
    viewer: Viewer = Depends(current_viewer),
    store: Store = Depends(store_dep),
) -> Response:
    """Record a side's response to a text (a party: its own only), as a new version of the text."""
    state = views.load(store, talks_id)
    errors = Errors.of(fields)
    response = recording.read_response(
        fields, viewer, state.scenario, errors, views.citable_sources(state.data, viewer)
    )
    try:
        version = int(fields.get("version"))
    except ValueError:
        errors.add("version", "the form lost its version: reload the page")
        version = -1
    if errors:
        return respond_form(store, viewer, talks_id, proposal_id, fields, errors, 422)
    try:
        recording.record_response(store, viewer, state, proposal_id, response, version)
    except InputError as exc:
        errors.absorb(exc, lambda path: forms.problem_field(path, RESPONSE_FIELDS))
        return respond_form(store, viewer, talks_id, proposal_id, fields, errors, 422)
    except Conflict as exc:
        errors.general.append(f"{exc}: the text changed meanwhile; reload it and answer again")
        return respond_form(store, viewer, talks_id, proposal_id, fields, errors, 409)
    return RedirectResponse(f"/talks/{talks_id}/proposals/{proposal_id}", status_code=303)


RESPONSE_FIELDS = {k: k for k in ("party", "stance", "date", "note", "sources")}


# ----------------------------------------------------------------------------------------------
# a party's preferences, in a form with a preview


def prefs_form(
    store: Store,
    viewer: Viewer,
    talks_id: str,
    party: str,
    f: Fields | None,
    errors: Errors,
    shown: list[dict[str, Any]] | None,
    status: int,
) -> HTMLResponse:
    state = views.load(store, talks_id)
    s = state.scenario
    if party not in {p.id for p in s.parties}:
        raise NotFound(f"no party {party!r}")
    versions = store.preference_history(talks_id, party)
    if f is None:
        f = prefs_form_fields(versions[-1].data if versions else {"weights": {}}, s)
        f.values["version"] = [str(versions[-1].version if versions else 0)]
    return render(
        "forms/preferences.html",
        viewer,
        status=status,
        party=party,
        party_name=s.party(party).name,
        f=f,
        errors=errors,
        issues=s.issues,
        rows=prefs_form_rows(f),
        preview=shown,
        kept=kept_fields(state.data.get("preferences", {}).get(party) or {}),
        stored_version=versions[-1].version if versions else 0,
        stored_json=json.dumps(versions[-1].data if versions else {}, indent=2, ensure_ascii=False),
    )


@router.get("/talks/{talks_id}/preferences/{party}/form", **access(*DRAFTERS), **HTML)
def prefs_page(
    talks_id: str, party: str, viewer: Viewer = Depends(current_viewer), store: Store = Depends(store_dep)
) -> HTMLResponse:
    """A party's preferences in a form (its own party and mediators only)."""
    return prefs_form(store, viewer, talks_id, party, None, Errors(), None, 200)


@router.post("/talks/{talks_id}/preferences/{party}/form", **access(*DRAFTERS), **HTML)
def prefs_save(
    talks_id: str,
    party: str,
    fields: Fields = Depends(form_fields),
    viewer: Viewer = Depends(current_viewer),
    store: Store = Depends(store_dep),
) -> Response:
    """``action=preview`` shows the party's own standing on every text before and after; ``action=save``
    saves the preferences as a new version."""
    from truce.service.api import write_preferences

    state = views.load(store, talks_id)
    errors = Errors.of(fields)
    sources = views.citable_sources(state.data, viewer)
    data = keep_untouched(
        state.data.get("preferences", {}).get(party), prefs_read(fields, state.scenario, errors, sources)
    )
    try:
        version = int(fields.get("version"))
    except ValueError:
        errors.add("version", "the form lost its version: reload the page")
        version = -1
    scenario = None if errors else prefs_check(state, viewer, party, data, errors)
    if scenario is None:
        return prefs_form(store, viewer, talks_id, party, fields, errors, None, 422)
    shown = prefs_preview(state, scenario, party)
    if fields.get("action") != "save":
        return prefs_form(store, viewer, talks_id, party, fields, errors, shown, 200)
    try:
        write_preferences(store, viewer, talks_id, party, data, version)
    except InputError as exc:
        errors.absorb(exc, prefs_field)
        return prefs_form(store, viewer, talks_id, party, fields, errors, shown, 422)
    except Conflict as exc:
        errors.general.append(f"{exc}: they were changed meanwhile; reload the page and edit again")
        return prefs_form(store, viewer, talks_id, party, fields, errors, shown, 409)
    return RedirectResponse(f"/talks/{talks_id}/preferences/{party}", status_code=303)
