"""The exchange's concepts: the agreement (categories, keys, blocks, cadence, commitments), a plan of
releases, an event of a release log and a person of a list, as frozen, validated objects.

The agreement classes are also the file format of ``agreement.yaml``; the plan classes are the
``plan --json`` format (documented in ``docs/exchange.md``), so a plan can be read back and checked.
Structure and types are checked by pydantic; every cross-reference (a key naming a category of the
wrong side, a batch outside the agreement's days, ...) is checked by :func:`check_agreement`, so one
run lists all that is wrong.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import Field, StrictInt

from truce.errors import Path, Problem
from truce.model.checks import build_checked
from truce.model.scenario import Frozen, Id

Text = Annotated[str, Field(max_length=5_000)]
MAX_COUNT = 10_000_000  # people in one category, or released in one row of a log
MAX_DAY = 3_660  # ten years of days
Count = Annotated[StrictInt, Field(ge=0, le=MAX_COUNT)]
Day = Annotated[StrictInt, Field(ge=1, le=MAX_DAY)]
Composition = dict[Id, Count]
Clock = Annotated[str, Field(pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$", description="a time of day, HH:MM")]


def clock_hours(text: str) -> float:
    """Hours since midnight of an ``HH:MM`` time (already validated)."""
    hours, minutes = text.split(":")
    return int(hours) + int(minutes) / 60


class Category(Frozen):
    """People of one kind held by one side; ``count`` of them are on its list."""

    id: Id
    name: Text = ""
    count: Count = Field(description="how many of this category the side's list holds")
    priority: StrictInt = Field(default=0, ge=0, le=1000, description="higher is released earlier (objective)")
    note: Text = ""


class Side(Frozen):
    id: Id
    name: Text
    categories: tuple[Category, ...] = Field(min_length=1)


class Key(Frozen):
    """What the other side releases for each person of ``category`` released.

    ``per_person``: prisoners of each category for every person; ``in_total``: a total for the whole
    category, paid as an equal whole share with each person and the remainder with the last;
    ``with_last``: paid once, when the last person of the category is released.
    """

    id: Id
    category: Id
    per_person: Composition = Field(default_factory=dict)
    in_total: Composition = Field(default_factory=dict)
    with_last: Composition = Field(default_factory=dict)
    lag_days: Annotated[StrictInt, Field(ge=0, le=365)] = Field(default=0, description="days allowed to settle")
    note: Text = ""
    source: Text = ""


class Block(Frozen):
    """A fixed number of people released whatever the other side does, within a window of days."""

    id: Id
    category: Id
    count: Count | Literal["all"] = Field(description="a number, or 'all' the list holds beyond what keys use")
    from_day: Day = 1
    by_day: Day
    note: Text = ""
    source: Text = ""


class Batch(Frozen):
    """Releases by the cadence side: ``count`` people on ``day``, or within ``from_day``..``to_day``."""

    day: Day | None = None
    from_day: Day | None = None
    to_day: Day | None = None
    count: Count | None = None
    remainder: bool = Field(default=False, description="all still held are released in this batch")
    categories: tuple[Id, ...] = Field(default=(), description="only these categories (default: any)")

    @property
    def first(self) -> int:
        return self.day if self.day is not None else (self.from_day or 1)

    @property
    def last(self) -> int:
        return self.day if self.day is not None else (self.to_day or self.first)

    def label(self) -> str:
        when = f"day {self.first}" if self.first == self.last else f"days {self.first}-{self.last}"
        what = "the remainder" if self.remainder else f"{self.count}"
        return f"{what} on {when}"


class Cadence(Frozen):
    side: Id = Field(description="the side that releases in batches (its categories trigger the keys)")
    batches: tuple[Batch, ...] = Field(min_length=1)
    order: tuple[tuple[Id, ...], ...] = Field(
        default=(), description="levels of categories: none of a level before all earlier levels are released"
    )
    source: Text = ""


class Extension(Frozen):
    """One more day after ``after_day`` for every ``per_day`` further people released, up to ``max_days``."""

    after_day: Day
    per_day: Annotated[StrictInt, Field(ge=1, le=1_000_000)]
    max_days: Annotated[StrictInt, Field(ge=1, le=365)]
    source: Text = ""


class Commitment(Frozen):
    """Something a side does on a day (``day``), or once categories are released (``after_released``)."""

    id: Id
    side: Id | None = Field(default=None, description="the side that must act (default: both)")
    text: Text
    day: Day | None = None
    after_released: tuple[Id, ...] = ()
    offset_days: Annotated[StrictInt, Field(ge=0, le=365)] = 0
    by_day: Day | None = Field(default=None, description="last day to complete it (default: the day it falls due)")
    at: Clock | None = Field(default=None, description="time of day it is due on its last day (HH:MM)")
    monitored: bool = Field(default=True, description="false when no record of it is expected in release logs")
    source: Text = ""


class Recurring(Frozen):
    """Something a side does every day of a span, or on given days: aid trucks a day, a crossing open.

    ``per_day``: at least this many a day (trucks, people crossing); left out, a yes/no commitment
    (a crossing open), recorded as done (a row with no count) or not (count 0). A release log's daily
    rows (column ``recurring``) say what happened; a day with no row is *not recorded*, never met.
    """

    id: Id
    side: Id | None = Field(default=None, description="the side that must act (default: both)")
    text: Text
    per_day: Count | None = Field(default=None, description="at least this many a day (default: yes/no)")
    unit: Text = Field(default="", description="what is counted, e.g. trucks")
    from_day: Day = 1
    to_day: Day | None = Field(default=None, description="last day (default: the agreement's days)")
    on_days: tuple[Day, ...] = Field(default=(), description="only these days (default: every day of the span)")
    monitored: bool = Field(default=True, description="false when no daily record of it is expected")
    note: Text = ""
    source: Text = ""


class Capacity(Frozen):
    side: Id
    categories: tuple[Id, ...] = Field(default=(), description="default: every category of the side")
    max_per_day: Count
    note: Text = ""


class Restriction(Frozen):
    """A veto (people who may not be released) or an exile rule (released people deported)."""

    side: Id
    category: Id
    count: Count
    note: Text = ""


class Agreement(Frozen):
    truce: Literal[1] = Field(default=1, description="file format version")
    id: Id
    title: Text
    day_one: dt.date | None = Field(default=None, description="the date of day 1")
    days: Annotated[StrictInt, Field(ge=1, le=1_000)] = Field(description="days of the phase(s) planned")
    sides: tuple[Side, Side]
    cadence: Cadence
    keys: tuple[Key, ...] = ()
    blocks: tuple[Block, ...] = ()
    extension: Extension | None = None
    commitments: tuple[Commitment, ...] = ()
    recurring: tuple[Recurring, ...] = ()
    capacities: tuple[Capacity, ...] = ()
    vetoes: tuple[Restriction, ...] = ()
    exile: tuple[Restriction, ...] = ()
    exposure_limit: Annotated[float, Field(gt=0.0, le=1.0)] | None = Field(
        default=None, description="largest share one side may have delivered beyond the share it has received"
    )
    notes: Text = ""

    # ---- derived views (no I/O, cheap) ----
    @property
    def batch_side(self) -> Side:
        return self.side(self.cadence.side)

    @property
    def other_side(self) -> Side:
        return next(s for s in self.sides if s.id != self.cadence.side)

    def date(self, day: int) -> str:
        """The date of a day (ISO), or "" when the agreement gives no ``day_one``."""
        return (self.day_one + dt.timedelta(days=day - 1)).isoformat() if self.day_one else ""

    def day_label(self, day: int) -> str:
        """``day 42 (2025-03-01)``: the day number with its date beside it, when the date is known."""
        date = self.date(day)
        return f"day {day} ({date})" if date else f"day {day}"

    def category_name(self, category_id: str) -> str:
        """A category as a reader knows it: its ``name``, or its id when it has none."""
        found = next((c for s in self.sides for c in s.categories if c.id == category_id), None)
        return found.name or found.id if found is not None else category_id

    def side(self, side_id: str) -> Side:
        return next(s for s in self.sides if s.id == side_id)

    def category_side(self) -> dict[str, str]:
        return {c.id: s.id for s in self.sides for c in s.categories}

    def counts(self) -> dict[str, int]:
        return {c.id: c.count for s in self.sides for c in s.categories}

    def available(self) -> dict[str, int]:
        """People on each list who may be released: the list less vetoed people."""
        out = self.counts()
        for veto in self.vetoes:
            out[veto.category] = max(0, out.get(veto.category, 0) - veto.count)
        return out

    @property
    def horizon(self) -> int:
        """The last day a release can happen: the agreed days plus any extension."""
        if self.extension is None:
            return self.days
        return max(self.days, self.extension.after_day + self.extension.max_days)


def build_agreement(data: Any) -> Agreement:
    """Validate plain data (as read from a file) into an :class:`Agreement`, or raise :class:`InputError`."""
    return build_checked(Agreement, data, "agreement", check_agreement)


def _unique(where: str, ids: Iterable[str], what: str, field: str = "id") -> Iterator[Problem]:
    seen: set[str] = set()
    for n, ident in enumerate(ids):
        if ident in seen:
            yield Problem(f"duplicate {what} id {ident!r}", (where, n, field))
        seen.add(ident)


def _names(ids: Iterable[str]) -> str:
    return ", ".join(sorted(ids)) or "(none)"


def check_agreement(a: Agreement) -> Iterator[Problem]:
    """Every cross-reference problem in a structurally valid agreement."""
    if a.sides[0].id == a.sides[1].id:
        yield Problem(f"the two sides have the same id {a.sides[0].id!r}", ("sides", 1, "id"))
        return
    all_cats = [(n, m, c.id) for n, s in enumerate(a.sides) for m, c in enumerate(s.categories)]
    seen: set[str] = set()
    for n, m, cid in all_cats:
        if cid in seen:
            yield Problem(
                f"duplicate category id {cid!r} (categories are unique across sides)",
                ("sides", n, "categories", m, "id"),
            )
        seen.add(cid)
    side_ids = {s.id for s in a.sides}
    if a.cadence.side not in side_ids:
        yield Problem(f"unknown side {a.cadence.side!r} (expected one of {_names(side_ids)})", ("cadence", "side"))
        return
    yield from _unique("keys", [k.id for k in a.keys], "key")
    yield from _unique("blocks", [b.id for b in a.blocks], "block")
    yield from _unique("commitments", [c.id for c in a.commitments], "commitment")
    yield from _unique("recurring", [c.id for c in a.recurring], "recurring commitment")
    rule_ids = [k.id for k in a.keys] + [b.id for b in a.blocks]
    if len(set(rule_ids)) < len(rule_ids):
        yield Problem("keys and blocks share ids; each must be unique (plans name them in `settles`)", ("blocks",))
    owner = a.category_side()
    yield from _check_keys_and_blocks(a, owner)
    yield from _check_cadence(a, owner)
    yield from _check_commitments(a, owner, side_ids)
    yield from _check_recurring(a, side_ids)
    yield from _check_capacities_and_restrictions(a, owner, side_ids)
    yield from _check_extension(a)


def _cat_of(owner: dict[str, str], cid: str, allowed: set[str], path: Path, whose: str) -> Iterator[Problem]:
    """Shared by every rule naming a category: it must be one of ``whose``, saying whose it is if not."""
    if cid not in allowed:
        where = f" (it belongs to {owner[cid]})" if cid in owner else ""
        yield Problem(f"{cid!r} is not a category of {whose}{where}; expected one of {_names(allowed)}", path)


def _check_keys_and_blocks(a: Agreement, owner: dict[str, str]) -> Iterator[Problem]:
    """Keys and blocks: their categories belong to the right side and their days fit the agreement."""
    batch_cats = {c.id for c in a.batch_side.categories}
    other_cats = {c.id for c in a.other_side.categories}
    batch_name, other_name = f"side {a.batch_side.id}", f"side {a.other_side.id}"
    for n, key in enumerate(a.keys):
        yield from _cat_of(owner, key.category, batch_cats, ("keys", n, "category"), batch_name)
        for part in ("per_person", "in_total", "with_last"):
            for cid in getattr(key, part):
                yield from _cat_of(owner, cid, other_cats, ("keys", n, part, cid), other_name)
        if not (key.per_person or key.in_total or key.with_last):
            yield Problem("a key needs per_person, in_total or with_last", ("keys", n))
    for n, block in enumerate(a.blocks):
        yield from _cat_of(owner, block.category, other_cats, ("blocks", n, "category"), other_name)
        if block.by_day < block.from_day:
            yield Problem(f"by_day ({block.by_day}) is before from_day ({block.from_day})", ("blocks", n, "by_day"))
        if block.by_day > a.horizon:
            yield Problem(
                f"by_day {block.by_day} is after the agreement's last day {a.horizon}", ("blocks", n, "by_day")
            )


def _check_cadence(a: Agreement, owner: dict[str, str]) -> Iterator[Problem]:
    """The cadence's batches and order: well-formed days and counts, categories of the batch side."""
    batch_cats = {c.id for c in a.batch_side.categories}
    batch_name = f"side {a.batch_side.id}"
    for n, batch in enumerate(a.cadence.batches):
        path: Path = ("cadence", "batches", n)
        if (batch.day is None) == (batch.from_day is None or batch.to_day is None):
            yield Problem("give either `day` or both `from_day` and `to_day`", path)
        elif batch.last < batch.first:
            yield Problem(f"to_day ({batch.last}) is before from_day ({batch.first})", (*path, "to_day"))
        elif batch.last > a.days:
            yield Problem(f"batch ends on day {batch.last}, after the agreement's {a.days} days", path)
        if (batch.count is None) == (not batch.remainder):
            yield Problem("give either `count` or `remainder: true`", path)
        for k, cid in enumerate(batch.categories):
            yield from _cat_of(owner, cid, batch_cats, (*path, "categories", k), batch_name)
    for n, level in enumerate(a.cadence.order):
        for k, cid in enumerate(level):
            yield from _cat_of(owner, cid, batch_cats, ("cadence", "order", n, k), batch_name)


