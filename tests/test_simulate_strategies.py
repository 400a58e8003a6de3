"""The conformance test every strategy inherits, and the registry checked against the classes defined."""

from __future__ import annotations

import importlib
import inspect
import pickle
import pkgutil
from functools import cache

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from truce.analysis.frontier import pareto_frontier
from truce.model.compiled import compile_scenario
from truce.model.generate import random_scenario
from truce.simulate import (
    STRATEGIES,
    AlternatingOffers,
    Setup,
    SingleText,
    Space,
    StackedAlternatingOffers,
    Strategy,
    View,
    build_space,
    make_strategy,
    negotiate,
    run_many,
    seeds,
)
from truce.simulate import strategies as strategies_module
from truce.simulate.memory import Memory
from truce.simulate.strategies import CLASSES
from truce.simulate.strategies.nice_tit_for_tat import NiceTitForTat

OPPONENTS = ("boulware", "conceder", "tit-for-tat", "random", "acceptor")


@cache
def space(parties: int, seed: int) -> Space:
    scenario = random_scenario(np.random.default_rng(seed), parties, (4, 5, 3), red_lines=True, reservation=0.3)
    return build_space(compile_scenario(scenario))


class StrategyConformance:
    """Inherit and set ``name``: the strategy stays in the outcome space, never accepts below its reservation
    value or across its red lines, gives the same trace for the same seed, and pickles."""

    name = "linear"

    def strategy(self) -> Strategy:
        return make_strategy(self.name)

    def setups(self) -> list[tuple[Space, Setup]]:
        me = self.strategy()
        out = []
        for other in OPPONENTS:
            out.append((space(2, 1), Setup(AlternatingOffers(30), (me, make_strategy(other)))))
            out.append((space(3, 2), Setup(StackedAlternatingOffers(30), (make_strategy(other), me, me))))
            out.append((space(2, 3), Setup(SingleText(30, mediator="anneal"), (me, make_strategy(other)))))
        return out

    def test_offers_stay_in_the_outcome_space_and_off_its_red_lines(self) -> None:
        for sp, setup in self.setups():
            mine = [p for p, s in enumerate(setup.strategies) if s == self.strategy()]
            for seed in range(4):
                for step in negotiate(sp, setup, seed).steps:
                    row = np.array(step.outcome)
                    assert ((row >= 0) & (row < np.array(sp.compiled.sizes))).all()
                    if step.by in mine:
                        assert not sp.compiled.crossed(row[None])[0, step.by]

    def test_never_accepts_below_its_reservation_value(self) -> None:
        for sp, setup in self.setups():
            c = sp.compiled
            for seed in range(4):
                for step in negotiate(sp, setup, seed).steps:
                    crossed = c.crossed(np.array(step.outcome)[None])[0]
                    for p, answer in enumerate(step.responses):
                        if answer and step.adopted is None and setup.strategies[p] == self.strategy():
                            assert step.utilities[p] >= c.reservation[p] - 1e-12
                            assert not crossed[p]

    def test_respond_on_any_view(self) -> None:
        rng = np.random.default_rng(2024)
        for _ in range(40):
            self.check_view(rng, float(rng.random()), int(rng.integers(1, 7)), bool(rng.random() < 0.5))

    def check_view(self, rng: np.random.Generator, t: float, runs: int, shared: bool) -> None:
        n = 12
        u = np.sort(rng.random((1 if shared else runs, n)), axis=1)
        order = np.tile(np.arange(n), (u.shape[0], 1))
        view = View(
            t,
            rng.random(runs),
            u,
            order,
            np.where(rng.random(runs) < 0.3, np.nan, rng.random(runs)),
            rng.random(runs),
            rng.random(runs),
        )
        utility, crosses = rng.random(runs), rng.random(runs) < 0.3
        accepted = self.strategy().respond(view, utility, crosses)
        assert accepted.shape == (runs,)
        assert not (accepted & ((utility < view.reservation) | crosses)).any()
        offers = self.strategy().propose(view)
        assert offers.shape == (runs,)
        assert ((offers >= 0) & (offers < n)).all()

    def test_same_seed_same_trace(self) -> None:
        for sp, setup in self.setups():
            assert negotiate(sp, setup, 7).steps == negotiate(sp, setup, 7).steps

    def test_pickles(self) -> None:
        strategy = self.strategy()
        again = pickle.loads(pickle.dumps(strategy))
        assert again == strategy
        sp, setup = self.setups()[0]
        twin = Setup(setup.protocol, (again, *setup.strategies[1:]))
        assert negotiate(sp, setup, 3).steps == negotiate(sp, twin, 3).steps


