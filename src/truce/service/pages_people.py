"""People and access: who may sign in, with which role, when each last did, and when and by whom their access
was given, renewed or ended. Mediators add people (their token shown once), revoke them and give them new
tokens; a side sees the people who act in its name, and nothing it can change."""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Depends
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from truce.errors import InputError
from truce.service import forms, views
from truce.service.auth import Role, Viewer, access, current_viewer, store_dep
from truce.service.forms import Errors, Fields, form_fields
from truce.service.pages import HTML, render
from truce.service.shown_once import shown_once_of
from truce.store.repo import Conflict, NotFound, Store, new_token

router = APIRouter()
ROLES = [(r.value, r.value) for r in Role]


def people_rows(store: Store, viewer: Viewer, talks_id: str) -> list[dict[str, Any]]:
    revoked = store.revoked(talks_id)
    seen = store.last_used(talks_id)
    history = store.access_history(talks_id)
    return [
        {
            "id": p.id,
            "name": p.name,
            "role": p.role,
            "party": p.party,
            "revoked": p.id in revoked,
            "last_used": seen.get(p.id),
            "added": p.created_at[:19].replace("T", " "),
            "history": [(e.what, e.at[:19].replace("T", " "), e.by) for e in history.get(p.id, [])],
        }
        for p in views.visible_people(store, viewer, talks_id)
    ]


def people_page(
    store: Store,
    viewer: Viewer,
    talks_id: str,
    *,
    f: Fields | None = None,
    errors: Errors | None = None,
    shown: dict[str, Any] | None = None,
    status: int = 200,
) -> HTMLResponse:
    state = views.load(store, talks_id)
    return render(
        "forms/people.html",
        viewer,
        status=status,
        people=people_rows(store, viewer, talks_id),
        names={p.id: p.name for p in state.scenario.parties},
        sides=[(p.id, p.name) for p in state.scenario.parties if p.role.value == "party"],
        roles=ROLES,
        f=f or Fields({"role": ["observer"]}),
        errors=errors or Errors(),
        shown=shown,
    )


@router.get("/talks/{talks_id}/people", **access(Role.mediator, Role.party), **HTML)
def people(talks_id: str, viewer: Viewer = Depends(current_viewer), store: Store = Depends(store_dep)) -> HTMLResponse:
    """The people of the talks; after an addition, a revocation or a new token, what was done (a new token
    once: a reload shows the list alone)."""
    held = shown_once_of(store).take(_done_key(viewer, talks_id))
    return people_page(store, viewer, talks_id, shown=None if held is None else json.loads(held))


def _done_key(viewer: Viewer, talks_id: str) -> tuple[Any, ...]:
    return (viewer.person, talks_id, "people")


def _done(store: Store, viewer: Viewer, talks_id: str, shown: dict[str, Any]) -> Response:
    """Post/Redirect/Get: what a form did waits for the page it redirects to, so a reload repeats nothing."""
    shown_once_of(store).put(_done_key(viewer, talks_id), json.dumps(shown))
    return RedirectResponse(f"/talks/{talks_id}/people", status_code=303)


ADD_FORM = {
    "required": True,
    "content": {
        "application/x-www-form-urlencoded": {
            "schema": {
                "type": "object",
                "required": ["name", "role"],
                "properties": {
                    "name": {"type": "string", "minLength": 1, "maxLength": 200},
                    "role": {"type": "string", "enum": [r.value for r in Role]},
                    "party": {"type": "string", "maxLength": 80, "description": "the side, for the party role"},
                },
            }
        }
    },
}


def _documented(kwargs: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
    """Route arguments with the form the route reads described in the OpenAPI document."""
    return {**kwargs, "openapi_extra": {**kwargs["openapi_extra"], "requestBody": body}}


@router.post("/talks/{talks_id}/people", **_documented(access(Role.mediator), ADD_FORM), **HTML)
def add_person(
    talks_id: str,
    fields: Fields = Depends(form_fields),
    viewer: Viewer = Depends(current_viewer),
    store: Store = Depends(store_dep),
) -> Response:
    """Add a person with a role (and the side they speak for); their token is shown once, on the page the
    answer redirects to."""
    state = views.load(store, talks_id)
    errors = Errors.of(fields)
    name = forms.line(fields, "name", errors, required=True, most=200)
    role = fields.get("role")
    if role not in {r.value for r in Role}:
        errors.add("role", "choose mediator, party or observer")
    sides = {p.id for p in state.scenario.parties if p.role.value == "party"}
    party = fields.get("party").strip() or None
    if role == Role.party.value and party not in sides:
        errors.add("party", "the party role speaks for one side: choose it")
    elif role != Role.party.value and party is not None:
        errors.add("party", "only the party role speaks for a side: leave this empty")
    if errors or name is None:
        return people_page(store, viewer, talks_id, f=fields, errors=errors, status=422)
    token = new_token()
    person = store.add_person(talks_id, name, role, party, token, viewer.label)
    return _done(store, viewer, talks_id, {"name": person.name, "token": token, "what": "added"})


def _person(store: Store, talks_id: str, fields: Fields, errors: Errors) -> Any:
    try:
        person = store.person(int(fields.get("person")))
    except (ValueError, NotFound):
        person = None
    if person is None or person.talks_id != talks_id:
        errors.add("person", "no such person in these talks")
        return None
    return person


@router.post("/talks/{talks_id}/people/revoke", **access(Role.mediator), **HTML)
def revoke(
    talks_id: str,
    fields: Fields = Depends(form_fields),
    viewer: Viewer = Depends(current_viewer),
    store: Store = Depends(store_dep),
) -> Response:
    """End a person's access: their token stops working and their signed-in pages are signed out."""
    errors = Errors.of(fields)
    person = _person(store, talks_id, fields, errors)
    if person is not None and person.id == viewer.person:
        errors.add("person", "you cannot revoke yourself; ask another mediator")
    if errors:
        return people_page(store, viewer, talks_id, errors=errors, status=422)
    try:
        store.revoke_person(person.id, viewer.label)
    except Conflict as exc:
        errors.add("person", str(exc))
        return people_page(store, viewer, talks_id, errors=errors, status=409)
    return _done(store, viewer, talks_id, {"name": person.name, "what": "revoked"})


@router.post("/talks/{talks_id}/people/rotate", **access(Role.mediator), **HTML)
def rotate(
    talks_id: str,
    fields: Fields = Depends(form_fields),
    viewer: Viewer = Depends(current_viewer),
    store: Store = Depends(store_dep),
) -> Response:
    """Give a person a new token (shown once); the old one stops working."""
    errors = Errors.of(fields)
    person = _person(store, talks_id, fields, errors)
    if errors or person is None:
        return people_page(store, viewer, talks_id, errors=errors, status=422)
    try:
        token = store.rotate_token(person.id, viewer.label)
    except (Conflict, InputError) as exc:
        errors.add("person", str(exc))
        return people_page(store, viewer, talks_id, errors=errors, status=409)
    return _done(store, viewer, talks_id, {"name": person.name, "token": token, "what": "given a new token"})
