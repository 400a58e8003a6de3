"""Bridging proposals: packages every party accepts, efficient, as close as can be to a text on the table.

A *bridging proposal* for a reference proposal (possibly partial) is an outcome that

1. every party accepts (utility at or above its reservation value, none of its red lines crossed),
2. is Pareto-efficient (no outcome that crosses no red line is at least as good for all and better for
   one), and
3. changes as few of the reference's terms as possible; issues the reference leaves open are filled,
   not counted as changes.

Ties on the number of changes are broken by a bargaining criterion, measured by the gains over the
reservation values (the disagreement point), scored as the solution concepts of
:mod:`truce.analysis.solutions` score them (so with an empty reference the first bridge is that
solution): ``nash`` (largest product of gains; Nash 1950), ``ks`` (Kalai and Smorodinsky 1975: largest
smallest gain as a share of the party's best possible gain in the ZOPA), ``egalitarian`` (leximin of
gains; Rawls 1971, Kalai 1977) or ``utilitarian`` (largest sum of utilities; Harsanyi 1955).

The method is exact. The efficient acceptable outcomes are exactly the outcomes, crossing no red line,
whose utility vectors are points of the ZOPA's Pareto frontier (an outcome that dominates an acceptable
one is itself acceptable if it crosses no red line). The frontier keeps one outcome per utility vector,
so for each vector that could enter the top ``k`` a search over the outcomes that reach exactly that
vector (branch and bound: issue by issue, pruned by what the remaining issues can still add for each
party and by the number of changes so far) finds the one that changes fewest terms. One bridge is
given per utility vector.

When no outcome is acceptable to all, :func:`bridge` says why: the smallest total relaxation of
reservation values that opens a ZOPA (a mixed-integer programme solved with HiGHS), and, when red lines
alone leave no outcome at all, a smallest set of red lines that cannot all be respected together.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp

from truce.analysis.standing import describe_condition
from truce.errors import InputError, Problem
from truce.model.compiled import OPEN, Compiled, Floats, Ints, condition_mask
from truce.model.scenario import IssueKind, Range, Term, is_number

CRITERIA = ("nash", "ks", "egalitarian", "utilitarian")
# the criteria by the names of their solution concepts in truce.analysis.solutions
ALIASES = {
    "nash": "nash",
    "ks": "kalai_smorodinsky",
    "kalai_smorodinsky": "kalai_smorodinsky",
    "egalitarian": "egalitarian",
    "utilitarian": "utilitarian",
}
TIE = 1e-12  # utilities closer than this are the same utility vector (the frontier's resolution)
_CHUNK = 20_000  # partial outcomes expanded at once by the exact search


@dataclass(frozen=True)
class TermChange:
    """One term of the reference changed by a bridge, and what it does to each party on its own."""

    issue: str
    before: Term
    after: Term
    gains: Mapping[str, float]  # party -> utility change from this term alone, the rest held
    text: str


@dataclass(frozen=True)
class Bridge:
    outcome: tuple[int, ...]
    terms: Mapping[str, Term]
    utilities: Mapping[str, float]
    changes: tuple[TermChange, ...]
    filled: Mapping[str, Term]  # issues the reference left open, and the term the bridge puts there


@dataclass(frozen=True)
class RedLineRef:
    """A red line named by its party and its place in the party's list (0-based)."""

    party: str
    index: int
    terms: Mapping[str, Any]
    text: str


@dataclass(frozen=True)
class Infeasible:
    """Why no outcome is acceptable to all: the parties whose requirements clash and by how much."""

    parties: tuple[str, ...]
    relaxation: Mapping[str, float]  # party -> how far its reservation value must come down
    red_lines: tuple[RedLineRef, ...]  # non-empty when red lines alone rule out every outcome
    text: str


@dataclass(frozen=True)
class BridgeResult:
    reference: Mapping[str, Term]
    criterion: str
    bridges: tuple[Bridge, ...]
    infeasible: Infeasible | None


