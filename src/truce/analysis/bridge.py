"""Bridging proposals: packages every party accepts that change as few terms of a text on the table as possible.

A *bridging proposal* for a reference proposal (possibly partial) is an outcome that

1. every party accepts (utility at or above its reservation value, none of its red lines crossed, no
   package rule broken), and
2. changes as few of the reference's terms as possible. Issues the reference leaves open are *filled*,
   each fill explained, and counted apart from the changes.

Efficiency is not required: a mediator asks first what the least change to the text on the table is
that every side could accept, not which efficient package lies nearest. Making a bridge efficient used
to move terms nobody needed moved (even harden the mediators' own text on a central issue). What else
could be gained is shown apart, as the bridge's *improvements*: Pareto improvements over the bridge
(no party worse off, one better off), each by the fewest further changes, each change explained.

Ties on the number of changes are broken by a bargaining criterion, measured by the gains over the
reservation values (the disagreement point), scored as the solution concepts of
:mod:`truce.analysis.solutions` score them: ``nash`` (largest product of gains; Nash 1950), ``ks``
(Kalai and Smorodinsky 1975: largest smallest gain as a share of the party's best possible gain in the
ZOPA), ``egalitarian`` (leximin of gains; Rawls 1971, Kalai 1977) or ``utilitarian`` (largest sum of
utilities; Harsanyi 1955). Bridges differ in *which* issues they change: no two bridges change the
same set of issues (unless ``distinct=False``), and none changes a set of issues that contains the set
of an earlier bridge, since that would change a term the earlier one shows need not change.

Answers stay within a *scope* (:mod:`truce.analysis.tabled`): by default, for talks with proposals,
the terms somebody tabled; the reference's own terms are always in it. Any term of an answer nobody
tabled is flagged.

The method is exact. The sets of issues to change are enumerated smallest first by a 0-1 programme
(HiGHS): minimise the number of changed terms subject to every party's acceptance, red lines and
package rules; each set found is then excluded, with every set containing it, and the next smallest is
found. For each set, the best package by the criterion is picked exactly from the Pareto frontier of
the packages that change exactly those issues (:mod:`truce.analysis.frontier`); the 0-1 programme only
proposes sets, so its floating-point tolerance never decides an answer (a set it proposes that has no
exactly acceptable package is excluded alone, and the search goes on). The search stops once every
set as small as the ``k``-th bridge has been seen, or after ``max_sets`` sets or ``budget`` seconds,
whichever comes first: then the ranking is among the sets seen, which the result says. The number of
changes is exact even then: the first set found is always a smallest one. So that the sets seen first
are the likely best, the 0-1 programme breaks ties between sets of the same size by the larger sum of
utilities (a term too small to outweigh one change).

When no outcome is acceptable to all, :func:`bridge` says why: the smallest total relaxation of
reservation values that opens a ZOPA (a mixed-integer programme solved with HiGHS), and, when red lines
alone leave no outcome at all, a smallest set of red lines that cannot all be respected together.
"""

from __future__ import annotations

import itertools
import math
import time
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, replace
from enum import StrEnum
from typing import Any

import numpy as np

from truce.analysis.frontier import pareto_frontier
from truce.analysis.solutions import CONCEPTS
from truce.analysis.standing import describe_condition, stated
from truce.analysis.tabled import Tabled, TabledBy, holder_name, lift, read_note, restrict, scoped
from truce.errors import InputError, Problem
from truce.model.compiled import OPEN, TOLERANCE, Compiled, Floats, Home, Ints, condition_mask
from truce.model.scenario import IssueKind, Range, Scenario, Term, is_number

# the criteria are the registered solution concepts, scored by their own code; "ks" is kept as a shorthand
ALIASES = {**{name: name for name in CONCEPTS}, "ks": "kalai_smorodinsky"}
CRITERIA = tuple(ALIASES)
Criterion = StrEnum("Criterion", {name: name for name in CRITERIA})  # type: ignore[misc]
"""The criteria as a type, for command-line choices and the API's schema (derived from the registry)."""
MAX_SETS = 200  # sets of issues examined per search before the ranking is said to be among those seen
BUDGET = 5.0  # seconds for the search of bridges (improvements share what is left, at least IMPROVE_BUDGET)
IMPROVE_BUDGET = 0.5
IMPROVEMENTS = 2  # improvements shown per bridge by default
GAIN = 1e-6  # an improvement must add at least this much utility in total (smaller ones are not shown)
_SLACK = 1e-9  # the 0-1 programme's reservation values are lowered by this; answers are checked exactly


@dataclass(frozen=True)
class TermChange:
    """One term of the reference changed, and what it does to each party on its own."""

    issue: str
    before: Term
    after: Term
    gains: Mapping[str, float]  # party -> utility change from this term alone, the rest held
    text: str
    tabled: bool = True  # False when nobody tabled the new term
    # the new term, with the readings that alone hold it, when no text as tabled does
    only_read: tuple[tuple[Term, TabledBy], ...] = ()


@dataclass(frozen=True)
class Fill:
    """A term put on an issue the reference leaves open, and what each party gives for it on that issue."""

    issue: str
    term: Term
    gives: Mapping[str, float | None]  # party -> its loss against its own best term there (None: no stated position)
    text: str
    tabled: bool = True
    # the terms the text cites (the new one, a party's best) that only readings hold, with those readings
    only_read: tuple[tuple[Term, TabledBy], ...] = ()


@dataclass(frozen=True)
class Improvement:
    """Further changes to a bridge that leave no party worse off and one better off."""

    outcome: tuple[int, ...]
    terms: Mapping[str, Term]
    utilities: Mapping[str, float]
    changes: tuple[TermChange, ...]  # against the bridge


