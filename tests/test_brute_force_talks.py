"""The mediator-grade answers on talks with partial texts, readings, package rules and ratification at home,
checked against brute force over every outcome of small random talks (:mod:`talks_cases`): the bargaining
solutions and the ZOPA that ``truce frontier`` reports, the fewest-change bridges with their explanations, and
the trades."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from cases import every_outcome
from talks_cases import (
    acceptable_as_written,
    acceptable_inside,
    compiled_talks,
    held,
    inside_tabled,
    lines_and_rules_met,
    only_readings,
    tabled_here,
    term_value,
    utility,
)
from test_solutions import criteria
from truce.analysis.bargaining import bargaining
from truce.analysis.bridge import CRITERIA, Infeasible, bridge, criterion_keys
from truce.analysis.bridge import GAIN as BRIDGE_GAIN
from truce.analysis.frontier import keys
from truce.analysis.standing import lines_met
from truce.analysis.trades import GAIN, trades
from truce.model.compiled import OPEN, TOLERANCE, Compiled, Ints
from truce.model.scenario import Term

SEEDS = range(150)


def _expected_solution(c: Compiled, rows: Ints, sel: list[int], name: str) -> dict[str, str] | None:
    """The solution for the parties ``sel`` by its definition over ``rows`` (their ZOPA within the scope),
    measured from their reservation values, ties as documented: the concept's own criteria, then the most equal
    gains, then the smallest option indices."""
    if not len(rows):
        return None
    u, d = c.utilities(rows)[:, sel], c.reservation[sel]
    ranks = [keys(np.asarray(x, dtype=float)) for x in criteria(name, u, d, u.max(axis=0))]
    gains = np.maximum(u - d, 0.0)
    spread = keys(gains.max(axis=1) - gains.min(axis=1))
    best = min(range(len(rows)), key=lambda j: (*(-int(k[j]) for k in ranks), int(spread[j]), *rows[j].tolist()))
    return c.decode(rows[best])


@pytest.mark.parametrize("numeric", [False, True])
@pytest.mark.parametrize("scope", ["tabled", "all"])
@pytest.mark.parametrize("seed", SEEDS)
def test_frontier_solutions_and_zopa_equal_brute_force(seed: int, scope: str, numeric: bool) -> None:
    """Every side, or (``--parties``) two of three: each solution is the maximiser of its definition over the
    packages those sides accept and ratify within the scope, the ZOPA count is their number, and the frontier
    lists exactly the efficient utility vectors of the packages they can sign."""
    c = compiled_talks(seed, numeric=numeric)
    sel = [2, 0] if len(c.parties) == 3 and seed % 2 else list(range(len(c.parties)))
    b = bargaining(c, sel if len(sel) < len(c.parties) else None, scope=scope, zopa_budget=None)
    rows = every_outcome(c)
    inside = inside_tabled(c) if scope == "tabled" else np.ones(len(rows), dtype=bool)
    zone = rows[inside & c.acceptable(rows)[:, sel].all(axis=1)]
    assert b.zopa is not None and b.zopa.count == len(zone)
    # each side's best and worst package in the ZOPA
    in_zone = {tuple(row) for row in zone.tolist()}
    assert len(b.zopa.best) == len(b.zopa.worst) == (len(sel) if len(zone) else 0)
    for n, p in enumerate(sel if len(zone) else ()):
        for point, pick in ((b.zopa.best, np.max), (b.zopa.worst, np.min)):
            assert tuple(c.encode(b.compiled.decode(point[n].outcome)).tolist()) in in_zone
            assert point[n].utilities[n] == pytest.approx(pick(c.utilities(zone)[:, p]), abs=1e-12)
    for name, sol in b.solutions.items():
        expected = _expected_solution(c, zone, sel, name)
        assert (None if sol is None else b.compiled.decode(sol.outcome)) == expected, name
    feasible = rows[inside & ~c.barred(rows)[:, sel].any(axis=1)]
    u = keys(c.utilities(feasible)[:, sel])
    listed = keys(b.frontier.utilities)
    for v in u:
        assert np.any(np.all(listed >= v, axis=1))
    for v in listed:
        assert not np.any(np.all(u >= v, axis=1) & np.any(u > v, axis=1))
    signable = {tuple(row) for row in feasible.tolist()}
    assert all(tuple(c.encode(b.compiled.decode(o)).tolist()) in signable for o in b.frontier.outcomes)


def _changed(ref: Ints, row: Ints) -> frozenset[int]:
    return frozenset(int(i) for i in np.flatnonzero((ref != OPEN) & (row != ref)))


@pytest.mark.parametrize("numeric", [False, True])
@pytest.mark.parametrize("seed", SEEDS)
def test_bridges_within_the_tabled_terms_equal_brute_force(seed: int, numeric: bool) -> None:
    """From a text as tabled or as one side reads it: the ``k`` bridges are the best packages (by the criterion,
    then the smallest terms) changing inclusion-minimal sets of its terms, fewest changes first, within the
    tabled terms; one per set, or (``distinct=False``) every efficient one; each change names its issue, the
    term it replaces and the term it puts, and says whose reading alone holds a term."""
    c = compiled_talks(seed, numeric=numeric)
    s = c.scenario
    text = s.proposals[seed % len(s.proposals)]
    reading = text.readings[0].id if text.readings and seed % 2 else None
    reference = dict(s.terms_of(text.id, reading))
    criterion, k, distinct = CRITERIA[seed % len(CRITERIA)], 1 + seed % 3, seed % 5 != 4
    result = bridge(c, reference, criterion, k, scope="tabled", distinct=distinct)
    rows, ok = acceptable_inside(c, reference)
    if not ok.any():
        assert result.bridges == () and result.infeasible is not None
        _check_infeasible(c, reference, result.infeasible)
        return
    assert result.infeasible is None and result.search.complete
    ref = c.encode(reference)
    expected = _expected_bridges(c, ref, rows[ok], criterion, distinct)[:k]
    ideal = c.utilities(rows[ok]).max(axis=0)
    got = []
    for b in result.bridges:
        row = np.array(b.outcome, dtype=np.int64)
        assert ok[int(np.ravel_multi_index(tuple(row), c.sizes))], "acceptable to all, within the tabled terms"
        changed = _changed(ref, row)
        key = criterion_keys(c, c.utilities(row), criterion, ideal)[0]
        got.append((len(changed), tuple(-v for v in key), tuple(row.tolist())))
        assert [c.issues.index(ch.issue) for ch in b.changes] == sorted(changed)
        _check_explained(c, reference, b.terms, b.changes, b.filled)
        _check_improvements(c, row, b.improvements, rows[ok])
    assert got == expected


def _check_improvements(c: Compiled, row: Ints, improvements: tuple, admissible: Ints) -> None:
    """Each improvement is within the tabled terms, acceptable to all, leaves no side worse off and adds to the
    total; the first needs as few further changes as any such package; each change is told as a bridge's is."""
    u = c.utilities(row)[0]
    utils = c.utilities(admissible)
    better = np.all(utils >= u - 1e-12, axis=1) & (utils.sum(axis=1) >= u.sum() + BRIDGE_GAIN / 2)
    fewest = min((int((r != row).sum()) for r in admissible[better]), default=None)
    assert (fewest is None) == (improvements == ())
    inside = {tuple(r) for r in admissible.tolist()}
    for n, m in enumerate(improvements):
        other = np.array(m.outcome, dtype=np.int64)
        assert tuple(other.tolist()) in inside
        v = c.utilities(other)[0]
        assert np.all(v >= u - 1e-12) and v.sum() > u.sum()
        assert n > 0 or int((other != row).sum()) == fewest
        before = c.decode(row)
        assert [ch.issue for ch in m.changes] == [c.issues[i] for i in np.flatnonzero(other != row)]
        _check_explained(c, before, dict(m.terms), m.changes, ())


