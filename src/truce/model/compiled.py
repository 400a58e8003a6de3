"""A scenario compiled once into numpy arrays, for the fast paths.

An outcome is a vector of option indices, one per issue (``-1`` where a partial proposal leaves an
issue open). For each issue there is a table of shape ``(parties, options)`` holding the party's
normalised weight times its value of the option, so a party's utility is a sum of table lookups.
Results are mapped back to named terms only at the edge, with :meth:`Compiled.decode`.

Package rules (terms that cannot stand together in any text) are compiled as red lines of every
compiled party, into the ``allowed`` masks and the ``couplings``, so that every analysis built on
:meth:`Compiled.crossed` and those arrays honours them exactly. ``rules`` keeps each rule's own masks,
so that reports can say "breaks package rule X" rather than blame a party's red line.

Ratification at home (two-level talks): the constituents of every party's ratification rule are compiled
the same way, one row each, into ``members``, and each rule into a :class:`Home` (who votes, with how many
votes, how many are needed). :meth:`Compiled.acceptable` then requires the rule's approval too, and
:meth:`Compiled.barred` is what a party cannot sign whatever its utility. Compiled with
``ratification=False``, a scenario gives the leaders' view alone.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TypeVar

import numpy as np
from numpy.typing import NDArray

from truce.model.scenario import (
    Condition,
    Constituent,
    IssueKind,
    Preferences,
    Range,
    Ratification,
    RatificationRule,
    Scenario,
    Term,
)

Floats = NDArray[np.float64]
Ints = NDArray[np.int64]
Bools = NDArray[np.bool_]
G = TypeVar("G", bound=np.generic)
OPEN = -1  # an issue a partial proposal leaves open
TOLERANCE = 1e-12  # a utility this close below a reservation value still meets it (float sums)


@dataclass(frozen=True, eq=False)
class Coupling:
    """A red line over several issues: crossed when every issue's option lies in its mask."""

    party: int
    masks: tuple[tuple[int, Bools], ...]
    rule: str | None = None  # the package rule this coupling compiles; None for the party's own red line


@dataclass(frozen=True, eq=False)
class RuleMasks:
    """A package rule compiled: broken when every issue's option lies in its mask."""

    id: str
    masks: tuple[tuple[int, Bools], ...]


@dataclass(frozen=True, eq=False)
class Home:
    """A party's ratification rule compiled: which constituents vote, with how many votes, and how many
    votes approve a package (more than ``need`` when ``strict``, else at least ``need``)."""

    party: int  # index into Compiled.parties
    members: Ints  # indices into Compiled.members
    votes: Floats
    need: float
    strict: bool
    rule: str

    def passes(self, approve: Bools) -> Bools:
        """Whether the rule approves, given which constituents approve: ``(n, members)`` to ``(n,)``."""
        total = np.atleast_2d(approve).astype(float) @ self.votes
        return total > self.need + 1e-9 if self.strict else total >= self.need - 1e-9

    def winning(self) -> list[tuple[int, ...]]:
        """The minimal winning coalitions, as indices into Compiled.members: the rule approves exactly when
        every constituent of one of them approves (the rules are monotone: more approvals never hurt)."""
        k = len(self.members)
        found: list[tuple[int, ...]] = []
        for size in range(1, k + 1):
            for combo in itertools.combinations(range(k), size):
                if any(set(w) <= set(combo) for w in found):
                    continue
                approve = np.zeros((1, k), dtype=bool)
                approve[0, list(combo)] = True
                if bool(self.passes(approve)[0]):
                    found.append(combo)
        return [tuple(int(self.members[j]) for j in combo) for combo in found]

    def blocking(self) -> list[tuple[int, ...]]:
        """The minimal blocking sets, as indices into Compiled.members: the rule fails exactly when every
        constituent of one of them does not approve (the others' approval cannot carry it)."""
        k = len(self.members)
        found: list[tuple[int, ...]] = []
        for size in range(1, k + 1):
            for combo in itertools.combinations(range(k), size):
                if any(set(b) <= set(combo) for b in found):
                    continue
                approve = np.ones((1, k), dtype=bool)
                approve[0, list(combo)] = False
                if not bool(self.passes(approve)[0]):
                    found.append(combo)
        return [tuple(int(self.members[j]) for j in combo) for combo in found]


