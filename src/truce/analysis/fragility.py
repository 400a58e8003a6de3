"""How fragile a verdict is: how far a party's reservation value, or the weight it puts on one issue,
must move before its verdict on a proposal flips.

The verdict (:func:`truce.analysis.standing.verdict_of`) depends on the utility of the worst and the
best completion of the proposal, ``low`` and ``high`` (equal for a complete text), on the reservation
value ``r`` and on the red lines: *no* if a red line is crossed or ``high < r``; *depends* if some
completion could cross a red line or ``low < r``; *yes* otherwise.

Reservation. ``low`` and ``high`` do not depend on ``r``, so the verdict can change only where ``r``
passes one of them: yes for ``r <= low``, depends for ``low < r <= high``, no for ``r > high``. For a
complete text the threshold is the utility itself.

One issue's weight. Set the party's (normalised) weight on issue ``i`` to ``w`` and scale every other
weight by ``(1 - w) / (1 - w_i)``, so the others keep their proportions and all still sum to 1. Then

    low(w) = w * a_i + (1 - w) * A,    high(w) = w * b_i + (1 - w) * B

where ``a_i`` (``b_i``) is the party's value of the term on ``i``, or of its worst (best allowed) option
when the text leaves ``i`` open, and ``A`` (``B``) is the utility of the worst (best) completion of the
other issues under their renormalised weights. This is exact, with no linear programme: a completion
chooses each open issue on its own (the utility is a sum over issues), and scaling the other issues'
weights by one positive factor does not change which option is worst or best on any of them. When red
lines over several issues tie the open issues together (:func:`truce.analysis.standing.open_couplings`),
the best completion is the highest of one such line per way of settling ``i`` (each with the best
completion of the rest that settles ``i`` so), and every line's crossing is a candidate point. Both lines
are linear in ``w``, so each meets ``r`` at most once in ``[0, 1]``, at ``w = (r - A) / (a_i - A)``.
The verdict is constant between those points; the nearest one each way is where the verdict flips.

Red lines do not move with weights or the reservation: a verdict forced by a crossed red line cannot
be flipped by either, and a red line some completion could cross keeps the verdict from being *yes*.
Issues the party gives no weight have no values to weigh (no stated position) and are left out.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any, Literal

import numpy as np

from truce.analysis.standing import (
    CLOSED,
    TOL,
    Standing,
    Verdict,
    best_completion,
    open_couplings,
    standings,
    verdict_of,
)
from truce.model.compiled import OPEN, Compiled, Floats, Ints

Direction = Literal["rises", "falls"]
SHOWN = 3  # weight flips named in the text; the JSON lists them all


@dataclass(frozen=True)
class Flip:
    """Where a verdict flips as one quantity moves one way from where it stands."""

    direction: Direction
    threshold: float
    inclusive: bool  # the verdict flips at the threshold itself, not only beyond it
    verdict: Verdict  # the verdict after the flip

    def words(self) -> str:
        if self.direction == "rises":
            return f"rises {'to' if self.inclusive else 'above'} {self.threshold:.3f}{' or above' * self.inclusive}"
        return f"falls {'to' if self.inclusive else 'below'} {self.threshold:.3f}{' or below' * self.inclusive}"


@dataclass(frozen=True)
class WeightFlips:
    issue: str
    weight: float  # the party's normalised weight on the issue now
    flips: tuple[Flip, ...]  # at most one rising and one falling; empty: no weight in [0, 1] flips it


@dataclass(frozen=True)
class Fragility:
    party: str
    verdict: Verdict
    reservation: float
    forced_by: tuple[str, ...]  # red lines crossed: no reservation or weight can flip the verdict
    reservation_flips: tuple[Flip, ...]  # at most one rising and one falling
    weights: tuple[WeightFlips, ...]  # every issue the party weighs, in issue order
    text: str  # "holds unless its reservation ..., or its weight on ... "


def fragility(c: Compiled, outcome: Ints, standing: Sequence[Standing] | None = None) -> list[Fragility]:
    """The fragility of every compiled party's verdict on one (possibly partial) outcome vector."""
    stands = list(standing) if standing is not None else standings(c, outcome)
    return [_fragility(c, p, outcome, stands[p]) for p in range(len(c.parties))]


