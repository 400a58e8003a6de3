from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cases import every_outcome
from hand_cases import corridor_and_crossing, east_west_preferences, east_west_sides, issue
from truce.analysis.bridge import (
    CRITERIA,
    GAIN,
    Bridge,
    bridge,
    bridge_json,
    bridge_proposal,
    criterion_keys,
)
from truce.analysis.solutions import CONCEPTS
from truce.analysis.tabled import tabled_terms
from truce.errors import InputError
from truce.model.checks import build_scenario
from truce.model.compiled import OPEN, Compiled, Ints, compile_scenario
from truce.model.generate import random_scenario, with_constituents
from truce.model.scenario import PackageRule, Proposal, Reading


def _dominated(u: np.ndarray, others: np.ndarray) -> bool:
    return bool(np.any(np.all(others >= u - 1e-12, axis=1) & np.any(others > u + 1e-12, axis=1)))


def _brute(c: Compiled) -> tuple[Ints, np.ndarray, Ints, np.ndarray]:
    """All outcomes crossing no red line with their utilities, and the efficient acceptable ones."""
    rows = every_outcome(c)
    clean = ~c.crossed(rows).any(axis=1)
    rows, utils = rows[clean], c.utilities(rows[clean])
    ok = c.acceptable(rows).all(axis=1)
    efficient = np.array([ok[j] and not _dominated(utils[j], utils) for j in range(len(rows))], dtype=bool)
    return rows, utils, rows[efficient], utils[efficient]


def _changed(ref: Ints, row: Ints) -> frozenset[int]:
    return frozenset(int(i) for i in np.flatnonzero((ref != OPEN) & (row != ref)))


@st.composite
def cases(draw: st.DrawFn) -> tuple[Compiled, dict[str, Any], str, int]:
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    parties = draw(st.integers(2, 3))
    sizes = draw(st.lists(st.integers(2, 4), min_size=1, max_size=4))
    reservation = tuple(draw(st.sampled_from([0.0, 0.2, 0.4, 0.5])) for _ in range(parties))
    s = random_scenario(
        rng,
        parties,
        sizes,
        red_lines=draw(st.booleans()),
        reservation=reservation,
        levels=draw(st.sampled_from([None, 1, 2])),  # few levels: many outcomes share a utility vector
    )
    c = compile_scenario(s)
    reference = {}
    for i, n in enumerate(sizes):
        pick = draw(st.integers(-1, n - 1))
        if pick >= 0:
            reference[f"i{i}"] = f"o{pick}"
    return c, reference, draw(st.sampled_from(CRITERIA)), draw(st.integers(1, 3))


@settings(max_examples=150, deadline=None)
@given(cases())
def test_bridges_change_the_fewest_terms(case: tuple[Compiled, dict[str, Any], str, int]) -> None:
    _check_against_brute_force(*case)


