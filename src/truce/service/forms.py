"""What the recording pages' forms share: the fields as sent, errors next to the field that caused them, and
the mapping from a scenario problem's JSON path to the form field a person typed it in.

A form is never trusted to be well-formed: every field may be missing, too long, or not what its control
would send. Whatever arrives, the page answers with the form again, the input kept and each problem beside
its field (a 4xx), never with a server error.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from fastapi import Request

from truce.errors import InputError, Problem
from truce.model.scenario import Issue, IssueKind
from truce.service.schemas import LINE

MAX_FIELDS = 2_000  # a preferences form on a large scenario stays far below this
MAX_VALUE = 20_000  # characters of one field (the scenario model's Text)
ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$")
OPEN = "__open__"  # the value of a term control that leaves its issue open


@dataclass
class Fields:
    """A form as sent: every value of every field, as text (files are not kept here), and ``refused``: why a
    field cannot be taken as sent (over :data:`MAX_VALUE` characters, or holding a NUL), by field."""

    values: dict[str, list[str]] = field(default_factory=dict)
    refused: dict[str, str] = field(default_factory=dict)

    def get(self, name: str, default: str = "") -> str:
        found = self.values.get(name)
        return found[0] if found else default

    def all(self, name: str) -> list[str]:
        return list(self.values.get(name, []))

    def has(self, name: str) -> bool:
        return name in self.values


async def form_fields(request: Request) -> Fields:
    """The form's text fields (a dependency: read once, in the event loop, before a sync route runs).

    Values are kept as sent, so that the form comes back with everything typed; a value past
    :data:`MAX_VALUE` or holding a NUL is never cut or cleaned into something saved, but noted in
    ``refused``, which :meth:`Errors.of` puts beside the field. A field name over 200 characters is no
    field any form has, and is left out."""
    form = await request.form(max_fields=MAX_FIELDS)
    fields = Fields()
    for name, value in form.multi_items():
        if isinstance(value, str) and len(name) <= 200:
            fields.values.setdefault(name, []).append(value)
            why = _refusal(value)
            if why is not None:
                fields.refused.setdefault(name, why)
    await form.close()  # any file sent along is not read
    return fields


def _refusal(value: str) -> str | None:
    """Why a value sent in a form cannot be taken as it is (None: it can); the API's bounds say the same."""
    if len(value) > MAX_VALUE:
        return f"at most {MAX_VALUE:,} characters (got {len(value):,})"
    if "\x00" in value:
        return "a NUL character is not allowed"
    return None


@dataclass
class Errors:
    """Problems found in a form, by field; ``general`` holds those that belong to no one field."""

    by_field: dict[str, str] = field(default_factory=dict)
    general: list[str] = field(default_factory=list)

    @classmethod
    def of(cls, fields: Fields) -> Errors:
        """The errors a form starts with: every field refused as sent. Every route reading a form starts
        here, so that no value over a limit is cut or cleaned and then saved."""
        return cls(by_field=dict(fields.refused))

    def add(self, name: str, message: str) -> None:
        if name in self.by_field:
            self.by_field[name] += f"; {message}"
        else:
            self.by_field[name] = message

    def __bool__(self) -> bool:
        return bool(self.by_field or self.general)

    def absorb(self, exc: InputError, where: Callable[[tuple[Any, ...]], str | None]) -> None:
        """Each problem of ``exc`` beside the field ``where`` names for its path (or in general)."""
        for problem in exc.problems:
            name = where(problem.path)
            if name is None:
                self.general.append(problem.message)
            else:
                self.add(name, problem.message)


def text(fields: Fields, name: str, errors: Errors, *, required: bool = False, most: int = 500) -> str | None:
    """A line of text (None when empty and not required)."""
    if name in fields.refused:
        return None  # already beside the field (see Errors.of)
    value = fields.get(name).strip()
    if not value:
        if required:
            errors.add(name, "required")
        return None
    if len(value) > most:
        errors.add(name, f"at most {most} characters (got {len(value)})")
    elif re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", value):
        errors.add(name, "control characters are not allowed")
    return value


