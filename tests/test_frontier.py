from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cases import every_outcome, make, scenario_cases
from truce.analysis import dominance
from truce.analysis import frontier as fr
from truce.analysis.frontier import keys, pareto_frontier
from truce.model.checks import check_scenario
from truce.model.compiled import Compiled, compile_scenario
from truce.model.generate import random_scenario
from truce.model.scenario import Issue, IssueKind, Option, Party, Preferences, Scenario

cases = scenario_cases()


def brute_frontier(c: Compiled, sel: list[int], zopa_only: bool) -> dict[tuple[int, ...], tuple[int, ...]]:
    """Utility keys of the efficient outcomes, each with its lexicographically smallest outcome."""
    outcomes = every_outcome(c)
    ok = ~c.crossed(outcomes)[:, sel].any(axis=1)
    if zopa_only:
        ok &= c.acceptable(outcomes)[:, sel].all(axis=1)
    outcomes = outcomes[ok]
    k = keys(c.utilities(outcomes)[:, sel])
    found: dict[tuple[int, ...], tuple[int, ...]] = {}
    for row, outcome in zip(k, outcomes, strict=True):
        dominated = ((k >= row).all(axis=1) & (k > row).any(axis=1)).any()
        if not dominated:
            found.setdefault(tuple(row.tolist()), tuple(outcome.tolist()))
    return found


def as_dict(f: fr.Frontier) -> dict[tuple[int, ...], tuple[int, ...]]:
    return {tuple(k.tolist()): tuple(o.tolist()) for k, o in zip(keys(f.utilities), f.outcomes, strict=True)}


@settings(max_examples=60, deadline=None)
@given(
    case=cases,
    zopa_only=st.booleans(),
    enumerate_all=st.booleans(),
    subset=st.booleans(),
    leaf=st.sampled_from([1, 3, 128]),
)
def test_frontier_equals_brute_force(
    case: dict[str, object], zopa_only: bool, enumerate_all: bool, subset: bool, leaf: int
) -> None:
    c = make(case)
    sel = [len(c.parties) - 1, 0] if subset else list(range(len(c.parties)))
    with pytest.MonkeyPatch.context() as m:
        m.setattr(fr, "ENUMERATE_MAX", 10**9 if enumerate_all else 0)
        m.setattr(dominance, "_LEAF", leaf)  # small leaves exercise the tree search beyond the first pass
        f = pareto_frontier(c, sel, zopa_only=zopa_only)
    assert f.parties == tuple(c.parties[p] for p in sel)
    assert len(as_dict(f)) == len(f), "one outcome per utility vector"
    assert as_dict(f) == brute_frontier(c, sel, zopa_only)
    # utilities are exactly those of the outcomes; no red line crossed
    assert np.array_equal(c.utilities(f.outcomes)[:, sel] if len(f) else f.utilities, f.utilities)
    if len(f):
        assert not c.crossed(f.outcomes)[:, sel].any()


@settings(max_examples=80, deadline=None)
@given(case=cases, zopa_only=st.booleans(), most=st.integers(1, 24), by_pairs=st.booleans())
def test_a_thinned_frontier_keeps_its_stated_precision(
    case: dict[str, object], zopa_only: bool, most: int, by_pairs: bool
) -> None:
    """With the layers capped at a few rows (directly, or by a budget of pairs compared) the merge thins them:
    every efficient outcome (brute force) is then within ``precision`` of a listed one in every party's
    utility, and none listed is dominated by more than that; an exact frontier says precision 0."""
    c = make(case)
    sel = list(range(len(c.parties)))
    with pytest.MonkeyPatch.context() as m:
        m.setattr(fr, "ENUMERATE_MAX", 0)
        if by_pairs:
            m.setattr(fr, "MIN_CANDIDATES", most)
        else:
            m.setattr(fr, "MAX_CANDIDATES", most)
        f = pareto_frontier(c, zopa_only=zopa_only, pairs=most * 10 if by_pairs else fr.MAX_PAIRS)
    exact = np.array(list(brute_frontier(c, sel, zopa_only)), dtype=np.int64).reshape(-1, len(sel)) / fr.SCALE
    if f.precision == 0:
        assert as_dict(f) == brute_frontier(c, sel, zopa_only)
        return
    assert len(f) >= min(len(exact), 1) and not c.crossed(f.outcomes)[:, sel].any()
    assert np.allclose(c.utilities(f.outcomes)[:, sel], f.utilities)
    slack = f.precision + 1e-9
    for x in exact:  # every efficient outcome has a listed one within the precision
        assert (f.utilities >= x - slack).all(axis=1).any()
    for y in f.utilities:  # and nothing listed is beaten by more than it everywhere
        assert not (exact > y + slack).all(axis=1).any()
    if zopa_only:  # what is listed in the zone of agreement falls short of it by the precision at most
        assert (f.utilities >= c.reservation[sel] - slack).all()


@settings(max_examples=30, deadline=None)
@given(case=cases)
def test_points_are_undominated_and_sorted(case: dict[str, object]) -> None:
    c = make(case)
    f = pareto_frontier(c)
    k = keys(f.utilities)
    for row in k:
        assert not ((k >= row).all(axis=1) & (k > row).any(axis=1)).any()
    order = np.lexsort(tuple(-k[:, j] for j in range(k.shape[1] - 1, -1, -1)))
    assert np.array_equal(order, np.arange(len(f)))