def _check_against_brute_force(c: Compiled, reference: dict[str, Any], criterion: str, k: int) -> None:
    """The bridges are, by brute force over every outcome, the ``k`` best packages changing inclusion-minimal
    sets of the reference's terms, fewest changes first, then by the criterion."""
    result = bridge(c, reference, criterion, k, scope="all")
    rows = every_outcome(c)
    ok = c.acceptable(rows).all(axis=1)
    admissible, utils = rows[ok], c.utilities(rows[ok])
    if len(admissible) == 0:
        assert result.bridges == () and result.infeasible is not None
        return
    assert result.infeasible is None and result.search.complete
    ref = c.encode(reference)
    ideal = utils.max(axis=0)
    keys = criterion_keys(c, utils, criterion, ideal)
    # by brute force: every set of issues some acceptable package changes, and the best key for each
    best: dict[frozenset[int], tuple[int, ...]] = {}
    for j, row in enumerate(admissible):
        s = _changed(ref, row)
        best[s] = max(best.get(s, keys[j]), keys[j])
    minimal = [s for s in best if not any(t < s for t in best)]
    expected = sorted((len(s), tuple(-x for x in best[s])) for s in minimal)[:k]
    got = []
    for b in result.bridges:
        row = np.array(b.outcome, dtype=np.int64)
        assert c.acceptable(row).all()  # acceptable to every party, no red line crossed
        s = _changed(ref, row)
        assert s in minimal  # no package every party accepts changes only some of these terms
        u = c.utilities(row)
        got.append((len(s), tuple(-x for x in criterion_keys(c, u, criterion, ideal)[0])))
        # what is reported matches the outcome
        assert {ch.issue for ch in b.changes} == {c.issues[i] for i in s}
        assert {f.issue for f in b.filled} == {c.issues[i] for i in range(len(ref)) if ref[i] == OPEN}
        for ch in b.changes:
            i = c.issues.index(ch.issue)
            expected_gain = c.tables[i][:, c.index(i, ch.after)] - c.tables[i][:, c.index(i, ch.before)]
            assert [ch.gains[p] for p in c.parties] == pytest.approx(list(expected_gain))
        _check_improvements(c, b, admissible, utils)
    # the bridges are the closest, best first by the criterion, each changing its own set of issues
    assert got == expected
    assert result.bridges[0].changes == () or not result.acceptable_as_it_stands
    assert len({frozenset(ch.issue for ch in b.changes) for b in result.bridges}) == len(result.bridges)


def _check_improvements(c: Compiled, b: Bridge, admissible: Ints, utils: np.ndarray) -> None:
    """Each improvement leaves no party worse off and one better off, and the first needs the fewest
    further changes any such package needs."""
    row = np.array(b.outcome, dtype=np.int64)
    u = c.utilities(row)[0]
    better = np.all(utils >= u - 1e-12, axis=1) & (utils.sum(axis=1) >= u.sum() + GAIN / 2)
    fewest = min((len(_changed(row, r)) for r in admissible[better]), default=None)
    if fewest is None:
        assert b.improvements == ()
        return
    assert b.improvements, "a Pareto improvement exists"
    assert len(b.improvements[0].changes) == fewest
    for m in b.improvements:
        other = np.array(m.outcome, dtype=np.int64)
        v = c.utilities(other)[0]
        assert c.acceptable(other).all()
        assert np.all(v >= u - 1e-12) and v.sum() > u.sum()
        assert {ch.issue for ch in m.changes} == {c.issues[i] for i in _changed(row, other)}


def test_a_reference_every_party_accepts_needs_no_change() -> None:
    c = compile_scenario(build_scenario(_talks()))
    result = bridge(c, {"corridor": "stay", "crossing": "open", "venue": "a"}, k=3)
    assert result.acceptable_as_it_stands
    assert len(result.bridges) == 1 and result.bridges[0].changes == ()


@settings(max_examples=60, deadline=None)
@given(cases())
def test_no_zopa_is_explained(case: tuple[Compiled, dict[str, Any], str, int]) -> None:
    c, reference, criterion, _ = case
    # raise every reservation so that the ZOPA is often empty
    s = c.scenario.model_copy(
        update={
            "preferences": {
                pid: prefs.model_copy(update={"reservation": min(1.0, prefs.reservation + 0.45)})
                for pid, prefs in c.scenario.preferences.items()
            }
        }
    )
    c = compile_scenario(s)
    result = bridge(c, reference, criterion)
    rows, utils, eff_rows, _ = _brute(c)
    if len(eff_rows):
        assert result.infeasible is None
        return
    info = result.infeasible
    assert info is not None and result.bridges == ()
    if len(rows) == 0:
        # red lines alone rule out everything: the named ones do, and each is needed
        assert info.red_lines and not info.relaxation
        named = {(r.party, r.index) for r in info.red_lines}
        assert set(info.parties) == {p for p, _ in named}
        assert _crossing_free_outcomes(c, named) == 0
        for drop in named:
            assert _crossing_free_outcomes(c, named - {drop}) > 0
        return
    # the relaxation opens a ZOPA, and no smaller total relaxation does
    delta = np.array([info.relaxation.get(p, 0.0) for p in c.parties])
    assert np.all(delta >= 0)
    assert set(info.parties) == {p for p in c.parties if info.relaxation.get(p, 0.0) > 0}
    assert np.any(np.all(utils >= c.reservation - delta - 1e-9, axis=1))
    least = np.maximum(c.reservation - utils, 0.0).sum(axis=1).min()
    assert delta.sum() == pytest.approx(least, abs=1e-7)


