"""Dates as a news report gives them, resolved against the report's own date.

A report says "on Sunday", "this week", "in late May" or "in the coming days"; each is read as a window
of days (``start`` to ``end``, one day when exact) relative to the report's date. A weekday is the last
such day on or before the report's date for something that happened, and the next one on or after it for
something announced ("will head to Egypt on Tuesday"). Month parts follow the usual reading of a month in
thirds: early (1-10), mid (11-20), late (21 to the end).
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass

MONTHS = {name.lower(): n for n, name in enumerate(calendar.month_name) if name}
MONTHS.update({name.lower(): n for n, name in enumerate(calendar.month_abbr) if name})
MONTHS["sept"] = 9
WEEKDAYS = {name.lower(): n for n, name in enumerate(calendar.day_name)}
_MONTH = (
    r"(jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sept?(?:ember)?|oct(?:ober)?|"
    r"nov(?:ember)?|dec(?:ember)?)\.?"
)
_WEEKDAY = r"(monday|tuesday|wednesday|thursday|friday|saturday|sunday)"
# Words that make a clause speak of what is to come, so a weekday in it lies ahead of the report.
FUTURE = re.compile(
    r"\b(will|shall|is expected|are expected|expected to|is due|are due|plans? to|is set to|are set to|"
    r"scheduled|next|coming|upcoming|would then)\b"
)


@dataclass(frozen=True)
class When:
    """A date or a window of days read from the text, with the words it came from."""

    start: dt.date
    end: dt.date
    words: str
    exact: bool  # one day named outright (a date, a weekday, "yesterday"), not a window

    def contains(self, day: dt.date, slack: int = 0) -> bool:
        return self.start - dt.timedelta(days=slack) <= day <= self.end + dt.timedelta(days=slack)


def dateline(text: str) -> dt.date | None:
    """The report's date from its opening lines: an ISO date, "August 18, 2024" or "18 August 2024"."""
    head = text[:400].lower()
    iso = re.search(r"\b(\d{4})-(\d{2})-(\d{2})\b", head)
    if iso:
        return _date(int(iso[1]), int(iso[2]), int(iso[3]))
    found = re.search(rf"\b{_MONTH}\s+(\d{{1,2}}),?\s+(\d{{4}})\b", head)
    if found:
        return _date(int(found[3]), MONTHS[found[1]], int(found[2]))
    found = re.search(rf"\b(\d{{1,2}})\s+{_MONTH},?\s+(\d{{4}})\b", head)
    if found:
        return _date(int(found[3]), MONTHS[found[2]], int(found[1]))
    return None


def _date(year: int, month: int, day: int) -> dt.date | None:
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def dates_in(clause: str, today: dt.date, future: bool | None = None) -> list[When]:
    """Every date or window the (lower-case) clause names, most exact first. Whether the clause speaks of what
    is to come is read from its words unless ``future`` says."""
    future = bool(FUTURE.search(clause)) if future is None else future
    found = _exact_dates(clause, today, future) + _windows(clause, today, future)
    return sorted(found, key=lambda w: (not w.exact, (w.end - w.start).days))


def _exact_dates(clause: str, today: dt.date, future: bool) -> list[When]:
    out: list[When] = []
    for m in re.finditer(r"\b(\d{4})-(\d{2})-(\d{2})\b", clause):
        day = _date(int(m[1]), int(m[2]), int(m[3]))
        if day:
            out.append(When(day, day, m[0], True))
    patterns = (
        rf"\b{_MONTH}\s+(\d{{1,2}})(?:st|nd|rd|th)?\b(?:,?\s+(\d{{4}}))?",
        rf"\b(\d{{1,2}})\s+{_MONTH}(?:\s+(\d{{4}}))?",
    )
    for k, pattern in enumerate(patterns):
        for m in re.finditer(pattern, clause):
            month, number = (m[1], m[2]) if k == 0 else (m[2], m[1])
            day = _in_year(today, MONTHS[month], int(number), m[3], future)
            if day:
                out.append(When(day, day, m[0], True))
    for m in re.finditer(rf"\b(?:on |last |this |next )?{_WEEKDAY}\b", clause):
        day = weekday(today, WEEKDAYS[m[1]], ahead=future or m[0].startswith("next"))
        out.append(When(day, day, m[0], True))
    for word, shift in (("yesterday", -1), ("today", 0), ("tomorrow", 1)):
        if re.search(rf"\b{word}\b", clause):
            day = today + dt.timedelta(days=shift)
            out.append(When(day, day, word, True))
    for m in re.finditer(r"\b(\w+) days ago\b", clause):
        n = small_number(m[1])
        if n is not None and n <= 3660:  # a report's "days ago" are days, not centuries
            day = today - dt.timedelta(days=n)
            out.append(When(day, day, m[0], True))
    return out


