from __future__ import annotations

import inspect

import numpy as np
from hypothesis import given, settings

from cases import every_outcome, make, scenario_cases
from truce.analysis import solutions
from truce.analysis.frontier import keys, pareto_frontier
from truce.analysis.solutions import CONCEPTS, solve_all
from truce.io.scenario_files import scenario_to_data
from truce.model.checks import build_scenario
from truce.model.compiled import Compiled, Floats, compile_scenario
from truce.model.generate import random_scenario

cases = scenario_cases()


def criteria(name: str, u: Floats, d: Floats, ideal: Floats) -> list[Floats]:
    """Each concept's definition, most important criterion first, written out independently."""
    gains = np.maximum(u - d, 0.0)
    total = u.sum(axis=1)
    leximin = list(np.sort(gains, axis=1).T)
    if name == "nash":
        return [np.prod(gains, axis=1), total]
    if name == "kalai_smorodinsky":
        room = ideal - d
        counted = room > 1e-12
        return [np.min(gains[:, counted] / room[counted], axis=1), total] if counted.any() else [total]
    if name == "egalitarian":
        return leximin
    assert name == "utilitarian"
    return [total, *leximin]


def brute_force(c: Compiled, name: str) -> tuple[Floats, list[int]] | None:
    """The best acceptable outcome's utilities and terms, over the whole outcome space; last ties by the
    smallest spread of gains, then the smallest vector of option indices (neither depends on party order)."""
    outcomes = every_outcome(c)
    outcomes = outcomes[c.acceptable(outcomes).all(axis=1)]
    if not len(outcomes):
        return None
    u = c.utilities(outcomes)
    ks = [keys(np.asarray(x, dtype=float)) for x in criteria(name, u, c.reservation, u.max(axis=0))]
    gains = np.maximum(u - c.reservation, 0.0)
    spread = keys(gains.max(axis=1) - gains.min(axis=1))
    best = min(
        range(len(outcomes)),
        key=lambda j: (*(-int(k[j]) for k in ks), int(spread[j]), *(int(x) for x in outcomes[j])),
    )
    return u[best], [int(x) for x in outcomes[best]]


@settings(max_examples=60, deadline=None)
@given(case=cases)
def test_solutions_equal_brute_force(case: dict[str, object]) -> None:
    c = make(case)
    found = solve_all(c)
    assert set(found) == set(CONCEPTS)
    for name, sol in found.items():
        expected = brute_force(c, name)
        if expected is None:
            assert sol is None
            continue
        assert sol is not None and sol.concept == name and sol.parties == c.parties
        assert c.acceptable(sol.outcome).all()
        np.testing.assert_array_equal(c.utilities(sol.outcome)[0], sol.utilities)
        assert keys(sol.utilities).tolist() == keys(expected[0]).tolist(), name
        assert sol.outcome.tolist() == expected[1], name


def test_each_solver_alone_equals_solve_all() -> None:
    c = compile_scenario(random_scenario(np.random.default_rng(1), 3, [4, 4, 4], reservation=0.3, red_lines=True))
    together = solve_all(c)
    for name, concept in CONCEPTS.items():
        alone = concept.solve(c)
        from_full = concept.solve(c, frontier=pareto_frontier(c))  # the full frontier serves as well
        other = together[name]
        assert alone is not None and other is not None and from_full is not None
        assert alone.outcome.tolist() == other.outcome.tolist() == from_full.outcome.tolist()


def test_empty_zopa_gives_none() -> None:
    c = compile_scenario(random_scenario(np.random.default_rng(2), 2, [3, 3], reservation=0.99))
    assert all(sol is None for sol in solve_all(c).values())


def test_subset_of_parties() -> None:
    c = compile_scenario(random_scenario(np.random.default_rng(3), 3, [4, 4], reservation=0.2))
    sol = solutions.nash(c, [2, 0])
    assert sol is not None and sol.parties == ("p2", "p0") and sol.utilities.shape == (2,)


