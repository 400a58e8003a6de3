"""Verbs on scenario files: validate, schema (analyze and diff join them)."""

from __future__ import annotations

from pathlib import Path

import typer

from truce.cli.common import app, console, guarded, print_json
from truce.io.scenario_files import load_scenario, scenario_json_schema


@app.command()
@guarded
def validate(
    scenario: list[Path] = typer.Argument(..., help="scenario files or folders"),
    json_out: bool = typer.Option(False, "--json", help="machine-readable output"),
) -> None:
    """Check scenario files; list every problem as file:line:col."""
    results = []
    for path in scenario:
        s = load_scenario(path)
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
