"""Small random talks with everything a mediator meets at once: partial texts tabled by different sides,
readings that differ from the text, package rules, red lines, reservation values and (sometimes)
constituents who must ratify. The brute-force oracles of the mediator-grade answers run over these, and over
the outcomes inside the tabled terms, worked out here term by term rather than with the engine's own scope."""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np

from cases import every_outcome
from truce.io.scenario_files import scenario_to_data
from truce.model.checks import build_scenario
from truce.model.compiled import Bools, Compiled, Ints, compile_scenario
from truce.model.generate import random_scenario, with_constituents
from truce.model.scenario import IssueKind, PackageRule, Proposal, Reading, Scenario, Term


def random_talks(seed: int, *, constituents: bool | None = None) -> Scenario:
    """2 or 3 parties, 2 to 4 issues of 2 to 4 options, red lines or not, a reservation value each, 0 to 2
    package rules, 2 to 4 partial texts (each tabled by one side, some with a reading by another side that
    differs on one issue, some revising the text before) and, unless ``constituents`` says otherwise,
    constituents one time in three."""
    rng = np.random.default_rng(seed)
    parties = int(rng.integers(2, 4))
    sizes = [int(x) for x in rng.integers(2, 5, size=int(rng.integers(2, 5)))]
    reservation = tuple(float(x) for x in rng.choice([0.0, 0.2, 0.3, 0.4, 0.5], parties))
    levels = [None, 2, 4][int(rng.integers(3))]
    s = random_scenario(rng, parties, sizes, red_lines=bool(rng.integers(2)), reservation=reservation, levels=levels)
    rules = []
    for n in range(int(rng.integers(0, 3))):
        issues = rng.choice(len(sizes), int(rng.integers(1, 3)), replace=False)
        never = {f"i{i}": f"o{int(rng.integers(sizes[i]))}" for i in issues}
        rules.append(PackageRule(id=f"rule{n}", never=never))
    texts = []
    for n in range(int(rng.integers(2, 5))):
        terms = {f"i{i}": f"o{int(rng.integers(k))}" for i, k in enumerate(sizes) if rng.random() < 0.8}
        by = f"p{int(rng.integers(parties))}"
        readings: tuple[Reading, ...] = ()
        if rng.random() < 0.6:
            i = int(rng.integers(len(sizes)))
            reader = f"p{(int(by[1:]) + 1) % parties}"
            # the reader takes the text to say something else on one issue (or to settle one it leaves open)
            said = terms.get(f"i{i}")
            other = [f"o{k}" for k in range(sizes[i]) if f"o{k}" != said]
            readings = (Reading(id=f"r{n}", by=reader, terms={f"i{i}": other[int(rng.integers(len(other)))]}),)
        # a later text is at times a revision of the one before, keeping the terms it does not restate
        parent = f"t{n - 1}" if n and rng.random() < 0.4 else None
        texts.append(
            Proposal(
                id=f"t{n}",
                title=f"text {n}",
                tabled_by=(by,),
                date=dt.date(2024, 1, 1 + n),
                parent=parent,
                terms=terms,
                readings=readings,
            )
        )
    s = s.model_copy(update={"constraints": tuple(rules), "proposals": tuple(texts)})
    if constituents if constituents is not None else rng.random() < 1 / 3:
        s = with_constituents(rng, s, members=2, reservation=0.4)
    return s


def compiled_talks(seed: int, *, constituents: bool | None = None, numeric: bool = False) -> Compiled:
    s = random_talks(seed, constituents=constituents)
    return compile_scenario(with_numeric_first_issue(s) if numeric else s)


STEP = 10


