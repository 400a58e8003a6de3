"""Standing, gaps, sticking points and diffs checked against their definitions by brute force."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from truce.analysis.diff import ChangeKind, diff
from truce.analysis.standing import LEFT_OPEN, NO_POSITION, Verdict, standings
from truce.analysis.sticking import sticking_points
from truce.model.compiled import OPEN, compile_scenario
from truce.model.generate import random_scenario
from truce.model.scenario import Proposal, Scenario

small = st.tuples(
    st.integers(0, 2**32 - 1),  # seed
    st.integers(2, 3),  # parties
    st.lists(st.integers(2, 4), min_size=1, max_size=4),  # issue sizes
    st.booleans(),  # red lines
    st.floats(0.0, 0.8),  # reservation
)


def everything(sizes: list[int]) -> np.ndarray:
    return np.array(list(itertools.product(*(range(n) for n in sizes))), dtype=np.int64)


@settings(max_examples=60, deadline=None)
@given(small, st.data())
def test_standing_matches_brute_force(case: tuple[int, int, list[int], bool, float], data: st.DataObject) -> None:
    seed, parties, sizes, red_lines, reservation = case
    c = compile_scenario(
        random_scenario(np.random.default_rng(seed), parties, sizes, red_lines=red_lines, reservation=reservation)
    )
    # A random partial outcome: each issue fixed to an option or left open.
    partial = np.array([data.draw(st.integers(OPEN, n - 1)) for n in sizes], dtype=np.int64)
    completions = everything(sizes)
    fixed = partial != OPEN
    completions = completions[(completions[:, fixed] == partial[fixed]).all(axis=1)]
    utilities = c.utilities(completions)
    acceptable = c.acceptable(completions)
    for p, s in enumerate(standings(c, partial)):
        assert s.low == pytest.approx(utilities[:, p].min(), abs=1e-12)
        # The best completion is the best one the party could sign: crossing none of its red lines, those over
        # several issues too (unless the text's own terms already cross one: its verdict is then no).
        ok = ~c.crossed(completions)[:, p]
        if not s.crossed:
            assert s.closed is (not ok.any())
            if ok.any():
                assert s.high == pytest.approx(utilities[ok, p].max(), abs=1e-12)
        # A verdict is a promise about every completion of the proposal.
        if s.acceptable is Verdict.yes:
            assert acceptable[:, p].all()
        elif s.acceptable is Verdict.no:
            assert not acceptable[:, p].any()
        else:
            assert acceptable[:, p].any() and not acceptable[:, p].all()
        if fixed.all():
            assert s.low == pytest.approx(s.high)
            # The gaps of a complete proposal add up to what it loses against the ideal outcome.
            ideal = sum(float(t[p].max()) for t in c.tables)
            assert sum(g for g in s.gaps.values() if g is not None) == pytest.approx(ideal - s.low)


@settings(max_examples=60, deadline=None)
@given(small)
def test_sticking_points_follow_their_definition(case: tuple[int, int, list[int], bool, float]) -> None:
    seed, parties, sizes, _, _ = case
    c = compile_scenario(random_scenario(np.random.default_rng(seed), parties, sizes))
    points = sticking_points(c)
    assert [sp.tension for sp in points] == sorted((sp.tension for sp in points), reverse=True)
    for sp in points:
        i = c.issues.index(sp.issue)
        loss = np.array([c.tables[i][p].max() - c.tables[i][p] for p in range(parties)])
        assert sp.tension == pytest.approx(loss.sum(axis=0).min())
        for p, party in enumerate(c.parties):
            assert c.tables[i][p][c.options[i].index(sp.preferred[party])] == c.tables[i][p].max()


def test_agreeing_parties_have_no_sticking_points() -> None:
    s = random_scenario(np.random.default_rng(3), 1, [3, 4])
    prefs = s.preferences["p0"]
    twin = s.model_copy(
        update={
            "preferences": {"p0": prefs, "p1": prefs},
            "parties": (*s.parties, s.parties[0].model_copy(update={"id": "p1"})),
        }
    )
    assert all(sp.tension == 0 for sp in sticking_points(compile_scenario(twin)))


def test_one_sides_preferences_alone_make_no_sticking_points() -> None:
    # With one side's preferences (what a side's own brief rests on) every issue read "tension 0.000", as if
    # the sides agreed on all of it: there is nobody to be kept apart from.
    from truce.analysis.overview import overview

    s = random_scenario(np.random.default_rng(3), 2, [3, 4])
    alone = s.model_copy(update={"preferences": {"p0": s.preferences["p0"]}})
    assert overview(s).sticking and not overview(alone).sticking


def test_red_lined_options_are_worth_a_full_loss() -> None:
    s = random_scenario(np.random.default_rng(5), 2, [3, 3], red_lines=True)
    c = compile_scenario(s)
    for sp in sticking_points(c):
        i = c.issues.index(sp.issue)
        k = c.options[i].index(sp.compromise)
        assert c.allowed[i][:, k].all() or sp.tension >= min(float(t.max()) for t in c.tables[i])


def test_diff_uses_inherited_terms_and_says_who_gains() -> None:
    s = random_scenario(np.random.default_rng(9), 2, [3, 3, 3])
    base = Proposal(id="a", title="A", tabled_by=("p0",), date="2024-01-01", terms={"i0": "o0", "i1": "o1"})
    child = Proposal(
        id="b", title="B", tabled_by=("p1",), date="2024-01-02", parent="a", terms={"i1": "o2", "i2": "o0"}
    )
    alone = Proposal(
        id="c", title="C", tabled_by=("p1",), date="2024-01-03", parent="a", inherits=False, terms={"i2": "o0"}
    )
    s = s.model_copy(update={"proposals": (base, child, alone)})
    c = compile_scenario(s)
    assert s.terms_of("b") == {"i0": "o0", "i1": "o2", "i2": "o0"}
    changes = diff(s, base, child, c)
    assert [(ch.issue, ch.kind) for ch in changes] == [("i1", ChangeKind.changed), ("i2", ChangeKind.added)]
    assert changes[0].text == "issue 1: option 1 -> option 2"
    for p, party in enumerate(c.parties):
        assert changes[0].effect[party] == pytest.approx(c.tables[1][p, 2] - c.tables[1][p, 1])
    removed = diff(s, base, alone, c)
    assert {ch.issue: ch.kind for ch in removed} == {
        "i0": ChangeKind.removed,
        "i1": ChangeKind.removed,
        "i2": ChangeKind.added,
    }


def test_partial_outcomes_are_refused_by_utilities() -> None:
    c = compile_scenario(random_scenario(np.random.default_rng(1), 2, [2, 2]))
    with pytest.raises(ValueError, match="open issues"):
        c.utilities(np.array([[0, OPEN]]))


def _with_silence(seed: int, parties: int, sizes: list[int]) -> tuple[Scenario, dict[str, set[str]]]:
    """A random scenario where each party is silent on some issues: weight 0, or no weight at all."""
    rng = np.random.default_rng(seed)
    s = random_scenario(rng, parties, sizes)
    silent: dict[str, set[str]] = {}
    prefs = {}
    for pid, pref in s.preferences.items():
        quiet = {f"i{i}" for i in range(len(sizes)) if rng.random() < 0.4} - {f"i{int(rng.integers(len(sizes)))}"}
        weights = {k: (0.0 if k in quiet and rng.random() < 0.5 else w) for k, w in pref.weights.items()}
        weights = {k: w for k, w in weights.items() if k not in quiet or w == 0.0}
        prefs[pid] = pref.model_copy(update={"weights": weights})
        silent[pid] = quiet
    return s.model_copy(update={"preferences": prefs}), silent


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(2, 3), st.lists(st.integers(2, 4), min_size=2, max_size=4), st.data())
def test_silence_is_never_a_preference_nor_a_met_gap(
    seed: int, parties: int, sizes: list[int], data: st.DataObject
) -> None:
    s, silent = _with_silence(seed, parties, sizes)
    c = compile_scenario(s)
    partial = np.array([data.draw(st.integers(OPEN, n - 1)) for n in sizes], dtype=np.int64)
    for standing in standings(c, partial):
        for i, issue in enumerate(c.issues):
            if issue in silent[standing.party]:
                assert standing.gaps[issue] is None and standing.gap_notes[issue] == NO_POSITION
            elif partial[i] == OPEN:
                assert standing.gaps[issue] is None and standing.gap_notes[issue] == LEFT_OPEN
            else:
                assert standing.gaps[issue] is not None and issue not in standing.gap_notes
        assert standing.biggest_gap not in silent[standing.party]
    first = {issue: c.options[i][0] for i, issue in enumerate(c.issues)}
    second = {issue: c.options[i][1] for i, issue in enumerate(c.issues)}
    texts = tuple(
        Proposal(id=pid, title=pid, tabled_by=(c.parties[0],), date="2024-01-01", terms=terms)
        for pid, terms in (("a", first), ("b", second))
    )
    with_texts = s.model_copy(update={"proposals": texts})
    for ch in diff(with_texts, texts[0], texts[1], compile_scenario(with_texts)):
        for party in c.parties:  # silence is not a change worth 0 to the silent party
            assert (ch.effect[party] is None) == (ch.issue in silent[party])
    for sp in sticking_points(c):
        quiet = tuple(p for p in c.parties if sp.issue in silent[p])
        assert sp.silent == quiet
        for party in c.parties:
            assert (sp.preferred[party] is None) == (party in quiet)
            assert (sp.losses[party] is None) == (party in quiet)  # silence costs nothing: it is not a 0 loss
        assert (sp.compromise is None) == (len(quiet) == len(c.parties))
        if quiet:
            assert sp.note is not None and all(p in sp.note for p in quiet)
        else:
            assert sp.note is None
