"""``truce serve`` (the web service) and ``truce audit verify`` (check the audit chain)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import typer

from truce.cli.common import app, check_output, console, errors, guarded, print_json, write_atomically
from truce.cli.database import open_store, sqlite_file
from truce.errors import InputError, Problem
from truce.service.guard import LOOPBACK_HOSTS, MIB, Settings, host_name, is_loopback, normal_host, origin_of

if TYPE_CHECKING:
    from truce.model.scenario import Scenario
    from truce.store.repo import Store

SHIPPED = "examples/gaza-2024"
SHIPPED_EXCHANGE = "examples/exchange-2025"
audit_app = typer.Typer(name="audit", help="Check the service's audit log.", no_args_is_help=True)
app.add_typer(audit_app, name="audit")


def shipped(name: str) -> Path:
    """A shipped example: ``examples/...`` here, else the one beside the installed sources."""
    here = Path(name)
    return here if here.exists() else Path(__file__).resolve().parents[3] / name


@dataclass(frozen=True)
class FirstStart:
    """What a first start puts in an empty database, read and checked before the database is opened: a bad file
    then leaves no database behind, nor one holding talks that no one was given a token to sign in to."""

    scenario: Scenario
    exchange: tuple[dict[str, Any], str] | None = None  # the agreement's data and its release log's text


def read_first_start(scenario: Path, exchange: Path | None = None) -> FirstStart:
    from truce.io.scenario_files import load_scenario

    return FirstStart(load_scenario(scenario), None if exchange is None else read_exchange(exchange))


def read_exchange(folder: Path) -> tuple[dict[str, Any], str]:
    """An exchange agreement (a folder with ``agreement.yaml`` and, optionally, ``release-log.csv``), checked as
    `truce exchange` checks it: its data, and its release log's text."""
    from truce.io.agreement_files import load_agreement, read_release_log, read_text_file

    agreement, doc = load_agreement(folder)
    log = folder / "release-log.csv" if folder.is_dir() else None
    text = read_text_file(log) if log is not None and log.is_file() else ""
    if text:
        read_release_log(text, agreement, str(log))  # the store keeps the text as given: its problems are said now
    return doc.data, text


def seed_exchange(store: Store, talks_id: str, folder: Path) -> None:
    """Monitor an exchange agreement (see :func:`read_exchange`)."""
    data, text = read_exchange(folder)
    store.put_exchange(talks_id, data, text, 0, "truce serve (first start)", lambda _a, _l: None)


def seed(store: Store, start: FirstStart, demo: bool) -> list[tuple[str, str | None, str]]:
    """Put the talks read for a first start into an empty database and make one person per role (and per side).

    Returns (role, party, token) for each; tokens are printed once and only their hashes are kept.
    With ``demo``, the tokens are the documented ``demo-...`` ones (for local use only)."""
    from truce.io.scenario_files import scenario_to_data
    from truce.store.repo import new_token

    s = start.scenario
    wanted: list[tuple[str, str | None, str]] = [("mediator", None, "mediator")]
    wanted += [("party", p.id, p.name) for p in s.parties if p.role.value == "party"]
    wanted.append(("observer", None, "observer"))
    made = [(role, party, f"demo-{party or role}" if demo else new_token()) for role, party, _ in wanted]
    people = [(name, role, party, token) for (role, party, name), (_, _, token) in zip(wanted, made, strict=True)]
    # one transaction: stopped halfway, no talks are left that nobody holds a token for (the demo mark with
    # them, so that a database with the public demo tokens is never served beyond loopback)
    store.seed_talks(scenario_to_data(s), start.exchange, people, "truce serve (first start)", demo=demo)
    return made


def _origin(text: str) -> str:
    """An --origin value as the origin check compares it; a located error for anything but scheme://name[:port]."""
    found, parts = origin_of(text), urlsplit(text.strip())
    if found is None or parts.path not in ("", "/") or parts.query or parts.fragment or parts.username is not None:
        raise InputError([Problem(f"{text!r}: expected an origin, http(s)://name[:port], no path", (), "--origin")])
    return found