class TestBoulware(StrategyConformance):
    name = "boulware"


class TestLinear(StrategyConformance):
    name = "linear"


class TestConceder(StrategyConformance):
    name = "conceder"


class TestTime(StrategyConformance):
    name = "time"


class TestTimeExponent(StrategyConformance):
    name = "time:0.5"


class TestTitForTat(StrategyConformance):
    name = "tit-for-tat"


class TestHardliner(StrategyConformance):
    name = "hardliner"


class TestAcceptor(StrategyConformance):
    name = "acceptor"


class TestRandom(StrategyConformance):
    name = "random"


def test_every_registered_strategy_has_a_conformance_test() -> None:
    tested = {cls.name for cls in StrategyConformance.__subclasses__()}
    assert set(STRATEGIES) <= tested


def test_registry_matches_the_classes_defined() -> None:
    modules = [
        importlib.import_module(f"{strategies_module.__name__}.{info.name}")
        for info in pkgutil.iter_modules(strategies_module.__path__)
    ]
    defined = {
        cls
        for module in modules
        for _, cls in inspect.getmembers(module, inspect.isclass)
        if issubclass(cls, Strategy) and cls is not Strategy and cls.__module__ == module.__name__
    }
    assert defined == set(CLASSES.values())
    for name, cls in CLASSES.items():
        assert cls.info.name == name
        assert cls.info.source


def test_every_strategy_that_learns_from_offers_says_how_it_answers_a_mediators_text() -> None:
    """In the single text nobody offers: a strategy whose answers hang on the others' offers (it concedes in
    answer to them, or keeps an opponent model) must say what it does with a mediator's text instead."""
    for name, make in STRATEGIES.items():
        strategy = make()
        if strategy.info.concession == "opponent" or strategy.model is not None:
            assert strategy.single_text, name
    composed = make_strategy("agent-k+frequency")  # its model only chooses offers: the base's answer stands
    assert composed.single_text == make_strategy("agent-k").single_text


def test_time_dependent_target_and_presets() -> None:
    assert make_strategy("boulware").label == "boulware"
    assert make_strategy("time:2").label == "time:2"
    view = View(0.5, np.array([0.2]), np.array([[0.2, 0.5, 0.9, 1.0]]), np.array([[3, 1, 0, 2]]), *([np.zeros(1)] * 3))
    # linear: target 0.2 + 0.8 * 0.5 = 0.6, the lowest at or above it is 0.9 (outcome 0)
    assert make_strategy("linear").propose(view).tolist() == [0]


def test_unknown_strategy_is_refused() -> None:
    import pytest

    with pytest.raises(ValueError, match="unknown strategy"):
        make_strategy("nope")
    with pytest.raises(ValueError, match="bad strategy"):
        make_strategy("time:-1")


class TestHardHeaded(StrategyConformance):
    name = "hardheaded"


class TestAgentK(StrategyConformance):
    name = "agent-k"


class TestNiceTitForTat(StrategyConformance):
    name = "nice-tit-for-tat"


class TestCUHKAgent(StrategyConformance):
    name = "cuhk-agent"

    def test_two_copies_agree_where_the_zone_of_agreement_is_not_empty(self) -> None:
        """Each copy accepts, in the last 2% of the time, the best offer it has received; it must also offer that
        back, or two copies pass each other at the deadline (before, half of these domains ended in no deal)."""
        agent = self.strategy()
        for seed in range(6):
            c = compile_scenario(random_scenario(np.random.default_rng(seed), 2, (6,) * 5, reservation=0.5))
            assert len(pareto_frontier(c, zopa_only=True).utilities) > 0
            runs = run_many(build_space(c), Setup(AlternatingOffers(100), (agent, agent)), seeds(0, 10))
            assert runs.agreed.all(), seed


class TestBoulwareFrequency(StrategyConformance):
    name = "boulware+frequency"


class TestTitForTatBayesian(StrategyConformance):
    name = "tit-for-tat+bayesian"


