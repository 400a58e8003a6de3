"""How fragile ratification at home is, checked against its definition on small random talks.

A pivot claims that moving one constituent's reservation value just past a threshold, every other
constituent as it stands, changes what the rule decides. The check re-compiles the scenario with that
reservation value and asks the rule afresh; and every nearest flip of a constituent's own approval that is
*not* reported must leave the rule's verdict as it is.
"""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from test_fragility import _stays
from truce.analysis.fragility import Flip
from truce.analysis.home import HomeStanding, home_standings
from truce.analysis.standing import Verdict
from truce.model.compiled import OPEN, compile_scenario
from truce.model.generate import random_scenario, with_constituents
from truce.model.scenario import Constituent, Ratification, RatificationRule, RedLine, Scenario

STEP = 1e-6  # how far past a threshold that is not itself a flip ("above 0.4") the reservation is moved

cases = st.tuples(
    st.integers(0, 2**32 - 1),  # seed
    st.integers(1, 2),  # parties
    st.lists(st.integers(2, 4), min_size=1, max_size=4),  # issue sizes
    st.integers(1, 4),  # constituents per party
    st.sampled_from([None, *RatificationRule]),  # the rule (random per party when None)
)


def _moved(s: Scenario, party: str, constituent: str, reservation: float) -> Scenario:
    prefs = s.preferences[party]
    assert prefs.ratification is not None
    members = tuple(
        m.model_copy(update={"reservation": reservation}) if m.id == constituent else m
        for m in prefs.ratification.constituents
    )
    rule = prefs.ratification.model_copy(update={"constituents": members})
    return s.model_copy(
        update={"preferences": {**s.preferences, party: prefs.model_copy(update={"ratification": rule})}}
    )


def _home_after(s: Scenario, h: HomeStanding, constituent: str, flip: Flip, outcome: np.ndarray) -> HomeStanding:
    step = 0.0 if flip.inclusive else (STEP if flip.direction == "rises" else -STEP)
    moved = compile_scenario(_moved(s, h.party, constituent, flip.threshold + step))
    return next(x for x in home_standings(moved, outcome) if x.party == h.party)


@settings(max_examples=40, deadline=None)
@given(cases, st.data())
def test_pivots_match_the_rule_recomputed(
    case: tuple[int, int, list[int], int, RatificationRule | None], data: st.DataObject
) -> None:
    seed, parties, sizes, members, rule = case
    rng = np.random.default_rng(seed)
    s = with_constituents(rng, random_scenario(rng, parties, sizes), members=members, rule=rule)
    c = compile_scenario(s)
    outcome = np.array([data.draw(st.integers(OPEN, n - 1)) for n in sizes], dtype=np.int64)
    for h in home_standings(c, outcome):
        rule_of = s.preferences[h.party].ratification
        assert rule_of is not None
        reported = {(p.id, p.flip.direction): p for p in h.fragility.pivots}
        for m, constituent in zip(h.members, rule_of.constituents, strict=True):
            if m.crossed:
                assert m.name in h.fragility.fixed
                assert all(pid != m.id for pid, _ in reported)
                continue
            for direction in ("rises", "falls"):
                pivot = reported.get((m.id, direction))
                if pivot is None:
                    continue
                assert constituent.weights  # a constituent known by red lines alone has nothing to move
                after = _home_after(s, h, m.id, pivot.flip, outcome)
                assert after.verdict is pivot.ratified is not h.verdict
                assert next(x for x in after.members if x.id == m.id).verdict is pivot.flip.verdict


@settings(max_examples=40, deadline=None)
@given(cases, st.data())
def test_no_unreported_flip_changes_the_rule(
    case: tuple[int, int, list[int], int, RatificationRule | None], data: st.DataObject
) -> None:
    """Sweep each constituent's reservation over [0, 1]: the rule decides as it does now until the nearest
    pivot reported each way, and as that pivot says just past it."""
    seed, parties, sizes, members, rule = case
    rng = np.random.default_rng(seed)
    s = with_constituents(rng, random_scenario(rng, parties, sizes, red_lines=True), members=members, rule=rule)
    c = compile_scenario(s)
    outcome = np.array([data.draw(st.integers(OPEN, n - 1)) for n in sizes], dtype=np.int64)
    for h in home_standings(c, outcome):
        rule_of = s.preferences[h.party].ratification
        assert rule_of is not None
        for m, constituent in zip(h.members, rule_of.constituents, strict=True):
            if m.crossed or m.closed or not constituent.weights:
                continue  # its red lines alone decide its approval: no reservation value to move
            flips = tuple(p.flip for p in h.fragility.pivots if p.id == m.id)
            for r in np.linspace(0.0, 1.0, 11):
                if any(abs(r - flip.threshold) < 1e-7 for flip in flips):
                    continue
                moved = compile_scenario(_moved(s, h.party, m.id, float(r)))
                after = next(x for x in home_standings(moved, outcome) if x.party == h.party)
                assert (after.verdict is h.verdict) == _stays(float(r), m.reservation, flips), (m.id, r)


