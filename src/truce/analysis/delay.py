"""The cost of no deal in human units: what each sourced series says about a period of delay.

Each series speaks in its own units (deaths reported, people held, trucks entering) and is kept apart from
utilities: nothing here reads preferences, and nothing turns a count into a utility. For a period of
``days`` days ending on a date, a series gives either

- the change **recorded** over the period, when it has a point on both of its ends; or
- its **average** daily change between two recorded points times ``days``: the last point on or before
  the end, and the last point on or before the start (the series' first point when none is that early).

Either way the result names the points it rests on, their sources, and the weakest of their confidences.

By default the period ends on the series' last point, but never after the date a text was agreed: what a
series records once a deal is in force (hostages released under it, say) is the deal's doing, not the cost of
having none. The result then names that text. An end given explicitly is taken as given, and when the points
read reach past the date a text was agreed, the result names that text too (``under_deal``) and says that the
change is partly the deal's doing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Literal

from truce.model.scenario import Scenario, Series, SeriesPoint, Status

DEFAULT_DELAY_DAYS = 30

# From the strongest to the weakest (the meanings are those of Source.confidence).
CONFIDENCE = ("confirmed", "reported", "single", "unconfirmed")


@dataclass(frozen=True)
class SeriesCost:
    """What one series says about ``days`` days of delay ending on ``end``."""

    series: Series
    days: int
    start: dt.date
    end: dt.date
    method: Literal["recorded", "average"] | None  # None: fewer than two points on or before the end
    change: float | None
    per_day: float | None
    points: tuple[SeriesPoint, ...]
    confidence: str | None
    agreed: str | None = None  # the agreed text whose date ends the period (later points fall under the deal)
    under_deal: str | None = None  # with an end given: the agreed text whose date the points read reach past

    @property
    def text(self) -> str:
        unit = self.series.unit
        cut = f" (the day {self.agreed} was agreed: later points fall under the deal)" if self.agreed else ""
        if self.method is None or self.change is None or self.per_day is None:
            return f"{self.series.name}: fewer than two points on or before {self.end}{cut}; no change can be read"
        first, last = self.points
        rests = f"rests on {_point(first, unit)} and {_point(last, unit)}"
        if self.method == "recorded":
            how = f"recorded change from {self.start} to {self.end}"
        else:
            span = (last.date - first.date).days
            how = (
                f"average daily change over the {span} days from {first.date} to {last.date} "
                f"({_num(self.per_day)} {unit} a day) times {self.days}"
            )
        ending = f", up to {self.end}{cut}" if cut else ""
        said = f"{self.series.name}: {_signed(self.change)} {unit} over {self.days} days ({how}{ending}); {rests}"
        if self.under_deal:
            said += (
                f"; NOT a cost of no deal: {self.under_deal} was agreed before {last.date}, so the change is partly "
                "what the series recorded under the deal"
            )
        return said


def _num(x: float) -> str:
    return f"{x:,.0f}" if abs(x) >= 100 or float(x).is_integer() else f"{x:,.2f}"


def _signed(x: float) -> str:
    return ("+" if x > 0 else "") + _num(x)


def _point(p: SeriesPoint, unit: str) -> str:
    return f"{_num(p.value)} {unit} on {p.date} [{p.source}, {p.confidence}]"


def weakest(confidences: list[str]) -> str | None:
    return max(confidences, key=CONFIDENCE.index) if confidences else None


def series_cost(
    series: Series, days: int, end: dt.date | None = None, agreed: tuple[str, dt.date] | None = None
) -> SeriesCost:
    """What ``series`` says about ``days`` days of delay ending on ``end`` (default: its last point, or the
    date of ``agreed``, the first text agreed, if that is earlier)."""
    if days < 1:
        raise ValueError("a period of delay is at least one day")
    last_day = end if end is not None else series.points[-1].date
    cut = None
    if end is None and agreed is not None and agreed[1] < last_day:
        cut, last_day = agreed
    start = last_day - dt.timedelta(days=days)
    known = [p for p in series.points if p.date <= last_day]
    if len(known) < 2:
        return SeriesCost(series, days, start, last_day, None, None, None, (), None, cut)
    later = known[-1]
    early = [p for p in known[:-1] if p.date <= start]
    earlier = early[-1] if early else known[0]
    span = (later.date - earlier.date).days  # positive: the file checks keep one point a date, in order
    per_day = (later.value - earlier.value) / span
    recorded = earlier.date == start and later.date == last_day
    change = float(later.value - earlier.value) if recorded else per_day * days
    under = agreed[0] if end is not None and agreed is not None and agreed[1] < later.date else None
    return SeriesCost(
        series,
        days,
        start,
        last_day,
        "recorded" if recorded else "average",
        change,
        per_day,
        (earlier, later),
        weakest([earlier.confidence, later.confidence]),
        cut,
        under,
    )


def cost_of_no_deal(s: Scenario, days: int = DEFAULT_DELAY_DAYS, end: dt.date | None = None) -> tuple[SeriesCost, ...]:
    """What every series of the scenario says about ``days`` days of delay (each ending on ``end``, or on
    its own last point but not after the first text agreed)."""
    agreed = [(p.id, p.date) for p in s.proposals if p.status is Status.agreed]
    first = min(agreed, key=lambda a: a[1], default=None)
    return tuple(series_cost(series, days, end, first) for series in s.series)


def series_cost_json(c: SeriesCost) -> dict[str, Any]:
    return {
        "series": c.series.id,
        "name": c.series.name,
        "unit": c.series.unit,
        "reported_by": c.series.reported_by,
        "days": c.days,
        "start": c.start.isoformat(),
        "end": c.end.isoformat(),
        "method": c.method,
        "change": c.change,
        "per_day": c.per_day,
        "points": [
            {"date": p.date.isoformat(), "value": p.value, "source": p.source, "confidence": p.confidence}
            for p in c.points
        ],
        "confidence": c.confidence,
        "agreed": c.agreed,
        "under_deal": c.under_deal,
        "text": c.text,
    }