@app.command()
@guarded
def serve(
    host: str = typer.Option("127.0.0.1", "--host", help="address to listen on"),
    port: int = typer.Option(8000, "--port", min=1, max=65535),
    db: str | None = typer.Option(
        None, "--db", help="database URL or SQLite file (default: $TRUCE_DATABASE_URL, else ./truce.db)"
    ),
    scenario: Path | None = typer.Option(None, "--scenario", help="case to open on an empty database"),
    exchange: Path | None = typer.Option(
        None, "--exchange", help="exchange agreement folder to monitor (default with the shipped case: its own)"
    ),
    demo: bool = typer.Option(False, "--demo", help="on an empty database, use the documented demo tokens"),
    max_body: int = typer.Option(
        MIB, "--max-body", min=1024, max=1024 * MIB, help="largest request body in bytes (larger: 413)"
    ),
    allowed_host: list[str] = typer.Option(
        [], "--allowed-host", help="a host name the server answers to besides loopback ones (repeatable)"
    ),
    session_idle: int = typer.Option(
        8 * 60, "--session-idle", min=1, max=60 * 24 * 30, help="minutes after which an unused page session ends"
    ),
    origin: list[str] = typer.Option(
        [],
        "--origin",
        help="the address people reach the service at behind a TLS proxy, e.g. https://truce.example (repeatable): "
        "writes from any other origin, the same name over plain HTTP included, are refused; its name is allowed",
    ),
) -> None:
    """Run the mediation service (API and pages). An empty database gets the shipped case and tokens."""
    import uvicorn

    from truce.service.app import create_app
    from truce.service.views import warm

    if demo and not is_loopback(host):
        raise InputError([Problem("--demo tokens are public: use them on 127.0.0.1 only", (), "--host")])
    origins = tuple(dict.fromkeys(_origin(o) for o in origin))
    hosts = [*LOOPBACK_HOSTS, *allowed_host, *(host_name(o.split("://", 1)[1]) for o in origins)]
    if host not in ("0.0.0.0", "::", ""):  # an address to listen on is also a name to be reached by
        hosts.append(normal_host(host))
    start = _first_start(scenario, exchange)  # every file read and checked before the database is opened
    store = _open_store(db, host)
    if store.is_empty():
        _open_talks(store, start, demo)
    else:
        console.print("Sign in with the tokens printed on the first start (see docs/service.md).", soft_wrap=True)
    warm(store)  # build the talks and solve the exchange plans before the first reader comes
    console.print(f"truce is serving on http://{host}:{port}/", soft_wrap=True)
    settings = Settings(
        max_body=max_body, allowed_hosts=tuple(hosts), session_idle_minutes=session_idle, origins=origins
    )
    uvicorn.run(create_app(store, settings), host=host, port=port, log_level="warning")


def _open_store(db: str | None, host: str) -> Store:
    """Open the database, refusing (and closing it) if a --demo database would be served beyond loopback."""
    store = open_store(db, existing=False)
    if store.is_demo() and not is_loopback(host):
        store.close()
        raise InputError(
            [
                Problem(
                    "this database was made with --demo: anyone can sign in to it with the public demo tokens, "
                    "so it is served on loopback only (127.0.0.1); start real talks on a new database",
                    (),
                    "--host",
                )
            ]
        )
    return store


def _first_start(scenario: Path | None, exchange: Path | None) -> FirstStart:
    """The talks to open on an empty database: those given, else the shipped case and its exchange."""
    if exchange is None and scenario is None and shipped(SHIPPED_EXCHANGE).exists():
        exchange = shipped(SHIPPED_EXCHANGE)
    return read_first_start(scenario or shipped(SHIPPED), exchange)


def _open_talks(store: Store, start: FirstStart, demo: bool) -> None:
    """Seed an empty database and print its tokens once."""
    made = seed(store, start, demo)
    console.print("Opened the talks on an empty database. Sign-in tokens (shown once, keep them safe):", soft_wrap=True)
    for role, party, token in made:
        console.print(f"  {role}{' ' + party if party else ''}: {token}", soft_wrap=True)