@dataclass(frozen=True)
class Bridge:
    outcome: tuple[int, ...]
    terms: Mapping[str, Term]
    utilities: Mapping[str, float]
    changes: tuple[TermChange, ...]  # exactly the reference's terms it changes
    filled: tuple[Fill, ...]  # the issues the reference left open
    improvements: tuple[Improvement, ...]
    untabled: tuple[str, ...]  # issues whose term in this bridge nobody tabled


@dataclass(frozen=True)
class Search:
    """How far a search for sets of issues to change went."""

    sets: int  # sets of issues examined
    complete: bool  # False when ``max_sets`` or the time budget ran out first: the ranking is among the sets seen
    seconds: float = 0.0  # time the search took
    # The widest precision of the frontiers the packages were taken from (0: all exact; see
    # :attr:`truce.analysis.frontier.Frontier.precision`). Above 0 a set's best package may be missing, and
    # so may a set's only acceptable ones: then a bridge may change more terms than the fewest possible.
    precision: float = 0.0
    least: bool = True  # the bridges change as few terms as the 0-1 programme proves possible


@dataclass(frozen=True)
class RedLineRef:
    """A red line named by its party and its place in the party's list (0-based)."""

    party: str
    index: int
    terms: Mapping[str, Any]
    text: str


@dataclass(frozen=True)
class Infeasible:
    """Why no outcome is acceptable to all: the parties whose requirements clash and by how much."""

    parties: tuple[str, ...]
    relaxation: Mapping[str, float]  # party -> how far its reservation value must come down
    red_lines: tuple[RedLineRef, ...]  # non-empty when red lines alone rule out every outcome
    text: str


@dataclass(frozen=True)
class ReadFrom:
    """The reading bridges start from: a party's or a source's account of what a text says, never the text."""

    proposal: str
    reading: str
    by: str  # the party or source whose reading it is
    holder: str  # its name, as people say it
    text: str


@dataclass(frozen=True)
class BridgeResult:
    reference: Mapping[str, Term]
    criterion: str
    scope: str
    bridges: tuple[Bridge, ...]
    infeasible: Infeasible | None
    search: Search
    assumed: tuple[str, ...] = ()  # the parties whose preferences in the file are assumptions
    reading: ReadFrom | None = None  # the reading the reference is, when it is not the text as tabled

    @property
    def acceptable_as_it_stands(self) -> bool:
        """The reference itself (with its open issues filled) is acceptable to every party."""
        return bool(self.bridges) and not self.bridges[0].changes


def bridge(
    c: Compiled,
    reference: Mapping[str, Term],
    criterion: str = "nash",
    k: int = 3,
    *,
    scope: str | None = None,
    distinct: bool = True,
    improvements: int = IMPROVEMENTS,
    max_sets: int = MAX_SETS,
    budget: float = BUDGET,
) -> BridgeResult:
    """Up to ``k`` bridging proposals for ``reference`` (see the module docstring), fewest changes first.

    ``scope``: ``tabled`` or ``all`` (default: :func:`truce.analysis.tabled.default_scope`).
    ``distinct=False`` allows several bridges that change the same issues (to different terms).
    """
    if criterion not in ALIASES:
        raise InputError([Problem(f"unknown criterion {criterion!r} (expected one of {', '.join(CRITERIA)})")])
    if k < 1:
        raise InputError([Problem(f"k must be at least 1 (got {k})")])
    bad = [
        f"{what} (got {value})"
        for what, value, ok in (
            ("improvements must be 0 or more", improvements, improvements >= 0),
            ("max_sets must be at least 1", max_sets, max_sets >= 1),
            ("the budget must be above 0 seconds", budget, budget > 0 and math.isfinite(budget)),
        )
        if not ok
    ]
    if bad:
        raise InputError([Problem(message) for message in bad])
    reference_row(c, reference)  # bad terms raise here, with the issue named
    sub, chosen, tabled = scoped(c, scope, reference)
    assumed = tuple(c.scenario.assumed(c.parties))
    ref = sub.encode(reference)
    ideal = ks_ideal(sub) if ALIASES[criterion] == "kalai_smorodinsky" else None
    start = time.monotonic()
    found, search = fewest_change_packages(
        sub, ref, criterion, k, distinct=distinct, ideal=ideal, max_sets=max_sets, budget=budget
    )
    if not found:
        return BridgeResult(dict(reference), criterion, chosen, (), infeasibility(sub), search, assumed)
    bridges = []
    for row in found:
        better: list[Ints] = []
        if improvements:
            floor = sub.utilities(row)[0]
            better, _ = fewest_change_packages(
                sub,
                row,
                criterion,
                improvements,
                floor=floor,
                ideal=ideal,
                max_sets=max_sets,
                budget=max(IMPROVE_BUDGET, budget - (time.monotonic() - start)) / len(found),
            )
        bridges.append(_explain(c, sub, ref, row, better, tabled))
    return BridgeResult(dict(reference), criterion, chosen, tuple(bridges), None, search, assumed)