def with_numeric_first_issue(s: Scenario) -> Scenario:
    """The talks with their first issue made numeric (0, 10, 20, ... a unit), option ``o<k>`` becoming the
    value ``10 k`` everywhere: preferences as points through every value, red lines, package rules, texts and
    readings. Its utilities stay what they were; what is tabled there becomes a range."""
    data = scenario_to_data(s)
    first = data["issues"][0]
    n = len(first.pop("options"))
    first.update(kind="numeric", min=0, max=STEP * (n - 1), step=STEP, unit="trucks/day")

    def value(term: str) -> int:
        return STEP * int(term[1:])

    for prefs in data["preferences"].values():
        for holder in (prefs, *prefs.get("ratification", {}).get("constituents", ())):
            if "values" in holder and "i0" in holder["values"]:
                holder["values"]["i0"] = [[value(k), v] for k, v in sorted(holder["values"]["i0"].items())]
            for line in holder.get("red_lines", ()):
                if "i0" in line["terms"]:
                    line["terms"]["i0"] = value(line["terms"]["i0"])
    for rule in data.get("constraints", ()):
        if "i0" in rule["never"]:
            rule["never"]["i0"] = value(rule["never"]["i0"])
    for proposal in data.get("proposals", ()):
        for terms in (proposal.get("terms", {}), *(r["terms"] for r in proposal.get("readings", ()))):
            if "i0" in terms:
                terms["i0"] = value(terms["i0"])
    return build_scenario(data)


def held(s: Scenario) -> dict[str, dict[str, list[tuple[str, str | None, str]]]]:
    """Per issue and term, every (proposal, reading or None, holder) that holds it, read off the texts
    directly: a text's own terms, and each reading's terms over the text's."""
    out: dict[str, dict[Term, list[tuple[str, str | None, str]]]] = {issue.id: {} for issue in s.issues}
    for p in s.proposals:
        for issue, term in lineage(s, p.id).items():
            out[issue].setdefault(term, []).append((p.id, None, p.tabled_by[0]))
        for r in p.readings:
            for issue, term in {**lineage(s, p.id), **r.terms}.items():
                out[issue].setdefault(term, []).append((p.id, r.id, r.by))
    return out


def lineage(s: Scenario, proposal: str) -> dict[str, Term]:
    """A text's terms with those it inherits from the texts it revises."""
    p = next(p for p in s.proposals if p.id == proposal)
    return {**(lineage(s, p.parent) if p.parent else {}), **p.terms}


def tabled_here(s: Scenario, issue: str, term: Term) -> bool:
    """Whether some text or reading holds ``term``; on a numeric issue, whether it lies between the least and
    the most any of them holds."""
    on = held(s)[issue]
    if s.issue(issue).kind is IssueKind.numeric:
        return bool(on) and min(map(float, on)) <= float(term) <= max(map(float, on))
    return term in on


def inside_tabled(c: Compiled, keep: dict[str, str] | None = None) -> Bools:
    """Which outcomes of the whole space keep to the tabled terms: on every issue some text (or reading)
    speaks to, a term one of them holds or the reference's own; any term on an issue none speaks to."""
    rows = every_outcome(c)
    on = held(c.scenario)
    inside = np.ones(len(rows), dtype=bool)
    for i, issue in enumerate(c.issues):
        if not on[issue]:
            continue
        ok = [tabled_here(c.scenario, issue, term) or (keep or {}).get(issue) == term for term in c.options[i]]
        inside &= np.array(ok)[rows[:, i]]
    return inside


def acceptable_inside(c: Compiled, keep: dict[str, str] | None = None) -> tuple[Ints, Bools]:
    """Every outcome, and which of them keep to the tabled terms and every party accepts (ratified at home)."""
    rows = every_outcome(c)
    return rows, inside_tabled(c, keep) & c.acceptable(rows).all(axis=1)


