"""Exchange files: agreement YAML, plan JSON, release-log CSV and people-list CSV, errors located.

An agreement is one file or a folder holding ``agreement.yaml``. CSV files may start with ``#``
comment lines; the first other line is the header. Every problem is reported as ``file:line:col``.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from pathlib import Path as FsPath
from typing import cast

from pydantic import ValidationError

from truce.errors import InputError, Problem
from truce.io.documents import MAX_BYTES, Document, decode_text, input_file, read_document, read_limited
from truce.model.checks import pydantic_problems
from truce.model.exchange import (
    MAX_COUNT,
    MAX_DAY,
    Agreement,
    Destination,
    Event,
    Identified,
    Person,
    Plan,
    Status,
    build_agreement,
)

AGREEMENT_NAMES = ("agreement.yaml", "agreement.yml", "agreement.json")
MAX_ROWS = 200_000


def agreement_file(path: str | FsPath) -> FsPath:
    """The file behind an agreement argument: the file itself, or a folder's ``agreement.yaml``."""
    return input_file(FsPath(path), AGREEMENT_NAMES, str(path))


def _locate_all(doc: Document, exc: InputError) -> InputError:
    return InputError(
        [doc.locate(p, prefer_key="unknown field" in p.message or "duplicate" in p.message) for p in exc.problems]
    )


def load_agreement(path: str | FsPath) -> tuple[Agreement, Document]:
    """Read and validate an agreement; the document is kept to locate later problems (e.g. conflicts)."""
    doc = read_document(agreement_file(path))
    try:
        return build_agreement(doc.data), doc
    except InputError as exc:
        raise _locate_all(doc, exc) from None


def load_plan(path: str | FsPath, a: Agreement) -> tuple[Plan, Document]:
    """Read a plan written by ``truce exchange plan --json`` for agreement ``a``; the document is kept to locate
    the plan's own problems."""
    file = FsPath(path)
    # a missing file or a link to nothing said so; a folder or a device by the reader ("no such file" of /dev/zero)
    doc = read_document(file if file.is_dir() else input_file(file, (), str(path)))
    if not isinstance(doc.data, dict):
        raise InputError([Problem("expected a mapping with `days`", (), doc.file, 1, 1)])
    try:
        plan = Plan.model_validate(doc.data)
    except ValidationError as exc:
        raise _locate_all(doc, InputError(pydantic_problems(exc, doc.data))) from None
    if plan.agreement is not None and plan.agreement != a.id:  # its categories and keys are another agreement's
        problem = Problem(f"the plan is for agreement {plan.agreement!r}, not {a.id!r}", ("agreement",))
        raise InputError([doc.locate(problem)])
    return plan, doc


def read_text_file(path: str | FsPath) -> str:
    """A text file of the agreement's folder (a release log, a list of people) as UTF-8, within the size limit."""
    name = str(path)
    return decode_text(read_limited(FsPath(path), name, MAX_BYTES), name)


def _field_starts(line: str) -> list[int]:
    """1-based column where each comma-separated field of ``line`` starts (quotes respected)."""
    starts = [1]
    quoted = False
    for i, ch in enumerate(line):
        if ch == '"':
            quoted = not quoted
        elif ch == "," and not quoted:
            starts.append(i + 2)
    return starts


