"""Private information: each party offers from its own preferences only, on every size of space; the joint
frontier only under the named assumption ``information="complete"``."""

from __future__ import annotations

import numpy as np
import pytest

from truce.analysis.frontier import pareto_frontier
from truce.model.compiled import compile_scenario
from truce.model.generate import random_scenario
from truce.simulate import AlternatingOffers, Setup, build_space, make_strategy, negotiate
from truce.simulate.ladder import PRECISION, ladder
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