@dataclass(frozen=True, eq=False)
class Compiled:
    scenario: Scenario
    parties: tuple[str, ...]
    issues: tuple[str, ...]
    options: tuple[tuple[Term, ...], ...]
    tables: tuple[Floats, ...]  # per issue: (parties, options), weight x value, weights summing to 1
    allowed: tuple[Bools, ...]  # per issue: (parties, options), False where a one-issue red line or rule forbids
    couplings: tuple[Coupling, ...]
    reservation: Floats  # (parties,)
    cost_of_delay: Floats  # (parties,)
    rules: tuple[RuleMasks, ...] = ()  # the package rules, also compiled into allowed and couplings
    members: Compiled | None = None  # the constituents of every party with a ratification rule, one row each
    homes: tuple[Home, ...] = ()  # the ratification rules, of the parties that have one

    @property
    def sizes(self) -> tuple[int, ...]:
        return tuple(len(o) for o in self.options)

    def index(self, issue: int, term: Term) -> int:
        """The option index of a term (numeric terms matched to the nearest grid value)."""
        opts = self.options[issue]
        if self.scenario.issues[issue].kind is IssueKind.numeric:
            grid = np.asarray(opts, dtype=float)
            return int(np.argmin(np.abs(grid - float(term))))
        return opts.index(term)

    def encode(self, terms: Mapping[str, Term]) -> Ints:
        """Named terms to an outcome vector; issues not named are ``OPEN``."""
        row = np.full(len(self.issues), OPEN, dtype=np.int64)
        for i, issue_id in enumerate(self.issues):
            if issue_id in terms:
                row[i] = self.index(i, terms[issue_id])
        return row

    def decode(self, row: Sequence[int] | Ints) -> dict[str, Term]:
        return {self.issues[i]: self.options[i][int(k)] for i, k in enumerate(row) if k != OPEN}

    def utilities(self, outcomes: Ints) -> Floats:
        """Utilities of complete outcomes: ``(n, issues)`` to ``(n, parties)``."""
        outcomes = _complete(outcomes)
        total = np.zeros((outcomes.shape[0], len(self.parties)))
        for i, table in enumerate(self.tables):
            total += table[:, outcomes[:, i]].T
        return total

    def crossed(self, outcomes: Ints) -> Bools:
        """Which red lines are crossed: ``(n, issues)`` to ``(n, parties)`` booleans."""
        outcomes = _complete(outcomes)
        out = np.zeros((outcomes.shape[0], len(self.parties)), dtype=bool)
        for i, allowed in enumerate(self.allowed):
            out |= ~allowed[:, outcomes[:, i]].T
        for coupling in self.couplings:
            hit = np.ones(outcomes.shape[0], dtype=bool)
            for i, mask in coupling.masks:
                hit &= mask[outcomes[:, i]]
            out[:, coupling.party] |= hit
        return out

    def broken(self, outcomes: Ints) -> Bools:
        """Which package rules are broken: ``(n, issues)`` to ``(n, rules)`` booleans."""
        outcomes = _complete(outcomes)
        out = np.ones((outcomes.shape[0], len(self.rules)), dtype=bool)
        for r, rule in enumerate(self.rules):
            for i, mask in rule.masks:
                out[:, r] &= mask[outcomes[:, i]]
        return out

    def acceptable(self, outcomes: Ints) -> Bools:
        """At or above reservation, no red line crossed and ratified at home: ``(n, parties)`` booleans."""
        return (self.utilities(outcomes) >= self.reservation - TOLERANCE) & ~self.barred(outcomes)

    def ratified(self, outcomes: Ints) -> Bools:
        """Whether each party's ratification rule approves: ``(n, parties)``; true for a party without one."""
        outcomes = _complete(outcomes)
        out = np.ones((outcomes.shape[0], len(self.parties)), dtype=bool)
        if self.members is not None and self.homes:
            approve = self.members.acceptable(outcomes)
            for home in self.homes:
                out[:, home.party] = home.passes(approve[:, home.members])
        return out

    def barred(self, outcomes: Ints) -> Bools:
        """What a party cannot sign whatever its utility: a red line crossed, or not ratified at home."""
        return self.crossed(outcomes) | ~self.ratified(outcomes)

    def homes_of(self, parties: Sequence[int] | Ints) -> tuple[Home, ...]:
        """The ratification rules of the given parties (indices into ``parties``)."""
        chosen = {int(p) for p in parties}
        return tuple(home for home in self.homes if home.party in chosen)

    def pieces(self, parties: Sequence[int] | Ints) -> list[tuple[int, ...]]:
        """The ways the given parties can all be ratified: one minimal winning coalition per rule, merged
        (indices into ``members``). The ratifiable set is the union, over pieces, of the outcomes every
        constituent of the piece approves. ``[()]`` when no party has a rule."""
        out: set[tuple[int, ...]] = set()
        for combo in itertools.product(*(home.winning() for home in self.homes_of(parties))):
            out.add(tuple(sorted({m for coalition in combo for m in coalition})))
        return sorted(out)

    def extended(self, members: Sequence[int], *, leaders_floor: bool = True) -> Compiled:
        """The leaders followed by the constituents ``members`` as parties of their own, with no rules: an
        outcome acceptable to all of them is one those constituents all approve. Without ``leaders_floor``
        the leaders' reservation values drop to -1 (only the constituents' thresholds bind)."""
        base = len(self.parties)
        if self.members is None or not members:
            rows = self if leaders_floor else replace(self, reservation=np.full(base, -1.0), homes=())
            return replace(rows, members=None, homes=())
        m = self.members
        pick = np.asarray(members, dtype=np.int64)
        where = {int(j): base + n for n, j in enumerate(pick)}
        couplings = (
            *self.couplings,
            *(replace(cp, party=where[cp.party]) for cp in m.couplings if cp.party in where),
        )
        floor = self.reservation if leaders_floor else np.full(base, -1.0)
        return replace(
            self,
            parties=(*self.parties, *(m.parties[j] for j in pick)),
            tables=tuple(_stacked(t, u[pick]) for t, u in zip(self.tables, m.tables, strict=True)),
            allowed=tuple(_stacked(a, b[pick]) for a, b in zip(self.allowed, m.allowed, strict=True)),
            couplings=couplings,
            reservation=np.concatenate((floor, m.reservation[pick])),
            cost_of_delay=np.concatenate((self.cost_of_delay, m.cost_of_delay[pick])),
            members=None,
            homes=(),
        )


