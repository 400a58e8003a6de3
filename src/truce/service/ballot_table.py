"""A ballot's packages as a table people can read: one row per issue in the scenario's order, the text on
the table (the ballot's reference) as the first column, then one column per package. A term a package
changes from the reference is marked in words and by a symbol (never by colour alone), a term nobody has
tabled is flagged, and each viewer sees the standing of each package for the parties it may see: a party
its own, the mediator every side's. Nothing here reads anyone's marks."""

from __future__ import annotations

from typing import Any

from truce.analysis.bridge import reference_row
from truce.analysis.standing import standings
from truce.analysis.tabled import Tabled, tabled_terms
from truce.errors import InputError
from truce.model.scenario import Issue, IssueKind, Term
from truce.service.auth import Viewer
from truce.service.views import State, visible_parties
from truce.store.repo import BallotContent

VERDICT_WORDS = {"yes": "acceptable", "no": "not acceptable", "depends": "depends on the open terms"}


def same_term(issue: Issue, a: Term | None, b: Term | None) -> bool:
    if a is None or b is None:
        return a is b
    if issue.kind is IssueKind.numeric:
        return abs(float(a) - float(b)) <= 1e-9 * max(1.0, abs(float(a)))
    return a == b


def _label(issue: Issue, term: Term | None) -> str:
    return "open" if term is None else issue.label(term)


def _cell(issue: Issue, term: Term | None, reference: dict[str, Term] | None, tabled: Tabled) -> dict[str, Any]:
    """One package's term on one issue, and how it stands against the reference (``tabled``: what the talks
    have tabled, to flag a term nobody has and to say whose reading alone holds one)."""
    before = None if reference is None else reference.get(issue.id)
    if reference is None or same_term(issue, term, before):
        change = None
    elif before is None:
        change = "filled"  # the reference leaves the issue open
    elif term is None:
        change = "left open"
    else:
        change = "changed"
    return {
        "text": _label(issue, term),
        "change": change,
        "from": None if change is None else _label(issue, before),
        "untabled": term is not None and tabled.flagged(issue.id, term),
        # a term one side's reading alone holds is its account of a text, not the text
        "only_read": "" if term is None else tabled.only_read_note(issue.id, term).strip(),
    }


def package_rows(
    state: State, packages: list[dict[str, Term]], reference: dict[str, Term] | None
) -> list[dict[str, Any]]:
    """Per issue, in the scenario's order: the reference's term and each package's, marked."""
    scenario = state.scenario
    tabled = state.memo.get("tabled", lambda: tabled_terms(scenario))
    rows = []
    for issue in scenario.issues:
        ref = None if reference is None else reference.get(issue.id)
        rows.append(
            {
                "issue": issue.name,
                "issue_id": issue.id,
                "reference": None if reference is None else _label(issue, ref),
                "cells": [_cell(issue, p.get(issue.id), reference, tabled) for p in packages],
            }
        )
    return rows


def package_standings(state: State, packages: list[dict[str, Term]], viewer: Viewer) -> list[dict[str, Any]]:
    """Per party this viewer may see: its utility (a range for a package leaving issues open) and its
    verdict on each package. A package no longer valid for the talks (an option since removed) says so."""
    c = state.compiled
    seen = visible_parties(state, viewer)
    names = {p.id: p.name for p in state.scenario.parties}
    per_package: list[dict[str, Any] | None] = []
    for terms in packages:
        try:
            row = reference_row(c, terms)
        except InputError:
            per_package.append(None)
            continue
        per_package.append({st.party: st for st in standings(c, row) if st.party in seen})
    out = []
    for party in seen:
        cells = []
        for found in per_package:
            st = None if found is None else found.get(party)
            cells.append(
                None
                if st is None
                else {
                    "low": st.low,
                    "high": st.high,
                    "verdict": st.acceptable.value,
                    "words": VERDICT_WORDS[st.acceptable.value],
                }
            )
        out.append({"party": party, "name": names.get(party, party), "cells": cells})
    return out


def ballot_table(state: State, content: BallotContent, viewer: Viewer) -> dict[str, Any]:
    """The table of a ballot's packages for this viewer (see the module's docstring)."""
    packages = [dict(p["terms"]) for p in content.packages]
    reference = content.reference
    ref_terms = None if reference is None else dict(reference["terms"])
    return {
        # a reference that is a reading names it and whose it is (kept with the ballot since readings were offered)
        "reference": None
        if reference is None
        else {k: reference.get(k) for k in ("proposal", "title", "reading", "holder", "bridged_from")},
        "rows": package_rows(state, packages, ref_terms),
        "standings": package_standings(state, packages, viewer),
    }


def package_diff(table: dict[str, Any], index: int) -> list[dict[str, Any]]:
    """What package ``index`` changes from the reference, issue by issue (empty without a reference)."""
    return [
        {"issue": row["issue"], **row["cells"][index]}
        for row in table["rows"]
        if row["cells"][index]["change"] is not None
    ]
