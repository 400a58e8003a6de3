"""Where a proposal stands for each party, and why: utility, acceptability, and the gap by issue.

For a partial proposal the utility is a range: the worst completion of the issues it leaves open, and
the best one the party could sign (crossing none of its red lines, breaking no package rule on an open
issue). Red lines over several issues tie the open issues together, so that best completion is then
found exactly (:func:`best_completion`) rather than issue by issue; when there is none, the verdict is
*no*, whatever the utilities (:data:`CLOSED`). A verdict is a promise about the completions: *yes*, every
one is acceptable; *no*, none is; *depends*, some are and some are not.

The gap of an issue is what the term costs the party against its ideal on that issue (its normalised
weight times the value lost), so the gaps of a complete proposal add up to ``1 - utility``.

Silence is not indifference: an issue a party gives no weight is one on which it stated no position,
so its gap there is not a number (it would read as "met in full") but a note saying why there is none.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from enum import StrEnum

import numpy as np

from truce.analysis.frontier import pareto_frontier
from truce.analysis.tabled import restrict
from truce.model.compiled import OPEN, Bools, Compiled, Ints, condition_mask
from truce.model.scenario import Condition, Issue, Range, RedLine

TOL = 1e-12
NO_POSITION = "no stated position"  # the party gives the issue no weight
LEFT_OPEN = "left open"  # the proposal does not settle the issue
CLOSED = "every way of settling the open issues crosses one of its red lines or breaks a package rule"


class Verdict(StrEnum):
    yes = "yes"
    no = "no"
    depends = "depends"  # a partial proposal: some completions are acceptable, some not


@dataclass(frozen=True)
class Standing:
    party: str
    low: float  # utility of the worst completion (the utility, if the proposal is complete)
    high: float  # utility of the best completion
    reservation: float
    acceptable: Verdict
    reasons: tuple[str, ...]
    gaps: dict[str, float | None]  # issue -> utility lost against the party's ideal; None: see gap_notes
    crossed: tuple[str, ...]  # red lines the proposal crosses, described
    at_risk: tuple[str, ...]  # red lines some completion of a partial proposal would cross
    gap_notes: dict[str, str]  # issue -> why it has no gap: NO_POSITION or LEFT_OPEN
    closed: bool = False  # no completion of a partial text is clear of its red lines and the package rules

    @property
    def shortfall(self) -> float:
        """How far the worst completion falls below the reservation value (0 if it does not)."""
        return max(0.0, self.reservation - self.low)

    @property
    def biggest_gap(self) -> str | None:
        known = {k: v for k, v in self.gaps.items() if v is not None and v > TOL}
        return max(known, key=lambda k: known[k]) if known else None


def stated(c: Compiled, p: int, i: int) -> bool:
    """Whether party ``p`` states a position on issue ``i``: a positive weight in its preferences."""
    return c.scenario.preferences[c.parties[p]].weights.get(c.issues[i], 0.0) > 0


def standings(c: Compiled, outcome: Ints) -> list[Standing]:
    """The standing of one (possibly partial) outcome vector for every compiled party."""
    return [_standing(c, p, outcome) for p in range(len(c.parties))]


def _standing(c: Compiled, p: int, outcome: Ints) -> Standing:
    low = high = 0.0
    gaps: dict[str, float | None] = {}
    notes: dict[str, str] = {}
    for i, table in enumerate(c.tables):
        row = table[p]
        k = int(outcome[i])
        if k == OPEN:
            low += float(row.min())
            allowed = row[c.allowed[i][p]]
            high += float(allowed.max() if allowed.size else row.max())
            gaps[c.issues[i]] = None
            notes[c.issues[i]] = LEFT_OPEN
        else:
            low += float(row[k])
            high += float(row[k])
            gaps[c.issues[i]] = float(row.max() - row[k])
        if not stated(c, p, i):
            gaps[c.issues[i]] = None
            notes[c.issues[i]] = NO_POSITION
    crossed, at_risk = _red_lines(c, p, outcome)
    high, closed = signable(c, p, outcome, high, bool(crossed))
    reservation = float(c.reservation[p])
    reasons: list[str] = []
    if closed:
        reasons.append(CLOSED)
    elif high < reservation - TOL:
        reasons.append(f"below reservation {reservation:.3f} by {reservation - high:.3f}")
    elif low < reservation - TOL:
        reasons.append(f"below reservation {reservation:.3f} in its worst completion (by {reservation - low:.3f})")
    reasons += [f"crosses red line: {text}" for text in crossed]
    reasons += [f"could cross red line: {text}" for text in at_risk]
    verdict = verdict_of(low, high, reservation, crossed=bool(crossed) or closed, at_risk=bool(at_risk))
    return Standing(
        party=c.parties[p],
        low=low,
        high=high,
        reservation=reservation,
        acceptable=verdict,
        reasons=tuple(reasons),
        gaps=gaps,
        crossed=tuple(crossed),
        at_risk=tuple(at_risk),
        gap_notes=notes,
        closed=closed,
    )


def signable(c: Compiled, p: int, outcome: Ints, high: float, crossed: bool) -> tuple[float, bool]:
    """Row ``p``'s best completion of ``outcome`` that it could sign, given ``high``, the best option of each open
    issue on its own; and whether there is none (*closed*: not said of a text that ``crossed`` a red line already).

    Red lines over several issues tie the open issues together (or bar every option of one), and only then is the
    best completion not ``high``. A red line the settled terms already cross bars no completion
    (:func:`completions`), so a text crossing one is still not said to reach a package that breaks a package rule.
    """
    if not open_couplings(c, p, outcome):
        return high, False
    best = best_completion(c, p, outcome)
    return (high if best is None else best), best is None and not crossed


def open_couplings(c: Compiled, p: int, outcome: Ints) -> bool:
    """Whether a red line over several issues of row ``p`` (its own, or a package rule) still turns on an issue
    ``outcome`` leaves open, or red lines bar every option of an open issue: only then is its best completion
    not the best allowed option of each issue."""
    barred = any(outcome[i] == OPEN and not allowed[p].any() for i, allowed in enumerate(c.allowed))
    return barred or any(cp.party == p and any(outcome[i] == OPEN for i, _ in cp.masks) for cp in c.couplings)


def best_completion(c: Compiled, p: int, outcome: Ints, pick: tuple[int, int] | None = None) -> float | None:
    """The utility for row ``p`` of its best completion of ``outcome`` that crosses none of its red lines and
    breaks no package rule on an open issue (``None`` when every completion does). With ``pick`` = (issue,
    option), that open issue is settled so."""
    space = completions(c, (p,), outcome, pick)
    if space is None:
        return None
    front = pareto_frontier(replace(space, reservation=np.full(1, -1.0)))
    return float(front.utilities[:, 0].max()) if len(front) else None


def completions(
    c: Compiled, rows: Sequence[int], outcome: Ints, pick: tuple[int, int] | None = None
) -> Compiled | None:
    """The completions of ``outcome`` (with ``pick`` = (issue, option) settling one more issue), as ``c``
    restricted to them with only ``rows`` as parties, their reservation values kept (``None``: red lines bar
    every option of an open issue). The red lines and package rules the settled terms alone cross are the
    text's, said apart (:func:`lines_met`, :mod:`truce.analysis.rules`): they bar no completion here."""
    sel = list(rows)
    masks: list[Bools] = []
    for i, allowed in enumerate(c.allowed):
        k = int(outcome[i]) if pick is None or pick[0] != i else pick[1]
        mask: Bools = np.asarray(allowed[sel].all(axis=0) if k == OPEN else np.arange(len(c.options[i])) == k)
        if not mask.any():
            return None
        masks.append(mask)
    where = {p: n for n, p in enumerate(sel)}
    space = replace(
        c,
        parties=tuple(c.parties[p] for p in sel),
        tables=tuple(t[sel] for t in c.tables),
        allowed=tuple(np.tile(m, (len(sel), 1)) for m in masks),
        couplings=tuple(
            replace(cp, party=where[cp.party])
            for cp in c.couplings
            if cp.party in where and any(outcome[i] == OPEN for i, _ in cp.masks)
        ),
        reservation=c.reservation[sel],
        cost_of_delay=c.cost_of_delay[sel],
        members=None,
        homes=(),
    )
    return restrict(space, masks)


