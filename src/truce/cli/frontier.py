"""The ``frontier`` verb: the exact Pareto frontier, the bargaining solutions and the zone of possible agreement.

A module of its own because it is the verb run most and timed whole-process against peers: it loads the
analyses it shows and no other (bridges, trades and file conversions live in :mod:`truce.cli.bargain`).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import typer

from truce.analysis.bargaining import Bargaining, bargaining, bargaining_json
from truce.analysis.frontier import MAX_PAIRS, PAIRS_A_SECOND, thinned_text
from truce.analysis.zopa import BUDGET, describe_zopa
from truce.cli.common import (
    NO_RATIFICATION_HELP,
    PROFILES_HELP,
    WITHIN_HELP,
    app,
    console,
    guarded,
    party_indices,
    print_json,
    profiles_of,
    scope_of,
    show_assumed,
    show_ratification,
    styled,
)
from truce.io.scenario_files import load_any
from truce.model.compiled import Compiled, compile_scenario

if TYPE_CHECKING:
    from rich.table import Table

FRONTIER_ROWS = 40  # a table longer than this is for --json, not for reading
FRONTIER_BUDGET_HELP = (
    "seconds a frontier of three or more parties may spend comparing packages before it thins them to a grid "
    f"and states its precision, counted as comparisons at a nominal {PAIRS_A_SECOND / 1e6:.0f} million a second "
    "(so the same figure gives the same answer on any machine)"
)


@app.command()
@guarded
def frontier(
    scenario: Path = typer.Argument(..., help="scenario file or folder, or a GENIUS domain folder"),
    parties: str | None = typer.Option(None, "--parties", help="comma-separated party ids (default: all)"),
    zopa_only: bool = typer.Option(False, "--zopa", help="only outcomes every party accepts"),
    within: str | None = typer.Option(None, "--within", help=WITHIN_HELP),
    json_out: bool = typer.Option(False, "--json", help="stable machine-readable output (docs/json.md)"),
    profiles: str | None = typer.Option(None, "--profiles", help=PROFILES_HELP),
    zopa_budget: float = typer.Option(  # bounded as --frontier-budget is: inf would be a count with no end
        BUDGET,
        "--zopa-budget",
        help="seconds to count the ZOPA exactly before bounding or estimating it",
        min=0,
        max=1e6,
    ),
    rows: int = typer.Option(
        FRONTIER_ROWS, "--rows", min=0, help="rows of the table: the first ones and every solution's (0: all)"
    ),
    no_ratification: bool = typer.Option(False, "--no-ratification", help=NO_RATIFICATION_HELP),
    frontier_budget: float = typer.Option(
        MAX_PAIRS / PAIRS_A_SECOND, "--frontier-budget", min=0, max=1e6, help=FRONTIER_BUDGET_HELP
    ),
) -> None:
    """The exact Pareto frontier, the bargaining solutions and the zone of possible agreement (of the
    packages each side's constituents ratify, where the scenario says who must ratify at home)."""
    talks = load_any(scenario, profiles_of(profiles))
    scope = scope_of(within, talks, scenario)
    c = compile_scenario(talks, ratification=not no_ratification)
    chosen = party_indices(c, parties, scenario)
    pairs = int(frontier_budget * PAIRS_A_SECOND)
    b = bargaining(c, chosen, zopa_only=zopa_only, scope=scope, zopa_budget=zopa_budget, frontier_pairs=pairs)
    if json_out:
        print_json(bargaining_json(b))
        return
    where = " within the terms tabled" if scope == "tabled" else ""
    table, shown, marked = _frontier_table(b, rows, where)
    console.print(table)
    if shown < len(b.frontier):
        hidden = len(b.frontier) - shown
        console.print(
            f"{hidden:,} more rows not shown: --rows 0 shows them all, --json gives them as data", soft_wrap=True
        )
    if marked:
        console.print("* not tabled by anyone", soft_wrap=True)
    thinned = thinned_text(b.frontier.precision)
    if thinned is not None:
        finer = f"--frontier-budget above {frontier_budget:g} s gives a finer grid"
        console.print(styled((f"{thinned} ({finer})", "yellow")), soft_wrap=True)
    if b.zopa is not None:
        console.print(f"ZOPA{where}: {describe_zopa(b.zopa)}", soft_wrap=True)
    show_ratification(b.compiled)
    _show_solutions(b)
    show_assumed(talks, b.frontier.parties)


def _frontier_table(b: Bargaining, rows: int, where: str) -> tuple[Table, int, bool]:
    """The frontier as a table of its first ``rows`` rows (0: all) and every solution's row; with how many rows
    it shows and whether any shown term is marked as not tabled."""
    from rich.table import Table  # for people: --json never loads it

    table = Table(title=f"Pareto frontier{where}: {len(b.frontier)} outcomes", title_justify="left")
    for name in b.frontier.parties:
        table.add_column(name, justify="right")
    table.add_column("solutions")
    table.add_column("terms (the first row's in full, then what changes from the row above)")
    marks: dict[tuple[int, ...], list[str]] = {}
    for concept, s in b.solutions.items():
        if s is not None:
            marks.setdefault(tuple(int(k) for k in s.outcome), []).append(concept)
    above: tuple[int, ...] | None = None
    marked = False
    shown = 0
    for number, (row, utils) in enumerate(zip(b.frontier.outcomes, b.frontier.utilities, strict=True)):
        key = tuple(int(k) for k in row)
        if rows and number >= rows and key not in marks:
            above = None  # the next row shown follows a gap: its terms in full
            continue
        shown += 1
        flagged = b.untabled(row)
        terms = _terms_text(b.compiled, key, above, flagged)
        marked |= any(
            issue in flagged for i, issue in enumerate(b.compiled.issues) if above is None or above[i] != key[i]
        )
        table.add_row(*(f"{u:.3f}" for u in utils), ", ".join(marks.get(key, [])), terms)
        above = key
    return table, shown, marked


def _terms_text(c: Compiled, row: tuple[int, ...], above: tuple[int, ...] | None, flagged: Sequence[str] = ()) -> str:
    """A frontier row's terms in the issues' own words: all of them, or those that differ from ``above``;
    a term nobody tabled is marked."""
    lines = [
        f"{issue.name}: {issue.label(c.options[i][k])}" + (" *" if issue.id in flagged else "")
        for i, (issue, k) in enumerate(zip(c.scenario.issues, row, strict=True))
        if above is None or above[i] != k
    ]
    return "\n".join(lines)


def _show_solutions(b: Bargaining) -> None:
    """One column per distinct solution (concepts that coincide share a column), one row per issue; a term
    nobody tabled is marked, and the mark explained."""
    c = b.compiled
    columns: dict[tuple[int, ...], list[str]] = {}
    found = {name: sol for name, sol in b.solutions.items() if sol is not None}
    if not found:
        console.print("No solution: no outcome is acceptable to every party.")
        return
    for name, sol in found.items():
        columns.setdefault(tuple(int(k) for k in sol.outcome), []).append(name)
    from rich.table import Table

    table = Table(title="Bargaining solutions", title_justify="left")
    table.add_column("issue")
    for names in columns.values():
        table.add_column(" = ".join(names))
    flagged = {row: b.untabled(np.asarray(row, dtype=np.int64)) for row in columns}
    for i, issue in enumerate(c.scenario.issues):
        table.add_row(
            issue.name,
            *(issue.label(c.options[i][row[i]]) + (" *" if issue.id in flagged[row] else "") for row in columns),
        )
    for p, party in enumerate(b.frontier.parties):
        utilities = (found[names[0]].utilities[p] for names in columns.values())
        table.add_row(styled((f"utility: {party}", "bold")), *(f"{u:.3f}" for u in utilities))
    console.print(table)
    if any(flagged.values()):
        console.print("* not tabled by anyone", soft_wrap=True)
