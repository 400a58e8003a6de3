"""The frontier chart, one module for the service's frontier page and the HTML brief.

Two parties' utilities: the Pareto frontier, the zone of agreement (above both reservation lines and
under the frontier) shaded with a hatch, each party's reservation line, every proposal (a partial one as
the box its completions span) and the bargaining solutions. Each point has its own symbol and a short key
("1", "2" for proposals, "A", "B" for solutions) that the key table beside the chart spells out with the
terms, so that nothing rests on colour. Keys are placed where they overlap no other key (a key that finds
no free place is left off the chart: the table still lists it). Hovering a point shows its terms; clicking
one shows them beside the chart (:data:`SELECT_SCRIPT`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import plotly.graph_objects as go

# Symbols in the order points take them: distinct in shape, so a point is found in the key without colour.
SYMBOLS = (
    "square",
    "diamond",
    "triangle-up",
    "triangle-down",
    "cross",
    "x",
    "pentagon",
    "hexagon",
    "star-triangle-up",
    "hourglass",
    "bowtie",
    "circle-cross",
    "square-x",
    "diamond-cross",
    "triangle-left",
    "triangle-right",
)
SOLUTION_SYMBOLS = {"nash": "star", "kalai_smorodinsky": "star-diamond", "egalitarian": "star-square"}
SOLUTION_NAMES = {
    "nash": "Nash solution",
    "kalai_smorodinsky": "Kalai–Smorodinsky solution",
    "ks": "Kalai–Smorodinsky solution",
    "egalitarian": "egalitarian solution",
    "utilitarian": "utilitarian solution",
}
# Plot area the key placement assumes: a phone-width chart. A wider chart only spreads the keys further apart.
PLOT_PX = (300.0, 300.0)
KEY_PX = (9.0, 16.0)  # width of one character, height of a key, at the font size used
AXIS = (0.0, 1.02)


@dataclass(frozen=True)
class ChartPoint:
    """A proposal or a solution: its key, name, the utilities it spans for the two parties, and its terms."""

    key: str
    name: str
    kind: str  # "proposal" or "solution"
    low: tuple[float, float]
    high: tuple[float, float]
    terms: tuple[tuple[str, str], ...]  # (issue name, term in words), in the scenario's issue order
    symbol: str = "circle"

    @property
    def partial(self) -> bool:
        return self.low != self.high

    @property
    def centre(self) -> tuple[float, float]:
        return ((self.low[0] + self.high[0]) / 2, (self.low[1] + self.high[1]) / 2)


@dataclass(frozen=True)
class FrontierChart:
    """What the chart shows, in words and numbers only (the service and the brief each build one)."""

    parties: tuple[str, str]  # the two parties' names, x axis first
    reservation: tuple[float, float]
    frontier: tuple[tuple[float, float], ...]
    points: tuple[ChartPoint, ...]


def solution_name(name: str) -> str:
    return SOLUTION_NAMES.get(name, f"{name} solution")


def keyed(
    proposals: Sequence[tuple[str, tuple[float, float], tuple[float, float], tuple[tuple[str, str], ...]]],
    solutions: Sequence[tuple[str, tuple[float, float], tuple[tuple[str, str], ...]]],
) -> tuple[ChartPoint, ...]:
    """Points with their keys and symbols: proposals (title, low, high, terms) numbered from 1, then the
    solutions (name, utilities, terms) lettered from A."""
    points = [
        ChartPoint(str(n), title, "proposal", low, high, terms, SYMBOLS[(n - 1) % len(SYMBOLS)])
        for n, (title, low, high, terms) in enumerate(proposals, start=1)
    ]
    points += [
        ChartPoint(
            chr(ord("A") + n), solution_name(name), "solution", u, u, terms, SOLUTION_SYMBOLS.get(name, "star-open")
        )
        for n, (name, u, terms) in enumerate(solutions)
    ]
    return tuple(points)


def zone_outline(chart: FrontierChart) -> tuple[list[float], list[float]] | None:
    """The zone of agreement as a closed outline: from the corner where both reservation lines meet, up
    and along the frontier's staircase (each frontier point dominates the box below and left of it), and
    back down. None when no frontier point is above both reservation lines."""
    rx, ry = chart.reservation
    inside = sorted((x, y) for x, y in chart.frontier if x >= rx - 1e-9 and y >= ry - 1e-9)
    if not inside:
        return None
    xs, ys = [rx, rx], [ry, inside[0][1]]
    for n, (x, y) in enumerate(inside):
        xs.append(x)
        ys.append(y)
        if n + 1 < len(inside):  # down to the next point's height before moving right to it
            xs.append(x)
            ys.append(inside[n + 1][1])
    xs += [inside[-1][0], rx]
    ys += [ry, ry]
    return xs, ys


def _box(anchor: tuple[float, float], text: str, where: tuple[int, int]) -> tuple[float, float, float, float]:
    """The box (x0, y0, x1, y1, in data units) a key takes when written beside ``anchor``, on the side
    ``where`` gives (-1, 0 or 1 for left/centre/right, below/centre/above)."""
    span = AXIS[1] - AXIS[0]
    w = (KEY_PX[0] * len(text) + 4) * span / PLOT_PX[0]
    h = KEY_PX[1] * span / PLOT_PX[1]
    gap = 6 * span / PLOT_PX[0]
    x = anchor[0] + where[0] * (gap + w / 2)
    y = anchor[1] + where[1] * (gap + h / 2)
    return (x - w / 2, y - h / 2, x + w / 2, y + h / 2)


PLACES = ((0, 1), (1, 0), (0, -1), (-1, 0), (1, 1), (-1, 1), (1, -1), (-1, -1))


def _overlap(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def place_keys(
    points: Sequence[ChartPoint],
) -> list[tuple[ChartPoint, tuple[float, float, float, float] | None]]:
    """Each point with the box its key is written in, or None when every place beside it would overlap a
    key already placed. Points at the same place share one key ("1, 3"), written once."""
    groups: dict[tuple[float, float], list[ChartPoint]] = {}
    for p in points:
        groups.setdefault((round(p.centre[0], 3), round(p.centre[1], 3)), []).append(p)
    placed: list[tuple[float, float, float, float]] = []
    out: list[tuple[ChartPoint, tuple[float, float, float, float] | None]] = []
    for anchor, members in groups.items():
        text = ", ".join(m.key for m in members)
        box = None
        for where in PLACES:
            candidate = _box(anchor, text, where)
            inside = candidate[0] >= AXIS[0] and candidate[2] <= AXIS[1] and candidate[3] <= AXIS[1]
            if inside and not any(_overlap(candidate, other) for other in placed):
                box = candidate
                placed.append(box)
                break
        out.append((members[0], box))
        out += [(m, None) for m in members[1:]]
    return out


def key_text(points: Sequence[ChartPoint], first: ChartPoint) -> str:
    """The text of the key written for ``first``: its own key and those of the points at its place."""
    here = (round(first.centre[0], 3), round(first.centre[1], 3))
    return ", ".join(p.key for p in points if (round(p.centre[0], 3), round(p.centre[1], 3)) == here)


def terms_html(point: ChartPoint) -> str:
    """The hover text: the point's key and name, its utilities, then its terms one a line (escaped)."""
    from markupsafe import escape

    head = f"<b>{escape(point.key)}. {escape(point.name)}</b>"
    lines = [f"{escape(issue)}: {escape(term)}" for issue, term in point.terms]
    return "<br>".join([head, *lines])


