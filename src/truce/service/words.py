"""How the pages say times and days: for people, not machines."""

from __future__ import annotations

import datetime as dt


def when(stamp: str) -> str:
    """An ISO time stamp as people read it, in UTC: "7 Dec 2026, 02:35 UTC" (unreadable text is kept)."""
    try:
        at = dt.datetime.fromisoformat(stamp)
    except (TypeError, ValueError):
        return stamp
    if at.tzinfo is not None:
        at = at.astimezone(dt.UTC)
    return f"{at.day} {at:%b %Y, %H:%M} UTC"


def day_date(day_one: dt.date | None, day: int) -> str:
    """The calendar date of day ``day`` of an agreement ("Sun 19 Jan 2025"), or "" without a day one."""
    if day_one is None:
        return ""
    date = day_one + dt.timedelta(days=day - 1)
    return f"{date:%a} {date.day} {date:%b %Y}"
