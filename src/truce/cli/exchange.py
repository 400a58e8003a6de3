"""``truce exchange``: plan, check and monitor exchange agreements; make synthetic lists."""

from __future__ import annotations

import contextlib
import csv
import io
import os
import sys
from collections.abc import Iterator
from pathlib import Path

import typer
from rich.table import Table
from rich.text import Text

from truce.cli.common import HTML_FILES, app, check_output, console, guarded, print_json, write_atomically
from truce.errors import InputError, Problem
from truce.exchange.checker import check_plan
from truce.exchange.ledger import Ledger, keep_ledger, ledger_to_data
from truce.exchange.lists import assign_identifiers, check_lists, synthetic_lists
from truce.exchange.plan import plan_to_data
from truce.exchange.planner import Objective, plan_exchange
from truce.exchange.rules.base import Entry, RuleKind, Violation
from truce.io.agreement_files import load_agreement, load_people, load_plan, load_release_log, people_to_csv
from truce.model.exchange import MAX_DAY, Agreement

exchange_app = typer.Typer(
    name="exchange",
    help="Plan, check and monitor exchange agreements (captives and prisoners released in batches).",
    no_args_is_help=True,
)
app.add_typer(exchange_app, name="exchange")


@contextlib.contextmanager
def _solver_chatter_to_stderr() -> Iterator[None]:
    """HiGHS may write progress lines straight to file descriptor 1; keep them out of ``--json`` output."""
    try:
        sys.stdout.flush()
        saved = os.dup(1)
    except (OSError, ValueError):
        yield
        return
    try:
        os.dup2(2, 1)
        yield
    finally:
        os.dup2(saved, 1)
        os.close(saved)


REPORT_FILES = (*HTML_FILES, ".png")  # a PNG name gets the chart alone


@exchange_app.command("plan")
@guarded
def plan_verb(
    agreement: Path = typer.Argument(..., help="agreement file, or a folder holding agreement.yaml"),
    objective: Objective = typer.Option(Objective.earliest, "--objective", help="what the plan optimises"),
    lists: Path | None = typer.Option(None, "--lists", help="people-list CSV: give the counts identifiers"),
    json_out: bool = typer.Option(False, "--json", help="machine-readable output"),
    report: Path | None = typer.Option(None, "--report", help="HTML report, or a PNG chart if the name ends in .png"),
) -> None:
    """An optimal day-by-day plan; if none exists, the conflicting rules are named."""
    if report is not None:
        check_output(report, REPORT_FILES, [agreement, lists])
    a, doc = load_agreement(agreement)
    try:
        with _solver_chatter_to_stderr():
            plan = plan_exchange(a, objective)
    except InputError as exc:
        raise InputError(
            [doc.locate(p) if p.path else Problem(p.message, (), doc.file) for p in exc.problems]
        ) from None
    if lists is not None:
        people = load_people(lists, a)
        problems = check_lists(a, people)
        if problems:
            raise InputError([doc.locate(p) if p.path else Problem(p.message, (), str(lists)) for p in problems])
        plan = assign_identifiers(plan, people)
    if report is not None:
        from truce.report.exchange import plan_report
        from truce.report.exchange_png import plan_png

        write_atomically(report, plan_png(a, plan) if report.suffix.lower() == ".png" else plan_report(a, plan))
    if json_out:
        print_json(plan_to_data(plan, a))
        return
    # the agreement's own words (a title, a category's name) are text, never markup: "[/x]" in one broke the table
    table = Table(title=Text(f"{a.title} (objective: {plan.objective}, value {plan.objective_value})"))
    for column in ("day", "side", "category", "count", "settles", "commitments"):
        table.add_column(column, justify="right" if column in ("day", "count") else "left")
    for d in plan.days:
        first = True
        for r in d.releases or ():
            table.add_row(
                _day_cell(a, d.day) if first else "",
                r.side,
                r.category,
                str(r.count),
                ", ".join(r.settles),
                ", ".join(d.commitments) if first else "",
            )
            first = False
        if first:
            table.add_row(_day_cell(a, d.day), "", "", "", "", ", ".join(d.commitments))
    console.print(table)
    for sentence in plan.explanation:
        console.print(sentence, soft_wrap=True)


def _where(doc_file: str, locate: Problem) -> str:
    return f"{locate.file or doc_file}:{locate.line or 1}:{locate.column or 1}"


@exchange_app.command("check")
@guarded
def check_verb(
    agreement: Path = typer.Argument(..., help="agreement file or folder"),
    plan: Path = typer.Argument(..., help="plan JSON (as written by `truce exchange plan --json`)"),
    json_out: bool = typer.Option(False, "--json", help="machine-readable output"),
) -> None:
    """Check a plan against the agreement, rule by rule; exit 1 if it breaks any."""
    a, doc = load_agreement(agreement)
    given, plan_doc = load_plan(plan, a)
    violations = check_plan(a, given)

    def where(v: Violation) -> str:  # a rule's place in the agreement, or the plan's own problem in the plan
        located = plan_doc if v.rule == RuleKind.plan else doc
        return _where(located.file, located.locate(Problem("", v.path))) if v.path else str(plan)

    if json_out:
        print_json(
            {
                "valid": not violations,
                "violations": [
                    {"rule": v.rule, "day": v.day, "message": v.message, "where": where(v)} for v in violations
                ],
            }
        )
    elif not violations:
        console.print(f"{plan}: meets every rule of {a.id}", soft_wrap=True)
    else:
        for v in violations:
            day = f"day {v.day}: " if v.day is not None else ""
            console.print(f"{where(v)}: {v.rule}: {day}{v.message}", soft_wrap=True)
    if violations:
        raise typer.Exit(1)