def _rows(
    text: str, name: str, required: tuple[str, ...], known: tuple[str, ...]
) -> Iterator[tuple[int, dict[str, str], dict[str, int]]]:
    """(line number, row, column of each field) for each data row of ``text`` (named ``name``); header checked."""
    lines = text.splitlines()
    header_at = next((n for n, text in enumerate(lines) if text.strip() and not text.lstrip().startswith("#")), None)
    if header_at is None:
        raise InputError([Problem(f"no header line (expected columns {', '.join(required)})", (), name, 1, 1)])
    header = [h.strip() for h in next(csv.reader([lines[header_at]]))]
    starts = _field_starts(lines[header_at])
    problems = []
    for k, h in enumerate(header):
        if h not in known:
            problems.append(
                Problem(f"unknown column {h!r} (expected {', '.join(known)})", (), name, header_at + 1, starts[k])
            )
    for h in required:
        if h not in header:
            problems.append(Problem(f"missing column {h!r}", (), name, header_at + 1, 1))
    if problems:
        raise InputError(problems)
    count = 0
    for n in range(header_at + 1, len(lines)):
        text = lines[n]
        if not text.strip() or text.lstrip().startswith("#"):
            continue
        count += 1
        if count > MAX_ROWS:
            raise InputError([Problem(f"more than {MAX_ROWS:,} rows", (), name, n + 1, 1)])
        try:
            fields = next(csv.reader(io.StringIO(text)))
        except csv.Error as exc:
            raise InputError([Problem(f"invalid CSV: {exc}", (), name, n + 1, 1)]) from None
        if len(fields) > len(header):
            raise InputError([Problem(f"{len(fields)} fields, header has {len(header)}", (), name, n + 1, 1)])
        at = _field_starts(text)
        row = {h: (fields[k].strip() if k < len(fields) else "") for k, h in enumerate(header)}
        cols = {h: (at[k] if k < len(at) else len(text) + 1) for k, h in enumerate(header)}
        yield n + 1, row, cols


HIGHEST = {"count": MAX_COUNT, "day": MAX_DAY}  # a log's cells have the agreement file's bounds
_DIGITS = re.compile(r"\s*([+-]?)\d+\s*")  # a whole number, of however many digits (int() reads up to 4,300)
LONGEST_SHOWN = 30  # characters of a number quoted whole in a message


def _int(text: str, what: str, low: int) -> int:
    """A cell's whole number within ``low`` and the column's highest; a number of more digits than Python reads
    is out of range as well, and is said to be, not to be no number."""
    try:
        value: float = int(text)
    except ValueError:
        digits = _DIGITS.fullmatch(text)
        if digits is None:
            raise ValueError(f"{what} must be a whole number (got {text!r})") from None
        value = float("-inf") if digits.group(1) == "-" else float("inf")
    if value < low:
        raise ValueError(f"{what} must be at least {low} (got {_shown(text)})")
    if value > HIGHEST[what]:
        raise ValueError(f"{what} must be at most {HIGHEST[what]:,} (got {_shown(text)})")
    return int(value)


def _shown(number: str) -> str:
    """A number as a message quotes it: whole while short, else how many digits it has."""
    number = number.strip()
    if len(number) <= LONGEST_SHOWN:
        return number
    sign = "a negative" if number.startswith("-") else "a"
    return f"{sign} number of {sum(c.isdigit() for c in number):,} digits"


def load_release_log(path: str | FsPath, a: Agreement) -> list[Event]:
    """A release log file (see :func:`read_release_log`)."""
    return read_release_log(read_text_file(path), a, str(path))


LOG_COLUMNS = (
    "day",
    "time",
    "side",
    "category",
    "count",
    "ids",
    "destination",
    "identified",
    "recurring",
    "commitment",
    "note",
)
_CLOCK = re.compile(r"^([01][0-9]|2[0-3]):[0-5][0-9]$")


