from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog

from hand_cases import issue
from truce.analysis.fair_division import (
    adjusted_winner,
    adjusted_winner_scenario,
    allocation_json,
)
from truce.errors import InputError
from truce.io.points_csv import read_points_csv
from truce.model.checks import build_scenario
from truce.model.compiled import compile_scenario
from truce.model.generate import random_scenario

PARTIES = ("north", "south")


def test_worked_example_step_by_step() -> None:
    # Points (north, south); each column adds up to 100.
    points = {"a": (40.0, 20.0), "b": (10.0, 10.0), "c": (30.0, 12.0), "d": (15.0, 38.0), "e": (5.0, 20.0)}
    # Step 1: each item to whoever gives it more points; the tie on b goes to the first party.
    #   north: a, b, c = 40 + 10 + 30 = 80;  south: d, e = 38 + 20 = 58.  north is the initial winner.
    # Step 2: north's items by ratio north/south: b 1.0, a 2.0, c 2.5.
    #   b moves whole (north 70, south 68: north still ahead).
    # Step 3: moving a whole would put north behind, so a is split: a fraction f goes south with
    #   70 - 40 f = 68 + 20 f, f = 2/60 = 1/30.  Both end with 70 - 40/30 = 68 2/3.
    result = adjusted_winner(points, PARTIES)
    assert result.initial_winner == "north"
    assert result.split == "a"
    assert result.fraction == pytest.approx(29 / 30)
    assert result.shares["a"]["south"] == pytest.approx(1 / 30)
    assert result.shares["b"] == {"north": 0.0, "south": 1.0}
    assert result.shares["c"] == {"north": 1.0, "south": 0.0}
    assert result.shares["d"] == {"north": 0.0, "south": 1.0}
    assert result.shares["e"] == {"north": 0.0, "south": 1.0}
    assert result.points["north"] == pytest.approx(206 / 3)
    assert result.points["south"] == pytest.approx(206 / 3)
    data = allocation_json(result)
    assert list(data) == [
        "allocation",
        "points",
        "split",
        "item_points",
        "names",
        "no_stated_position",
        "preferences_assumed_for",
        "notes",
    ]
    # points given as such (a CSV table) are nobody's silence and no file's assumption
    assert data["item_points"]["a"] == {"north": 40.0, "south": 20.0}
    assert data["names"]["a"] == "a"
    assert data["no_stated_position"] == {} and data["preferences_assumed_for"] == [] and data["notes"] == []
    assert data["split"] == "a"
    assert data["allocation"]["c"] == {"north": 1.0, "south": 0.0}


def test_equal_start_needs_no_split() -> None:
    result = adjusted_winner({"x": (50.0, 0.0), "y": (0.0, 50.0), "z": (50.0, 50.0)}, PARTIES)
    # north gets x and z (tie to the first party): 100 against 50, so z is split in half.
    assert result.split == "z"
    assert result.points["north"] == pytest.approx(75.0)
    assert result.points["south"] == pytest.approx(75.0)
    even = adjusted_winner({"x": (60.0, 40.0), "y": (40.0, 60.0)}, PARTIES)
    assert even.split is None
    assert even.fraction is None
    assert even.points == {"north": 60.0, "south": 60.0}


@pytest.mark.parametrize(
    ("points", "message", "path"),
    [
        ({"x": (60.0, 40.0), "y": (30.0, 60.0)}, "north's points add up to 90, not 100", ("points", "*", 0)),
        ({"x": (110.0, 40.0), "y": (-10.0, 60.0)}, "points cannot be negative (got -10)", ("points", "y", 0)),
        ({"x": (float("nan"), 40.0), "y": (0.0, 60.0)}, "points must be finite numbers", ("points", "x", 0)),
        ({}, "no items to divide", ("points",)),
    ],
)
def test_bad_points_are_located(points: dict[str, tuple[float, float]], message: str, path: tuple[Any, ...]) -> None:
    with pytest.raises(InputError) as err:
        adjusted_winner(points, PARTIES)
    assert any(message in p.message and p.path == path for p in err.value.problems), err.value


def _split_100(draw: st.DrawFn, n: int) -> list[int]:
    cuts = sorted(draw(st.lists(st.integers(0, 100), min_size=n - 1, max_size=n - 1)))
    bounds = [0, *cuts, 100]
    return [bounds[k + 1] - bounds[k] for k in range(n)]


