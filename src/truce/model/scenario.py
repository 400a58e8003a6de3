"""The scenario: everything about one set of talks, as frozen, validated objects.

These classes are also the file format: ``truce schema`` prints their JSON Schema, and a scenario
file is read straight into :class:`Scenario`. Structure and types are checked here; cross-references
(a proposal naming an unknown option, a parent cycle, ...) are checked in :mod:`truce.model.checks`.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StrictFloat, StrictInt, StrictStr

Id = Annotated[
    str,
    Field(
        min_length=1,
        max_length=80,
        pattern=r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$",
        description="identifier: letters, digits, '_', '.', '-'",
    ),
]
Text = Annotated[str, Field(max_length=20_000)]
# Numbers and flags a person states are strict: "0.5" or true where a number belongs, or "yes" where a flag
# does, is refused rather than read as something else, since a service stores what it was sent as it was sent.
Unit = Annotated[float, Field(strict=True, ge=0.0, le=1.0, allow_inf_nan=False)]
Flag = Annotated[bool, Field(strict=True)]
# Only the ratios of a party's weights matter, so a cap takes nothing away (any ratio fits under it, scaled);
# without one, weights near the largest float add up to infinity and every utility (a share of that sum) is 0.
MAX_WEIGHT = 1_000.0
Weight = Annotated[float, Field(strict=True, ge=0.0, le=MAX_WEIGHT, allow_inf_nan=False)]


def _float_sized(x: int) -> int:
    """An int every computation can turn into a float (one past about 1.8e308 overflows there)."""
    if not is_number(x):
        raise ValueError("an integer beyond what a number can hold (about 1.8e308)")
    return x


Number = Annotated[StrictInt, AfterValidator(_float_sized)] | Annotated[StrictFloat, Field(allow_inf_nan=False)]
# A term is an option id (categorical and ordinal issues) or a number (numeric issues).
Term = StrictStr | Number
# Other words a report uses for a party, issue, option or venue ("Washington", "the corridor"); matched
# without regard to case when a draft of the record is read from a report (``truce record draft``).
Alias = Annotated[str, Field(min_length=1, max_length=200, pattern=r"\S")]
Aliases = Annotated[
    tuple[Alias, ...],
    Field(max_length=100, description="other words reports use for it, matched without regard to case"),
]


MAX_NUMERIC_OPTIONS = 100_000  # values of one numeric issue (min..max by step)


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)


class Role(StrEnum):
    party = "party"
    mediator = "mediator"
    guarantor = "guarantor"
    observer = "observer"


class IssueKind(StrEnum):
    categorical = "categorical"
    ordinal = "ordinal"
    numeric = "numeric"


class Status(StrEnum):
    draft = "draft"
    tabled = "tabled"
    accepted = "accepted"
    rejected = "rejected"
    superseded = "superseded"
    withdrawn = "withdrawn"
    agreed = "agreed"


class Stance(StrEnum):
    accepted = "accepted"
    rejected = "rejected"
    conditional = "conditional"
    no_response = "no_response"


class Source(Frozen):
    """A public source a fact rests on."""

    title: Text
    url: str | None = None
    date: dt.date | None = None
    publisher: str | None = None
    confidence: Literal["confirmed", "reported", "single", "unconfirmed"] | None = Field(
        default=None,
        description="confirmed (primary text), reported (2+ outlets), single report, unconfirmed",
    )


class Party(Frozen):
    id: Id
    name: Text
    role: Role = Role.party
    description: Text | None = None
    aliases: Aliases = ()


class Option(Frozen):
    id: Id
    label: Text
    description: Text | None = None
    aliases: Aliases = ()
    sources: tuple[Id, ...] = ()


class Issue(Frozen):
    """A question the agreement must answer.

    Categorical and ordinal issues list their ``options`` (ordinal in order). A numeric issue gives
    ``min``, ``max`` and ``step`` (and a ``unit``); its options are min, min+step, ..., max.
    """

    id: Id
    name: Text
    kind: IssueKind
    description: Text | None = None
    options: tuple[Option, ...] = ()
    unit: str | None = Field(
        default=None,
        description="how a number reads: 'trucks/day' reads '600 trucks a day'; {n} marks where the number goes "
        "when it does not come first ('day {n} of phase 1' reads 'day 16 of phase 1')",
    )
    min: Number | None = None
    max: Number | None = None
    step: Number | None = None
    divisible: Flag = Field(default=False, description="can be split between parties (fair division)")
    aliases: Aliases = ()
    sources: tuple[Id, ...] = ()

    def grid(self) -> tuple[float, ...]:
        """The values of a numeric issue, from min to max by step (empty if it is not numeric, or if its
        bounds and step give none or more than :data:`MAX_NUMERIC_OPTIONS`: such an issue is invalid, its
        check says so, and nothing may spend memory listing its values)."""
        count = self.count()
        if not count:
            return ()
        assert self.min is not None and self.step is not None  # count() says they are there
        integral = all(isinstance(v, int) for v in (self.min, self.step))
        return tuple((self.min + k * self.step) if integral else _clean(self.min + k * self.step) for k in range(count))

    def count(self) -> int:
        """How many values a numeric issue's min..max by step gives (0 when it is not numeric, or when its bounds
        and step give none or more than :data:`MAX_NUMERIC_OPTIONS`), without listing them."""
        if self.kind is not IssueKind.numeric or self.min is None or self.max is None or not self.step:
            return 0
        span = (self.max - self.min) / self.step
        return round(span) + 1 if 0 <= span < MAX_NUMERIC_OPTIONS else 0  # nan (inf - inf) is neither

    def option_ids(self) -> tuple[Term, ...]:
        return self.grid() if self.kind is IssueKind.numeric else tuple(o.id for o in self.options)

    def label(self, term: Term) -> str:
        """How people say a term of this issue: the option's label, or the number with its unit."""
        if self.kind is IssueKind.numeric:
            return with_unit(f"{term:g}" if isinstance(term, float) else str(term), self.unit)
        for option in self.options:
            if option.id == term:
                return option.label
        return str(term)