@settings(max_examples=40, deadline=None)
@given(cases())
def test_with_nothing_on_the_table_the_first_bridge_is_the_criterions_best(
    case: tuple[Compiled, dict[str, Any], str, int],
) -> None:
    c, _, criterion, _ = case
    result = bridge(c, {}, criterion, k=1)
    _, _, _, eff_utils = _brute(c)
    if len(eff_utils) == 0:
        assert result.bridges == ()
        return
    keys = criterion_keys(c, eff_utils, criterion)
    best = eff_utils[max(range(len(keys)), key=lambda j: keys[j])]
    first = [result.bridges[0].utilities[p] for p in c.parties]
    assert first == pytest.approx(list(best), abs=1e-12)
    # and it is the solution concept of the same name
    solution = CONCEPTS[{"ks": "kalai_smorodinsky"}.get(criterion, criterion)].solve(c)
    assert solution is not None
    assert first == pytest.approx(list(solution.utilities), abs=1e-12)


def _crossing_free_outcomes(c: Compiled, lines: set[tuple[str, int]]) -> int:
    """How many outcomes cross none of the given red lines (brute force)."""
    prefs = {
        pid: p.model_copy(update={"red_lines": tuple(r for k, r in enumerate(p.red_lines) if (pid, k) in lines)})
        for pid, p in c.scenario.preferences.items()
    }
    d = compile_scenario(c.scenario.model_copy(update={"preferences": prefs}))
    return int((~d.crossed(every_outcome(d)).any(axis=1)).sum())


def _talks(**overrides: Any) -> dict[str, Any]:
    """East and West (hand_cases) with a mediator, and a venue neither side cares about."""
    data: dict[str, Any] = {
        "id": "talks",
        "title": "two sides, three issues",
        "parties": [*east_west_sides(), {"id": "un", "name": "UN", "role": "mediator"}],
        "issues": [
            *corridor_and_crossing(),
            issue("venue", "Venue", "categorical", {"a": "city A", "b": "city B", "c": "city C"}),
        ],
        "preferences": east_west_preferences(),
    }
    data.update(overrides)
    return data


def test_bridge_explains_changes_in_words() -> None:
    c = compile_scenario(build_scenario(_talks()))
    # the reference: troops remain, crossing closed, venue C; West gets 0 there (below 0.4)
    result = bridge(c, {"corridor": "stay", "crossing": "closed", "venue": "c"}, "nash", k=3)
    best = result.bridges[0]
    # no one cares about the venue: every venue gives the same utilities, and the bridge keeps C
    assert best.terms["venue"] == "c"
    # ZOPA: (stay, open) East 0.75 West 0.5, one change; (phased, open) 0.45 and 0.85, two changes
    assert [ch.issue for ch in best.changes] == ["crossing"]
    change = best.changes[0]
    assert (change.before, change.after) == ("closed", "open")
    # East: 1/4 * (0 - 1) = -0.25;  West: 2/4 * (1 - 0) = 0.5
    assert change.gains == pytest.approx({"east": -0.25, "west": 0.5})
    assert change.text == "Crossing: closed -> open: West gains 0.50, East gives 0.25"
    assert best.utilities == pytest.approx({"east": 0.75, "west": 0.5})
    # (phased, open) is acceptable too but changes the crossing as well: a bridge changing a set of terms
    # that holds a smaller bridge's set is not offered, so there is only one
    assert len(result.bridges) == 1
    # and nothing improves on it for both: (phased, open) gives West more but East less
    assert best.improvements == ()
    data = bridge_json(result, "ref-1")
    assert data["reference"] == "ref-1"
    assert data["infeasible"] is None
    assert data["within"] == "all"  # no proposal on the table: every term counts
    first = data["bridges"][0]
    assert list(first) == ["terms", "utilities", "changes", "filled", "improvements", "untabled"]
    assert first["changes"][0]["from"] == "closed" and first["changes"][0]["to"] == "open"


