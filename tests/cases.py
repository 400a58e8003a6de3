"""Small random scenarios for the property tests that check an algorithm against brute force: a
hypothesis strategy of cases, the builder that compiles one, and every outcome of its space."""

from __future__ import annotations

import itertools

import numpy as np
from hypothesis import strategies as st

from truce.model.compiled import Compiled, Ints, compile_scenario
from truce.model.generate import random_scenario

Case = dict[str, object]


def scenario_cases(max_issues: int = 4, max_reservation: float = 0.6) -> st.SearchStrategy[Case]:
    """Seed, 2 or 3 parties, 1 to ``max_issues`` issues of 2 to 5 options, red lines or not, a few
    utility levels or any, and a reservation up to ``max_reservation``."""
    return st.fixed_dictionaries(
        {
            "seed": st.integers(0, 2**32 - 1),
            "parties": st.integers(2, 3),
            "sizes": st.lists(st.integers(2, 5), min_size=1, max_size=max_issues),
            "red_lines": st.booleans(),
            "levels": st.sampled_from([None, 2, 3]),
            "reservation": st.floats(0.0, max_reservation),
        }
    )


def make(case: Case, *, spread: bool = False) -> Compiled:
    """The case's scenario, compiled. With ``spread`` each party gets its own reservation, drawn
    between half and all of the case's."""
    seed, parties, sizes, levels, reservation = (
        case["seed"],
        case["parties"],
        case["sizes"],
        case["levels"],
        case["reservation"],
    )
    assert isinstance(seed, int) and isinstance(parties, int) and isinstance(sizes, list)
    assert isinstance(reservation, float) and (levels is None or isinstance(levels, int))
    rng = np.random.default_rng(seed)
    reservations: float | tuple[float, ...] = reservation
    if spread:
        reservations = tuple(float(x) for x in rng.uniform(0.5, 1.0, parties) * reservation)
    s = random_scenario(rng, parties, sizes, red_lines=bool(case["red_lines"]), reservation=reservations, levels=levels)
    return compile_scenario(s)


def every_outcome(c: Compiled) -> Ints:
    """Every complete outcome of the space, in lexicographic order."""
    return np.array(list(itertools.product(*(range(n) for n in c.sizes))), dtype=np.int64)