def with_unit(number: str, unit: str | None) -> str:
    """A number said with its unit the way people read it, by one rule for any unit:

    - ``{n}`` in the unit marks where the number goes: ``day {n} of phase 1`` gives "day 16 of phase 1";
    - a rate ``X/Y`` whose ``Y`` is a word reads "X a Y": ``trucks/day`` gives "600 trucks a day"
      ("an" before a vowel or "hour"); a symbol such as ``km/h`` stays as written: "60 km/h";
    - any other unit follows the number: ``thousand EUR`` gives "120 thousand EUR";
    - a percent sign follows it without a space: ``% a year`` gives "4.5% a year".
    """
    if not unit:
        return number
    if "{n}" in unit:
        return unit.replace("{n}", number)
    what, slash, per = unit.partition("/")
    if slash and what.strip() and per.isalpha() and len(per) >= 3:
        article = "an" if per[0].lower() in "aeiou" or per.lower().startswith("hour") else "a"
        unit = f"{what.strip()} {article} {per}"
    return f"{number}{'' if unit.startswith('%') else ' '}{unit}"


def _clean(x: float) -> float:
    """Round away float noise from min + k*step, and keep integers as ints where exact."""
    r = round(x, 9)
    return int(r) if float(r).is_integer() and abs(r) < 2**53 else r


class Range(Frozen):
    """A numeric condition for a red line: the term lies in this range."""

    at_least: Number | None = None
    at_most: Number | None = None
    above: Number | None = None
    below: Number | None = None

    def contains(self, x: float) -> bool:
        return (
            (self.at_least is None or x >= self.at_least)
            and (self.at_most is None or x <= self.at_most)
            and (self.above is None or x > self.above)
            and (self.below is None or x < self.below)
        )


# A red-line condition on one issue: one option, any of several options, or a numeric range.
Condition = Term | tuple[Term, ...] | Range


