"""Ratification at home: whether each party's constituents would ratify a text, who blocks it, and by how much.

Two-level talks (R. D. Putnam, "Diplomacy and domestic politics: the logic of two-level games",
International Organization 42(3), 1988): a negotiator can accept only what its own side ratifies. A
constituent approves a text when its utility is at or above its reservation value and no red line of its
own is crossed; for a partial text its utility is a range over the completions, as for a party
(:mod:`truce.analysis.standing`), and its verdict may be "depends". The rule then counts votes: the
approvals certain to come, and those that might. Approvals each possible alone may need the open issues
settled in different ways, so the rule is read over the completions themselves: ratified or not "as the
open issues are settled" only when one completion wins every constituent of some winning coalition
together (:func:`ratifiable`) and one loses every constituent of some blocking set together
(:func:`certain`); ratified when none does the latter, though no constituent approves for certain. Each
coalition and each way a blocking set can refuse is a frontier to find: past :data:`MAX_WAYS` of them (a
majority of twelve has 792 winning coalitions) the rule is read from the constituents' own verdicts alone.

A constituent *blocks* a text the rule does not ratify when it does not approve it: "by how much" is how
far its utility falls below its reservation value (in its best completion) and which of its red lines the
text crosses.

How fragile the rule's verdict is (:class:`HomeFragility`): for each constituent with preferences, the
nearest point each way where what the rule decides changes as that constituent's reservation value alone
moves, every other constituent as it stands (exact: the rule can change only where its own approval flips,
as for a party in :mod:`truce.analysis.fragility`, or where it passes the best it gets in a completion the
rest of a winning coalition approves with it; a flip of its own approval that changes nothing is passed
over, not taken for the end of the search). Those constituents are the
*pivots*: "ratified unless the cabinet's hard-liners ask 0.03 more" or "ratified for certain if they accept
0.05 less". A constituent whose red lines the text crosses cannot be moved by its reservation and is named
apart; one known by its red lines alone has no reservation to move.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from truce.analysis.fragility import Flip, flip_json, nearest_flips
from truce.analysis.frontier import pareto_frontier
from truce.analysis.standing import (
    CLOSED,
    TOL,
    Verdict,
    completions,
    lines_met,
    signable,
    verdict_of,
)
from truce.analysis.tabled import restrict
from truce.model.compiled import OPEN, Bools, Compiled, Floats, Home, Ints, condition_mask
from truce.model.scenario import Constituent, Ratification


@dataclass(frozen=True)
class MemberStanding:
    """Where a text stands for one constituent."""

    id: str
    name: str
    votes: float
    low: float  # utility of the worst completion (0 for a constituent known by its red lines alone)
    high: float
    reservation: float
    verdict: Verdict
    crossed: tuple[str, ...]  # its red lines the text crosses, described
    at_risk: tuple[str, ...]  # its red lines an open issue could still cross
    assumption: bool
    sources: tuple[str, ...]
    closed: bool = False  # no completion of a partial text is clear of its red lines and the package rules

    @property
    def shortfall(self) -> float:
        """How far the best completion falls below its reservation value (0 if it does not)."""
        return max(0.0, self.reservation - self.high)

    def reasons(self) -> str:
        said = []
        if self.closed:
            said.append(CLOSED)
        elif self.shortfall > TOL:
            said.append(f"below its reservation {self.reservation:.2f} by {self.shortfall:.3f}")
        elif self.low < self.reservation - TOL:
            said.append(f"below its reservation in the worst completion, by {self.reservation - self.low:.3f}")
        said += [f"crosses its red line: {text}" for text in self.crossed]
        said += [f"could cross its red line: {text}" for text in self.at_risk]
        return "; ".join(said) or "approves"


@dataclass(frozen=True)
class Pivot:
    """A constituent whose reservation value alone can change what its side's rule decides."""

    id: str
    name: str
    reservation: float
    flip: Flip  # where its own approval flips, and to what
    ratified: Verdict  # what the rule decides after that flip, every other constituent as it stands

    def words(self) -> str:
        """E.g. "rises above 0.716 (it then may not approve: in doubt)"."""
        return f"{self.flip.words()} (it then {_APPROVES[self.flip.verdict]}: {_RATIFIED[self.ratified]})"


_APPROVES = {Verdict.yes: "approves", Verdict.no: "does not approve", Verdict.depends: "may not approve"}
_RATIFIED = {Verdict.yes: "ratified", Verdict.no: "not ratified", Verdict.depends: "in doubt"}
_STAYS = {Verdict.yes: "stays ratified", Verdict.no: "stays unratified", Verdict.depends: "stays in doubt"}


