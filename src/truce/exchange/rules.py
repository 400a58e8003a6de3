"""What an agreement asks, worked out from what one side released: key dues, blocks, commitments.

Planner, checker and ledger share these functions, so they agree on what "due" means.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from truce.model.exchange import Agreement, Batch

Released = Mapping[int, Mapping[str, int]]  # day -> category -> people


@dataclass(frozen=True)
class KeyPart:
    """One prisoner category of one key: ``each`` per person released, ``last`` with the last one."""

    key: str
    captive: str
    category: str
    each: int
    last: int
    lag: int

    @property
    def rule(self) -> tuple[str, str]:
        return (self.key, self.category)


def key_parts(a: Agreement) -> list[KeyPart]:
    """Each key split by prisoner category; an ``in_total`` is an equal whole share, remainder with the last."""
    counts = a.available()
    parts: list[KeyPart] = []
    for key in a.keys:
        n = counts.get(key.category, 0)
        cats = list(dict.fromkeys([*key.per_person, *key.in_total, *key.with_last]))
        for q in cats:
            total = key.in_total.get(q, 0)
            share = total // n if n else 0
            rest = total - share * n if n else 0
            parts.append(
                KeyPart(
                    key.id,
                    key.category,
                    q,
                    key.per_person.get(q, 0) + share,
                    key.with_last.get(q, 0) + rest,
                    key.lag_days,
                )
            )
    return parts


def completion_days(a: Agreement, released: Released) -> dict[str, int | None]:
    """The day each category of the batch side was fully released (None if not yet)."""
    counts = a.available()
    done: dict[str, int | None] = {}
    for cat in a.batch_side.categories:
        total = 0
        done[cat.id] = None
        for day in sorted(released):
            total += released[day].get(cat.id, 0)
            if total >= counts[cat.id]:
                done[cat.id] = day
                break
    return done


def key_dues(a: Agreement, released: Released) -> dict[tuple[str, str], dict[int, int]]:
    """Per (key, prisoner category): people due per day (the day the captives are released)."""
    done = completion_days(a, released)
    counts = a.available()
    dues: dict[tuple[str, str], dict[int, int]] = {}
    for part in key_parts(a):
        per_day: dict[int, int] = {}
        for day in sorted(released) if counts.get(part.captive, 0) else ():
            n = released[day].get(part.captive, 0) * part.each
            if done.get(part.captive) == day:
                n += part.last
            if n:
                per_day[day] = n
        dues[part.rule] = per_day
    return dues


def key_totals(a: Agreement) -> dict[tuple[str, str], int]:
    counts = a.available()
    return {
        p.rule: p.each * counts.get(p.captive, 0) + (p.last if counts.get(p.captive, 0) else 0) for p in key_parts(a)
    }


def block_counts(a: Agreement) -> dict[str, int]:
    """Each block's size; ``all`` is what the list holds beyond what keys use of that category."""
    used: dict[str, int] = {}
    for (_, q), n in key_totals(a).items():
        used[q] = used.get(q, 0) + n
    avail = a.available()
    out: dict[str, int] = {}
    for b in a.blocks:
        if b.count == "all":
            out[b.id] = max(0, avail.get(b.category, 0) - used.get(b.category, 0))
            used[b.category] = used.get(b.category, 0) + out[b.id]
        else:
            out[b.id] = b.count
    return out


def side_totals(a: Agreement) -> dict[str, int]:
    """People each side releases once everything is done."""
    captives = sum(a.available()[c.id] for c in a.batch_side.categories)
    prisoners = sum(key_totals(a).values()) + sum(block_counts(a).values())
    return {a.batch_side.id: captives, a.other_side.id: prisoners}


def commitment_days(a: Agreement, released: Released) -> dict[str, tuple[int | None, int | None]]:
    """Per commitment: the day it falls due and the last day to complete it (None: not yet known)."""
    done = completion_days(a, released)
    out: dict[str, tuple[int | None, int | None]] = {}
    for c in a.commitments:
        day: int | None = c.day
        if c.after_released:
            ends = [done.get(cid) for cid in c.after_released]
            day = None if any(e is None for e in ends) else max(e for e in ends if e is not None) + c.offset_days
        deadline = c.by_day if c.by_day is not None else day
        if day is not None and deadline is not None and deadline < day:
            deadline = day
        out[c.id] = (day, deadline)
    return out


def batch_categories(a: Agreement, batch: Batch) -> list[str]:
    return list(batch.categories) or [c.id for c in a.batch_side.categories]


def extension_days(a: Agreement) -> list[int]:
    if a.extension is None:
        return []
    start = a.extension.after_day + 1
    return list(range(start, start + a.extension.max_days))


def release_days(a: Agreement) -> set[int]:
    """Days the cadence allows the batch side to release on."""
    days: set[int] = set(extension_days(a))
    for b in a.cadence.batches:
        days.update(range(b.first, b.last + 1))
    return days


def exposure(a: Agreement, delivered: Mapping[str, int]) -> dict[str, float]:
    """Per side: share of its own total delivered less the share of the other side's total received."""
    totals = side_totals(a)
    one, two = a.batch_side.id, a.other_side.id
    if not totals[one] or not totals[two]:
        return {one: 0.0, two: 0.0}  # a one-way release: nothing is received, so nobody is exposed
    share = {s: delivered.get(s, 0) / totals[s] for s in totals}
    return {one: share[one] - share[two], two: share[two] - share[one]}


def order_breaches(a: Agreement, released: Released, day: int) -> list[tuple[int, int, int]]:
    """(level, people of that level released on ``day``, people of earlier levels still held after it)."""
    counts = a.available()
    out: list[tuple[int, int, int]] = []
    today = released.get(day, {})
    for j in range(1, len(a.cadence.order)):
        later = sum(today.get(c, 0) for c in a.cadence.order[j])
        if not later:
            continue
        earlier = [c for level in a.cadence.order[:j] for c in level]
        out_by_day = sum(v.get(c, 0) for t, v in released.items() if t <= day for c in earlier)
        held = sum(counts[c] for c in earlier) - out_by_day
        if held > 0:
            out.append((j, later, held))
    return out