class RedLine(Frozen):
    """Terms a party will never accept. Several issues in ``terms`` are a conjunction:
    the red line is crossed only when the outcome meets every condition together."""

    terms: dict[Id, Condition] = Field(min_length=1)
    note: Text | None = None
    sources: tuple[Id, ...] = ()


class PackageRule(Frozen):
    """Terms that cannot stand together in one text, whoever's preferences (say, a corridor held by
    troops and a complete withdrawal). Several issues in ``never`` are a conjunction, as in a red line:
    the rule is broken only when the text meets every condition together."""

    id: Id
    never: dict[Id, Condition] = Field(min_length=1)
    note: Text | None = None
    sources: tuple[Id, ...] = ()


# Values of one issue: a value per option, or for numeric issues a piecewise-linear
# function given as [x, value] points (flat beyond the end points).
Point = tuple[Number, Unit]
IssueValues = dict[Id, Unit] | tuple[Point, ...]


class RatificationRule(StrEnum):
    """How a party's constituents decide whether the party may accept a package."""

    veto = "veto"  # every constituent must approve: any one is a veto player
    majority = "majority"  # more than half of all votes
    weighted = "weighted"  # at least ``threshold`` of all votes


class Constituent(Frozen):
    """A veto player inside a party (a coalition partner, a cabinet, a leadership council).

    It approves a package when its utility (sum of weight x value over issues, divided by the sum of
    weights) is at or above its reservation value and no red line of its own is crossed. A constituent
    known only by its red lines gives no weights: it approves whatever crosses none of them.
    """

    id: Id
    name: Text
    votes: Annotated[float, Field(gt=0.0, allow_inf_nan=False)] = Field(
        default=1.0, description="its votes under a majority or weighted rule (seats, say)"
    )
    assumption: Flag = Field(description="true when its preferences are illustrative assumptions")
    basis: Text | None = Field(default=None, description="what its preferences or red lines were derived from")
    weights: dict[Id, Weight] = {}
    values: dict[Id, IssueValues] = {}
    reservation: Unit = Field(default=0.0, description="the least utility it approves (0 with no weights)")
    red_lines: tuple[RedLine, ...] = ()
    sources: tuple[Id, ...] = ()


class Ratification(Frozen):
    """Who must approve at home before a party may accept: its constituents and the rule they decide by.

    The party accepts a package only when it accepts it itself and the rule approves it: ``veto``, every
    constituent approves; ``majority``, the approving constituents hold more than half of all votes;
    ``weighted``, they hold at least ``threshold`` (a share of all votes).
    """

    rule: RatificationRule
    threshold: Annotated[float, Field(gt=0.0, le=1.0, allow_inf_nan=False)] | None = Field(
        default=None, description="weighted rule only: the share of all votes needed, in (0, 1]"
    )
    constituents: tuple[Constituent, ...] = Field(min_length=1, max_length=12)
    note: Text | None = None
    sources: tuple[Id, ...] = ()


Noise = Annotated[float, Field(ge=0.0, le=5.0, allow_inf_nan=False)]


class PreferenceUncertainty(Frozen):
    """How unsure the modeller is of a party's preferences, for simulations (never for a verdict on a text).

    Each run of ``simulate`` draws the party's preferences afresh: weights times ``exp(weights * z)``
    then renormalised, option values plus ``values * z`` clipped to [0, 1] (``z`` standard normal), and a
    reservation value uniform in ``reservation``. One number applies to every issue; a mapping gives one per
    issue (others 0).
    """

    weights: Noise | dict[Id, Noise] = Field(default=0.0, description="log-normal noise on the issue weights")
    values: Noise | dict[Id, Noise] = Field(default=0.0, description="normal noise on the option values")
    reservation: tuple[Unit, Unit] | None = Field(default=None, description="[low, high] for the reservation value")
    basis: Text = Field(min_length=1, description="why these ranges: what is unknown and from what they are judged")
    sources: tuple[Id, ...] = ()