def line(fields: Fields, name: str, errors: Errors, *, required: bool = False, most: int = 500) -> str | None:
    """One line of text (None when empty and not required): a name or a title, held to the API's rule for
    them (:data:`truce.service.schemas.LINE`), so that a form takes no name the API would refuse."""
    value = text(fields, name, errors, required=required, most=most)
    if value is not None and name not in errors.by_field and not re.fullmatch(LINE, value):
        errors.add(name, "one line with no control characters")
    return value


def ident(fields: Fields, name: str, errors: Errors, *, required: bool = True) -> str | None:
    """An identifier: letters, digits, '_', '.', '-' (as ids are everywhere in a scenario)."""
    value = fields.get(name).strip()
    if not value:
        if required:
            errors.add(name, "required")
        return None
    if len(value) > 80 or not ID.match(value):
        errors.add(name, "use letters, digits, '_', '.' or '-' (at most 80), starting with a letter or digit")
        return None
    return value


def date(fields: Fields, name: str, errors: Errors, *, required: bool = True) -> str | None:
    """A date as YYYY-MM-DD (what a date input sends)."""
    value = fields.get(name).strip()
    if not value:
        if required:
            errors.add(name, "required (YYYY-MM-DD)")
        return None
    try:
        return dt.date.fromisoformat(value).isoformat()
    except ValueError:
        errors.add(name, f"not a date: {value[:40]!r} (use YYYY-MM-DD)")
        return None


def number(
    fields: Fields, name: str, errors: Errors, *, low: float | None = None, high: float | None = None
) -> float | None:
    """A finite number within [low, high] (None when empty)."""
    value = fields.get(name).strip()
    if not value:
        return None
    try:
        x = float(value)
    except ValueError:
        errors.add(name, f"not a number: {value[:40]!r}")
        return None
    if not math.isfinite(x) or (low is not None and x < low) or (high is not None and x > high):
        errors.add(name, f"must be {_range_text(low, high)}")
        return None
    return tidy(x)


def _range_text(low: float | None, high: float | None) -> str:
    if low is not None and high is not None:
        return f"between {low:g} and {high:g}"
    return f"at least {low:g}" if low is not None else f"at most {high:g}" if high is not None else "a finite number"


def tidy(x: float) -> float | int:
    """A whole number as an int (so a file reads 600, not 600.0)."""
    return int(x) if float(x).is_integer() and abs(x) < 2**53 else x


def id_list(fields: Fields, name: str, errors: Errors, known: Iterable[str]) -> list[str]:
    """Ids separated by commas or spaces, each one of ``known``: from one text field, or from every box
    ticked (a group of checkboxes sends one value each, all under one name)."""
    allowed = set(known)
    found = [part for value in fields.all(name) for part in re.split(r"[,\s]+", value) if part]
    unknown = [part for part in found if part not in allowed]
    if unknown:
        errors.add(name, f"unknown: {', '.join(u[:40] for u in unknown[:5])}")
    if len(found) > 100:
        errors.add(name, "at most 100")
    return list(dict.fromkeys(p for p in found if p in allowed))


def term(issue: Issue, value: str, name: str, errors: Errors) -> str | int | float | None:
    """The term a control sent for ``issue`` (None: nothing chosen); a term the issue does not have is an error."""
    value = value.strip()
    if not value or value == OPEN:
        return None
    if issue.kind is IssueKind.numeric:
        try:
            x = float(value)
        except ValueError:
            errors.add(name, f"not a number: {value[:40]!r}")
            return None
        # an infinite x is within the tolerance (itself infinite) of every value: it would be taken for the first
        grid = issue.grid() if math.isfinite(x) else []
        match = next((g for g in grid if abs(g - x) <= 1e-9 * max(1.0, abs(x))), None)
        if match is None:
            errors.add(name, f"must be from {issue.min} to {issue.max} in steps of {issue.step}")
            return None
        return match
    if value not in {o.id for o in issue.options}:
        errors.add(name, "not one of this issue's options")
        return None
    return value


def problem_field(path: tuple[Any, ...], names: dict[str, str]) -> str | None:
    """The form field a problem's path points at: the first part of the path (after the list and the item)
    that ``names`` maps to a field, else None."""
    for part in path:
        if isinstance(part, str) and part in names:
            return names[part]
    return None


def problems(message: str, path: tuple[Any, ...] = ()) -> InputError:
    return InputError([Problem(message, path)])
