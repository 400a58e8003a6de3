"""The frontier page's chart and key, built from the frontier view (mediators only: it holds every party's
utilities). The chart itself is :mod:`truce.report.frontier_chart`, the one the HTML brief shows too."""

from __future__ import annotations

from typing import Any

from truce.analysis.tabled import Tabled, tabled_terms
from truce.model.scenario import Scenario
from truce.report.frontier_chart import FrontierChart, figure_data, frontier_figure, keyed
from truce.report.html import figure_json
from truce.service.views import State, frontier_view


def terms_in_words(scenario: Scenario, terms: dict[str, Any]) -> tuple[tuple[str, str], ...]:
    """(issue name, term in words) in the scenario's issue order; an issue the terms leave out reads "open"."""
    return tuple((i.name, i.label(terms[i.id]) if i.id in terms else "open") for i in scenario.issues)


def _only_read(tabled: Tabled, issue_id: str, terms: dict[str, Any]) -> str:
    """Whose readings alone put the term on the table ("tabled only in ... as read by ..."), or ``''``."""
    return tabled.only_read_note(issue_id, terms[issue_id]).strip() if issue_id in terms else ""


def frontier_chart(state: State) -> FrontierChart | None:
    """The chart of the first two parties with preferences (None with fewer than two)."""
    data = frontier_view(state)
    if len(data["parties"]) < 2:
        return None
    s, c = state.scenario, state.compiled
    a, b = data["parties"][:2]
    names = {p.id: p.name for p in s.parties}
    proposals = [
        (
            s.proposal(p["id"]).title,
            (p["low"][a], p["low"][b]),
            (p["high"][a], p["high"][b]),
            terms_in_words(s, s.terms_of(p["id"])),
        )
        for p in data["proposals"]
    ]
    solutions = [
        (name, (sol["utilities"][a], sol["utilities"][b]), terms_in_words(s, sol["terms"]))
        for name, sol in data["solutions"].items()
        if sol is not None
    ]
    reservation = tuple(float(c.reservation[c.parties.index(p)]) for p in (a, b))
    return FrontierChart(
        parties=(names.get(a, a), names.get(b, b)),
        reservation=(reservation[0], reservation[1]),
        frontier=tuple((f["utilities"][a], f["utilities"][b]) for f in data["frontier"]),
        points=keyed(proposals, solutions),
    )


def frontier_page_data(state: State) -> dict[str, Any]:
    """What the frontier page shows: the chart (as JSON for plotly), its key, and the solutions' terms as
    a table (issues as rows, in the scenario's order). Made once per version of the talks."""

    def make() -> dict[str, Any]:
        chart = frontier_chart(state)
        if chart is None:
            return {"figure": None, "key": None, "solution_terms": None}
        key = figure_data(chart)
        solutions = [p for p in key["points"] if p["kind"] == "solution"]
        found = [sol for sol in frontier_view(state)["solutions"].values() if sol is not None]
        tabled = state.memo.get("tabled", lambda: tabled_terms(state.scenario))
        rows = [
            {
                "issue": issue.name,
                "cells": [
                    {
                        "text": dict(p["terms"])[issue.name],
                        "untabled": issue.id in sol["untabled"],
                        # a term one side's reading alone holds is its account of a text, not the text
                        "only_read": _only_read(tabled, issue.id, sol["terms"]),
                    }
                    for p, sol in zip(solutions, found, strict=True)
                ],
            }
            for issue in state.scenario.issues
        ]
        return {"figure": figure_json(frontier_figure(chart)), "key": key, "solution_terms": rows}

    return state.memo.get("frontier_page", make)