@dataclass(frozen=True)
class HomeFragility:
    """How far single constituents' reservation values must move to change the rule's verdict."""

    pivots: tuple[Pivot, ...]  # nearest flip each way per constituent, kept when it changes the rule's verdict
    fixed: tuple[str, ...]  # names of the constituents whose red lines the text crosses: no reservation moves them

    def text(self, verdict: Verdict) -> str:
        """E.g. "stays ratified unless the reservation value of X (now 0.500) rises above 0.716 (it then may
        not approve: in doubt)"."""
        clauses = []
        for pid in dict.fromkeys(p.id for p in self.pivots):  # one clause per constituent, in their order
            mine = [p for p in self.pivots if p.id == pid]
            moves = ", or ".join(p.words() for p in mine)
            clauses.append(f"the reservation value of {mine[0].name} (now {mine[0].reservation:.3f}) {moves}")
        if clauses:
            said = f"{_STAYS[verdict]} unless " + "; or ".join(clauses)
        else:
            said = f"{_STAYS[verdict]} whatever the reservation value of any one constituent"
        if self.fixed:
            said += f"; the text crosses red lines of {', '.join(self.fixed)}, which no reservation value moves"
        return said


@dataclass(frozen=True)
class HomeStanding:
    """Whether a party's ratification rule approves a text, and who stands in the way."""

    party: str
    rule: Ratification
    need: float  # votes needed (strictly more for a majority)
    strict: bool
    members: tuple[MemberStanding, ...]
    verdict: Verdict
    blockers: tuple[str, ...]  # ids of the constituents that do not (or may not) approve, when it fails
    fragility: HomeFragility
    alone: bool = False  # "depends" read from the approvals alone, past MAX_WAYS ways to ratify or block (_ways)

    @property
    def votes_for(self) -> float:
        return sum(m.votes for m in self.members if m.verdict is Verdict.yes)

    def rule_text(self) -> str:
        total = sum(m.votes for m in self.members)
        if self.rule.rule.value == "veto":
            return f"every one of {len(self.members)} constituents must approve"
        if self.rule.rule.value == "majority":
            return f"more than half of {total:g} votes"
        return f"at least {self.rule.threshold or 1.0:.0%} of {total:g} votes ({self.need:g})"

    def text(self) -> str:
        """E.g. "not ratified (more than half of 32 votes; 8 approve for certain); blocked by X (below its
        reservation 0.54 by 0.05)". Constituents against a text that is ratified all the same are named too."""
        total = sum(m.votes for m in self.members)
        head = {
            Verdict.yes: "ratified",
            Verdict.no: "not ratified",
            Verdict.depends: "ratified or not, as the open issues are settled",
        }
        said = f"{head[self.verdict]} ({self.rule_text()}; {self.votes_for:g} of {total:g} approve for certain)"
        if self.alone:
            said += (
                f"; read from each constituent's approval alone: the rule has more than {MAX_WAYS} ways to ratify or "
                "to block to read together over the completions, and the approvals each possible may need the open "
                "issues settled in different ways"
            )
        against = [m for m in self.members if m.verdict is not Verdict.yes]
        if not against:
            return said
        if self.verdict is Verdict.depends:
            # a rule in doubt: those whose approval turns on the open issues apart from those refusing in every way
            groups = (("in doubt", Verdict.depends), ("refusing in every completion", Verdict.no))
            for words, verdict in groups:
                named = [m for m in against if m.verdict is verdict]
                if named:
                    said += f"; {words}: " + ", ".join(f"{m.name} ({m.reasons()})" for m in named)
            return said
        words = "against it all the same" if self.verdict is Verdict.yes else "blocked by"
        return f"{said}; {words}: " + ", ".join(f"{m.name} ({m.reasons()})" for m in against)


def home_standings(c: Compiled, outcome: Ints) -> tuple[HomeStanding, ...]:
    """The ratification of one (possibly partial) outcome vector, for every compiled party with a rule."""
    return tuple(_home(c, home, outcome) for home in c.homes)


