from __future__ import annotations

import math
import time
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cases import every_outcome, make, scenario_cases
from cli_runner import invoke_json, runner
from truce.analysis import zopa as zp
from truce.analysis import zopa_wide as zw
from truce.analysis.zopa import zopa
from truce.cli import app
from truce.io.scenario_files import scenario_to_data, scenario_to_text
from truce.model.compiled import Compiled, compile_scenario
from truce.model.generate import random_scenario

cases = scenario_cases(max_issues=5, max_reservation=0.7)


@settings(max_examples=60, deadline=None)
@given(case=cases, path=st.sampled_from(["enumerate", "count", "small chunks"]), subset=st.booleans())
def test_zopa_equals_brute_force(case: dict[str, object], path: str, subset: bool) -> None:
    c = make(case, spread=True)
    sel = [len(c.parties) - 1, 0] if subset else list(range(len(c.parties)))
    with pytest.MonkeyPatch.context() as m:
        m.setattr(zp, "ENUMERATE_MAX", 10**9 if path == "enumerate" else 0)
        if path == "small chunks":
            m.setattr(zp, "CHUNK", 4)
        z = zopa(c, sel)
    outcomes = every_outcome(c)
    accepted = outcomes[c.acceptable(outcomes)[:, sel].all(axis=1)]
    assert z.count == len(accepted) and isinstance(z.count, int)
    assert z.space == len(outcomes) and z.share == pytest.approx(len(accepted) / len(outcomes))
    assert z.empty == (len(accepted) == 0)
    assert z.parties == tuple(c.parties[p] for p in sel)
    if z.empty:
        assert z.best == () and z.worst == ()
        return
    u = c.utilities(accepted)[:, sel]
    for p in range(len(sel)):
        for point, target in ((z.best[p], u[:, p].max()), (z.worst[p], u[:, p].min())):
            assert c.acceptable(point.outcome)[0, sel].all()
            np.testing.assert_array_equal(c.utilities(point.outcome)[0, sel], point.utilities)
            assert point.utilities[p] == pytest.approx(target, abs=1e-12)


def test_huge_space_is_counted_exactly() -> None:
    sizes = [6] * 40
    c = compile_scenario(random_scenario(np.random.default_rng(1), 2, sizes))
    z = zopa(c)
    assert z.count == math.prod(sizes) == 6**40 and z.share == 1.0
    assert z.best[0].utilities[0] == pytest.approx(sum(t[0].max() for t in c.tables))
    assert z.worst[1].utilities[1] == pytest.approx(sum(t[1].min() for t in c.tables))


def test_huge_space_with_red_lines_and_reservations() -> None:
    sizes = [5] * 30
    c = compile_scenario(random_scenario(np.random.default_rng(2), 2, sizes, red_lines=True, reservation=0.1))
    z = zopa(c)
    assert 0 < z.count < 5**30
    allowed = [int(np.all(a, axis=0).sum()) for a in c.allowed]
    assert z.count <= math.prod(allowed)


def test_empty_zopa() -> None:
    c = compile_scenario(random_scenario(np.random.default_rng(3), 2, [3, 3, 3], reservation=0.99))
    z = zopa(c)
    assert z.empty and z.count == 0 and z.share == 0.0


# -- past the budget: meet in the middle, bounds, Monte Carlo ----------------------------------------------

small = scenario_cases(max_issues=5, max_reservation=0.8)


def truth(c: Compiled, sel: list[int]) -> int:
    outcomes = every_outcome(c)
    return int(c.acceptable(outcomes)[:, sel].all(axis=1).sum())


def one_or_two(c: Compiled, which: int) -> list[int]:
    return [[0], [len(c.parties) - 1, 0], [1]][which]


@settings(max_examples=80, deadline=None)
@given(case=small, which=st.integers(0, 2))
def test_meet_in_the_middle_equals_brute_force(case: dict[str, object], which: int) -> None:
    c = make(case, spread=True)
    sel = one_or_two(c, which)
    space = zw.feasible_space(c, np.asarray(sel, dtype=np.int64))
    assert zw.meet_in_the_middle(space, memory=1 << 26, deadline=None) == truth(c, sel)


@settings(max_examples=80, deadline=None)
@given(
    points=st.lists(st.tuples(st.integers(0, 4), st.integers(0, 4)), min_size=1, max_size=40),
    queries=st.lists(st.tuples(st.integers(-1, 5), st.integers(-1, 5)), min_size=1, max_size=20),
)
def test_dominance_count_equals_brute_force(points: list[tuple[int, int]], queries: list[tuple[int, int]]) -> None:
    # small integers, so that ties (equal to the query counts) are common
    expected = sum(1 for qx, qy in queries for x, y in points if x >= qx and y >= qy)
    got = zw._dominance(np.array(points, dtype=float), np.array(queries, dtype=float), None)
    assert got == expected


@settings(max_examples=80, deadline=None)
@given(case=small, which=st.integers(0, 2), cells=st.sampled_from([4, 64, 4096]))
def test_grid_bounds_contain_the_count(case: dict[str, object], which: int, cells: int) -> None:
    c = make(case, spread=True)
    sel = one_or_two(c, which)
    low, high = zw.grid_bounds(zw.feasible_space(c, np.asarray(sel, dtype=np.int64)), cells=cells)
    assert 0 <= low <= truth(c, sel) <= high <= math.prod(c.sizes)


