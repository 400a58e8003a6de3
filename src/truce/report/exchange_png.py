"""PNG Gantt-style charts of exchange plans and ledgers (``--report FILE.png``).

Drawn with matplotlib's Agg canvas, never a display. The figure has a fixed size and resolution and
the file carries no software or time stamp, so the same plan (or ledger) always gives the same bytes.
Nothing depends on colour alone: each side has its own hatching, commitments and deviations their own
markers, releases carry their counts and deviations are numbered and listed under the chart.
"""

from __future__ import annotations

import io
import textwrap
from dataclasses import dataclass, field

import matplotlib.style
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from truce.exchange.ledger import Ledger
from truce.model.exchange import Agreement, Plan

WIDTH_IN, HEIGHT_IN, DPI = 16.0, 10.0, 100
SIZE_PX = (int(WIDTH_IN * DPI), int(HEIGHT_IN * DPI))
MAX_LISTED = 12  # deviations listed under the chart; the rest are counted

# (fill, hatch) per side, in the agreement's order; the hatching alone tells them apart.
_SIDE_STYLE = (("#a8c8f0", "///"), ("#f5c08a", "\\\\\\"))
_COMMITMENT_STYLE = ("#d0d0d0", "..")
_INK = "#202020"


@dataclass
class _Chart:
    title: str
    releases: list[tuple[int, str, str, int]] = field(default_factory=list)  # day, side, category, count
    spans: list[tuple[int, int, str]] = field(default_factory=list)  # first day, last day, commitment
    span_label: str = "commitment due (bar: to its deadline)"
    due: list[tuple[int, str]] = field(default_factory=list)  # day, commitment (hollow marker)
    deviations: list[tuple[int, str]] = field(default_factory=list)  # day, text
    last_day: int = 1


def plan_png(a: Agreement, plan: Plan) -> bytes:
    """The plan as a PNG: per day the releases of each side by category, and the commitments due."""
    chart = _Chart(f"{a.title}\nplan (objective: {plan.objective}, value {plan.objective_value})")
    merged: dict[tuple[int, str, str], int] = {}
    for d in plan.days:
        for r in d.releases:
            merged[d.day, r.side, r.category] = merged.get((d.day, r.side, r.category), 0) + r.count
    chart.releases = [(day, side, cat, n) for (day, side, cat), n in merged.items()]
    deadline = {c.id: c.by_day for c in a.commitments}
    chart.spans = [(d.day, max(d.day, deadline.get(cid) or d.day), cid) for d in plan.days for cid in d.commitments]
    chart.last_day = max([a.days, *(d.day for d in plan.days), *(end for _, end, _ in chart.spans)])
    return _draw(a, chart)


def ledger_png(a: Agreement, ledger: Ledger) -> bytes:
    """The ledger as a PNG: what was released and done each day, commitments due, deviations marked."""
    chart = _Chart(f"{a.title}\nledger through {a.day_label(ledger.through)}", span_label="commitment done")
    ids = [c.id for c in a.commitments]
    for d in ledger.days:
        for e in d.done:
            if e.category:
                chart.releases.append((d.day, e.side or "", e.category, e.count))
            else:
                chart.spans.append((d.day, d.day, e.rule))
        for e in d.due:
            if e.category is None and e.rule in ids:
                chart.due.append((d.day, e.rule))
        for v in d.deviations:
            who = f"{v.side}, " if v.side else ""
            chart.deviations.append((d.day, f"{a.day_label(d.day)}: {v.kind} ({who}{v.measure()}): {v.note}"))
    chart.last_day = max([a.days, ledger.through, *(d.day for d in ledger.days)])
    return _draw(a, chart)


NOTE_WIDTH = 190  # characters a line of the notes under the chart holds within the figure's width


def _note_lines(chart: _Chart) -> list[str]:
    """The deviations listed under the chart, numbered, each wrapped to the figure's width (a note naming
    categories in the agreement's words runs long), then how many more were left out."""
    lines: list[str] = []
    for n, (_, note) in enumerate(chart.deviations[:MAX_LISTED], 1):
        lines += textwrap.wrap(f"{n}. {note}", NOTE_WIDTH, subsequent_indent="    ")
    if len(chart.deviations) > MAX_LISTED:
        lines.append(f"... and {len(chart.deviations) - MAX_LISTED} more (see the HTML report or --json)")
    return lines


