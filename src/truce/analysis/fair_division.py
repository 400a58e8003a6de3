"""Adjusted Winner: dividing divisible items between two parties, equitably, without envy, efficiently.

Source: S. J. Brams and A. D. Taylor, *Fair Division: From Cake-Cutting to Dispute Resolution*
(Cambridge University Press, 1996), ch. 4, and *The Win-Win Solution* (Norton, 1999).

Each party spreads 100 points over the items. The procedure:

1. every item goes to the party that gives it more points (a tie goes to the first party);
2. the party with more points in total (the *initial winner*) hands items to the other, in increasing
   order of the ratio (winner's points / other's points), whole items while the winner still has at
   least as many points as the other;
3. the first item whose whole transfer would put the winner behind is split, so that both end with
   exactly the same points.

The result is equitable (equal points), envy-free (each has at least 50 of its own points, so neither
prefers the other's share) and efficient (no other division gives one more without giving the other
less), and at most one item is split.

:func:`adjusted_winner_scenario` takes the points from a compiled scenario's divisible issues;
:mod:`truce.io.points_csv` reads them from a CSV table.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from truce.analysis.standing import stated
from truce.errors import InputError, Problem
from truce.io.points_csv import SUM_TOLERANCE, TOTAL
from truce.model.compiled import Compiled


@dataclass(frozen=True)
class Allocation:
    """The outcome of Adjusted Winner.

    ``shares[item][party]`` is the fraction of the item the party receives (the two add up to 1);
    ``points[party]`` is the party's total of its own points for what it receives (equal for both);
    ``split`` is the one item that is divided (``None`` when no item needs dividing) and ``fraction``
    the share of it that the first party receives. ``given[item]`` is the points each party gives the item
    (in the order of ``parties``). From a scenario, ``names`` holds the issues' names, ``silent[item]`` the
    parties that state no position on the issue (counted as 0 points: an assumption of the division, not a
    preference) and ``assumed`` the parties whose preferences in the file, where the points come from, are
    assumptions.
    """

    parties: tuple[str, str]
    items: tuple[str, ...]
    shares: Mapping[str, Mapping[str, float]]
    points: Mapping[str, float]
    split: str | None
    fraction: float | None
    initial_winner: str | None
    given: Mapping[str, tuple[float, float]] = field(default_factory=dict)
    names: Mapping[str, str] = field(default_factory=dict)
    silent: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    assumed: tuple[str, ...] = ()

    def name(self, item: str) -> str:
        """The item's name to show: the issue's name from a scenario, the item itself from a CSV file."""
        return self.names.get(item, item)


def adjusted_winner(points: Mapping[str, tuple[float, float]], parties: tuple[str, str]) -> Allocation:
    """Divide the items between ``parties`` by Adjusted Winner.

    ``points[item] = (points of parties[0], points of parties[1])``; each party's points must be
    non-negative and add up to 100. Bad input raises :class:`InputError` located by JSON path
    (``points.<item>[k]``).
    """
    _check_points(points, parties)
    items = tuple(points)
    a, b = parties
    owner = {item: 0 if points[item][0] >= points[item][1] else 1 for item in items}
    share = {item: [1.0, 0.0] if owner[item] == 0 else [0.0, 1.0] for item in items}
    totals = [sum(points[i][0] for i in items if owner[i] == 0), sum(points[i][1] for i in items if owner[i] == 1)]
    split: str | None = None
    winner_name: str | None = None
    if not math.isclose(totals[0], totals[1], rel_tol=0.0, abs_tol=1e-12):
        w = 0 if totals[0] > totals[1] else 1
        loser = 1 - w
        winner_name = parties[w]

        def ratio(item: str) -> float:
            mine, theirs = points[item][w], points[item][loser]
            return math.inf if theirs == 0 else mine / theirs

        held = sorted((i for i in items if owner[i] == w), key=lambda i: (ratio(i), items.index(i)))
        for item in held:
            mine, theirs = points[item][w], points[item][loser]
            gap = totals[w] - totals[loser]
            if gap <= 1e-12:
                break
            if mine + theirs <= 0:
                continue  # worth nothing to either: moving it changes nothing
            if mine + theirs <= gap + 1e-12:
                # a whole transfer keeps the winner at or ahead
                share[item][w], share[item][loser] = 0.0, 1.0
                totals[w] -= mine
                totals[loser] += theirs
                continue
            f = gap / (mine + theirs)  # the part handed over that equalises the points
            share[item][w], share[item][loser] = 1.0 - f, f
            totals[w] -= f * mine
            totals[loser] += f * theirs
            split = item
            break
    shares = {item: {a: share[item][0], b: share[item][1]} for item in items}
    final = {
        a: sum(points[i][0] * share[i][0] for i in items),
        b: sum(points[i][1] * share[i][1] for i in items),
    }
    return Allocation(
        parties=parties,
        items=items,
        shares=shares,
        points=final,
        split=split,
        fraction=None if split is None else share[split][0],
        initial_winner=winner_name,
        given={item: (float(points[item][0]), float(points[item][1])) for item in items},
    )


def _check_points(points: Mapping[str, tuple[float, float]], parties: tuple[str, str]) -> None:
    problems: list[Problem] = []
    if len(parties) != 2 or parties[0] == parties[1]:
        problems.append(Problem(f"Adjusted Winner needs two different parties (got {parties!r})", ("parties",)))
    if not points:
        problems.append(Problem("no items to divide", ("points",)))
    sums = [0.0, 0.0]
    for item, pair in points.items():
        if len(pair) != 2:
            problems.append(Problem(f"expected two numbers of points (got {len(pair)})", ("points", item)))
            continue
        for k, value in enumerate(pair):
            if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
                problems.append(Problem(f"points must be finite numbers (got {value!r})", ("points", item, k)))
            elif value < 0:
                problems.append(Problem(f"points cannot be negative (got {value:g})", ("points", item, k)))
            else:
                sums[k] += float(value)
    if not problems:
        for k in (0, 1):
            if abs(sums[k] - TOTAL) > SUM_TOLERANCE:
                problems.append(
                    Problem(f"{parties[k]}'s points add up to {sums[k]:g}, not {TOTAL:g}", ("points", "*", k))
                )
    if problems:
        raise InputError(problems)


def allocation_json(allocation: Allocation) -> dict[str, Any]:
    """Stable JSON (docs/json.md): the shares, the totals and the split item, then what they rest on: the
    points each party gives each item, the items' names, who states no position on which item, whose
    preferences are assumptions, and the notes saying how silence was counted. Numbers rounded to 6
    decimals like every utility in the JSON output."""
    a = allocation
    return {
        "allocation": {item: {p: round(x, 6) for p, x in a.shares[item].items()} for item in a.items},
        "points": {p: round(x, 6) for p, x in a.points.items()},
        "split": a.split,
        "item_points": {
            item: {p: round(x, 6) for p, x in zip(a.parties, a.given[item], strict=True)} for item in a.given
        },
        "names": {item: a.name(item) for item in a.items},
        "no_stated_position": {item: list(who) for item, who in a.silent.items()},
        "preferences_assumed_for": list(a.assumed),
        "notes": silence_notes(a),
    }


def silence_notes(a: Allocation) -> list[str]:
    """What the division did with silence, in words: an item a party states no position on counts as 0 of
    its points, so it goes to the other side. That is the procedure's assumption, and it must not read as
    the silent party's preference."""
    notes = []
    both = [item for item in a.items if set(a.silent.get(item, ())) == set(a.parties)]
    for k, party in enumerate(a.parties):
        other = a.parties[1 - k]
        items = [item for item in a.items if party in a.silent.get(item, ()) and item not in both]
        if not items:
            continue
        kept = [f"{a.shares[item][party]:.0%} of {a.name(item)}" for item in items if a.shares[item][party] > 1e-12]
        notes.append(
            f"{party} states no position on {_listed(a, items)}: the division counts "
            f"{_them(items)} as worth 0 of its points (its 100 points go to the issues it weighs), so "
            f"{_they_go(items)} to {other}"
            + (f", save {', '.join(kept)}, handed to {party} at no points to even the totals" if kept else "")
            + f". This is what the split assumes, not a preference {party} stated."
        )
    if both:
        notes.append(
            f"Neither {a.parties[0]} nor {a.parties[1]} states a position on {_listed(a, both)}: worth 0 points "
            f"to both, {_they_go(both)} to {a.parties[0]} by the tie rule "
            "(the first party) alone, not by a preference."
        )
    return notes


