"""The course of the talks (deadline, breakdown hazard, dated risks and shocks), cost-aware strategies, the
uncertainty in the scenario file, noisy runs that reuse the space, and stacked alternating offers as defined."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml

from cli_runner import invoke_json, runner
from truce.cli import app
from truce.io.scenario_files import load_any
from truce.model.compiled import compile_scenario
from truce.model.generate import random_scenario
from truce.simulate import (
    AlternatingOffers,
    Setup,
    StackedAlternatingOffers,
    Uncertainty,
    build_space,
    make_strategy,
    negotiate,
    run_many,
    seeds,
)
from truce.simulate.conditions import Course, DatedShock, Delay, PartyUncertainty, Risk, course_of, uncertainty_of
from truce.simulate.engine import _pressed
from truce.simulate.space import GRID, noisy_order, own_utilities

ROOT = Path(__file__).resolve().parent.parent
GAZA = ROOT / "examples" / "gaza-2024"
LABOUR = ROOT / "examples" / "labour-2025" / "scenario.yaml"


def space(parties: int = 2, seed: int = 0, sizes: tuple[int, ...] = (4, 5, 3)) -> Any:
    c = compile_scenario(random_scenario(np.random.default_rng(seed), parties, sizes, reservation=0.2))
    return build_space(c)


def hard_pair() -> tuple[Any, Any]:
    return make_strategy("hardliner"), make_strategy("hardliner")


def test_daily_hazard_combines_the_base_rate_and_the_risks_in_force() -> None:
    course = Course(0.1, (Risk(3, 0.5, 2), Risk(4, 0.2)))
    h = course.daily_hazard(6)
    assert h[:2] == pytest.approx([0.1, 0.1])
    assert h[2] == pytest.approx(1 - 0.9 * 0.5)  # day 3: the first risk
    assert h[3] == pytest.approx(1 - 0.9 * 0.5 * 0.8)  # day 4: both
    assert h[4:] == pytest.approx([1 - 0.9 * 0.8] * 2)  # the first lasted two days
    with pytest.raises(ValueError, match="chance per day"):
        Course(1.5)


def test_a_certain_breakdown_ends_every_run_on_day_one_and_the_days_to_the_deadline_still_cost() -> None:
    sp = space()
    setup = Setup(AlternatingOffers(10), (make_strategy("linear"), make_strategy("linear")), course=Course(1.0))
    r = run_many(sp, setup, seeds(1, 20))
    assert r.broken.all() and not r.agreed.any() and (r.day == 1).all()
    assert set(r.status) == {"breakdown"}
    assert np.allclose(r.cost, 10 * sp.compiled.cost_of_delay)  # no deal: every day to the deadline
    assert np.allclose(r.utility, sp.compiled.reservation)


def test_breakdowns_follow_the_hazard_and_runs_end_three_ways() -> None:
    sp = space()
    setup = Setup(AlternatingOffers(30), hard_pair(), course=Course(0.05))
    r = run_many(sp, setup, seeds(2, 2000))
    assert not r.agreed.any()  # two hardliners never agree: breakdown or deadline
    survive = 0.95**30
    assert abs(float((~r.broken).mean()) - survive) < 0.04
    assert {"breakdown", "deadline"} == set(r.status)
    # the breakdown day is geometric: about 5% of the runs still talking break down each day
    assert abs(float((r.day[r.broken] == 1).mean()) - 0.05 / (1 - survive)) < 0.03


def test_batch_equals_scalar_with_a_course_and_pressure() -> None:
    sp = space(3, 4)
    setup = Setup(
        StackedAlternatingOffers(24, 2),
        tuple(make_strategy(n) for n in ("boulware", "random", "tit-for-tat")),
        Delay(pressure="remaining"),
        course=Course(0.03, (Risk(4, 0.1, 3),), (DatedShock(5, {"p0": 0.1}, {"p1": 2.0}),)),
    )
    run_seeds = seeds(5, 12)
    whole = run_many(sp, setup, run_seeds)
    for k, ss in enumerate(run_seeds):
        one = negotiate(sp, setup, ss).result
        assert one.agreed[0] == whole.agreed[k] and one.broken[0] == whole.broken[k] and one.day[0] == whole.day[k]
        assert np.allclose(one.net[0], whole.net[k])


def test_a_dated_shock_moves_reservations_and_costs_on_its_day() -> None:
    sp = space()
    c = sp.compiled
    shock = DatedShock(3, {"p0": 0.1, "p1": -0.5}, {"p0": 2.0})
    r = negotiate(sp, Setup(AlternatingOffers(5), hard_pair(), course=Course(0.0, (), (shock,))), 0).result
    assert not r.agreed[0] and not r.broken[0]
    assert np.allclose(r.utility[0], np.clip(c.reservation + np.array([0.1, -0.5]), 0, 1))
    assert np.allclose(r.cost[0], [c.cost_of_delay[0] * (2 + 2 * 3), c.cost_of_delay[1] * 5])
    with pytest.raises(ValueError, match="unknown parties"):
        Course(0.0, (), (DatedShock(1, {"nobody": 0.1}),)).shifts(("p0", "p1"), 3)


def test_pressure_lowers_the_reservation_strategies_see() -> None:
    r, cost, rate = np.array([0.5, 0.1]), np.array([0.2, 0.3]), np.array([0.01, 0.01])
    assert _pressed(Delay(), r, cost, rate, 10).tolist() == [0.5, 0.1]
    assert _pressed(Delay(pressure="accumulated"), r, cost, rate, 10) == pytest.approx([0.3, 0.0])
    assert _pressed(Delay(pressure="remaining"), r, cost, rate, 10) == pytest.approx([0.4, 0.0])
    with pytest.raises(ValueError, match="pressure"):
        Delay(pressure="panic")  # type: ignore[arg-type]


def test_strategies_that_feel_the_cost_settle_earlier_or_otherwise() -> None:
    c = compile_scenario(random_scenario(np.random.default_rng(3), 2, (5, 5, 4), reservation=0.5))
    c = type(c)(**{**c.__dict__, "cost_of_delay": np.array([0.004, 0.004])})
    sp = build_space(c)
    pair = (make_strategy("boulware"), make_strategy("boulware"))
    calm = run_many(sp, Setup(AlternatingOffers(60), pair), seeds(0, 50))
    pressed = run_many(sp, Setup(AlternatingOffers(60), pair, Delay(pressure="accumulated")), seeds(0, 50))
    assert calm.agreed.all() and pressed.agreed.all()
    assert pressed.day.mean() < calm.day.mean()  # a hurting stalemate: the cost suffered lowers what they hold out for
    remaining = run_many(sp, Setup(AlternatingOffers(60), pair, Delay(pressure="remaining")), seeds(0, 50))
    assert not np.allclose(remaining.utility, calm.utility)  # they concede more early on, so the terms move


def test_a_stacked_offer_is_agreed_only_when_every_other_party_accepts_it_in_turn() -> None:
    sp = space(3, 2, (3, 4))
    names = ("linear", "random", "conceder")
    for seed in range(6):
        steps = negotiate(sp, Setup(StackedAlternatingOffers(30), tuple(make_strategy(n) for n in names)), seed)
        table, by, yes = None, -1, 0
        for k, step in enumerate(steps.steps):
            assert step.by == k % 3  # one turn a round, in the scenario's order
            if step.accepts:
                assert step.outcome == table and step.by != by
                yes += 1
            else:
                table, by, yes = step.outcome, step.by, 0
        result = steps.result
        if result.agreed[0]:
            assert yes == 2 and tuple(result.outcome[0]) == table
            assert result.round[0] == len(steps.steps) - 1
        else:
            assert yes < 2


def test_noisy_order_on_a_big_space_is_the_lowest_level_at_or_above_a_target() -> None:
    sp = space(2, 5, (20, 20, 20, 20))  # 160,000 outcomes: ordered on the grid
    rng = np.random.default_rng(0)
    tables = tuple(t * rng.uniform(0.8, 1.2, t.shape) / 1.2 for t in sp.compiled.tables)
    own = own_utilities(sp, tables, 0)
    levels, order = noisy_order(sp, own, 0)
    assert levels.shape == (GRID + 1,) and np.all(np.diff(levels) >= 0)
    exact = np.zeros(len(sp))
    for i, t in enumerate(tables):
        exact += t[0, sp.outcomes[:, i]]
    for target in (0.1, 0.35, 0.6):
        pos = int(np.searchsorted(levels, target))
        chosen = int(order[min(pos, GRID)])
        level = np.floor(exact * GRID + 1e-6) / GRID
        lowest = level[level >= target].min()
        assert abs(level[chosen] - lowest) < 2 / GRID  # the lowest level at or above the target
        assert exact[chosen] >= target - 1e-6


def test_only_perturbed_parties_are_reordered_per_run() -> None:
    sp = space()
    u = Uncertainty(
        parties={
            "p1": PartyUncertainty(weights=0.3, basis="b"),
            "p0": PartyUncertainty(reservation=(0.1, 0.3), basis="b"),
        }
    )
    assert u.perturbed(sp.compiled) == (1,)
    r = run_many(sp, Setup(AlternatingOffers(20), hard_pair(), uncertainty=u), seeds(0, 30))
    assert ((r.utility[~r.agreed, 0] >= 0.1) & (r.utility[~r.agreed, 0] <= 0.3)).all()
    with pytest.raises(ValueError, match="unknown parties"):
        Uncertainty(parties={"nobody": PartyUncertainty(reservation=(0.1, 0.2), basis="b")}).ranges(("p0", "p1"))


def test_the_shipped_case_carries_a_sourced_course_and_uncertainty() -> None:
    s = load_any(GAZA)
    assert s.course is not None and s.course.deadline_days == 100 and s.course.hazard is not None
    assert {r.id for r in s.course.risks} >= {"tehran-assassination"}
    assert all(r.sources and r.basis and r.assumption for r in s.course.risks)
    course = course_of(s)
    assert course is not None and course.risks[0].day == 30  # 31 July is day 30 from 2 July
    own = uncertainty_of(s, ("israel", "hamas"))
    assert set(own) == {"israel", "hamas"} and all(u.basis for u in own.values())


def test_the_shipped_case_no_longer_always_agrees() -> None:
    args = ("simulate", str(GAZA), "--strategies", "boulware,linear", "--runs", "300", "--seed", "1")
    out = invoke_json(*args)
    status = out["status"]
    assert 0.1 < status["agreement"] < 0.9 and status["breakdown"] > 0.1
    assert sum(status.values()) == pytest.approx(1.0)
    assert len(out["agreement_by_day"]) == 100 and out["conditions"]["deadline_days"] == 100
    assert out["time_to_agreement"]["p10"] <= out["time_to_agreement"]["p50"] <= out["time_to_agreement"]["p90"]
    assert sum(out["agreements_on_day"]) == round(status["agreement"] * 300)
    assert out["breakdown_by_day"][-1] == pytest.approx(status["breakdown"])
    assert out["conditions"]["uncertainty"]["parties"]["hamas"]["basis"]
    calm = invoke_json(*args, "--no-course", "--no-uncertainty", "--days", "42")
    assert calm["status"]["breakdown"] == 0 and calm["conditions"]["course"] is None


def test_what_the_command_line_adds_to_the_files_uncertainty_is_shown_and_said(tmp_path: Path) -> None:
    args = ["simulate", str(GAZA), "--strategies", "boulware,linear", "--no-course", "--runs", "20"]
    flags = ["--weight-noise", "0.1", "--reservation-range", "hamas=0.4:0.6"]
    report = tmp_path / "sim.html"
    parties = invoke_json(*args, *flags, "--report", str(report))["conditions"]["uncertainty"]["parties"]
    # the runs drew weights with the file's 0.2 and the flag's 0.1, and Hamas's reservation from 0.4-0.6
    assert (parties["hamas"]["weights"], parties["hamas"]["reservation"]) == (0.3, [0.4, 0.6])
    assert (parties["israel"]["weights"], parties["israel"]["reservation"]) == (0.3, [0.45, 0.55])
    replaced = "added 0.1 to the noise on weights and replaced the reservation range 0.45-0.55 by 0.4-0.6"
    assert parties["hamas"]["command_line"] == replaced
    # the file's basis still speaks of 0.45-0.55: it ends by saying the command line replaced that
    assert parties["hamas"]["basis"].endswith(f"For these runs the command line {replaced}.")
    assert replaced in report.read_text()
    text = " ".join(runner.invoke(app, [*args, *flags]).stdout.split())
    assert (
        "Uncertain preferences of hamas (weights noise 0.3, values 0.05, reservation 0.4-0.6); "
        f"the command line {replaced}" in text
    )
    # with the file's uncertainty left out, the flags alone are the uncertainty, and are shown
    text = " ".join(runner.invoke(app, [*args, "--no-uncertainty", *flags]).stdout.split())
    assert (
        "Uncertain preferences of israel (weights noise 0.1, values 0.0); "
        "the command line set the noise on weights to 0.1" in text
    )


def test_a_partys_noise_as_drawn_is_the_flags_plus_its_own_per_issue() -> None:
    c = space().compiled
    u = Uncertainty(weight_noise=0.1, parties={"p1": PartyUncertainty(weights={"i0": 0.3}, basis="b")})
    assert u.of_party(c, 0) == (0.1, 0.0, None)
    assert u.of_party(c, 1) == ({"i0": 0.4, "i1": 0.1, "i2": 0.1}, 0.0, None)


def test_the_report_shows_the_course_and_the_uncertainty(tmp_path: Path) -> None:
    report = tmp_path / "sim.html"
    result = runner.invoke(app, ["simulate", str(GAZA), "--runs", "50", "--report", str(report)])
    assert result.exit_code == 0, result.output
    page = report.read_text()
    assert "Tehran" in page and "Breakdown hazard" in page and "Uncertain preferences" in page
    assert "built-in method" not in page and " object at 0x" not in page  # a dict's own method, not its entry
    assert "breakdown" in result.stdout


def labour_with(**changes: Any) -> dict[str, Any]:
    data = yaml.safe_load(LABOUR.read_text())
    data.update(changes)
    return data


def validate(tmp_path: Path, data: dict[str, Any]) -> list[str]:
    path = tmp_path / "scenario.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    result = runner.invoke(app, ["validate", str(path)])
    assert result.exit_code == 2, result.output
    lines = [line for line in result.output.splitlines() if line.startswith(str(path))]
    assert all(re.match(rf"{re.escape(str(path))}:\d+:\d+: ", line) for line in lines)
    return lines


def test_bad_courses_are_located(tmp_path: Path) -> None:
    data = yaml.safe_load(LABOUR.read_text())
    party = data["parties"][0]["id"]
    course = {
        "start": "2025-01-10",
        "deadline_days": 20,
        "risks": [{"id": "r", "date": "2025-01-01", "title": "t", "hazard": 0.1, "basis": "b"}],
        "shocks": [{"date": "2025-01-12", "title": "t", "reservation": {"nobody": 0.1, party: 0.1}, "basis": "b"}],
        "hazard": {"per_day": 0.01, "basis": "b", "sources": ["no-such-source"]},
    }
    lines = validate(tmp_path, labour_with(course=course))
    text = "\n".join(lines)
    assert "day -8 of the talks" in text and "unknown party 'nobody'" in text and "unknown source" in text
    assert validate(tmp_path, labour_with(course={"deadline_days": 0}))  # at least one day
    no_start = {"risks": [{"id": "r", "date": "2025-01-01", "title": "t", "hazard": 0.1, "basis": "b"}]}
    assert "needs `course.start`" in "\n".join(validate(tmp_path, labour_with(course=no_start)))


def test_bad_uncertainty_is_located(tmp_path: Path) -> None:
    data = yaml.safe_load(LABOUR.read_text())
    party = next(iter(data["preferences"]))
    data["preferences"][party]["uncertainty"] = {
        "weights": {"no_such_issue": 0.2},
        "reservation": [0.6, 0.4],
        "basis": "b",
    }
    text = "\n".join(validate(tmp_path, data))
    assert "no_such_issue" in text and "low above high" in text
    data["preferences"][party]["uncertainty"] = {"weights": 0.2}
    assert "basis" in "\n".join(validate(tmp_path, data))


def test_risks_appear_on_the_timeline_with_their_assumed_hazard() -> None:
    from truce.analysis.timeline import timeline

    risks = [e for e in timeline(load_any(GAZA)) if e.kind == "risk"]
    assert [e.id for e in risks] == ["tehran-assassination", "iran-retaliation-threat"]
    assert "assumed breakdown hazard +1.00% a day for 30 days" in risks[0].title and risks[0].sources == ("A1",)
    result = runner.invoke(app, ["timeline", str(GAZA)])
    assert result.exit_code == 0 and "[risk] Risk: Assassination" in result.stdout
