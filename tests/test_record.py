"""The record of the talks: meetings, statements and series; the timeline; the cost of no deal."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any, Literal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cli_runner import invoke_json, runner
from truce.analysis.delay import cost_of_no_deal, series_cost
from truce.analysis.timeline import KINDS, statements_about, timeline
from truce.cli import app
from truce.errors import InputError, format_path
from truce.io.scenario_files import load_any
from truce.model.checks import build_scenario
from truce.model.scenario import Series, SeriesPoint

ROOT = Path(__file__).resolve().parents[1]
GAZA = ROOT / "examples" / "gaza-2024"
DAY0 = dt.date(2024, 1, 1)


def base() -> dict[str, Any]:
    return {
        "id": "t",
        "title": "t",
        "sources": {"S1": {"title": "a source"}},
        "parties": [{"id": "a", "name": "A"}, {"id": "b", "name": "B"}, {"id": "m", "name": "M", "role": "mediator"}],
        "issues": [
            {
                "id": "x",
                "kind": "categorical",
                "name": "x",
                "options": [{"id": "p", "label": "p"}, {"id": "q", "label": "q"}],
            }
        ],
        "proposals": [{"id": "p1", "title": "first", "tabled_by": ["m"], "date": "2024-02-01", "terms": {"x": "p"}}],
    }


def problems(data: dict[str, Any]) -> dict[str, str]:
    with pytest.raises(InputError) as caught:
        build_scenario(data)
    return {format_path(p.path): p.message for p in caught.value.problems}


def test_meetings_statements_and_series_name_known_parties_proposals_and_sources() -> None:
    data = base()
    data["meetings"] = [
        {"id": "v1", "date": "2024-02-02", "who": ["m"], "met_with": ["a", "zz"], "carried": "p9", "sources": ["S9"]}
    ]
    data["statements"] = [
        {"id": "s1", "speaker": "nobody", "date": "2024-02-03", "about": "p1", "stance": "rejects", "quote": "no",
         "sources": ["S1"]},
        {"id": "s2", "speaker": {"name": "Foreign Minister", "party": "ghost"}, "date": "2024-01-03", "about": "p1",
         "stance": "optimistic", "quote": "hopeful", "sources": ["S2"], "joint_with": ["b", "who"]},
    ]  # fmt: skip
    data["series"] = [
        {"id": "d", "name": "deaths", "unit": "deaths", "reported_by": "a ministry",
         "points": [{"date": "2024-01-05", "value": 3, "source": "S1", "confidence": "single"},
                    {"date": "2024-01-05", "value": 4, "source": "S7", "confidence": "reported"}]},
    ]  # fmt: skip
    found = problems(data)
    assert "unknown party 'zz'" in found["meetings[0].met_with[1]"]
    assert "unknown proposal 'p9'" in found["meetings[0].carried"]
    assert "unknown source 'S9'" in found["meetings[0].sources[0]"]
    assert "unknown party 'nobody'" in found["statements[0].speaker"]
    assert "unknown party 'ghost'" in found["statements[1].speaker.party"]
    assert "unknown party 'who'" in found["statements[1].joint_with[1]"]
    assert "before the proposal" in found["statements[1].date"]
    assert "unknown source 'S2'" in found["statements[1].sources[0]"]
    assert "unknown source 'S7'" in found["series[0].points[1].source"]
    assert "date order" in found["series[0].points[1].date"]
    assert len(found) == 10, found


def test_a_quote_needs_a_source_and_a_stance_from_the_vocabulary() -> None:
    data = base()
    data["statements"] = [
        {"id": "s1", "speaker": "a", "date": "2024-02-03", "stance": "furious", "quote": "no", "sources": []}
    ]
    found = problems(data)
    assert "statements[0].sources" in found
    assert "statements[0].stance" in found


def test_duplicate_ids_are_located() -> None:
    data = base()
    meeting = {"id": "v1", "date": "2024-02-02", "who": ["m"]}
    data["meetings"] = [meeting, meeting]
    assert "duplicate meeting id" in problems(data)["meetings[1].id"]


def record(draw: st.DrawFn) -> dict[str, Any]:
    days = st.integers(0, 6).map(lambda n: (DAY0 + dt.timedelta(days=n)).isoformat())
    data = base()
    data["proposals"] = [
        {"id": f"p{k}", "title": f"p{k}", "tabled_by": ["m"], "date": days_k, "terms": {}}
        for k, days_k in enumerate(draw(st.lists(days, max_size=4)))
    ]
    data["rounds"] = [
        {"id": f"r{k}", "title": f"r{k}", "start": d} for k, d in enumerate(draw(st.lists(days, max_size=3)))
    ]
    data["meetings"] = [
        {"id": f"m{k}", "date": d, "who": ["m"]} for k, d in enumerate(draw(st.lists(days, max_size=3)))
    ]
    data["statements"] = [
        {"id": f"s{k}", "speaker": "a", "date": d, "stance": "supports", "quote": f"q{k}", "sources": ["S1"]}
        for k, d in enumerate(draw(st.lists(days, max_size=4)))
    ]
    data["events"] = [{"date": d, "title": f"e{k}"} for k, d in enumerate(draw(st.lists(days, max_size=3)))]
    return data


@given(st.composite(record)())
def test_the_timeline_holds_every_dated_item_once_in_date_order(data: dict[str, Any]) -> None:
    s = build_scenario(data)
    entries = timeline(s)
    expected = sorted(
        [(r.start, "round", r.title) for r in s.rounds]
        + [(m.date, "meeting", m.id) for m in s.meetings]
        + [(p.date, "proposal", p.title) for p in s.proposals]
        + [(x.date, "statement", x.id) for x in s.statements]
        + [(e.date, "event", e.title) for e in s.events],
        key=lambda t: (t[0], KINDS.index(t[1])),
    )
    got = [(e.date, e.kind, e.title if e.kind in ("round", "proposal", "event") else e.id) for e in entries]
    assert got == expected  # sorted() is stable: within a day and kind, the file's order


def test_the_shipped_case_records_the_august_2024_visits_statements_and_series() -> None:
    s = load_any(GAZA)
    assert {(m.date, m.venue) for m in s.meetings} >= {
        (dt.date(2024, 8, 18), "Israel"),
        (dt.date(2024, 8, 20), "El Alamein, Egypt"),
    }
    about = statements_about(s, "aug16-bridging")
    stances = {(x.party(), x.stance.value) for x in about}
    assert ("israel", "optimistic") in stances
    assert ("hamas", "accuses_of_new_conditions") in stances
    assert ("united_states", "optimistic") in stances
    assert any(x.quote == "cautious optimism" for x in about)
    for x in s.statements:
        assert x.sources and all(src in s.sources for src in x.sources)
    for series in s.series:
        for point in series.points:
            assert point.source in s.sources
    deaths = next(x for x in s.series if x.id == "gaza-deaths-reported")
    assert deaths.points[-1].value == 40000
    kinds = {e.kind for e in timeline(s)}
    assert kinds == set(KINDS)


CONFIDENCES: tuple[Literal["confirmed", "reported", "single", "unconfirmed"], ...] = (
    "confirmed",
    "single",
    "reported",
    "unconfirmed",
)


def points(*pairs: tuple[int, float]) -> Series:
    return Series(
        id="s",
        name="s",
        unit="people",
        reported_by="r",
        points=tuple(
            SeriesPoint(date=DAY0 + dt.timedelta(days=d), value=v, source="S1", confidence=CONFIDENCES[k % 4])
            for k, (d, v) in enumerate(pairs)
        ),
    )


def test_a_change_recorded_at_both_ends_is_read_as_recorded() -> None:
    c = series_cost(points((0, 10), (5, 17), (12, 40)), days=7)
    assert c.method == "recorded"
    assert c.change == 40 - 17
    assert c.start == DAY0 + dt.timedelta(days=5)
    assert [p.value for p in c.points] == [17, 40]
    assert c.confidence == "single"  # a single report is weaker than one reported by two outlets


def test_otherwise_the_average_daily_change_times_the_days() -> None:
    # The period 2..12 has no point at its start: the last point before it (day 0) and the last (day 12).
    c = series_cost(points((0, 10), (5, 17), (12, 40)), days=10)
    assert c.method == "average"
    assert c.per_day == pytest.approx(30 / 12)
    assert c.change == pytest.approx(30 / 12 * 10)
    assert [p.value for p in c.points] == [10, 40]
    assert c.confidence == "reported"
    assert "average daily change" in c.text and "[S1, confirmed]" in c.text


def test_one_point_says_nothing() -> None:
    c = series_cost(points((0, 10)), days=3)
    assert c.method is None and c.change is None
    assert "fewer than two points" in c.text


@given(
    st.lists(st.integers(0, 400), min_size=2, max_size=6, unique=True).map(sorted),
    st.integers(-50, 50),
    st.integers(0, 10_000),
    st.integers(1, 500),
)
def test_a_steady_series_gives_its_rate_times_the_days(days: list[int], rate: int, start: int, delay: int) -> None:
    """Brute force: on a series that grows by ``rate`` a day, any two points give the rate, so every
    reading of any period is rate x days, recorded or averaged."""
    c = series_cost(points(*[(d, start + rate * d) for d in days]), days=delay)
    assert c.change == pytest.approx(rate * delay)
    first, last = c.points
    assert last.date == DAY0 + dt.timedelta(days=days[-1])
    assert first.date < last.date
    before = [d for d in days[:-1] if DAY0 + dt.timedelta(days=d) <= c.start]
    assert first.date == DAY0 + dt.timedelta(days=before[-1] if before else days[0])


def test_a_period_of_no_deal_stops_at_the_first_text_agreed() -> None:
    """Points recorded once a deal is in force are the deal's doing (hostages released under it): the
    default period ends on the day the text was agreed, and says so; an end given explicitly stands."""
    series = points((0, 100), (20, 90), (40, 60), (60, 30))
    cut = series_cost(series, days=10, agreed=("the-deal", DAY0 + dt.timedelta(days=30)))
    assert cut.end == DAY0 + dt.timedelta(days=30) and cut.agreed == "the-deal"
    assert [p.value for p in cut.points] == [100, 90] and cut.change == pytest.approx(-5)
    assert "the-deal was agreed: later points fall under the deal" in cut.text
    given = series_cost(series, days=10, end=DAY0 + dt.timedelta(days=60), agreed=("the-deal", DAY0))
    assert given.agreed is None and given.under_deal == "the-deal"  # an end given stands, and says what it reads
    assert "NOT a cost of no deal: the-deal was agreed before" in given.text
    assert (
        series_cost(
            series, days=10, end=DAY0 + dt.timedelta(days=60), agreed=("late", DAY0 + dt.timedelta(days=90))
        ).under_deal
        is None
    )
    later = series_cost(series, days=10, agreed=("late", DAY0 + dt.timedelta(days=90)))
    assert later.agreed is None and later.end == DAY0 + dt.timedelta(days=60)
    s = load_any(GAZA)
    hostages = next(c for c in cost_of_no_deal(s, 30) if c.series.id == "hostages-held")
    # only one count before the January 2025 agreement: no change is read, rather than the releases after it
    assert hostages.agreed == "jan2025-agreement" and hostages.change is None


def test_the_shipped_death_toll_over_thirty_days() -> None:
    s = load_any(GAZA)
    deaths = next(c for c in cost_of_no_deal(s, 30) if c.series.id == "gaza-deaths-reported")
    span = (dt.date(2024, 8, 18) - dt.date(2023, 10, 7)).days
    assert deaths.method == "average"
    assert deaths.change == pytest.approx(40000 / span * 30)


def test_timeline_json_and_text() -> None:
    out = invoke_json("timeline", str(GAZA), "--delay-days", "10")
    dates = [e["date"] for e in out["timeline"]]
    assert dates == sorted(dates)
    statement = next(e for e in out["timeline"] if e["id"] == "hamas-2024-08-18")
    assert statement["stance"] == "accuses_of_new_conditions"
    assert statement["proposals"] == ["aug16-bridging"]
    costs = out["cost_of_no_deal"]
    assert costs["days"] == 10 and {c["series"] for c in costs["series"]} == {"gaza-deaths-reported", "hostages-held"}
    text = runner.invoke(app, ["timeline", str(GAZA)])
    assert text.exit_code == 0
    assert "cautious optimism" in text.stdout and "Cost of no deal over 30 days" in text.stdout


def test_timeline_of_a_bad_file_is_a_located_error(tmp_path: Path) -> None:
    bad = tmp_path / "s.yaml"
    bad.write_text(
        "id: t\ntitle: t\nparties: [{id: a, name: A}]\n"
        "issues: [{id: x, name: x, kind: categorical, options: [{id: p, label: p}, {id: q, label: q}]}]\n"
        "meetings: [{id: v, date: 2024-01-01, who: [nobody]}]\n"
    )
    result = runner.invoke(app, ["timeline", str(bad)])
    assert result.exit_code == 2
    assert "s.yaml:5:" in result.stderr and "unknown party 'nobody'" in result.stderr


def test_the_brief_shows_the_timeline_the_cost_of_no_deal_and_statements_by_proposal(tmp_path: Path) -> None:
    report = tmp_path / "brief.html"
    result = runner.invoke(app, ["analyze", str(GAZA), "--report", str(report)])
    assert result.exit_code == 0, result.output
    html = report.read_text()
    timeline_part = html[html.index('id="timeline"') : html.index('id="cost-of-no-deal"')]
    assert "cautious optimism" in timeline_part and "United States with Egypt in El Alamein, Egypt" in timeline_part
    cost_part = html[html.index('id="cost-of-no-deal"') : html.index('id="sources"')]
    assert "Gaza Health Ministry" in cost_part and "deaths" in cost_part
    proposal_part = html[html.index('id="p-aug16-bridging"') : html.index('id="p-jan2025-agreement"')]
    assert "cautious optimism" in proposal_part and "new conditions regarding the prisoner exchange" in proposal_part


def test_nothing_in_the_analysis_reads_the_record() -> None:
    """Statements are claims, series are counts: dropping them changes no standing, gap or verdict."""
    from truce.analysis.overview import overview, overview_json

    s = load_any(GAZA)
    bare = s.model_copy(update={"meetings": (), "statements": (), "series": ()})
    assert overview_json(overview(s)) == overview_json(overview(bare))