def frontier_figure(chart: FrontierChart) -> go.Figure:
    """The chart (see the module's docstring); every trace's name says in words what it is."""
    fig = go.Figure()
    _zone(fig, chart)
    _frontier_line(fig, chart)
    for point in chart.points:
        _point(fig, chart, point)
    _reservations(fig, chart)
    _keys(fig, chart)
    px, py = chart.parties
    fig.update_layout(
        xaxis={"title": f"utility for {px}", "range": list(AXIS), "fixedrange": True},
        yaxis={"title": f"utility for {py}", "range": list(AXIS), "fixedrange": True},
        height=520,
        margin={"l": 60, "r": 10, "t": 20, "b": 50},
        showlegend=False,  # the key beside the chart names every point, with its symbol, in words
        hovermode="closest",
        plot_bgcolor="#fff",
    )
    fig.update_xaxes(gridcolor="#ddd", zeroline=False)
    fig.update_yaxes(gridcolor="#ddd", zeroline=False)
    return fig


def _zone(fig: go.Figure, chart: FrontierChart) -> None:
    outline = zone_outline(chart)
    if outline is None:
        return
    fig.add_trace(
        go.Scatter(
            x=outline[0],
            y=outline[1],
            fill="toself",
            mode="lines",
            line={"width": 0},
            fillcolor="rgba(120,120,120,0.18)",
            fillpattern={"shape": "/", "fgcolor": "#777", "size": 10, "solidity": 0.15},
            name="zone of agreement (hatched): above both reservation lines, under the frontier",
            hoverinfo="skip",
        )
    )