def only_readings(s: Scenario, issue: str, term: Term) -> set[tuple[str, str | None, str]]:
    """The readings that alone put a term on the table (none when a text as tabled holds it), by brute force
    over the texts; on a numeric issue, the readings whose values stretch the range the texts as tabled hold
    out to the term (every reading that holds a value when no text as tabled holds one)."""
    on = held(s)[issue]
    if s.issue(issue).kind is not IssueKind.numeric:
        holders = on.get(term, [])
        return set() if any(r is None for _, r, _ in holders) else set(holders)
    x = float(term)
    as_tabled = [float(v) for v, hs in on.items() for _, r, _ in hs if r is None]
    if not tabled_here(s, issue, term) or (as_tabled and min(as_tabled) <= x <= max(as_tabled)):
        return set()
    return {
        h
        for v, hs in on.items()
        for h in hs
        if h[1] is not None and (not as_tabled or (float(v) >= x if x > max(as_tabled) else float(v) <= x))
    }


def term_value(s: Scenario, party: str, issue: str, term: Term) -> float:
    """What one term is worth to a party, read off its preferences as written: its weight on the issue as a
    share of all its weights, times its value of the term (on a numeric issue, read off its points, flat beyond
    the end ones); 0 where it gives the issue no weight."""
    prefs = s.preferences[party]
    weight = prefs.weights.get(issue, 0.0) / sum(prefs.weights.values())
    values = prefs.values.get(issue)
    if not weight or values is None:
        return 0.0
    if isinstance(values, dict):
        return weight * values[str(term)]
    xs, ys = zip(*values, strict=True)
    return weight * float(np.interp(float(term), xs, ys))


def lines_and_rules_met(s: Scenario, terms: dict[str, Term]) -> set[tuple[str, int]]:
    """Every red line (by party and index) and package rule (by id, index -1) whose every condition ``terms``
    meets, read off the scenario as written (conditions here are single terms)."""
    out = {(rule.id, -1) for rule in s.constraints if all(terms.get(i) == t for i, t in rule.never.items())}
    for pid, prefs in s.preferences.items():
        out |= {
            (pid, k) for k, line in enumerate(prefs.red_lines) if all(terms.get(i) == t for i, t in line.terms.items())
        }
    return out


def utility(s: Scenario, party: str, terms: dict[str, Term]) -> float:
    """A party's utility of a package, read off its preferences as written."""
    return sum(term_value(s, party, issue, term) for issue, term in terms.items())


def approves(s: Scenario, holder: Any, terms: dict[str, Term], tolerance: float) -> bool:
    """Whether a party or a constituent, as written, accepts a complete package: at or above its reservation
    value (a constituent known only by its red lines has none) and none of its red lines met."""
    if any(all(terms[i] == t for i, t in line.terms.items()) for line in holder.red_lines):
        return False
    if not holder.weights:
        return True
    total = sum(holder.weights.values())
    value = 0.0
    for issue, weight in holder.weights.items():
        values = holder.values.get(issue)
        if values is None or not weight:
            continue
        if isinstance(values, dict):
            value += weight / total * values[str(terms[issue])]
        else:
            xs, ys = zip(*values, strict=True)
            value += weight / total * float(np.interp(float(terms[issue]), xs, ys))
    return value >= holder.reservation - tolerance


def acceptable_as_written(s: Scenario, party: str, terms: dict[str, Term], tolerance: float) -> bool:
    """Whether a party can sign a complete package, by the definitions as written: it accepts it itself, no
    package rule is broken, and its constituents' rule ratifies it (every one approves under ``veto``; those
    approving hold more than half of all votes under ``majority``, at least ``threshold`` under ``weighted``)."""
    prefs = s.preferences[party]
    if not approves(s, prefs, terms, tolerance):
        return False
    if any(all(terms[i] == t for i, t in rule.never.items()) for rule in s.constraints):
        return False
    home = prefs.ratification
    if home is None:
        return True
    votes = [m.votes for m in home.constituents]
    yes = sum(m.votes for m in home.constituents if approves(s, m, terms, tolerance))
    if home.rule == "veto":
        return yes == sum(votes)
    if home.rule == "majority":
        return yes > sum(votes) / 2
    assert home.threshold is not None
    return yes >= home.threshold * sum(votes)
