"""Identification: what was handed over was who the list said (remains above all).

A release log row may say ``identified``: ``yes``, ``no`` (remains not identified) or ``misidentified``
(remains, or a person, not the one listed). Rows not identified or misidentified are not counted as
releases of their category (:mod:`truce.exchange.ledger`); each is a deviation on its day, whose note
gives the follow-up: the next identified release of the same category and side (first come), or that
none has come by the ledger's last day.
"""

from __future__ import annotations

from enum import StrEnum

from truce.exchange.rules.base import Deviation, Record, Rule, RuleKind, Tally, register
from truce.model.exchange import Agreement, Event


class IdentificationDeviation(StrEnum):
    misidentified = "misidentified"  # handed over as someone on the list, found to be someone else
    not_identified = "not_identified"  # handed over, and not identified


def _followups(events: list[Event], wrong: Event, taken: dict[int, int]) -> list[tuple[int, int]]:
    """(day, people) of the identified releases that make good ``wrong``, first come; ``taken`` per event
    index records what earlier shortfalls already used."""
    need = wrong.count
    out: list[tuple[int, int]] = []
    for n, e in enumerate(events):
        if need == 0:
            break
        later = e.day > wrong.day or (e.day == wrong.day and (e.time or "") > (wrong.time or "99:99"))
        if not later or e.side != wrong.side or e.category != wrong.category or e.identified not in (None, "yes"):
            continue
        use = min(need, e.count - taken.get(n, 0))
        if use > 0:
            taken[n] = taken.get(n, 0) + use
            out.append((e.day, use))
            need -= use
    return out


def _later(days: int) -> str:
    return "the same day" if days == 0 else "1 day later" if days == 1 else f"{days} days later"


def _watch(a: Agreement, r: Record) -> None:
    taken: dict[int, int] = {}
    for wrong in r.events:
        if wrong.category is None or wrong.identified not in ("no", "misidentified"):
            continue
        made_good = _followups(r.events, wrong, taken)
        returned = sum(n for _, n in made_good)
        what = "misidentified" if wrong.identified == "misidentified" else "not identified"
        note = f"{wrong.count} {a.category_name(wrong.category)} handed over on {a.day_label(wrong.day)} {what}"
        if made_good:
            days = ", ".join(f"{a.day_label(d)} ({_later(d - wrong.day)})" for d, _ in made_good)
            note += (
                f"; the correct return on {days}" if wrong.identified == "misidentified" else f"; identified on {days}"
            )
        if returned < wrong.count:
            note += f"; {wrong.count - returned} not yet returned by {a.day_label(r.last)}"
        kind = (
            IdentificationDeviation.misidentified
            if wrong.identified == "misidentified"
            else IdentificationDeviation.not_identified
        )
        r.day(wrong.day).deviations.append(Deviation(kind, wrong.side, wrong.count, note, wrong.category))
        data = {
            "kind": "identification",
            "side": wrong.side,
            "category": wrong.category,
            "day": wrong.day,
            "count": wrong.count,
            "identified": wrong.identified,
            "followed_by": [{"day": d, "count": n} for d, n in made_good],
        }
        r.tallies.append(Tally(wrong.category, note, data))


RULE = register(Rule(RuleKind.identification, __name__, watch=_watch, deviations=IdentificationDeviation))