@exchange_app.command("ledger")
@guarded
def ledger_verb(
    agreement: Path = typer.Argument(..., help="agreement file or folder"),
    log: Path = typer.Argument(
        ...,
        help="release-log CSV: day,side,category,count (more columns: see docs/exchange.md)",
    ),
    through: int | None = typer.Option(
        None, "--through", min=1, max=MAX_DAY, help="last day to account for (default: the log's)"
    ),
    plan: Path | None = typer.Option(None, "--plan", help="a plan JSON to show beside what happened"),
    json_out: bool = typer.Option(False, "--json", help="machine-readable output"),
    report: Path | None = typer.Option(None, "--report", help="HTML report, or a PNG chart if the name ends in .png"),
) -> None:
    """What was due, what happened, every deviation, what is still owed, and the running exposure."""
    if report is not None:
        check_output(report, REPORT_FILES, [agreement, log, plan])
    a, _ = load_agreement(agreement)
    ledger = keep_ledger(a, load_release_log(log, a), through, load_plan(plan, a)[0] if plan is not None else None)
    if report is not None:
        from truce.report.exchange import ledger_report
        from truce.report.exchange_png import ledger_png

        write_atomically(report, ledger_png(a, ledger) if report.suffix.lower() == ".png" else ledger_report(a, ledger))
    if json_out:
        print_json(ledger_to_data(ledger))
        return
    _print_ledger(a, ledger, plan is not None)


def _day_cell(a: Agreement, day: int) -> str:
    date = a.date(day)
    return f"{day}\n{date}" if date else str(day)


def _due_line(e: Entry) -> str:
    """A release due (a cadence's batch names no category: its count is of people) or a commitment due."""
    side = e.side or "both"
    return f"{side}: {e.count} {e.category or 'people'} ({e.rule})" if e.count else f"{side}: {e.label}"


def _done_line(e: Entry) -> str:
    """A release done, or a commitment met (with its count where it has one: aid trucks). A row of the log
    that names no side is shown without one: the record may not say who answers for it."""
    side = f"{e.side}: " if e.side else ""
    if e.category:
        return f"{side}{e.count} {e.category}"
    return f"{side}{e.rule}" + (f" {e.count}" if e.count or e.counted else "")


def _print_ledger(a: Agreement, ledger: Ledger, with_plan: bool) -> None:
    """The ledger as a table (a date under each day number), then what is owed, not yet due, and the tallies."""
    table = Table(title=Text(f"{a.title}: ledger through {a.day_label(ledger.through)}"))
    columns = (
        ("day", "planned", "due", "done", "deviations", "exposure")
        if with_plan
        else ("day", "due", "done", "deviations", "exposure")
    )
    for column in columns:
        table.add_column(column, justify="right" if column == "day" else "left")
    for d in ledger.days:
        due = "\n".join(_due_line(e) for e in d.due)
        done = "\n".join(_done_line(e) for e in d.done)
        devs = "\n".join(f"{v.kind} ({v.side or 'both'}, {v.measure()}): {v.note}" for v in d.deviations)
        exposure = " ".join(f"{s} {v:+.3f}" for s, v in d.exposure.items())
        cells = [_day_cell(a, d.day), due, done, devs, exposure]
        if with_plan:
            planned = "\n".join(
                f"{e.side}: {e.count} {e.category}" if e.category else f"{e.rule}" for e in d.planned or []
            )
            cells.insert(1, planned)
        table.add_row(*(Text(c) for c in cells))  # notes name categories and commitments in the file's words
    console.print(table)
    for side, items in ledger.owed.items():
        total = sum(o.count for o in items)
        detail = ", ".join(f"{o.count} {o.category or 'people'} ({o.rule})" for o in items)
        ahead = [n.rule for n in ledger.not_yet_due if n.side in (side, None)]
        later = f"; not yet due: {', '.join(ahead)}" if ahead else ""
        console.print(f"still owed by {side}: {total} people" + (f" ({detail})" if detail else "") + later)
    for n in ledger.not_yet_due:
        console.print(f"not yet due ({n.side or 'both'}): {n.note}", soft_wrap=True)
    for t in ledger.tallies:
        console.print(t.note, soft_wrap=True)


@exchange_app.command("lists")
@guarded
def lists_verb(
    agreement: Path = typer.Argument(..., help="agreement file or folder"),
    synthetic: bool = typer.Option(False, "--synthetic", help="make synthetic test lists (identifiers, no names)"),
    seed: int = typer.Option(0, "--seed", min=0, help="seed for the synthetic identifiers"),
    out: Path | None = typer.Option(None, "--out", help="write the CSV here instead of standard output"),
    json_out: bool = typer.Option(False, "--json", help="the rows as JSON objects on standard output"),
) -> None:
    """Make people lists matching the agreement: synthetic identifiers and categories only."""
    if out is not None:
        check_output(out, (".csv",), [agreement])
    a, _ = load_agreement(agreement)
    if not synthetic:
        raise InputError([Problem("only synthetic lists can be made: pass --synthetic", (), str(agreement))])
    text = people_to_csv(synthetic_lists(a, seed))
    if out is not None:
        write_atomically(out, text)
    if json_out:
        print_json(list(csv.DictReader(io.StringIO(text))))
    elif out is None:
        console.file.write(text)
