"""The HTML brief of a scenario: the tables of ``truce analyze`` and a gap heatmap, in one file."""

from __future__ import annotations

import plotly.graph_objects as go

from truce.analysis.bargaining import Bargaining
from truce.analysis.delay import DEFAULT_DELAY_DAYS, cost_of_no_deal
from truce.analysis.overview import Overview
from truce.analysis.rules import describe_rule
from truce.analysis.standing import LEFT_OPEN, NO_POSITION, TOL, Standing, Verdict
from truce.analysis.timeline import STANCE_WORDS, speaker_name, statements_about, timeline
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


_SYMBOLS = {"nash": "star", "kalai_smorodinsky": "diamond", "egalitarian": "square", "utilitarian": "triangle-up"}


def frontier_chart(o: Overview, b: Bargaining) -> go.Figure:
    """The first two parties' utilities: the frontier, every proposal (a partial one as the box of its
    completions) and the solutions, with the reservation values as dashed lines."""
    px, py = b.frontier.parties[:2]
    figure = go.Figure()
    u = b.frontier.utilities
    figure.add_trace(
        go.Scatter(
            x=u[:, 0],
            y=u[:, 1],
            mode="lines+markers",
            name="Pareto frontier",
            line={"shape": "hv"},
            marker={"size": 5, "symbol": "circle-open"},
        )
    )
    for view in o.proposals:
        sx, sy = (next(st for st in view.standings if st.party == party) for party in (px, py))
        x, y = (sx.low + sx.high) / 2, (sy.low + sy.high) / 2
        figure.add_trace(
            go.Scatter(
                x=[x],
                y=[y],
                mode="markers+text",
                text=[view.proposal.id],
                textposition="top center",
                name=view.proposal.title,
                marker={"size": 9, "symbol": "x" if view.complete else "x-open"},
                error_x={"type": "data", "symmetric": True, "array": [(sx.high - sx.low) / 2]},
                error_y={"type": "data", "symmetric": True, "array": [(sy.high - sy.low) / 2]},
            )
        )
    for name, sol in b.solutions.items():
        if sol is not None:
            figure.add_trace(
                go.Scatter(
                    x=[sol.utilities[0]],
                    y=[sol.utilities[1]],
                    mode="markers",
                    name=f"{name} solution",
                    marker={"size": 13, "symbol": _SYMBOLS.get(name, "circle"), "line": {"width": 1}},
                )
            )
    rx, ry = (float(o.compiled.reservation[o.compiled.parties.index(p)]) for p in (px, py))
    figure.add_vline(x=rx, line_dash="dash", annotation_text=f"{px} reservation")
    figure.add_hline(y=ry, line_dash="dash", annotation_text=f"{py} reservation")
    figure.update_layout(
        title=f"Frontier, proposals and solutions ({px} vs {py}; a partial proposal spans its completions)",
        xaxis={"title": f"utility for {px}", "range": [0, 1.02]},
        yaxis={"title": f"utility for {py}", "range": [0, 1.02]},
        height=620,
    )
    return figure


def brief_html(o: Overview, b: Bargaining | None = None, delay_days: int = DEFAULT_DELAY_DAYS) -> str:
    s = o.scenario
    assumed = [pid for pid in o.compiled.parties if s.preferences[pid].assumption]
    return render(
        "brief.html",
        s=s,
        o=o,
        assumed=assumed,
        verdicts=Verdict,
        rules={rule.id: describe_rule(o.compiled, rule) for rule in s.constraints},
        heatmap=figure_json(gap_heatmap(o)) if o.compiled.parties and o.proposals else None,
        frontier=figure_json(frontier_chart(o, b)) if b is not None and len(b.frontier.parties) >= 2 else None,
        timeline=timeline(s),
        statements={p.id: statements_about(s, p.id) for p in s.proposals},
        speaker=lambda st: speaker_name(s, st),
        stance_words=STANCE_WORDS,
        delay_days=delay_days,
        costs=cost_of_no_deal(s, delay_days),
    )
