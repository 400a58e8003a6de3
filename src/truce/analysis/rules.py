"""Package rules against one text: the rules a (possibly partial) proposal breaks, and those an issue it
leaves open could still break.

A package rule is a property of the text, not of a party: breaking one means no one could sign the
text as it stands, whoever's preferences. The rules are compiled as red lines of every party (see
:mod:`truce.model.compiled`), so the frontier, the ZOPA and every solution already keep clear of them;
this module says which rule a given text runs into, in the issues' own words.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from truce.analysis.standing import describe_condition
from truce.model.compiled import OPEN, Compiled, Ints
from truce.model.scenario import PackageRule


@dataclass(frozen=True)
class RuleBreach:
    rule: str  # the package rule's id
    broken: bool  # True: the text breaks it; False: some completion of a partial text would
    text: str  # the rule in the issues' own words


def rule_breaches(c: Compiled, outcome: Ints) -> tuple[RuleBreach, ...]:
    """The package rules the outcome vector breaks, or could break once its open issues are settled."""
    out: list[RuleBreach] = []
    for compiled, rule in zip(c.rules, c.scenario.constraints, strict=True):
        met = [bool(mask[outcome[i]]) for i, mask in compiled.masks if outcome[i] != OPEN]
        open_could = [bool(mask.any()) for i, mask in compiled.masks if outcome[i] == OPEN]
        if all(met) and all(open_could):
            out.append(RuleBreach(rule.id, not open_could, describe_rule(c, rule)))
    return tuple(out)


def describe_rule(c: Compiled, rule: PackageRule) -> str:
    """A package rule in the issues' own words, e.g. "Corridor: forces stay together with Withdrawal: complete"."""
    parts = []
    for issue_id, cond in rule.never.items():
        issue = c.scenario.issue(issue_id)
        parts.append(f"{issue.name}: {describe_condition(issue, cond)}")
    text = " together with ".join(parts)
    return f"{text} ({rule.note.strip()})" if rule.note else text


def rule_json(b: RuleBreach) -> dict[str, Any]:
    return {"id": b.rule, "broken": "yes" if b.broken else "depends", "text": b.text}