def _home(c: Compiled, home: Home, outcome: Ints) -> HomeStanding:
    pid = c.parties[home.party]
    rule = c.scenario.preferences[pid].ratification
    assert rule is not None and c.members is not None
    m = c.members
    members = tuple(
        _member(m, int(j), member, outcome) for j, member in zip(home.members, rule.constituents, strict=True)
    )

    lines = own_lines(m, home, rule)
    # a complete text's rule follows from the approvals alone; a partial one is read over its completions, by
    # way of the winning coalitions and the blocking sets, when there are few enough of them to go through
    ways = _ways(home, lines) if (outcome == OPEN).any() else None

    def decide(approvals: Sequence[Verdict], reservation: Floats) -> Verdict:
        verdict = rule_verdict(home, approvals)
        if verdict is not Verdict.depends or ways is None:
            return verdict
        moved = replace(m, reservation=reservation)
        if not ratifiable(moved, home, approvals, outcome, ways.winning):
            return Verdict.no  # each might approve, but no one way of settling the open issues wins them together
        if certain(moved, lines, outcome, ways.blocking):
            return Verdict.yes  # none is sure to approve, but no way of settling them loses them all together
        return verdict

    def joint(j: int) -> list[float]:
        if ways is None:
            return []
        member = int(home.members[j])
        refuse = [low for low in refusals(m, lines, outcome, ways.blocking, member) if low is not None]
        return together(m, home, [st.verdict for st in members], outcome, j, ways.winning) + refuse

    verdict = decide([st.verdict for st in members], m.reservation)
    blockers = () if verdict is Verdict.yes else tuple(st.id for st in members if st.verdict is not Verdict.yes)
    fragility = home_fragility(home, rule, members, verdict, (decide, joint, m.reservation))
    alone = ways is None and bool((outcome == OPEN).any()) and verdict is Verdict.depends
    return HomeStanding(pid, rule, home.need, home.strict, members, verdict, blockers, fragility, alone)


# What a rule decides given each constituent's approval and every constituent's reservation value; for one
# constituent (its place in the rule), its best utilities in completions the rest of a winning coalition
# approves with it; and every constituent's reservation value as it stands.
Rule = tuple[Callable[[Sequence[Verdict], Floats], Verdict], Callable[[int], list[float]], Floats]


def home_fragility(
    home: Home, rule: Ratification, members: Sequence[MemberStanding], verdict: Verdict, decides: Rule
) -> HomeFragility:
    """The pivots of a rule's verdict (see the module docstring): for each constituent, the nearest reservation
    value each way at which what the rule decides changes. The rule changes only where the constituent's own
    approval does, or where it passes the best it gets in a completion that the rest of some winning coalition
    approves with it (:func:`together`)."""
    decide, joint, reservation = decides
    approvals = [m.verdict for m in members]
    pivots = []
    for j, (m, constituent) in enumerate(zip(members, rule.constituents, strict=True)):
        if m.crossed or m.closed or not constituent.weights:
            continue  # its approval turns on its red lines alone

        def own(x: float, m: MemberStanding = m) -> Verdict:
            return verdict_of(m.low, m.high, x, crossed=False, at_risk=bool(m.at_risk))

        def ruled(x: float, j: int = j, own: Callable[[float], Verdict] = own) -> Verdict:
            moved = reservation.copy()
            moved[home.members[j]] = x
            return decide([*approvals[:j], own(x), *approvals[j + 1 :]], moved)

        # as for a party's reservation: the points sit half-way into the verdict's allowance below it
        points: tuple[float, ...] = (m.low + TOL / 2, m.high + TOL / 2)
        # a coalition's point that is its own approval's, summed in another order, is that point: kept once
        points += tuple(t + TOL / 2 for t in joint(j) if min(abs(t + TOL / 2 - x) for x in points) > 1e-9)
        for flip in nearest_flips(ruled, points, m.reservation):
            pivots.append(Pivot(m.id, m.name, m.reservation, replace(flip, verdict=own(_beyond(flip))), flip.verdict))
    return HomeFragility(tuple(pivots), tuple(m.name for m in members if m.crossed or m.closed))


def _beyond(flip: Flip) -> float:
    """A reservation value at which the flip has happened: its threshold, or just past it."""
    if flip.inclusive:
        return flip.threshold
    return flip.threshold + (1e-9 if flip.direction == "rises" else -1e-9)


def together(
    m: Compiled, home: Home, approvals: Sequence[Verdict], outcome: Ints, j: int, winning: Sequence[tuple[int, ...]]
) -> list[float]:
    """For the ``j``-th constituent of ``home``: per winning coalition holding it, its best utility in a
    completion of ``outcome`` that the coalition's others approve and that crosses none of its red lines.
    Its reservation value at or below one of these is what lets that coalition ratify."""
    member = int(home.members[j])
    refused = {int(k) for k, v in zip(home.members, approvals, strict=True) if v is Verdict.no and k != member}
    out = []
    for coalition in winning:
        if member not in coalition or refused & set(coalition):
            continue
        space = completions(m, coalition, outcome)
        if space is None:
            continue
        floor = space.reservation.copy()
        floor[coalition.index(member)] = -1.0
        front = pareto_frontier(replace(space, reservation=floor), zopa_only=True)
        if len(front):
            out.append(float(front.utilities[:, coalition.index(member)].max()))
    return out