def _stacked(a: NDArray[G], b: NDArray[G]) -> NDArray[G]:
    out: NDArray[G] = np.concatenate((a, b))
    out.setflags(write=False)
    return out


def _complete(outcomes: Ints) -> Ints:
    # An OPEN (-1) index would silently read the last option: refuse partial outcomes here.
    outcomes = np.atleast_2d(outcomes)
    if outcomes.size and outcomes.min() < 0:
        raise ValueError("outcome has open issues: utilities need a complete outcome (see analysis.standing)")
    return outcomes


def compile_scenario(
    scenario: Scenario, parties: Sequence[str] | None = None, *, ratification: bool = True
) -> Compiled:
    """Compile the preferences of ``parties`` (default: every party that has preferences).

    With ``ratification`` (the default) the constituents of each party's ratification rule are compiled
    too, and :meth:`Compiled.acceptable` honours the rule; without it, the leaders' view alone.
    """
    chosen = (
        tuple(parties) if parties is not None else tuple(p.id for p in scenario.parties if p.id in scenario.preferences)
    )
    for pid in chosen:
        if pid not in scenario.preferences:
            raise KeyError(f"party {pid!r} has no preferences in scenario {scenario.id!r}")
    leaders = _compiled_rows(scenario, chosen, [scenario.preferences[pid] for pid in chosen])
    if not ratification:
        return leaders
    labels: list[str] = []
    holders: list[Constituent] = []
    homes: list[Home] = []
    for p, pid in enumerate(chosen):
        rule = scenario.preferences[pid].ratification
        if rule is None:
            continue
        first = len(holders)
        holders += rule.constituents
        labels += [f"{pid}:{m.id}" for m in rule.constituents]
        homes.append(_home(p, rule, np.arange(first, len(holders), dtype=np.int64)))
    if not homes:
        return leaders
    return replace(leaders, members=_compiled_rows(scenario, tuple(labels), holders), homes=tuple(homes))