def bridge_proposal(
    c: Compiled,
    proposal_id: str,
    criterion: str = "nash",
    k: int = 3,
    *,
    scope: str | None = None,
    distinct: bool = True,
    improvements: int = IMPROVEMENTS,
    budget: float = BUDGET,
    reading: str | None = None,
) -> BridgeResult:
    """Bridging proposals for a tabled proposal: its terms, with those it inherits along its lineage, or
    as one of its readings reads it (the result then names the reading: it is not the text)."""
    if proposal_id not in {p.id for p in c.scenario.proposals}:
        known = ", ".join(p.id for p in c.scenario.proposals) or "(none)"
        raise InputError([Problem(f"unknown proposal {proposal_id!r} (expected one of {known})", ("proposals",))])
    readings = {r.id for r in c.scenario.proposal(proposal_id).readings}
    if reading is not None and reading not in readings:
        known = ", ".join(sorted(readings)) or "(none)"
        raise InputError(
            [Problem(f"no reading {reading!r} of {proposal_id!r} (expected one of {known})", ("reading",))]
        )
    result = bridge(
        c,
        c.scenario.terms_of(proposal_id, reading),
        criterion,
        k,
        scope=scope,
        distinct=distinct,
        improvements=improvements,
        budget=budget,
    )
    return result if reading is None else replace(result, reading=read_from(c.scenario, proposal_id, reading))


def read_from(scenario: Scenario, proposal_id: str, reading_id: str) -> ReadFrom:
    """What bridges from a reading start from, said plainly: whose account of the text it is, and that it is
    not the text as tabled (the sides dispute what the text says; a bridge from one side's reading counts its
    changes against that side's terms)."""
    proposal = scenario.proposal(proposal_id)
    reading = next(r for r in proposal.readings if r.id == reading_id)
    holder = holder_name(scenario, reading.by)
    text = (
        f"Bridges from {proposal.title}, as {holder} reads it (reading {reading.id}), not from the text as "
        f"tabled: each change is counted against the terms that reading gives the text"
    )
    return ReadFrom(proposal.id, reading.id, reading.by, holder, text)


def reference_row(c: Compiled, reference: Mapping[str, Term]) -> Ints:
    """The reference's terms as an outcome vector (``OPEN`` where it says nothing); bad terms raise."""
    problems: list[Problem] = []
    row = np.full(len(c.issues), OPEN, dtype=np.int64)
    for issue_id, term in reference.items():
        if issue_id not in c.issues:
            problems.append(Problem(f"unknown issue {issue_id!r}", ("reference", issue_id)))
            continue
        i = c.issues.index(issue_id)
        issue = c.scenario.issues[i]
        if issue.kind is IssueKind.numeric:
            grid = np.asarray(c.options[i], dtype=float)
            if not is_number(term) or np.min(np.abs(grid - float(term))) > 1e-9 * max(1.0, abs(float(term))):
                problems.append(Problem(f"{term!r} is not a value of {issue_id}", ("reference", issue_id)))
                continue
        elif term not in c.options[i]:
            problems.append(Problem(f"unknown option {term!r} of {issue_id}", ("reference", issue_id)))
            continue
        row[i] = c.index(i, term)
    if problems:
        raise InputError(problems)
    return row


def changes_count(ref: Ints, rows: Ints) -> Ints:
    """How many terms of the reference each outcome changes (open issues of the reference do not count)."""
    fixed = ref != OPEN
    return np.asarray(((np.atleast_2d(rows) != ref) & fixed).sum(axis=1), dtype=np.int64)


def criterion_keys(c: Compiled, utils: Floats, criterion: str, ideal: Floats | None = None) -> list[tuple[int, ...]]:
    """A sort key per utility vector, larger is better, as :mod:`truce.analysis.solutions` scores them.

    The criteria are the concept's own score (:data:`truce.analysis.solutions.CONCEPTS`). Last, as the
    solutions' symmetric last resort: the most equal gains (smallest spread between the largest and the
    smallest), so that no party is favoured for being listed first; callers then break ties on the terms.
    Scores are compared rounded to 1e-12. ``ideal`` defaults to the best utility of each party among ``utils``.
    """
    u = np.atleast_2d(np.asarray(utils, dtype=float))
    d = c.reservation
    gains = np.maximum(u - d, 0.0)
    room = (u.max(axis=0) if ideal is None else np.asarray(ideal, dtype=float)) - d
    columns = CONCEPTS[ALIASES[criterion]].score(gains, u, room)
    columns.append(-(gains.max(axis=1) - gains.min(axis=1)))
    table = np.rint(np.stack(columns, axis=1) * 1e12).astype(np.int64)
    return [tuple(int(x) for x in row) for row in table]


# ----------------------------------------------------------------------------------------------
# The search: sets of issues to change, smallest first


def fewest_change_packages(
    c: Compiled,
    ref: Ints,
    criterion: str,
    k: int,
    *,
    distinct: bool = True,
    floor: Floats | None = None,
    ideal: Floats | None = None,
    max_sets: int = MAX_SETS,
    budget: float = BUDGET,
) -> tuple[list[Ints], Search]:
    """Up to ``k`` packages changing the fewest terms of ``ref``, best first (see the module docstring).

    A package must cross no red line and break no package rule, and give every party at least its
    reservation value, or, with ``floor``, at least ``floor`` and ``GAIN`` more in total (a Pareto
    improvement over an outcome with utilities ``floor``).
    """
    improving = floor is not None
    need = c.reservation if floor is None else np.maximum(np.asarray(floor, dtype=float), c.reservation)
    program = _Program(c, ref, need - _SLACK, float(need.sum()) + GAIN / 2 if improving else None)
    if ideal is None and ALIASES[criterion] == "kalai_smorodinsky":
        ideal = ks_ideal(c)
    candidates: list[tuple[int, tuple[int, ...], tuple[int, ...], Ints]] = []  # (changes, -key, row, row)
    seen, precision, fewest = 0, 0.0, None
    start = time.monotonic()

    def search(complete: bool) -> Search:
        # without a candidate, a set the programme found was passed over unless none was found
        least = precision == 0 or fewest == min((x[0] for x in candidates), default=None)
        return Search(seen, complete, time.monotonic() - start, precision, least)

    while True:
        if candidates and (seen >= max_sets or time.monotonic() - start > budget):
            return _best(candidates, k), search(complete=False)
        found = program.fewest_changes()
        if found is None:
            break
        count, changed = found
        fewest = count if fewest is None else fewest
        if len(candidates) >= k and count > sorted(x[0] for x in candidates)[k - 1]:
            break
        seen += 1
        rows, thinned = _packages_changing(c, ref, changed, need, improving)
        precision = max(precision, thinned)
        if len(rows) == 0:
            program.exclude_exactly(changed)  # a tolerance artefact of the 0-1 programme: this set only
            continue
        program.exclude_with_supersets(changed)
        keys = criterion_keys(c, c.utilities(rows), criterion, ideal)
        ranked = sorted(range(len(rows)), key=lambda j: (_neg(keys[j]), tuple(rows[j])))
        for j in ranked[:1] if distinct else ranked:
            candidates.append((count, _neg(keys[j]), tuple(int(x) for x in rows[j]), rows[j]))
    return _best(candidates, k), search(complete=True)