class Preferences(Frozen):
    """A party's private preferences. Utility = sum of weight x value over issues, divided by the
    sum of weights, so it lies in [0, 1]. Issues without a weight do not matter to the party."""

    assumption: Flag = Field(description="true when these are illustrative assumptions, not the party's own")
    basis: Text | None = Field(default=None, description="what the preferences were derived from")
    weights: dict[Id, Weight]
    values: dict[Id, IssueValues] = {}
    reservation: Unit = Field(default=0.0, description="utility of no deal (the disagreement point)")
    red_lines: tuple[RedLine, ...] = ()
    cost_of_delay: Annotated[float, Field(strict=True, ge=0.0, allow_inf_nan=False)] = Field(
        default=0.0, description="utility lost per day without agreement"
    )
    delay_note: Text | None = None
    ratification: Ratification | None = Field(
        default=None, description="constituents who must approve at home, and their rule (two-level talks)"
    )
    sources: tuple[Id, ...] = ()
    uncertainty: PreferenceUncertainty | None = Field(
        default=None, description="ranges for the weights, values and reservation value, with a basis (simulate)"
    )


class Response(Frozen):
    party: Id
    stance: Stance
    date: dt.date | None = None
    note: Text | None = None
    sources: tuple[Id, ...] = ()


class Reading(Frozen):
    """The terms of a proposal as one party or source reads them, besides the text as tabled.

    Where what a text says is contested (each side said the text meant something else), each
    reading is recorded with who holds it; its ``terms`` override the text's own for that reading.
    """

    id: Id
    by: Id = Field(description="the party or source whose reading this is")
    terms: dict[Id, Term] = Field(min_length=1)
    sources: tuple[Id, ...] = ()
    note: Text | None = None


class Proposal(Frozen):
    """A (possibly partial) set of terms, tabled by someone on a date at a venue."""

    id: Id
    title: Text
    tabled_by: tuple[Id, ...] = Field(min_length=1)
    date: dt.date
    venue: Text | None = None
    parent: Id | None = None
    inherits: Flag = Field(
        default=True,
        description="with a parent: keep the parent's terms this proposal does not restate (false: stands alone)",
    )
    terms: dict[Id, Term] = {}
    status: Status = Status.tabled
    responses: tuple[Response, ...] = ()
    readings: tuple[Reading, ...] = Field(
        default=(), description="the terms as read by a named party or source, where the text is contested"
    )
    sources: tuple[Id, ...] = ()
    note: Text | None = None

    def reading(self, reading_id: str) -> Reading:
        for reading in self.readings:
            if reading.id == reading_id:
                return reading
        raise KeyError(reading_id)


class Round(Frozen):
    """A round of talks: who met, where, when, and what came of it."""

    id: Id
    title: Text
    start: dt.date
    end: dt.date | None = None
    venue: Text | None = None
    participants: tuple[Id, ...] = ()
    proposals: tuple[Id, ...] = ()
    summary: Text | None = None
    sources: tuple[Id, ...] = ()


class Venue(Frozen):
    """A place talks are held or visited, with the other names reports give it."""

    id: Id
    name: Text
    aliases: Aliases = ()
    host: Id | None = Field(default=None, description="the party whose territory it is (a visit there meets it)")


class Event(Frozen):
    date: dt.date
    title: Text
    parties: tuple[Id, ...] = ()
    summary: Text | None = None
    sources: tuple[Id, ...] = ()


class StatementStance(StrEnum):
    """What a statement says about a text or the talks, from a small fixed vocabulary."""

    supports = "supports"
    accepts_with_reservations = "accepts_with_reservations"
    rejects = "rejects"
    accuses_of_new_conditions = "accuses_of_new_conditions"
    optimistic = "optimistic"
    pessimistic = "pessimistic"


Confidence = Literal["confirmed", "reported", "single", "unconfirmed"]


class Meeting(Frozen):
    """A visit or meeting: who met whom, where and when, which text was carried, and what came of it."""

    id: Id
    date: dt.date
    venue: Text | None = None
    who: tuple[Id, ...] = Field(min_length=1, description="the parties who travelled or called the meeting")
    met_with: tuple[Id, ...] = Field(default=(), description="the parties they met")
    carried: Id | None = Field(default=None, description="the proposal carried to the meeting, if the record says")
    outcome: Text | None = None
    sources: tuple[Id, ...] = ()


