"""Rich tables for the terminal: the overview of a scenario and the diffs of its proposals."""

from __future__ import annotations

from collections.abc import Sequence

from rich.table import Table
from rich.text import Text

from truce.analysis.diff import Change
from truce.analysis.overview import Overview
from truce.analysis.standing import Standing, Verdict
from truce.cli.common import console, styled
from truce.model.scenario import Issue, Term

_MARK = {Verdict.yes: "yes", Verdict.no: "NO", Verdict.depends: "depends"}


def utility_text(s: Standing) -> str:
    return f"{s.low:.2f}" if abs(s.high - s.low) < 1e-9 else f"{s.low:.2f}-{s.high:.2f}"


def show_overview(o: Overview) -> None:
    s = o.scenario
    console.print(styled((s.title, "bold"), f"  ({s.id})"))
    assumed = [pid for pid in o.compiled.parties if s.preferences[pid].assumption]
    if assumed:
        said = f"Preferences of {', '.join(assumed)} are illustrative assumptions, not the parties' own."
        console.print(styled((said, "yellow")))
    if s.assumptions:
        console.print(styled(("Assumptions:", "yellow"), f" {s.assumptions.strip()}"), soft_wrap=True)
    if not o.compiled.parties:
        console.print("No party has preferences in this scenario: nothing to analyse.")
        return
    table = Table(title="Proposals: utility (0-1), acceptable?, biggest gap", title_justify="left")
    table.add_column("proposal")
    table.add_column("date")
    table.add_column("tabled by")
    for party in o.compiled.parties:
        table.add_column(party)
    for view in o.proposals:
        p = view.proposal
        cells = []
        for st in view.standings:
            gap = st.biggest_gap
            gap_text = ("\n", (f"gap: {s.issue(gap).name}", "dim")) if gap else ()
            cells.append(styled(f"{utility_text(st)} (r {st.reservation:.2f}) {_MARK[st.acceptable]}", *gap_text))
        title = p.id if view.complete else styled(f"{p.id} ", ("(partial)", "dim"))
        table.add_row(title, p.date.isoformat(), ", ".join(p.tabled_by), *cells)
    console.print(table)
    console.print(styled(("How fragile each verdict is", "bold")))
    for view in o.proposals:
        for st, f in zip(view.standings, view.fragility, strict=True):
            console.print(f"  {view.proposal.id}, {st.party} ({_MARK[st.acceptable]}): {f.text}", soft_wrap=True)

    sticking = Table(title="Sticking points (most contested first)", title_justify="left")
    sticking.add_column("issue")
    sticking.add_column("tension", justify="right")
    for party in o.compiled.parties:
        sticking.add_column(f"{party} prefers")
    sticking.add_column("least-loss option")
    for sp in o.sticking:
        issue = s.issue(sp.issue)
        sticking.add_row(
            issue.name,
            f"{sp.tension:.3f}",
            *(_preferred_text(issue, sp.preferred[party]) for party in o.compiled.parties),
            sp.compromise_text(issue),
        )
    if o.sticking:  # none with one side's preferences alone
        console.print(sticking)
    for sp in o.sticking:
        if sp.note:
            console.print(f"  {s.issue(sp.issue).name}: {sp.note}", soft_wrap=True)

    for view in o.proposals:
        if view.changes:
            show_changes(f"{view.proposal.parent} -> {view.proposal.id}", view.changes)


def _preferred_text(issue: Issue, term: Term | None) -> Text | str:
    return styled(("no stated position", "dim")) if term is None else issue.label(term)


def show_changes(title: str, changes: Sequence[Change]) -> None:
    if not changes:
        console.print(f"{title}: no change")
        return
    console.print(styled((title, "bold")))
    for change in changes:
        effect = ", ".join(
            f"{party} {'no stated position' if delta is None else f'{delta:+.3f}'}"
            for party, delta in change.effect.items()
            if delta is None or abs(delta) > 1e-9
        )
        said = f"  {change.text}"
        console.print(styled(f"{said}  ", (f"({effect})", "dim")) if effect else said, soft_wrap=True)


def show_rules_and_readings(o: Overview) -> None:
    """The package rules each text breaks, and each contested text under every reading of it."""
    s = o.scenario
    for view in o.proposals:
        for breach in view.rules:
            verb = "breaks" if breach.broken else "could break, once its open issues are settled,"
            said = f"{view.proposal.id} {verb} package rule {breach.rule}:"
            console.print(styled((said, "red"), f" {breach.text}"), soft_wrap=True)
        for reading_view in view.readings:
            for breach in reading_view.rules:
                verb = "breaks" if breach.broken else "could break"
                said = (
                    f"{view.proposal.id} as read by {reading_view.holder} ({reading_view.reading.id}) {verb} "
                    f"package rule {breach.rule}:"
                )
                console.print(styled((said, "red"), f" {breach.text}"), soft_wrap=True)
    contested = [view for view in o.proposals if view.readings]
    if not contested:
        return
    console.print(styled(("Contested readings", "bold"), " (the terms as each party or source reads the text)"))
    for view in contested:
        console.print(f"  {view.proposal.id} ({view.proposal.title})", soft_wrap=True)
        for r in view.readings:
            asserts = "; ".join(f"{s.issue(k).name}: {s.issue(k).label(t)}" for k, t in r.reading.terms.items())
            console.print(f"    {r.reading.id}, as read by {r.holder}: {asserts}", soft_wrap=True)
            for st, f in zip(r.standings, r.fragility, strict=True):
                said = f"      {st.party} {utility_text(st)} {_MARK[st.acceptable]}: "
                console.print(styled(said, (f.text, "dim")), soft_wrap=True)
        for party in o.compiled.parties:
            if view.depends_on_reading(party):
                said = f"{party}: the verdict depends on the reading:"
                console.print(styled("    ", (said, "yellow"), f" {view.verdict_text(party)}"), soft_wrap=True)


def show_home(o: Overview) -> None:
    """Ratification at home: for each text, whether each side's rule ratifies it and who blocks it."""
    homes = [(view, h) for view in o.proposals for h in view.home]
    if not homes:
        return
    console.print(styled(("Ratification at home", "bold"), " (who must approve before a side can accept)"))
    for view, h in homes:
        mark = _MARK[h.verdict]
        console.print(f"  {view.proposal.id}, {h.party} ({mark}): {h.text()}", soft_wrap=True)
        console.print(f"    how fragile: {h.fragility.text(h.verdict)}", soft_wrap=True)
    assumed = sorted({m.name for _, h in homes for m in h.members if m.assumption})
    if assumed:
        said = f"The preferences or red lines of {', '.join(assumed)} are assumptions (see their sources)."
        console.print(styled((said, "yellow")), soft_wrap=True)