def _best(candidates: list[tuple[int, tuple[int, ...], tuple[int, ...], Ints]], k: int) -> list[Ints]:
    return [row for *_, row in sorted(candidates, key=lambda x: x[:3])[:k]]


def _neg(key: tuple[int, ...]) -> tuple[int, ...]:
    return tuple(-x for x in key)


def _packages_changing(
    c: Compiled, ref: Ints, changed: Sequence[int], need: Floats, improving: bool
) -> tuple[Ints, float]:
    """The efficient packages (one per utility vector) changing exactly ``changed`` among the reference's
    fixed terms, filling its open issues, that give every party at least ``need`` (and, when
    ``improving``, ``GAIN`` more in total); found on the Pareto frontier of those packages, with its
    precision (0: exactly)."""
    masks = []
    for i in range(len(c.issues)):
        mask = np.ones(len(c.options[i]), dtype=bool)
        if ref[i] != OPEN:
            if i in changed:
                mask[ref[i]] = False
            else:
                mask[:] = False
                mask[ref[i]] = True
        masks.append(mask)
    if not all(m.any() for m in masks):
        return np.zeros((0, len(c.issues)), dtype=np.int64), 0.0
    sub = restrict(c, masks)
    front = pareto_frontier(sub, zopa_only=True)
    utils = np.asarray(front.utilities, dtype=float)
    ok = np.all(utils >= need - TOLERANCE, axis=1)
    if improving:
        ok &= utils.sum(axis=1) >= need.sum() + GAIN / 2
    if not ok.any():
        return np.zeros((0, len(c.issues)), dtype=np.int64), front.precision
    return lift(c, sub, np.asarray(front.outcomes)[ok]), front.precision


def ks_ideal(c: Compiled) -> Floats:
    """Each party's best utility over the packages every party accepts (the Kalai–Smorodinsky ideal)."""
    front = pareto_frontier(c, zopa_only=True)
    utils: Floats = np.asarray(front.utilities if len(front) else [c.reservation], dtype=float)
    return np.asarray(utils.max(axis=0), dtype=np.float64)


def solve_milp(objective: Floats, **kwargs: Any) -> Any:
    """``scipy.optimize.milp``, tried once more without presolve when HiGHS reports a solve error (status 4),
    which it does on some tiny, well-posed programmes; an error either way is returned as it is."""
    from scipy.optimize import milp  # scipy loads in a third of a second: only where a programme is solved

    result = milp(objective, **kwargs)
    if result.status == 4:
        options = {**kwargs.pop("options", {}), "presolve": False}
        result = milp(objective, options=options, **kwargs)
    return result


