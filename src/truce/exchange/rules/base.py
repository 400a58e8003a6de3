"""What every rule module gives, and the registry they are kept in.

A rule kind (a key, a block, the cadence, ...) is one module of this package. Each registers a
:class:`Rule` naming what it gives the planner (variables and constraint rows), the checker (the
violations of a plan) and the ledger (what falls due and the deviations of what happened). Planner,
checker and ledger loop over :func:`registered`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from truce.errors import Path
from truce.exchange.program import Program
from truce.model.exchange import Agreement, Event, Plan

Released = Mapping[int, Mapping[str, int]]  # day -> category -> people


class RuleKind(StrEnum):
    """What a violation or a deviation is measured against."""

    plan = "plan"  # the plan itself is malformed (not a rule of the agreement)
    list = "list"
    key = "key"
    block = "block"
    cadence = "cadence"
    extension = "extension"
    order = "order"
    capacity = "capacity"
    exposure = "exposure"
    commitment = "commitment"
    recurring = "recurring"
    identification = "identification"
    destination = "destination"


class DeviationKind(StrEnum):
    """The kinds of deviation shared by several rules; a rule with kinds of its own defines them in its
    module and registers them with its :class:`Rule` (``deviations``)."""

    late = "late"  # done, after the day it was due
    short = "short"  # part done on time, the rest late or still owed
    missing = "missing"  # none done, still owed
    surplus = "surplus"  # released beyond anything due or beyond the list
    out_of_order = "out_of_order"
    commitment_late = "commitment_late"
    commitment_missed = "commitment_missed"
    over_capacity = "over_capacity"
    exposure = "exposure"


@dataclass(frozen=True)
class Violation:
    rule: RuleKind
    message: str
    day: int | None = None
    path: Path = ()


@dataclass(frozen=True)
class Deviation:
    kind: StrEnum  # a DeviationKind, or a kind registered by the rule that reports it
    side: str | None
    size: float
    note: str
    rule: str = ""  # the id of the rule (a key, a block, a commitment, "cadence batch 2", ...)
    unit: str = ""  # what ``size`` counts when it is not people: "days", "hours", "trucks", ...

    def measure(self) -> str:
        """The size with what it counts, as a reader says it: ``1 day``, ``2.75 hours``, ``1 person``, ``50 people``,
        ``261 trucks``, ``1 (trucks)`` (see :func:`counted`)."""
        return counted(self.size, self.unit or "people")


SINGULAR = {"days": "day", "hours": "hour", "people": "person"}  # the units truce itself counts in


def counted(size: float, unit: str) -> str:
    """``size`` of ``unit``: one of a unit truce counts in is one day, hour or person; one of a unit an agreement
    names (a recurring commitment's) is ``1 (trucks)``, the word kept as written. Its singular cannot be told
    from the word safely: "buses", "series", "tonnes of fuel", "days kept" lose no "s" alike."""
    if size != 1 or not unit:
        return f"{size:g} {unit}".strip()
    if unit in SINGULAR:
        return f"1 {SINGULAR[unit]}"
    return f"1 ({unit})"


@dataclass(frozen=True)
class Entry:
    side: str | None
    count: int
    rule: str
    category: str | None = None
    monitored: bool = True  # false: a commitment no release log is expected to record
    counted: bool = False  # a recurring day: its count is shown even when 0 (recorded not kept)

    @property
    def label(self) -> str:
        """The rule as shown to a reader."""
        return self.rule if self.monitored else f"{self.rule} (not monitored)"


# ---- the planner's model ------------------------------------------------------------------


@dataclass
class Model:
    """The integer program and the variables every rule shares.

    ``x[day, category]``: people of a captive category released that day; ``y[day, rule, category]``:
    prisoners released that day settling a key or block; ``total[day, category]``: captives out by the
    end of the day; ``done[day, category]``: 1 exactly when all of a category are out by that day.
    """

    program: Program
    objective: str
    days: list[int]
    counts: dict[str, int]
    captives: list[str]
    beyond: float  # more than anyone released in all, so a flag's row holds when the lists are dropped
    x: dict[tuple[int, str], int] = field(default_factory=dict)
    y: dict[tuple[int, str, str], int] = field(default_factory=dict)
    total: dict[tuple[int, str], int] = field(default_factory=dict)
    done: dict[tuple[int, str], int] = field(default_factory=dict)
    worst: int | None = None  # the largest exposure of either side, when the exposure rule bounds it
    open_days: set[int] = field(default_factory=set)  # days the batch side may release on (all, when loose)
    tight: bool = True  # False: the loose form the deletion filter reads (big-M past any list)


# ---- the checker's view of a plan ---------------------------------------------------------


@dataclass(frozen=True)
class PlanFacts:
    plan: Plan
    counts: dict[str, int]
    captives: dict[int, dict[str, int]]  # what the batch side releases, per day and category
    prisoners: dict[int, dict[str, int]]  # what the other side releases
    settled: dict[tuple[str, str], dict[int, int]]  # per (key or block, category): the other side's releases
    last_day: int


@dataclass(frozen=True)
class NotYetDue:
    """A commitment whose deadline is after the ledger's last day (or not yet known), not recorded done.

    It is neither settled nor missed: the ledger cannot say yet.
    """

    rule: str
    side: str | None
    due_day: int | None  # None: it waits for categories still held
    by_day: int | None
    note: str
    monitored: bool = True


@dataclass(frozen=True)
class Tally:
    """What a rule counts over the ledger's days, beside its deviations (recurring days met, short and not
    recorded; prisoners by destination; remains identified), in words and as data."""

    rule: str
    note: str
    data: dict[str, Any]


# ---- the ledger's book --------------------------------------------------------------------


@dataclass
class LedgerDay:
    day: int
    due: list[Entry] = field(default_factory=list)
    done: list[Entry] = field(default_factory=list)
    deviations: list[Deviation] = field(default_factory=list)
    exposure: dict[str, float] = field(default_factory=dict)
    planned: list[Entry] | None = None  # what the plan had for this day, when a plan was given


@dataclass
class Due:
    """Prisoners a key or block makes due: ``amounts`` per category from ``due_day``, by ``deadline``.

    ``first`` orders what released prisoners settle first-come (overdue key dues before blocks).
    """

    rule: str
    due_day: int
    deadline: int
    amounts: dict[str, int]
    first: tuple[int, ...]
    shown_on: int  # the day the ledger lists it as due
    paid: dict[str, list[tuple[int, int]]] = field(default_factory=lambda: defaultdict(list))

    def settled(self, q: str, by: int | None = None) -> int:
        return sum(n for t, n in self.paid[q] if by is None or t <= by)

    def open(self, q: str) -> int:
        return self.amounts.get(q, 0) - self.settled(q)


@dataclass
class Record:
    """What happened up to day ``last``, and the ledger's days being written."""

    last: int
    captives: dict[int, dict[str, int]]  # released by the batch side, per day and category
    prisoners: dict[int, dict[str, int]]  # released by the other side
    done_commitments: dict[str, int]  # the first day each commitment was recorded done
    events: list[Event] = field(default_factory=list)  # every event up to ``last``, in day order
    done_times: dict[str, str] = field(default_factory=dict)  # the time of day a commitment was done, if given
    tallies: list[Tally] = field(default_factory=list)
    book: dict[int, LedgerDay] = field(default_factory=dict)
    dues: list[Due] = field(default_factory=list)
    surplus: dict[int, dict[str, int]] = field(default_factory=dict)  # prisoners released beyond anything due
    ahead: dict[int, dict[str, int]] = field(default_factory=dict)  # released before keys still to come fall due
    not_yet_due: list[NotYetDue] = field(default_factory=list)

    def day(self, n: int) -> LedgerDay:
        return self.book.setdefault(n, LedgerDay(n))


