"""Verbs on what could be agreed, after the frontier: bridge, trades, tabled, fair-divide, and GENIUS
import/export."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import typer
from rich.table import Table
from rich.text import Text

from truce.analysis.bridge import BridgeResult, Criterion, Search, bridge, bridge_json, bridge_proposal
from truce.analysis.fair_division import (
    Allocation,
    adjusted_winner,
    adjusted_winner_scenario,
    allocation_json,
    silence_notes,
)
from truce.analysis.tabled import TabledBy, tabled_json, tabled_terms
from truce.analysis.trades import trades, trades_json
from truce.cli.common import (
    NO_RATIFICATION_HELP,
    PROFILES_HELP,
    SCENARIO_FILES,
    WITHIN_HELP,
    app,
    check_output,
    check_output_folder,
    console,
    find_text,
    guarded,
    party_indices,
    print_json,
    profiles_of,
    scope_of,
    show_assumed,
    show_ratification,
    styled,
    write_atomically,
)
from truce.errors import InputError, Problem
from truce.io.genius import export_genius, read_genius
from truce.io.points_csv import read_points_csv
from truce.io.scenario_files import load_any, scenario_to_data, scenario_to_text
from truce.model.compiled import Compiled, compile_scenario
from truce.model.scenario import Proposal, Scenario, Term

FROM_HELP = (
    "id of the proposal on the table (ID@READING: as that reading reads it); "
    "leave out when no proposal is on the table, to start from an empty text"
)

import_app = typer.Typer(help="Bring talks in from other tools' files.", no_args_is_help=True)
export_app = typer.Typer(help="Write talks out in other tools' files.", no_args_is_help=True)
app.add_typer(import_app, name="import")
app.add_typer(export_app, name="export")


@app.command("bridge")
@guarded
def bridge_cmd(
    scenario: Path = typer.Argument(..., help="scenario file or folder, or a GENIUS domain folder"),
    reference: str | None = typer.Option(None, "--from", help=FROM_HELP),
    criterion: Criterion = typer.Option(
        "nash", "--criterion", help="tie-break: a solution concept (ks: kalai_smorodinsky)"
    ),
    k: int = typer.Option(3, "-k", min=1, help="how many bridging proposals"),
    within: str | None = typer.Option(None, "--within", help=WITHIN_HELP),
    same_issues: bool = typer.Option(False, "--same-issues", help="allow bridges that change the same issues"),
    improvements: int = typer.Option(2, "--improvements", min=0, help="Pareto improvements shown per bridge"),
    budget: float = typer.Option(
        5.0, "--budget", help="seconds to rank bridges that change equally few terms (the count is exact regardless)"
    ),
    json_out: bool = typer.Option(False, "--json", help="stable machine-readable output (docs/json.md)"),
    profiles: str | None = typer.Option(None, "--profiles", help=PROFILES_HELP),
    no_ratification: bool = typer.Option(False, "--no-ratification", help=NO_RATIFICATION_HELP),
) -> None:
    """Packages every party accepts that change as few terms of a proposal as possible, each change explained.

    With no proposal on the table (a GENIUS domain), leave out --from: bridges fill an empty text."""
    s = load_any(scenario, profiles_of(profiles))
    start = _start(s, reference, scenario)
    scope = scope_of(within, s, scenario)
    c = compile_scenario(s, ratification=not no_ratification)
    distinct = not same_issues
    try:
        if start is None:
            result = bridge(
                c, {}, criterion.value, k, scope=scope, distinct=distinct, improvements=improvements, budget=budget
            )
        else:  # from a reading, the result names it (the service's bridges from a reading are this document)
            result = bridge_proposal(
                c,
                start[0].id,
                criterion.value,
                k,
                scope=scope,
                distinct=distinct,
                improvements=improvements,
                budget=budget,
                reading=start[1],
            )
    except InputError as exc:
        raise _located(exc, scenario) from None
    if json_out:
        print_json(bridge_json(result, reference))
        return
    where = "within the terms tabled" if scope == "tabled" else "with any term"
    _say_bridges(s, c, result, start, where, asked=None if same_issues else k)
    for line in search_notes(result.search, budget):
        console.print(line, soft_wrap=True)


def search_notes(search: Search, budget: float) -> list[str]:
    """What the bridges' search could not promise: a ranking among the sets seen within the budget, and
    packages taken from a thinned frontier."""
    notes = []
    least = "is the least possible" if search.least else "may not be the least possible (below)"
    if not search.complete:
        took = (
            f"; the search took {search.seconds:.1f} s: a set once begun is examined whole"
            if search.seconds > budget
            else ""
        )
        notes.append(
            f"The number of changes {least}; the bridges are ranked among the first {search.sets} sets of issues "
            f"examined within the budget of {budget:g} s (--budget{took}), and others changing as few terms may "
            "rank higher."
        )
    if search.precision > 0:
        notes.append(
            f"Some sets had too many efficient packages to list exactly (as on an approximate frontier, within "
            f"{search.precision:.3g} of every party's utility): each set's best package is chosen among those listed"
            + (
                "."
                if search.least
                else ", and a set whose acceptable packages all reach a reservation value by less than that was "
                "passed over, so fewer changes may be possible."
            )
        )
    return notes


def _say_bridges(
    s: Scenario,
    c: Compiled,
    result: BridgeResult,
    start: tuple[Proposal, str | None] | None,
    where: str,
    asked: int | None,
) -> None:
    """The bridges as text, then why there are fewer than ``asked`` (None: bridges may change the same issues),
    who must ratify, and whose preferences are assumed."""
    if start is None:
        title, opening = "an empty text", "An empty text (no proposal is on the table)"
    else:
        proposal, reading = start
        title = opening = proposal.title + (f", as {_reader(s, proposal, reading)} reads it" if reading else "")
    if result.reading is not None:
        console.print(f"{result.reading.text}.", soft_wrap=True)  # titles and names as written
    _show_bridges(s, result, title, opening, where)
    if result.infeasible is None and asked is not None and len(result.bridges) < asked:
        console.print(
            f"{len(result.bridges)} bridge{'s' if len(result.bridges) != 1 else ''} of the {asked} asked for: each "
            "bridge changes a different set of issues (--same-issues also lists packages changing the same ones).",
            soft_wrap=True,
        )
    show_ratification(c)
    show_assumed(s, c.parties)


def _show_bridges(s: Scenario, result: BridgeResult, title: str, opening: str, where: str) -> None:
    """Each bridge in words: its changes, its fills, and its improvements apart. Titles, names and terms are
    printed as the scenario writes them, never read as markup ("[/x]" in a title ended the command)."""
    if result.infeasible is not None:
        console.print(f"No package {where} is acceptable to every party. {result.infeasible.text}", soft_wrap=True)
        return
    if result.acceptable_as_it_stands and result.bridges[0].filled:
        console.print(
            f"{opening} needs no change to its terms: with the issues it leaves open filled as below, every party "
            "accepts it.",
            soft_wrap=True,
        )
    elif result.acceptable_as_it_stands:
        console.print(
            f"{opening} is acceptable to every party as it stands: no term needs to change.",
            soft_wrap=True,
        )
    for n, b in enumerate(result.bridges, start=1):
        utilities = ", ".join(f"{_name(s, p)} {u:.3f}" for p, u in b.utilities.items())
        changes = f"{len(b.changes)} change{'s' if len(b.changes) != 1 else ''}"
        said = f": {changes} to {title} ({where}); utilities {utilities}"
        console.print(styled((f"Bridge {n}", "bold"), said), soft_wrap=True)
        for change in b.changes:
            console.print(f"  {change.text}", soft_wrap=True)
        for f in b.filled:
            console.print(f"  fills {f.text}", soft_wrap=True)
        for m in b.improvements:
            console.print("  and if you also change:", soft_wrap=True)
            for change in m.changes:
                console.print(f"    {change.text}", soft_wrap=True)


def _located(exc: InputError, where: Path) -> InputError:
    """Problems raised without a file (a bad command-line value) are said of the scenario argument."""
    return InputError([p if p.file else dataclasses.replace(p, file=str(where)) for p in exc.problems])


def _start(s: Scenario, reference: str | None, where: Path) -> tuple[Proposal, str | None] | None:
    """The text to start from: ``--from``, or nothing (an empty text) when no proposal is on the table."""
    if reference is not None:
        return find_text(s, reference, where)
    if s.proposals:
        known = ", ".join(p.id for p in s.proposals)
        raise InputError(
            [
                Problem(
                    f"--from: name the proposal to start from (one of {known}; ID@READING for a reading)",
                    (),
                    str(where),
                )
            ]
        )
    return None


def _reader(s: Scenario, proposal: Proposal, reading: str) -> str:
    by = next(r.by for r in proposal.readings if r.id == reading)
    return _name(s, by) if by in {p.id for p in s.parties} else by


def _name(s: Scenario, party_id: str) -> str:
    try:
        return s.party(party_id).name
    except KeyError:
        return party_id


@app.command("trades")
@guarded
def trades_cmd(
    scenario: Path = typer.Argument(..., help="scenario file or folder, or a GENIUS domain folder"),
    reference: str | None = typer.Option(None, "--from", help=FROM_HELP),
    parties: str = typer.Option(..., "--parties", help="the two parties, e.g. israel,hamas"),
    limit: int | None = typer.Option(None, "--limit", min=1, help="at most this many trades"),
    within: str | None = typer.Option(None, "--within", help=WITHIN_HELP),
    json_out: bool = typer.Option(False, "--json", help="stable machine-readable output"),
    profiles: str | None = typer.Option(None, "--profiles", help=PROFILES_HELP),
    no_ratification: bool = typer.Option(False, "--no-ratification", help=NO_RATIFICATION_HELP),
) -> None:
    """Logrolling: pairs of concessions, each on the issue its maker cares less about, that leave both better off."""
    s = load_any(scenario, profiles_of(profiles))
    start = _start(s, reference, scenario)
    terms: dict[str, Term] = {} if start is None else dict(s.terms_of(start[0].id, start[1]))
    pair = [p.strip() for p in parties.split(",")]
    if len(pair) != 2:
        raise InputError([Problem(f"--parties {parties!r}: expected two parties, e.g. a,b", (), str(scenario))])
    try:
        found = trades(
            compile_scenario(s, ratification=not no_ratification),
            terms,
            (pair[0], pair[1]),
            limit,
            scope=scope_of(within, s, scenario),
        )
    except InputError as exc:
        raise _located(exc, scenario) from None
    if json_out:
        print_json(
            {
                "reference": reference,
                "within": scope_of(within, s, scenario),
                "trades": trades_json(found),
                "preferences_assumed_for": s.assumed(pair),
            }
        )
        return
    show_assumed(s, pair)
    if not found and start is None:
        # a trade swaps terms a text holds: an empty text holds none
        console.print(
            "No trade: an empty text holds no term to trade (`truce bridge` fills one in).",
            soft_wrap=True,
        )
    elif not found:
        console.print(f"No trade from {reference} leaves both {pair[0]} and {pair[-1]} better off.")
    for n, trade in enumerate(found, start=1):
        console.print(styled((f"{n}.", "bold"), f" {trade.text}"), soft_wrap=True)


@app.command("tabled")
@guarded
def tabled_cmd(
    scenario: Path = typer.Argument(..., help="scenario file or folder"),
    json_out: bool = typer.Option(False, "--json", help="stable machine-readable output (docs/json.md)"),
    profiles: str | None = typer.Option(None, "--profiles", help=PROFILES_HELP),
) -> None:
    """Every term on the table: which proposal (or reading of one) holds it, tabled by whom, and when."""
    s = load_any(scenario, profiles_of(profiles))
    found = tabled_terms(s)
    if json_out:
        print_json(tabled_json(found))
        return
    if not s.proposals:
        console.print("No proposal is on the table: every term counts as open.")
        return
    for issue in s.issues:
        held = found.terms.get(issue.id, {})
        if not held:
            console.print(styled((issue.name, "bold"), ": nothing tabled (every term is open)"), soft_wrap=True)
            continue
        span = ""
        values = sorted(float(t) for t in held) if issue.kind.value == "numeric" else []
        if len(values) > 1 and values[0] != values[-1]:
            span = f" (any value from {issue.label(_number(values[0]))} to {issue.label(_number(values[-1]))})"
        console.print(styled((issue.name, "bold"), span), soft_wrap=True)
        for term, texts in held.items():
            said = "; ".join(_holder(s, t) for t in texts)
            console.print(f"  {issue.label(term)}: {said}", soft_wrap=True)


def _number(x: float) -> int | float:
    return int(x) if float(x).is_integer() else x


def _holder(s: Scenario, t: TabledBy) -> str:
    who = ", ".join(_name(s, p) for p in t.by)
    if t.reading is None:
        return f"{t.proposal} (tabled by {who}, {t.date.isoformat()})"
    return f"{t.proposal} as read by {who} ({t.reading})"


@app.command("fair-divide")
@guarded
def fair_divide(
    source: Path = typer.Argument(
        ...,
        help="a CSV item,<party 1>,<party 2> of points, each party's points adding up to 100; or a scenario",
    ),
    parties: str | None = typer.Option(None, "--parties", help="with a scenario: the two parties (default: first two)"),
    json_out: bool = typer.Option(False, "--json", help="stable machine-readable output (docs/json.md)"),
    profiles: str | None = typer.Option(None, "--profiles", help=PROFILES_HELP),
) -> None:
    """Adjusted Winner (Brams & Taylor): divisible items split so both get equal points and neither envies.

    From a scenario, the items are its issues marked divisible; each party's 100 points follow its preferences."""
    scenario: Scenario | None = None
    if source.suffix.lower() == ".csv":
        allocation = adjusted_winner(*read_points_csv(source))
    else:
        scenario = load_any(source, profiles_of(profiles))
        c = compile_scenario(scenario)
        chosen = party_indices(c, parties, source)
        names = [c.parties[p] for p in chosen] if chosen else list(c.parties[:2])
        if len(names) != 2:
            raise InputError([Problem("fair division is between two parties with preferences", (), str(source))])
        try:
            allocation = adjusted_winner_scenario(c, (names[0], names[1]))
        except InputError as exc:
            raise _located(exc, source) from None
    if json_out:
        print_json(allocation_json(allocation))
        return
    _show_allocation(allocation)
    if scenario is not None:
        show_assumed(scenario, allocation.parties)