def test_grid_bounds_tighten_with_the_grid() -> None:
    c = compile_scenario(random_scenario(np.random.default_rng(5), 2, [4] * 8, reservation=0.45))
    space = zw.feasible_space(c, np.arange(2))
    exact = truth(c, [0, 1])
    coarse, fine = zw.grid_bounds(space, cells=64), zw.grid_bounds(space, cells=1 << 20)
    assert coarse[0] <= fine[0] <= exact <= fine[1] <= coarse[1]
    assert fine[1] - fine[0] < (coarse[1] - coarse[0]) / 4


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_monte_carlo_interval_holds_the_count(seed: int) -> None:
    rng = np.random.default_rng(seed)
    c = compile_scenario(random_scenario(rng, 3, [3, 4, 5, 3, 4, 2], red_lines=True, reservation=0.35))
    sel = np.arange(3)
    e = zw.monte_carlo(c, sel, zw.feasible_space(c, sel), samples=20_000, seed=seed)
    exact = truth(c, [0, 1, 2])
    assert e.bounds[0] <= exact <= e.bounds[1] and e.bounds[0] <= e.count <= e.bounds[1]
    assert e.samples == 20_000 and 0 <= e.hits <= e.samples
    again = zw.monte_carlo(c, sel, zw.feasible_space(c, sel), samples=20_000, seed=seed)
    assert again == e  # seeded: the same figure every time


@settings(max_examples=40, deadline=None)
@given(case=small, which=st.integers(0, 3), memory=st.sampled_from([0, 1 << 30]))
def test_past_the_budget_the_figure_says_its_method(case: dict[str, object], which: int, memory: int) -> None:
    c = make(case, spread=True)
    sel = list(range(len(c.parties))) if which == 3 else one_or_two(c, which)
    exact = truth(c, sel)
    with pytest.MonkeyPatch.context() as m:
        m.setattr(zp, "ENUMERATE_MAX", 0)
        m.setattr(zp._Count, "attempt", lambda self: None)  # as if the layered count ran out of time
        z = zopa(c, sel, budget=None, memory=memory, samples=4096)
    low, high = z.bounds
    assert z.space == math.prod(c.sizes) and z.best == () and z.worst == ()
    if len(sel) <= 2 and memory:
        assert (z.method, z.count, z.bounds) == ("meet-in-the-middle", exact, (exact, exact))
    elif len(sel) <= 2:
        assert z.method == "bounds" and low <= exact <= high
        assert z.count == (low if low == high else None)
    else:
        assert z.method == "monte-carlo" and z.count is None and z.share is None
        assert z.estimate is not None and low <= z.estimate <= high and z.seed == 0 and z.samples == 4096
        assert (low > 0) == (z.estimate > 0)  # an acceptable outcome drawn shows the ZOPA is not empty
    assert z.empty == (high == 0)
    if z.empty:
        assert exact == 0


def test_the_layered_count_stops_at_its_memory_cap() -> None:
    c = compile_scenario(random_scenario(np.random.default_rng(1), 2, [6] * 30, reservation=0.5))
    assert zp._Count(c, np.arange(2), memory=1 << 20).attempt() is None


def test_a_hard_space_answers_within_its_budget() -> None:
    # two parties, 80 issues of 6 options, reservations 0.5: exact counting is hopeless
    c = compile_scenario(random_scenario(np.random.default_rng(1), 2, [6] * 80, reservation=0.5))
    start = time.monotonic()
    z = zopa(c, budget=0.5)
    assert time.monotonic() - start < 30
    assert z.method == "bounds" and z.count is None
    assert 0 < z.bounds[0] < z.bounds[1] < z.space


def test_frontier_says_how_the_zopa_was_counted(tmp_path: Path) -> None:
    s = random_scenario(np.random.default_rng(1), 2, [6] * 12, reservation=0.5)
    path = tmp_path / "talks.yaml"
    path.write_text(scenario_to_text(scenario_to_data(s)))
    out = invoke_json("frontier", str(path), "--zopa-budget", "0")
    z = out["zopa"]
    assert list(z) == [
        *("empty", "count", "share", "best", "worst"),
        *("bounds", "method", "estimate", "confidence", "samples", "seed"),
    ]
    c = compile_scenario(s)
    exact = zw.meet_in_the_middle(zw.feasible_space(c, np.arange(2)), memory=1 << 28, deadline=None)
    assert z["method"] == "bounds" and z["bounds"][0] <= exact <= z["bounds"][1]
    assert z["count"] is None and z["share"] is None and z["estimate"] is None and not z["empty"]
    text = runner.invoke(app, ["frontier", str(path), "--zopa-budget", "0"], env={"COLUMNS": "300"})
    assert text.exit_code == 0
    low, high = z["bounds"]
    assert f"ZOPA: between {low:,} and {high:,} of" in text.stdout and "certified bounds" in text.stdout
    bad = runner.invoke(app, ["frontier", str(path), "--zopa-budget", "-1"])
    assert bad.exit_code == 2
