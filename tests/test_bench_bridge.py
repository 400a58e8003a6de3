"""The bridge benchmark's domain and agreement check, and truce's side of it against brute force on the
smallest domain (NegMAS is not run here)."""

from __future__ import annotations

import importlib
import math
from types import ModuleType

import numpy as np
import pytest


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    # benchmarks/ is not an installed package; pytest puts the checkout on the path (pyproject.toml)
    return importlib.import_module("benchmarks.bench_bridge")


def test_reference_is_the_first_partys_ideal_and_out_of_reach(bench: ModuleType) -> None:
    c, reference = bench.domain(bench.CASES[0])
    ref = c.encode(reference)
    assert [int(x) for x in ref] == [int(np.argmax(t[0])) for t in c.tables]
    assert not c.acceptable(ref).all()
    assert math.prod(c.sizes) == 10**4


def test_truce_side_agrees_with_brute_force(bench: ModuleType) -> None:
    c, reference = bench.domain(bench.CASES[0])
    ref = c.encode(reference)
    outcomes = np.indices(c.sizes).reshape(len(c.sizes), -1).T
    utilities = c.utilities(outcomes)
    ok = (utilities >= c.reservation).all(axis=1)
    assert ok.any()
    changes = (outcomes[ok] != ref).sum(axis=1)
    fewest = int(changes.min())
    best = max(bench.nash_product(c, list(u)) for u in utilities[ok][changes == fewest])
    brute = {"changes": fewest, "nash": best}
    _, ours = bench.truce_side(c, reference)
    assert ours["changes"] == fewest >= 1
    assert bench.agree(ours, brute)


def test_agreement_needs_the_same_changes_and_nash_product(bench: ModuleType) -> None:
    a = {"changes": 2, "nash": 0.25}
    assert bench.agree(a, {"changes": 2, "nash": 0.25 + 1e-12})
    assert not bench.agree(a, {"changes": 3, "nash": 0.25})
    assert not bench.agree(a, {"changes": 2, "nash": 0.25 + 1e-6})
    assert not bench.agree(a, {"changes": None, "nash": None})
    assert bench.agree({"changes": None, "nash": None}, {"changes": None, "nash": None})