def _check_infeasible(c: Compiled, reference: dict[str, Term], why: Infeasible) -> None:
    """With no package every side accepts within the tabled terms: the least total lowering of reservation
    values that opens one among the packages crossing no red line or package rule and ratified at home, or,
    when none is ratified, the sides at home named; when red lines and rules leave nothing, they are named."""
    rows = every_outcome(c)
    inside = inside_tabled(c, reference)
    clean = inside & ~c.crossed(rows).any(axis=1)
    ratified = clean & c.ratified(rows).all(axis=1)
    if ratified.any():
        short = np.maximum(c.reservation - c.utilities(rows[ratified]), 0.0).sum(axis=1)
        if short.min() > 1e-9:
            assert sum(why.relaxation.values()) == pytest.approx(short.min(), abs=1e-7)
            assert why.text.startswith("no package is acceptable to all; the least relaxation that opens one")
            return
    if clean.any():
        assert not why.relaxation and "ratified at home" in why.text
    else:
        assert not why.relaxation and "rule out every outcome" in why.text


def _expected_bridges(c: Compiled, ref: Ints, admissible: Ints, criterion: str, distinct: bool) -> list[tuple]:
    """Every candidate bridge by brute force, best first: per inclusion-minimal set of changed terms, its best
    package (``distinct``) or each of its efficient ones, one per utility vector (the smallest terms)."""
    utils = c.utilities(admissible)
    ranks = criterion_keys(c, utils, criterion, utils.max(axis=0))
    by_set: dict[frozenset[int], list[int]] = {}
    for j, row in enumerate(admissible):
        by_set.setdefault(_changed(ref, row), []).append(j)
    minimal = [x for x in by_set if not any(y < x for y in by_set)]
    out = []
    u = keys(utils)
    for x in minimal:
        rows = by_set[x]
        efficient = [j for j in rows if not any(np.all(u[m] >= u[j]) and np.any(u[m] > u[j]) for m in rows)]
        first = {}
        for j in sorted(efficient, key=lambda j: tuple(admissible[j].tolist())):
            first.setdefault(tuple(u[j].tolist()), j)  # one package per utility vector: the smallest terms
        found = sorted((len(x), tuple(-v for v in ranks[j]), tuple(admissible[j].tolist())) for j in first.values())
        out += found[:1] if distinct else found
    return sorted(out)


