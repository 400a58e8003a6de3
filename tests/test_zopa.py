from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cases import every_outcome, make, scenario_cases
from truce.analysis import zopa as zp
from truce.analysis.zopa import zopa
from truce.model.compiled import compile_scenario
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
