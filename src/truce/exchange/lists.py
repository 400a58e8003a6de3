"""Lists of people: synthetic identifiers and categories only, never names.

The generator makes test lists that match an agreement's categories and counts; vetoed and exiled
people are flagged. Identifiers are handed out to a plan's counts afterwards, in list order.
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np

from truce.errors import InputError, Problem
from truce.model.exchange import Agreement, Person, Plan, PlanDay, Release, Status


def synthetic_lists(a: Agreement, seed: int | np.random.Generator = 0) -> list[Person]:
    """One person per place on every list, with random synthetic identifiers (``X-4821-0007``)."""
    rng = np.random.default_rng(seed)
    vetoed = {(v.side, v.category): v.count for v in a.vetoes}
    exiled = {(e.side, e.category): e.count for e in a.exile}
    people: list[Person] = []
    for side in a.sides:
        stem = "".join(ch for ch in side.id.upper() if ch.isalnum())[:3] or "P"
        batch = int(rng.integers(1000, 10000))
        serial = 0
        for cat in side.categories:
            for k in range(cat.count):
                serial += 1
                status: Status = ""
                if k < vetoed.get((side.id, cat.id), 0):
                    status = "veto"
                elif k - vetoed.get((side.id, cat.id), 0) < exiled.get((side.id, cat.id), 0):
                    status = "exile"
                people.append(Person(f"{stem}-{batch}-{serial:06d}", side.id, cat.id, status))
    return people


def check_lists(a: Agreement, people: list[Person]) -> list[Problem]:
    """Lists must hold exactly the agreement's count of each category, each identifier once."""
    problems: list[Problem] = []
    have: dict[tuple[str, str], int] = defaultdict(int)
    marked: dict[tuple[str, str], int] = defaultdict(int)
    seen: set[str] = set()
    for p in people:
        if p.id in seen:
            problems.append(Problem(f"identifier {p.id!r} appears twice"))
        seen.add(p.id)
        have[p.side, p.category] += 1
        marked[p.side, p.category] += p.status == "veto"
    problems += _veto_marks(a, marked)
    for n, side in enumerate(a.sides):
        for m, cat in enumerate(side.categories):
            got = have.get((side.id, cat.id), 0)
            if got != cat.count:
                problems.append(
                    Problem(
                        f"the lists hold {got} of {cat.id} but the agreement says {cat.count}",
                        ("sides", n, "categories", m, "count"),
                    )
                )
    return problems


def _veto_marks(a: Agreement, marked: dict[tuple[str, str], int]) -> list[Problem]:
    """The lists must mark as vetoed as many of each category as the agreement vetoes: identifiers are given
    to everyone not marked, so a vetoed person left unmarked would be planned for release."""
    vetoed: dict[tuple[str, str], int] = defaultdict(int)
    where: dict[tuple[str, str], tuple[str | int, ...]] = {}
    for k, v in enumerate(a.vetoes):
        vetoed[v.side, v.category] += v.count
        where.setdefault((v.side, v.category), ("vetoes", k))
    problems = []
    for n, side in enumerate(a.sides):
        for m, cat in enumerate(side.categories):
            key = (side.id, cat.id)
            got, due = marked.get(key, 0), vetoed.get(key, 0)
            if got != due:
                message = f"the lists mark {got} of {cat.id} as vetoed but the agreement vetoes {due}"
                problems.append(Problem(message, where.get(key, ("sides", n, "categories", m, "count"))))
    return problems


def assign_identifiers(plan: Plan, people: list[Person]) -> Plan:
    """The plan with identifiers given to its counts, in list order; vetoed people are never released."""
    queue: dict[tuple[str, str], list[str]] = defaultdict(list)
    for p in people:
        if p.status != "veto":
            queue[p.side, p.category].append(p.id)
    used: dict[tuple[str, str], int] = defaultdict(int)
    days: list[PlanDay] = []
    for d in plan.days:
        releases: list[Release] = []
        for r in d.releases:
            key = (r.side, r.category)
            start = used[key]
            ids = queue[key][start : start + r.count]
            if len(ids) < r.count:
                raise InputError([Problem(f"the list of {r.category} is too short for the plan (day {d.day})")])
            used[key] += r.count
            releases.append(r.model_copy(update={"ids": tuple(ids)}))
        days.append(d.model_copy(update={"releases": tuple(releases)}))
    return plan.model_copy(update={"days": tuple(days)})