def _show_allocation(a: Allocation) -> None:
    table = Table(
        title="Adjusted Winner: each party's share of each item (the points it gives the item)", title_justify="left"
    )
    table.add_column("item")
    for party in a.parties:
        table.add_column(party, justify="right")
    for item in a.items:
        table.add_row(a.name(item), *(_share_cell(a, item, k) for k in range(2)))
    table.add_row("points", *(f"{a.points[p]:.2f}" for p in a.parties))
    console.print(table)
    if a.split:
        console.print(f"Split item: {a.name(a.split)} ({a.fraction:.1%} to {a.parties[0]})")
    else:
        console.print("No item is split.")
    for note in silence_notes(a):
        console.print(styled((note, "yellow")), soft_wrap=True)


def _share_cell(a: Allocation, item: str, k: int) -> Text:
    party = a.parties[k]
    share = f"{a.shares[item][party]:.0%}"
    if party in a.silent.get(item, ()):
        return styled(f"{share} ", ("(no stated position)", "dim"))
    return styled(f"{share} ", (f"({a.given[item][k]:.1f})", "dim"))


@import_app.command("genius")
@guarded
def import_genius_cmd(
    folder: Path = typer.Argument(..., help="a GENIUS domain folder (domain XML and one profile per party)"),
    out: Path = typer.Option(..., "-o", "--out", help="scenario file to write (.yaml, .yml or .json)"),
    profiles: str | None = typer.Option(None, "--profiles", help=PROFILES_HELP),
    json_out: bool = typer.Option(False, "--json", help="stable machine-readable output (docs/json.md)"),
) -> None:
    """Read a GENIUS/ANAC domain into a truce scenario file, as GENIUS's own loader reads it (docs/genius.md)."""
    check_output(out, SCENARIO_FILES, [folder])
    found = read_genius(folder, profiles_of(profiles))
    scenario = found.scenario
    write_atomically(out, scenario_to_text(scenario_to_data(scenario), json_format=out.suffix.lower() == ".json"))
    if json_out:
        written = {"file": str(out), "issues": len(scenario.issues), "profiles": list(scenario.preferences)}
        print_json({**written, "notes": list(found.notes)})
        return
    for note in found.notes:
        console.print(f"note: {note}", soft_wrap=True)
    console.print(f"{out}: {len(scenario.issues)} issues, {len(scenario.preferences)} profiles")


@export_app.command("genius")
@guarded
def export_genius_cmd(
    scenario: Path = typer.Argument(..., help="scenario file or folder"),
    folder: Path = typer.Argument(..., help="folder to write the GENIUS domain into (made if new)"),
    profiles: str | None = typer.Option(None, "--profiles", help=PROFILES_HELP),
    json_out: bool = typer.Option(False, "--json", help="stable machine-readable output (docs/json.md)"),
) -> None:
    """Write a scenario as a GENIUS domain folder (what GENIUS cannot hold is listed)."""
    check_output_folder(folder, scenario)
    notes = export_genius(load_any(scenario, profiles_of(profiles)), folder)
    if json_out:
        # the folder held no other XML file (refused otherwise), so its XML files are the ones written; anything
        # else in it (a README, notes) is not part of the domain
        written = sorted(p.name for p in folder.glob("*.xml"))
        print_json({"folder": str(folder), "files": written, "notes": list(notes)})
        return
    for note in notes:
        console.print(f"note: {note}", soft_wrap=True)
    console.print(f"GENIUS domain written to {folder}")