def _check_explained(c: Compiled, reference: dict[str, str], terms: dict, changes: tuple, filled: tuple) -> None:
    s = c.scenario
    for ch in changes:
        issue = s.issue(ch.issue)
        assert (ch.before, ch.after) == (reference[ch.issue], terms[ch.issue])
        assert ch.text.startswith(f"{issue.name}: {issue.label(ch.before)} -> {issue.label(ch.after)}")
        i = c.issues.index(ch.issue)
        gains = c.tables[i][:, c.index(i, ch.after)] - c.tables[i][:, c.index(i, ch.before)]
        assert [ch.gains[p] for p in c.parties] == pytest.approx(gains.tolist())
        _check_holders(c, ch.issue, ch.after, ch.tabled, ch.only_read, ch.text)
    assert [f.issue for f in filled] == [i for i in c.issues if i not in reference]
    for f in filled:
        assert f.term == terms[f.issue]
        assert f.text.startswith(f"{s.issue(f.issue).name}: (open) -> {s.issue(f.issue).label(f.term)}")
        assert f.tabled == tabled_here(s, f.issue, f.term)
        readers = only_readings(s, f.issue, f.term)
        assert {(t.proposal, t.reading, t.by[0]) for term, t in f.only_read if term == f.term} == readers
        for proposal, reading, by in readers:
            assert f"{proposal} as read by {s.party(by).name}, reading {reading}" in f.text


def _check_holders(c: Compiled, issue: str, term: str, tabled: bool, only_read: tuple, text: str) -> None:
    """A term is flagged exactly when no text or reading holds it, and one only readings hold names them all."""
    s = c.scenario
    assert tabled == tabled_here(s, issue, term)
    assert text.endswith(" (not tabled by anyone)") == (not tabled)
    readers = only_readings(s, issue, term)
    assert {(t.proposal, t.reading, t.by[0]) for _, t in only_read} == readers
    assert ("tabled only in" in text) == bool(readers)
    for proposal, reading, by in readers:
        assert f"{proposal} as read by {s.party(by).name}, reading {reading}" in text


def _expected_trades(
    c: Compiled, reference: dict[str, Term], a: int, b: int, scope: str
) -> dict[tuple[str, str], tuple[int, int]]:
    """Per ordered pair of issues, the best key (smaller net gain, then total) of a trade by the definition, read
    off the scenario as written: ``a`` gives ground on the first and ``b`` gains, ``b`` gives ground on the
    second and ``a`` gains, both end better off (each gains more on the issue it receives than it gives on the
    one it concedes), the new terms within the scope, and the result meeting no red line or package rule (of
    any side) that the reference did not meet already."""
    s = c.scenario
    pa, pb = c.parties[a], c.parties[b]
    before = lines_and_rules_met(s, reference)
    found: dict[tuple[str, str], tuple[int, int]] = {}
    for i, j in itertools.permutations(reference, 2):
        for o, q in itertools.product(s.issue(i).option_ids(), s.issue(j).option_ids()):
            if o == reference[i] or q == reference[j]:
                continue
            if scope == "tabled" and any(held(s)[x] and not tabled_here(s, x, y) for x, y in ((i, o), (j, q))):
                continue
            di = {p: term_value(s, p, i, o) - term_value(s, p, i, reference[i]) for p in (pa, pb)}
            dj = {p: term_value(s, p, j, q) - term_value(s, p, j, reference[j]) for p in (pa, pb)}
            if not (di[pa] < -GAIN and di[pb] > GAIN and dj[pb] < -GAIN and dj[pa] > GAIN):
                continue
            net_a, net_b = di[pa] + dj[pa], di[pb] + dj[pb]
            if net_a <= GAIN or net_b <= GAIN or not lines_and_rules_met(s, {**reference, i: o, j: q}) <= before:
                continue
            key = (keys(np.array(min(net_a, net_b))).item(), keys(np.array(net_a + net_b)).item())
            found[(i, j)] = max(found.get((i, j), key), key)
    return found


