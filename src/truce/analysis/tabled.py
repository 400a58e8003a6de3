"""Tabled terms: which terms somebody has put on the table, who, and when; answers kept within them.

A term is *tabled* when some proposal holds it: its own terms, the terms it inherits along its lineage,
or the terms a reading of it asserts. On a numeric issue every value within the range tabled counts
(a text that asks for 400 trucks a day and one that asks for 600 table everything between). A
mediator's suggestion built from terms nobody tabled is easy to dismiss, so answers are kept within the
tabled terms by default wherever the scenario has proposals (:func:`default_scope`), and any term not
tabled by anyone is flagged.

An issue no proposal speaks to has no tabled term at all. Keeping it within "tabled" would leave no
outcome, so it stays open: every option is allowed there, and each is flagged as not tabled.

:func:`scoped` restricts a compiled scenario to a scope, by slicing the option tables (the answers stay
exact over the restricted space, and decode to the same named terms).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
from numpy.typing import NDArray

from truce.errors import InputError, Problem
from truce.model.compiled import Bools, Compiled, Coupling, Ints, RuleMasks
from truce.model.scenario import IssueKind, Scenario, Term

SCOPES = ("tabled", "all")


@dataclass(frozen=True)
class TabledBy:
    """One text holding a term: the proposal, the reading of it (or ``None``: the text as tabled), by whom."""

    proposal: str
    reading: str | None
    by: tuple[str, ...]  # the proposal's ``tabled_by``, or the reading's ``by``
    date: dt.date


@dataclass(frozen=True)
class Tabled:
    """Per issue, every tabled term and the texts that hold it (oldest first)."""

    scenario: Scenario
    terms: Mapping[str, Mapping[Term, tuple[TabledBy, ...]]]

    def holds(self, issue_id: str, term: Term) -> bool:
        """Whether ``term`` is tabled on the issue (for a numeric issue: within the range tabled)."""
        held = self.terms.get(issue_id, {})
        if not held:
            return False
        if self.scenario.issue(issue_id).kind is IssueKind.numeric:
            values = [float(t) for t in held]
            return min(values) - 1e-9 <= float(term) <= max(values) + 1e-9
        return term in held

    def flagged(self, issue_id: str, term: Term) -> bool:
        """Whether an answer must flag ``term`` as not tabled by anyone. Talks with no proposal at all (a
        bare domain, such as a GENIUS file) have nothing on the table to be measured against: no flag."""
        return bool(self.scenario.proposals) and not self.holds(issue_id, term)

    def untabled(self, terms: Mapping[str, Term]) -> tuple[str, ...]:
        """The issues of ``terms`` to flag as not tabled by anyone, in the scenario's issue order."""
        return tuple(
            issue.id for issue in self.scenario.issues if issue.id in terms and self.flagged(issue.id, terms[issue.id])
        )

    def by_whom(self, issue_id: str, term: Term) -> tuple[TabledBy, ...]:
        """The texts that hold exactly this term (empty for a value only within a tabled range)."""
        for held, texts in self.terms.get(issue_id, {}).items():
            if _same(held, term):
                return texts
        return ()

    def only_read(self, issue_id: str, term: Term) -> tuple[TabledBy, ...]:
        """The readings that alone put ``term`` on the table: empty when some text as tabled holds it (on a
        numeric issue: when it lies within the range the texts as tabled hold) or when nobody tabled it. A term
        only one side's reading holds is that side's account of a text, not the text: answers must say so."""
        if not self.holds(issue_id, term):
            return ()
        held = self.terms.get(issue_id, {})
        if self.scenario.issue(issue_id).kind is not IssueKind.numeric:
            found = self.by_whom(issue_id, term)
            return () if any(t.reading is None for t in found) else found
        x = float(term)
        as_tabled = [float(v) for v, texts in held.items() if any(t.reading is None for t in texts)]
        if as_tabled and min(as_tabled) - 1e-9 <= x <= max(as_tabled) + 1e-9:
            return ()
        # the readings whose values stretch the range tabled out to this value
        above = bool(as_tabled) and x > max(as_tabled)
        below = bool(as_tabled) and x < min(as_tabled)
        return tuple(
            dict.fromkeys(
                t
                for v, texts in held.items()
                for t in texts
                if t.reading is not None and not (above and float(v) < x - 1e-9) and not (below and float(v) > x + 1e-9)
            )
        )

    def only_read_note(self, issue_id: str, term: Term) -> str:
        """``' (tabled only in aug16-bridging as read by Hamas, reading hamas-aug18)'``, or ``''``: see
        :meth:`only_read`."""
        return read_note(self.scenario, self.only_read(issue_id, term))


def read_note(scenario: Scenario, readings: Sequence[TabledBy]) -> str:
    """Whose readings alone hold a term, as a note to put after it (``''`` for none)."""
    if not readings:
        return ""
    said = "; ".join(
        f"{t.proposal} as read by {', '.join(holder_name(scenario, by) for by in t.by)}, reading {t.reading}"
        for t in readings
    )
    return f" (tabled only in {said})"


def holder_name(scenario: Scenario, by: str) -> str:
    """Who holds a reading, as people say it: the party's name, or the source's title."""
    for party in scenario.parties:
        if party.id == by:
            return party.name
    source = scenario.sources.get(by)
    return source.title if source is not None else by


