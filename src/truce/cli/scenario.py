"""Verbs on scenario files: validate, analyze, diff, schema."""

from __future__ import annotations

from pathlib import Path

import typer

from truce.analysis.bargaining import bargaining
from truce.analysis.diff import diff
from truce.analysis.overview import change_json, overview, overview_json
from truce.analysis.tabled import default_scope
from truce.cli.common import app, console, find_proposal, guarded, print_json, write_atomically
from truce.cli.render import show_changes, show_overview
from truce.io.genius import load_any
from truce.io.scenario_files import scenario_json_schema
from truce.model.compiled import compile_scenario
from truce.report.brief import brief_html


@app.command()
@guarded
def validate(
    scenario: list[Path] = typer.Argument(..., help="scenario files or folders"),
    json_out: bool = typer.Option(False, "--json", help="machine-readable output"),
) -> None:
    """Check scenario files; list every problem as file:line:col."""
    results = []
    for path in scenario:
        s = load_any(path)
        results.append(
            {
                "file": str(path),
                "id": s.id,
                "parties": len(s.parties),
                "issues": len(s.issues),
                "proposals": len(s.proposals),
            }
        )
    if json_out:
        print_json({"valid": True, "scenarios": results})
    else:
        for r in results:
            console.print(f"{r['file']}: ok ({r['parties']} parties, {r['issues']} issues, {r['proposals']} proposals)")


@app.command()
def schema() -> None:
    """Print the JSON Schema of scenario files (for editors)."""
    print_json(scenario_json_schema())


@app.command()
@guarded
def analyze(
    scenario: Path = typer.Argument(..., help="scenario file or folder"),
    json_out: bool = typer.Option(False, "--json", help="stable machine-readable output (docs/json.md)"),
    report: Path | None = typer.Option(None, "--report", help="write a self-contained HTML brief here"),
) -> None:
    """Each proposal's standing for each party, the sticking points, and the diffs along each lineage."""
    result = overview(load_any(scenario))
    if report is not None:
        parties = result.compiled.parties
        scope = default_scope(result.scenario)
        b = bargaining(result.compiled, count_zopa=False, scope=scope) if len(parties) >= 2 else None
        write_atomically(report, brief_html(result, b))
    if json_out:
        print_json(overview_json(result))
        return
    show_overview(result)
    if report is not None:
        console.print(f"\nBrief written to {report}")


@app.command("diff")
@guarded
def diff_cmd(
    scenario: Path = typer.Argument(..., help="scenario file or folder"),
    a: str = typer.Argument(..., help="id of the earlier proposal"),
    b: str = typer.Argument(..., help="id of the later proposal"),
    json_out: bool = typer.Option(False, "--json", help="stable machine-readable output"),
) -> None:
    """What proposal B changes against proposal A, in the issues' own words."""
    s = load_any(scenario)
    first, second = (find_proposal(s, pid, scenario) for pid in (a, b))
    changes = diff(s, first, second, compile_scenario(s))
    if json_out:
        print_json({"from": a, "to": b, "changes": [change_json(ch) for ch in changes]})
        return
    show_changes(f"{a} -> {b}", changes)
