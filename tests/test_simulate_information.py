"""Private information: each party offers from its own preferences only, on every size of space; the joint
frontier only under the named assumption ``information="complete"``."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest

from truce.analysis.frontier import pareto_frontier
from truce.model.compiled import Compiled, compile_scenario
from truce.model.generate import random_scenario
from truce.simulate import AlternatingOffers, Setup, build_space, make_strategy, negotiate, simulate
from truce.simulate.efficiency import Reference, to_frontier, to_nash
from truce.simulate.ladder import PRECISION, ladder
from truce.simulate.memory import Bayesian, Frequency
from truce.simulate.space import table_utilities


@pytest.mark.parametrize("seed", range(4))
def test_ladder_is_within_its_stated_precision_of_the_exact_answer(seed: int) -> None:
    rng = np.random.default_rng(seed)
    c = compile_scenario(random_scenario(rng, 2, (5, 6, 4, 7, 3), red_lines=True))
    full = build_space(c)
    for p in range(2):
        rows = ladder(tuple(t[p] for t in c.tables), tuple(a[p] for a in c.allowed))
        assert c.allowed[0].shape[0] == 2
        mine = np.sort(table_utilities(c.tables, rows)[:, p])
        allowed = np.ones(len(full), dtype=bool)
        for i, ok in enumerate(c.allowed):
            allowed &= ok[p, full.outcomes[:, i]]
        exact = np.sort(full.utilities[allowed, p])
        targets = rng.random(500) * exact[-1]
        best = exact[np.searchsorted(exact, targets)]
        found = mine[np.searchsorted(mine, targets)]
        assert (found >= targets).all()
        assert (found - best).max() < PRECISION


def test_big_space_is_private_by_default_and_complete_only_when_named() -> None:
    c = compile_scenario(random_scenario(np.random.default_rng(5), 2, (6,) * 8))  # 6^8 > 2^20 outcomes
    private = build_space(c)
    assert private.information == "private" and not private.enumerated
    frontier = {tuple(r) for r in np.asarray(pareto_frontier(c).outcomes).tolist()}
    for p in range(2):
        mine = private.outcomes[private.offerable(p)]
        # its own ladder reaches its best outcome, and most of what it offers is not efficient
        assert private.utilities[private.offerable(p), p].max() == pytest.approx(sum(t[p].max() for t in c.tables))
        assert np.mean([tuple(r) in frontier for r in mine.tolist()]) < 0.5
    complete = build_space(c, information="complete")
    assert complete.information == "complete"
    assert {tuple(r) for r in complete.outcomes.tolist()} == frontier


def test_complete_information_on_an_enumerated_space_offers_the_frontier_only() -> None:
    c = compile_scenario(random_scenario(np.random.default_rng(6), 2, (4, 5, 3)))
    sp = build_space(c, information="complete")
    frontier = {tuple(r) for r in np.asarray(pareto_frontier(c).outcomes).tolist()}
    setup = Setup(AlternatingOffers(20), (make_strategy("linear"), make_strategy("boulware")))
    for step in negotiate(sp, setup, 1).steps:
        assert step.outcome in frontier
    with pytest.raises(ValueError, match="information"):
        build_space(c, information="psychic")  # type: ignore[arg-type]


def _bilateral(seed: int, sizes: tuple[int, ...]) -> Compiled:
    return compile_scenario(random_scenario(np.random.default_rng(seed), 2, sizes))


def test_frequency_model_learns_what_the_opponent_keeps_and_offers() -> None:
    model = Frequency()
    state = model.start(1, (3, 3))
    for offer in ([0, 2], [1, 2], [2, 2], [0, 2]):  # issue 1 never moves, option 2 always offered there
        model.update(state, np.array([offer]), 0.5, np.array([True]))
    tables = model.tables(state)[0]
    assert tables[1].max() > tables[0].max()  # the issue kept unchanged weighs more
    assert int(np.argmax(tables[1])) == 2


def test_bayesian_model_ranks_the_opponents_best_option_first() -> None:
    model = Bayesian()
    state = model.start(1, (4, 4))
    for k in range(8):  # an opponent insisting on option 3 of issue 0, wandering on issue 1
        model.update(state, np.array([[3, k % 4]]), k / 10, np.array([True]))
    tables = model.tables(state)[0]
    assert int(np.argmax(tables[0])) == 3
    assert tables[0].max() > tables[1].max()


def test_a_model_brings_the_same_strategy_closer_to_the_frontier_and_nash() -> None:
    worse = 0
    for seed in range(4):
        c = _bilateral(seed, (6, 6, 5, 5))
        sp, reference = build_space(c), Reference.of(c)
        far = {}
        for name in ("boulware", "boulware+frequency"):
            steps = negotiate(sp, Setup(AlternatingOffers(100), (make_strategy(name),) * 2), 0).steps
            far[name] = to_frontier(np.array([s.utilities for s in steps]), reference).mean()
        worse += far["boulware+frequency"] >= far["boulware"]
    assert worse == 0


def test_a_model_composes_only_with_a_strategy_that_offers_by_a_target() -> None:
    assert make_strategy("tit-for-tat+bayesian").label == "tit-for-tat+bayesian"
    with pytest.raises(ValueError, match="target"):
        make_strategy("hardliner+frequency")
    with pytest.raises(ValueError, match="already has"):
        make_strategy("hardheaded+bayesian")
    with pytest.raises(ValueError, match="unknown opponent model"):
        make_strategy("boulware+psychic")


def test_summary_gives_every_runs_distance_to_frontier_and_nash() -> None:
    c = _bilateral(3, (4, 5, 3))
    setup = Setup(AlternatingOffers(40), (make_strategy("boulware"), make_strategy("linear")))
    runs, summary = simulate(c, setup, runs=30, seed=2)
    reference = Reference.of(c)
    nominal = np.where(runs.agreed[:, None], c.utilities(np.maximum(runs.outcome, 0)), c.reservation)
    assert summary.distance_to_frontier is not None and summary.distance_to_nash is not None
    assert summary.distance_to_frontier["mean"] == pytest.approx(to_frontier(nominal, reference).mean(), abs=1e-6)
    to_point = to_nash(nominal, reference)
    assert to_point is not None
    assert summary.distance_to_nash["mean"] == pytest.approx(to_point.mean(), abs=1e-6)
    assert summary.information == "private"
    complete = simulate(c, setup, runs=30, seed=2, space=build_space(c, information="complete"))[1]
    assert complete.information == "complete" and complete.distance_to_frontier == {"mean": 0, "p10": 0, "p90": 0}


def test_the_information_benchmark_measures_a_small_domain() -> None:
    path = Path(__file__).resolve().parents[1] / "benchmarks" / "bench_information.py"
    spec = importlib.util.spec_from_file_location("bench_information", path)  # benchmarks/ is not installed
    assert spec is not None and spec.loader is not None
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    c = _bilateral(11, (5, 4, 4))
    space, reference = build_space(c), Reference.of(c)
    rows = {name: bench.measure(space, reference, name) for name in ("boulware", "hardheaded")}
    for agree, offers, deals, nash in rows.values():
        assert 0 <= agree <= 1 and offers >= 0 and deals >= 0 and nash >= 0
    complete = bench.measure(build_space(c, information="complete"), reference, "boulware")
    assert complete[1] == pytest.approx(0.0)  # under complete information every offer is on the frontier