def test_a_side_that_weighs_an_issue_and_values_every_option_at_nothing_has_a_position_there() -> None:
    # East gives the crossing weight and values both options at 0: a stated position (neither is worth
    # anything to it), as analyze reads it, never "no stated position", which is silence: no weight at all
    talks = _talks()
    talks["preferences"]["east"]["values"]["crossing"] = {"closed": 0, "open": 0}
    c = compile_scenario(build_scenario(talks))
    change = bridge(c, {"corridor": "stay", "crossing": "closed"}, k=1, scope="all").bridges[0].changes[0]
    assert change.text == "Crossing: closed -> open: West gains 0.50"
    filled = bridge(c, {"corridor": "phased"}, k=1, scope="all").bridges[0].filled
    crossing = next(f for f in filled if f.issue == "crossing")
    assert crossing.gives["east"] == 0.0 and "no stated position: East" not in crossing.text
    venue = next(f for f in filled if f.issue == "venue")  # nobody weighs the venue: that is silence
    assert venue.gives == {"east": None, "west": None} and "no stated position: East, West" in venue.text


def test_partial_reference_fills_open_issues() -> None:
    c = compile_scenario(build_scenario(_talks()))
    result = bridge(c, {"venue": "b"}, "utilitarian", k=1)
    best = result.bridges[0]
    assert best.changes == ()
    assert best.terms["venue"] == "b"
    # utilitarian: (phased, open) sums 1.3, the most; each fill says what each side gives for it
    corridor, crossing = best.filled
    assert (corridor.issue, corridor.term, crossing.term) == ("corridor", "phased", "open")
    assert corridor.gives == pytest.approx({"east": 0.3, "west": 0.15})
    assert corridor.text == (
        "Corridor: (open) -> phased withdrawal: East gives 0.30 against troops remain; "
        "West gives 0.15 against full withdrawal"
    )
    assert crossing.gives == pytest.approx({"east": 0.25, "west": 0.0})
    # a fill on an issue a party never spoke to says so, and does not pretend it gives nothing
    venue = bridge(c, {"corridor": "phased", "crossing": "open"}, k=1).bridges[0].filled[0]
    assert venue.gives == {"east": None, "west": None}
    assert venue.text.endswith("no stated position: East, West")


def _tabled_talks() -> Compiled:
    proposals = [
        {
            "id": "east-1",
            "title": "East's text",
            "tabled_by": ["east"],
            "date": "2024-05-06",
            "terms": {"corridor": "stay", "crossing": "closed", "venue": "a"},
        },
        {
            "id": "west-1",
            "title": "West's text",
            "tabled_by": ["west"],
            "date": "2024-05-07",
            "terms": {"corridor": "out", "crossing": "closed", "venue": "a"},
        },
        {
            "id": "un-1",
            "title": "UN text",
            "tabled_by": ["un"],
            "date": "2024-05-08",
            "terms": {"corridor": "out", "venue": "b"},
        },
    ]
    return compile_scenario(build_scenario(_talks(proposals=proposals)))


def test_bridges_stay_within_tabled_terms_by_default() -> None:
    c = _tabled_talks()
    # nobody tabled an open crossing, nor a phased withdrawal: within the tabled terms, East's text
    # (stay, closed) gives West 0, and no tabled package gives both 0.4 -- the diagnosis says so
    within = bridge_proposal(c, "east-1")
    assert within.scope == "tabled"
    assert within.bridges == () and within.infeasible is not None
    # with every term allowed, opening the crossing bridges it, and the answer says nobody tabled it
    anything = bridge_proposal(c, "east-1", scope="all")
    first = anything.bridges[0]
    assert [ch.issue for ch in first.changes] == ["crossing"]
    assert first.changes[0].tabled is False
    assert first.changes[0].text.endswith("(not tabled by anyone)")
    assert first.untabled == ("crossing",)
    assert bridge_json(anything)["bridges"][0]["untabled"] == ["crossing"]