@st.composite
def instances(draw: st.DrawFn) -> dict[str, tuple[float, float]]:
    n = draw(st.integers(1, 6))
    a = _split_100(draw, n)
    b = _split_100(draw, n)
    return {f"item{k}": (float(a[k]), float(b[k])) for k in range(n)}


@settings(max_examples=150, deadline=None)
@given(instances())
def test_equitable_envy_free_efficient(points: dict[str, tuple[float, float]]) -> None:
    result = adjusted_winner(points, PARTIES)
    items = list(points)
    va = np.array([points[i][0] for i in items])
    vb = np.array([points[i][1] for i in items])
    xa = np.array([result.shares[i]["north"] for i in items])
    xb = np.array([result.shares[i]["south"] for i in items])
    assert np.allclose(xa + xb, 1.0)
    assert np.all((xa >= 0) & (xa <= 1))
    # at most one item is divided, and it is the one named
    split = [i for i, x in zip(items, xa, strict=True) if 1e-12 < x < 1 - 1e-12]
    assert len(split) <= 1
    if split:
        assert result.split == split[0]
    # equitable: equal points, as reported
    pa, pb = float(va @ xa), float(vb @ xb)
    assert pa == pytest.approx(pb, abs=1e-9)
    assert result.points["north"] == pytest.approx(pa, abs=1e-9)
    # envy-free: each values its own share at least as much as the other's
    assert pa >= float(va @ xb) - 1e-9
    assert pb >= float(vb @ xa) - 1e-9
    # efficient: no division gives south more while north keeps at least as much (and vice versa)
    for mine, theirs, floor, got in ((vb, va, pa, pb), (va, vb, pb, pa)):
        # maximise mine @ (1 - x) subject to theirs @ x >= floor, x in [0, 1]
        lp = linprog(c=mine, A_ub=-theirs[None, :], b_ub=[-floor], bounds=[(0, 1)] * len(items), method="highs")
        assert lp.status == 0
        assert float(mine.sum() - lp.fun) <= got + 1e-7


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "points.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_csv_file(tmp_path: Path) -> None:
    path = _write(tmp_path, "item,north,south\na,40,20\nb,10,10\nc,30,12\nd,15,38\ne,5,20\n")
    result = adjusted_winner(*read_points_csv(path))
    assert result.parties == PARTIES
    assert result.split == "a"
    assert result.points["south"] == pytest.approx(206 / 3)


@pytest.mark.parametrize(
    ("text", "located"),
    [
        ("item,north,south\na,40,x\nb,60,100\n", "points.csv:2:6: expected a number of points, got 'x'"),
        ("item,north,south\na,40,50\nb,50,50\n", "points.csv:1:6: north's points add up to 90, not 100"),
        ("item,north,south\na,-1,50\nb,101,50\n", "points.csv:2:3: points cannot be negative (got -1)"),
        ("item,north,south\na,50,50\na,50,50\n", "points.csv:3:1: duplicate item 'a' (first given on line 2)"),
        ("item,north,south\na,50,50,1\n", "points.csv:2:1: expected 3 columns"),
        ("item,north\n", "points.csv:1:1: expected a header"),
        ("item,north,north\na,100,100\n", "points.csv:1:12: the two columns name the same party 'north'"),
        ("", "points.csv:1:1: file is empty"),
    ],
)
def test_csv_errors_are_located(tmp_path: Path, text: str, located: str) -> None:
    path = _write(tmp_path, text)
    with pytest.raises(InputError) as err:
        read_points_csv(path)
    messages = [p.located().replace(str(tmp_path) + "/", "") for p in err.value.problems]
    assert any(m.startswith(located) for m in messages), messages


def test_missing_csv(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="cannot read file"):
        read_points_csv(tmp_path / "nope.csv")


def _scenario(divisible: bool = True) -> dict[str, Any]:
    return {
        "id": "split",
        "title": "two divisible issues",
        "parties": [{"id": "a", "name": "A"}, {"id": "b", "name": "B"}],
        "issues": [
            issue("land", "Land", "ordinal", {"to-a": "to A", "to-b": "to B"}, divisible=divisible),
            issue("water", "Water", "ordinal", {"to-a": "to A", "to-b": "to B"}, divisible=divisible),
            issue("flag", "Flag", "categorical", {"x": "X", "y": "Y"}),
        ],
        "preferences": {
            "a": {
                "assumption": True,
                "weights": {"land": 3, "water": 1, "flag": 4},
                "values": {
                    "land": {"to-a": 1, "to-b": 0},
                    "water": {"to-a": 1, "to-b": 0},
                    "flag": {"x": 1, "y": 0},
                },
            },
            "b": {
                "assumption": True,
                "weights": {"land": 1, "water": 1},
                # b's values on water only span 0.5 .. 1: its swing there is half its weight
                "values": {"land": {"to-a": 0, "to-b": 1}, "water": {"to-a": 0.5, "to-b": 1}},
            },
        },
    }