class _Program:
    """The 0-1 programme over one-hot option choices: acceptance, red lines, package rules, and cuts."""

    def __init__(self, c: Compiled, ref: Ints, need: Floats, total: float | None) -> None:
        self.ref = ref
        self.fixed = np.flatnonzero(ref != OPEN)
        self.starts = np.concatenate([[0], np.cumsum(c.sizes)]).astype(int)
        n_x = self.n_x = int(self.starts[-1])
        self.upper = np.ones(n_x)
        self.rows: list[Floats] = []
        self.low: list[float] = []
        self.high: list[float] = []
        for i in range(len(c.sizes)):
            self.upper[self._span(i)][~c.allowed[i].all(axis=0)] = 0.0
            coef = np.zeros(n_x)
            coef[self._span(i)] = 1.0
            self._add(coef, 1.0, 1.0)
        utility = np.zeros((len(c.parties), n_x))
        for i in range(len(c.sizes)):
            utility[:, self._span(i)] = c.tables[i]
        # at most 0.5 in all: never outweighs a change, and a search stopped within 0.4 of the optimum (below)
        # still has the fewest changes
        self.tie_break = utility.sum(axis=0) / (2 * len(c.parties) + 1)
        for p in range(len(c.parties)):
            self._add(utility[p], float(need[p]), np.inf)
        if total is not None:
            self._add(utility.sum(axis=0), total, np.inf)
        for coupling in c.couplings:
            coef = np.zeros(n_x)
            for i, mask in coupling.masks:
                coef[self._span(i)][mask] = 1.0
            self._add(coef, -np.inf, len(coupling.masks) - 1.0)
        self.votes = vote_rows(c, self.starts)

    def _add(self, coef: Floats, low: float, high: float) -> None:
        self.rows.append(coef)
        self.low.append(low)
        self.high.append(high)

    def _span(self, i: int) -> slice:
        return slice(int(self.starts[i]), int(self.starts[i + 1]))

    def _kept(self, i: int | np.integer[Any]) -> Floats:
        """Coefficients of x[issue i, the reference's term]: 1 when the term stays, 0 when it changes."""
        coef = np.zeros(self.n_x)
        coef[self.starts[i] + int(self.ref[i])] = 1.0
        return coef

    def fewest_changes(self) -> tuple[int, tuple[int, ...]] | None:
        """The fewest fixed terms of the reference any admissible package changes, and which, or ``None``."""
        # changes, then (by less than one change) the larger sum of utilities
        from scipy.optimize import Bounds, LinearConstraint

        objective = -sum((self._kept(i) for i in self.fixed), np.zeros(self.n_x)) - self.tie_break
        n_y = self.votes.rows.shape[1] - self.n_x  # one approval variable per constituent (none without rules)
        rows = np.vstack((np.hstack((np.array(self.rows), np.zeros((len(self.rows), n_y)))), self.votes.rows))
        result = solve_milp(
            np.concatenate((objective, np.zeros(n_y))),
            constraints=LinearConstraint(
                rows, np.array([*self.low, *self.votes.low]), np.array([*self.high, *self.votes.high])
            ),
            integrality=np.ones(self.n_x + n_y),
            bounds=Bounds(np.zeros(self.n_x + n_y), np.concatenate((self.upper, np.ones(n_y)))),
            # |objective| <= fixed terms + 0.5, so this relative gap is an absolute gap below 0.4
            options={"mip_rel_gap": 0.4 / (len(self.fixed) + 1)},
        )
        if result.x is None or result.status != 0:
            return None
        x = np.asarray(result.x)
        changed = tuple(int(i) for i in self.fixed if x[self.starts[i] + int(self.ref[i])] < 0.5)
        return len(changed), changed

    def exclude_with_supersets(self, changed: Sequence[int]) -> None:
        """No later package changes every issue of ``changed`` (with or without others):
        ``sum over changed of (1 - kept) <= |changed| - 1``, i.e. ``sum of kept >= 1``."""
        coef = sum((self._kept(i) for i in changed), np.zeros(self.n_x))
        self._add(coef, 1.0, np.inf)

    def exclude_exactly(self, changed: Sequence[int]) -> None:
        """No later package changes exactly the issues ``changed`` (one changing more or fewer may):
        ``sum over changed of (1 - kept) + sum over the other fixed issues of kept <= |fixed| - 1``."""
        inside = set(changed)
        coef = np.zeros(self.n_x)
        for i in self.fixed:
            coef += -self._kept(i) if i in inside else self._kept(i)
        self._add(coef, -np.inf, len(self.fixed) - 1.0 - len(inside))


@dataclass(frozen=True, eq=False)
class VoteRows:
    """Linear rows over the option choices ``x`` followed by one 0-1 approval ``y`` per constituent."""

    rows: Floats  # (constraints, options + constituents)
    low: Floats
    high: Floats


def vote_rows(c: Compiled, starts: Ints) -> VoteRows:
    """The ratification rules as 0-1 constraints: a constituent counted as approving (``y = 1``) has its
    utility at or above its reservation value (``u.x >= r y``) and crosses none of its red lines (each
    line's options and ``y`` sum to at most the line's length); each rule's approving votes reach its need
    (strictly above it, by a margin below any difference of votes, for a majority)."""
    n_x = int(starts[-1])
    m = c.members
    if m is None or not c.homes:
        return VoteRows(np.zeros((0, n_x)), np.zeros(0), np.zeros(0))
    n_y = len(m.parties)
    rows: list[Floats] = []
    low: list[float] = []
    high: list[float] = []

    def add(coef: Floats, lb: float, ub: float) -> None:
        rows.append(coef)
        low.append(lb)
        high.append(ub)

    for j in range(n_y):
        coef = np.zeros(n_x + n_y)
        for i, table in enumerate(m.tables):
            coef[starts[i] : starts[i + 1]] = table[j]
            forbidden = ~m.allowed[i][j]
            if forbidden.any():
                line = np.zeros(n_x + n_y)
                line[starts[i] : starts[i + 1]][forbidden] = 1.0
                line[n_x + j] = 1.0
                add(line, -np.inf, 1.0)
        coef[n_x + j] = -(float(m.reservation[j]) - _SLACK)
        add(coef, 0.0 if m.reservation[j] > 0 else -np.inf, np.inf)
    for cp in m.couplings:
        line = np.zeros(n_x + n_y)
        for i, mask in cp.masks:
            line[starts[i] : starts[i + 1]][mask] = 1.0
        line[n_x + cp.party] = 1.0
        add(line, -np.inf, float(len(cp.masks)))
    for home in c.homes:
        coef = np.zeros(n_x + n_y)
        coef[n_x + home.members] = home.votes
        add(coef, home.need + (_above(home) if home.strict else -1e-9), np.inf)
    return VoteRows(np.array(rows), np.array(low), np.array(high))


def _above(home: Home) -> float:
    """How far above its need a strict rule's row asks the approving votes to reach: half the way to the least
    total of votes above it, so that the solver's feasibility tolerance (about 1e-6) never lets a total at the
    need itself pass (the votes are floats: two of one vote each make 2, a majority of 2 needs more than 1)."""
    totals = {
        float(home.votes[list(combo)].sum())
        for size in range(1, len(home.votes) + 1)
        for combo in itertools.combinations(range(len(home.votes)), size)
    }
    gap = min((t - home.need for t in totals if t > home.need + 1e-9), default=1.0)
    return max(gap / 2, 1e-6)