class TestAgentKFrequency(StrategyConformance):
    name = "agent-k+frequency"


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 2**32 - 1), st.floats(0.05, 20.0), st.floats(-5.0, 5.0), st.floats(0.0, 0.99))
def test_nice_tit_for_tat_reads_its_model_on_one_scale(seed: int, scale: float, shift: float, t: float) -> None:
    """Nice Tit for Tat measures the opponent's concession and the Nash point in the model's utilities rescaled
    to [0, 1], so what it wants cannot depend on the model's own unit or origin."""
    rng = np.random.default_rng(seed)
    n, runs = 40, 3
    u = np.sort(rng.random((1, n)), axis=1)
    modelled = rng.random(n)  # the model's opponent utility of each outcome, on its own scale

    def view(a: float, b: float) -> View:
        memory = Memory.start(runs, np.arange(n)[:, None], (n,), None)
        memory.observe(rng_offers[0], u[0, rng_offers[0]], 0.1, np.ones(runs, dtype=bool))
        memory.observe(rng_offers[1], u[0, rng_offers[1]], 0.2, np.ones(runs, dtype=bool))
        memory.opponent = lambda candidates: a * modelled[candidates] + b  # type: ignore[method-assign]
        return View(t, np.full(runs, 0.1), u, np.arange(n)[None], *([np.zeros(runs)] * 3), memory=memory)

    rng_offers = (rng.integers(0, n, runs), rng.integers(0, n, runs))
    strategy = make_strategy("nice-tit-for-tat")
    assert isinstance(strategy, NiceTitForTat)
    np.testing.assert_allclose(strategy.target(view(1.0, 0.0)), strategy.target(view(scale, shift)), atol=1e-9)


@pytest.mark.parametrize("name", ["hardheaded", "nice-tit-for-tat"])
def test_ac_next_accepts_what_it_would_offer_now_and_nothing_less(name: str) -> None:
    """Both papers' agents accept by AC_next: an offer at least as good as the one they would make in its place
    (HardHeaded: van Krimpen et al. 2013; Nice Tit for Tat: Baarslag et al. 2013). They accepted anything at
    their target, up to the band of 0.02 below the offer they would have made."""
    rng = np.random.default_rng(11)
    strategy = make_strategy(name)
    n, runs = 60, 5
    below = 0
    for _ in range(20):
        u = np.sort(rng.random((1, n)), axis=1)
        order = rng.permutation(n)[None]  # outcome order[0, i] is worth u[0, i]
        worth_of = np.empty(n)
        worth_of[order[0]] = u[0]
        memory = Memory.start(runs, np.arange(n)[:, None], (n,), strategy.model)
        for k in range(4):
            offers = rng.integers(0, n, runs)
            memory.observe(offers, worth_of[offers], 0.1 * k, np.ones(runs, dtype=bool))
        nan = np.full(runs, np.nan)
        view = View(float(rng.uniform(0.3, 0.97)), np.zeros(runs), u, order, nan, nan, rng.random(runs), memory)
        worth = worth_of[strategy.propose(view)]
        just_below = worth - rng.uniform(1e-9, 0.02, runs)
        no = np.zeros(runs, dtype=bool)
        assert strategy.respond(view, worth, no).all()
        assert not strategy.respond(view, just_below, no).any()
        below += int((just_below >= strategy.target(view)).sum())
    assert below > 0  # some offers between its target and its next offer were put to it