def bridge(c: Compiled, reference: Mapping[str, Term], criterion: str = "nash", k: int = 3) -> BridgeResult:
    """Up to ``k`` bridging proposals for ``reference`` (see the module docstring), best first."""
    from truce.analysis.frontier import pareto_frontier

    if criterion not in ALIASES:
        raise InputError([Problem(f"unknown criterion {criterion!r} (expected one of {', '.join(CRITERIA)})")])
    if k < 1:
        raise InputError([Problem(f"k must be at least 1 (got {k})")])
    ref = reference_row(c, reference)
    front = pareto_frontier(c, None, zopa_only=True)
    if len(front.outcomes) == 0:
        return BridgeResult(dict(reference), criterion, (), infeasibility(c))
    rows = np.asarray(front.outcomes, dtype=np.int64)
    utils = np.asarray(front.utilities, dtype=float)
    rows, utils = _align(c, front.parties, rows, utils)
    chosen = _fewest_changes_per_vector(c, ref, rows, utils, criterion, k)
    bridges = tuple(_explain(c, ref, row) for row in chosen)
    return BridgeResult(dict(reference), criterion, bridges, None)


def bridge_proposal(c: Compiled, proposal_id: str, criterion: str = "nash", k: int = 3) -> BridgeResult:
    """Bridging proposals for a tabled proposal: its terms, with those it inherits along its lineage."""
    if proposal_id not in {p.id for p in c.scenario.proposals}:
        known = ", ".join(p.id for p in c.scenario.proposals) or "(none)"
        raise InputError([Problem(f"unknown proposal {proposal_id!r} (expected one of {known})", ("proposals",))])
    return bridge(c, c.scenario.terms_of(proposal_id), criterion, k)


def reference_row(c: Compiled, reference: Mapping[str, Term]) -> Ints:
    """The reference's terms as an outcome vector (``OPEN`` where it says nothing); bad terms raise."""
    problems: list[Problem] = []
    row = np.full(len(c.issues), OPEN, dtype=np.int64)
    for issue_id, term in reference.items():
        if issue_id not in c.issues:
            problems.append(Problem(f"unknown issue {issue_id!r}", ("reference", issue_id)))
            continue
        i = c.issues.index(issue_id)
        issue = c.scenario.issues[i]
        if issue.kind is IssueKind.numeric:
            grid = np.asarray(c.options[i], dtype=float)
            if not is_number(term) or np.min(np.abs(grid - float(term))) > 1e-9 * max(1.0, abs(float(term))):
                problems.append(Problem(f"{term!r} is not a value of {issue_id}", ("reference", issue_id)))
                continue
        elif term not in c.options[i]:
            problems.append(Problem(f"unknown option {term!r} of {issue_id}", ("reference", issue_id)))
            continue
        row[i] = c.index(i, term)
    if problems:
        raise InputError(problems)
    return row


def _align(c: Compiled, parties: Sequence[str], rows: Ints, utils: Floats) -> tuple[Ints, Floats]:
    """The frontier's utilities in the compiled party order (recomputed from the outcomes, exactly)."""
    if tuple(parties) != c.parties:
        utils = c.utilities(rows)
    return rows, utils


def changes_count(ref: Ints, rows: Ints) -> Ints:
    """How many terms of the reference each outcome changes (open issues of the reference do not count)."""
    fixed = ref != OPEN
    return np.asarray(((np.atleast_2d(rows) != ref) & fixed).sum(axis=1), dtype=np.int64)


def criterion_keys(c: Compiled, utils: Floats, criterion: str, ideal: Floats | None = None) -> list[tuple[int, ...]]:
    """A sort key per utility vector, larger is better, as :mod:`truce.analysis.solutions` scores them.

    ``nash``: product of gains, then sum of utilities; ``ks``: the smallest share ``gain / (ideal - d)``
    over parties with room to gain, then sum of utilities; ``egalitarian``: sorted gains (leximin);
    ``utilitarian``: sum of utilities, then leximin. Last, as the frontier's order: the first party's
    utility, then the next. Scores are compared rounded to 1e-12. ``ideal`` defaults to the best
    utility of each party among ``utils``.
    """
    u = np.atleast_2d(np.asarray(utils, dtype=float))
    d = c.reservation
    gains = np.maximum(u - d, 0.0)
    room = (u.max(axis=0) if ideal is None else np.asarray(ideal, dtype=float)) - d
    name = ALIASES[criterion]
    total = u.sum(axis=1)
    leximin = list(np.sort(gains, axis=1).T)
    if name == "nash":
        columns = [np.prod(gains, axis=1), total]
    elif name == "kalai_smorodinsky":
        counted = room > 1e-12
        columns = [np.min(gains[:, counted] / room[counted], axis=1), total] if counted.any() else [total]
    elif name == "egalitarian":
        columns = leximin
    else:
        columns = [total, *leximin]
    columns += list(u.T)
    table = np.rint(np.stack(columns, axis=1) * 1e12).astype(np.int64)
    return [tuple(int(x) for x in row) for row in table]