def test_a_term_only_a_reading_holds_is_said_to_be_that_sides_reading() -> None:
    proposals = [
        {"id": "east-1", "title": "East's text", "tabled_by": ["east"], "date": "2024-05-06",
         "terms": {"corridor": "stay", "crossing": "closed", "venue": "a"}},
        # no text opens the crossing: only West reads the UN text so
        {"id": "un-1", "title": "UN text", "tabled_by": ["un"], "date": "2024-05-08",
         "terms": {"corridor": "phased", "venue": "b"},
         "readings": [{"id": "west-view", "by": "west", "terms": {"crossing": "open"}}]},
    ]  # fmt: skip
    c = compile_scenario(build_scenario(_talks(proposals=proposals)))
    note = " (tabled only in un-1 as read by West, reading west-view)"
    change = bridge_proposal(c, "east-1").bridges[0].changes[0]
    assert change.tabled is True  # on the table, as West's reading of a text
    assert change.text == f"Crossing: closed -> open{note}: West gains 0.50, East gives 0.25"
    read = [{"term": "open", "proposal": "un-1", "reading": "west-view", "by": ["west"]}]
    assert bridge_json(bridge_proposal(c, "east-1"))["bridges"][0]["changes"][0]["only_in_readings"] == read
    # filling the UN text's open crossing cites the same reading
    filled = bridge_proposal(c, "un-1").bridges[0].filled
    crossing = next(f for f in filled if f.issue == "crossing")
    assert crossing.text.startswith(f"Crossing: (open) -> open{note}: ")
    assert [(term, t.reading) for term, t in crossing.only_read] == [("open", "west-view")]
    # a term a text as tabled holds carries no note, whoever also reads it so
    assert all(not f.only_read for f in filled if f.issue != "crossing")


def test_on_a_numeric_issue_a_value_only_a_readings_range_reaches_names_those_readings() -> None:
    aid = {"id": "aid", "name": "Aid", "kind": "numeric", "unit": "trucks/day", "min": 0, "max": 100, "step": 10}
    proposals = [
        {"id": "t1", "title": "one", "tabled_by": ["un"], "date": "2024-05-06", "terms": {"aid": 20},
         "readings": [{"id": "low", "by": "east", "terms": {"aid": 10}}]},
        {"id": "t2", "title": "two", "tabled_by": ["un"], "date": "2024-05-07", "terms": {"aid": 40},
         "readings": [{"id": "high", "by": "west", "terms": {"aid": 80}}]},
    ]  # fmt: skip
    s = build_scenario(_talks(issues=[*corridor_and_crossing(), aid], proposals=proposals))
    tabled = tabled_terms(s)
    # 20 to 40 the texts as tabled hold; 60 and 80 only West's reading reaches, 10 only East's; 90 nobody
    assert tabled.only_read("aid", 30) == ()
    assert [t.reading for t in tabled.only_read("aid", 60)] == ["high"]
    assert [t.reading for t in tabled.only_read("aid", 80)] == ["high"]
    assert [t.reading for t in tabled.only_read("aid", 10)] == ["low"]
    assert tabled.only_read("aid", 90) == ()
    assert tabled.only_read_note("aid", 60) == " (tabled only in t2 as read by West, reading high)"