def verdict_of(low: float, high: float, reservation: float, *, crossed: bool, at_risk: bool) -> Verdict:
    """The verdict from the worst and best completion's utilities and the red lines: the one rule."""
    if crossed or high < reservation - TOL:
        return Verdict.no
    if at_risk or low < reservation - TOL:
        return Verdict.depends
    return Verdict.yes


def _red_lines(c: Compiled, p: int, outcome: Ints) -> tuple[list[str], list[str]]:
    """Red lines of party ``p`` that the outcome crosses, and those an open issue could still cross."""
    return lines_met(c, c.scenario.preferences[c.parties[p]].red_lines, outcome)


def lines_met(c: Compiled, red_lines: Sequence[RedLine], outcome: Ints) -> tuple[list[str], list[str]]:
    """Of ``red_lines`` (a party's or a constituent's), those the outcome crosses, and those an open issue
    could still cross, described."""
    crossed: list[str] = []
    at_risk: list[str] = []
    issue_index = {issue_id: i for i, issue_id in enumerate(c.issues)}
    for red_line in red_lines:
        masks = [
            (issue_index[issue_id], condition_mask(c.options[issue_index[issue_id]], cond))
            for issue_id, cond in red_line.terms.items()
        ]
        met = [bool(mask[outcome[i]]) for i, mask in masks if outcome[i] != OPEN]
        open_could = [bool(mask.any()) for i, mask in masks if outcome[i] == OPEN]
        if all(met) and len(met) == len(masks):
            crossed.append(describe_red_line(c, red_line))
        elif all(met) and all(open_could):
            at_risk.append(describe_red_line(c, red_line))
    return crossed, at_risk


def describe_red_line(c: Compiled, red_line: RedLine) -> str:
    """A red line in the issues' own words, e.g. "Philadelphi Corridor: full withdrawal"."""
    parts = []
    for issue_id, cond in red_line.terms.items():
        issue = c.scenario.issue(issue_id)
        parts.append(f"{issue.name}: {describe_condition(issue, cond)}")
    text = " together with ".join(parts)
    return f"{text} ({red_line.note})" if red_line.note else text


def describe_condition(issue: Issue, cond: Condition, *, equals: str = "") -> str:
    """A red line's condition on one issue in the issue's own words: its bounds ("at least 2 km and below
    5 km") or its options ("open or closed"), the options after ``equals`` (the bridge writes "= open")."""
    if isinstance(cond, Range):
        bounds = [
            f"{word} {issue.label(v)}"
            for word, v in (
                ("at least", cond.at_least),
                ("at most", cond.at_most),
                ("above", cond.above),
                ("below", cond.below),
            )
            if v is not None
        ]
        return " and ".join(bounds)
    terms = cond if isinstance(cond, tuple) else (cond,)
    return equals + " or ".join(issue.label(t) for t in terms)
