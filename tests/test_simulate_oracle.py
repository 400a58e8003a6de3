"""Cross-check against NegMAS (the ``bench`` extra installs it; skipped without it or without the domains).

Both engines run the strategies they share on the same bilateral GENIUS domains: time-based concession with the
same formula (NegMAS aims at ``1 - t^e`` of its utility range with ``e`` = 4 Boulware, 1 linear, 0.25 conceder;
truce's ``time:E`` aims at ``r + (best - r)(1 - t^(1/E))``, so NegMAS's curves are truce's ``time:0.25``, ``linear``
and ``time:4``), and naive tit-for-tat, whose formulas differ (docs/simulate.md says how). NegMAS's ``n_steps``
steps are ``2 n_steps`` truce rounds (one offer per party per step). The tolerances below are the ones stated in
docs/simulate.md; they absorb the documented differences (NegMAS scales targets to its utility range and widens
them by ``eps``; ties between outcomes of equal utility are broken differently).
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from truce.io.scenario_files import load_any
from truce.model.compiled import Compiled, compile_scenario
from truce.simulate import AlternatingOffers, Setup, build_space, make_strategy, negotiate

DOMAINS = Path(__file__).resolve().parent.parent.parent / "shared" / "genius-domains"
BILATERAL = ("y2012_CameraB", "y2012_ItexvsCypressA")
STEPS = 100
SAME_FORMULA = {"boulware": "time:0.25", "linear": "linear", "conceder": "time:4"}
TIME_PAIRS = [(a, b) for a in SAME_FORMULA for b in SAME_FORMULA]
TFT_PAIRS = [("tft", "linear"), ("linear", "tft"), ("tft", "conceder"), ("conceder", "tft")]

negmas = pytest.importorskip("negmas")
pytestmark = pytest.mark.skipif(not DOMAINS.is_dir(), reason="the shared GENIUS domains are not beside the repository")


def _negmas(c: Compiled, a: str, b: str) -> tuple[bool, float, tuple[float, float] | None]:
    """NegMAS's result: agreed, steps taken, the agreement's utilities."""
    from negmas.outcomes import make_issue
    from negmas.preferences import LinearAdditiveUtilityFunction
    from negmas.preferences.value_fun import TableFun
    from negmas.sao import (
        BoulwareTBNegotiator,
        ConcederTBNegotiator,
        LinearTBNegotiator,
        NaiveTitForTatNegotiator,
        SAOMechanism,
    )

    kinds: dict[str, Any] = {
        "boulware": BoulwareTBNegotiator,
        "linear": LinearTBNegotiator,
        "conceder": ConcederTBNegotiator,
        "tft": NaiveTitForTatNegotiator,
    }
    issues = [make_issue(list(range(n)), name=name) for n, name in zip(c.sizes, c.issues, strict=True)]

    def ufun(p: int) -> Any:
        values = [TableFun({k: float(v) for k, v in enumerate(t[p])}) for t in c.tables]
        return LinearAdditiveUtilityFunction(
            values, weights=[1.0] * len(values), issues=issues, reserved_value=float(c.reservation[p])
        )

    mechanism = SAOMechanism(issues=issues, n_steps=STEPS)
    mechanism.add(kinds[a](name="a"), preferences=ufun(0))
    mechanism.add(kinds[b](name="b"), preferences=ufun(1))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        state = mechanism.run()
    if state.agreement is None:
        return False, float(STEPS), None
    return True, float(state.step), (float(ufun(0)(state.agreement)), float(ufun(1)(state.agreement)))


def _truce(c: Compiled, a: str, b: str) -> tuple[bool, float, tuple[float, float] | None]:
    names = {**SAME_FORMULA, "tft": "tit-for-tat"}
    setup = Setup(AlternatingOffers(2 * STEPS), (make_strategy(names[a]), make_strategy(names[b])))
    r = negotiate(build_space(c), setup, 0).result
    if not r.agreed[0]:
        return False, float(STEPS), None
    return True, (int(r.round[0]) + 1) / 2, (float(r.utility[0, 0]), float(r.utility[0, 1]))


def _compare(pairs: list[tuple[str, str]]) -> list[tuple[tuple[bool, float, Any], tuple[bool, float, Any]]]:
    out = []
    for domain in BILATERAL:
        c = compile_scenario(load_any(DOMAINS / domain))
        out += [(_negmas(c, a, b), _truce(c, a, b)) for a, b in pairs]
    return out


def test_time_based_strategies_agree_with_negmas_within_the_stated_tolerances() -> None:
    results = _compare(TIME_PAIRS)
    assert all(n[0] == t[0] for n, t in results)  # the same agreement rate: each pairing agrees in both or neither
    steps = np.array([abs(n[1] - t[1]) for n, t in results]) / STEPS
    assert steps.mean() <= 0.05 and steps.max() <= 0.2  # rounds: within 5% of the horizon on average, 20% at most
    gaps = np.array([np.abs(np.subtract(n[2], t[2])).max() for n, t in results if n[2] and t[2]])
    assert gaps.mean() <= 0.1  # utilities of the agreement: within 0.1 on average


def test_tit_for_tat_differs_from_negmas_only_as_documented() -> None:
    results = _compare(TFT_PAIRS)
    rate_n = np.mean([n[0] for n, _ in results])
    rate_t = np.mean([t[0] for _, t in results])
    assert abs(rate_n - rate_t) <= 0.25  # agreement rates within 0.25 (relative vs absolute mirroring)
    gaps = np.array([np.abs(np.subtract(n[2], t[2])).max() for n, t in results if n[2] and t[2]])
    assert gaps.size and gaps.mean() <= 0.15
