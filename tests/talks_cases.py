"""Small random talks with everything a mediator meets at once: partial texts tabled by different sides,
readings that differ from the text, package rules, red lines, reservation values and (sometimes)
constituents who must ratify. The brute-force oracles of the mediator-grade answers run over these, and over
the outcomes inside the tabled terms, worked out here term by term rather than with the engine's own scope."""

from __future__ import annotations

import datetime as dt

import numpy as np

from cases import every_outcome
from truce.model.compiled import Bools, Compiled, Ints, compile_scenario
from truce.model.generate import random_scenario, with_constituents
from truce.model.scenario import PackageRule, Proposal, Reading, Scenario


def random_talks(seed: int, *, constituents: bool | None = None) -> Scenario:
    """2 or 3 parties, 2 to 4 issues of 2 to 4 options, red lines or not, a reservation value each, 0 to 2
    package rules, 2 to 4 partial texts (each tabled by one side, some with a reading by another side that
    differs on one issue) and, unless ``constituents`` says otherwise, constituents one time in three."""
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
        texts.append(
            Proposal(
                id=f"t{n}",
                title=f"text {n}",
                tabled_by=(by,),
                date=dt.date(2024, 1, 1 + n),
                terms=terms,
                readings=readings,
            )
        )
    s = s.model_copy(update={"constraints": tuple(rules), "proposals": tuple(texts)})
    if constituents if constituents is not None else rng.random() < 1 / 3:
        s = with_constituents(rng, s, members=2, reservation=0.4)
    return s


def compiled_talks(seed: int, *, constituents: bool | None = None) -> Compiled:
    return compile_scenario(random_talks(seed, constituents=constituents))


def held(s: Scenario) -> dict[str, dict[str, list[tuple[str, str | None, str]]]]:
    """Per issue and term, every (proposal, reading or None, holder) that holds it, read off the texts
    directly: a text's own terms, and each reading's terms over the text's."""
    out: dict[str, dict[str, list[tuple[str, str | None, str]]]] = {issue.id: {} for issue in s.issues}
    for p in s.proposals:
        for issue, term in p.terms.items():
            out[issue].setdefault(str(term), []).append((p.id, None, p.tabled_by[0]))
        for r in p.readings:
            for issue, term in {**p.terms, **r.terms}.items():
                out[issue].setdefault(str(term), []).append((p.id, r.id, r.by))
    return out


def inside_tabled(c: Compiled, keep: dict[str, str] | None = None) -> Bools:
    """Which outcomes of the whole space keep to the tabled terms: on every issue some text (or reading)
    speaks to, a term one of them holds or the reference's own; any term on an issue none speaks to."""
    rows = every_outcome(c)
    on = held(c.scenario)
    inside = np.ones(len(rows), dtype=bool)
    for i, issue in enumerate(c.issues):
        if not on[issue]:
            continue
        ok = [term in on[issue] or (keep or {}).get(issue) == term for term in c.options[i]]
        inside &= np.array(ok)[rows[:, i]]
    return inside


def acceptable_inside(c: Compiled, keep: dict[str, str] | None = None) -> tuple[Ints, Bools]:
    """Every outcome, and which of them keep to the tabled terms and every party accepts (ratified at home)."""
    rows = every_outcome(c)
    return rows, inside_tabled(c, keep) & c.acceptable(rows).all(axis=1)


def only_readings(s: Scenario, issue: str, term: str) -> set[tuple[str, str | None, str]]:
    """The holders of a term when no text as tabled holds it (else none), by brute force over the texts."""
    holders = held(s)[issue].get(term, [])
    return set() if any(r is None for _, r, _ in holders) else set(holders)