def tabled_terms(scenario: Scenario) -> Tabled:
    """Every term some proposal, or a reading of one, holds."""
    found: dict[str, dict[Term, list[TabledBy]]] = {issue.id: {} for issue in scenario.issues}

    def add(terms: Mapping[str, Term], by: TabledBy) -> None:
        for issue_id, term in terms.items():
            held = found.setdefault(issue_id, {})
            key = next((t for t in held if _same(t, term)), term)
            if by not in held.setdefault(key, []):
                held[key].append(by)

    for proposal in sorted(scenario.proposals, key=lambda p: p.date):
        add(scenario.terms_of(proposal.id), TabledBy(proposal.id, None, proposal.tabled_by, proposal.date))
        for reading in proposal.readings:
            # a reading says what a text holds, as its reader tells it: its terms are on the table too
            add(
                scenario.terms_of(proposal.id, reading.id),
                TabledBy(proposal.id, reading.id, (reading.by,), proposal.date),
            )
    return Tabled(scenario, {issue_id: {t: tuple(by) for t, by in held.items()} for issue_id, held in found.items()})


def tabled_json(tabled: Tabled) -> dict[str, Any]:
    """``{"issues": {issue: [{"term", "held_by": [{"proposal", "reading", "by", "date"}]}]}}`` (docs/json.md)."""
    return {
        "issues": {
            issue_id: [
                {
                    "term": term,
                    "held_by": [
                        {"proposal": t.proposal, "reading": t.reading, "by": list(t.by), "date": t.date.isoformat()}
                        for t in texts
                    ],
                }
                for term, texts in held.items()
            ]
            for issue_id, held in tabled.terms.items()
        }
    }


def _same(a: Term, b: Term) -> bool:
    if isinstance(a, str) or isinstance(b, str):
        return a == b
    return abs(float(a) - float(b)) <= 1e-9 * max(1.0, abs(float(a)))


def default_scope(scenario: Scenario) -> str:
    """``tabled`` for talks with proposals on the table, ``all`` for a bare domain (e.g. a GENIUS file)."""
    return "tabled" if scenario.proposals else "all"


def check_scope(scope: str | None, scenario: Scenario) -> str:
    """The scope asked for, or the scenario's default; ``ValueError`` for an unknown one."""
    if scope is None:
        return default_scope(scenario)
    if scope not in SCOPES:
        raise ValueError(f"unknown scope {scope!r} (expected one of {', '.join(SCOPES)})")
    return scope


def scoped(c: Compiled, scope: str | None, keep: Mapping[str, Term]) -> tuple[Compiled, str, Tabled]:
    """``c`` within ``scope`` (default: :func:`default_scope`) keeping the reference terms ``keep``, the scope
    chosen and the tabled terms; an unknown scope is an ``InputError`` naming ``scope``."""
    try:
        chosen = check_scope(scope, c.scenario)
    except ValueError as exc:
        raise InputError([Problem(str(exc), ("scope",))]) from None
    tabled = tabled_terms(c.scenario)
    return (restrict(c, scope_masks(c, tabled, keep)) if chosen == "tabled" else c), chosen, tabled


def scope_masks(c: Compiled, tabled: Tabled, keep: Mapping[str, Term] | None = None) -> tuple[Bools, ...]:
    """Per issue, the options within the tabled terms (every option of an issue nobody spoke to).

    ``keep`` names terms to keep whatever was tabled (a reference text's own terms).
    """
    masks = []
    for i, issue_id in enumerate(c.issues):
        opts = c.options[i]
        mask = np.array([tabled.holds(issue_id, o) for o in opts], dtype=bool)
        if not tabled.terms.get(issue_id):
            mask[:] = True
        if keep is not None and issue_id in keep:
            mask[c.index(i, keep[issue_id])] = True
        masks.append(mask)
    return tuple(masks)


def restrict(c: Compiled, masks: Sequence[Bools]) -> Compiled:
    """``c`` with only the options ``masks`` keeps on each issue (each mask must keep one at least).

    Tables, red-line masks and couplings are sliced alike, so utilities and acceptability are exactly
    those of ``c`` on the outcomes left; outcome vectors index the kept options.
    """
    kept = [np.flatnonzero(m) for m in masks]
    if any(len(k) == 0 for k in kept):
        raise ValueError("a restriction must keep at least one option of every issue")
    if all(len(k) == len(o) for k, o in zip(kept, c.options, strict=True)):
        return c
    tables = tuple(_frozen(t[:, k]) for t, k in zip(c.tables, kept, strict=True))
    allowed = tuple(_frozen(a[:, k]) for a, k in zip(c.allowed, kept, strict=True))
    couplings = tuple(
        Coupling(cp.party, tuple((i, _frozen(mask[kept[i]])) for i, mask in cp.masks), rule=cp.rule)
        for cp in c.couplings
    )
    rules = tuple(RuleMasks(r.id, tuple((i, _frozen(mask[kept[i]])) for i, mask in r.masks)) for r in c.rules)
    options = tuple(tuple(o[j] for j in k) for o, k in zip(c.options, kept, strict=True))
    members = None if c.members is None else restrict(c.members, masks)  # constituents sliced alike
    return replace(
        c, options=options, tables=tables, allowed=allowed, couplings=couplings, rules=rules, members=members
    )


def lift(c: Compiled, sub: Compiled, rows: Ints) -> Ints:
    """Outcome vectors of ``sub`` (a restriction of ``c``) as outcome vectors of ``c``."""
    rows = np.atleast_2d(rows)
    out = np.empty_like(rows)
    for i in range(len(c.issues)):
        index = np.array([c.index(i, term) for term in sub.options[i]], dtype=np.int64)
        out[:, i] = index[rows[:, i]]
    return out


def _frozen(a: NDArray[Any]) -> NDArray[Any]:
    a = np.ascontiguousarray(a)
    a.setflags(write=False)
    return a
