"""What a new text changed: the difference between two proposals, in the issues' own words.

"New conditions" are the terms a child proposal changes or adds against its parent. Either text may
be taken as one of its readings (the terms as a named party or source reads it) instead of as tabled.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from truce.analysis.standing import stated
from truce.model.compiled import Compiled
from truce.model.scenario import Proposal, Scenario, Term


class ChangeKind(StrEnum):
    changed = "changed"  # both texts settle the issue, differently
    added = "added"  # only the later text settles it
    removed = "removed"  # only the earlier text settles it


@dataclass(frozen=True)
class Change:
    issue: str
    kind: ChangeKind
    before: Term | None
    after: Term | None
    text: str  # e.g. "Philadelphi Corridor: phased withdrawal by day 50 -> forces remain"
    # utility change per party from this term alone (changed issues only); None for a party that states no
    # position on the issue: silence is not a change of 0 to it
    effect: dict[str, float | None]


def diff(
    scenario: Scenario,
    a: Proposal,
    b: Proposal,
    compiled: Compiled | None = None,
    *,
    reading_a: str | None = None,
    reading_b: str | None = None,
) -> list[Change]:
    """The changes from ``a`` to ``b`` (each with the terms it inherits), in issue order. With
    ``compiled``, each change that replaces one term by another also says what it is worth to each party.
    With ``reading_a`` or ``reading_b`` (a reading's id), that text is taken as the reading reads it."""
    terms_a, terms_b = scenario.terms_of(a.id, reading_a), scenario.terms_of(b.id, reading_b)
    changes: list[Change] = []
    for n, issue in enumerate(scenario.issues):
        before, after = terms_a.get(issue.id), terms_b.get(issue.id)
        if (before is None and after is None) or _same(before, after):
            continue
        if before is not None and after is not None:
            kind = ChangeKind.changed
            text = f"{issue.name}: {issue.label(before)} -> {issue.label(after)}"
        elif after is not None:
            kind, text = ChangeKind.added, f"{issue.name}: (open) -> {issue.label(after)}"
        else:
            assert before is not None
            kind, text = ChangeKind.removed, f"{issue.name}: {issue.label(before)} -> (left open)"
        effect: dict[str, float | None] = {}
        if compiled is not None and before is not None and after is not None:
            k0, k1 = compiled.index(n, before), compiled.index(n, after)
            effect = {
                party: float(compiled.tables[n][p, k1] - compiled.tables[n][p, k0]) if stated(compiled, p, n) else None
                for p, party in enumerate(compiled.parties)
            }
        changes.append(Change(issue.id, kind, before, after, text, effect))
    return changes


def _same(x: Term | None, y: Term | None) -> bool:
    if isinstance(x, int | float) and isinstance(y, int | float):
        return abs(float(x) - float(y)) < 1e-9
    return x == y