def _draw(a: Agreement, chart: _Chart) -> bytes:
    lanes = [(s.id, c.id) for s in a.sides for c in s.categories]
    commitments = [c.id for c in a.commitments]
    labels = [f"{side}: {cat}" for side, cat in lanes] + [f"commitment: {c}" for c in commitments]
    if chart.deviations:
        labels.append("deviations")
    row = {lane: n for n, lane in enumerate(lanes)}
    crow = {c: len(lanes) + n for n, c in enumerate(commitments)}
    style = {s.id: _SIDE_STYLE[n % len(_SIDE_STYLE)] for n, s in enumerate(a.sides)}

    with matplotlib.style.context("default"), matplotlib.rc_context({"font.family": "DejaVu Sans", "font.size": 9}):
        figure = Figure(figsize=(WIDTH_IN, HEIGHT_IN), dpi=DPI, layout="constrained")
        FigureCanvasAgg(figure)
        listed = _note_lines(chart)
        if listed:
            grid = figure.add_gridspec(2, 1, height_ratios=[len(labels) + 2, 0.55 * len(listed) + 0.5])
            ax = figure.add_subplot(grid[0])
            notes = figure.add_subplot(grid[1])
        else:
            ax, notes = figure.add_subplot(), None
        # the agreement's words are text: "$" in a title or a category's name is no mathematics to typeset
        figure.suptitle(chart.title, fontsize=11, parse_math=False)

        for day, side, cat, count in sorted(chart.releases):
            y = row.get((side, cat))
            if y is None:
                continue
            fill, hatch = style[side]
            ax.barh(y, 1, left=day - 0.5, height=0.7, color=fill, hatch=hatch, edgecolor=_INK, linewidth=0.6)
            ax.text(day, y, str(count), ha="center", va="center", fontsize=7, bbox=_LABEL_BOX)
        fill, hatch = _COMMITMENT_STYLE
        for start, end, cid in sorted(chart.spans):
            if cid in crow:
                width, left = end - start + 1, start - 0.5
                ax.barh(crow[cid], width, left=left, height=0.5, color=fill, hatch=hatch, edgecolor=_INK)
        for day, cid in sorted(chart.due):
            ax.plot([day], [crow[cid]], marker="D", markersize=7, markerfacecolor="white", markeredgecolor=_INK)
        _mark_deviations(ax, chart.deviations, len(labels) - 1)

        _axes(ax, a, labels, chart.last_day, len(lanes))
        ax.legend(handles=_legend(a, chart), loc="upper center", bbox_to_anchor=(0.5, -0.07), ncols=5, frameon=False)
        if notes is not None:
            notes.axis("off")
            notes.text(0, 1, "\n".join(listed), va="top", ha="left", fontsize=9, linespacing=1.4, parse_math=False)

        out = io.BytesIO()
        figure.savefig(out, format="png", dpi=DPI, metadata={"Software": None})
    return out.getvalue()


_LABEL_BOX = {"boxstyle": "square,pad=0.15", "facecolor": "white", "edgecolor": "none", "alpha": 0.9}


def _mark_deviations(ax: Axes, deviations: list[tuple[int, str]], y: int) -> None:
    """One cross per deviation on the deviations lane, numbered as in the list under the chart."""
    per_day: dict[int, list[int]] = {}
    for n, (day, _) in enumerate(deviations, 1):
        per_day.setdefault(day, []).append(n)
    for day, numbers in sorted(per_day.items()):
        ax.plot([day], [y], marker="X", markersize=10, color=_INK, linestyle="none")
        label = ",".join(str(n) for n in numbers[:4]) + ("..." if len(numbers) > 4 else "")
        ax.text(day + 0.35, y, label, ha="left", va="center", fontsize=8, fontweight="bold")


def _axes(ax: Axes, a: Agreement, labels: list[str], last_day: int, categories: int) -> None:
    ax.set_ylim(len(labels) - 0.5, -0.5)
    ax.set_yticks(range(len(labels)), labels, fontsize=8)
    ax.set_xlim(0.5, last_day + 0.5)
    ticks = list(range(1, last_day + 1)) if last_day <= 21 else [1, *range(7, last_day + 1, 7)]
    ax.set_xticks(ticks)
    ax.set_xticks(range(1, last_day + 1), minor=True)
    ax.grid(axis="x", which="major", color="#909090", linewidth=0.6)
    ax.grid(axis="x", which="minor", color="#e0e0e0", linewidth=0.4)
    ax.set_axisbelow(True)
    ax.set_xlabel("day" + (f" (day 1 = {a.date(1)})" if a.day_one else ""))
    for y in (len(a.sides[0].categories) - 0.5, categories - 0.5):
        ax.axhline(y, color=_INK, linewidth=0.8)
    if a.day_one:
        top = ax.secondary_xaxis("top")
        top.set_xticks(ticks, [a.date(t) for t in ticks], fontsize=7)


def _legend(a: Agreement, chart: _Chart) -> list[Patch | Line2D]:
    handles: list[Patch | Line2D] = []
    for n, s in enumerate(a.sides):
        fill, hatch = _SIDE_STYLE[n % len(_SIDE_STYLE)]
        handles.append(Patch(facecolor=fill, hatch=hatch, edgecolor=_INK, label=f"released by {s.id} (count)"))
    fill, hatch = _COMMITMENT_STYLE
    handles.append(Patch(facecolor=fill, hatch=hatch, edgecolor=_INK, label=chart.span_label))
    if chart.due:
        diamond = Line2D([], [], marker="D", linestyle="none", markerfacecolor="white", markeredgecolor=_INK)
        diamond.set_label("commitment due")
        handles.append(diamond)
    if chart.deviations:
        handles.append(Line2D([], [], marker="X", linestyle="none", color=_INK, label="deviation (numbered below)"))
    return handles