def read_release_log(text: str, a: Agreement, name: str = "release log") -> list[Event]:
    """A release log: ``day,side,category,count`` (or ``ids``), ``day,side,commitment`` or ``day,side,recurring,count``.

    Optional columns: ``time`` (HH:MM), ``destination`` (home or abroad; a row with a destination and no
    category counts the day's releases by destination when the record gives no category), ``identified``
    (yes, no or misidentified) and ``note``. ``name`` is the file the problems are located in.
    """
    events: list[Event] = []
    problems: list[Problem] = []
    seen: dict[tuple[str, ...], int] = {}  # each row's cells -> the line it was first on
    released: dict[str, int] = {}  # each identifier -> the line that released it
    for line, row, col in _rows(text, name, ("day", "side"), LOG_COLUMNS):
        cells = tuple(row.get(c, "") for c in LOG_COLUMNS)
        if cells in seen:  # counted twice, it would credit a side with people or trucks it never gave
            message = (
                f"the same row as line {seen[cells]}, word for word: a day recorded twice? Two releases alike are "
                "one row with their counts added, or two told apart by their time or note"
            )
            problems.append(Problem(message, (), name, line, 1))
            continue
        seen[cells] = line
        try:
            event = _log_event(a, row)
        except _BadCell as exc:
            problems.append(Problem(exc.message, (), name, line, col.get(exc.column, 1)))
            continue
        # remains handed over as someone listed and found to be another (or not identified) did not release
        # that person: the right one may come later under the same identifier
        for ident in event.ids if event.identified in (None, "yes") else ():
            if ident in released:
                problems.append(
                    Problem(f"{ident!r} was released on line {released[ident]}", (), name, line, col["ids"])
                )
            released.setdefault(ident, line)
        events.append(event)
    if problems:
        raise InputError(problems)
    return events


def log_days(text: str, name: str = "release log") -> list[tuple[int, int, tuple[str, ...]]]:
    """(line number, day, cells in :data:`LOG_COLUMNS`' order) of each row of a release log that
    :func:`read_release_log` reads, so that a row can be told apart from those of another version of the log."""
    out = []
    for line, row, _ in _rows(text, name, ("day", "side"), LOG_COLUMNS):
        out.append((line, _int(row["day"], "day", 1), tuple(row.get(c, "") for c in LOG_COLUMNS)))
    return out


class _BadCell(Exception):
    def __init__(self, message: str, column: str) -> None:
        super().__init__(message)
        self.message, self.column = message, column


def _cell_int(row: dict[str, str], column: str, low: int) -> int:
    try:
        return _int(row[column], column, low)
    except ValueError as exc:
        raise _BadCell(str(exc), column) from None


def _choice(row: dict[str, str], column: str, allowed: tuple[str, ...]) -> str | None:
    value = row.get(column) or None
    if value is not None and value not in allowed:
        raise _BadCell(f"{column} must be {' or '.join(allowed)} (got {value!r})", column)
    return value


def _log_event(a: Agreement, row: dict[str, str]) -> Event:
    """One row of a release log as an event, or :class:`_BadCell` naming the column at fault."""
    day = _cell_int(row, "day", 1)
    side = row["side"]
    sides = {s.id for s in a.sides}
    # a commitment or recurring row may name no side: the record often does not say who answers for it
    if side not in sides and not (side == "" and (row.get("recurring") or row.get("commitment"))):
        raise _BadCell(f"unknown side {side!r} (expected {', '.join(sorted(sides))})", "side")
    time = row.get("time") or None
    if time is not None and not _CLOCK.match(time):
        raise _BadCell(f"time must be HH:MM, 00:00 to 23:59 (got {time!r})", "time")
    note = row.get("note", "")
    destination = cast(Destination | None, _choice(row, "destination", ("home", "abroad")))
    identified = cast(Identified | None, _choice(row, "identified", ("yes", "no", "misidentified")))
    named = [c for c in ("category", "commitment", "recurring") if row.get(c)]
    if len(named) > 1:
        raise _BadCell(
            f"a row is one of a release (category), a commitment or a recurring day, not {' and '.join(named)}",
            named[1],
        )
    if row.get("commitment"):
        return _commitment_event(a, row, day, side, time, note)
    if row.get("recurring"):
        return _recurring_event(a, row, day, side, time, note)
    if not row.get("category"):
        if destination is not None and row.get("count"):
            return Event(day, side, None, _cell_int(row, "count", 0), (), None, note, time, destination)
        raise _BadCell("give a category (with count or ids), a commitment or a recurring commitment", "category")
    category = row["category"]
    owner = a.category_side()
    if owner.get(category) != side:
        where = f" (it is of side {owner[category]})" if category in owner else ""
        raise _BadCell(f"{category!r} is not a category of side {side!r}{where}", "category")
    ids = tuple(i for i in row.get("ids", "").replace(";", " ").split() if i)
    count = _cell_int(row, "count", 0) if row.get("count") else len(ids)
    if ids and count != len(ids):
        raise _BadCell(f"count {count} but {len(ids)} identifiers", "count")
    if not count:
        raise _BadCell("give a count or identifiers", "count")
    return Event(day, side, category, count, ids, None, note, time, destination, identified)


