"""The engines: the batch engine equals the scalar one run by run; delay, shocks and uncertainty as documented."""

from __future__ import annotations

import itertools
from functools import cache

import numpy as np
import pytest

from truce.io.scenario_files import load_any
from truce.model.compiled import compile_scenario
from truce.model.generate import random_scenario
from truce.simulate import (
    AlternatingOffers,
    Delay,
    Runs,
    Setup,
    Shocks,
    SingleText,
    Space,
    StackedAlternatingOffers,
    Uncertainty,
    build_space,
    make_strategy,
    negotiate,
    run_many,
    seeds,
    simulate,
)
from truce.simulate import engine as engine_module
from truce.simulate.engine import MEDIATOR

FIELDS = ("agreed", "round", "day", "outcome", "utility", "cost", "net", "asked", "said_yes")
NAMES = ("boulware", "linear", "conceder", "tit-for-tat", "hardliner", "acceptor", "random")


@cache
def space(parties: int = 2, seed: int = 0, sizes: tuple[int, ...] = (5, 4, 6)) -> Space:
    scenario = random_scenario(np.random.default_rng(seed), parties, sizes, red_lines=True, reservation=0.25)
    costly = {
        p: prefs.model_copy(update={"cost_of_delay": 0.01 * (k + 1)})
        for k, (p, prefs) in enumerate(scenario.preferences.items())
    }
    return build_space(compile_scenario(scenario.model_copy(update={"preferences": costly})))


def same(a: Runs, b: Runs) -> bool:
    return all(np.array_equal(getattr(a, f), getattr(b, f)) for f in FIELDS)


def one_by_one(sp: Space, setup: Setup, run_seeds: list[np.random.SeedSequence]) -> Runs:
    return Runs.concat([negotiate(sp, setup, s).result for s in run_seeds])


@pytest.mark.parametrize("pair", list(itertools.product(NAMES, repeat=2)))
def test_batch_equals_scalar_on_every_pairing(pair: tuple[str, str]) -> None:
    setup = Setup(AlternatingOffers(40, 2), tuple(make_strategy(n) for n in pair))
    run_seeds = seeds(11, 12)
    assert same(run_many(space(), setup, run_seeds), one_by_one(space(), setup, run_seeds))


@pytest.mark.parametrize(
    "setup",
    [
        Setup(StackedAlternatingOffers(30), tuple(make_strategy(n) for n in ("linear", "random", "tit-for-tat"))),
        Setup(SingleText(30, mediator="hill"), tuple(make_strategy(n) for n in ("acceptor", "conceder", "linear"))),
        Setup(SingleText(30, mediator="anneal"), tuple(make_strategy(n) for n in ("boulware", "random", "acceptor"))),
        Setup(
            StackedAlternatingOffers(30, 3),
            tuple(make_strategy(n) for n in ("boulware", "conceder", "random")),
            Delay(discount=0.97),
            Shocks(0.3, {"p0": 0.05, "p2": -0.1}, 1.5),
            Uncertainty(0.3, 0.1, {"p1": (0.1, 0.5)}),
        ),
    ],
    ids=["stacked", "single-text-hill", "single-text-anneal", "all-conditions"],
)
def test_batch_equals_scalar_on_every_protocol(setup: Setup, monkeypatch: pytest.MonkeyPatch) -> None:
    sp = space(3, 4)
    run_seeds = seeds(5, 10)
    whole = run_many(sp, setup, run_seeds)
    assert same(whole, one_by_one(sp, setup, run_seeds))
    monkeypatch.setattr(engine_module, "_CELLS", 1)  # one run per batch: the same results
    assert same(whole, run_many(sp, setup, run_seeds))


def test_same_seed_same_results_and_other_seeds_differ() -> None:
    setup = Setup(AlternatingOffers(40), (make_strategy("random"), make_strategy("random")))
    a = run_many(space(), setup, seeds(1, 50))
    assert same(a, run_many(space(), setup, seeds(1, 50)))
    assert not same(a, run_many(space(), setup, seeds(2, 50)))
    assert same(a, run_many(space(), setup, seeds(np.random.SeedSequence(1), 50)))


def test_alternating_offers_is_bilateral() -> None:
    setup = Setup(AlternatingOffers(10), tuple(make_strategy("linear") for _ in range(3)))
    with pytest.raises(ValueError, match="bilateral"):
        negotiate(space(3, 1), setup, 0)
    with pytest.raises(ValueError, match="2 strategies for 3 parties"):
        negotiate(space(3, 1), Setup(StackedAlternatingOffers(10), setup.strategies[:2]), 0)


def test_no_deal_costs_every_day_and_keeps_the_reservation_value() -> None:
    sp = space()
    c = sp.compiled
    hard = make_strategy("hardliner")
    setup = Setup(AlternatingOffers(21, 3), (hard, hard), Delay(discount=0.9))
    r = negotiate(sp, setup, 0).result
    assert not r.agreed[0]  # their best outcomes differ
    assert r.day[0] == 7
    assert np.allclose(r.utility[0], c.reservation)
    assert np.allclose(r.cost[0], 7 * c.cost_of_delay)
    assert np.allclose(r.net[0], c.reservation * 0.9**7 - 7 * c.cost_of_delay)


