"""Tournaments: per-run seeds fixed before any work, so serial, parallel and Ray runs give identical tables."""

from __future__ import annotations

import importlib.util
from functools import cache

import numpy as np
import pytest

from truce.model.compiled import Compiled, compile_scenario
from truce.model.generate import random_scenario
from truce.simulate import AlternatingOffers, Setup, build_space, make_strategy, run_many
from truce.simulate.tournament import COLUMNS, Local, Ray, Serial, Tournament, plan, run_tournament


@cache
def scenarios() -> tuple[Compiled, ...]:
    # each its own id: the table knows a scenario by it (both were "random", and their rows were pooled)
    two = random_scenario(np.random.default_rng(1), 2, (4, 5, 3), reservation=0.2).model_copy(update={"id": "two"})
    three = random_scenario(np.random.default_rng(2), 3, (3, 4), reservation=0.1).model_copy(update={"id": "three"})
    return compile_scenario(two), compile_scenario(three)


def tournament(**changes: object) -> Tournament:
    base = Tournament(
        (scenarios()[0],),
        ("boulware", "random", "tit-for-tat"),
        AlternatingOffers(30),
        repetitions=6,
        seed=3,
        task_runs=4,
    )
    return Tournament(**{**base.__dict__, **changes})  # type: ignore[arg-type]


def test_plan_expands_the_seed_before_any_work() -> None:
    t = tournament()
    tasks = plan(t)
    assert sum(len(task.seeds) for task in tasks) == 9 * 6
    assert all(len(task.seeds) <= 4 for task in tasks)
    assert [task.first_run for task in tasks] == sorted(task.first_run for task in tasks)
    spawned = np.random.SeedSequence(3).spawn(54)
    flat = [s for task in tasks for s in task.seeds]
    assert [s.spawn_key for s in flat] == [s.spawn_key for s in spawned]


def test_the_table_is_tidy_and_matches_the_engine() -> None:
    t = tournament()
    table = run_tournament(t, Serial())
    assert tuple(table.columns) == COLUMNS
    assert len(table) == 9 * 6 * 2
    rows = table.rows()
    first = [r for r in rows if r["run"] == 0]
    assert [r["party"] for r in first] == ["p0", "p1"]
    assert first[0]["strategy"] == "boulware" and first[0]["opponents"] == "boulware"
    # run 0 is boulware against boulware with the first spawned seed
    setup = Setup(t.protocol, (make_strategy("boulware"), make_strategy("boulware")))
    alone = run_many(build_space(t.scenarios[0]), setup, [np.random.SeedSequence(3).spawn(1)[0]])
    assert first[0]["utility"] == float(alone.utility[0, 0])
    csv = table.to_csv().splitlines()
    assert csv[0] == ",".join(COLUMNS) and len(csv) == len(table) + 1
    summary = {row["strategy"]: row for row in table.by_strategy()}
    assert set(summary) == {"boulware", "random", "tit-for-tat"}


def test_task_size_does_not_change_the_table() -> None:
    assert run_tournament(tournament(task_runs=1), Serial()).equals(run_tournament(tournament(task_runs=100), Serial()))


def test_parallel_equals_serial_with_progress() -> None:
    t = tournament(scenarios=scenarios(), repetitions=3)
    seen: list[tuple[int, int]] = []
    serial = run_tournament(t, Serial())
    parallel = run_tournament(t, Local(2), progress=lambda done, total: seen.append((done, total)))
    assert parallel.equals(serial)
    assert seen[-1] == (9 * 3 + 27 * 3, 9 * 3 + 27 * 3)
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)


def test_spawned_workers_equal_forked_ones(monkeypatch: pytest.MonkeyPatch) -> None:
    # workers are forked from a process with no other thread, spawned otherwise: both give the same table
    import truce.simulate.tournament as tournament_module

    t = tournament(repetitions=2)
    forked = run_tournament(t, Local(2))
    monkeypatch.setattr(tournament_module, "_forkable", lambda: False)
    assert run_tournament(t, Local(2)).equals(forked)
    assert forked.equals(run_tournament(t, Serial()))


@pytest.mark.skipif(importlib.util.find_spec("ray") is None, reason="ray is not installed")
@pytest.mark.filterwarnings("ignore::DeprecationWarning")
@pytest.mark.filterwarnings("ignore::FutureWarning")
def test_ray_equals_serial() -> None:
    t = tournament(repetitions=4)
    assert run_tournament(t, Ray(workers=2)).equals(run_tournament(t, Serial()))


def test_bad_tournaments_are_refused() -> None:
    with pytest.raises(ValueError, match="unknown strategy"):
        tournament(strategies=("nope",))
    with pytest.raises(ValueError, match="at least one repetition"):
        tournament(repetitions=0)


def test_a_tournament_too_big_to_plan_is_refused_before_any_work() -> None:
    """Six strategies on a nine-party ANAC domain are 6^9 assignments: the plan spawned a seed for each of some
    100 million runs and died of a MemoryError after eating the machine's memory."""
    t = tournament(strategies=("boulware", "random", "tit-for-tat", "linear"), repetitions=10)
    assert t.runs == 16 * 10
    with pytest.raises(ValueError, match=r"1,000,008 runs in all, over the limit of 1,000,000") as refused:
        tournament(repetitions=111_112)
    assert "9 assignments on two" in str(refused.value)


def test_two_scenarios_with_one_id_are_refused() -> None:
    """The table tells scenarios apart by id: two with the same id were merged, and the paired tests kept one
    run of each matched pair and silently dropped the other."""
    two = scenarios()[0]
    with pytest.raises(ValueError, match=r"scenario id 'two' is given twice"):
        tournament(scenarios=(two, two))


def test_ray_backend_names_the_missing_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    monkeypatch.setitem(sys.modules, "ray", None)
    with pytest.raises(RuntimeError, match=r"truce\[ray\]"):
        run_tournament(tournament(repetitions=1), Ray())


def test_scenarios_play_under_their_own_course_and_uncertainty() -> None:
    from truce.io.scenario_files import load_any

    gaza = compile_scenario(load_any("examples/gaza-2024"), ["israel", "hamas"])
    plain = Tournament((gaza,), ("boulware", "linear"), AlternatingOffers(100), repetitions=8, seed=2)
    table = run_tournament(plain, Serial())
    assert set(table.columns["status"].tolist()) == {"agreement"}
    real = Tournament(**{**plain.__dict__, "scenario_course": True, "scenario_uncertainty": True})
    statuses = run_tournament(real, Serial()).columns["status"].tolist()
    assert "breakdown" in statuses and "agreement" in statuses
