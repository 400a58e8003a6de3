"""Trades (logrolling): each side concedes on an issue it cares less about, in exchange for the other.

Starting from a reference proposal, a *trade* between parties ``a`` and ``b`` changes two terms: on one
issue ``a`` gives ground and ``b`` gains, on another ``b`` gives ground and ``a`` gains, and both end up
better off than under the reference (each gains more on the issue it receives than it gives on the one
it concedes, which is what caring less about the conceded issue means here). Only issues the reference
settles can be traded; a new term that a party's one-issue red line forbids is never offered, and a
trade that would complete a red line spanning several settled issues is left out (a red line the
reference crosses already is not held against a trade that leaves it as it is). A package rule the
reference breaks already is not held against a trade either, but the trade says the result breaks it: a
package rule is the text's, not a side's, so no side's verdict shows it, and a result no text can hold must
never read as simply acceptable.

For each ordered pair of issues the best pair of new terms is kept (largest smaller gain, then largest
total gain), and trades are ranked the same way.

A trade's result holds the reference's open issues open. Its verdicts, like its terms, stay within the
scope: within the tabled terms they assume the open issues are settled within those terms, so they can
differ from ``analyze``, which lets an open issue take any term. The trade says so, and carries the
verdicts with any term beside them (``any_term``), the same as ``analyze`` gives on the same terms.

See Raiffa, *The Art and Science of Negotiation* (1982), ch. 10, and Pruitt, *Negotiation Behavior* (1981)
on logrolling.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from truce.analysis.bridge import NOT_TABLED, TermChange, change_json, reference_row, term_change
from truce.analysis.home import HomeStanding, home_standings
from truce.analysis.rules import RuleBreach, rule_breaches, rule_json
from truce.analysis.standing import Verdict, standings
from truce.analysis.tabled import read_note, scoped
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
    open: tuple[str, ...] = ()  # the issues ``terms`` leaves open, as the reference did
    # the verdicts when the open issues may take any term, not only tabled ones (as ``analyze`` reads ``terms``)
    any_term: Mapping[str, Verdict] = field(default_factory=dict)
    any_term_homes: Mapping[str, HomeStanding] = field(default_factory=dict)
    # the package rules ``terms`` breaks, or could break once its open issues are settled
    rules: tuple[RuleBreach, ...] = ()


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
    whole = c
    c, _, tabled = scoped(c, scope, reference)
    ref = c.encode(reference)
    left_open = tuple(c.issues[i] for i in range(len(c.issues)) if ref[i] == OPEN)
    before = rule_breaches(whole, whole.encode(reference))
    best = _best_pairs(c, ref, _concessions(c, ref, c.parties.index(parties[0]), c.parties.index(parties[1])))
    ranked = sorted(best.items(), key=lambda item: (-item[1][0][0], -item[1][0][1], item[0]))
    out: list[Trade] = []
    for (i, j), (_, o, q) in ranked[:limit]:
        first = term_change(c, i, int(ref[i]), o, tabled)
        second = term_change(c, j, int(ref[j]), q, tabled)
        gains = {p: first.gains[p] + second.gains[p] for p in c.parties}
        row = ref.copy()
        row[i], row[j] = o, q
        verdicts, homes = _verdicts(c, row)
        # a scope that narrows nothing leaves the same compiled scenario: the verdicts are those with any term
        wide, wide_homes = _verdicts(whole, whole.encode(c.decode(row))) if c is not whole else (verdicts, homes)
        breaches = rule_breaches(whole, whole.encode(c.decode(row)))
        text = (
            _text(c, parties, (first, second), gains, verdicts)
            + _rules_text(breaches, before)
            + _home_text(c, parties, homes)
            + _open_text(c, parties, left_open if c is not whole else (), verdicts, homes, wide, wide_homes)
        )
        out.append(
            Trade(
                (parties[0], parties[1]),
                *(first, second, gains, c.decode(row), text, verdicts, homes),
                *(left_open, wide, wide_homes, breaches),
            )
        )
    return tuple(out)


def _verdicts(c: Compiled, row: Ints) -> tuple[dict[str, Verdict], dict[str, HomeStanding]]:
    """Each party's verdict on ``row``, and each ratification rule's, as ``analyze`` gives them in ``c``."""
    return {st.party: st.acceptable for st in standings(c, row)}, {h.party: h for h in home_standings(c, row)}


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
        to = f'"{issue.label(ch.after)}"' + read_note(c.scenario, [r for _, r in ch.only_read])
        to += "" if ch.tabled else NOT_TABLED
        conceded.append(f'{name} concedes on {issue.name}, from "{issue.label(ch.before)}" to {to}')
    net = ", ".join(f"{name} gains {gains[p]:.2f}" for name, p in zip(names, parties, strict=True))
    verdict = "; ".join(_SAID[verdicts[p]].format(name) for name, p in zip(names, parties, strict=True))
    return f"{conceded[0]}; in exchange, {conceded[1]}. Net: {net}. The result is {verdict}."


def _rules_text(breaches: tuple[RuleBreach, ...], before: tuple[RuleBreach, ...]) -> str:
    """' The result breaks package rule r1 (Corridor: forces stay together with Withdrawal: complete), as the
    text it starts from does.' A trade never completes a rule on settled terms itself, but one the reference
    breaks stays broken, and a new term can make a rule on an open issue one that could break."""
    said = []
    for b in breaches:
        verb = "breaks" if b.broken else "could break, once its open issues are settled,"
        said.append(f"{verb} package rule {b.rule} ({b.text})" + (", as the text it starts from does" * (b in before)))
    if not said:
        return ""
    unsigned = " No side can sign it as it stands." if any(b.broken for b in breaches) else ""
    return f" The result {'; it '.join(said)}.{unsigned}"


_SAID = {
    Verdict.yes: "acceptable to {}",
    Verdict.no: "not acceptable to {}",
    Verdict.depends: "acceptable to {} or not, depending on the open issues",
}


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


def _open_text(
    c: Compiled,
    parties: tuple[str, str],
    left_open: tuple[str, ...],
    verdicts: Mapping[str, Verdict],
    homes: Mapping[str, HomeStanding],
    wide: Mapping[str, Verdict],
    wide_homes: Mapping[str, HomeStanding],
) -> str:
    """' Open issues (Rafah crossing): these verdicts assume they are settled within the terms tabled; with any
    term there, as analyze reads these terms, it is acceptable to Israel or not, depending on the open issues.'
    Said whenever the scope narrowed the open issues, so that a verdict never differs from analyze's without the
    reason."""
    if not left_open:
        return ""
    names = "; ".join(c.scenario.issue(i).name for i in left_open)  # an issue's name may hold a comma
    said = f" Open issues ({names}): these verdicts assume they are settled within the terms tabled"
    differ = []
    for pid in parties:
        if wide[pid] is not verdicts[pid]:
            differ.append(_SAID[wide[pid]].format(_name(c, pid)))
        h, w = homes.get(pid), wide_homes.get(pid)
        if h is not None and w is not None and w.verdict is not h.verdict:
            differ.append(_RATIFIED[w.verdict].format(_name(c, pid)))
    if differ:
        return f"{said}; with any term there, as analyze reads these terms, it is {'; '.join(differ)}."
    return f"{said}, and they are the same with any term there."


_RATIFIED = {
    Verdict.yes: "ratified by {}'s constituents",
    Verdict.no: "not ratified by {}'s constituents",
    Verdict.depends: "ratified by {}'s constituents or not, depending on the open issues",
}


def _name(c: Compiled, pid: str) -> str:
    try:
        return c.scenario.party(pid).name
    except KeyError:
        return pid


def _rounded(values: Mapping[str, float]) -> dict[str, float]:
    return {k: round(v, 6) for k, v in values.items()}


def trades_json(found: tuple[Trade, ...]) -> list[dict[str, Any]]:
    """Stable JSON: a list of ``{"concessions": [{party, issue, from, to, gains, text}, x2], "gains", "terms", "text",
    "acceptable", "ratified", "open", "any_term", "package_rules"}``, utilities rounded to 6 decimals (docs/json.md)."""
    return [
        {
            "concessions": [
                {"party": party, **change_json(ch)} for party, ch in zip(t.parties, (t.first, t.second), strict=True)
            ],
            "gains": _rounded(t.gains),
            "terms": dict(t.terms),
            "text": t.text,
            "acceptable": {p: v.value for p, v in t.verdicts.items()},
            "ratified": _ratified_json(t.homes),
            "open": list(t.open),
            "any_term": {
                "acceptable": {p: v.value for p, v in t.any_term.items()},
                "ratified": _ratified_json(t.any_term_homes),
            },
            "package_rules": [rule_json(b) for b in t.rules],
        }
        for t in found
    ]


def _ratified_json(homes: Mapping[str, HomeStanding]) -> dict[str, dict[str, Any]]:
    return {p: {"ratified": h.verdict.value, "blockers": list(h.blockers)} for p, h in homes.items()}