# ----------------------------------------------------------------------------------------------
# Explaining a bridge


def _explain(c: Compiled, sub: Compiled, ref: Ints, row: Ints, better: Sequence[Ints], tabled: Tabled) -> Bridge:
    """A bridge found in ``sub`` (``c`` restricted to a scope), told in ``c``'s terms."""
    terms = sub.decode(row)
    changes: list[TermChange] = []
    filled: list[Fill] = []
    for i in range(len(sub.issues)):
        new = int(row[i])
        if ref[i] == OPEN:
            filled.append(fill(sub, i, new, tabled))
        elif ref[i] != new:
            changes.append(term_change(sub, i, int(ref[i]), new, tabled))
    improvements = []
    for other in better:
        moves = tuple(
            term_change(sub, i, int(row[i]), int(other[i]), tabled)
            for i in range(len(sub.issues))
            if other[i] != row[i]
        )
        improvements.append(
            Improvement(tuple(int(x) for x in lift(c, sub, other)[0]), sub.decode(other), _utilities(sub, other), moves)
        )
    return Bridge(
        outcome=tuple(int(x) for x in lift(c, sub, row)[0]),
        terms=terms,
        utilities=_utilities(sub, row),
        changes=tuple(changes),
        filled=tuple(filled),
        improvements=tuple(improvements),
        untabled=tabled.untabled(terms),
    )


def _utilities(c: Compiled, row: Ints) -> dict[str, float]:
    return {p: float(u) for p, u in zip(c.parties, c.utilities(row)[0], strict=True)}


def term_change(c: Compiled, i: int, before: int, after: int, tabled: Tabled | None = None) -> TermChange:
    """One issue moved from option ``before`` to ``after``: each party's gain, and a sentence. With the terms
    ``tabled``, a new term nobody tabled is flagged, and one only a reading holds says whose."""
    issue = c.scenario.issues[i]
    delta = c.tables[i][:, after] - c.tables[i][:, before]
    gains = {p: float(d) for p, d in zip(c.parties, delta, strict=True)}
    old, new = c.options[i][before], c.options[i][after]
    # silence is no weight on the issue (as analyze reads it), not values that happen to be all 0
    silent = [pid for p, pid in enumerate(c.parties) if not stated(c, p, i)]
    note, only_read = _read_only(tabled, issue.id, new)
    text = change_text(c, issue.name, issue.label(old), issue.label(new) + note, gains, silent)
    on_table = tabled is None or not tabled.flagged(issue.id, new)
    return TermChange(issue.id, old, new, gains, text + ("" if on_table else NOT_TABLED), on_table, only_read)


NOT_TABLED = " (not tabled by anyone)"


def _read_only(tabled: Tabled | None, issue_id: str, term: Term) -> tuple[str, tuple[tuple[Term, TabledBy], ...]]:
    """The note to put after a term that only readings hold, and those readings (``''`` and none otherwise)."""
    if tabled is None:
        return "", ()
    found = tabled.only_read(issue_id, term)
    return read_note(tabled.scenario, found), tuple((term, t) for t in found)


def fill(c: Compiled, i: int, option: int, tabled: Tabled | None = None) -> Fill:
    """An open issue given option ``option``: what each party gives against its own best term there. With the
    terms ``tabled``, a term nobody tabled is flagged, and one only a reading holds (the new term or a party's
    best) says whose."""
    issue = c.scenario.issues[i]
    gives: dict[str, float | None] = {}
    parts = []
    only_read: list[tuple[Term, TabledBy]] = []
    # within the tabled terms a party's best is the best of those: never call it its preferred term outright
    of_those = " of those tabled" if len(c.options[i]) < len(issue.option_ids()) else ""
    for p, pid in enumerate(c.parties):
        row = c.tables[i][p]
        if not stated(c, p, i):
            gives[pid] = None  # the party stated no position on this issue: it gives nothing, it gets nothing
            continue
        usable = c.allowed[i][p]
        best = int(np.flatnonzero(usable)[np.argmax(row[usable])]) if usable.any() else int(np.argmax(row))
        loss = float(row[best] - row[option])
        gives[pid] = loss
        if loss > 1e-9:
            note, read = _read_only(tabled, issue.id, c.options[i][best])
            only_read.extend(r for r in read if r not in only_read)
            best_text = f"{issue.label(c.options[i][best])}{note}"
            best_text += f", its preferred term{of_those}" if of_those else ""
            parts.append(f"{_party_name(c, pid)} gives {_amount(loss)} against {best_text}")
        else:
            parts.append(f"{_party_name(c, pid)} gets its preferred term{of_those}")
    silent = [_party_name(c, pid) for pid, g in gives.items() if g is None]
    if silent:
        parts.append(f"no stated position: {', '.join(silent)}")
    term = c.options[i][option]
    note, read = _read_only(tabled, issue.id, term)
    text = f"{issue.name}: (open) -> {issue.label(term)}{note}: {'; '.join(parts) or 'no one gains or gives'}"
    on_table = tabled is None or not tabled.flagged(issue.id, term)
    return Fill(issue.id, term, gives, text + ("" if on_table else NOT_TABLED), on_table, (*read, *only_read))