def test_scenario_points_come_from_swings() -> None:
    c = compile_scenario(build_scenario(_scenario()))
    result = adjusted_winner_scenario(c, ("a", "b"))
    # a: swings 3/8 and 1/8 -> 75 and 25 points; b: swings 1/2 and 1/4 -> 66.67 and 33.33 points.
    # Initially a takes land (75 > 66.67), b takes water (33.33 > 25): a 75 against b 33.33.
    # a's only item, land, is split: 75 - 75 f = 33.33 + 66.67 f, f = 41.67 / 141.67.
    f = (75 - 100 / 3) / (75 + 200 / 3)
    assert result.items == ("land", "water")
    assert result.split == "land"
    assert result.shares["land"]["b"] == pytest.approx(f)
    assert result.points["a"] == pytest.approx(75 * (1 - f))
    assert result.points["b"] == pytest.approx(result.points["a"])


def test_silence_is_named_and_counted_as_nothing_not_as_a_preference() -> None:
    data = _scenario()
    data["issues"].append(issue("sea", "Sea access", "ordinal", {"to-a": "to A", "to-b": "to B"}, divisible=True))
    data["preferences"]["a"]["weights"]["sea"] = 2
    data["preferences"]["a"]["values"]["sea"] = {"to-a": 1, "to-b": 0}
    result = adjusted_winner_scenario(compile_scenario(build_scenario(data)), ("a", "b"))
    # b weighs land and water only: sea is silence on b's part, worth 0 of its points, so it goes to a
    assert result.silent == {"sea": ("b",)}
    assert result.given["sea"] == (pytest.approx(100 * 2 / 6), 0.0)
    assert result.shares["sea"]["a"] == 1.0
    assert result.names["sea"] == "Sea access" and result.assumed == ("a", "b")
    out = allocation_json(result)
    assert out["no_stated_position"] == {"sea": ["b"]}
    assert out["names"] == {"land": "Land", "water": "Water", "sea": "Sea access"}
    assert out["preferences_assumed_for"] == ["a", "b"]
    assert out["notes"] == [
        "b states no position on Sea access: the division counts it as worth 0 of its points (its 100 points "
        "go to the issues it weighs), so it goes to a. This is what the split assumes, not a preference b stated."
    ]


def test_an_item_both_are_silent_on_goes_by_the_tie_rule_and_says_so() -> None:
    data = _scenario()
    data["issues"].append(issue("sea", "Sea access", "ordinal", {"to-a": "to A", "to-b": "to B"}, divisible=True))
    result = adjusted_winner_scenario(compile_scenario(build_scenario(data)), ("a", "b"))
    assert result.silent == {"sea": ("a", "b")}
    assert allocation_json(result)["notes"] == [
        "Neither a nor b states a position on Sea access: worth 0 points to both, it goes to a by the tie rule "
        "(the first party) alone, not by a preference."
    ]


def test_scenario_errors() -> None:
    c = compile_scenario(build_scenario(_scenario(divisible=False)))
    with pytest.raises(InputError, match="no issue is marked `divisible: true`"):
        adjusted_winner_scenario(c, ("a", "b"))
    c = compile_scenario(build_scenario(_scenario()))
    with pytest.raises(InputError, match="party 'zz' has no preferences"):
        adjusted_winner_scenario(c, ("a", "zz"))


def _random_points(rng: np.random.Generator) -> dict[str, tuple[float, float]]:
    """2 to 6 items; points that add up to 100 for each side, drawn as integers (many ties and zeros) or as
    floats, with items one side gives nothing to."""
    n = int(rng.integers(2, 7))
    rows = []
    for _ in range(2):
        raw = rng.integers(0, 4, n).astype(float) if rng.random() < 0.5 else rng.random(n)
        raw[rng.random(n) < 0.2] = 0.0
        if raw.sum() == 0:
            raw[int(rng.integers(n))] = 1.0
        rows.append(100 * raw / raw.sum())
    return {f"item{k}": (float(rows[0][k]), float(rows[1][k])) for k in range(n)}


