"""The HTML brief of a scenario: the tables of ``truce analyze`` and a gap heatmap, in one file."""

from __future__ import annotations

import plotly.graph_objects as go

from truce.analysis.overview import Overview
from truce.analysis.standing import Verdict
from truce.report.html import figure_json, render


def gap_heatmap(o: Overview) -> go.Figure:
    """Rows: issues; columns: proposal x party; cell: utility the term costs that party (blank if open)."""
    s = o.scenario
    columns = [f"{v.proposal.id} / {st.party}" for v in o.proposals for st in v.standings]
    z = [[st.gaps[issue_id] for v in o.proposals for st in v.standings] for issue_id in o.compiled.issues]
    names = [s.issue(i).name for i in o.compiled.issues]
    figure = go.Figure(
        go.Heatmap(
            z=z,
            x=columns,
            y=names,
            colorscale="Greys",
            zmin=0,
            colorbar={"title": {"text": "utility lost"}},
            hovertemplate="%{y}<br>%{x}<br>lost %{z:.3f}<extra></extra>",
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


def brief_html(o: Overview) -> str:
    s = o.scenario
    assumed = [pid for pid in o.compiled.parties if s.preferences[pid].assumption]
    return render(
        "brief.html",
        s=s,
        o=o,
        assumed=assumed,
        verdicts=Verdict,
        heatmap=figure_json(gap_heatmap(o)) if o.compiled.parties and o.proposals else None,
    )