def _commitment_event(a: Agreement, row: dict[str, str], day: int, side: str, time: str | None, note: str) -> Event:
    commitment = row["commitment"]
    known = {c.id for c in a.commitments}
    if commitment not in known:
        raise _BadCell(f"unknown commitment {commitment!r} (expected {', '.join(sorted(known))})", "commitment")
    _same_side(next(c.side for c in a.commitments if c.id == commitment), side, f"commitment {commitment}")
    return Event(day, side, None, 0, (), commitment, note, time)


def _recurring_event(a: Agreement, row: dict[str, str], day: int, side: str, time: str | None, note: str) -> Event:
    """A daily row of a recurring commitment: ``count`` done that day; no count: a yes/no one was kept."""
    rid = row["recurring"]
    known = {r.id: r for r in a.recurring}
    if rid not in known:
        raise _BadCell(
            f"unknown recurring commitment {rid!r} (expected {', '.join(sorted(known)) or '(none)'})", "recurring"
        )
    _same_side(known[rid].side, side, f"recurring commitment {rid}")
    if row.get("count"):
        count = _cell_int(row, "count", 0)
    elif known[rid].per_day is not None:
        raise _BadCell(f"{rid} is counted ({known[rid].per_day} a day): give the count", "count")
    else:
        count = 1
    return Event(day, side, None, count, (), None, note, time, recurring=rid)


def _same_side(owner: str | None, side: str, what: str) -> None:
    """A row naming another side than the one a commitment binds would credit that side with what it did."""
    if owner is not None and side and side != owner:
        raise _BadCell(f"{what} is side {owner}'s, not side {side}'s", "side")


def load_people(path: str | FsPath, a: Agreement) -> list[Person]:
    """A people list file (see :func:`read_people`)."""
    return read_people(read_text_file(path), a, str(path))


def read_people(text: str, a: Agreement, name: str = "people list") -> list[Person]:
    """A people list: ``id,side,category`` and an optional ``status`` (veto or exile); ``name`` locates problems."""
    owner = a.category_side()
    people: list[Person] = []
    problems: list[Problem] = []
    lines: dict[str, int] = {}  # each identifier -> the line it was first on
    for line, row, col in _rows(text, name, ("id", "side", "category"), ("id", "side", "category", "status")):
        status = row.get("status", "")
        if not row["id"]:
            problems.append(Problem("empty identifier", (), name, line, col["id"]))
        elif row["id"] in lines:
            problems.append(
                Problem(f"identifier {row['id']!r} is also on line {lines[row['id']]}", (), name, line, col["id"])
            )
        elif owner.get(row["category"]) != row["side"]:
            problems.append(
                Problem(
                    f"{row['category']!r} is not a category of side {row['side']!r}", (), name, line, col["category"]
                )
            )
        elif status not in ("", "veto", "exile"):
            problems.append(
                Problem(f"status must be veto, exile or empty (got {status!r})", (), name, line, col["status"])
            )
        else:
            checked: Status = "veto" if status == "veto" else "exile" if status == "exile" else ""
            people.append(Person(row["id"], row["side"], row["category"], checked))
        lines.setdefault(row["id"], line)
    if problems:
        raise InputError(problems)
    return people


def people_to_csv(people: list[Person]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["id", "side", "category", "status"])
    for p in people:
        writer.writerow([p.id, p.side, p.category, p.status])
    return out.getvalue()