def ratifiable(
    m: Compiled, home: Home, approvals: Sequence[Verdict], outcome: Ints, winning: Sequence[tuple[int, ...]]
) -> bool:
    """Whether some completion of ``outcome`` is approved by every constituent of one winning coalition of
    ``home`` together (``m``: the compiled constituents; ``approvals``: each one's own verdict, in the rule's
    order): approvals each possible alone may need the open issues settled in different ways."""
    refused = {int(j) for j, v in zip(home.members, approvals, strict=True) if v is Verdict.no}
    for coalition in winning:
        if refused & set(coalition):
            continue
        space = completions(m, coalition, outcome)
        if space is not None and len(pareto_frontier(space, zopa_only=True)):
            return True
    return False


Line = tuple[tuple[int, Bools], ...]  # a red line as (issue, options) masks, crossed when every one holds
MAX_WAYS = 64  # winning coalitions, or ways a blocking set can refuse, a partial text's rule is read over


@dataclass(frozen=True)
class Ways:
    """A rule's minimal winning coalitions and minimal blocking sets (indices into Compiled.members)."""

    winning: tuple[tuple[int, ...], ...]
    blocking: tuple[tuple[int, ...], ...]


def _ways(home: Home, lines: dict[int, list[Line]]) -> Ways | None:
    """The rule's ways to ratify and to block, or ``None`` past :data:`MAX_WAYS` of either (each is a frontier
    to find): the rule is then read from the constituents' own verdicts, as a complete text's is."""
    winning = tuple(home.winning())
    blocking = tuple(home.blocking()) if len(winning) <= MAX_WAYS else ()
    refusing = sum(math.prod(1 + len(lines[k]) for k in b) for b in blocking)
    if len(winning) > MAX_WAYS or refusing > MAX_WAYS:
        return None
    return Ways(winning, blocking)


def own_lines(m: Compiled, home: Home, rule: Ratification) -> dict[int, list[Line]]:
    """Each constituent's own red lines (by its index into ``m``), without the package rules ``m`` holds too."""
    index = {issue_id: i for i, issue_id in enumerate(m.issues)}
    return {
        int(k): [
            tuple((index[issue], condition_mask(m.options[index[issue]], cond)) for issue, cond in line.terms.items())
            for line in member.red_lines
        ]
        for k, member in zip(home.members, rule.constituents, strict=True)
    }


def certain(m: Compiled, lines: dict[int, list[Line]], outcome: Ints, blocking: Sequence[tuple[int, ...]]) -> bool:
    """Whether every completion of ``outcome`` is ratified: no minimal blocking set of constituents refuses one
    completion together, each by a red line of its own or by falling short of its reservation value."""
    for short, low in _refused(m, lines, outcome, blocking):
        if low is not None and (not short or low < m.reservation[short[0]] - TOL):
            return False
    return True


def refusals(
    m: Compiled, lines: dict[int, list[Line]], outcome: Ints, blocking: Sequence[tuple[int, ...]], member: int
) -> list[float | None]:
    """For constituent ``member``: per way a blocking set holding it can refuse a completion together with it
    falling short, the least utility it gets in such a completion (its reservation value above that lets the
    set refuse; ``None``: no such completion)."""
    return [low for _, low in _refused(m, lines, outcome, blocking, member)]


def _refused(
    m: Compiled,
    lines: dict[int, list[Line]],
    outcome: Ints,
    blocking: Sequence[tuple[int, ...]],
    member: int | None = None,
) -> list[tuple[tuple[int, ...], float | None]]:
    """Every way a minimal blocking set can refuse one completion of ``outcome`` together: each constituent by
    one of its red lines (the completion within its masks) or by falling short (listed in ``short``). With each,
    the least utility of ``short``'s first constituent (or ``member``, which must then be short) among the
    completions where the others fall short, or ``None`` when there is none (``-1`` when none need fall short)."""
    base = [
        np.arange(len(o)) == k if k != OPEN else np.ones(len(o), dtype=bool)
        for o, k in zip(m.options, outcome, strict=True)
    ]
    out: list[tuple[tuple[int, ...], float | None]] = []
    for blocked in blocking:
        for reasons in itertools.product(*([None, *lines[k]] for k in blocked)):
            masks = [b.copy() for b in base]
            for line in reasons:
                for i, mask in line or ():
                    masks[i] &= mask
            short = tuple(k for k, line in zip(blocked, reasons, strict=True) if line is None)
            if member is not None and member not in short:
                continue
            if not all(mk.any() for mk in masks):
                out.append((short, None))
            elif not short:
                out.append((short, -1.0))
            else:
                out.append((short, _lowest(m, short, masks, short[0] if member is None else member)))
    return out


