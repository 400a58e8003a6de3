"""Fragility checked against brute force: move the reservation or one weight along a fine grid, recompile
the changed preferences, and check the verdict changes exactly where the reported flips say."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from talks_cases import random_talks, with_numeric_first_issue
from truce.analysis.fragility import Flip, fragility
from truce.analysis.standing import Verdict, standings
from truce.model.compiled import OPEN, Compiled, compile_scenario
from truce.model.generate import random_scenario
from truce.model.scenario import Proposal, Scenario

GRID = np.linspace(0.0, 1.0, 41)
MARGIN = 1e-6  # grid points this close to a reported threshold are not read: the flip is checked beside it

cases = st.tuples(
    st.integers(0, 2**32 - 1),  # seed
    st.integers(1, 2),  # parties
    st.lists(st.integers(2, 4), min_size=1, max_size=4),  # issue sizes
    st.booleans(),  # red lines
    st.floats(0.0, 0.9),  # reservation
    st.sampled_from([None, 4]),  # levels: many ties when set
)


def _verdict(s: Scenario, party: str, outcome: np.ndarray) -> Verdict:
    c = compile_scenario(s)
    return standings(c, outcome)[c.parties.index(party)].acceptable


def _with_prefs(s: Scenario, party: str, **update: object) -> Scenario:
    prefs = s.preferences[party].model_copy(update=update)
    return s.model_copy(update={"preferences": {**s.preferences, party: prefs}})


def _stays(x: float, now: float, flips: tuple[Flip, ...]) -> bool:
    """Whether the verdict at ``x`` is, by the reported flips, the verdict it has at ``now``."""
    for flip in flips:
        t = flip.threshold
        if flip.direction == "rises" and x >= now and (x >= t if flip.inclusive else x > t):
            return False
        if flip.direction == "falls" and x <= now and (x <= t if flip.inclusive else x < t):
            return False
    return True


def _beyond(flip: Flip) -> float:
    return flip.threshold + (10 * MARGIN if flip.direction == "rises" else -10 * MARGIN)


def _points(flips: tuple[Flip, ...], grid: np.ndarray = GRID) -> list[float]:
    """The grid, and points just either side of each threshold."""
    near = [t + d for flip in flips for t in (flip.threshold,) for d in (-10 * MARGIN, 10 * MARGIN)]
    return [float(x) for x in (*grid, *near) if 0.0 <= x <= 1.0]


def _check(s: Scenario, c: Compiled, outcome: np.ndarray, grid: np.ndarray = GRID) -> None:
    for p, f in enumerate(fragility(c, outcome)):
        party = c.parties[p]
        assert f.verdict is standings(c, outcome)[p].acceptable
        if f.forced_by:
            assert f.verdict is Verdict.no and not f.reservation_flips
            assert all(not wf.flips for wf in f.weights)
        # The reservation value.
        marks = [flip.threshold for flip in f.reservation_flips]
        for r in _points(f.reservation_flips, grid):
            if any(abs(r - t) < MARGIN for t in marks):
                continue
            changed = _verdict(_with_prefs(s, party, reservation=r), party, outcome)
            assert (changed is f.verdict) == _stays(r, f.reservation, f.reservation_flips), (r, f)
        for flip in f.reservation_flips:
            r = _beyond(flip)
            if 0.0 <= r <= 1.0:
                assert _verdict(_with_prefs(s, party, reservation=r), party, outcome) is flip.verdict
        # One issue's weight, the others in proportion.
        weights = s.preferences[party].weights
        total = sum(weights.values())
        assert [wf.issue for wf in f.weights] == [i for i in c.issues if weights.get(i, 0.0) > 0]
        for wf in f.weights:
            assert abs(wf.weight - weights[wf.issue] / total) < 1e-12
            marks = [flip.threshold for flip in wf.flips]
            for w in _points(wf.flips, grid):
                if any(abs(w - t) < MARGIN for t in marks) or wf.weight == 1.0:
                    continue
                scale = (1 - w) / (1 - wf.weight)
                moved = {k: (w if k == wf.issue else v / total * scale) for k, v in weights.items()}
                changed = _verdict(_with_prefs(s, party, weights=moved), party, outcome)
                assert (changed is f.verdict) == _stays(w, wf.weight, wf.flips), (wf.issue, w, wf)
                if any(abs(w - _beyond(flip)) < 1e-15 for flip in wf.flips):
                    # Just past a flip the verdict is the one the flip names.
                    assert changed is next(flip.verdict for flip in wf.flips if abs(w - _beyond(flip)) < 1e-15)


@settings(max_examples=40, deadline=None)
@given(cases, st.data())
def test_fragility_matches_brute_force(
    case: tuple[int, int, list[int], bool, float, int | None], data: st.DataObject
) -> None:
    seed, parties, sizes, red_lines, reservation, levels = case
    s = random_scenario(
        np.random.default_rng(seed), parties, sizes, red_lines=red_lines, reservation=reservation, levels=levels
    )
    c = compile_scenario(s)
    outcome = np.array([data.draw(st.integers(OPEN, n - 1)) for n in sizes], dtype=np.int64)
    _check(s, c, outcome)


def test_complete_text_flips_at_its_utility() -> None:
    s = random_scenario(np.random.default_rng(11), 2, [3, 3, 2], reservation=0.4)
    c = compile_scenario(s)
    outcome = np.array([0, 1, 1], dtype=np.int64)
    for f, st_ in zip(fragility(c, outcome), standings(c, outcome), strict=True):
        (flip,) = f.reservation_flips
        assert flip.threshold == pytest.approx(st_.low, abs=1e-12)
        if f.verdict is Verdict.yes:
            assert (flip.direction, flip.inclusive, flip.verdict) == ("rises", False, Verdict.no)
            assert f"rises above {st_.low:.3f}" in f.text
        else:
            assert (flip.direction, flip.inclusive, flip.verdict) == ("falls", True, Verdict.yes)
            assert f"falls to {st_.low:.3f} or below" in f.text
        assert f.text.startswith("holds unless")


def test_a_crossed_red_line_cannot_be_flipped() -> None:
    s = random_scenario(np.random.default_rng(2), 1, [3, 3], red_lines=True)
    c = compile_scenario(s)
    i = next(i for i in range(2) if not c.allowed[i][0].all())
    outcome = np.zeros(2, dtype=np.int64)
    outcome[i] = int(np.flatnonzero(~c.allowed[i][0])[0])
    (f,) = fragility(c, outcome)
    assert f.verdict is Verdict.no and f.forced_by
    assert not f.reservation_flips and all(not wf.flips for wf in f.weights)
    assert "red line" in f.text and "whatever its reservation or weights" in f.text
    _check(s, c, outcome)


def test_silent_issues_have_no_weight_to_move() -> None:
    s = random_scenario(np.random.default_rng(4), 2, [3, 3, 3], reservation=0.5)
    prefs = s.preferences["p0"]
    s = _with_prefs(s, "p0", weights={"i0": prefs.weights["i0"], "i1": 0.0, "i2": prefs.weights["i2"]})
    s = s.model_copy(
        update={"proposals": (Proposal(id="a", title="A", tabled_by=("p0",), date="2024-01-01", terms={"i0": "o1"}),)}
    )
    c = compile_scenario(s)
    outcome = c.encode(s.terms_of("a"))
    f = fragility(c, outcome)[0]
    assert [wf.issue for wf in f.weights] == ["i0", "i2"]
    _check(s, c, outcome)


@pytest.mark.parametrize("seed", range(40))
def test_fragility_on_texts_and_readings_with_package_rules_matches_brute_force(seed: int) -> None:
    """Three sides at times, package rules tying open issues together, a partial text and its reading, a
    numeric issue every other time: swept on a grid of 0.01 and beside every threshold, each stated flip
    happens just past it and none before."""
    s = random_talks(seed, constituents=False)
    s = with_numeric_first_issue(s) if seed % 2 else s
    c = compile_scenario(s)
    text = s.proposals[seed % len(s.proposals)]
    for reading in (None, *(r.id for r in text.readings)):
        _check(s, c, c.encode(s.terms_of(text.id, reading)), np.linspace(0.0, 1.0, 101))