def _check_commitments(a: Agreement, owner: dict[str, str], side_ids: set[str]) -> Iterator[Problem]:
    """Commitments: a known side, one trigger (a day or releases), and a deadline not before its day."""
    batch_cats = {c.id for c in a.batch_side.categories}
    batch_name = f"side {a.batch_side.id}"
    for n, c in enumerate(a.commitments):
        path: Path = ("commitments", n)
        if c.side is not None and c.side not in side_ids:
            yield Problem(f"unknown side {c.side!r} (expected one of {_names(side_ids)})", (*path, "side"))
        if (c.day is None) == (not c.after_released):
            yield Problem("give either `day` or `after_released`", path)
        for k, cid in enumerate(c.after_released):
            yield from _cat_of(owner, cid, batch_cats, (*path, "after_released", k), batch_name)
        if c.day is not None and c.by_day is not None and c.by_day < c.day:
            yield Problem(f"by_day ({c.by_day}) is before day ({c.day})", (*path, "by_day"))


def _check_recurring(a: Agreement, side_ids: set[str]) -> Iterator[Problem]:
    """Recurring commitments: a known side, a span within the agreement, given days inside the span."""
    for n, r in enumerate(a.recurring):
        path: Path = ("recurring", n)
        if r.side is not None and r.side not in side_ids:
            yield Problem(f"unknown side {r.side!r} (expected one of {_names(side_ids)})", (*path, "side"))
        last = r.to_day if r.to_day is not None else a.horizon
        if last < r.from_day:
            yield Problem(f"to_day ({last}) is before from_day ({r.from_day})", (*path, "to_day"))
        for k, day in enumerate(r.on_days):
            if not r.from_day <= day <= last:
                yield Problem(f"day {day} is outside days {r.from_day}-{last}", (*path, "on_days", k))


