"""Golden traces: seeded negotiations written as readable text, compared line by line.

A change in behaviour shows up in review as a diff of these files. To accept a deliberate change, rerun
with ``TRUCE_UPDATE_GOLDEN=1`` and commit the new files.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from truce.model.compiled import compile_scenario
from truce.model.generate import random_scenario
from truce.simulate import (
    AlternatingOffers,
    Setup,
    Shocks,
    SingleText,
    StackedAlternatingOffers,
    Strategy,
    build_space,
    format_trace,
    make_strategy,
    negotiate,
)

GOLDEN = Path(__file__).parent / "golden"


def _strategies(*names: str) -> tuple[Strategy, ...]:
    return tuple(make_strategy(n) for n in names)


CASES: dict[str, tuple[int, tuple[int, ...], Setup, int]] = {
    # name: (parties, issue sizes, setup, seed); scenarios from random_scenario(default_rng(42), ...)
    "ao_boulware_vs_conceder": (2, (4, 3, 5), Setup(AlternatingOffers(20), _strategies("boulware", "conceder")), 1),
    "ao_tit_for_tat_vs_linear": (
        2,
        (4, 3, 5),
        Setup(AlternatingOffers(20, 2), _strategies("tit-for-tat", "linear")),
        2,
    ),
    "ao_random_vs_hardliner_shocks": (
        2,
        (4, 3, 5),
        Setup(AlternatingOffers(12), _strategies("random", "hardliner"), shocks=Shocks(0.5, -0.05)),
        3,
    ),
    "stacked_three_parties": (
        3,
        (3, 3, 4),
        Setup(StackedAlternatingOffers(15), _strategies("linear", "random", "conceder")),
        4,
    ),
    "single_text_hill": (2, (4, 3, 5), Setup(SingleText(15, start=(0, 0, 0)), _strategies("linear", "acceptor")), 5),
    "single_text_anneal": (
        3,
        (3, 3, 4),
        Setup(SingleText(15, mediator="anneal", temperature=2.0), _strategies("boulware", "acceptor", "linear")),
        6,
    ),
}


def render(name: str) -> str:
    parties, sizes, setup, seed = CASES[name]
    scenario = random_scenario(np.random.default_rng(42), parties, sizes, red_lines=True, reservation=0.3)
    c = compile_scenario(scenario)
    return format_trace(c, setup, negotiate(build_space(c), setup, seed), seed=seed)


@pytest.mark.parametrize("name", sorted(CASES))
def test_golden_trace(name: str) -> None:
    path = GOLDEN / f"simulate_{name}.txt"
    text = render(name)
    if os.environ.get("TRUCE_UPDATE_GOLDEN") == "1":
        path.write_text(text)
    assert path.exists(), f"missing golden trace {path.name}: run with TRUCE_UPDATE_GOLDEN=1"
    assert text == path.read_text()