def _majority_of_three(utilities: tuple[float, float, float], reservation: float) -> Scenario:
    """One party, one issue of two options; three constituents of one vote each under a majority, each valuing
    option o0 at its utility given and with the same reservation value."""
    s = random_scenario(np.random.default_rng(0), 1, [2])
    constituents = tuple(
        Constituent(
            id=f"c{k}",
            name=f"group {k}",
            assumption=True,
            weights={"i0": 1.0},
            values={"i0": {"o0": u, "o1": 0.0}},
            reservation=reservation,
        )
        for k, u in enumerate(utilities)
    )
    rule = Ratification(rule=RatificationRule.majority, constituents=constituents)
    prefs = s.preferences["p0"].model_copy(update={"ratification": rule})
    return s.model_copy(update={"preferences": {"p0": prefs}})


def test_the_approvals_a_majority_cannot_lose_are_its_pivots() -> None:
    s = _majority_of_three((0.7, 0.6, 0.4), reservation=0.5)
    (h,) = home_standings(compile_scenario(s), np.array([0], dtype=np.int64))
    assert h.verdict is Verdict.yes  # two votes of three approve
    # c0 and c1 each carry the majority: asking more than the text gives them ends it; c2 approving changes nothing
    assert [(p.id, p.flip.direction, round(p.flip.threshold, 9), p.ratified) for p in h.fragility.pivots] == [
        ("c0", "rises", 0.7, Verdict.no),
        ("c1", "rises", 0.6, Verdict.no),
    ]
    assert h.fragility.text(h.verdict) == (
        "stays ratified unless the reservation value of group 0 (now 0.500) rises above 0.700 (it then does not "
        "approve: not ratified); or the reservation value of group 1 (now 0.500) rises above 0.600 (it then does "
        "not approve: not ratified)"
    )


def test_an_unratified_text_names_who_would_carry_it() -> None:
    s = _majority_of_three((0.7, 0.4, 0.3), reservation=0.5)
    (h,) = home_standings(compile_scenario(s), np.array([0], dtype=np.int64))
    assert h.verdict is Verdict.no  # one vote of three
    assert [(p.id, p.flip.direction, round(p.flip.threshold, 9)) for p in h.fragility.pivots] == [
        ("c1", "falls", 0.4),
        ("c2", "falls", 0.3),
    ]
    assert all(p.flip.inclusive and p.ratified is Verdict.yes for p in h.fragility.pivots)


def _in_doubt() -> tuple[Scenario, np.ndarray]:
    """A majority of three over one open issue of three options: c0 approves any fill (its reservation 0.1, its
    worst 0.2, its best 0.8), c1 only o1 or o2 (reservation 0.5), and c2 never (a red line on every option)."""
    s = random_scenario(np.random.default_rng(0), 1, [3])
    values = ({"o0": 0.2, "o1": 0.5, "o2": 0.8}, {"o0": 0.0, "o1": 1.0, "o2": 1.0})
    constituents = [
        Constituent(
            id=f"c{k}", name=f"group {k}", assumption=True, weights={"i0": 1.0}, values={"i0": v}, reservation=r
        )
        for k, (v, r) in enumerate(zip(values, (0.1, 0.5), strict=True))
    ]
    constituents.append(
        Constituent(id="c2", name="group 2", assumption=True, red_lines=(RedLine(terms={"i0": ("o0", "o1", "o2")}),))
    )
    rule = Ratification(rule=RatificationRule.majority, constituents=tuple(constituents))
    prefs = s.preferences["p0"].model_copy(update={"ratification": rule, "red_lines": ()})
    return s.model_copy(update={"preferences": {"p0": prefs}}), np.array([OPEN], dtype=np.int64)


def test_a_pivot_past_the_nearest_change_of_its_own_approval_is_named() -> None:
    # c0 asking more than its worst fill (0.2) leaves it in doubt and the rule in doubt still; asking more than
    # 0.8, the best fill c1 approves with it, ends the majority: that is the change to name, not "whatever"
    s, text = _in_doubt()
    (h,) = home_standings(compile_scenario(s), text)
    assert h.verdict is Verdict.depends
    pivots = {(p.id, p.flip.direction): p for p in h.fragility.pivots}
    rises = pivots[("c0", "rises")]
    assert round(rises.flip.threshold, 9) == 0.8 and rises.ratified is Verdict.no
    assert rises.flip.verdict is Verdict.no
    after = _home_after(s, h, "c0", rises.flip, text)
    assert after.verdict is Verdict.no


def test_a_pivot_where_the_coalition_loses_its_one_common_fill_is_named() -> None:
    # c1 now approves o1 alone, where c0 gets 0.5: c0 asking more than 0.5 leaves no fill the two approve
    # together, though c0 alone may still approve one (o2 gives it 0.8)
    s, text = _in_doubt()
    prefs = s.preferences["p0"]
    assert prefs.ratification is not None
    c0, c1, c2 = prefs.ratification.constituents
    c1 = c1.model_copy(update={"values": {"i0": {"o0": 0.0, "o1": 1.0, "o2": 0.0}}})
    rule = prefs.ratification.model_copy(update={"constituents": (c0, c1, c2)})
    s = s.model_copy(update={"preferences": {"p0": prefs.model_copy(update={"ratification": rule})}})
    (h,) = home_standings(compile_scenario(s), text)
    rises = next(p for p in h.fragility.pivots if p.id == "c0" and p.flip.direction == "rises")
    assert round(rises.flip.threshold, 9) == 0.5 and rises.ratified is Verdict.no
    assert rises.flip.verdict is Verdict.depends  # c0 alone may still approve (o2): it is the pair that fails
    assert _home_after(s, h, "c0", rises.flip, text).verdict is Verdict.no