def test_no_zopa_names_the_parties_and_the_gap() -> None:
    data = _talks()
    data["preferences"]["east"]["reservation"] = 0.9
    data["preferences"]["west"]["reservation"] = 0.9
    c = compile_scenario(build_scenario(data))
    result = bridge(c, {"corridor": "stay"})
    assert result.bridges == ()
    info = result.infeasible
    assert info is not None
    # the best outcome for the sum: (stay, open) gives East 0.75 and West 0.5, (phased, open) 0.45 and 0.85
    # and (out, open) 0 and 1; the least total shortfall below 0.9 is 0.15 + 0.4 = 0.55 at (stay, open)
    # and 0.45 + 0.05 = 0.5 at (phased, open): the latter
    assert info.relaxation == pytest.approx({"east": 0.45, "west": 0.05})
    assert info.parties == ("east", "west")
    assert bridge_json(result)["infeasible"]["relaxation"] == pytest.approx({"east": 0.45, "west": 0.05})


def test_conflicting_red_lines_are_named() -> None:
    data = _talks()
    data["preferences"]["east"]["red_lines"] = [{"terms": {"crossing": "open"}}]
    data["preferences"]["west"]["red_lines"] = [
        {"terms": {"corridor": "out"}},  # not part of the conflict
        {"terms": {"crossing": "closed"}},
    ]
    c = compile_scenario(build_scenario(data))
    info = bridge(c, {}).infeasible
    assert info is not None
    assert [(r.party, r.index) for r in info.red_lines] == [("east", 0), ("west", 1)]
    assert info.parties == ("east", "west")
    assert info.red_lines[0].text == "East red line 1: Crossing = open"


def test_bridge_from_a_proposal_uses_inherited_terms() -> None:
    proposals = [
        {
            "id": "first",
            "title": "first text",
            "tabled_by": ["un"],
            "date": "2024-05-06",
            "terms": {"crossing": "closed"},
        },
        {
            "id": "second",
            "title": "second text",
            "tabled_by": ["un"],
            "date": "2024-05-27",
            "parent": "first",
            "terms": {"corridor": "stay", "venue": "a"},
        },
    ]
    c = compile_scenario(build_scenario(_talks(proposals=proposals)))
    result = bridge_proposal(c, "second", k=1, scope="all")
    assert result.reference == {"crossing": "closed", "corridor": "stay", "venue": "a"}
    assert [ch.issue for ch in result.bridges[0].changes] == ["crossing"]
    assert result.bridges[0].untabled == ("crossing",)
    with pytest.raises(InputError, match="unknown proposal 'third' \\(expected one of first, second\\)"):
        bridge_proposal(c, "third")


def test_bad_requests() -> None:
    c = compile_scenario(build_scenario(_talks()))
    with pytest.raises(InputError, match="unknown criterion 'best'"):
        bridge(c, {}, "best")
    with pytest.raises(InputError) as err:
        bridge(c, {"corridor": "gone", "moon": "x"})
    assert [p.path for p in err.value.problems] == [("reference", "corridor"), ("reference", "moon")]


@pytest.mark.parametrize("seed", [3, 11])
def test_larger_space_against_brute_force(seed: int) -> None:
    # 8,192 outcomes: past the frontier's enumeration limit, so its issue-by-issue merge picks the
    # representatives; few value levels make many outcomes share a utility vector
    rng = np.random.default_rng(seed)
    c = compile_scenario(random_scenario(rng, 2, [4, 4, 4, 4, 4, 4, 2], red_lines=True, reservation=0.3, levels=2))
    reference = {f"i{i}": f"o{int(rng.integers(n))}" for i, n in enumerate(c.sizes) if i % 3 != 2}
    assert c.acceptable(every_outcome(c)).all(axis=1).any(), "this case should have a ZOPA"
    _check_against_brute_force(c, reference, "ks", 3)