def test_cost_of_delay_counts_the_days_it_took() -> None:
    c = compile_scenario(load_any("examples/gaza-2024"))
    sp = build_space(c)
    setup = Setup(AlternatingOffers(42), (make_strategy("boulware"), make_strategy("linear")))
    r = negotiate(sp, setup, 1).result
    assert r.agreed[0]
    assert r.day[0] == r.round[0] + 1
    assert np.allclose(r.cost[0], r.day[0] * c.cost_of_delay)
    assert np.allclose(r.net[0], r.utility[0] - r.cost[0])


def test_shocks_move_reservation_values_and_costs() -> None:
    sp = space()
    c = sp.compiled
    hard = make_strategy("hardliner")
    setup = Setup(AlternatingOffers(5), (hard, hard), Delay(costs=True), Shocks(1.0, {"p0": 0.1, "p1": -0.5}, 2.0))
    r = negotiate(sp, setup, 0).result
    assert not r.agreed[0]
    assert c.cost_of_delay.tolist() == [0.01, 0.02]
    # a shock at the start of days 2..5: four shifts, clipped to [0, 1]
    assert np.allclose(r.utility[0], np.clip(c.reservation + 4 * np.array([0.1, -0.5]), 0, 1).clip(0, 1))
    assert np.allclose(r.cost[0], c.cost_of_delay * (1 + 2 + 4 + 8 + 16))


def test_uncertainty_samples_reservations_in_their_range() -> None:
    setup = Setup(
        AlternatingOffers(20),
        (make_strategy("hardliner"), make_strategy("hardliner")),
        uncertainty=Uncertainty(reservation_range={"p0": (0.6, 0.7)}),
    )
    r = run_many(space(), setup, seeds(3, 40))
    no_deal = ~r.agreed
    assert no_deal.any()
    assert ((r.utility[no_deal, 0] >= 0.6) & (r.utility[no_deal, 0] <= 0.7)).all()
    assert len(set(r.utility[no_deal, 0].tolist())) > 1
    with pytest.raises(ValueError, match="unknown parties"):
        Shocks(0.1, {"nobody": 0.1}).shifts(("p0", "p1"))


def test_hill_mediator_adopts_only_what_every_party_votes_for() -> None:
    sp = space(3, 2)
    start = (0, 0, 0)
    setup = Setup(SingleText(40, start=start), tuple(make_strategy("hardliner") for _ in range(3)))
    steps = negotiate(sp, setup, 9).steps
    assert steps[0].outcome == start
    text = start
    for step in steps:
        if step.by == MEDIATOR and step.adopted is not None:
            assert step.adopted == all(step.responses)
            if step.adopted:
                text = step.outcome
        elif step.by == MEDIATOR:
            assert step.outcome == text


def test_simulate_summary_on_the_shipped_case() -> None:
    c = compile_scenario(load_any("examples/gaza-2024"))
    setup = Setup(
        AlternatingOffers(42),
        (make_strategy("boulware"), make_strategy("random")),
        uncertainty=Uncertainty(weight_noise=0.2, value_noise=0.05),
    )
    runs, summary = simulate(c, setup, runs=60, seed=3)
    data = summary.as_json()
    assert list(data)[:8] == [
        "runs",
        "agreement_rate",
        "agreement_by_day",
        "mean_rounds",
        "outcomes",
        "utilities",
        "cost_of_delay",
        "on_frontier_share",
    ]
    assert data["runs"] == 60
    by_day = data["agreement_by_day"]
    assert len(by_day) == 42
    assert all(a <= b for a, b in itertools.pairwise(by_day))
    assert by_day[-1] == pytest.approx(data["agreement_rate"])
    assert sum(o["share"] for o in data["outcomes"]) <= data["agreement_rate"] + 1e-9
    assert 0 <= data["on_frontier_share"] <= 1
    assert set(data["utilities"]) == {"israel", "hamas"}
    assert data["cost_of_delay"]["israel"] == pytest.approx(float(runs.cost[:, 0].mean()), abs=1e-6)


@pytest.mark.parametrize(
    ("protocol", "parties"),
    [(AlternatingOffers(30), 2), (StackedAlternatingOffers(30), 3), (SingleText(30, mediator="anneal"), 2)],
)
def test_each_partys_answers_are_counted_as_the_trace_shows_them(protocol: object, parties: int) -> None:
    """``asked`` and ``said_yes``: how often each party was asked to accept an offer or the text as the
    agreement, and how often it did, counted from the same answers the trace records."""
    names = ("random", "linear", "acceptor")[:parties]
    setup = Setup(protocol, tuple(make_strategy(n) for n in names))  # type: ignore[arg-type]
    for seed in range(5):
        one = negotiate(space(parties, 3), setup, seed)
        asked, yes = np.zeros(parties, dtype=np.int64), np.zeros(parties, dtype=np.int64)
        for step in one.steps:
            if step.adopted is not None:
                continue  # a vote on the mediator's change, not an answer to the text
            for p, answer in enumerate(step.responses):
                asked[p] += answer is not None
                yes[p] += bool(answer)
        if isinstance(protocol, StackedAlternatingOffers):  # a turn's refusal is its counter-offer, unrecorded
            assert (one.result.said_yes[0] == yes).all() and (one.result.asked[0] >= asked).all()
        else:
            assert (one.result.asked[0] == asked).all() and (one.result.said_yes[0] == yes).all()
