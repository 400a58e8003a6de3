"""Request and response bodies of the API (pydantic), as the OpenAPI document describes them."""

from __future__ import annotations

import json
import re
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from truce.analysis.bridge import Criterion

Json = dict[str, Any]
# Bounds on what a client may send, so that no body within the size limit costs the server much to read,
# check or store. The shipped cases are far inside them (at most 85 sources, 24 events, 16 sources on one item).
MAX_ITEMS = 1_000  # entries of any list or object not named below
MAX_ITEMS_OF = {"sources": 100, "tabled_by": 20, "parties": 50, "participants": 50, "responses": 50}
MAX_SOURCES = 1_000  # the scenario's table of sources (an object keyed by source id)
MAX_TEXT = 20_000  # characters of any one string (the scenario model's Text)
MAX_DEPTH = 16
MAX_VALUES = 50_000  # strings, numbers and containers in one body
# A plain line of text: no control characters (a NUL cannot be stored on PostgreSQL, the others are noise), and
# none of the characters that break a line although they are not controls of ASCII (NEL, U+2028, U+2029).
LINE = r"^[^\x00-\x1f\x7f-\x9f\u2028\u2029]*$"
ONE_LINE_KEYS = ("name", "title")  # in a free-form body, what is shown as one line wherever it appears
NOTE_MOST = 300  # characters of a version's note: a short "what was wrong", not a second text


class BoundsError(ValueError):
    """A bound passed, with the JSON path of the value that passed it (the 422 names that field)."""

    def __init__(self, message: str, where: tuple[str | int, ...]) -> None:
        super().__init__(message)
        self.where = where


def _walk(value: Any, path: str, key: str, depth: int, count: list[int], where: tuple[str | int, ...]) -> None:
    count[0] += 1
    if count[0] > MAX_VALUES:
        raise BoundsError(f"more than {MAX_VALUES:,} values in one body", where[:1])
    if depth > MAX_DEPTH:
        raise BoundsError(f"{path}: nested more than {MAX_DEPTH} deep", where)
    if isinstance(value, str):
        if len(value) > MAX_TEXT:
            raise BoundsError(f"{path}: at most {MAX_TEXT:,} characters (got {len(value):,})", where)
        if "\x00" in value:
            raise BoundsError(f"{path}: a NUL character is not allowed", where)
        if key in ONE_LINE_KEYS and not re.fullmatch(LINE, value):
            raise BoundsError(f"{path}: one line with no control characters", where)
        return
    if isinstance(value, dict | list):
        limit = MAX_SOURCES if key == "sources" and isinstance(value, dict) else MAX_ITEMS_OF.get(key, MAX_ITEMS)
        if len(value) > limit:
            raise BoundsError(f"{path}: at most {limit:,} entries (got {len(value):,})", where)
        items = value.items() if isinstance(value, dict) else ((key, v) for v in value)
        for i, (k, v) in enumerate(items):
            inner = f"{path}.{k[:80].replace(chr(0), '?')}" if isinstance(value, dict) else f"{path}[{i}]"
            step: str | int = k[:80].replace(chr(0), "?") if isinstance(value, dict) else i
            if isinstance(value, dict):
                _walk(k, inner, k, depth + 1, count, (*where, step))
            _walk(v, inner, str(k), depth + 1, count, (*where, step))


def check_bounds(value: Any, what: str) -> None:
    """Raise ValueError, naming the field, if ``value`` (free-form JSON called ``what``) passes a bound above."""
    _walk(value, what, what, 0, [0], (what,))


def read_json(text: str | bytes, what: str) -> Any:
    """JSON text as Python's reader reads it. Nesting deep enough to exhaust the reader's recursion (a few
    thousand brackets fit in a form or a body) is refused as any nesting past :data:`MAX_DEPTH` is once read:
    a :class:`BoundsError` naming ``what``, never a RecursionError that would be answered as a failure."""
    try:
        return json.loads(text)
    except RecursionError:
        raise BoundsError(f"{what}: nested more than {MAX_DEPTH} deep", (what,)) from None


def bounded(what: str, whole_body: bool = False) -> AfterValidator:
    """A validator keeping a free-form JSON body within the bounds above; the message names the field. A value
    that is the ``whole_body`` sent (a scenario imported) is located from the body's top, as every other problem
    with it is (``["title"]``, not ``["scenario", "title"]``); ``what`` still names it in the message."""

    def check(value: Json) -> Json:
        try:
            check_bounds(value, what)
        except BoundsError as exc:
            if not whole_body:
                raise
            raise BoundsError(str(exc), exc.where[1:]) from None
        return value

    return AfterValidator(check)


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Problem(BaseModel):
    message: str
    path: list[str | int]


class BadInput(BaseModel):
    detail: list[Problem]


class Message(BaseModel):
    detail: str


class ConflictBody(BaseModel):
    detail: str
    current_version: int


class Health(BaseModel):
    status: str


class Me(BaseModel):
    name: str
    role: str
    party: str | None
    talks: str


class TalksItem(BaseModel):
    id: str
    title: str


class Talks(BaseModel):
    frame: Json
    proposals: list[Json]


class ProposalEdit(Strict):
    version: int = Field(ge=0, le=1_000_000, description="the version this edit was made from (0: a new proposal)")
    proposal: Annotated[Json, bounded("proposal")]
    note: str | None = Field(
        default=None,
        min_length=1,
        max_length=NOTE_MOST,
        pattern=LINE,
        description="why this version is written (for a correction: what was wrong); kept in its audit entry",
    )


