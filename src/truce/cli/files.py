"""Verbs that read scenario files without analysing them: validate and schema. Kept apart from analyze so that
checking a file loads no solver, and starts as fast as the model allows."""

from __future__ import annotations

from pathlib import Path

import typer

from truce.analysis.results import RESULTS, result_schema
from truce.cli.common import PROFILES_HELP, app, console, guarded, print_json, profiles_of
from truce.errors import InputError, Problem
from truce.io.scenario_files import load_any, scenario_json_schema


@app.command()
@guarded
def validate(
    scenario: list[Path] = typer.Argument(..., help="scenario files or folders"),
    json_out: bool = typer.Option(False, "--json", help="machine-readable output"),
    profiles: str | None = typer.Option(None, "--profiles", help=PROFILES_HELP),
) -> None:
    """Check scenario files; list every problem as file:line:col."""
    results = []
    for path in scenario:
        s = load_any(path, profiles_of(profiles))
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
@guarded
def schema(
    name: str = typer.Argument(
        "scenario", help=f"scenario (the file format), or a result: {', '.join(RESULTS)} (docs/json.md)"
    ),
) -> None:
    """Print a JSON Schema: of scenario files (for editors), or of a result that the CLI and the API share."""
    if name == "scenario":
        print_json(scenario_json_schema())
    elif name in RESULTS:
        print_json(result_schema(name))
    else:
        raise InputError([Problem(f"no schema {name!r} (expected scenario, {', '.join(RESULTS)})", (), "NAME")])