def _lowest(m: Compiled, short: Sequence[int], masks: Sequence[Bools], j: int) -> float | None:
    """The least utility constituent ``j`` gets in a completion within ``masks`` where every other constituent
    of ``short`` falls short of its reservation value (``None``: there is none). Found as the frontier of the
    utilities each gives up against its best within the masks, so falling short is reaching a floor there."""
    rows = sorted({j, *short})
    top = [t[rows][:, mk].max(axis=1) for t, mk in zip(m.tables, masks, strict=True)]
    ceiling = np.sum(top, axis=0)
    floor = np.array([-1.0 if k == j else ceiling[n] - m.reservation[k] + 2 * TOL for n, k in enumerate(rows)])
    given_up = replace(
        m,
        parties=tuple(m.parties[k] for k in rows),
        tables=tuple(np.clip(best[:, None] - t[rows], 0.0, None) for best, t in zip(top, m.tables, strict=True)),
        allowed=tuple(np.ones((len(rows), len(o)), dtype=bool) for o in m.options),
        couplings=(),
        rules=(),
        reservation=floor,
        cost_of_delay=np.zeros(len(rows)),
        members=None,
        homes=(),
    )
    front = pareto_frontier(restrict(given_up, masks), zopa_only=True)
    if not len(front):
        return None
    return float(ceiling[rows.index(j)] - front.utilities[:, rows.index(j)].max())


def rule_verdict(home: Home, approvals: Sequence[Verdict]) -> Verdict:
    """What the rule decides given each constituent's approval: *yes* if the certain approvals suffice, *depends*
    if the possible ones would, *no* otherwise."""
    sure = np.array([[v is Verdict.yes for v in approvals]], dtype=bool)
    possible = np.array([[v is not Verdict.no for v in approvals]], dtype=bool)
    if bool(home.passes(sure)[0]):
        return Verdict.yes
    if bool(home.passes(possible)[0]):
        return Verdict.depends
    return Verdict.no


def _member(m: Compiled, j: int, member: Constituent, outcome: Ints) -> MemberStanding:
    low = high = 0.0
    for i, table in enumerate(m.tables):
        row = table[j]
        k = int(outcome[i])
        if k == OPEN:
            allowed = row[m.allowed[i][j]]
            low += float(row.min())
            high += float(allowed.max() if allowed.size else row.max())
        else:
            low += float(row[k])
            high += float(row[k])
    crossed, at_risk = lines_met(m, member.red_lines, outcome)
    high, closed = signable(m, j, outcome, high, bool(crossed))  # as for a party
    verdict = verdict_of(low, high, member.reservation, crossed=bool(crossed) or closed, at_risk=bool(at_risk))
    return MemberStanding(
        member.id,
        member.name,
        member.votes,
        low,
        high,
        member.reservation,
        verdict,
        tuple(crossed),
        tuple(at_risk),
        member.assumption,
        member.sources,
        closed,
    )


def home_json(h: HomeStanding) -> dict[str, Any]:
    return {
        "party": h.party,
        "rule": h.rule.rule.value,
        "threshold": h.rule.threshold,
        "votes_needed": round(h.need, 6),
        "strictly_more": h.strict,
        "votes_for": round(h.votes_for, 6),
        "ratified": h.verdict.value,
        "blockers": list(h.blockers),
        "text": h.text(),
        "fragility": {
            "pivots": [
                {
                    "constituent": pv.id,
                    "reservation": round(pv.reservation, 6),
                    **flip_json(pv.flip),
                    "ratified": pv.ratified.value,
                }
                for pv in h.fragility.pivots
            ],
            "fixed_by_red_lines": [m.id for m in h.members if m.crossed or m.closed],
            "text": h.fragility.text(h.verdict),
        },
        "constituents": [
            {
                "id": m.id,
                "name": m.name,
                "votes": m.votes,
                "approves": m.verdict.value,
                "utility": {"low": round(m.low, 6), "high": round(m.high, 6)},
                "reservation": round(m.reservation, 6),
                "shortfall": round(m.shortfall, 6),
                "red_lines_crossed": list(m.crossed),
                "assumption": m.assumption,
                "sources": list(m.sources),
            }
            for m in h.members
        ],
    }