SECRET_ENV = "TRUCE_AUDIT_SECRET"
MAX_SECRET_BYTES = 64 * 1024  # a key, not a document: a secret file past this is the wrong file
MAX_CHECKPOINT_BYTES = 64 * 1024  # what `audit checkpoint` writes is a few hundred bytes
SECRET_FILE = typer.Option(
    None, "--secret-file", help=f"file holding the checkpoint key (default: ${SECRET_ENV}); keep it out of the database"
)


def audit_secret(path: Path | None) -> bytes:
    """The checkpoint key: a file's contents, else ``$TRUCE_AUDIT_SECRET``. Never stored in the database."""
    import os

    if path is not None:
        from truce.io.documents import read_limited

        secret = read_limited(path, str(path), MAX_SECRET_BYTES).strip()
        where = str(path)
    else:
        secret = os.environ.get(SECRET_ENV, "").strip().encode("utf-8")
        where = "$" + SECRET_ENV
    if len(secret) < 16:
        raise InputError(
            [Problem(f"a checkpoint needs a secret of at least 16 bytes (--secret-file or ${SECRET_ENV})", (), where)]
        )
    return secret


@audit_app.command("verify")
@guarded
def audit_verify(
    db: str | None = typer.Option(None, "--db", help="database URL or SQLite file (default as for serve)"),
    expect_head: str | None = typer.Option(None, "--expect-head", help="a head hash recorded earlier"),
    checkpoint: Path | None = typer.Option(
        None, "--checkpoint", help="a file written by `truce audit checkpoint`: nothing up to it may have changed"
    ),
    secret_file: Path | None = SECRET_FILE,
    json_out: bool = typer.Option(False, "--json", help="machine-readable output"),
) -> None:
    """Check every audit entry's hash chain and every recorded row; exit 1 on any altered or missing entry."""
    import json

    point = None
    if checkpoint is not None:
        from truce.io.documents import decode_utf8, read_limited

        text = decode_utf8(read_limited(checkpoint, str(checkpoint), MAX_CHECKPOINT_BYTES), str(checkpoint))
        try:
            point = json.loads(text)
        except ValueError as exc:
            raise InputError([Problem(f"cannot read the checkpoint: {exc}", (), str(checkpoint))]) from None
    secret = audit_secret(secret_file) if checkpoint is not None else b""
    store = open_store(db, existing=True, reading=True)
    try:
        result = store.verify()
        problems = list(result.problems)
        if point is not None:
            problems += store.check_checkpoint(point, secret)
    finally:
        store.close()
    if expect_head is not None and expect_head != result.head:
        problems.append(f"the head is {result.head}, not the expected {expect_head} (entries removed or added)")
    if json_out:
        print_json({"valid": not problems, "entries": result.entries, "head": result.head, "problems": problems})
    elif problems:
        for problem in problems:
            errors.print(problem, soft_wrap=True)
    else:
        console.print(f"ok: {result.entries} entries, head {result.head}", soft_wrap=True)
    if problems:
        raise typer.Exit(1)


@audit_app.command("checkpoint")
@guarded
def audit_checkpoint(
    out: Path = typer.Option(..., "--out", help="JSON file to write the checkpoint to (keep it off the database host)"),
    db: str | None = typer.Option(None, "--db", help="database URL or SQLite file (default as for serve)"),
    secret_file: Path | None = SECRET_FILE,
    json_out: bool = typer.Option(False, "--json", help="machine-readable output"),
) -> None:
    """Verify the audit chain and write its head (position and hash, with an HMAC) to a file."""
    import json

    from truce.store import audit
    from truce.store.repo import now

    check_output(out, (".json",), [secret_file, sqlite_file(db)])
    secret = audit_secret(secret_file)
    store = open_store(db, existing=True, reading=True)
    try:
        result = store.verify()
    finally:
        store.close()
    if not result.ok:
        for problem in result.problems:
            errors.print(problem, soft_wrap=True)
        errors.print("the audit chain does not verify: no checkpoint written", soft_wrap=True)
        raise typer.Exit(1)
    point = audit.checkpoint(result, secret, now())
    write_atomically(out, json.dumps(point, indent=2) + "\n")
    if json_out:
        print_json({"file": str(out), "checkpoint": point})
        return
    console.print(f"checkpoint: entry {point['seq']}, head {point['head']} -> {out}", soft_wrap=True)
