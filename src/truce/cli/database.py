"""Opening the service's database for a verb (``serve``, ``people``, ``audit``): the ``--db`` given is checked
before anything is made or changed in it, and one that cannot be opened is said in a line naming it.

Opening a store brings its schema up to date, so a file that is not truce's database would be turned into one:
an empty file, or another program's SQLite database, given tables it never had. Such files are refused as
they are found.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING

from truce.errors import InputError, Problem

if TYPE_CHECKING:
    from truce.store.repo import Store

SQLITE_HEADER = b"SQLite format 3\x00"  # the first 16 bytes of every SQLite database file
TRUCE_TABLE = "alembic_version"  # made by truce's first migration, and kept by every one after


def sqlite_file(db: str | None) -> Path | None:
    """The file of a SQLite database (``None`` for a database on a server)."""
    url = _url(db)
    return Path(url.removeprefix("sqlite:///")) if url.startswith("sqlite:///") else None


def open_store(db: str | None, *, existing: bool, reading: bool = False) -> Store:
    """The store at ``db`` (a URL or a SQLite file, see :func:`truce.store.db.database_url`). ``existing``: it must
    be truce's database already (people and audit work on one: they never make one). ``reading``: a check that
    must change nothing (audit): the schema is not upgraded, and one at another revision than this code reads is
    refused, left as it was."""
    from sqlalchemy.exc import ArgumentError, SQLAlchemyError

    from truce.store.repo import Store

    url = _url(db)
    file = sqlite_file(db)
    where = str(file) if file is not None else "--db"
    if file is not None:
        _check_file(file, existing)
    try:
        store = Store(url, upgrade=not reading)
        if reading:
            _check_revision(store, where)
        return store
    except OSError as exc:  # the file could not be made (a folder one may not write in)
        raise _refused(where, f"cannot make the database file ({exc.strerror})") from None
    except ArgumentError as exc:  # a URL of a kind no driver is known for
        raise _refused(where, f"not a database address truce can open ({_first_line(exc)})") from None
    except SQLAlchemyError as exc:  # a server that refuses, a file that is not a database after all
        raise _refused(where, f"cannot open the database ({_first_line(getattr(exc, 'orig', None) or exc)})") from None


def _check_revision(store: Store, where: str) -> None:
    """A schema this code does not read as it stands is said to be one, in a line, and how to bring it up to date:
    reading it would fail on a table or column it does not have yet."""
    from truce.store.db import revisions, schema_revision

    known = revisions()
    current = schema_revision(store.engine)
    if current == known[-1]:
        return
    store.close()
    if current in known:
        raise _refused(
            where,
            f"the database's schema is at revision {current}, older than this truce reads ({known[-1]}); "
            "nothing was changed in it: upgrade it by running `truce people list` on the same --db (which brings "
            "the schema up to date), then check it again",
        )
    said = "has no schema revision" if current is None else f"is at revision {current}, which this truce does not know"
    raise _refused(where, f"the database's schema {said} (made by a newer truce?); nothing was changed in it")


def _url(db: str | None) -> str:
    from sqlalchemy.exc import ArgumentError

    from truce.store.db import database_url

    try:
        return database_url(db)
    except ArgumentError as exc:
        raise _refused("--db", f"not a database URL or file ({_first_line(exc)})") from None


def _check_file(file: Path, existing: bool) -> None:
    """A SQLite file given to ``--db`` is truce's, or (for ``serve``, not ``existing``) new or empty; checked only
    by reading it, so that a refused file is left as it was."""
    if not file.exists():
        if existing:
            raise _refused(str(file), "no such database file")
        return
    if not file.is_file():
        raise _refused(str(file), "is a folder, not a database file" if file.is_dir() else "is not a database file")
    try:
        with file.open("rb") as handle:
            head = handle.read(len(SQLITE_HEADER))
    except OSError as exc:
        raise _refused(str(file), f"cannot read the database file ({exc.strerror})") from None
    if not head and not existing:
        return  # an empty file is an empty database: serve makes truce's in it, as in a new file
    if head != SQLITE_HEADER:
        raise _refused(str(file), "is not a database (not a SQLite file): nothing was changed in it")
    tables = _tables(file)
    if (existing or tables) and TRUCE_TABLE not in tables:
        said = f"has tables ({', '.join(sorted(tables)[:5])}), none of them truce's" if tables else "has no tables"
        raise _refused(str(file), f"is a SQLite database but not truce's: it {said}; nothing was changed in it")


def _tables(file: Path) -> set[str]:
    """The tables of a SQLite file, read without writing to it."""
    try:
        connection = sqlite3.connect(f"{file.resolve().as_uri()}?mode=ro", uri=True)
        try:
            return {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        finally:
            connection.close()
    except sqlite3.Error as exc:
        raise _refused(str(file), f"cannot open the database ({exc})") from None


def _first_line(exc: object) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


def _refused(where: str, message: str) -> InputError:
    return InputError([Problem(message, (), where)])