def _home(party: int, rule: Ratification, members: Ints) -> Home:
    votes = np.array([m.votes for m in rule.constituents], dtype=float)
    total = float(votes.sum())
    if rule.rule is RatificationRule.veto:
        need, strict = total, False
    elif rule.rule is RatificationRule.majority:
        need, strict = total / 2, True
    else:
        need, strict = float(rule.threshold or 1.0) * total, False
    votes.setflags(write=False)
    members.setflags(write=False)
    return Home(party, members, votes, need, strict, rule.rule.value)


def _compiled_rows(
    scenario: Scenario, labels: tuple[str, ...], holders: Sequence[Preferences | Constituent]
) -> Compiled:
    """Tables, red-line masks and couplings of ``holders`` (a party's preferences or a constituent's), one
    row each, with the package rules compiled in as red lines of every row."""
    options = tuple(issue.option_ids() for issue in scenario.issues)
    issue_index = {issue.id: i for i, issue in enumerate(scenario.issues)}
    tables = [np.zeros((len(holders), len(opts))) for opts in options]
    allowed = [np.ones((len(holders), len(opts)), dtype=bool) for opts in options]
    couplings: list[Coupling] = []
    for p, prefs in enumerate(holders):
        for i, row in _weighted_values(scenario, prefs).items():
            tables[i][p] = row
        for red_line in prefs.red_lines:
            masks = tuple(
                (issue_index[issue_id], condition_mask(options[issue_index[issue_id]], cond))
                for issue_id, cond in red_line.terms.items()
            )
            if len(masks) == 1:
                i, mask = masks[0]
                allowed[i][p] &= ~mask
            else:
                couplings.append(Coupling(p, masks))
    rules = tuple(
        RuleMasks(
            rule.id,
            tuple(
                (issue_index[issue_id], condition_mask(options[issue_index[issue_id]], cond))
                for issue_id, cond in rule.never.items()
            ),
        )
        for rule in scenario.constraints
    )
    # A package rule binds whatever text anyone agrees to: a red line of every compiled party.
    for rule_masks in rules:
        for p in range(len(holders)):
            if len(rule_masks.masks) == 1:
                i, mask = rule_masks.masks[0]
                allowed[i][p] &= ~mask
            else:
                couplings.append(Coupling(p, rule_masks.masks, rule=rule_masks.id))
    for t in (*tables, *allowed, *(mask for rule_masks in rules for _, mask in rule_masks.masks)):
        t.setflags(write=False)
    return Compiled(
        scenario=scenario,
        parties=labels,
        issues=tuple(issue.id for issue in scenario.issues),
        options=options,
        tables=tuple(tables),
        allowed=tuple(allowed),
        couplings=tuple(couplings),
        reservation=np.array([h.reservation for h in holders], dtype=float),
        cost_of_delay=np.array([h.cost_of_delay if isinstance(h, Preferences) else 0.0 for h in holders]),
        rules=rules,
    )


def _weighted_values(scenario: Scenario, prefs: Preferences | Constituent) -> dict[int, Floats]:
    total = sum(prefs.weights.values())
    out: dict[int, Floats] = {}
    for i, issue in enumerate(scenario.issues):
        weight = prefs.weights.get(issue.id, 0.0)
        if weight <= 0:
            continue
        values = prefs.values[issue.id]
        if isinstance(values, dict):
            row = np.array([values[str(o)] for o in issue.option_ids()], dtype=np.float64)
        else:
            xs = np.array([float(x) for x, _ in values])
            ys = np.array([float(v) for _, v in values])
            row = np.interp(np.asarray(issue.grid(), dtype=float), xs, ys)
        out[i] = row * (weight / total)
    return out


def condition_mask(options: tuple[Term, ...], condition: Condition) -> Bools:
    """Which options of an issue meet a red-line condition."""
    if isinstance(condition, Range):
        return np.array([condition.contains(float(o)) for o in options], dtype=bool)
    wanted = condition if isinstance(condition, tuple) else (condition,)
    if options and isinstance(options[0], int | float):
        return np.array([any(abs(float(o) - float(w)) < 1e-9 for w in wanted) for o in options], dtype=bool)
    return np.array([o in wanted for o in options], dtype=bool)