def _check_capacities_and_restrictions(a: Agreement, owner: dict[str, str], side_ids: set[str]) -> Iterator[Problem]:
    """Capacities, vetoes and exile: a known side, its own categories, and no more people than listed."""
    for n, cap in enumerate(a.capacities):
        if cap.side not in side_ids:
            yield Problem(f"unknown side {cap.side!r}", ("capacities", n, "side"))
            continue
        cats = {c.id for c in a.side(cap.side).categories}
        for k, cid in enumerate(cap.categories):
            yield from _cat_of(owner, cid, cats, ("capacities", n, "categories", k), f"side {cap.side}")
    for what, rules in (("vetoes", a.vetoes), ("exile", a.exile)):
        for n, r in enumerate(rules):
            if r.side not in side_ids:
                yield Problem(f"unknown side {r.side!r}", (what, n, "side"))
                continue
            listed = {c.id: c.count for c in a.side(r.side).categories}
            if r.category not in listed:
                yield from _cat_of(owner, r.category, set(listed), (what, n, "category"), f"side {r.side}")
            elif r.count > listed[r.category]:
                yield Problem(f"count {r.count} is more than the {listed[r.category]} on the list", (what, n, "count"))


def _check_extension(a: Agreement) -> Iterator[Problem]:
    """The extension starts within the agreed days and after every batch has ended."""
    if a.extension is not None:
        if a.extension.after_day > a.days:
            yield Problem(f"after_day is after the agreement's {a.days} days", ("extension", "after_day"))
        late = [b for b in a.cadence.batches if b.last > a.extension.after_day]
        if late:
            yield Problem("with an extension, every batch must end by its after_day", ("extension", "after_day"))


