"""Verbs on the record of the talks: the timeline, and the cost of no deal in the series' own units."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import typer

from truce.analysis.delay import DEFAULT_DELAY_DAYS, cost_of_no_deal, series_cost_json
from truce.analysis.timeline import entry_json, timeline
from truce.cli.common import app, check_output, console, guarded, print_json, write_atomically
from truce.errors import InputError, Problem
from truce.io.scenario_files import load_any


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
        console.print(f"{when}  [{e.kind}] {e.title}", soft_wrap=True)
        if e.detail and e.kind == "statement":
            console.print(f"    “{e.detail}”", soft_wrap=True)
        elif e.detail and e.kind in ("meeting", "risk"):
            console.print(f"    {e.detail}", soft_wrap=True)
        if e.sources:
            console.print(f"    sources: {', '.join(e.sources)}", soft_wrap=True)
    if costs:
        console.print(f"\nCost of no deal over {delay_days} days (each series in its own units; not utilities):")
        for c in costs:
            console.print(f"  {c.text}", soft_wrap=True)
            if c.confidence:
                console.print(f"    weakest confidence of these points: {c.confidence}", soft_wrap=True)


record_app = typer.Typer(
    name="record",
    help="Draft entries of the record (meetings, statements, figures) from a news report.",
    no_args_is_help=True,
)
app.add_typer(record_app, name="record")


@record_app.command("draft")
@guarded
def draft_cmd(
    scenario: Path = typer.Argument(..., help="scenario file or folder"),
    report: Path = typer.Argument(..., help="the news report, plain UTF-8 text in English"),
    json_out: bool = typer.Option(False, "--json", help="stable machine-readable output (docs/json.md)"),
    date: dt.datetime | None = typer.Option(
        None, "--date", formats=["%Y-%m-%d"], help="the report's date (default: its dateline)"
    ),
    source: str | None = typer.Option(None, "--source", help="cite this existing source (default: add the report)"),
    accept: str | None = typer.Option(None, "--accept", help="'all', or entry ids separated by commas"),
    out: Path | None = typer.Option(
        None, "--out", help="with --accept: write the scenario with the entries here, in its format (.yaml or .json)"
    ),
    patch: Path | None = typer.Option(
        None, "--patch", help="with --accept: write a unified diff of the scenario here (.patch or .diff)"
    ),
) -> None:
    """Read a news report and propose entries for the scenario, each with the words it came from and a
    confidence. Nothing is written unless entries are accepted with --accept and --out or --patch."""
    from truce.analysis.drafting import draft_json, draft_record, edits_for
    from truce.io.documents import decode_text, decode_utf8, parse_document, read_limited
    from truce.io.scenario_edit import edit_scenario, unified_patch
    from truce.io.scenario_files import scenario_file, scenario_from_document

    file = scenario_file(scenario)
    _check_accept_options(accept, out, patch, file, report)
    raw = read_limited(file, str(file), 2 * 1024 * 1024)
    text = decode_utf8(raw, str(file))
    s = scenario_from_document(parse_document(raw, str(file), as_json=file.suffix.lower() == ".json"))
    report_text = decode_text(read_limited(report, str(report), 1024 * 1024), str(report))
    try:
        draft = draft_record(s, report_text, date.date() if date else None, source)
    except InputError as exc:
        raise InputError([_on_option(p, report) for p in exc.problems]) from None
    written = None
    if accept is not None:
        ids = (
            [e.id for e in draft.entries]
            if accept.strip() == "all"
            else [a.strip() for a in accept.split(",") if a.strip()]
        )
        try:
            edits = edits_for(draft, s, ids)
        except InputError as exc:
            raise InputError([_on_option(p, report) for p in exc.problems]) from None
        edited = edit_scenario(text, f"{file} (with the accepted entries)", edits, file.suffix.lower() == ".json")
        target = out or patch
        assert target is not None
        write_atomically(target, edited.text if out else unified_patch(text, edited.text, file.name))
        written = {"path": str(target), "entries": ids, "layout_kept": edited.exact}
    if json_out:
        print_json({**draft_json(draft, s.id), "written": written})
        return
    _print_draft(draft, written)


def _check_accept_options(accept: str | None, out: Path | None, patch: Path | None, file: Path, report: Path) -> None:
    """--accept needs exactly one of --out and --patch, and they mean nothing without it; what they name is
    written by the rule for every output (the scenario in its own format, never over the files read)."""
    if accept is not None and (out is None) == (patch is None):
        said = "needs one of --out FILE (a new scenario file) or --patch FILE (a diff)"
        raise InputError([Problem(said, (), "--accept")])  # named, where a problem with no file read "<input>"
    if accept is None and (out is not None or patch is not None):
        raise InputError(
            [
                Problem(
                    "writes accepted entries: give it with --accept all or --accept ID,ID",
                    (),
                    "--out" if out is not None else "--patch",
                )
            ]
        )
    if out is not None:  # the scenario's text with the entries added, so in the scenario's own format
        as_json = file.suffix.lower() == ".json"
        why = f" here ({file} is {'JSON' if as_json else 'YAML'})"
        check_output(out, (".json",) if as_json else (".yaml", ".yml"), [file, report], why)
    if patch is not None:
        check_output(patch, (".patch", ".diff"), [file, report])


def _on_option(problem: Problem, report: Path) -> Problem:
    """A problem of the draft named by the option that can mend it, at the report."""
    option = {"date": "--date", "source": "--source", "accept": "--accept"}.get(
        str(problem.path[0]) if problem.path else ""
    )
    message = f"{option}: {problem.message}" if option else problem.message
    return Problem(message, (), str(report), 1, 1)


def _print_draft(draft: Any, written: dict[str, Any] | None) -> None:
    origin = "its dateline" if draft.date_from == "dateline" else "--date"
    source = f"a new source {draft.source_id!r}" if draft.source else f"the source {draft.source_id!r}"
    console.print(f"Report dated {draft.date} (from {origin}); accepted entries cite {source}.", soft_wrap=True)
    if not draft.entries:
        console.print("No entry found.")
    for e in draft.entries:
        console.print(f"\n{e.id}  [{e.confidence:.2f}]  {e.summary}", soft_wrap=True)
        console.print(f"    line {e.span.line}: \u201c{e.span.text.strip()}\u201d", soft_wrap=True)
        if e.matches and e.kind == "figure":
            console.print(f"    already in series {e.matches}: accepting changes nothing", soft_wrap=True)
        elif e.matches:
            console.print(f"    already recorded as {e.matches}: accepting cites the report there", soft_wrap=True)
        for note in e.notes:
            console.print(f"    note: {note}", soft_wrap=True)
    if draft.not_drafted:
        from truce.analysis.drafting import MAX_ENTRIES

        kinds = ", ".join(f"{n:,} {kind}{'s' if n != 1 else ''}" for kind, n in draft.not_drafted.items())
        console.print(
            f"\nand {sum(draft.not_drafted.values()):,} more not drafted ({kinds}): a report gives at most "
            f"{MAX_ENTRIES} entries; draft the rest from a shorter report.",
            soft_wrap=True,
        )
    if written is None:
        console.print(
            "\nNothing written. Accept entries with --accept all (or --accept ID,ID) and --out FILE or --patch FILE.",
            soft_wrap=True,
        )
    else:
        kept = "" if written["layout_kept"] else " (the file's list layout could not be kept exactly: check the diff)"
        console.print(
            f"\nWrote {written['path']} with {len(written['entries'])} accepted entries{kept}.",
            soft_wrap=True,
        )
