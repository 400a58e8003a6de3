"""The checker: a given plan against an agreement, rule by rule.

Each violation names the rule (with its place in the agreement file), the day, and what is wrong.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass

from truce.errors import Path
from truce.exchange import rules
from truce.model.exchange import Agreement, Plan


@dataclass(frozen=True)
class Violation:
    rule: str  # a rule kind: list, cadence, key, block, order, extension, capacity, exposure, commitment, plan
    message: str
    day: int | None = None
    path: Path = ()


def check_plan(a: Agreement, plan: Plan) -> list[Violation]:
    """Every rule of the agreement the plan breaks (empty: the plan meets the agreement)."""
    return list(_check(a, plan))


def _check(a: Agreement, plan: Plan) -> Iterator[Violation]:
    owner = a.category_side()
    rule_ids = {k.id for k in a.keys} | {b.id for b in a.blocks}
    malformed = False
    seen_days: set[int] = set()
    for d in plan.days:
        if d.day in seen_days:
            yield Violation("plan", f"day {d.day} is listed twice", d.day)
            malformed = True
        seen_days.add(d.day)
        if d.day > a.horizon:
            releases = [r for r in d.releases if r.count]
            if releases:
                yield Violation("plan", f"releases on day {d.day}, after the agreement's last day {a.horizon}", d.day)
        for r in d.releases:
            if owner.get(r.category) != r.side:
                yield Violation("plan", f"{r.category!r} is not a category of side {r.side!r}", d.day)
                malformed = True
            if r.side == a.other_side.id and (len(r.settles) != 1 or r.settles[0] not in rule_ids):
                yield Violation("plan", f"a release of {r.category} must settle exactly one key or block", d.day)
                malformed = True
    if malformed:
        return
    counts = a.available()
    captives = plan.released(a.batch_side.id)
    prisoners = plan.released(a.other_side.id)
    settled = plan.settled(a.other_side.id)
    last_day = max([a.horizon, *seen_days])
    side_index = a.sides.index(a.batch_side)

    # Lists.
    for cat in a.sides[0].categories + a.sides[1].categories:
        out = sum(day.get(cat.id, 0) for table in (captives, prisoners) for day in table.values())
        if out > counts[cat.id]:
            yield Violation("list", f"{out} of {cat.id} released but the list holds {counts[cat.id]}")
    for cat in a.batch_side.categories:
        out = sum(day.get(cat.id, 0) for day in captives.values())
        if out < counts[cat.id]:
            yield Violation(
                "list",
                f"only {out} of the {counts[cat.id]} {cat.id} released by day {a.horizon}",
                None,
                ("sides", side_index),
            )

    # Cadence.
    allowed = rules.release_days(a)
    for day in sorted(captives):
        if day not in allowed and any(captives[day].values()):
            yield Violation("cadence", f"releases on day {day}, not a day of any batch", day, ("cadence", "batches"))
    for n, batch in enumerate(a.cadence.batches):
        cats = rules.batch_categories(a, batch)
        window = range(batch.first, batch.last + 1)
        got = sum(captives.get(t, {}).get(c, 0) for t in window for c in cats)
        path: Path = ("cadence", "batches", n)
        if batch.remainder:
            by = sum(captives.get(t, {}).get(c, 0) for t in captives if t <= batch.last for c in cats)
            need = sum(counts[c] for c in cats)
            if by < need:
                yield Violation("cadence", f"batch {n + 1} ({batch.label()}): {need - by} still held", batch.last, path)
        elif got != batch.count:
            yield Violation("cadence", f"batch {n + 1} ({batch.label()}) releases {got}", batch.last, path)
        others = sum(captives.get(t, {}).get(c, 0) for t in window for c in captives.get(t, {}) if c not in cats)
        if others:
            yield Violation(
                "cadence", f"batch {n + 1} releases {others} of categories it does not allow", batch.last, path
            )

    if a.extension is not None:
        ext = a.extension
        opened = True
        for day in rules.extension_days(a):
            got = sum(captives.get(day, {}).values())
            if got and (not opened or got != ext.per_day):
                yield Violation(
                    "extension",
                    f"day {day} of the extension releases {got} (each extra day needs {ext.per_day}, in a row)",
                    day,
                    ("extension",),
                )
            opened = opened and got == ext.per_day

    # Keys: settled by the day the captives are released (plus the key's lag), never beyond what is due.
    dues = rules.key_dues(a, captives)
    key_index = {k.id: n for n, k in enumerate(a.keys)}
    lags = {k.id: k.lag_days for k in a.keys}
    for (key, q), due in dues.items():
        paid = settled.get((key, q), {})
        lag = lags[key]
        for day in sorted(set(due) | set(paid)):
            owed = sum(n for t, n in due.items() if t + lag <= day)
            got = sum(n for t, n in paid.items() if t <= day)
            if got < owed:
                yield Violation("key", f"key {key}: {owed - got} {q} short by day {day}", day, ("keys", key_index[key]))
                break
        total_due, total_paid = sum(due.values()), sum(paid.values())
        if total_paid > total_due:
            yield Violation(
                "key", f"key {key}: {total_paid} {q} released for {total_due} due", None, ("keys", key_index[key])
            )
    for (rule, q), _ in settled.items():
        if rule in key_index and (rule, q) not in dues:
            yield Violation("key", f"key {rule} does not settle with {q}", None, ("keys", key_index[rule]))

    # Blocks.
    sizes = rules.block_counts(a)
    for n, b in enumerate(a.blocks):
        paid = settled.get((b.id, b.category), {})
        inside = sum(v for t, v in paid.items() if b.from_day <= t <= b.by_day)
        outside = sum(paid.values()) - inside
        if inside != sizes[b.id]:
            yield Violation(
                "block", f"block {b.id}: {inside} of {sizes[b.id]} released by day {b.by_day}", b.by_day, ("blocks", n)
            )
        if outside:
            yield Violation(
                "block", f"block {b.id}: {outside} released outside days {b.from_day}-{b.by_day}", None, ("blocks", n)
            )
    for rule, q in settled:
        for b in a.blocks:
            if b.id == rule and q != b.category:
                yield Violation("block", f"block {rule} is of {b.category}, not {q}")

    # Order of categories.
    for day in sorted(captives):
        yield from order_violations(a, captives, day)

    # Capacity.
    both = defaultdict(lambda: defaultdict(int), {d: defaultdict(int, v) for d, v in captives.items()})
    for t, v in prisoners.items():
        for c, k in v.items():
            both[t][c] += k
    for n, cap in enumerate(a.capacities):
        limited = set(cap.categories) or {c.id for c in a.side(cap.side).categories}
        for day in sorted(both):
            got = sum(v for c, v in both[day].items() if c in limited)
            if got > cap.max_per_day:
                yield Violation(
                    "capacity", f"{got} released, over the limit of {cap.max_per_day}", day, ("capacities", n)
                )

    # Exposure.
    if a.exposure_limit is not None:
        for day, worst in running_exposure(a, captives, prisoners, last_day).items():
            side, value = max(worst.items(), key=lambda kv: kv[1])
            if value > a.exposure_limit + 1e-9:
                yield Violation(
                    "exposure",
                    f"side {side} is exposed by {value:.3f}, over the limit {a.exposure_limit}",
                    day,
                    ("exposure_limit",),
                )
                break

    # Commitments: listed on the day they fall due.
    listed = {cid: d.day for d in plan.days for cid in d.commitments}
    due_days = rules.commitment_days(a, captives)
    for n, com in enumerate(a.commitments):
        due_day, _ = due_days[com.id]
        if due_day is not None and listed.get(com.id) != due_day:
            where = f"day {listed[com.id]}" if com.id in listed else "no day"
            yield Violation(
                "commitment",
                f"commitment {com.id} falls due on day {due_day}; the plan gives {where}",
                due_day,
                ("commitments", n),
            )


def order_violations(a: Agreement, captives: rules.Released, day: int) -> Iterator[Violation]:
    """Releases on ``day`` of a category while people of an earlier level are still held."""
    for level, later, held in rules.order_breaches(a, captives, day):
        earlier = [c for lv in a.cadence.order[:level] for c in lv]
        yield Violation(
            "order",
            f"{later} of {', '.join(a.cadence.order[level])} released while {held} of {', '.join(earlier)} are held",
            day,
            ("cadence", "order", level),
        )


def running_exposure(
    a: Agreement, captives: rules.Released, prisoners: rules.Released, last_day: int
) -> dict[int, dict[str, float]]:
    """Each side's exposure at the end of each day on which anything was released."""
    out: dict[int, dict[str, float]] = {}
    delivered = {a.batch_side.id: 0, a.other_side.id: 0}
    for day in sorted(set(captives) | set(prisoners)):
        if day > last_day:
            break
        delivered[a.batch_side.id] += sum(captives.get(day, {}).values())
        delivered[a.other_side.id] += sum(prisoners.get(day, {}).values())
        out[day] = rules.exposure(a, delivered)
    return out
