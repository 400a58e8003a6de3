"""Who is asking, and what they may see.

API clients send their token with every request (``Authorization: Bearer ...``); the API reads nothing else, so
a browser's cookie can never make it change anything. The pages sign a person in once with their token and keep
a server-side session: the cookie holds a random session id (only its SHA-256 is stored), which ends on sign-out,
after the idle time, or when the person is revoked or given a new token. Every form a page sends back carries
that session's form token, which another site cannot read.

Each route declares the roles it admits (``x-roles`` in the OpenAPI document);
:func:`access` both enforces that and writes it into the document, so the two cannot drift apart.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from fastapi import Depends, HTTPException, Request

from truce.service.guard import SAFE_METHODS, Settings
from truce.store.models import Person
from truce.store.repo import Store

COOKIE = "truce_session"
FORM_FIELD = "csrf"


class Role(StrEnum):
    mediator = "mediator"
    party = "party"
    observer = "observer"


ALL = (Role.mediator, Role.party, Role.observer)


@dataclass(frozen=True)
class Viewer:
    person: int
    name: str
    role: Role
    party: str | None  # the side this person speaks for (party role only)
    talks_id: str
    form_token: str | None = None  # what forms must send back: signed in by a session (None: by a bearer token)
    number: int = 0  # the person's number among the people of their talks (1: the first given access)

    def may_see_party(self, party: str) -> bool:
        """Whether this viewer may see ``party``'s preferences and anything derived from them."""
        return self.role == Role.mediator or (self.role == Role.party and self.party == party)

    @property
    def label(self) -> str:
        """Who wrote something, as a version's author and the audit log's actor keep it: the name, the role and
        side, and the person's number among the people of the talks, which tells apart two people given the same
        name (and, unlike their id, says nothing of how many people other talks have)."""
        return self.label_in("")

    def label_in(self, where: str) -> str:
        """:attr:`label` followed by ``where`` (" in talks gaza-2024"), the name cut to fit if need be."""
        side = f": {self.party}" if self.party else ""
        return fitted(self.name, f" ({self.role.value}{side}, person {self.number}){where}")


# What the database keeps of who wrote something (a version's author, an audit entry's actor, a person's name):
# the size of those columns, which PostgreSQL enforces.
WHO_MOST = 200


def fitted(name: str, after: str, before: str = "") -> str:
    """``before + name + after`` within :data:`WHO_MOST` characters: a person's name may itself be that long, so
    what is written around it would not fit; the name is cut (ending in "…"), never what says whose it is."""
    room = WHO_MOST - len(before) - len(after)
    return before + (name if len(name) <= room else name[: room - 1] + "…") + after


class NotSignedIn(Exception):
    pass


class Forbidden(Exception):
    pass


def store_of(request: Request) -> Store:
    store: Store = request.app.state.store
    return store


async def store_dep(request: Request) -> Store:
    """The store, as a dependency: a coroutine, so that reading it takes no worker thread (a plain function
    would wait its turn for one, as every sync dependency does)."""
    return store_of(request)


def settings_of(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def token_of(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip() or None
    return None


def form_token(session_id: str) -> str:
    """The form token of a session: derived from its id, which only the signed-in browser holds."""
    return hmac.new(session_id.encode("utf-8"), b"form token", hashlib.sha256).hexdigest()


def session_person(request: Request) -> tuple[Person, str] | None:
    """The person signed in by the session cookie, and the session id (pages only: never for the API)."""
    session_id = request.cookies.get(COOKIE)
    if not session_id or len(session_id) > 200 or request.url.path.startswith("/api/"):
        return None
    idle = dt.timedelta(minutes=settings_of(request).session_idle_minutes)
    person = store_of(request).session_person(session_id, idle)
    return None if person is None else (person, session_id)


def _viewer(store: Store, person: Person, form: str | None) -> Viewer:
    number = store.person_number(person)
    return Viewer(person.id, person.name, Role(person.role), person.party, person.talks_id, form, number)


def optional_viewer(request: Request) -> Viewer | None:
    token = token_of(request)
    if token is not None:
        person = store_of(request).person_by_token(token) if len(token) <= 200 else None
        return None if person is None else _viewer(store_of(request), person, None)
    found = session_person(request)
    return None if found is None else _viewer(store_of(request), found[0], form_token(found[1]))


def current_viewer(request: Request) -> Viewer:
    viewer = optional_viewer(request)
    if viewer is None:
        raise NotSignedIn()
    return viewer


class Allow:
    """A dependency admitting the given roles, and only people of the talks named in the path."""

    def __init__(self, roles: tuple[Role, ...]) -> None:
        self.roles = roles

    async def __call__(self, request: Request, viewer: Viewer = Depends(current_viewer)) -> Viewer:
        talks_id = request.path_params.get("talks_id")
        if talks_id is not None and talks_id != viewer.talks_id:
            raise Forbidden()
        if viewer.role not in self.roles:
            raise Forbidden()
        party = request.path_params.get("party")
        if party is not None and not viewer.may_see_party(str(party)):
            raise Forbidden()
        if viewer.form_token is not None and request.method not in SAFE_METHODS:
            await check_form_token(request, viewer.form_token)
        return viewer


async def check_form_token(request: Request, expected: str) -> None:
    """A form sent with a session cookie must carry that session's form token (403 otherwise)."""
    sent = (await request.form()).get(FORM_FIELD)
    if not isinstance(sent, str) or not hmac.compare_digest(sent.encode(), expected.encode()):
        raise http_error(403, "this form is not from this site's pages, or has expired: reload the page")


def access(*roles: Role) -> dict[str, Any]:
    """Route keyword arguments: the roles admitted, enforced and documented (``x-roles``)."""
    return {
        "dependencies": [Depends(Allow(tuple(roles)))],
        "openapi_extra": {"x-roles": [r.value for r in roles]},
    }


PUBLIC: dict[str, Any] = {"openapi_extra": {"x-roles": ["anyone"]}}


def http_error(status: int, message: str) -> HTTPException:
    return HTTPException(status_code=status, detail=message)