def test_agent_k_follows_the_papers_formulas_on_a_small_case() -> None:
    """Kawaguchi, Fujita and Ito (2011): from the offers received (their worth to it: mean mu, deviation sigma)
    emax = mu + (1 - mu) sqrt(12) sigma; target = best - (best - emax) t^alpha; it accepts at the target, or
    below it with probability t^5/5 + (u - emax) + (u - target); it offers at random among the outcomes at or
    above the target."""
    n, t = 21, 0.5
    u = np.linspace(0.0, 1.0, n)[None]
    memory = Memory.start(1, np.arange(n)[:, None], (n,), None)
    received = [0.3, 0.5, 0.4]
    for k, worth in enumerate(received):
        memory.observe(np.array([round(worth * (n - 1))]), np.array([worth]), 0.1 * k, np.ones(1, dtype=bool))
    mu, sigma = float(np.mean(received)), float(np.std(received))
    emax = mu + (1 - mu) * np.sqrt(12.0) * sigma
    agent = make_strategy("agent-k")
    target = 1.0 - (1.0 - emax) * t**3.0

    def view(noise: float) -> View:
        nan = np.full(1, np.nan)
        return View(t, np.zeros(1), u, np.arange(n)[None], nan, nan, np.full(1, noise), memory)

    assert agent.target(view(0.5))[0] == pytest.approx(target)
    offered = 0.9
    chance = t**5 / 5 + (offered - emax) + (offered - target)
    no = np.zeros(1, dtype=bool)
    assert 0 < chance < 1
    assert agent.respond(view(chance - 1e-6), np.array([offered]), no)[0]
    assert not agent.respond(view(chance + 1e-6), np.array([offered]), no)[0]
    assert agent.respond(view(0.999), np.array([target]), no)[0]
    above = np.flatnonzero(u[0] >= target - 1e-12)
    offers = [int(agent.propose(view(x))[0]) for x in np.random.default_rng(3).random(2000)]
    assert set(offers) == set(above.tolist())  # every outcome at or above the target, and no other
    counts = np.bincount(offers)[above]
    assert counts.min() > 0.7 * counts.mean()  # evenly


def test_hardheaded_follows_the_papers_rules_on_a_small_case() -> None:
    """van Krimpen, Looije and Hajizadeh (2013): Boulware P(t) = Pmin + (Pmax - Pmin)(1 - t^(1/e)) with e = 0.05,
    Pmin the better of 0.585 of its best and its reservation value; it offers back the opponent's best offer once
    that reaches P(t)."""
    n = 41
    u = np.linspace(0.0, 0.8, n)[None]  # its best is worth 0.8
    memory = Memory.start(1, np.arange(n)[:, None], (n,), make_strategy("hardheaded").model)
    their_best = 30
    memory.observe(np.array([their_best]), u[0, [their_best]], 0.1, np.ones(1, dtype=bool))
    agent = make_strategy("hardheaded")
    nan = np.full(1, np.nan)
    for t, reservation in ((0.0, 0.1), (0.9, 0.1), (0.99, 0.1), (0.99, 0.6)):
        view = View(t, np.full(1, reservation), u, np.arange(n)[None], nan, nan, np.zeros(1), memory)
        low = max(reservation, 0.585 * 0.8)
        expected = low + (0.8 - low) * (1 - t ** (1 / 0.05))
        assert agent.target(view)[0] == pytest.approx(expected)
        offer = int(agent.propose(view)[0])
        assert (offer == their_best) == (u[0, their_best] >= expected)
        assert u[0, offer] >= expected - 1e-12


def test_agent_k_offers_after_a_refusal_by_draw_as_after_any_other() -> None:
    """In stacked alternating offers a party answers and offers in one turn, on one random number. Agent K's
    refusal by draw (the number at or above its chance of accepting) left only the upper part of that number
    for its offer, so after such a refusal it never offered the outcomes just above its target."""
    n, t = 41, 0.9
    u = np.linspace(0.0, 1.0, n)[None]
    memory = Memory.start(1, np.arange(n)[:, None], (n,), None)
    for k, worth in enumerate([0.5, 0.7, 0.6]):
        memory.observe(np.array([round(worth * (n - 1))]), np.array([worth]), 0.1 * k, np.ones(1, dtype=bool))
    agent = make_strategy("agent-k")
    nan = np.full(1, np.nan)
    after_refusal: list[int] = []
    for noise in np.random.default_rng(5).random(4000):
        view = View(t, np.zeros(1), u, np.arange(n)[None], nan, nan, np.full(1, noise), memory)
        offered = agent.target(view) - 0.05
        if not agent.respond(view, offered, np.zeros(1, dtype=bool))[0]:
            after_refusal.append(int(agent.propose(view)[0]))
    above = np.flatnonzero(u[0] >= agent.target(view)[0] - 1e-12)
    counts = np.bincount(after_refusal, minlength=n)[above]
    assert len(after_refusal) > 1000 and counts.sum() == len(after_refusal)
    assert counts.min() > 0.7 * counts.mean()  # uniform over what reaches the target, the lowest included
