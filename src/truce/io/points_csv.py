"""Points tables for fair division: a CSV ``item,<party 1>,<party 2>``, read with located errors."""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Callable
from pathlib import Path as FsPath

from truce.errors import InputError, Problem
from truce.io.documents import decode_text, read_limited

# The file format: each party spreads TOTAL points over the items.
TOTAL = 100.0
SUM_TOLERANCE = 1e-6
MAX_CSV_BYTES = 1024 * 1024
Points = dict[str, tuple[float, float]]
_Report = Callable[[str, int, int], None]


def read_points_csv(path: str | FsPath) -> tuple[Points, tuple[str, str]]:
    """The points of a CSV file ``item,<party 1>,<party 2>`` (a header row, then points per item).

    Every problem found is reported as ``file:line:col`` in one :class:`InputError`.
    """
    name = str(path)
    return parse_points_csv(read_limited(FsPath(path), name, MAX_CSV_BYTES), name)


def parse_points_csv(raw: bytes, name: str) -> tuple[Points, tuple[str, str]]:
    """The points table of a CSV file, and the two parties named in its header."""
    text = decode_text(raw, name)
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
    parties = _header_parties(head_line, header, bad)
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
        pair = _row_points(line, fields, bad)
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


def _header_parties(head_line: int, header: list[tuple[str, int]], bad: _Report) -> tuple[str, str]:
    """The two party names of a 3-column header, kept apart so the header checks read on their own."""
    parties = (header[1][0].strip(), header[2][0].strip())
    for k in (1, 2):
        if not header[k][0].strip():
            bad("empty party name in the header", head_line, header[k][1])
    if parties[0] and parties[0] == parties[1]:
        bad(f"the two columns name the same party {parties[0]!r}", head_line, header[2][1])
    return parties


def _row_points(line: int, fields: list[tuple[str, int]], bad: _Report) -> list[float]:
    """The valid point values of an item row's two cells, so each bad cell is reported separately."""
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
    return pair


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