def _in_year(today: dt.date, month: int, day: int, year: str | None, future: bool = False) -> dt.date | None:
    """A day of a month with no year: in the report's year, or the year before when that would lie more than
    two months after the report (a report in January speaking of "December 20"), or, for what is to come, the
    year after when it would lie more than two months before it (a report in December: "will go on January 3")."""
    if year:
        return _date(int(year), month, day)
    found = _date(today.year, month, day)
    if found and (found - today).days > 62:
        found = _date(today.year - 1, month, day)
    elif found and future and (today - found).days > 62:
        found = _date(today.year + 1, month, day)
    return found


def weekday(today: dt.date, wanted: int, ahead: bool) -> dt.date:
    """The last day ``wanted`` (Monday=0) on or before ``today``, or with ``ahead`` the next on or after it."""
    if ahead:
        return today + dt.timedelta(days=(wanted - today.weekday()) % 7)
    return today - dt.timedelta(days=(today.weekday() - wanted) % 7)


def _windows(clause: str, today: dt.date, future: bool) -> list[When]:
    out: list[When] = []
    monday = today - dt.timedelta(days=today.weekday())
    weeks = {"this week": 0, "last week": -7, "next week": 7}
    for words, shift in weeks.items():
        if words in clause:
            start = monday + dt.timedelta(days=shift)
            end = start + dt.timedelta(days=6)
            if shift == 0:  # a week still running: what happened lies before the report, what is to come after
                start, end = (today, end) if future else (start, today)
            out.append(When(start, end, words, False))
    if re.search(r"\b(in the coming days|in coming days|in the next few days|in the days ahead)\b", clause):
        out.append(When(today + dt.timedelta(days=1), today + dt.timedelta(days=7), "in the coming days", False))
    if re.search(r"\b(overnight|last night)\b", clause):
        out.append(When(today - dt.timedelta(days=1), today, "overnight", False))
    part = r"(early|mid|late|end of|beginning of|start of)"
    for m in re.finditer(
        rf"(?<!\d )\b(?:(in|since|by|until|from|last)\s+)?(?:{part}[\s-]+)?{_MONTH}\b(?!\s+\d)", clause
    ):
        if m[3] in ("may", "mar", "march") and not (m[1] or m[2]):
            continue  # "may" and "march" are words before they are months
        start, end = month_part(today, MONTHS[m[3]], m[2], future)
        out.append(When(start, end, m[0].strip(), False))
    return out


def month_part(today: dt.date, month: int, part: str | None, future: bool = False) -> tuple[dt.date, dt.date]:
    """Early (1-10), mid (11-20), late or end of (21 to the last day), or the whole month. A month after the
    report's month is last year's, unless the clause speaks of what is to come; then a month before it is next
    year's (a report in December: "talks will resume in early January")."""
    if future:
        year = today.year if month >= today.month else today.year + 1
    else:
        year = today.year if month <= today.month else today.year - 1
    last = calendar.monthrange(year, month)[1]
    first_day, last_day = {
        "early": (1, 10),
        "beginning of": (1, 10),
        "start of": (1, 10),
        "mid": (11, 20),
        "late": (21, last),
        "end of": (21, last),
    }.get(part or "", (1, last))
    return dt.date(year, month, first_day), dt.date(year, month, last_day)


NUMBER_WORDS = [  # a number's word is its index (shared with the figures a draft reads)
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
    "twenty",
]


def small_number(word: str) -> int | None:
    """A number written as digits or as a word up to twenty."""
    if word.isdigit():
        return int(word)
    return NUMBER_WORDS.index(word) if word in NUMBER_WORDS else None