def test_a_solver_error_on_a_tiny_programme_does_not_hide_the_relaxation() -> None:
    # three parties, three issues, no red line: HiGHS's presolve reports a solve error on this relaxation
    # programme; without presolve it is solved, so the diagnosis still names the least relaxation
    rng = np.random.default_rng(1510)
    parties = int(rng.integers(2, 4))
    sizes = [int(x) for x in rng.integers(2, 5, size=int(rng.integers(1, 5)))]
    reservation = tuple(float(x) for x in rng.choice([0.65, 0.85, 0.9, 0.95], parties))
    with_red_lines = bool(rng.integers(2))
    levels = [None, 1, 2][int(rng.integers(3))]
    s = random_scenario(rng, parties, sizes, red_lines=with_red_lines, reservation=reservation, levels=levels)
    c = compile_scenario(s)
    info = bridge(c, {}).infeasible
    assert info is not None and not info.red_lines
    utils = c.utilities(every_outcome(c))
    least = np.maximum(c.reservation - utils, 0.0).sum(axis=1).min()
    assert sum(info.relaxation.values()) == pytest.approx(least, abs=1e-7)


@st.composite
def tabled_cases(draw: st.DrawFn) -> tuple[Compiled, dict[str, Any]]:
    """A random case with texts on the table (one with a reading), a package rule, and sometimes constituents
    who must ratify; the reference is one of the texts as tabled or as read."""
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    sizes = draw(st.lists(st.integers(2, 4), min_size=2, max_size=4))
    s = random_scenario(rng, draw(st.integers(2, 3)), sizes, red_lines=draw(st.booleans()), reservation=0.3)
    a, b = (int(x) for x in rng.choice(len(sizes), 2, replace=False))
    rule = PackageRule(id="rule", never={f"i{a}": f"o{int(rng.integers(sizes[a]))}", f"i{b}": "o0"})
    texts = []
    for n in range(draw(st.integers(1, 3))):
        terms = {f"i{i}": f"o{int(rng.integers(k))}" for i, k in enumerate(sizes) if rng.random() < 0.7}
        i = int(rng.integers(len(sizes)))
        read = Reading(id=f"r{n}", by="p1", terms={f"i{i}": f"o{int(rng.integers(sizes[i]))}"})
        texts.append(
            Proposal(id=f"t{n}", title=f"text {n}", tabled_by=("p0",), date=dt.date(2024, 1, 1 + n), terms=terms)
        )
        if n == 0:
            texts[0] = texts[0].model_copy(update={"readings": (read,)})
    s = s.model_copy(update={"constraints": (rule,), "proposals": tuple(texts)})
    if draw(st.booleans()):
        s = with_constituents(rng, s, members=2, reservation=0.4)
    text = draw(st.sampled_from(texts))
    reading = draw(st.sampled_from([None, *(r.id for r in text.readings)]))
    return compile_scenario(s), s.terms_of(text.id, reading)


@settings(max_examples=60, deadline=None)
@given(tabled_cases())
def test_bridges_within_the_tabled_terms_change_the_fewest_terms(case: tuple[Compiled, dict[str, Any]]) -> None:
    """Within the tabled terms (readings' too), with a package rule and ratification at home: the first bridge
    changes as few terms as any package every side accepts and ratifies there, every bridge is such a package,
    and every term it puts forward is one somebody tabled, where anybody tabled a term on that issue."""
    c, reference = case
    result = bridge(c, reference, "nash", 2, scope="tabled")
    tabled = tabled_terms(c.scenario)
    ref = c.encode(reference)
    rows = every_outcome(c)
    inside = np.ones(len(rows), dtype=bool)
    for i, issue_id in enumerate(c.issues):
        if tabled.terms.get(issue_id):
            held = [tabled.holds(issue_id, term) or reference.get(issue_id) == term for term in c.options[i]]
            inside &= np.array(held)[rows[:, i]]
    admissible = rows[inside & c.acceptable(rows).all(axis=1)]
    if not len(admissible):
        assert result.bridges == () and result.infeasible is not None
        return
    fewest = int(((admissible != ref) & (ref != OPEN)).sum(axis=1).min())
    assert len(result.bridges[0].changes) == fewest
    for b in result.bridges:
        row = np.array(b.outcome, dtype=np.int64)
        assert c.acceptable(row).all()
        assert {ch.issue for ch in b.changes} == {c.issues[i] for i in _changed(ref, row)}
        for ch in b.changes:
            assert tabled.holds(ch.issue, ch.after) or not tabled.terms.get(ch.issue)