def change_text(
    c: Compiled, name: str, old: str, new: str, gains: Mapping[str, float], silent: Sequence[str] = ()
) -> str:
    """``Corridor: IDF remains -> phased withdrawal: Hamas gains 0.12, Israel gives 0.08``.

    Parties in ``silent`` stated no position on the issue: they are named as such, never as giving
    nothing (which would read as a free concession)."""
    parts = []
    for pid, d in sorted(gains.items(), key=lambda kv: -kv[1]):
        if pid in silent:
            continue
        if d > 1e-9:
            parts.append(f"{_party_name(c, pid)} gains {_amount(d)}")
        elif d < -1e-9:
            parts.append(f"{_party_name(c, pid)} gives {_amount(-d)}")
    said = ", ".join(parts) if parts else "no one gains or gives"
    if silent:
        said += f" ({', '.join(_party_name(c, pid) for pid in silent)}: no stated position)"
    return f"{name}: {old} -> {new}: {said}"


def _amount(x: float) -> str:
    """Two decimals, or one significant digit for amounts below 0.01 (so that none reads as 0.00)."""
    return f"{x:.2f}" if x >= 0.00995 else f"{x:.1g}"


def _party_name(c: Compiled, pid: str) -> str:
    try:
        return c.scenario.party(pid).name
    except KeyError:
        return pid


# ----------------------------------------------------------------------------------------------
# When there is no ZOPA


def infeasibility(c: Compiled) -> Infeasible:
    """Why no outcome is acceptable to every party.

    The smallest total relaxation ``sum(delta_p)`` of the reservation values such that some outcome
    crossing no red line gives every party ``u_p >= r_p - delta_p`` (a MILP). If red lines alone leave
    no outcome, a smallest set of red lines that cannot all be respected (a deletion filter: each red
    line is dropped in turn and kept out if the rest still conflict).
    """
    lines = red_lines(c)
    x = _solve(c, lines, relax=True, homes=c.homes)
    if x is None and c.homes and _solve(c, lines, relax=True) is not None:
        return _unratified(c, lines)
    if x is None:
        conflict = list(lines)
        for line in list(conflict):
            rest = [other for other in conflict if other is not line]
            if _solve(c, rest, relax=False) is None:
                conflict = rest
        refs = tuple(line[0] for line in conflict)
        parties = tuple(dict.fromkeys(ref.party for ref in refs))
        said = [ref.text for ref in refs]
        if c.rules:  # package rules are never relaxed: name them beside the red lines they leave no room for
            said.append("package rules " + ", ".join(rule.id for rule in c.rules))
        text = ("red lines rule out" if refs else "package rules rule out") + " every outcome: " + "; ".join(said)
        return Infeasible(parties, {}, refs, text)
    utilities = c.utilities(x)[0]
    relaxation = {p: max(0.0, float(r - u)) for p, r, u in zip(c.parties, c.reservation, utilities, strict=True)}
    short = {p: d for p, d in relaxation.items() if d > 1e-12}
    if not short and c.homes:  # within the programme's tolerance of an acceptable package: said as for none
        return _unratified(c, lines)
    text = "no package is acceptable to all; the least relaxation that opens one: " + ", ".join(
        f"{_party_name(c, p)} lowers its reservation value by {d:.3f}" for p, d in short.items()
    )
    return Infeasible(tuple(short), short, (), text)


def _unratified(c: Compiled, lines: Sequence[_Line]) -> Infeasible:
    """No package crossing no red line is ratified at home by every side, however far the leaders' reservation
    values come down: the sides whose rule alone ratifies none (or, when none does alone, every side with a
    rule: together they do not)."""
    alone = [home for home in c.homes if _solve(c, lines, relax=True, homes=(home,)) is None]
    who = tuple(c.parties[home.party] for home in (alone or c.homes))
    names = ", ".join(_party_name(c, pid) for pid in who)
    x = _solve(c, lines, relax=True)  # the leaders' own least relaxation: none when they could agree
    if x is not None and np.all(c.utilities(x)[0] >= c.reservation - _SLACK):
        text = f"the leaders could agree, but no package they all accept is ratified at home ({names})"
    else:
        text = f"no package crossing no red line is ratified at home ({names}), whatever the leaders would accept"
    return Infeasible(who, {}, (), text)


_Line = tuple[RedLineRef, int, tuple[tuple[int, Any], ...]]


def red_lines(c: Compiled) -> list[_Line]:
    """Every red line of the compiled parties: (reference, party index, ((issue, option mask), ...))."""
    out: list[_Line] = []
    for p, pid in enumerate(c.parties):
        for k, line in enumerate(c.scenario.preferences[pid].red_lines):
            masks = []
            words = []
            for issue_id, cond in line.terms.items():
                i = c.issues.index(issue_id)
                masks.append((i, condition_mask(c.options[i], cond)))
                issue = c.scenario.issues[i]
                words.append(f"{issue.name} {describe_condition(issue, cond, equals='= ')}")
            text = f"{_party_name(c, pid)} red line {k + 1}: " + " and ".join(words)
            terms = {
                issue_id: cond.model_dump(exclude_none=True) if isinstance(cond, Range) else cond
                for issue_id, cond in line.terms.items()
            }
            out.append((RedLineRef(pid, k, terms, text), p, tuple(masks)))
    return out


def _relaxed_rows(c: Compiled, starts: Ints, n_p: int) -> list[tuple[Floats, float]]:
    """Each party's utility plus its relaxation reaching its reservation value, as rows of the 0-1 programme over
    the option columns (from ``starts``) and the ``n_p`` relaxations after them (none when not relaxing)."""
    n_x = int(starts[-1])
    out = []
    for p in range(n_p):
        coef = np.zeros(n_x + n_p)
        for i, n in enumerate(c.sizes):
            coef[starts[i] : starts[i] + n] = c.tables[i][p]
        coef[n_x + p] = 1.0
        out.append((coef, float(c.reservation[p])))
    return out