def _fragility(c: Compiled, p: int, outcome: Ints, st: Standing) -> Fragility:
    crossed, at_risk = bool(st.crossed) or st.closed, bool(st.at_risk)
    r = st.reservation

    def at_reservation(x: float) -> Verdict:
        return verdict_of(st.low, st.high, x, crossed=crossed, at_risk=at_risk)

    # The verdict allows a utility TOL below the reservation, so it flips just past low + TOL (high + TOL);
    # the points sit half-way into that allowance, robustly on the side that meets the reservation.
    reservation_flips = () if crossed else nearest_flips(at_reservation, (st.low + TOL / 2, st.high + TOL / 2), r)
    weights = _issue_weights(c, p)
    low_parts, high_parts = _parts(c, p, outcome)
    tied = not crossed and open_couplings(c, p, outcome)
    issue_flips = []
    for i, w0 in enumerate(weights):
        if w0 <= 0:
            continue  # no stated position: no values to weigh
        flips: tuple[Flip, ...] = ()
        if not crossed and w0 < 1 - TOL:
            rest = 1 - w0
            # Value of the term on i, and the other issues' worst completion renormalised to sum 1.
            a = low_parts[i] / w0
            low_rest = (low_parts.sum() - low_parts[i]) / rest
            # The best completion: one line (value on i, the rest's best renormalised) per way of settling i.
            if tied:
                lines = _tied_lines(c, p, outcome, i, w0, st.high)
            else:
                lines = [(high_parts[i] / w0, (high_parts.sum() - high_parts[i]) / rest)]

            def at_weight(w: float, a: float = a, lr: float = low_rest, lines: list[Line] = lines) -> Verdict:
                low = w * a + (1 - w) * lr
                high = max(w * b + (1 - w) * hr for b, hr in lines)
                return verdict_of(low, high, r, crossed=crossed, at_risk=at_risk)

            crossings = (_crossing(a, low_rest, r), *(_crossing(b, hr, r) for b, hr in lines))
            flips = nearest_flips(at_weight, [t for t in crossings if t is not None], w0, lo=0.0, hi=1.0)
        issue_flips.append(WeightFlips(c.issues[i], w0, flips))
    result = Fragility(
        party=c.parties[p],
        verdict=st.acceptable,
        reservation=r,
        forced_by=(*st.crossed, CLOSED) if st.closed else st.crossed,
        reservation_flips=reservation_flips,
        weights=tuple(issue_flips),
        text="",
    )
    return replace(result, text=_text(c, result))


Line = tuple[float, float]  # (value on one issue, the rest's renormalised utility): the utility at weight w


def _tied_lines(c: Compiled, p: int, outcome: Ints, i: int, w0: float, best: float) -> list[Line]:
    """The best completion's lines as the weight on issue ``i`` moves, when red lines over several issues tie
    the open issues together: the best completion that settles ``i`` each way it may be settled (scaling the
    other issues' weights by one factor changes none of their best completions), so the best completion at
    weight ``w`` is the highest of these lines."""
    row, rest = c.tables[i][p], 1 - w0
    if outcome[i] != OPEN:
        return [(row[outcome[i]] / w0, (best - row[outcome[i]]) / rest)]
    if not any(cp.party == p and any(k == i for k, _ in cp.masks) for cp in c.couplings):
        # no red line ties this issue to another: its best allowed option goes with the rest's best, whatever w
        top = float(row[c.allowed[i][p]].max())
        return [(top / w0, (best - top) / rest)]
    lines = []
    for o in np.flatnonzero(c.allowed[i][p]):
        found = best_completion(c, p, outcome, pick=(i, int(o)))
        if found is not None:
            lines.append((row[o] / w0, (found - row[o]) / rest))
    return lines


def _issue_weights(c: Compiled, p: int) -> list[float]:
    """The party's weights, normalised to sum to 1, per issue (0 where it states no position)."""
    weights = c.scenario.preferences[c.parties[p]].weights
    total = sum(weights.values())
    return [weights.get(issue, 0.0) / total if total > 0 else 0.0 for issue in c.issues]