class Official(Frozen):
    """A public official speaking in their public role, named by office where possible."""

    name: Text = Field(min_length=1, description='the office ("US Secretary of State") or the official\'s name')
    party: Id = Field(description="the party the official speaks for")


class Statement(Frozen):
    """An attributed public statement: what a speaker said, about which text, with the quoted words.

    A statement is a claim by its speaker, never a fact or an input: an accusation of new conditions is
    recorded as said, and nothing in the analysis reads statements.
    """

    id: Id
    speaker: Id | Official = Field(description="a party id, or an official with the party they speak for")
    joint_with: tuple[Id, ...] = Field(default=(), description="other parties in whose name it was made jointly")
    date: dt.date
    about: Id | None = Field(default=None, description="the proposal the statement is about, if any")
    stance: StatementStance
    quote: Text = Field(min_length=1, description="the words quoted, as the source gives them")
    sources: tuple[Id, ...] = Field(min_length=1, description="a quote needs a source")
    note: Text | None = None

    def party(self) -> str:
        """The party the speaker speaks for."""
        return self.speaker.party if isinstance(self.speaker, Official) else self.speaker


class SeriesPoint(Frozen):
    date: dt.date
    value: Number
    source: Id
    confidence: Confidence = Field(description="confirmed, reported (2+ outlets), single report, unconfirmed")


class Series(Frozen):
    """A sourced count over time, in its own units (deaths reported, captives held, trucks entering).

    Series stand apart from preferences: nothing turns them into utilities.
    """

    id: Id
    name: Text
    unit: str = Field(min_length=1, description="what one unit counts, e.g. 'deaths', 'people held'")
    reported_by: Text = Field(description="who reports the figures")
    points: tuple[SeriesPoint, ...] = Field(min_length=1, description="in date order, one point a date")
    note: Text | None = None


class Hazard(Frozen):
    """A chance per day that the talks break down, from a stated basis."""

    per_day: Annotated[float, Field(ge=0.0, le=1.0, allow_inf_nan=False)]
    basis: Text = Field(min_length=1, description="why this figure")
    assumption: Flag = Field(default=True, description="true when the figure is assumed, not reported")
    sources: tuple[Id, ...] = ()


class Risk(Frozen):
    """A dated event that raises the chance of a breakdown (an assassination, a threatened retaliation)."""

    id: Id
    date: dt.date
    title: Text
    hazard: Annotated[float, Field(ge=0.0, le=1.0, allow_inf_nan=False)] = Field(
        description="added chance per day that the talks break down, from the date on"
    )
    days: int | None = Field(default=None, ge=1, description="for how many days (default: to the deadline)")
    basis: Text = Field(min_length=1, description="why this figure")
    assumption: Flag = Field(default=True, description="true when the figure is assumed, not reported")
    sources: tuple[Id, ...] = ()


class Shock(Frozen):
    """A dated event that shifts preferences: reservation values move, costs of delay are multiplied."""

    date: dt.date
    title: Text
    reservation: dict[Id, Annotated[float, Field(ge=-1.0, le=1.0, allow_inf_nan=False)]] = Field(
        default={}, description="per party: added to its reservation value (clipped to [0, 1])"
    )
    cost_of_delay: dict[Id, Annotated[float, Field(ge=0.0, allow_inf_nan=False)]] = Field(
        default={}, description="per party: its daily cost of delay is multiplied by this"
    )
    basis: Text = Field(min_length=1, description="why this shift")
    assumption: Flag = Field(default=True, description="true when the shift is assumed, not reported")
    sources: tuple[Id, ...] = ()


DEFAULT_DEADLINE_DAYS = 100
MAX_DEADLINE_DAYS = 10_000


