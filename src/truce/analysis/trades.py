"""Trades (logrolling): each side concedes on an issue it cares less about, in exchange for the other.

Starting from a reference proposal, a *trade* between parties ``a`` and ``b`` changes two terms: on one
issue ``a`` gives ground and ``b`` gains, on another ``b`` gives ground and ``a`` gains, and both end up
better off than under the reference (each gains more on the issue it receives than it gives on the one
it concedes, which is what caring less about the conceded issue means here). Only issues the reference
settles can be traded; a new term that a party's one-issue red line forbids is never offered, and a
trade that would complete a red line spanning several settled issues is left out (a red line the
reference crosses already is not held against a trade that leaves it as it is).

For each ordered pair of issues the best pair of new terms is kept (largest smaller gain, then largest
total gain), and trades are ranked the same way. See Raiffa, *The Art and Science of Negotiation*
(1982), ch. 10, and Pruitt, *Negotiation Behavior* (1981) on logrolling.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from truce.analysis.bridge import NOT_TABLED, TermChange, change_json, reference_row, term_change
from truce.analysis.home import HomeStanding, home_standings
from truce.analysis.standing import Verdict, standings
from truce.analysis.tabled import scoped
from truce.errors import InputError, Problem
from truce.model.compiled import OPEN, Compiled, Ints
from truce.model.scenario import Term

GAIN = 1e-9  # smaller changes of utility count as none


@dataclass(frozen=True)
class Trade:
    """Two concessions: ``first`` by ``parties[0]``, ``second`` by ``parties[1]``."""

    parties: tuple[str, str]
    first: TermChange
    second: TermChange
    gains: Mapping[str, float]  # every compiled party's net change of utility from the two changes
    terms: Mapping[str, Term]  # the reference with the two changes made
    text: str
    verdicts: Mapping[str, Verdict] = field(default_factory=dict)  # each party's verdict on ``terms``
    # whether the constituents of each party with a ratification rule ratify ``terms`` (two-level talks)
    homes: Mapping[str, HomeStanding] = field(default_factory=dict)


def trades(
    c: Compiled,
    reference: Mapping[str, Term],
    parties: tuple[str, str],
    limit: int | None = None,
    *,
    scope: str | None = None,
) -> tuple[Trade, ...]:
    """Trades between ``parties`` from ``reference``, best first (all of them, or the first ``limit``).

    New terms stay within ``scope`` (``tabled`` or ``all``; default: :func:`truce.analysis.tabled.default_scope`);
    a new term nobody tabled is flagged in its concession's text."""
    _check_parties(c, parties)
    if limit is not None and limit < 1:  # a slice would quietly drop trades: [:0] none, [:-1] the last
        raise InputError([Problem(f"limit must be at least 1 (got {limit})")])
    reference_row(c, reference)  # bad terms raise here, with the issue named
    c, _, tabled = scoped(c, scope, reference)
    ref = c.encode(reference)
    best = _best_pairs(c, ref, _concessions(c, ref, c.parties.index(parties[0]), c.parties.index(parties[1])))
    ranked = sorted(best.items(), key=lambda item: (-item[1][0][0], -item[1][0][1], item[0]))
    out: list[Trade] = []
    for (i, j), (_, o, q) in ranked[:limit]:
        first = term_change(c, i, int(ref[i]), o, not tabled.flagged(c.issues[i], c.options[i][o]))
        second = term_change(c, j, int(ref[j]), q, not tabled.flagged(c.issues[j], c.options[j][q]))
        gains = {p: first.gains[p] + second.gains[p] for p in c.parties}
        row = ref.copy()
        row[i], row[j] = o, q
        verdicts = {st.party: st.acceptable for st in standings(c, row)}
        homes = {h.party: h for h in home_standings(c, row)}
        text = _text(c, parties, (first, second), gains, verdicts) + _home_text(c, parties, homes)
        out.append(Trade((parties[0], parties[1]), first, second, gains, c.decode(row), text, verdicts, homes))
    return tuple(out)


def _check_parties(c: Compiled, parties: tuple[str, str]) -> None:
    """Two different parties with preferences, or an ``InputError`` naming ``parties``."""
    problems: list[Problem] = []
    for pid in parties:
        if pid not in c.parties:
            known = ", ".join(c.parties) or "(none)"
            problems.append(Problem(f"party {pid!r} has no preferences here (expected one of {known})", ("parties",)))
    if len(parties) != 2 or parties[0] == parties[1]:
        problems.append(Problem(f"a trade is between two different parties (got {parties!r})", ("parties",)))
    if problems:
        raise InputError(problems)


_Concession = tuple[int, int, float, float]  # (issue, option, the giver's loss, the other's gain)


def _concessions(c: Compiled, ref: Ints, a: int, b: int) -> tuple[list[_Concession], list[_Concession]]:
    """Each settled term's moves where ``a`` gives and ``b`` gains, and where ``b`` gives and ``a`` gains."""
    by_a: list[_Concession] = []
    by_b: list[_Concession] = []
    for i in range(len(c.issues)):
        if ref[i] == OPEN:
            continue
        delta = c.tables[i] - c.tables[i][:, [ref[i]]]
        for option in np.flatnonzero(c.allowed[i].all(axis=0)).tolist():
            if option == ref[i]:
                continue
            da, db = float(delta[a, option]), float(delta[b, option])
            if da < -GAIN and db > GAIN:
                by_a.append((i, option, da, db))
            elif db < -GAIN and da > GAIN:
                by_b.append((i, option, db, da))
    return by_a, by_b