def _solve(c: Compiled, lines: Sequence[_Line], relax: bool, homes: tuple[Home, ...] = ()) -> Ints | None:
    """An outcome respecting ``lines`` (with least total relaxation of reservations if ``relax``), and ratified
    by the rules ``homes`` (as the bridge's 0-1 programme reads them: :func:`vote_rows`)."""
    from scipy.optimize import Bounds, LinearConstraint

    sizes = c.sizes
    starts = np.concatenate([[0], np.cumsum(sizes)]).astype(int)
    n_x = int(starts[-1])
    n_p = len(c.parties) if relax else 0
    upper = np.ones(n_x + n_p)
    upper[n_x:] = np.inf
    rows: list[Floats] = []
    low: list[float] = []
    high: list[float] = []

    def add(coef: Floats, lb: float, ub: float) -> None:
        rows.append(coef)
        low.append(lb)
        high.append(ub)

    for i, n in enumerate(sizes):
        coef = np.zeros(n_x + n_p)
        coef[starts[i] : starts[i] + n] = 1.0
        add(coef, 1.0, 1.0)
    # the package rules hold in every text, whatever red lines are dropped or reservations relaxed
    for masks in [*(line[2] for line in lines), *(rule.masks for rule in c.rules)]:
        if len(masks) == 1:
            i, mask = masks[0]
            upper[starts[i] : starts[i] + sizes[i]][mask] = 0.0
            continue
        coef = np.zeros(n_x + n_p)
        for i, mask in masks:
            coef[starts[i] : starts[i] + sizes[i]][mask] = 1.0
        add(coef, -np.inf, len(masks) - 1.0)
    for coef, floor in _relaxed_rows(c, starts, n_p):
        add(coef, floor, np.inf)
    votes = vote_rows(replace(c, homes=homes), starts)
    n_y = votes.rows.shape[1] - n_x  # one approval per constituent, after the relaxations (none without homes)
    matrix = np.vstack(
        (
            np.hstack((np.array(rows), np.zeros((len(rows), n_y)))),
            np.hstack((votes.rows[:, :n_x], np.zeros((len(votes.low), n_p)), votes.rows[:, n_x:])),
        )
    )
    objective = np.concatenate((np.zeros(n_x), np.ones(n_p), np.zeros(n_y)))
    integrality = np.concatenate((np.ones(n_x), np.zeros(n_p), np.ones(n_y)))
    result = solve_milp(
        objective,
        constraints=LinearConstraint(matrix, np.array([*low, *votes.low]), np.array([*high, *votes.high])),
        integrality=integrality,
        bounds=Bounds(np.zeros(n_x + n_p + n_y), np.concatenate((upper, np.ones(n_y)))),
    )
    if result.x is None or result.status != 0:
        return None
    x = np.asarray(result.x[:n_x])
    return np.array([int(np.argmax(x[starts[i] : starts[i] + n])) for i, n in enumerate(sizes)], dtype=np.int64)


# ----------------------------------------------------------------------------------------------
# Stable JSON


def bridge_json(result: BridgeResult, reference_id: str | None = None) -> dict[str, Any]:
    """``{"reference": id, "reading": null | {...}, "bridges": [...], "infeasible": null | {...}}`` (the documented
    shape)."""
    infeasible = result.infeasible
    return {
        "reference": reference_id,
        "reading": None if result.reading is None else asdict(result.reading),  # the fields as ReadFrom names them
        "preferences_assumed_for": list(result.assumed),
        "criterion": result.criterion,
        "bridges": [
            {
                "terms": dict(b.terms),
                "utilities": _rounded(b.utilities),
                "changes": [change_json(ch) for ch in b.changes],
                "filled": [
                    {
                        "issue": f.issue,
                        "to": f.term,
                        "gives": {p: None if g is None else round(g, 6) for p, g in f.gives.items()},
                        "tabled": f.tabled,
                        "text": f.text,
                        "only_in_readings": only_read_json(f.only_read),
                    }
                    for f in b.filled
                ],
                "improvements": [
                    {
                        "terms": dict(m.terms),
                        "utilities": _rounded(m.utilities),
                        "changes": [change_json(ch) for ch in m.changes],
                    }
                    for m in b.improvements
                ],
                "untabled": list(b.untabled),
            }
            for b in result.bridges
        ],
        "infeasible": None
        if infeasible is None
        else {
            "parties": list(infeasible.parties),
            "relaxation": _rounded(infeasible.relaxation),
            "red_lines": [
                {"party": r.party, "index": r.index, "terms": dict(r.terms), "text": r.text}
                for r in infeasible.red_lines
            ],
            "text": infeasible.text,
        },
        "within": result.scope,
        "acceptable_as_it_stands": result.acceptable_as_it_stands,
        "search": {
            "sets": result.search.sets,
            "complete": result.search.complete,
            "precision": round(result.search.precision, 6),
            "least": result.search.least,
        },
    }


def change_json(ch: TermChange) -> dict[str, Any]:
    return {
        "issue": ch.issue,
        "from": ch.before,
        "to": ch.after,
        "gains": _rounded(ch.gains),
        "tabled": ch.tabled,
        "text": ch.text,
        "only_in_readings": only_read_json(ch.only_read),
    }


def only_read_json(found: Sequence[tuple[Term, TabledBy]]) -> list[dict[str, Any]]:
    """``[{"term", "proposal", "reading", "by"}]``: the terms an explanation cites that only readings hold."""
    return [{"term": term, "proposal": t.proposal, "reading": t.reading, "by": list(t.by)} for term, t in found]


def _rounded(values: Mapping[str, float]) -> dict[str, float]:
    """Utilities in JSON to 6 decimals, as docs/json.md says."""
    return {k: round(float(v), 6) for k, v in values.items()}