def _fewest_changes_per_vector(c: Compiled, ref: Ints, rows: Ints, utils: Floats, criterion: str, k: int) -> list[Ints]:
    n = len(rows)
    best_rows = [rows[j].copy() for j in range(n)]
    best = [int(x) for x in changes_count(ref, rows)]
    keys = criterion_keys(c, utils, criterion, ideal=utils.max(axis=0))

    def kth() -> int:
        return sorted(best)[min(k, n) - 1]

    # Try the vectors in the order they would be ranked, so that improvements come early.
    for j in sorted(range(n), key=lambda j: (best[j], _neg(keys[j]))):
        budget = min(best[j] - 1, kth())
        if budget < 0:
            continue
        found = fewest_changes_to(c, ref, utils[j], budget)
        if found is not None:
            best[j], best_rows[j] = found
    order = sorted(range(n), key=lambda j: (best[j], _neg(keys[j]), tuple(best_rows[j])))
    return [best_rows[j] for j in order[:k]]


def _neg(key: tuple[int, ...]) -> tuple[int, ...]:
    return tuple(-x for x in key)


def fewest_changes_to(c: Compiled, ref: Ints, target: Floats, budget: int) -> tuple[int, Ints] | None:
    """The outcome crossing no red line, with utilities ``target`` (within ``TIE``), that changes fewest
    terms of ``ref`` and at most ``budget``; ``None`` if there is none. Exact (branch and bound)."""
    n_issues = len(c.issues)
    usable = [np.flatnonzero(c.allowed[i].all(axis=0)) for i in range(n_issues)]
    if any(len(u) == 0 for u in usable):
        return None
    swing = [float(np.ptp(c.tables[i][:, usable[i]], axis=1).sum()) for i in range(n_issues)]
    # fixed issues first (the change budget bites early), the ones that move utilities most first
    order = sorted(range(n_issues), key=lambda i: (ref[i] == OPEN, -swing[i], i))
    parties = len(c.parties)
    lo = np.zeros((n_issues + 1, parties))
    hi = np.zeros((n_issues + 1, parties))
    for level in range(n_issues - 1, -1, -1):
        part = c.tables[order[level]][:, usable[order[level]]]
        lo[level] = lo[level + 1] + part.min(axis=1)
        hi[level] = hi[level + 1] + part.max(axis=1)
    target = np.asarray(target, dtype=float)
    best: list[Any] = [budget, None]  # fewest changes found (or allowed), and its outcome

    def expand(level: int, util: Floats, changes: Ints, picked: Ints) -> None:
        if len(util) == 0:
            return
        if len(util) > _CHUNK:
            for start in range(0, len(util), _CHUNK):
                stop = start + _CHUNK
                expand(level, util[start:stop], changes[start:stop], picked[start:stop])
            return
        if level == n_issues:
            full = np.empty_like(picked)
            full[:, order] = picked
            ok = np.all(np.abs(util - target) <= TIE, axis=1) & ~c.crossed(full).any(axis=1)
            if not ok.any():
                return
            full, count = full[ok], changes[ok]
            least = int(count.min())
            candidates = full[count == least]
            first = min(range(len(candidates)), key=lambda r: tuple(candidates[r]))
            if best[1] is None or least < best[0] or (least == best[0] and tuple(candidates[first]) < tuple(best[1])):
                best[0], best[1] = least, candidates[first].copy()
            return
        i = order[level]
        opts = usable[i]
        new_util = util[:, None, :] + c.tables[i][:, opts].T[None, :, :]
        moved = (opts != ref[i]).astype(np.int64) if ref[i] != OPEN else np.zeros(len(opts), dtype=np.int64)
        new_changes = changes[:, None] + moved[None, :]
        keep = new_changes <= best[0]
        keep &= np.all(new_util + lo[level + 1] <= target + TIE, axis=2)
        keep &= np.all(new_util + hi[level + 1] >= target - TIE, axis=2)
        a, b = np.nonzero(keep)
        expand(level + 1, new_util[a, b], new_changes[a, b], np.column_stack([picked[a], opts[b]]))

    expand(0, np.zeros((1, parties)), np.zeros(1, dtype=np.int64), np.zeros((1, 0), dtype=np.int64))
    if best[1] is None:
        return None
    return int(best[0]), np.asarray(best[1], dtype=np.int64)