def _listed(a: Allocation, items: list[str]) -> str:
    return ", ".join(a.name(item) for item in items)


def _them(items: list[str]) -> str:
    return "them" if len(items) > 1 else "it"


def _they_go(items: list[str]) -> str:
    return "they go" if len(items) > 1 else "it goes"


def adjusted_winner_scenario(c: Compiled, parties: tuple[str, str]) -> Allocation:
    """Adjusted Winner over the scenario's issues marked ``divisible: true``.

    Each divisible issue is an item. A party's points for it come from its preferences: the issue's
    *swing* for the party, its normalised weight times the spread of its values on that issue (best
    option's value minus worst option's), i.e. how much utility the party gains by having the issue go
    wholly its way rather than wholly the other way. The swings over the divisible issues are scaled to
    100 points. When a party's values on an issue run from 0 to 1 the swing is just its weight, so the
    points are the party's weights restricted to the divisible issues and rescaled to 100.
    """
    problems: list[Problem] = []
    index: list[int] = []
    for p in parties:
        if p not in c.parties:
            known = ", ".join(c.parties) or "(none)"
            problems.append(Problem(f"party {p!r} has no preferences here (expected one of {known})", ("parties",)))
        else:
            index.append(c.parties.index(p))
    if len(parties) != 2 or parties[0] == parties[1]:
        problems.append(Problem(f"Adjusted Winner needs two different parties (got {parties!r})", ("parties",)))
    divisible = [i for i, issue in enumerate(c.scenario.issues) if issue.divisible]
    if not divisible:
        problems.append(Problem("no issue is marked `divisible: true`: nothing to divide", ("issues",)))
    if problems:
        raise InputError(problems)
    swings = [[float(c.tables[i][p].max() - c.tables[i][p].min()) for i in divisible] for p in index]
    for k, p in enumerate(parties):
        if sum(swings[k]) <= 0:
            problems.append(
                Problem(f"{p} is indifferent on every divisible issue: it has no points to spread", ("preferences", p))
            )
    if problems:
        raise InputError(problems)
    items = [c.issues[i] for i in divisible]
    scaled = [[TOTAL * s / sum(row) for s in row] for row in swings]
    points = {item: (scaled[0][n], scaled[1][n]) for n, item in enumerate(items)}
    silent = {
        c.issues[i]: who
        for i in divisible
        if (who := tuple(parties[k] for k, p in enumerate(index) if not stated(c, p, i)))
    }
    return replace(
        adjusted_winner(points, (parties[0], parties[1])),
        names={c.issues[i]: c.scenario.issues[i].name for i in divisible},
        silent=silent,
        assumed=tuple(c.scenario.assumed(parties)),
    )