class PreferencesEdit(Strict):
    version: int = Field(ge=0, le=1_000_000, description="the version this edit was made from (0: the first)")
    preferences: Annotated[Json, bounded("preferences")]


class Written(BaseModel):
    version: int


class VersionItem(BaseModel):
    version: int
    author: str
    created_at: str
    data: Json
    changes: list[Json] = Field(description="what this version changed against the one before it")
    note: str | None = Field(default=None, description="why it was written, where its writer said (a correction)")


class History(BaseModel):
    id: str
    versions: list[VersionItem]


class PersonNew(Strict):
    name: str = Field(min_length=1, max_length=200, pattern=LINE)
    role: str = Field(pattern="^(mediator|party|observer)$")
    party: str | None = Field(default=None, max_length=80, pattern=LINE)


class AccessItem(BaseModel):
    what: str = Field(description="given access | given a new token | access ended")
    at: str
    by: str = Field(description="who did it, as the audit log names them")


class PersonItem(BaseModel):
    id: int | None = Field(
        description="what revoke and token take; null for a side, which changes no one's access (the id counts the "
        "people of every set of talks on the server)"
    )
    name: str
    role: str
    party: str | None
    revoked: bool = Field(default=False, description="access ended for good (the token no longer works)")
    history: list[AccessItem] = Field(default=[], description="when and by whom access was given, renewed, ended")


class PersonCreated(PersonItem):
    token: str = Field(description="shown once; only its hash is kept")


class Imported(BaseModel):
    id: str
    mediator_token: str = Field(description="a mediator's token for the new talks, shown once")


Key = Annotated[str, Field(min_length=1, max_length=80, pattern=LINE)]
Term = (
    Annotated[str, Field(max_length=200, pattern=LINE)]
    | Annotated[int, Field(ge=-(2**53), le=2**53)]
    | Annotated[float, Field(allow_inf_nan=False)]
)


class BallotNew(Strict):
    title: str = Field(min_length=1, max_length=500, pattern=LINE)
    packages: list[Annotated[dict[Key, Term], Field(max_length=200)]] | None = Field(
        default=None, max_length=20, description="packages as terms; or leave out and give from_proposal"
    )
    from_proposal: str | None = Field(
        default=None, max_length=80, pattern=LINE, description="publish the bridging suggestions"
    )
    criterion: Criterion = Field(
        default=Criterion("nash"),
        description="how the bridges are found, and how the one package a reveal names is chosen",
    )
    reading: str | None = Field(
        default=None,
        min_length=1,
        max_length=80,
        pattern=LINE,
        description="with from_proposal: bridge from the text as this reading of it reads it (one of the "
        "proposal's readings); the packages are then shown against that reading, named as a side's account",
    )
    k: int = Field(default=3, ge=1, le=10)
    reference: str | None = Field(
        default=None,
        max_length=80,
        pattern=LINE,
        description="the proposal the packages are shown against (default: from_proposal)",
    )


class BallotCreated(BaseModel):
    number: int


class Package(BaseModel):
    index: int
    terms: dict[str, str | int | float]
    text: dict[str, str]


class TextShown(BaseModel):
    proposal: str
    title: str
    reading: str | None = Field(description="the reading, when it is one side's account of the text (not the text)")
    holder: str | None = Field(description="whose reading it is (null for the text as tabled)")


class BallotReference(TextShown):
    bridged_from: TextShown | None = Field(
        description="when the packages are bridges from a side's reading of a text but are shown against another "
        "text: that reading (null otherwise)"
    )


class BallotView(BaseModel):
    number: int
    title: str
    created_at: str
    reference: BallotReference | None = Field(
        description="the text the packages are shown against, as it stood when the ballot was published (or one "
        "side's reading of it, said so), or null when they are shown against none"
    )
    packages: list[Package]
    status: str = Field(description="'waiting' until every party has answered, then 'revealed'")
    answered: bool | None = Field(description="whether you have answered (parties only)")
    answered_by: list[str] | None = Field(description="the parties that have answered (mediators only)")
    my_marks: list[int] | None = Field(description="your own marks (parties only; nobody else ever sees them)")
    chosen: int | None = Field(
        description="once revealed: the one package every party marked that ranks best by the ballot's "
        "criterion, or null when no package was marked by every party (null while waiting)"
    )


def _each_once(marks: list[int]) -> list[int]:
    if len(set(marks)) != len(marks):
        raise ValueError("name each package at most once")
    return marks


class MarkBody(Strict):
    accepted: Annotated[list[Annotated[int, Field(strict=True, ge=0, le=1_000)]], AfterValidator(_each_once)] = Field(
        max_length=100, description="indices of the packages you could accept, each at most once"
    )


class AuditItem(BaseModel):
    seq: int
    at: str
    actor: str
    action: str
    subject: Json
    hash: str


class ExchangeEdit(Strict):
    version: int = Field(ge=0, le=1_000_000, description="the version this edit was made from (0: the first)")
    agreement: Annotated[Json, bounded("agreement")] = Field(description="an agreement, as an agreement file holds it")
    release_log: str = Field(default="", max_length=500_000, pattern=r"^[^\x00]*$", description="the release log, CSV")


class ExchangeBody(BaseModel):
    version: int
    agreement: Json
    release_log: str
    plan: Json
    ledger: Json | None
