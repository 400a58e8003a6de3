"""HTML reports of simulations (agreement by day, terms, utilities, cost) and tournaments (agreement, utility, time)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import plotly.graph_objects as go

from truce.model.scenario import Scenario
from truce.report.html import figure_json, render
from truce.simulate import Setup, Summary
from truce.simulate.protocol import TITLES
from truce.simulate.tournament import Table


def simulate_html(
    scenario: Scenario,
    setup: Setup,
    summary: Summary,
    *,
    assumed: list[str],
    seed: int,
    conditions: dict[str, Any] | None = None,
    notes: Sequence[str] = (),
) -> str:
    """A self-contained page: the chance of a deal (and of a breakdown) by each day, the course and the
    uncertainty the runs assumed with their bases, the most frequent terms, utilities and costs. ``notes``: what
    the reader needs to know of how the strategies play this protocol, beside its figures."""
    data = summary.as_json()
    days = list(range(1, len(data["agreement_by_day"]) + 1))
    by_day = go.Figure(
        [
            go.Scatter(x=days, y=data["agreement_by_day"], mode="lines+markers", name="agreed"),
            go.Scatter(x=days, y=data["breakdown_by_day"], mode="lines", name="broken down"),
        ]
    )
    by_day.update_layout(
        xaxis_title="day", yaxis_title="share of runs", yaxis_range=[0, 1], height=360, margin={"t": 20}
    )
    return render(
        "simulate_run.html",
        scenario=scenario,
        setup=setup,
        data=data,
        assumed=assumed,
        seed=seed,
        strategies=[s.label for s in setup.strategies],
        protocol=TITLES[setup.protocol.name],
        by_day=figure_json(by_day),
        conditions=conditions,
        notes=list(notes),
    )


def tournament_html(table: Table, assumed: dict[str, list[str]], complete: bool = False) -> str:
    """A self-contained page: agreement rate by strategy and opponent, utilities, and time to agreement, with
    what they rest on: ``assumed``, each scenario's parties whose preferences are assumptions (by scenario id);
    ``complete``, whether the runs assumed that every side knows the others' preferences."""
    cols = table.columns
    names = sorted(set(cols["strategy"].tolist()))
    opponents = sorted(set(cols["opponents"].tolist()))
    rate = [
        [_mean(cols["agreed"][(cols["strategy"] == s) & (cols["opponents"] == o)]) for o in opponents] for s in names
    ]
    heat = go.Figure(go.Heatmap(z=rate, x=opponents, y=names, zmin=0, zmax=1, colorscale="Blues"))
    heat.update_layout(xaxis_title="opponents", yaxis_title="strategy", height=420, margin={"t": 20})
    utility = go.Figure([go.Box(y=cols["utility"][cols["strategy"] == s].tolist(), name=s) for s in names])
    utility.update_layout(yaxis_title="utility", height=380, margin={"t": 20}, showlegend=False)
    days = go.Figure(
        [
            go.Histogram(x=cols["day"][(cols["strategy"] == s) & cols["agreed"]].tolist(), name=s, opacity=0.6)
            for s in names
        ]
    )
    days.update_layout(
        barmode="overlay", xaxis_title="day of agreement", yaxis_title="runs", height=380, margin={"t": 20}
    )
    return render(
        "simulate_tournament.html",
        rows=table.by_strategy(),
        ranking=table.ranking(),
        by_scenario=table.by_scenario(),
        by_pairing=table.by_pairing(),
        runs=int(cols["run"].max()) + 1 if len(table) else 0,
        scenarios=sorted(set(cols["scenario"].tolist())),
        assumed={scenario: parties for scenario, parties in assumed.items() if parties},
        complete=complete,
        heat=figure_json(heat),
        utility=figure_json(utility),
        days=figure_json(days),
    )


def _mean(values: np.ndarray[Any, Any]) -> float | None:
    return float(values.mean()) if values.size else None
