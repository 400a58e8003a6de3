"""The HTML brief of a scenario: the tables of ``truce analyze`` and a gap heatmap, in one file."""

from __future__ import annotations

from collections.abc import Mapping

import plotly.graph_objects as go

from truce.analysis.bargaining import Bargaining
from truce.analysis.delay import DEFAULT_DELAY_DAYS, cost_of_no_deal
from truce.analysis.overview import Overview
from truce.analysis.rules import describe_rule
from truce.analysis.standing import LEFT_OPEN, NO_POSITION, TOL, Standing, Verdict
from truce.analysis.timeline import STANCE_WORDS, speaker_name, statements_about, timeline
from truce.model.scenario import Term
from truce.report.frontier_chart import SELECT_SCRIPT, FrontierChart, figure_data, frontier_figure, keyed
from truce.report.html import figure_json, render


def gap_label(st: Standing, issue_id: str) -> str:
    """What a heatmap cell says in words, so that "met" and "no stated position" never rest on colour."""
    gap = st.gaps[issue_id]
    if gap is None:
        return {NO_POSITION: "no position"}.get(st.gap_notes.get(issue_id, LEFT_OPEN), "open")
    return "met" if gap <= TOL else f"{gap:.3f}"


def gap_heatmap(o: Overview) -> go.Figure:
    """Rows: issues; columns: proposal x party; cell: utility the term costs that party, labelled "met" when
    nothing is lost, and blank but labelled "open" or "no position" where there is no gap to measure."""
    s = o.scenario
    columns = [f"{v.proposal.id} / {st.party}" for v in o.proposals for st in v.standings]
    z = [[st.gaps[issue_id] for v in o.proposals for st in v.standings] for issue_id in o.compiled.issues]
    text = [[gap_label(st, issue_id) for v in o.proposals for st in v.standings] for issue_id in o.compiled.issues]
    names = [s.issue(i).name for i in o.compiled.issues]
    figure = go.Figure(
        go.Heatmap(
            z=z,
            x=columns,
            y=names,
            text=text,
            texttemplate="%{text}",
            textfont={"size": 9},
            colorscale="Greys",
            zmin=0,
            colorbar={"title": {"text": "utility lost"}},
            hovertemplate="%{y}<br>%{x}<br>%{text}<extra></extra>",
        )
    )
    figure.update_layout(
        title="Gap by issue: what each proposal's term costs each party against its ideal",
        height=max(320, 34 * len(names) + 160),
        margin={"l": 220, "b": 160},
        xaxis={"tickangle": -45},
        yaxis={"autorange": "reversed"},
    )
    return figure


def frontier_chart(o: Overview, b: Bargaining) -> FrontierChart:
    """The frontier chart of the first two parties (:mod:`truce.report.frontier_chart`, as the service
    draws it): the frontier, the zone of agreement, the reservation lines, the proposals and solutions."""
    s = o.scenario
    px, py = b.frontier.parties[:2]
    names = {p.id: p.name for p in s.parties}

    def words(terms: Mapping[str, Term]) -> tuple[tuple[str, str], ...]:
        return tuple((i.name, i.label(terms[i.id]) if i.id in terms else "open") for i in s.issues)

    proposals = []
    for view in o.proposals:
        sx, sy = (next(st for st in view.standings if st.party == party) for party in (px, py))
        terms = words(s.terms_of(view.proposal.id))
        proposals.append((view.proposal.title, (sx.low, sy.low), (sx.high, sy.high), terms))
    solutions = [
        (name, (float(sol.utilities[0]), float(sol.utilities[1])), words(b.compiled.decode(sol.outcome)))
        for name, sol in b.solutions.items()
        if sol is not None
    ]
    rx, ry = (float(o.compiled.reservation[o.compiled.parties.index(p)]) for p in (px, py))
    return FrontierChart(
        parties=(names.get(px, px), names.get(py, py)),
        reservation=(rx, ry),
        frontier=tuple((float(u[0]), float(u[1])) for u in b.frontier.utilities),
        points=keyed(proposals, solutions),
    )


def brief_html(o: Overview, b: Bargaining | None = None, delay_days: int = DEFAULT_DELAY_DAYS) -> str:
    s = o.scenario
    assumed = [pid for pid in o.compiled.parties if s.preferences[pid].assumption]
    chart = frontier_chart(o, b) if b is not None and len(b.frontier.parties) >= 2 else None
    return render(
        "brief.html",
        s=s,
        o=o,
        assumed=assumed,
        verdicts=Verdict,
        rules={rule.id: describe_rule(o.compiled, rule) for rule in s.constraints},
        heatmap=figure_json(gap_heatmap(o)) if o.compiled.parties and o.proposals else None,
        frontier=chart and figure_json(frontier_figure(chart)),
        frontier_key=chart and figure_data(chart),
        select_script=SELECT_SCRIPT,
        timeline=timeline(s),
        statements={p.id: statements_about(s, p.id) for p in s.proposals},
        speaker=lambda st: speaker_name(s, st),
        stance_words=STANCE_WORDS,
        delay_days=delay_days,
        costs=cost_of_no_deal(s, delay_days),
    )