def _explain(c: Compiled, ref: Ints, row: Ints) -> Bridge:
    utilities = c.utilities(row)[0]
    changes: list[TermChange] = []
    filled: dict[str, Term] = {}
    for i, issue_id in enumerate(c.issues):
        new = int(row[i])
        if ref[i] == OPEN:
            filled[issue_id] = c.options[i][new]
        elif ref[i] != new:
            changes.append(term_change(c, i, int(ref[i]), new))
    return Bridge(
        outcome=tuple(int(x) for x in row),
        terms=c.decode(row),
        utilities={p: float(u) for p, u in zip(c.parties, utilities, strict=True)},
        changes=tuple(changes),
        filled=filled,
    )


def term_change(c: Compiled, i: int, before: int, after: int) -> TermChange:
    """One issue moved from option ``before`` to ``after``: each party's gain, and a sentence."""
    issue = c.scenario.issues[i]
    delta = c.tables[i][:, after] - c.tables[i][:, before]
    gains = {p: float(d) for p, d in zip(c.parties, delta, strict=True)}
    old, new = c.options[i][before], c.options[i][after]
    return TermChange(issue.id, old, new, gains, change_text(c, issue.name, issue.label(old), issue.label(new), gains))


def change_text(c: Compiled, name: str, old: str, new: str, gains: Mapping[str, float]) -> str:
    """``Corridor: IDF remains -> phased withdrawal: Hamas gains 0.12, Israel gives 0.08``."""
    parts = []
    for pid, d in sorted(gains.items(), key=lambda kv: -kv[1]):
        if d > 1e-9:
            parts.append(f"{_party_name(c, pid)} gains {_amount(d)}")
        elif d < -1e-9:
            parts.append(f"{_party_name(c, pid)} gives {_amount(-d)}")
    said = ", ".join(parts) if parts else "no one gains or gives"
    return f"{name}: {old} -> {new}: {said}"


def _amount(x: float) -> str:
    """Two decimals, or one significant digit for amounts below 0.01 (so that none reads as 0.00)."""
    return f"{x:.2f}" if x >= 0.00995 else f"{x:.1g}"


def _party_name(c: Compiled, pid: str) -> str:
    try:
        return c.scenario.party(pid).name
    except KeyError:
        return pid


# ----------------------------------------------------------------------------------------------
# When there is no ZOPA


def infeasibility(c: Compiled) -> Infeasible:
    """Why no outcome is acceptable to every party.

    The smallest total relaxation ``sum(delta_p)`` of the reservation values such that some outcome
    crossing no red line gives every party ``u_p >= r_p - delta_p`` (a MILP). If red lines alone leave
    no outcome, a smallest set of red lines that cannot all be respected (a deletion filter: each red
    line is dropped in turn and kept out if the rest still conflict).
    """
    lines = red_lines(c)
    x = _solve(c, lines, relax=True)
    if x is None:
        conflict = list(lines)
        for line in list(conflict):
            rest = [other for other in conflict if other is not line]
            if _solve(c, rest, relax=False) is None:
                conflict = rest
        refs = tuple(line[0] for line in conflict)
        parties = tuple(dict.fromkeys(ref.party for ref in refs))
        said = [ref.text for ref in refs]
        if c.rules:  # package rules are never relaxed: name them beside the red lines they leave no room for
            said.append("package rules " + ", ".join(rule.id for rule in c.rules))
        text = ("red lines rule out" if refs else "package rules rule out") + " every outcome: " + "; ".join(said)
        return Infeasible(parties, {}, refs, text)
    utilities = c.utilities(x)[0]
    relaxation = {p: max(0.0, float(r - u)) for p, r, u in zip(c.parties, c.reservation, utilities, strict=True)}
    short = {p: d for p, d in relaxation.items() if d > 1e-12}
    text = "no package is acceptable to all; the least relaxation that opens one: " + ", ".join(
        f"{_party_name(c, p)} lowers its reservation value by {d:.3f}" for p, d in short.items()
    )
    return Infeasible(tuple(short), short, (), text)


_Line = tuple[RedLineRef, int, tuple[tuple[int, Any], ...]]


