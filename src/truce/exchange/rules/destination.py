"""Destination: where released prisoners went, home or abroad (exile), counted beside their categories.

A release log row may say ``destination``: ``home`` or ``abroad``; a row with a destination and no
category counts the day's releases by destination when the record does not say which categories went
where. The agreement's ``exile`` entries are what was agreed may go abroad (per category; their sum for
the side as a whole): releasing more abroad than that is a deviation. People whose destination the log
does not give are counted as *not recorded*, never as home.
"""

from __future__ import annotations

from collections import defaultdict
from enum import StrEnum

from truce.exchange.rules.base import Deviation, Record, Rule, RuleKind, Tally, register
from truce.model.exchange import Agreement


class DestinationDeviation(StrEnum):
    exile_beyond_agreed = "exile_beyond_agreed"  # more released abroad than the agreement allows


def _abroad_allowed(a: Agreement, side: str) -> dict[str, int]:
    allowed: dict[str, int] = defaultdict(int)
    for rule in a.exile:
        if rule.side == side:
            allowed[rule.category] += rule.count
    return dict(allowed)


def _counts(r: Record, side: str) -> tuple[dict[str, dict[str, int]], dict[int, int]]:
    """Per destination, per category ("" when not given) the people released; and per day, those abroad."""
    counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    abroad_by_day: dict[int, int] = defaultdict(int)
    for e in r.events:
        if e.side != side or e.destination is None or e.recurring or e.commitment:
            continue
        if e.identified not in (None, "yes"):
            continue
        counts[e.destination][e.category or ""] += e.count
        if e.destination == "abroad":
            abroad_by_day[e.day] += e.count
    return {k: dict(v) for k, v in counts.items()}, dict(abroad_by_day)


def _watch(a: Agreement, r: Record) -> None:
    for side in a.sides:
        allowed = _abroad_allowed(a, side.id)
        counts, by_day = _counts(r, side.id)
        released = sum(
            n for t in (r.captives if side.id == a.batch_side.id else r.prisoners).values() for n in t.values()
        )
        if not counts and not allowed:
            continue
        abroad = counts.get("abroad", {})
        for category, n in sorted(abroad.items()):
            if category and n > allowed.get(category, 0):
                _beyond(
                    a,
                    r,
                    side.id,
                    by_day,
                    n - allowed.get(category, 0),
                    f"{n} {a.category_name(category)} abroad, {allowed.get(category, 0)} agreed",
                )
        total, total_allowed = sum(abroad.values()), sum(allowed.values())
        if total > total_allowed and not any(c and n > allowed.get(c, 0) for c, n in abroad.items()):
            _beyond(a, r, side.id, by_day, total - total_allowed, f"{total} abroad in all, {total_allowed} agreed")
        r.tallies.append(_tally(a, r, side.id, counts, allowed, released))


def _beyond(a: Agreement, r: Record, side: str, by_day: dict[int, int], over: int, what: str) -> None:
    """Reported on the day the released abroad first went past what was agreed."""
    running, day = 0, max(by_day, default=r.last)
    limit = sum(by_day.values()) - over
    for t in sorted(by_day):
        running += by_day[t]
        if running > limit:
            day = t
            break
    note = f"released into exile beyond what was agreed: {what} (by {a.day_label(day)})"
    r.day(day).deviations.append(Deviation(DestinationDeviation.exile_beyond_agreed, side, over, note, "exile"))


def _tally(
    a: Agreement, r: Record, side: str, counts: dict[str, dict[str, int]], allowed: dict[str, int], released: int
) -> Tally:
    home = sum(counts.get("home", {}).values())
    abroad = sum(counts.get("abroad", {}).values())
    unknown = max(0, released - home - abroad)
    abroad_by = sorted(counts.get("abroad", {}).items())
    detail = ", ".join(f"{a.category_name(c) if c else 'category not recorded'}: {n}" for c, n in abroad_by)
    note = (
        f"side {side} released {released} by {a.day_label(r.last)}: {home} home, {abroad} abroad"
        + (f" ({detail})" if detail else "")
        + f", {unknown} destination not recorded; agreed abroad: {sum(allowed.values())}"
    )
    data = {
        "kind": "destination",
        "side": side,
        "home": counts.get("home", {}),
        "abroad": counts.get("abroad", {}),
        "not_recorded": unknown,
        "agreed_abroad": allowed,
    }
    return Tally(f"destination ({side})", note, data)


RULE = register(Rule(RuleKind.destination, __name__, watch=_watch, deviations=DestinationDeviation))
