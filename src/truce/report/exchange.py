"""HTML reports of exchange plans and ledgers: a day-by-day table and a Gantt-style chart."""

from __future__ import annotations

from typing import Any

import plotly.graph_objects as go

from truce.exchange.ledger import Ledger
from truce.model.exchange import Agreement, Category, Plan, Side
from truce.report.html import figure_json, render

_COLOURS = ("#1a5fb4", "#c64600", "#26a269", "#9141ac", "#a51d2d", "#986a44", "#5e5c64", "#e5a50a")


# Fill patterns, one per side, so that a lane's side reads without colour (the lane's label names it too).
_PATTERNS = ("/", ".", "x", "\\", "+", "-")


def gantt(
    a: Agreement,
    rows: list[tuple[int, str, str, int]],
    commitments: list[tuple[int, int, str]],
    deviations: list[tuple[int, str]] | None = None,
) -> go.Figure:
    """Releases as one-day bars per (side, category) labelled with counts; commitments as spans; deviations.
    Lanes are named in words and each side's bars carry its own hatch, so colour only adds contrast."""
    figure = go.Figure()
    lanes = [(s, c) for s in a.sides for c in s.categories]
    _release_bars(figure, a, rows, lanes)
    for start, end, cid in commitments:
        figure.add_bar(
            x=[end - start + 1],
            base=[start - 0.5],
            y=[f"commitment: {cid}"],
            orientation="h",
            marker={"color": "#d0d0d0", "line": {"color": "#000", "width": 1}},
            hovertext=[f"{cid}: {a.day_label(start)}" + (f" to {a.day_label(end)}" if end != start else "")],
            hoverinfo="text",
            name="commitment (grey outlined span)",
            legendgroup="commitment",
            showlegend=(start, end, cid) == commitments[0],
        )
    marks = deviations or []
    for day, note in marks:
        figure.add_scatter(
            x=[day],
            y=["deviations"],
            mode="markers",
            marker={"symbol": "x", "size": 12, "color": "#a51d2d"},
            hovertext=[note],
            hoverinfo="text",
            name="deviation (×)",
            legendgroup="deviation",
            showlegend=(day, note) == marks[0],
        )
    figure.update_layout(
        barmode="overlay",
        height=220 + 28 * (len(lanes) + len(commitments)),
        margin={"l": 10, "r": 10, "t": 30, "b": 40},
        xaxis_title="day",
        yaxis={"autorange": "reversed", "automargin": True},
        legend={"orientation": "h", "y": -0.2},
    )
    return figure


def _release_bars(
    figure: go.Figure, a: Agreement, rows: list[tuple[int, str, str, int]], lanes: list[tuple[Side, Category]]
) -> None:
    """One lane per (side, category) with releases: one-day bars labelled with counts, hatched by side."""
    shown: set[str] = set()
    for n, (side, cat) in enumerate(lanes):
        lane = f"{side.name}: {cat.name or cat.id}"
        hits = [(d, cnt) for d, s, c, cnt in rows if (s, c) == (side.id, cat.id)]
        if not hits:
            continue
        hatch = _PATTERNS[[s.id for s in a.sides].index(side.id) % len(_PATTERNS)]
        figure.add_bar(
            x=[1] * len(hits),
            base=[d - 0.5 for d, _ in hits],
            y=[lane] * len(hits),
            orientation="h",
            text=[str(cnt) for _, cnt in hits],
            hovertext=[f"{a.day_label(d)}: {cnt} released, {lane}" for d, cnt in hits],
            hoverinfo="text",
            marker={
                "color": _COLOURS[n % len(_COLOURS)],
                "pattern": {"shape": hatch, "fgcolor": "#000", "solidity": 0.3},
            },
            textangle=0,
            constraintext="none",
            name=f"released by {side.name} (hatch {hatch})",
            legendgroup=side.id,
            showlegend=side.id not in shown,
        )
        shown.add(side.id)


