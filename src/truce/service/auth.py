"""Who is asking, and what they may see.

A person signs in with a token (``Authorization: Bearer ...`` for the API, a cookie for the pages). Only the
token's SHA-256 is stored. Each route declares the roles it admits (``x-roles`` in the OpenAPI document);
:func:`access` both enforces that and writes it into the document, so the two cannot drift apart.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from fastapi import Depends, HTTPException, Request

from truce.store.repo import Store

COOKIE = "truce_token"


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

    def may_see_party(self, party: str) -> bool:
        """Whether this viewer may see ``party``'s preferences and anything derived from them."""
        return self.role == Role.mediator or (self.role == Role.party and self.party == party)

    @property
    def label(self) -> str:
        return f"{self.name} ({self.role.value}{': ' + self.party if self.party else ''})"


class NotSignedIn(Exception):
    pass


class Forbidden(Exception):
    pass


def store_of(request: Request) -> Store:
    store: Store = request.app.state.store
    return store


def token_of(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip() or None
    return request.cookies.get(COOKIE) or None


def optional_viewer(request: Request) -> Viewer | None:
    token = token_of(request)
    if not token or len(token) > 200:
        return None
    person = store_of(request).person_by_token(token)
    if person is None:
        return None
    return Viewer(person.id, person.name, Role(person.role), person.party, person.talks_id)


def current_viewer(request: Request) -> Viewer:
    viewer = optional_viewer(request)
    if viewer is None:
        raise NotSignedIn()
    return viewer


class Allow:
    """A dependency admitting the given roles, and only people of the talks named in the path."""

    def __init__(self, roles: tuple[Role, ...]) -> None:
        self.roles = roles

    def __call__(self, request: Request, viewer: Viewer = Depends(current_viewer)) -> Viewer:
        talks_id = request.path_params.get("talks_id")
        if talks_id is not None and talks_id != viewer.talks_id:
            raise Forbidden()
        if viewer.role not in self.roles:
            raise Forbidden()
        party = request.path_params.get("party")
        if party is not None and not viewer.may_see_party(str(party)):
            raise Forbidden()
        return viewer


def access(*roles: Role) -> dict[str, Any]:
    """Route keyword arguments: the roles admitted, enforced and documented (``x-roles``)."""
    return {
        "dependencies": [Depends(Allow(tuple(roles)))],
        "openapi_extra": {"x-roles": [r.value for r in roles]},
    }


PUBLIC: dict[str, Any] = {"openapi_extra": {"x-roles": ["anyone"]}}


def http_error(status: int, message: str) -> HTTPException:
    return HTTPException(status_code=status, detail=message)