class Course(Frozen):
    """How the talks may run, for simulations: day 1, the negotiating deadline, and what may end them early."""

    start: dt.date | None = Field(default=None, description="day 1 of the simulated talks (dates place risks/shocks)")
    deadline_days: int = Field(
        default=DEFAULT_DEADLINE_DAYS,
        ge=1,
        le=MAX_DEADLINE_DAYS,
        description="days the talks may last (not an agreement phase)",
    )
    deadline_basis: Text | None = None
    hazard: Hazard | None = Field(default=None, description="the chance per day that talks break down")
    risks: tuple[Risk, ...] = ()
    shocks: tuple[Shock, ...] = ()
    sources: tuple[Id, ...] = ()

    def day_of(self, date: dt.date) -> int:
        """The day of the talks ``date`` falls on (day 1 is ``start``)."""
        assert self.start is not None
        return (date - self.start).days + 1


class Scenario(Frozen):
    """Everything about one set of talks."""

    truce: Literal[1] = Field(default=1, description="file format version")
    id: Id
    title: Text
    description: Text | None = None
    assumptions: Text | None = Field(default=None, description="what in this file is assumed, not sourced")
    sources: dict[Id, Source] = {}
    parties: tuple[Party, ...] = Field(min_length=1)
    issues: tuple[Issue, ...] = Field(min_length=1)
    preferences: dict[Id, Preferences] = {}
    constraints: tuple[PackageRule, ...] = Field(
        default=(), description="package rules: combinations of terms that cannot stand together in one text"
    )
    proposals: tuple[Proposal, ...] = ()
    rounds: tuple[Round, ...] = ()
    venues: tuple[Venue, ...] = Field(default=(), description="places of the talks and visits, with their aliases")
    events: tuple[Event, ...] = ()
    meetings: tuple[Meeting, ...] = Field(default=(), description="visits and meetings, with who met whom")
    statements: tuple[Statement, ...] = Field(
        default=(), description="attributed public statements (claims by their speakers, never inputs)"
    )
    series: tuple[Series, ...] = Field(default=(), description="sourced counts over time, in their own units")
    course: Course | None = Field(
        default=None, description="for simulations: start, negotiating deadline, breakdown hazard, risks, shocks"
    )

    def issue(self, issue_id: str) -> Issue:
        for issue in self.issues:
            if issue.id == issue_id:
                return issue
        raise KeyError(issue_id)

    def assumed(self, parties: Iterable[str]) -> list[str]:
        """Those of ``parties`` whose preferences in this file are assumptions, not their own statement."""
        return [p for p in parties if p in self.preferences and self.preferences[p].assumption]

    def party(self, party_id: str) -> Party:
        for party in self.parties:
            if party.id == party_id:
                return party
        raise KeyError(party_id)

    def proposal(self, proposal_id: str) -> Proposal:
        for proposal in self.proposals:
            if proposal.id == proposal_id:
                return proposal
        raise KeyError(proposal_id)

    def terms_of(self, proposal_id: str, reading: str | None = None) -> dict[str, Term]:
        """The terms a proposal stands for: its own, over those it inherits along its lineage.

        With ``reading`` (the id of one of the proposal's readings), that reading's terms overlay the
        text's. A child inherits the text as tabled, never a reading of its parent.
        """
        terms: dict[str, Term] = {}
        for proposal in self.lineage(proposal_id):
            if not proposal.inherits:
                terms = {}
            terms.update(proposal.terms)
        if reading is not None:
            terms.update(self.proposal(proposal_id).reading(reading).terms)
        return terms

    def lineage(self, proposal_id: str) -> tuple[Proposal, ...]:
        """The proposal and its ancestors, oldest first (the file checks guarantee no cycle)."""
        chain: list[Proposal] = []
        current: str | None = proposal_id
        while current is not None and len(chain) <= len(self.proposals):
            proposal = self.proposal(current)
            chain.append(proposal)
            current = proposal.parent
        return tuple(reversed(chain))


def is_number(term: object) -> bool:
    """A finite int or float that a float can hold (an int past about 1.8e308 cannot: it is not a number here)."""
    if not isinstance(term, int | float) or isinstance(term, bool):
        return False
    try:
        return math.isfinite(term)
    except OverflowError:  # math.isfinite converts an int to a float first
        return False