def red_lines(c: Compiled) -> list[_Line]:
    """Every red line of the compiled parties: (reference, party index, ((issue, option mask), ...))."""
    out: list[_Line] = []
    for p, pid in enumerate(c.parties):
        for k, line in enumerate(c.scenario.preferences[pid].red_lines):
            masks = []
            words = []
            for issue_id, cond in line.terms.items():
                i = c.issues.index(issue_id)
                masks.append((i, condition_mask(c.options[i], cond)))
                issue = c.scenario.issues[i]
                words.append(f"{issue.name} {describe_condition(issue, cond, equals='= ')}")
            text = f"{_party_name(c, pid)} red line {k + 1}: " + " and ".join(words)
            terms = {
                issue_id: cond.model_dump(exclude_none=True) if isinstance(cond, Range) else cond
                for issue_id, cond in line.terms.items()
            }
            out.append((RedLineRef(pid, k, terms, text), p, tuple(masks)))
    return out


def _solve(c: Compiled, lines: Sequence[_Line], relax: bool) -> Ints | None:
    """An outcome respecting ``lines`` (with least total relaxation of reservations if ``relax``)."""
    sizes = c.sizes
    starts = np.concatenate([[0], np.cumsum(sizes)]).astype(int)
    n_x = int(starts[-1])
    n_p = len(c.parties) if relax else 0
    upper = np.ones(n_x + n_p)
    upper[n_x:] = np.inf
    rows: list[Floats] = []
    low: list[float] = []
    high: list[float] = []

    def add(coef: Floats, lb: float, ub: float) -> None:
        rows.append(coef)
        low.append(lb)
        high.append(ub)

    for i, n in enumerate(sizes):
        coef = np.zeros(n_x + n_p)
        coef[starts[i] : starts[i] + n] = 1.0
        add(coef, 1.0, 1.0)
    # the package rules hold in every text, whatever red lines are dropped or reservations relaxed
    for masks in [*(line[2] for line in lines), *(rule.masks for rule in c.rules)]:
        if len(masks) == 1:
            i, mask = masks[0]
            upper[starts[i] : starts[i] + sizes[i]][mask] = 0.0
            continue
        coef = np.zeros(n_x + n_p)
        for i, mask in masks:
            coef[starts[i] : starts[i] + sizes[i]][mask] = 1.0
        add(coef, -np.inf, len(masks) - 1.0)
    if relax:
        for p in range(n_p):
            coef = np.zeros(n_x + n_p)
            for i, n in enumerate(sizes):
                coef[starts[i] : starts[i] + n] = c.tables[i][p]
            coef[n_x + p] = 1.0
            add(coef, float(c.reservation[p]), np.inf)
    objective = np.zeros(n_x + n_p)
    objective[n_x:] = 1.0
    integrality = np.zeros(n_x + n_p)
    integrality[:n_x] = 1
    result = milp(
        objective,
        constraints=LinearConstraint(np.array(rows), np.array(low), np.array(high)),
        integrality=integrality,
        bounds=Bounds(np.zeros(n_x + n_p), upper),
    )
    if result.x is None or result.status != 0:
        return None
    x = np.asarray(result.x[:n_x])
    return np.array([int(np.argmax(x[starts[i] : starts[i] + n])) for i, n in enumerate(sizes)], dtype=np.int64)


# ----------------------------------------------------------------------------------------------
# Stable JSON


def bridge_json(result: BridgeResult, reference_id: str | None = None) -> dict[str, Any]:
    """``{"reference": id, "bridges": [...], "infeasible": null | {...}}`` (the documented shape)."""
    infeasible = result.infeasible
    return {
        "reference": reference_id,
        "criterion": result.criterion,
        "bridges": [
            {
                "terms": dict(b.terms),
                "utilities": dict(b.utilities),
                "changes": [
                    {"issue": ch.issue, "from": ch.before, "to": ch.after, "gains": dict(ch.gains), "text": ch.text}
                    for ch in b.changes
                ],
                "filled": dict(b.filled),
            }
            for b in result.bridges
        ],
        "infeasible": None
        if infeasible is None
        else {
            "parties": list(infeasible.parties),
            "relaxation": dict(infeasible.relaxation),
            "red_lines": [
                {"party": r.party, "index": r.index, "terms": dict(r.terms), "text": r.text}
                for r in infeasible.red_lines
            ],
            "text": infeasible.text,
        },
    }