def _parts(c: Compiled, p: int, outcome: Ints) -> tuple[Floats, Floats]:
    """Each issue's share of the worst and of the best completion's utility (as in the standing)."""
    low = np.empty(len(c.issues))
    high = np.empty(len(c.issues))
    for i, table in enumerate(c.tables):
        row, k = table[p], int(outcome[i])
        if k == OPEN:
            allowed = row[c.allowed[i][p]]
            low[i], high[i] = float(row.min()), float(allowed.max() if allowed.size else row.max())
        else:
            low[i] = high[i] = float(row[k])
    return low, high


def _crossing(value: float, rest: float, r: float) -> float | None:
    """Where ``w * value + (1 - w) * rest`` meets the reservation, if in [0, 1].

    The verdict allows a utility ``TOL`` below the reservation; aiming half-way into that allowance puts
    the point itself robustly on the side that meets the reservation, whatever the rounding."""
    slope = value - rest
    if abs(slope) < 1e-15:
        return None
    w = (r - TOL / 2 - rest) / slope
    return w if 0.0 <= w <= 1.0 else None


def nearest_flips(
    verdict: Callable[[float], Verdict], points: Sequence[float], now: float, lo: float = 0.0, hi: float = 1.0
) -> tuple[Flip, ...]:
    """The nearest flip each way from ``now`` of a verdict that is constant between the given points.

    Between two neighbouring points the verdict is constant, so it is read at their midpoint; at a point
    itself it may already have flipped (``inclusive``) or flip only beyond it."""
    current = verdict(now)
    marks = sorted({min(max(t, lo), hi) for t in points})
    found: list[Flip] = []
    above = [t for t in marks if t >= now]
    for n, t in enumerate(above):
        nxt = above[n + 1] if n + 1 < len(above) else hi
        if t > now and verdict(t) != current:
            found.append(Flip("rises", t, True, verdict(t)))
            break
        if t < hi and verdict((t + nxt) / 2) != current:
            found.append(Flip("rises", t, False, verdict((t + nxt) / 2)))
            break
    below = [t for t in reversed(marks) if t <= now]
    for n, t in enumerate(below):
        prev = below[n + 1] if n + 1 < len(below) else lo
        if t < now and verdict(t) != current:
            found.append(Flip("falls", t, True, verdict(t)))
            break
        if t > lo and verdict((t + prev) / 2) != current:
            found.append(Flip("falls", t, False, verdict((t + prev) / 2)))
            break
    return tuple(found)


def _text(c: Compiled, f: Fragility) -> str:
    if f.forced_by:
        return "no whatever its reservation or weights: it crosses a red line (" + "; ".join(f.forced_by) + ")"
    clauses = []
    if f.reservation_flips:
        moves = " or ".join(f"{flip.words()} (then {flip.verdict.value})" for flip in f.reservation_flips)
        clauses.append(f"its reservation (now {f.reservation:.3f}) {moves}")
    # The weight flips nearest to where the party stands first.
    nearest = sorted(
        ((abs(flip.threshold - wf.weight), wf, flip) for wf in f.weights for flip in wf.flips), key=lambda m: m[0]
    )
    for _, wf, flip in nearest[:SHOWN]:
        name = c.scenario.issue(wf.issue).name
        clauses.append(f"its weight on {name} (now {wf.weight:.3f}) {flip.words()} (then {flip.verdict.value})")
    if len(nearest) > SHOWN:
        clauses.append(f"one of {len(nearest) - SHOWN} other changes of one issue's weight")
    if not clauses:
        return "holds whatever its reservation or the weight of any one issue"
    return "holds unless " + ", or ".join(clauses) + ("" if nearest else "; no change of one issue's weight flips it")


def _round(x: float) -> float:
    return round(x, 6)


def flip_json(flip: Flip) -> dict[str, Any]:
    return {
        "direction": flip.direction,
        "threshold": _round(flip.threshold),
        "inclusive": flip.inclusive,
        "verdict": flip.verdict.value,
    }


def fragility_json(f: Fragility) -> dict[str, Any]:
    """The stable shape of ``standing[party].fragility`` (docs/json.md)."""
    return {
        "forced_by_red_lines": list(f.forced_by),
        "reservation": [flip_json(flip) for flip in f.reservation_flips],
        "weights": {
            wf.issue: {"weight": _round(wf.weight), "flips": [flip_json(flip) for flip in wf.flips]} for wf in f.weights
        },
        "text": f.text,
    }