def _frontier_line(fig: go.Figure, chart: FrontierChart) -> None:
    front = sorted(chart.frontier)
    fig.add_trace(
        go.Scatter(
            x=[x for x, _ in front],
            y=[y for _, y in front],
            mode="lines+markers",
            line={"shape": "vh", "color": "#333", "width": 1.5},
            marker={"symbol": "circle-open", "size": 5, "color": "#333"},
            name="Pareto frontier (efficient packages)",
            hovertemplate="frontier: %{x:.3f}, %{y:.3f}<extra></extra>",
        )
    )


def _point(fig: go.Figure, chart: FrontierChart, point: ChartPoint) -> None:
    px, py = chart.parties
    if point.partial:  # the box every completion of the partial text lies in
        (x0, y0), (x1, y1) = point.low, point.high
        fig.add_trace(
            go.Scatter(
                x=[x0, x1, x1, x0, x0],
                y=[y0, y0, y1, y1, y0],
                mode="lines",
                line={"dash": "dot", "width": 1, "color": "#555"},
                hoverinfo="skip",
                showlegend=False,
                legendgroup=point.key,
            )
        )
    solution = point.kind == "solution"
    span = " (partial: the dotted box spans its completions)" if point.partial else ""
    fig.add_trace(
        go.Scatter(
            x=[point.centre[0]],
            y=[point.centre[1]],
            mode="markers",
            marker={"symbol": point.symbol, "size": 14 if solution else 11, "line": {"width": 1.5, "color": "#000"}},
            name=f"{point.key}. {point.name}{span}",
            legendgroup=point.key,
            customdata=[[terms_html(point), point.key]],
            hovertemplate="%{customdata[0]}<br>" + f"{px}: {_span(point, 0)}<br>{py}: {_span(point, 1)}<extra></extra>",
        )
    )


def _span(point: ChartPoint, axis: int) -> str:
    low, high = point.low[axis], point.high[axis]
    return f"{low:.3f}" if low == high else f"{low:.3f} to {high:.3f}"


def _reservations(fig: go.Figure, chart: FrontierChart) -> None:
    (px, py), (rx, ry) = chart.parties, chart.reservation
    fig.add_vline(x=rx, line={"dash": "dash", "color": "#000", "width": 1})
    fig.add_hline(y=ry, line={"dash": "dashdot", "color": "#000", "width": 1})
    # each label on the side of its line with more room, so that it stays inside the plot
    side = "left" if rx < 0.5 else "right"
    fig.add_annotation(x=rx, y=AXIS[1], text=f"{px}: reservation", showarrow=False, xanchor=side, yanchor="top")
    fig.add_annotation(x=AXIS[0], y=ry, text=f"{py}: reservation", showarrow=False, xanchor="left", yanchor="bottom")


def _keys(fig: go.Figure, chart: FrontierChart) -> None:
    for point, box in place_keys(chart.points):
        if box is None:
            continue
        fig.add_annotation(
            x=(box[0] + box[2]) / 2,
            y=(box[1] + box[3]) / 2,
            text=f"<b>{key_text(chart.points, point)}</b>",
            showarrow=False,
            font={"size": 12, "color": "#000"},
            bgcolor="rgba(255,255,255,0.85)",
        )


# Clicking a point writes its terms beside the chart, in the element named by data-terms-for (hover is
# no use on a touch screen or to a keyboard user, who finds the same terms in the key table).
SELECT_SCRIPT = """
function truceSelectTerms(chartId) {
  var chart = document.getElementById(chartId);
  var out = document.querySelector('[data-terms-for="' + chartId + '"]');
  if (!chart || !out) { return; }
  chart.on("plotly_click", function (event) {
    var point = event.points[0];
    if (!point || !point.customdata) { return; }
    out.innerHTML = point.customdata[0];
    var row = document.getElementById(chartId + "-key-" + point.customdata[1]);
    if (row) { row.scrollIntoView({block: "nearest"}); }
  });
}
"""


def figure_data(chart: FrontierChart) -> dict[str, Any]:
    """The points of the key table, as the templates show them."""
    return {
        "parties": chart.parties,
        "points": [
            {
                "key": p.key,
                "name": p.name,
                "kind": p.kind,
                "partial": p.partial,
                "low": p.low,
                "high": p.high,
                "terms": p.terms,
                "symbol": p.symbol,
            }
            for p in chart.points
        ],
    }
