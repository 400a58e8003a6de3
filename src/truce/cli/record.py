"""Verbs on the record of the talks: the timeline, and the cost of no deal in the series' own units."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import typer

from truce.analysis.delay import DEFAULT_DELAY_DAYS, cost_of_no_deal, series_cost_json
from truce.analysis.timeline import entry_json, timeline
from truce.cli.common import app, console, guarded, print_json
from truce.io.genius import load_any


@app.command("timeline")
@guarded
def timeline_cmd(
    scenario: Path = typer.Argument(..., help="scenario file or folder"),
    json_out: bool = typer.Option(False, "--json", help="stable machine-readable output (docs/json.md)"),
    delay_days: int = typer.Option(
        DEFAULT_DELAY_DAYS, "--delay-days", min=1, max=36_500, help="the period of delay for the cost of no deal"
    ),
    until: dt.datetime | None = typer.Option(
        None, "--until", formats=["%Y-%m-%d"], help="the delay ends on this date (default: each series' last point)"
    ),
) -> None:
    """Rounds, meetings, proposals, statements and events in date order, then what each sourced series
    says about a period of delay, in its own units (never in utilities)."""
    s = load_any(scenario)
    entries = timeline(s)
    costs = cost_of_no_deal(s, delay_days, until.date() if until else None)
    if json_out:
        print_json(
            {
                "scenario": s.id,
                "timeline": [entry_json(e) for e in entries],
                "cost_of_no_deal": {"days": delay_days, "series": [series_cost_json(c) for c in costs]},
            }
        )
        return
    for e in entries:
        when = f"{e.date}" + (f" – {e.end}" if e.end and e.end != e.date else "")
        console.print(f"{when}  [{e.kind}] {e.title}", markup=False, soft_wrap=True)
        if e.detail and e.kind == "statement":
            console.print(f"    “{e.detail}”", markup=False, soft_wrap=True)
        elif e.detail and e.kind in ("meeting", "risk"):
            console.print(f"    {e.detail}", markup=False, soft_wrap=True)
        if e.sources:
            console.print(f"    sources: {', '.join(e.sources)}", markup=False, soft_wrap=True)
    if costs:
        console.print(f"\nCost of no deal over {delay_days} days (each series in its own units; not utilities):")
        for c in costs:
            console.print(f"  {c.text}", markup=False, soft_wrap=True)
            if c.confidence:
                console.print(f"    weakest confidence of these points: {c.confidence}", markup=False, soft_wrap=True)
