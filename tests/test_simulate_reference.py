"""The vectorised engine against a plain-Python reference written from the documented rules, run by run."""

from __future__ import annotations

import itertools
import math
from bisect import bisect_left
from functools import cache

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from truce.model.compiled import Compiled, compile_scenario
from truce.model.generate import random_scenario
from truce.simulate import (
    AlternatingOffers,
    Setup,
    SingleText,
    Space,
    StackedAlternatingOffers,
    build_space,
    make_strategy,
    run_many,
    seeds,
)
from truce.simulate.engine import start_text
from truce.simulate.strategies import TimeDependent


@cache
def space(parties: int, seed: int) -> Space:
    scenario = random_scenario(np.random.default_rng(seed), parties, (4, 3, 5), red_lines=True, reservation=0.3)
    return build_space(compile_scenario(scenario))


def reference(sp: Space, setup: Setup, ss: np.random.SeedSequence) -> tuple[bool, int, tuple[int, ...]]:
    """One negotiation by the documented rules, in plain Python: (agreed, round, outcome)."""
    c = sp.compiled
    proto = setup.protocol
    n_parties, rounds = len(c.parties), proto.rounds
    rng = np.random.default_rng(ss)
    mediator_u = rng.random((rounds, 3)).tolist()
    party_u = rng.random((n_parties, rounds)).tolist()
    rng.random(-(-rounds // proto.rounds_per_day))
    utilities = sp.utilities.tolist()
    crossed = sp.crossed.tolist()
    mine = []
    for p in range(n_parties):
        feasible = sorted((utilities[k][p], k) for k in range(len(sp)) if not crossed[k][p])
        mine.append(([u for u, _ in feasible], [k for _, k in feasible]))
    reserve = [float(r) for r in c.reservation]
    first: list[float | None] = [None] * n_parties
    last: list[float | None] = [None] * n_parties

    def target(p: int, t: float) -> float:
        name, best, r = setup.strategies[p].label, mine[p][0][-1], reserve[p]
        strategy = setup.strategies[p]
        if isinstance(strategy, TimeDependent):
            return r + (best - r) * (1.0 - t ** (1.0 / strategy.exponent))
        if name == "tit-for-tat":
            f = best if first[p] is None else first[p]
            lt = f if last[p] is None else last[p]
            share = min(max((lt - f) / (best - f), 0.0), 1.0) if best - f > 0 else 0.0
            return best - (best - min(r, best)) * share
        if name == "hardliner":
            return best - 1e-12
        return r  # acceptor, random

    def propose(p: int, k: int) -> int:
        values, order = mine[p]
        n = len(values)
        if setup.strategies[p].label in ("hardliner", "acceptor"):
            return order[-1]
        if setup.strategies[p].label == "random":
            start = min(bisect_left(values, reserve[p]), n - 1)
            return order[min(start + math.floor(party_u[p][k] * (n - start)), n - 1)]
        return order[min(bisect_left(values, target(p, k / rounds)), n - 1)]

    def accepts(p: int, k: int, u: float, crosses: bool) -> bool:
        return not crosses and u >= max(target(p, k / rounds), reserve[p])

    def receive(p: int, u: float) -> None:
        first[p] = u if first[p] is None else first[p]
        last[p] = u

    if isinstance(proto, SingleText):
        text = [int(x) for x in start_text(c, proto.start)]
        for k in range(rounds):
            u = _sum_tables(c, text)
            cross = c.crossed(np.array([text]))[0].tolist()
            yes = True
            for p in range(n_parties):
                receive(p, u[p])
                yes &= accepts(p, k, u[p], cross[p])
            if yes:
                return True, k, tuple(text)
            issue = min(int(mediator_u[k][0] * len(text)), len(text) - 1)
            size = c.sizes[issue]
            shift = 1 + min(int(mediator_u[k][1] * (size - 1)), max(size - 2, 0))
            candidate = list(text)
            candidate[issue] = (text[issue] + shift) % size
            cu = _sum_tables(c, candidate)
            ccross = c.crossed(np.array([candidate]))[0].tolist()
            against = sum(1 for p in range(n_parties) if not (cu[p] >= u[p] and not ccross[p]))
            adopt = against == 0
            if proto.mediator == "anneal":
                adopt |= mediator_u[k][2] < math.exp(-against / (proto.temperature * proto.cooling**k))
            if adopt:
                text = candidate
        return False, -1, ()
    if isinstance(proto, StackedAlternatingOffers):  # Aydoğan et al. 2017: accept or counter-offer, in turn
        table, accepted = -1, 0
        for k in range(rounds):
            q = k % n_parties
            if table >= 0:
                receive(q, utilities[table][q])
                if accepts(q, k, utilities[table][q], crossed[table][q]):
                    accepted += 1
                    if accepted == n_parties - 1:
                        return True, k, tuple(int(x) for x in sp.outcomes[table])
                    continue
            table, accepted = propose(q, k), 0
        return False, -1, ()
    for k in range(rounds):
        q = k % n_parties
        offer = propose(q, k)
        yes = True
        for p in range(n_parties):
            if p != q:
                receive(p, utilities[offer][p])
                yes &= accepts(p, k, utilities[offer][p], crossed[offer][p])
        if yes:
            return True, k, tuple(int(x) for x in sp.outcomes[offer])
    return False, -1, ()


def assert_matches_reference(sp: Space, setup: Setup, run_seeds: list[np.random.SeedSequence]) -> None:
    """The engine's runs agree with the reference, seed by seed: agreed or not, when, and on what."""
    runs = run_many(sp, setup, run_seeds)
    for r, ss in enumerate(run_seeds):
        agreed, k, outcome = reference(sp, setup, ss)
        assert (bool(runs.agreed[r]), int(runs.round[r])) == (agreed, k)
        if agreed:
            assert tuple(runs.outcome[r].tolist()) == outcome


def _sum_tables(c: Compiled, text: list[int]) -> list[float]:
    # the tables added issue by issue, in the engine's order, so the floats are the same
    total = np.zeros(len(c.parties))
    for i, table in enumerate(c.tables):
        total = total + table[:, text[i]]
    return [float(x) for x in total]


NAMES = ("boulware", "linear", "conceder", "tit-for-tat", "hardliner", "acceptor", "random")


@pytest.mark.parametrize("pair", list(itertools.combinations_with_replacement(NAMES, 2)))
def test_alternating_offers_match_the_reference(pair: tuple[str, str]) -> None:
    sp = space(2, 1)
    setup = Setup(AlternatingOffers(24), tuple(make_strategy(n) for n in pair))
    assert_matches_reference(sp, setup, seeds(17, 8))


@pytest.mark.parametrize(
    "setup",
    [
        Setup(StackedAlternatingOffers(24), tuple(make_strategy(n) for n in ("linear", "random", "tit-for-tat"))),
        Setup(SingleText(24, mediator="hill"), tuple(make_strategy(n) for n in ("acceptor", "linear", "conceder"))),
        Setup(
            SingleText(24, mediator="anneal", start=(1, -1, 2)),
            tuple(make_strategy(n) for n in ("boulware", "random", "acceptor")),
        ),
    ],
    ids=["stacked", "single-text-hill", "single-text-anneal"],
)
def test_multilateral_protocols_match_the_reference(setup: Setup) -> None:
    sp = space(3, 2)
    assert_matches_reference(sp, setup, seeds(23, 10))


@settings(max_examples=25, deadline=None)
@given(
    scenario_seed=st.integers(0, 10_000),
    sizes=st.lists(st.integers(2, 5), min_size=1, max_size=3),
    names=st.lists(st.sampled_from(NAMES), min_size=3, max_size=3),
    protocol=st.sampled_from(["alternating", "stacked", "hill", "anneal"]),
    rounds=st.integers(1, 20),
    run_seed=st.integers(0, 2**32 - 1),
)
def test_random_cases_match_the_reference(
    scenario_seed: int, sizes: list[int], names: list[str], protocol: str, rounds: int, run_seed: int
) -> None:
    parties = 2 if protocol == "alternating" else 3
    scenario = random_scenario(
        np.random.default_rng(scenario_seed), parties, tuple(sizes), red_lines=True, reservation=0.25
    )
    try:
        sp = build_space(compile_scenario(scenario))
    except ValueError:
        return  # a party with nothing it can offer: refused up front, nothing to compare
    rules = {
        "alternating": AlternatingOffers(rounds),
        "stacked": StackedAlternatingOffers(rounds),
        "hill": SingleText(rounds, mediator="hill"),
        "anneal": SingleText(rounds, mediator="anneal"),
    }[protocol]
    setup = Setup(rules, tuple(make_strategy(n) for n in names[:parties]))
    assert_matches_reference(sp, setup, seeds(run_seed, 4))