def _best_pairs(
    c: Compiled, ref: Ints, concessions: tuple[list[_Concession], list[_Concession]]
) -> dict[tuple[int, int], tuple[tuple[float, float], int, int]]:
    """For each ordered pair of issues, the best pair of concessions that leaves both better off and newly
    completes no red line: (key, option on the first, option on the second)."""
    best: dict[tuple[int, int], tuple[tuple[float, float], int, int]] = {}
    for i, o, loss_a, gain_b in concessions[0]:
        for j, q, loss_b, gain_a in concessions[1]:
            if i == j:
                continue
            net_a, net_b = loss_a + gain_a, loss_b + gain_b
            if net_a <= GAIN or net_b <= GAIN:
                continue
            key = (min(net_a, net_b), net_a + net_b)
            if ((i, j) not in best or key > best[(i, j)][0]) and not _crosses(c, ref, {i: o, j: q}):
                best[(i, j)] = (key, o, q)
    return best


def _crosses(c: Compiled, ref: Any, moves: dict[int, int]) -> bool:
    """Whether the changed reference newly completes a red line over several issues (one-issue red
    lines are ruled out already); a red line the reference itself crosses is not the trade's doing."""
    row = ref.copy()
    for i, o in moves.items():
        row[i] = o

    def hit(r: Any, masks: Any) -> bool:
        return all(r[i] != OPEN and mask[r[i]] for i, mask in masks)

    return any(hit(row, cp.masks) and not hit(ref, cp.masks) for cp in c.couplings)


def _text(
    c: Compiled,
    parties: tuple[str, str],
    changes: tuple[TermChange, TermChange],
    gains: Mapping[str, float],
    verdicts: Mapping[str, Verdict],
) -> str:
    """Who concedes what, from what to what; what each ends up with; and whether the result is acceptable:
    'Israel concedes on Rafah crossing, from "Israeli control" to "EU presence"; in exchange, Hamas concedes on
    ... . Net: Israel gains 0.03, Hamas gains 0.02. The result is acceptable to Israel; not acceptable to Hamas.'"""
    names = [_name(c, p) for p in parties]
    conceded = []
    for name, ch in zip(names, changes, strict=True):
        issue = c.scenario.issue(ch.issue)
        to = f'"{issue.label(ch.after)}"' + ("" if ch.tabled else NOT_TABLED)
        conceded.append(f'{name} concedes on {issue.name}, from "{issue.label(ch.before)}" to {to}')
    net = ", ".join(f"{name} gains {gains[p]:.2f}" for name, p in zip(names, parties, strict=True))
    said = {
        Verdict.yes: "acceptable to {}",
        Verdict.no: "not acceptable to {}",
        Verdict.depends: "acceptable to {} or not, depending on the open issues",
    }
    verdict = "; ".join(said[verdicts[p]].format(name) for name, p in zip(names, parties, strict=True))
    return f"{conceded[0]}; in exchange, {conceded[1]}. Net: {net}. The result is {verdict}."


def _home_text(c: Compiled, parties: tuple[str, str], homes: Mapping[str, HomeStanding]) -> str:
    """' At home, Israel's constituents do not ratify it (blocked by ...).' for a trading party whose rule does
    not ratify the result for certain: a logroll both leaders like can still fail at home."""
    said = []
    for pid in parties:
        h = homes.get(pid)
        if h is None or h.verdict is Verdict.yes:
            continue
        blockers = ", ".join(m.name for m in h.members if m.id in h.blockers)
        if h.verdict is Verdict.no:
            said.append(f"{_name(c, pid)}'s constituents do not ratify it (blocked by {blockers})")
        else:
            said.append(
                f"{_name(c, pid)}'s constituents may not ratify it, as the open issues are settled ({blockers})"
            )
    return f" At home, {'; '.join(said)}." if said else ""


def _name(c: Compiled, pid: str) -> str:
    try:
        return c.scenario.party(pid).name
    except KeyError:
        return pid


def _rounded(values: Mapping[str, float]) -> dict[str, float]:
    return {k: round(v, 6) for k, v in values.items()}


def trades_json(found: tuple[Trade, ...]) -> list[dict[str, Any]]:
    """Stable JSON: a list of ``{"concessions": [{party, issue, from, to, gains, text}, x2], "gains", "terms", "text",
    "acceptable", "ratified"}``, utilities rounded to 6 decimals."""
    return [
        {
            "concessions": [
                {"party": party, **change_json(ch)} for party, ch in zip(t.parties, (t.first, t.second), strict=True)
            ],
            "gains": _rounded(t.gains),
            "terms": dict(t.terms),
            "text": t.text,
            "acceptable": {p: v.value for p, v in t.verdicts.items()},
            "ratified": {p: {"ratified": h.verdict.value, "blockers": list(h.blockers)} for p, h in t.homes.items()},
        }
        for t in found
    ]
