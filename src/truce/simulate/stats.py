"""Statistics for tournaments: bootstrap confidence intervals over seeds, paired sign-flip tests, Holm's correction.

Plain functions over numpy arrays, each seeded, so a table's figures are the same on every run.
"""

from __future__ import annotations

import numpy as np

from truce.model.compiled import Floats

BOOTSTRAP = 2000  # resamples for a confidence interval
FLIPS = 10_000  # random sign flips for a paired test (exact enumeration when 2^n is smaller)
LEVEL = 0.95


def bootstrap_ci(values: Floats, *, seed: int = 0, level: float = LEVEL) -> tuple[float, float]:
    """A percentile bootstrap interval for the mean of ``values`` (one value per seed: the unit resampled).

    B. Efron and R. Tibshirani, An Introduction to the Bootstrap, 1993, ch. 13. With one value the interval
    is that value.
    """
    values = np.asarray(values, dtype=float)
    if values.size == 0:
        return (float("nan"), float("nan"))
    if values.size == 1:
        return (float(values[0]), float(values[0]))
    rng = np.random.default_rng(seed)
    means = values[rng.integers(0, values.size, (BOOTSTRAP, values.size))].mean(axis=1)
    tail = (1.0 - level) / 2
    low, high = np.quantile(means, [tail, 1.0 - tail])
    return (float(low), float(high))


def sign_flip_p(differences: Floats, *, seed: int = 0) -> float:
    """Two-sided p-value of a paired sign-flip (randomisation) test that the mean difference is zero.

    Under the null each paired difference is as likely negative as positive, so flipping signs at random gives
    the statistic's distribution (R. A. Fisher, The Design of Experiments, 1935, §21; E. J. G. Pitman, 1937).
    All ``2^n`` flips are enumerated when that is at most :data:`FLIPS`; otherwise :data:`FLIPS` random ones
    are drawn and the p-value is ``(1 + hits) / (1 + FLIPS)``, which is never below the true one on average.
    """
    d = np.asarray(differences, dtype=float)
    d = d[d != 0]  # ties carry no sign
    if d.size == 0:
        return 1.0
    observed = abs(d.mean())
    if 2**d.size <= FLIPS:
        grid = (np.arange(2**d.size)[:, None] >> np.arange(d.size)) & 1
        stats = np.abs(((2 * grid - 1) * d).mean(axis=1))
        return float(np.mean(stats >= observed - 1e-12))
    rng = np.random.default_rng(seed)
    signs = rng.integers(0, 2, (FLIPS, d.size)) * 2 - 1
    hits = int((np.abs((signs * d).mean(axis=1)) >= observed - 1e-12).sum())
    return (1 + hits) / (1 + FLIPS)


def holm(p_values: Floats) -> Floats:
    """Holm's step-down adjusted p-values (S. Holm, Scand. J. Statistics 6(2), 1979): the ``i``-th smallest
    is multiplied by ``m - i`` (``i`` from 0), made non-decreasing in that order, and capped at 1."""
    p = np.asarray(p_values, dtype=float)
    m = p.size
    order = np.argsort(p, kind="stable")
    adjusted = np.minimum(1.0, np.maximum.accumulate(p[order] * (m - np.arange(m))))
    out = np.empty(m)
    out[order] = adjusted
    return out
