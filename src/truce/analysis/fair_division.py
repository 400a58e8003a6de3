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

:func:`parse_points_csv` reads the points from the text of a CSV table, :func:`fair_divide_csv` from
a CSV file; :func:`adjusted_winner_scenario` takes them from a compiled scenario's divisible issues.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path as FsPath
from typing import Any

from truce.errors import InputError, Problem
from truce.model.compiled import Compiled

TOTAL = 100.0
SUM_TOLERANCE = 1e-6
MAX_CSV_BYTES = 1024 * 1024


@dataclass(frozen=True)
class Allocation:
    """The outcome of Adjusted Winner.

    ``shares[item][party]`` is the fraction of the item the party receives (the two add up to 1);
    ``points[party]`` is the party's total of its own points for what it receives (equal for both);
    ``split`` is the one item that is divided (``None`` when no item needs dividing) and ``fraction``
    the share of it that the first party receives.
    """

    parties: tuple[str, str]
    items: tuple[str, ...]
    shares: Mapping[str, Mapping[str, float]]
    points: Mapping[str, float]
    split: str | None
    fraction: float | None
    initial_winner: str | None


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
    """Stable JSON: ``{"allocation": {item: {party: share}}, "points": {party: total}, "split": item | null}``."""
    return {
        "allocation": {item: dict(allocation.shares[item]) for item in allocation.items},
        "points": dict(allocation.points),
        "split": allocation.split,
    }


def fair_divide_csv(path: str | FsPath) -> Allocation:
    """Adjusted Winner on a CSV file ``item,<party 1>,<party 2>`` (a header row, then points per item).

    Every problem found is reported as ``file:line:col`` in one :class:`InputError`.
    """
    name = str(path)
    fs_path = FsPath(path)
    try:
        size = fs_path.stat().st_size
        if size > MAX_CSV_BYTES:
            limit = f"{MAX_CSV_BYTES:,}"
            raise InputError([Problem(f"file is {size:,} bytes, over the {limit}-byte limit", (), name, 1, 1)])
        raw = fs_path.read_bytes()
    except OSError as exc:
        raise InputError([Problem(f"cannot read file ({exc.strerror})", (), name, 1, 1)]) from None
    points, parties = parse_points_csv(raw, name)
    return adjusted_winner(points, parties)


def parse_points_csv(raw: bytes, name: str) -> tuple[dict[str, tuple[float, float]], tuple[str, str]]:
    """The points table of a CSV file, and the two parties named in its header."""
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise InputError([Problem("not UTF-8 text (a binary file?)", (), name, line, 1)]) from None
    rows = [(n, fields) for n, fields in _rows(text) if any(f.strip() for f, _ in fields)]
    if not rows:
        raise InputError([Problem("file is empty (expected a header `item,<party 1>,<party 2>`)", (), name, 1, 1)])
    problems: list[Problem] = []

    def bad(message: str, line: int, col: int) -> None:
        problems.append(Problem(message, (), name, line, col))

    head_line, header = rows[0]
    if len(header) != 3:
        bad(f"expected a header `item,<party 1>,<party 2>` (got {len(header)} columns)", head_line, 1)
        raise InputError(problems)
    parties = (header[1][0].strip(), header[2][0].strip())
    for k in (1, 2):
        if not header[k][0].strip():
            bad("empty party name in the header", head_line, header[k][1])
    if parties[0] and parties[0] == parties[1]:
        bad(f"the two columns name the same party {parties[0]!r}", head_line, header[2][1])
    points: dict[str, tuple[float, float]] = {}
    first_line: dict[str, int] = {}
    sums = [0.0, 0.0]
    for line, fields in rows[1:]:
        if len(fields) != 3:
            bad(f"expected 3 columns (item and two numbers of points), got {len(fields)}", line, 1)
            continue
        item = fields[0][0].strip()
        if not item:
            bad("empty item name", line, fields[0][1])
            continue
        if item in points:
            bad(f"duplicate item {item!r} (first given on line {first_line[item]})", line, fields[0][1])
            continue
        pair: list[float] = []
        for k in (1, 2):
            cell, col = fields[k]
            try:
                value = float(cell.strip())
            except ValueError:
                bad(f"expected a number of points, got {cell.strip()!r}", line, col)
                continue
            if not math.isfinite(value):
                bad(f"points must be finite (got {cell.strip()!r})", line, col)
            elif value < 0:
                bad(f"points cannot be negative (got {value:g})", line, col)
            else:
                pair.append(value)
        if len(pair) == 2:
            points[item] = (pair[0], pair[1])
            first_line[item] = line
            sums[0] += pair[0]
            sums[1] += pair[1]
    if not problems:
        if not points:
            bad("no items after the header", head_line, 1)
        for k in (0, 1):
            if points and abs(sums[k] - TOTAL) > SUM_TOLERANCE:
                bad(f"{parties[k]}'s points add up to {sums[k]:g}, not {TOTAL:g}", head_line, header[k + 1][1])
    if problems:
        raise InputError(problems)
    return points, parties


def _rows(text: str) -> list[tuple[int, list[tuple[str, int]]]]:
    """Each physical line's fields, with the 1-based column where each field starts."""
    out: list[tuple[int, list[tuple[str, int]]]] = []
    for n, line in enumerate(text.splitlines(), start=1):
        cells = next(csv.reader(io.StringIO(line)), [])
        starts, quoted = [1], False
        for k, ch in enumerate(line):
            if ch == '"':
                quoted = not quoted
            elif ch == "," and not quoted:
                starts.append(k + 2)
        starts += [len(line) + 1] * max(0, len(cells) - len(starts))
        out.append((n, list(zip(cells, starts, strict=False))))
    return out


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
    return adjusted_winner(points, (parties[0], parties[1]))