# ---- the registry -------------------------------------------------------------------------


@dataclass(frozen=True)
class Rule:
    """One rule kind, as its module gives it to the planner, the checker and the ledger.

    ``settles``: the other side's release variables it needs, as (rule id, prisoner category, days);
    ``completes``: captive categories whose completion flags it reads; ``build``: its rows in the
    program; ``check``: the violations of a plan; ``owes``: what it makes due in the ledger, settled
    first-come by the ledger; ``watch``: what it writes in the ledger (dues shown, deviations, tallies);
    ``deviations``: the enum of the deviation kinds only it reports.
    """

    kind: RuleKind
    module: str
    settles: Callable[[Agreement], list[tuple[str, str, list[int]]]] | None = None
    completes: Callable[[Agreement], set[str]] | None = None
    build: Callable[[Agreement, Model], None] | None = None
    check: Callable[[Agreement, PlanFacts], Iterator[Violation]] | None = None
    owes: Callable[[Agreement, Record], list[Due]] | None = None
    watch: Callable[[Agreement, Record], None] | None = None
    deviations: type[StrEnum] | None = None  # kinds of deviation of its own, beside DeviationKind


def deviation_kinds() -> list[StrEnum]:
    """Every kind of deviation a ledger can report: the shared ones, then each rule's own."""
    kinds: list[StrEnum] = list(DeviationKind)
    for rule in registered():
        kinds += list(rule.deviations or ())
    return kinds


REGISTRY: dict[RuleKind, Rule] = {}


def register(rule: Rule) -> Rule:
    """Add a rule kind to the registry (once; its module calls this where the rule is defined)."""
    if rule.kind in REGISTRY:
        raise ValueError(f"rule kind {rule.kind} is registered twice")
    REGISTRY[rule.kind] = rule
    return rule


def registered() -> list[Rule]:
    """The registered rules in the order :class:`RuleKind` lists them (not the order modules happen to load),
    so the planner's program, and with it the plan found among equally good ones, never depends on imports."""
    order = list(RuleKind)
    return sorted(REGISTRY.values(), key=lambda r: order.index(r.kind))


# ---- shared by several rules --------------------------------------------------------------


def completion_days(a: Agreement, released: Released) -> dict[str, int | None]:
    """The day each category of the batch side was fully released (None if not yet)."""
    counts = a.available()
    done: dict[str, int | None] = {}
    for cat in a.batch_side.categories:
        total = 0
        done[cat.id] = None
        for day in sorted(released):
            total += released[day].get(cat.id, 0)
            if total >= counts[cat.id]:
                done[cat.id] = day
                break
    return done


def made_up_on(released: Released, need: int, after: int, last: int) -> int | None:
    """The first day after ``after`` (up to ``last``) by which ``need`` people were out in all, if any."""
    total = 0
    for t in sorted(released):
        total += sum(released[t].values())
        if t > after and total >= need and t <= last:
            return t
    return None


def shortfall(
    a: Agreement, released: Released, need: int, day: int, last: int
) -> tuple[int, DeviationKind, str] | None:
    """How ``need`` people due in all by ``day`` stand (the cadence's batches and the extension's days are counted
    so): None when that many were out by then; else how many were, and late when made up by ``last`` (said when),
    short when not (never made up is not late)."""
    out = sum(sum(cats.values()) for t, cats in released.items() if t <= day)
    if out >= need:
        return None
    made_up = made_up_on(released, need, day, last)
    if made_up:
        return out, DeviationKind.late, f"made up by {a.day_label(made_up)}"
    return out, DeviationKind.short, f"still short on {a.day_label(last)}"