@pytest.mark.parametrize("scope", ["tabled", "all"])
@pytest.mark.parametrize("seed", range(400))  # few small talks allow a trade at all: more of them
@pytest.mark.parametrize("numeric", [False, True])
def test_trades_equal_brute_force(seed: int, scope: str, numeric: bool) -> None:
    """Every trade is one by the definition, none the definition allows is missed, each pair of issues gets its
    best pair of new terms, and the trades come best first; the verdicts on a complete result are acceptability
    (and ratification at home) themselves."""
    c = compiled_talks(seed, numeric=numeric)
    s = c.scenario
    text = s.proposals[seed % len(s.proposals)]
    reading = text.readings[0].id if text.readings and seed % 2 else None
    reference = dict(s.terms_of(text.id, reading))
    a, b = (0, 1) if seed % 3 else (len(c.parties) - 1, 0)
    found = trades(c, reference, (c.parties[a], c.parties[b]), scope=scope)
    expected = _expected_trades(c, reference, a, b, scope)
    got = {}
    for t in found:
        assert t.first.gains[c.parties[a]] < 0 < t.first.gains[c.parties[b]]
        assert t.second.gains[c.parties[b]] < 0 < t.second.gains[c.parties[a]]
        net = (t.gains[c.parties[a]], t.gains[c.parties[b]])
        got[(t.first.issue, t.second.issue)] = (keys(np.array(min(net))).item(), keys(np.array(sum(net))).item())
        assert dict(t.terms) == {**reference, t.first.issue: t.first.after, t.second.issue: t.second.after}
        _check_holders(c, t.first.issue, t.first.after, t.first.tabled, t.first.only_read, t.first.text)
        _check_holders(c, t.second.issue, t.second.after, t.second.tabled, t.second.only_read, t.second.text)
        if len(t.terms) == len(c.issues):
            row = c.encode(dict(t.terms))
            u = c.utilities(row)[0]
            for p, pid in enumerate(c.parties):
                own = lines_met(c, s.preferences[pid].red_lines, row)[0]
                assert (t.verdicts[pid] == "yes") == (u[p] >= c.reservation[p] - 1e-9 and not own)
            for pid, h in t.homes.items():
                assert (h.verdict == "yes") == bool(c.ratified(row)[0, c.parties.index(pid)])
        _check_rules_said(c, reference, dict(t.terms), t.text)
    assert got == expected
    ranked = [(-got[(t.first.issue, t.second.issue)][0], -got[(t.first.issue, t.second.issue)][1]) for t in found]
    assert ranked == sorted(ranked)


def _check_rules_said(c: Compiled, reference: dict[str, str], terms: dict[str, str], text: str) -> None:
    """A package rule is the text's, not a side's, so no verdict shows it: a result that breaks one (every
    condition met), or could (those on open issues still possible), says so, and whether the reference did."""
    for rule in c.scenario.constraints:
        now, before = _rule_state(rule.never, terms), _rule_state(rule.never, reference)
        said = f"{now} package rule {rule.id} "
        assert (said in text) == (now is not None), (rule, text)
        assert ("No side can sign it as it stands." in text) >= (now == "breaks")
        if now is not None:
            tail = text.split(said, 1)[1].split(";")[0].split(". ")[0]
            assert ("as the text it starts from does" in tail) == (now == before), (rule, text)


def _rule_state(never: dict[str, object], terms: dict[str, str]) -> str | None:
    """How a text stands to a package rule: breaks it, could break it once its open issues are settled, or
    neither (``None``)."""
    if any(i in terms and terms[i] != o for i, o in never.items()):
        return None
    return "breaks" if all(i in terms for i in never) else "could break, once its open issues are settled,"


@pytest.mark.parametrize("numeric", [False, True])
@pytest.mark.parametrize("seed", SEEDS)
def test_the_oracles_arrays_are_the_scenario_as_written(seed: int, numeric: bool) -> None:
    """The oracles above take utilities and acceptability from the compiled arrays: on every package of these
    talks they are what the preferences, red lines, package rules and ratification rules say as written."""
    c = compiled_talks(seed, numeric=numeric)
    s = c.scenario
    rows = every_outcome(c)
    utils, ok = c.utilities(rows), c.acceptable(rows)
    for n, row in enumerate(rows):
        terms = c.decode(row)
        for p, pid in enumerate(c.parties):
            assert utils[n, p] == pytest.approx(utility(s, pid, terms), abs=1e-12)
            assert ok[n, p] == acceptable_as_written(s, pid, terms, TOLERANCE)
