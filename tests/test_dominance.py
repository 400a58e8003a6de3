"""The k-d tree dominance filter against the definition, on small integer matrices full of ties."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from truce.analysis import dominance


def brute(k: np.ndarray) -> np.ndarray:
    ge = (k[:, None, :] >= k[None, :, :]).all(axis=2)  # ge[i, j]: row i >= row j everywhere
    np.fill_diagonal(ge, False)
    return ge.any(axis=0)


@settings(max_examples=80, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    rows=st.integers(1, 600),
    columns=st.integers(3, 6),
    levels=st.sampled_from([2, 4, 50, 10**6]),
    leaf=st.sampled_from([1, 2, 7, 128]),
)
def test_dominated_matches_the_definition(seed: int, rows: int, columns: int, levels: int, leaf: int) -> None:
    rng = np.random.default_rng(seed)
    k = np.unique(rng.integers(0, levels, size=(rows, columns)), axis=0).astype(np.int64)
    with pytest.MonkeyPatch.context() as m:
        m.setattr(dominance, "_LEAF", leaf)
        m.setattr(dominance, "_QUERIES", 5)  # several batches of queries
        got = dominance.dominated(k)
    assert np.array_equal(got, brute(k))


def test_an_antichain_is_kept_whole() -> None:
    # points on the plane x + y + z = 30: none dominates another, and every leaf must be searched
    grid = np.array([(x, y, 30 - x - y) for x in range(31) for y in range(31 - x)], dtype=np.int64)
    assert not dominance.dominated(grid).any()
    assert dominance.dominated(np.vstack([grid, [[0, 0, 0]]]))[-1]
