"""Tournament statistics: bootstrap intervals, paired sign-flip tests, Holm's correction, and the ranking."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from truce.model.compiled import compile_scenario
from truce.model.generate import random_scenario
from truce.simulate import AlternatingOffers
from truce.simulate.stats import bootstrap_ci, holm, sign_flip_p
from truce.simulate.tournament import Serial, Tournament, run_tournament


def test_holm_matches_the_step_down_rule() -> None:
    p = np.array([0.01, 0.04, 0.03, 0.005])
    # sorted: 0.005*4=0.02, 0.01*3=0.03, 0.03*2=0.06, 0.04*1=0.04 -> monotone: 0.06
    assert holm(p).tolist() == pytest.approx([0.03, 0.06, 0.06, 0.02])
    assert holm(np.array([0.9, 0.8])).tolist() == [1.0, 1.0]


def test_sign_flip_is_exact_on_small_samples() -> None:
    d = np.array([1.0, 2.0, 3.0])
    # all 8 sign patterns: |mean| >= 2 only for all + and all -
    assert sign_flip_p(d) == pytest.approx(2 / 8)
    flips = np.array(list(itertools.product([-1, 1], repeat=4)))
    d4 = np.array([0.5, -0.1, 0.3, 0.2])
    expected = np.mean(np.abs((flips * d4).mean(axis=1)) >= abs(d4.mean()) - 1e-12)
    assert sign_flip_p(d4) == pytest.approx(expected)
    assert sign_flip_p(np.zeros(5)) == 1.0


def test_sign_flip_on_large_samples_detects_a_shift_and_not_noise() -> None:
    rng = np.random.default_rng(0)
    assert sign_flip_p(rng.normal(0.5, 1.0, 200), seed=1) < 0.001
    assert sign_flip_p(rng.normal(0.0, 1.0, 200), seed=1) > 0.01


def test_bootstrap_interval_covers_the_mean() -> None:
    values = np.random.default_rng(2).normal(1.0, 0.5, 40)
    low, high = bootstrap_ci(values)
    assert low < values.mean() < high and high - low < 0.5
    assert bootstrap_ci(np.array([3.0])) == (3.0, 3.0)
    assert bootstrap_ci(values) == bootstrap_ci(values)  # seeded


def test_ranking_tables_and_significance() -> None:
    c = compile_scenario(random_scenario(np.random.default_rng(1), 2, (4, 5, 3), reservation=0.2))
    t = Tournament((c,), ("boulware", "random", "conceder"), AlternatingOffers(30), repetitions=15, seed=3)
    table = run_tournament(t, Serial())
    ranking = table.ranking()
    rows = ranking["strategies"]
    assert [r["rank"] for r in rows] == [1, 2, 3]
    means = [r["mean_utility"] for r in rows]
    assert means == sorted(means, reverse=True)
    assert all(r["ci"][0] <= r["mean_utility"] + 1e-9 and r["mean_utility"] - 1e-9 <= r["ci"][1] for r in rows)
    assert len(ranking["tests"]) == 3 and all(t["p_holm"] >= t["p"] for t in ranking["tests"])
    assert rows[0]["below_previous"] is None
    by_pairing = table.by_pairing()
    assert len(by_pairing) == 9 and sum(r["runs"] for r in by_pairing) == len(table)
    by_scenario = table.by_scenario()
    assert {r["strategy"] for r in by_scenario} == {"boulware", "random", "conceder"}
