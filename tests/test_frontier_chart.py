"""The shared frontier chart: its zone of agreement, its keys that never overlap, its terms on hover."""

from __future__ import annotations

import itertools
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from truce.report.frontier_chart import (
    ChartPoint,
    FrontierChart,
    frontier_figure,
    keyed,
    place_keys,
    terms_html,
    zone_outline,
)

ROOT = Path(__file__).resolve().parents[1]
TERMS = (("Corridor", "troops stay"), ("Aid <trucks>", "600 a day"))


def chart(points: tuple[ChartPoint, ...] = ()) -> FrontierChart:
    return FrontierChart(("Side A", "Side B"), (0.4, 0.3), ((0.2, 0.9), (0.5, 0.8), (0.7, 0.6), (0.9, 0.2)), points)


def test_the_zone_runs_from_the_reservation_corner_along_the_frontier_inside_it() -> None:
    outline = zone_outline(chart())
    assert outline is not None
    xs, ys = outline
    assert (xs[0], ys[0]) == (0.4, 0.3) and (xs[-1], ys[-1]) == (0.4, 0.3)
    # only the two frontier points above both lines bound it, as a staircase
    assert list(zip(xs, ys, strict=True)) == [
        (0.4, 0.3), (0.4, 0.8), (0.5, 0.8), (0.5, 0.6), (0.7, 0.6), (0.7, 0.3), (0.4, 0.3)
    ]  # fmt: skip


def test_no_zone_when_no_frontier_point_clears_both_reservations() -> None:
    c = FrontierChart(("A", "B"), (0.95, 0.95), ((0.2, 0.9), (0.9, 0.2)), ())
    assert zone_outline(c) is None


def test_points_are_keyed_numbers_then_letters_with_distinct_symbols() -> None:
    points = keyed(
        [("Text one", (0.1, 0.2), (0.1, 0.2), TERMS), ("Text two", (0.2, 0.3), (0.4, 0.5), TERMS)],
        [("nash", (0.6, 0.6), TERMS), ("utilitarian", (0.7, 0.5), TERMS)],
    )
    assert [p.key for p in points] == ["1", "2", "A", "B"]
    assert len({p.symbol for p in points}) == 4
    assert points[1].partial and not points[0].partial
    assert points[2].name == "Nash solution"


@given(st.lists(st.tuples(st.floats(0, 1), st.floats(0, 1)), min_size=1, max_size=30))
def test_keys_written_on_the_chart_never_overlap(centres: list[tuple[float, float]]) -> None:
    points = keyed([(f"t{n}", c, c, TERMS) for n, c in enumerate(centres)], [])
    boxes = [box for _, box in place_keys(points) if box is not None]
    for a, b in itertools.combinations(boxes, 2):
        assert not (a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]), (a, b)
    # one key per distinct place is at least tried, and a lone point always finds room
    if len(centres) == 1:
        assert len(boxes) == 1


def test_hover_shows_the_terms_escaped_and_every_trace_says_what_it_is() -> None:
    points = keyed([("Text <one>", (0.5, 0.4), (0.6, 0.7), TERMS)], [("nash", (0.6, 0.7), TERMS)])
    html = terms_html(points[0])
    assert "Corridor: troops stay" in html and "Aid &lt;trucks&gt;: 600 a day" in html and "<one>" not in html
    fig = frontier_figure(chart(points))
    names = [t.name for t in fig.data if t.name]
    assert any("zone of agreement" in n for n in names)
    assert any(n.startswith("1. Text <one> (partial") for n in names)
    assert "A. Nash solution" in names
    hovered = [t for t in fig.data if t.customdata is not None]
    assert all("Corridor: troops stay" in t.customdata[0][0] for t in hovered)
    # both reservation lines, each named for its party in words
    texts = [a.text for a in fig.layout.annotations]
    assert "Side A: reservation" in texts and "Side B: reservation" in texts


def test_the_brief_draws_the_same_chart(tmp_path: Path) -> None:
    from truce.analysis.bargaining import bargaining
    from truce.analysis.overview import overview
    from truce.io.scenario_files import load_scenario
    from truce.report.brief import brief_html, frontier_chart

    s = load_scenario(ROOT / "examples" / "gaza-2024")
    o = overview(s)
    b = bargaining(o.compiled)
    c = frontier_chart(o, b)
    assert c.parties == ("Israel (government)", "Hamas")
    assert [p.key for p in c.points][: len(s.proposals)] == [str(n) for n in range(1, len(s.proposals) + 1)]
    html = brief_html(o, b)
    assert 'data-terms-for="frontier-chart"' in html and "The solutions' terms" in html
    assert "Israel (government): reservation" in html
