"""HTML reports of exchange plans and ledgers: a day-by-day table and a Gantt-style chart."""

from __future__ import annotations

import datetime as dt
from typing import Any

import plotly.graph_objects as go

from truce.exchange.ledger import Ledger
from truce.model.exchange import Agreement, Plan
from truce.report.html import figure_json, render

_COLOURS = ("#1a5fb4", "#c64600", "#26a269", "#9141ac", "#a51d2d", "#986a44", "#5e5c64", "#e5a50a")


def _date(a: Agreement, day: int) -> str:
    return (a.day_one + dt.timedelta(days=day - 1)).isoformat() if a.day_one else ""


def gantt(
    a: Agreement,
    rows: list[tuple[int, str, str, int]],
    commitments: list[tuple[int, int, str]],
    deviations: list[tuple[int, str]] | None = None,
) -> go.Figure:
    """Releases as one-day bars per (side, category) labelled with counts; commitments as spans; deviations."""
    figure = go.Figure()
    lanes = [f"{s.id}: {c.id}" for s in a.sides for c in s.categories]
    for n, lane in enumerate(lanes):
        hits = [(d, cnt) for d, side, cat, cnt in rows if f"{side}: {cat}" == lane]
        if not hits:
            continue
        figure.add_bar(
            x=[1] * len(hits),
            base=[d - 0.5 for d, _ in hits],
            y=[lane] * len(hits),
            orientation="h",
            text=[str(cnt) for _, cnt in hits],
            hovertext=[f"{a.day_label(d)}: {cnt} {lane}" for d, cnt in hits],
            marker_color=_COLOURS[n % len(_COLOURS)],
            textangle=0,
            constraintext="none",
            name=lane,
            showlegend=False,
        )
    for start, end, cid in commitments:
        figure.add_bar(
            x=[end - start + 1],
            base=[start - 0.5],
            y=[f"commitment: {cid}"],
            orientation="h",
            marker_color="#77767b",
            hovertext=[f"{cid}: {a.day_label(start)}" + (f" to {a.day_label(end)}" if end != start else "")],
            showlegend=False,
        )
    for day, note in deviations or []:
        figure.add_scatter(
            x=[day],
            y=["deviations"],
            mode="markers",
            marker={"symbol": "x", "size": 12, "color": "#a51d2d"},
            hovertext=[note],
            hoverinfo="text",
            showlegend=False,
        )
    figure.update_layout(
        barmode="overlay",
        height=180 + 28 * (len(lanes) + len(commitments)),
        margin={"l": 10, "r": 10, "t": 30, "b": 40},
        xaxis_title="day",
        yaxis={"autorange": "reversed"},
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
            "date": _date(a, d.day),
            "releases": [(r.side, r.category, r.count, ", ".join(r.settles)) for r in d.releases],
            "commitments": list(d.commitments),
        }
        for d in plan.days
    ]
    return render("exchange_plan.html", agreement=a, plan=plan, table=table, figure=figure_json(figure))


def ledger_report(a: Agreement, ledger: Ledger) -> str:
    rows = [(d.day, e.side or "", e.category or "", e.count) for d in ledger.days for e in d.done if e.category]
    done_commitments = [(d.day, d.day, e.rule) for d in ledger.days for e in d.done if not e.category]
    marks = [
        (d.day, f"{a.day_label(d.day)}: {v.kind} ({v.size:g}{' ' + v.unit if v.unit else ''}): {v.note}")
        for d in ledger.days
        for v in d.deviations
    ]
    figure = gantt(a, rows, done_commitments, marks)
    table = [
        {
            "day": d.day,
            "date": _date(a, d.day),
            "due": [(e.side or "both", e.category or "", e.count, e.label) for e in d.due],
            "done": [(e.side or "both", e.category or "", e.count, e.rule) for e in d.done],
            "deviations": d.deviations,
            "exposure": d.exposure,
            "planned": None
            if d.planned is None
            else [(e.side or "both", e.category or "", e.count, e.rule) for e in d.planned],
        }
        for d in ledger.days
    ]
    return render("exchange_ledger.html", agreement=a, ledger=ledger, table=table, figure=figure_json(figure))