_DASHES = ("solid", "dash", "dot", "dashdot")
_MARKS = ("circle", "square", "diamond", "triangle-up")


def exposure_figure(a: Agreement, ledger: Ledger) -> go.Figure:
    """Each side's exposure by day (the share it has delivered beyond the share it has received), one line
    per side told apart by its dash and marker and named in the legend; the agreed limit, if any, dashed."""
    figure = go.Figure()
    names = {s.id: s.name for s in a.sides}
    for n, side in enumerate(s.id for s in a.sides):
        days = [d for d in ledger.days if side in d.exposure]
        figure.add_scatter(
            x=[d.day for d in days],
            y=[d.exposure[side] for d in days],
            mode="lines+markers",
            line={"dash": _DASHES[n % len(_DASHES)], "color": "#000" if n == 0 else "#555"},
            marker={"symbol": _MARKS[n % len(_MARKS)], "size": 7},
            name=f"exposure of {names[side]}",
            hovertemplate=f"{names[side]}: %{{y:.3f}} on day %{{x}}<extra></extra>",
        )
    if a.exposure_limit is not None:
        figure.add_hline(y=a.exposure_limit, line={"dash": "longdash", "color": "#000"})
        figure.add_annotation(
            xref="paper", x=1, y=a.exposure_limit, text="agreed limit", showarrow=False, xanchor="right"
        )
    figure.update_layout(
        height=300,
        margin={"l": 10, "r": 10, "t": 20, "b": 40},
        xaxis_title="day",
        yaxis={"title": "exposure (share)", "rangemode": "tozero", "automargin": True},
        legend={"orientation": "h", "y": -0.3},
        plot_bgcolor="#fff",
    )
    return figure


def plan_report(a: Agreement, plan: Plan) -> str:
    rows = [(d.day, r.side, r.category, r.count) for d in plan.days for r in d.releases]
    merged: dict[tuple[int, str, str], int] = {}
    for day, side, cat, cnt in rows:
        merged[day, side, cat] = merged.get((day, side, cat), 0) + cnt
    spans = []
    deadline = {c.id: c.by_day for c in a.commitments}
    for d in plan.days:
        for cid in d.commitments:
            spans.append((d.day, max(d.day, deadline.get(cid) or d.day), cid))
    figure = gantt(a, [(d, s, c, n) for (d, s, c), n in merged.items()], spans)
    table: list[dict[str, Any]] = [
        {
            "day": d.day,
            "date": a.date(d.day),
            "releases": [(r.side, r.category, r.count, ", ".join(r.settles)) for r in d.releases],
            "commitments": list(d.commitments),
        }
        for d in plan.days
    ]
    return render("exchange_plan.html", agreement=a, plan=plan, table=table, figure=figure_json(figure))


def ledger_report(a: Agreement, ledger: Ledger) -> str:
    rows = [(d.day, e.side or "", e.category or "", e.count) for d in ledger.days for e in d.done if e.category]
    # recurring days are no commitment done (a day recorded not kept is one too): the PNG leaves them out alike
    ids = {c.id for c in a.commitments}
    done_commitments = [(d.day, d.day, e.rule) for d in ledger.days for e in d.done if e.rule in ids]
    marks = [
        (d.day, f"{a.day_label(d.day)}: {v.kind} ({v.measure()}): {v.note}") for d in ledger.days for v in d.deviations
    ]
    figure = gantt(a, rows, done_commitments, marks)
    table = [
        {
            "day": d.day,
            "date": a.date(d.day),
            "due": [(e.side or "both", e.category or "", e.count, e.label) for e in d.due],
            "done": [(e.side or "", e.category or "", e.count, e.rule, e.counted) for e in d.done],
            "deviations": d.deviations,
            "exposure": d.exposure,
            "planned": None
            if d.planned is None
            else [(e.side or "both", e.category or "", e.count, e.rule) for e in d.planned],
        }
        for d in ledger.days
    ]
    return render("exchange_ledger.html", agreement=a, ledger=ledger, table=table, figure=figure_json(figure))
