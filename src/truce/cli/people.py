"""``truce people``: who may sign in to the service's database; end someone's access or give them a new token.

These work on the database directly (the mediator's own machine), so they also help a mediator who has lost
their token or whose token has leaked: the API's routes for the same need a working mediator's token.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

import typer

from truce.cli.common import app, console, guarded, print_json
from truce.cli.database import open_store
from truce.errors import InputError, Problem

if TYPE_CHECKING:
    from truce.store.repo import Store

people_app = typer.Typer(
    name="people", help="Who may sign in to the service: list, revoke, give a new token.", no_args_is_help=True
)
app.add_typer(people_app, name="people")
ACTOR = "truce people (command line)"
T = TypeVar("T")
DB_HELP = "database URL or SQLite file (default: $TRUCE_DATABASE_URL, else ./truce.db)"


def _person(store: Store, person_id: int) -> None:
    from truce.store.repo import NotFound

    try:
        store.person(person_id)
    except NotFound:
        store.close()
        raise InputError([Problem(f"no person {person_id} (see `truce people list`)", (), "PERSON")]) from None


def _change_person(db: str | None, person_id: int, change: Callable[[Store], T]) -> T:
    """Shared by revoke and rotate: open the store, check the person exists, make the change, always close."""
    from truce.store.repo import Conflict

    store = open_store(db, existing=True)
    _person(store, person_id)
    try:
        return change(store)
    except Conflict as exc:
        raise InputError([Problem(str(exc), (), "PERSON")]) from None
    finally:
        store.close()


@people_app.command("list")
@guarded
def people_list(
    db: str | None = typer.Option(None, "--db", help=DB_HELP),
    json_out: bool = typer.Option(False, "--json", help="machine-readable output"),
) -> None:
    """Everyone who has been given a token, talks by talks, and whether their access was revoked."""
    store = open_store(db, existing=True)
    rows = []
    for talks in store.talks():
        revoked = store.revoked(talks.id)
        for p in store.people(talks.id):
            row = {"id": p.id, "talks": talks.id, "name": p.name, "role": p.role, "party": p.party}
            rows.append({**row, "revoked": p.id in revoked})
    store.close()
    if json_out:
        print_json(rows)
        return
    for r in rows:
        party = f" {r['party']}" if r["party"] else ""
        state = " (revoked)" if r["revoked"] else ""
        console.print(f"{r['id']:>4}  {r['talks']}  {r['role']}{party}: {r['name']}{state}", soft_wrap=True)


@people_app.command("revoke")
@guarded
def people_revoke(
    person_id: int = typer.Argument(..., metavar="PERSON", min=1, help="the person's id (see `truce people list`)"),
    db: str | None = typer.Option(None, "--db", help=DB_HELP),
    json_out: bool = typer.Option(False, "--json", help="machine-readable output"),
) -> None:
    """End someone's access for good: their token stops working and their signed-in pages are signed out."""
    _change_person(db, person_id, lambda store: store.revoke_person(person_id, ACTOR))
    if json_out:
        print_json({"person": person_id, "revoked": True})
        return
    console.print(f"person {person_id}: revoked", soft_wrap=True)


@people_app.command("rotate")
@guarded
def people_rotate(
    person_id: int = typer.Argument(..., metavar="PERSON", min=1, help="the person's id (see `truce people list`)"),
    db: str | None = typer.Option(None, "--db", help=DB_HELP),
    json_out: bool = typer.Option(False, "--json", help="machine-readable output"),
) -> None:
    """Give someone a new token (printed once): the old one stops working and their pages are signed out."""
    token = _change_person(db, person_id, lambda store: store.rotate_token(person_id, ACTOR))
    if json_out:
        print_json({"person": person_id, "token": token})
        return
    console.print(f"person {person_id}: new token (shown once, keep it safe): {token}", soft_wrap=True)