@pytest.mark.parametrize("seed", range(400))
def test_adjusted_winner_equals_its_definition(seed: int) -> None:
    """Against Brams and Taylor's definition, worked out apart: the points both end with are the most any
    equal division gives both (a linear programme), the initial winner is the side whose preferred items are
    worth more to it, the loser keeps all its own preferred items, and the winner hands items over in order of
    the ratio of its points to the other's: every item handed over whole has a ratio no larger than the split
    item's, and every item it keeps whole has one no smaller."""
    points = _random_points(np.random.default_rng(seed))
    result = adjusted_winner(points, PARTIES)
    items = list(points)
    va = np.array([points[i][0] for i in items])
    vb = np.array([points[i][1] for i in items])
    n = len(items)
    # maximise t subject to va @ x >= t, vb @ (1 - x) >= t, 0 <= x <= 1 (variables x, then t)
    lp = linprog(
        c=[0.0] * n + [-1.0],
        A_ub=np.vstack([np.append(-va, 1.0), np.append(vb, 1.0)]),
        b_ub=[0.0, float(vb.sum())],
        bounds=[(0, 1)] * n + [(None, None)],
        method="highs",
    )
    assert lp.status == 0
    assert result.points["north"] == pytest.approx(-lp.fun, abs=1e-7)
    assert result.points["south"] == pytest.approx(-lp.fun, abs=1e-7)
    first = [i for i in items if points[i][0] >= points[i][1]]  # a tie goes to the first party
    start = (sum(points[i][0] for i in first), sum(points[i][1] for i in items if i not in first))
    if abs(start[0] - start[1]) <= 1e-12:
        assert result.initial_winner is None and result.split is None
        assert all(result.shares[i]["north"] == (1.0 if i in first else 0.0) for i in items)
        return
    w = 0 if start[0] > start[1] else 1
    winner, loser = PARTIES[w], PARTIES[1 - w]
    assert result.initial_winner == winner
    held = [i for i in items if (i in first) == (w == 0)]
    assert all(result.shares[i][loser] == 1.0 for i in items if i not in held)

    def ratio(i: str) -> float:
        return np.inf if points[i][1 - w] == 0 else points[i][w] / points[i][1 - w]

    given_whole = [i for i in held if result.shares[i][winner] == 0.0 and sum(points[i]) > 0]
    kept_whole = [i for i in held if result.shares[i][winner] == 1.0 and sum(points[i]) > 0]
    if result.split is not None:
        assert result.split in held and 0.0 < result.shares[result.split][winner] < 1.0
        assert all(ratio(i) <= ratio(result.split) for i in given_whole)
        assert all(ratio(i) >= ratio(result.split) for i in kept_whole)
    elif given_whole and kept_whole:
        assert max(ratio(i) for i in given_whole) <= min(ratio(i) for i in kept_whole)


@pytest.mark.parametrize("seed", range(60))
def test_points_from_a_scenario_are_its_swings(seed: int) -> None:
    """From talks: each divisible issue's points are the side's weight on it (as a share of all its weights)
    times the spread of its values there, scaled to 100 over the divisible issues, read off the preferences
    as written; the division is then Adjusted Winner's on those points."""
    rng = np.random.default_rng(seed)
    s = random_scenario(rng, 2, [int(x) for x in rng.integers(2, 5, int(rng.integers(2, 5)))])
    divisible = {issue.id for issue in s.issues if rng.random() < 0.7} or {s.issues[0].id}
    s = s.model_copy(update={"issues": tuple(i.model_copy(update={"divisible": i.id in divisible}) for i in s.issues)})
    result = adjusted_winner_scenario(compile_scenario(s), ("p0", "p1"))
    swings = []
    for pid in ("p0", "p1"):
        prefs = s.preferences[pid]
        total = sum(prefs.weights.values())
        row = {
            i: prefs.weights[i] / total * (max(prefs.values[i].values()) - min(prefs.values[i].values()))
            for i in divisible
        }
        swings.append({i: 100 * x / sum(row.values()) for i, x in row.items()})
    assert set(result.items) == divisible
    for i in result.items:
        assert result.given[i] == pytest.approx((swings[0][i], swings[1][i]), abs=1e-9)
    again = adjusted_winner({i: result.given[i] for i in result.items}, ("p0", "p1"))
    assert again.shares == result.shares and again.split == result.split