def test_registry_matches_the_scores_defined() -> None:
    scores = {
        name.removesuffix("_score")
        for name, fn in inspect.getmembers(solutions, inspect.isfunction)
        if fn.__module__ == solutions.__name__ and name.endswith("_score")
    }
    assert scores == set(CONCEPTS) == {"nash", "kalai_smorodinsky", "egalitarian", "utilitarian"}
    assert [member.value for member in solutions.ConceptName] == list(CONCEPTS)
    for name, concept in CONCEPTS.items():
        assert concept.name == name and concept.score is getattr(solutions, f"{name}_score")
        assert concept.title and concept.maximises and concept.ties and concept.source
        doc = inspect.getdoc(concept.score) or ""
        assert "Source" in doc and any(year in doc for year in ("1950", "1955", "1975", "1977"))


def test_bridges_rank_by_the_concepts_own_scores() -> None:
    from truce.analysis.bridge import ALIASES, criterion_keys

    assert set(CONCEPTS) <= set(ALIASES) and set(ALIASES.values()) == set(CONCEPTS)
    rng = np.random.default_rng(7)
    c = compile_scenario(random_scenario(rng, 3, (3, 4, 2)))
    u = rng.random((50, 3))
    gains = np.maximum(u - c.reservation, 0.0)
    room = u.max(axis=0) - c.reservation
    for name, concept in CONCEPTS.items():
        wanted = np.rint(np.stack(concept.score(gains, u, room), axis=1) * 1e12).astype(np.int64)
        got = np.array(criterion_keys(c, u, name))[:, : wanted.shape[1]]
        assert np.array_equal(got, wanted)


def _reordered(c: Compiled, order: list[int]) -> Compiled:
    """The same talks with the parties listed in ``order``."""
    data = scenario_to_data(c.scenario)
    data["parties"] = [data["parties"][p] for p in order]
    return compile_scenario(build_scenario(data))


@settings(max_examples=40, deadline=None)
@given(case=cases)
def test_party_order_does_not_change_any_solution(case: dict[str, object]) -> None:
    c = make(case)
    order = list(range(len(c.parties)))[::-1]
    d = _reordered(c, order)
    assert d.parties == tuple(c.parties[p] for p in order)
    first, second = solve_all(c), solve_all(d)
    for name in CONCEPTS:
        a, b = first[name], second[name]
        assert (a is None) == (b is None), name
        if a is not None and b is not None:
            assert a.outcome.tolist() == b.outcome.tolist(), name


def _mirror() -> Compiled:
    """Two parties with mirror-image preferences: the two one-sided deals tie on every concept (their
    utilities are each other's swapped), and the compromise is worse for both concepts' main criteria."""
    values = {"a": 1.0, "b": 0.3, "c": 0.5}
    mirrored = {"a": 0.3, "b": 1.0, "c": 0.5}
    data = {
        "id": "mirror",
        "title": "mirror",
        "parties": [{"id": "north", "name": "North"}, {"id": "south", "name": "South"}],
        "issues": [{"id": "x", "name": "x", "kind": "categorical", "options": [{"id": o, "label": o} for o in "abc"]}],
        "preferences": {
            "north": {"assumption": True, "weights": {"x": 1}, "values": {"x": values}},
            "south": {"assumption": True, "weights": {"x": 1}, "values": {"x": mirrored}},
        },
    }
    return compile_scenario(build_scenario(data))


def test_a_symmetric_tie_is_broken_the_same_whichever_party_comes_first() -> None:
    c = _mirror()
    d = _reordered(c, [1, 0])
    for name in CONCEPTS:
        a, b = CONCEPTS[name].solve(c), CONCEPTS[name].solve(d)
        assert a is not None and b is not None
        assert a.outcome.tolist() == b.outcome.tolist(), name
    # Nash and utilitarian: a and b tie (products 0.3, sums 1.3, equal spreads), so the first option wins in
    # either order, where the frontier's order gave each listing's first party its best; the compromise c
    # is the smallest gain's best (egalitarian) and the best smallest share (Kalai-Smorodinsky)
    picks = {name: CONCEPTS[name].solve(d) for name in CONCEPTS}
    assert {name: s.outcome.tolist() for name, s in picks.items() if s is not None} == {
        "nash": [0],
        "utilitarian": [0],
        "egalitarian": [2],
        "kalai_smorodinsky": [2],
    }
