"""A scenario compiled once into numpy arrays, for the fast paths.

An outcome is a vector of option indices, one per issue (``-1`` where a partial proposal leaves an
issue open). For each issue there is a table of shape ``(parties, options)`` holding the party's
normalised weight times its value of the option, so a party's utility is a sum of table lookups.
Results are mapped back to named terms only at the edge, with :meth:`Compiled.decode`.

Package rules (terms that cannot stand together in any text) are compiled as red lines of every
compiled party, into the ``allowed`` masks and the ``couplings``, so that every analysis built on
:meth:`Compiled.crossed` and those arrays honours them exactly. ``rules`` keeps each rule's own masks,
so that reports can say "breaks package rule X" rather than blame a party's red line.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from truce.model.scenario import Condition, IssueKind, Preferences, Range, Scenario, Term

Floats = NDArray[np.float64]
Ints = NDArray[np.int64]
Bools = NDArray[np.bool_]
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
        """At or above reservation and no red line crossed: ``(n, parties)`` booleans."""
        return (self.utilities(outcomes) >= self.reservation - TOLERANCE) & ~self.crossed(outcomes)


def _complete(outcomes: Ints) -> Ints:
    # An OPEN (-1) index would silently read the last option: refuse partial outcomes here.
    outcomes = np.atleast_2d(outcomes)
    if outcomes.size and outcomes.min() < 0:
        raise ValueError("outcome has open issues: utilities need a complete outcome (see analysis.standing)")
    return outcomes


def compile_scenario(scenario: Scenario, parties: Sequence[str] | None = None) -> Compiled:
    """Compile the preferences of ``parties`` (default: every party that has preferences)."""
    chosen = (
        tuple(parties) if parties is not None else tuple(p.id for p in scenario.parties if p.id in scenario.preferences)
    )
    for pid in chosen:
        if pid not in scenario.preferences:
            raise KeyError(f"party {pid!r} has no preferences in scenario {scenario.id!r}")
    options = tuple(issue.option_ids() for issue in scenario.issues)
    issue_index = {issue.id: i for i, issue in enumerate(scenario.issues)}
    tables = [np.zeros((len(chosen), len(opts))) for opts in options]
    allowed = [np.ones((len(chosen), len(opts)), dtype=bool) for opts in options]
    couplings: list[Coupling] = []
    for p, pid in enumerate(chosen):
        prefs = scenario.preferences[pid]
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
        for p in range(len(chosen)):
            if len(rule_masks.masks) == 1:
                i, mask = rule_masks.masks[0]
                allowed[i][p] &= ~mask
            else:
                couplings.append(Coupling(p, rule_masks.masks, rule=rule_masks.id))
    for t in (*tables, *allowed, *(mask for rule_masks in rules for _, mask in rule_masks.masks)):
        t.setflags(write=False)
    return Compiled(
        scenario=scenario,
        parties=chosen,
        issues=tuple(issue.id for issue in scenario.issues),
        options=options,
        tables=tuple(tables),
        allowed=tuple(allowed),
        couplings=tuple(couplings),
        reservation=np.array([scenario.preferences[p].reservation for p in chosen], dtype=float),
        cost_of_delay=np.array([scenario.preferences[p].cost_of_delay for p in chosen], dtype=float),
        rules=rules,
    )


def _weighted_values(scenario: Scenario, prefs: Preferences) -> dict[int, Floats]:
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