# ---- a plan --------------------------------------------------------------------------------


class Release(Frozen):
    """``count`` people of ``category`` released by ``side``; ``settles`` names the keys or blocks it meets."""

    side: Id
    category: Id
    count: Count
    settles: tuple[Id, ...] = ()
    ids: tuple[Annotated[str, Field(max_length=80)], ...] = Field(
        default=(), description="synthetic identifiers, when lists were given"
    )


class PlanDay(Frozen):
    day: Day
    date: Annotated[str, Field(max_length=10)] = Field(default="", description="the day's date, when known")
    releases: tuple[Release, ...] = ()
    commitments: tuple[Id, ...] = ()


class Plan(Frozen):
    agreement: Id | None = None
    objective: str = "given"
    objective_value: float | None = None
    days: tuple[PlanDay, ...] = ()
    binding: tuple[Annotated[str, Field(max_length=500)], ...] = Field(
        default=(), description="the rules at their limit in this plan"
    )
    explanation: tuple[Annotated[str, Field(max_length=5_000)], ...] = Field(
        default=(), description="the objective and the plan in words"
    )

    def released(self, side: str | None = None) -> dict[int, dict[str, int]]:
        """People released per day and category (of one side, or both)."""
        out: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        for d in self.days:
            for r in d.releases:
                if side is None or r.side == side:
                    out[d.day][r.category] += r.count
        return {day: dict(cats) for day, cats in out.items()}

    def settled(self, side: str) -> dict[tuple[str, str], dict[int, int]]:
        """Per (rule id, category): people released per day by ``side`` that settle it."""
        out: dict[tuple[str, str], dict[int, int]] = defaultdict(lambda: defaultdict(int))
        for d in self.days:
            for r in d.releases:
                for rule in r.settles[:1] if r.side == side else ():
                    out[rule, r.category][d.day] += r.count
        return {k: dict(v) for k, v in out.items()}


# ---- what happened, and who is on the lists ------------------------------------------------

Destination = Literal["home", "abroad"]
Identified = Literal["yes", "no", "misidentified"]


@dataclass(frozen=True)
class Event:
    """One line of a release log: people released, or a commitment carried out."""

    day: int
    side: str
    category: str | None = None
    count: int = 0
    ids: tuple[str, ...] = ()
    commitment: str | None = None
    note: str = ""
    time: str | None = None  # HH:MM, when the record gives the time of day
    destination: Destination | None = None  # prisoners: home or abroad (exile), when recorded
    identified: Identified | None = None  # remains or people: whether they were who the list said
    recurring: str | None = None  # a daily row of a recurring commitment (``count``: how many that day)


Status = Literal["", "veto", "exile"]


@dataclass(frozen=True)
class Person:
    """One place on a list: a synthetic identifier and a category only, never a name."""

    id: str
    side: str
    category: str
    status: Status = ""
