"""Verbs on scenario files: analyze and diff (validate and schema are in :mod:`truce.cli.files`)."""

from __future__ import annotations

from pathlib import Path

import typer

from truce.analysis.bargaining import bargaining
from truce.analysis.diff import diff
from truce.analysis.overview import change_json, overview, overview_json
from truce.analysis.tabled import default_scope, holder_name
from truce.cli.common import (
    HTML_FILES,
    NO_RATIFICATION_HELP,
    PROFILES_HELP,
    app,
    check_output,
    console,
    find_text,
    guarded,
    print_json,
    profiles_of,
    show_assumed,
    write_atomically,
)
from truce.cli.render import show_changes, show_home, show_overview, show_rules_and_readings
from truce.io.scenario_files import load_any
from truce.model.compiled import compile_scenario


@app.command()
@guarded
def analyze(
    scenario: Path = typer.Argument(..., help="scenario file or folder"),
    json_out: bool = typer.Option(False, "--json", help="stable machine-readable output (docs/json.md)"),
    report: Path | None = typer.Option(None, "--report", help="write a self-contained HTML brief here"),
    profiles: str | None = typer.Option(None, "--profiles", help=PROFILES_HELP),
    no_ratification: bool = typer.Option(False, "--no-ratification", help=NO_RATIFICATION_HELP),
) -> None:
    """Each proposal's standing for each party, the sticking points, the diffs along each lineage, and
    whether each side's constituents would ratify each text (who blocks it, and by how much)."""
    if report is not None:
        check_output(report, HTML_FILES, [scenario])
    result = overview(load_any(scenario, profiles_of(profiles)), ratification=not no_ratification)
    if report is not None:
        from truce.report.brief import brief_html  # plotly loads only when a brief is written

        parties = result.compiled.parties
        scope = default_scope(result.scenario)
        b = bargaining(result.compiled, count_zopa=False, scope=scope) if len(parties) >= 2 else None
        write_atomically(report, brief_html(result, b))
    if json_out:
        print_json(overview_json(result))
        return
    show_overview(result)
    show_rules_and_readings(result)
    show_home(result)
    if report is not None:
        console.print(f"\nBrief written to {report}")


@app.command("diff")
@guarded
def diff_cmd(
    scenario: Path = typer.Argument(..., help="scenario file or folder"),
    a: str = typer.Argument(..., help="id of the earlier proposal (ID@READING: as that reading reads it)"),
    b: str = typer.Argument(..., help="id of the later proposal (ID@READING: as that reading reads it)"),
    json_out: bool = typer.Option(False, "--json", help="stable machine-readable output"),
) -> None:
    """What proposal B changes against proposal A, in the issues' own words; then what each reading of
    either text changes against that text as tabled."""
    s = load_any(scenario)
    (first, reading_a), (second, reading_b) = (find_text(s, ref, scenario) for ref in (a, b))
    c = compile_scenario(s)
    changes = diff(s, first, second, c, reading_a=reading_a, reading_b=reading_b)
    contested = [
        (proposal, reading, diff(s, proposal, proposal, c, reading_b=reading.id))
        for proposal in ((first,) if first.id == second.id else (first, second))
        for reading in proposal.readings
    ]
    if json_out:
        print_json(
            {
                "from": a,
                "to": b,
                "changes": [change_json(ch) for ch in changes],
                "readings": [
                    {
                        "proposal": proposal.id,
                        "reading": reading.id,
                        "by": reading.by,
                        "changes": [change_json(ch) for ch in found],
                    }
                    for proposal, reading, found in contested
                ],
                "preferences_assumed_for": s.assumed(c.parties),
            }
        )
        return
    show_changes(f"{a} -> {b}", changes)
    for proposal, reading, found in contested:
        show_changes(f"{proposal.id} as tabled -> as read by {holder_name(s, reading.by)} ({reading.id})", found)
    show_assumed(s, c.parties)