def test_ties_keep_the_smallest_outcome() -> None:
    # two issues whose options are worth the same to both parties: every outcome ties
    issues = tuple(
        Issue(
            id=f"i{i}",
            name="x",
            kind=IssueKind.categorical,
            options=(Option(id="a", label="a"), Option(id="b", label="b")),
        )
        for i in range(2)
    )
    same = {"i0": {"a": 0.5, "b": 0.5}, "i1": {"a": 1.0, "b": 1.0}}
    prefs = {p: Preferences(assumption=True, weights={"i0": 1.0, "i1": 1.0}, values=same) for p in ("p0", "p1")}
    s = Scenario(
        id="ties",
        title="ties",
        parties=(Party(id="p0", name="a"), Party(id="p1", name="b")),
        issues=issues,
        preferences=prefs,
    )
    f = pareto_frontier(compile_scenario(s))
    assert f.outcomes.tolist() == [[0, 0]]
    np.testing.assert_allclose(f.utilities, [[0.75, 0.75]])


def test_large_two_party_space_is_not_enumerated() -> None:
    sizes = [6] * 40
    c = compile_scenario(random_scenario(np.random.default_rng(7), 2, sizes))
    f = pareto_frontier(c)
    assert math.prod(sizes) > 10**30 and len(f) > 10
    assert np.array_equal(c.utilities(f.outcomes), f.utilities)
    k = keys(f.utilities)
    assert (np.diff(k[:, 0]) < 0).all() and (np.diff(k[:, 1]) > 0).all()  # a strict staircase


def test_red_lines_and_couplings_are_respected() -> None:
    c = compile_scenario(random_scenario(np.random.default_rng(3), 3, [8, 8, 8, 8, 8], red_lines=True))
    f = pareto_frontier(c)
    assert len(f) and not c.crossed(f.outcomes).any()
    assert as_dict(f) == brute_frontier(c, [0, 1, 2], zopa_only=False)


@pytest.mark.parametrize("leaf", [2, 128])
def test_four_parties(leaf: int, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(dominance, "_LEAF", leaf)
    monkeypatch.setattr(fr, "ENUMERATE_MAX", 0)
    c = compile_scenario(random_scenario(np.random.default_rng(8), 4, [3, 4, 3, 4], red_lines=True, levels=3))
    assert as_dict(pareto_frontier(c)) == brute_frontier(c, [0, 1, 2, 3], zopa_only=False)


def test_single_party_gets_its_best_outcome() -> None:
    c = compile_scenario(random_scenario(np.random.default_rng(4), 2, [3, 4, 5]))
    f = pareto_frontier(c, [1])
    assert len(f) == 1
    assert f.utilities[0, 0] == pytest.approx(sum(t[1].max() for t in c.tables))


def test_bad_party_indices() -> None:
    c = compile_scenario(random_scenario(np.random.default_rng(5), 2, [2, 2]))
    for bad in ([], [2], [0, 0], [-1]):
        with pytest.raises(ValueError):
            pareto_frontier(c, bad)


def test_random_scenarios_are_valid_and_seeded() -> None:
    a = random_scenario(np.random.default_rng(9), 3, [2, 3, 4], red_lines=True, reservation=(0.1, 0.2, 0.3))
    b = random_scenario(np.random.default_rng(9), 3, [2, 3, 4], red_lines=True, reservation=(0.1, 0.2, 0.3))
    assert a == b and list(check_scenario(a)) == []
    assert [p.id for p in a.parties] == ["p0", "p1", "p2"]
    assert [i.id for i in a.issues] == ["i0", "i1", "i2"] and a.issues[2].options[3].id == "o3"
    assert a.preferences["p2"].reservation == 0.3
    with pytest.raises(ValueError):
        random_scenario(np.random.default_rng(9), 2, [1, 3])


def test_a_small_space_with_many_issues_is_enumerated() -> None:
    # 40 issues restricted to one option each but two: 4 outcomes, enumerated, past numpy's 32 dimensions
    from truce.analysis.tabled import restrict

    rng = np.random.default_rng(7)
    full = compile_scenario(random_scenario(rng, 2, [2] * 40))
    c = restrict(full, [np.array([True, i >= 38]) for i in range(40)])
    front = pareto_frontier(c)
    every = np.array([[0] * 38 + [a, b] for a in range(2) for b in range(2)], dtype=np.int64)
    assert len(front) >= 1
    u = c.utilities(every)
    for row in front.outcomes:
        v = c.utilities(row)[0]
        assert not np.any(np.all(u >= v, axis=1) & np.any(u > v + 1e-12, axis=1))


@pytest.mark.parametrize("parties", [3, 4, 5])
def test_the_merge_compares_about_its_budget_of_pairs_however_many_issues(
    monkeypatch: pytest.MonkeyPatch, parties: int
) -> None:
    """Four parties over twenty ten-option issues took 17 s and five over thirty 41 s, with nothing to bound
    them but rows a layer. The pairs of rows compared are counted, not timed: past the budget the layers thin
    more, so four times the issues do not compare four times the pairs, and the precision says what it cost."""
    budget = 2_000_000
    monkeypatch.setattr(fr, "MIN_CANDIDATES", 100)
    counted = dominance.Work()
    real = fr.dominated

    def counting(k: np.ndarray, work: dominance.Work | None = None) -> np.ndarray:
        before = counted.pairs
        out = real(k, counted)
        if work is not None:
            work.pairs += counted.pairs - before
        return out

    monkeypatch.setattr(fr, "dominated", counting)
    for issues in (10, 40):
        counted.pairs = 0
        c = compile_scenario(random_scenario(np.random.default_rng(issues), parties, (8,) * issues))
        f = pareto_frontier(c, pairs=budget)
        assert counted.pairs <= 2 * budget, (issues, counted.pairs)
        assert len(f) and f.precision > 0  # thinned: the budget, not the space, set the work
