"""Verbs that run negotiations between automated strategies: simulate and tournament."""

from __future__ import annotations

import importlib
import math
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table as RichTable

from truce.analysis.tabled import scoped, tabled_terms
from truce.cli.common import (
    HTML_FILES,
    PROFILES_HELP,
    app,
    check_output,
    check_output_folder,
    console,
    errors,
    find_proposal,
    guarded,
    print_json,
    profiles_of,
    scope_of,
    show_assumed,
    styled,
    write_all_atomically,
    write_atomically,
)
from truce.errors import InputError, Problem
from truce.io.scenario_files import load_any
from truce.model.compiled import Compiled, compile_scenario
from truce.model.costs import cost_room, round_down
from truce.model.scenario import DEFAULT_DEADLINE_DAYS, MAX_DEADLINE_DAYS, Role, Scenario
from truce.simulate import (
    AlternatingOffers,
    Delay,
    Protocol,
    Setup,
    Shocks,
    SingleText,
    StackedAlternatingOffers,
    Strategy,
    Summary,
    Uncertainty,
    build_space,
    format_trace,
    make_strategy,
    negotiate,
    simulate,
)
from truce.simulate.conditions import PRESSURES, PartyUncertainty, course_of, deadline_days, uncertainty_of
from truce.simulate.protocol import TITLES
from truce.simulate.space import INFORMATION, Information
from truce.simulate.summary import single_text_notes
from truce.simulate.tournament import (
    MAX_RUNS,
    ONE_ID,
    Backend,
    BackendError,
    Local,
    Ray,
    Table,
    Tournament,
    run_tournament,
)

PROTOCOLS = ("alternating", "stacked", "single-text")
MAX_DAYS = MAX_DEADLINE_DAYS
MAX_ROUNDS = 100_000  # days x rounds a day: each run draws its random numbers for every round up front
MAX_WORKERS = 1_024  # past the CPUs of any one machine in common use; each worker is a process of its own
MAX_NOISE = 10.0  # log-normal weight noise of 10 already multiplies weights by up to e^30


def _protocol(name: str, days: int, per_day: int, mediator: str, start: tuple[int, ...] | None) -> Protocol:
    if name not in PROTOCOLS:
        raise typer.BadParameter(f"{name!r} is not one of {', '.join(PROTOCOLS)}", param_hint="--protocol")
    if days < 1 or per_day < 1:
        raise typer.BadParameter("must be at least 1", param_hint="--days/--rounds-per-day")
    rounds = days * per_day
    if rounds > MAX_ROUNDS:
        raise typer.BadParameter(
            f"at most {MAX_ROUNDS:,} rounds in all, not {rounds:,}", param_hint="--days x --rounds-per-day"
        )
    if start is not None and name != "single-text":
        raise typer.BadParameter(f"a text on the table is for --protocol single-text, not {name}", param_hint="--start")
    if name == "alternating":
        return AlternatingOffers(rounds, per_day)
    if name == "stacked":
        return StackedAlternatingOffers(rounds, per_day)
    if mediator not in ("hill", "anneal"):
        raise typer.BadParameter(f"{mediator!r} is not hill or anneal", param_hint="--mediator")
    return SingleText(rounds, per_day, mediator="hill" if mediator == "hill" else "anneal", start=start)


def _names(text: str, hint: str) -> list[str]:
    names = [n.strip() for n in text.split(",") if n.strip()]
    if not names:
        raise typer.BadParameter("give at least one strategy", param_hint=hint)
    for n in names:
        try:
            make_strategy(n)
        except ValueError as exc:
            raise typer.BadParameter(str(exc), param_hint=hint) from None
    return names


def _ranges(items: list[str], parties: tuple[str, ...]) -> dict[str, tuple[float, float]]:
    out: dict[str, tuple[float, float]] = {}
    for item in items:
        try:
            party, span = item.split("=", 1)
            low, high = (float(x) for x in span.split(":", 1))
        except ValueError:
            raise typer.BadParameter(f"{item!r} is not PARTY=LOW:HIGH", param_hint="--reservation-range") from None
        if party not in parties:
            raise typer.BadParameter(
                f"no party {party!r} (expected one of {', '.join(parties)})", param_hint="--reservation-range"
            )
        out[party] = (low, high)
    return out


def _conditions(
    c: Compiled,
    discount: float,
    shock_probability: float,
    shock_shift: float,
    shock_cost_factor: float,
    weight_noise: float,
    value_noise: float,
    reservation_range: list[str],
    pressure: str = "none",
    from_file: dict[str, PartyUncertainty] | None = None,
) -> tuple[Delay, Shocks | None, Uncertainty | None]:
    """The conditions of the runs: flags, plus the uncertainty the scenario file gives (``from_file``)."""
    if pressure not in PRESSURES:
        raise typer.BadParameter(f"{pressure!r} is not one of {', '.join(PRESSURES)}", param_hint="--pressure")
    for flag, value in (("--weight-noise", weight_noise), ("--value-noise", value_noise)):
        if not 0.0 <= value <= MAX_NOISE:  # also refuses nan, which no comparison holds for
            raise typer.BadParameter(f"must be between 0 and {MAX_NOISE:g}, not {value}", param_hint=flag)
    for flag, value in (
        ("--discount", discount),
        ("--shock-shift", shock_shift),
        ("--shock-cost-factor", shock_cost_factor),
    ):
        if not math.isfinite(value):
            raise typer.BadParameter(f"must be a finite number, not {value}", param_hint=flag)
    if not 0.0 <= shock_probability <= 1.0:  # checked whether or not shocks are drawn: also refuses nan
        raise typer.BadParameter(f"must be between 0 and 1, not {shock_probability}", param_hint="--shock-probability")
    if shock_cost_factor < 0:
        raise typer.BadParameter(f"must be 0 or more, not {shock_cost_factor}", param_hint="--shock-cost-factor")
    try:
        delay = Delay(discount=discount, pressure=pressure)  # type: ignore[arg-type]
        shocks = Shocks(shock_probability, shock_shift, shock_cost_factor) if shock_probability > 0 else None
        ranges = _ranges(reservation_range, c.parties)
        own = dict(from_file or {})
        for party in ranges:  # a range given on the command line replaces the file's
            if party in own:
                own[party] = replace(own[party], reservation=None)
        uncertain = weight_noise > 0 or value_noise > 0 or ranges or own
        uncertainty = Uncertainty(weight_noise, value_noise, ranges, own) if uncertain else None
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None
    return delay, shocks, uncertainty


DAYS_HELP = "negotiating deadline in days (default: the scenario's course.deadline_days, else 100)"
COURSE_HELP = "use the scenario's course: breakdown hazard, dated risks and shocks (--no-course: none)"
UNCERTAINTY_HELP = "use the uncertainty in the scenario's preferences (--no-uncertainty: the stated values only)"
PRESSURE_HELP = (
    "what strategies feel of the cost of delay: none, accumulated (reservation less the cost so far) "
    "or remaining (less the cost to the deadline)"
)
SIMULATE_WITHIN_HELP = "all (default): the simulated sides may offer any term; tabled: only terms some proposal holds"


INFORMATION_HELP = (
    "private (default): each side offers from its own preferences only; "
    "complete: an assumption that every side knows the others' preferences (offers from the joint frontier)"
)


# Options simulate and tournament share, declared once so they read and check the same in both verbs
# (typer copies a declaration for each command that uses it).
PROTOCOL_OPTION = typer.Option("alternating", "--protocol", help="alternating, stacked or single-text")
ROUNDS_PER_DAY_OPTION = typer.Option(1, "--rounds-per-day", min=1, max=1_000, help="rounds of offers in a day")
MEDIATOR_OPTION = typer.Option("anneal", "--mediator", help="single-text mediator: hill or anneal")
UNCERTAINTY_OPTION = typer.Option(True, "--uncertainty/--no-uncertainty", help=UNCERTAINTY_HELP)
WITHIN_OPTION = typer.Option("all", "--within", help=SIMULATE_WITHIN_HELP)
INFORMATION_OPTION = typer.Option("private", "--information", help=INFORMATION_HELP)
JSON_OPTION = typer.Option(False, "--json", help="stable machine-readable output")


def restrict_to(c: Compiled, scope: str, start_terms: dict[str, Any] | None = None) -> Compiled:
    """The negotiators' space within ``scope`` (a starting text's terms are always in it). Simulated
    sides are not bound by the texts tabled so far, so the default is ``all``."""
    return scoped(c, scope, start_terms or {})[0]


def _space(c: Compiled, where: Path, information: str = "private") -> Any:
    """The space the sides bargain over, or a located error (e.g. every outcome crosses a red line)."""
    if information not in INFORMATION:
        raise typer.BadParameter(f"{information!r} is not private or complete", param_hint="--information")
    try:
        return build_space(c, information="complete" if information == "complete" else "private")
    except ValueError as exc:
        raise InputError([Problem(str(exc), (), str(where))]) from None


def _flagged(s: Scenario, data: dict[str, Any], scope: str) -> dict[str, Any]:
    """The summary with its scope, each agreement saying which of its terms nobody tabled (flagged here, at
    the edge: the simulator works on option indices)."""
    tabled = tabled_terms(s)
    for item in data["outcomes"]:
        item["untabled"] = list(tabled.untabled(item["terms"]))
    return {**data, "within": scope}


def _strategies(given: str, c: Compiled) -> tuple[Any, ...]:
    """One strategy per bargaining party (one name given: the same for all), or a bad ``--strategies``."""
    names = _names(given, "--strategies")
    if len(names) == 1:
        names = names * len(c.parties)
    if len(names) != len(c.parties):
        raise typer.BadParameter(
            f"{len(names)} strategies for {len(c.parties)} parties ({', '.join(c.parties)})", param_hint="--strategies"
        )
    return tuple(make_strategy(n) for n in names)


def _negotiators(scenario: Scenario, where: Path) -> Compiled:
    """The scenario compiled for the sides that bargain: parties with preferences (mediators and observers
    with preferences do not make offers), or every party with preferences if no side has any; at least two."""
    sides = [p.id for p in scenario.parties if p.role is Role.party and p.id in scenario.preferences]
    c = compile_scenario(scenario, sides or None)
    if len(c.parties) < 2:  # no protocol has anyone to answer a lone side's offers
        said = f"a negotiation needs two sides with preferences at least; here {len(c.parties)}"
        raise InputError([Problem(f"{said} ({', '.join(c.parties) or 'none'})", ("preferences",), str(where))])
    return c


@app.command("simulate")
@guarded
def simulate_cmd(
    scenario: Path = typer.Argument(..., help="scenario file or folder, or a GENIUS domain folder"),
    protocol: str = PROTOCOL_OPTION,
    strategies: str = typer.Option("boulware", "--strategies", help="one per party, comma-separated (or one for all)"),
    runs: int = typer.Option(1000, "--runs", min=1, max=MAX_RUNS, help="number of negotiations"),
    seed: int = typer.Option(0, "--seed", min=0, help="the seed all runs' seeds are expanded from"),
    days: int | None = typer.Option(None, "--days", min=1, max=MAX_DAYS, help=DAYS_HELP),
    rounds_per_day: int = ROUNDS_PER_DAY_OPTION,
    mediator: str = MEDIATOR_OPTION,
    course: bool = typer.Option(True, "--course/--no-course", help=COURSE_HELP),
    file_uncertainty: bool = UNCERTAINTY_OPTION,
    pressure: str = typer.Option("none", "--pressure", help=PRESSURE_HELP),
    start: str | None = typer.Option(None, "--start", help="single-text: id of the proposal on the table"),
    discount: float = typer.Option(1.0, "--discount", help="utility of a deal on day d is multiplied by this^d"),
    shock_probability: float = typer.Option(0.0, "--shock-probability", help="daily probability of an escalation"),
    shock_shift: float = typer.Option(0.0, "--shock-shift", help="an escalation moves reservation values by this"),
    shock_cost_factor: float = typer.Option(1.0, "--shock-cost-factor", help="and multiplies daily costs by this"),
    weight_noise: float = typer.Option(0.0, "--weight-noise", help="uncertainty: log-normal noise on weights"),
    value_noise: float = typer.Option(0.0, "--value-noise", help="uncertainty: normal noise on option values"),
    reservation_range: list[str] = typer.Option([], "--reservation-range", help="uncertainty: PARTY=LOW:HIGH"),
    within: str = WITHIN_OPTION,
    information: str = INFORMATION_OPTION,
    trace: bool = typer.Option(False, "--trace", help="print the first run step by step"),
    json_out: bool = JSON_OPTION,
    report: Path | None = typer.Option(None, "--report", help="write a self-contained HTML report here"),
    profiles: str | None = typer.Option(None, "--profiles", help=PROFILES_HELP),
) -> None:
    """How likely a deal is by each day, on what terms, at what cumulative cost, with these strategies."""
    if report is not None:
        check_output(report, HTML_FILES, [scenario])
    s = load_any(scenario, profiles_of(profiles))
    scope = scope_of(within, s, scenario)
    c, start_text = _sides_from(s, scenario, scope, start)
    days = deadline_days(s) if days is None else days
    own = uncertainty_of(s, c.parties) if file_uncertainty else None
    flags = (discount, shock_probability, shock_shift, shock_cost_factor, weight_noise, value_noise)
    delay, shocks, uncertainty = _conditions(c, *flags, reservation_range, pressure, own)
    rules = _protocol(_protocol_for(protocol, c), days, rounds_per_day, mediator, start_text)
    setup = Setup(rules, _strategies(strategies, c), delay, shocks, uncertainty, course_of(s) if course else None)
    _costs_stay_finite(c, shocks, days)
    space = _space(c, scenario, information)
    played, summary = simulate(c, setup, runs=runs, seed=seed, space=space)
    notes = single_text_notes(setup.protocol, _players(c.parties, setup), played)
    data = _flagged(s, summary.as_json(), scope) | {"conditions": conditions_json(s, c, setup, days, course)}
    assumed = s.assumed(c.parties)
    if report is not None:
        _write_simulate_report(report, s, setup, summary, assumed, seed, data["conditions"], notes)
    if json_out:
        print_json(data)
        return
    if trace:
        first = negotiate(space, setup, np_seed(seed))
        console.print(format_trace(c, setup, first), highlight=False)
    _show_summary(s, c, setup, data, assumed, days, notes)
    if report is not None:
        console.print(f"\nReport written to {report}")


def _costs_stay_finite(c: Compiled, shocks: Shocks | None, days: int) -> None:
    """Escalations compound: a day's cost of delay multiplied by --shock-cost-factor on each of ``days`` days can
    pass any number a float holds, and the runs would report a cost of inf (and JSON that is not JSON). Refused
    before the runs when the worst case (an escalation every day) would."""
    if shocks is None or shocks.cost_factor <= 1 or not np.any(c.cost_of_delay > 0):
        return
    room = cost_room(float(np.max(c.cost_of_delay)), days)
    if (days - 1) * math.log(shocks.cost_factor) >= room:
        most = round_down(math.exp(room / max(1, days - 1)))
        raise typer.BadParameter(
            f"{shocks.cost_factor:g} compounded over {days} days passes any number a cost can be "
            f"(at most {most:g} over {days} days, or fewer --days)",
            param_hint="--shock-cost-factor",
        )


def _sides_from(s: Scenario, where: Path, scope: str, start: str | None) -> tuple[Compiled, tuple[int, ...] | None]:
    """The bargaining sides' space within ``scope``, and the text on the table (``--start``) as option indices."""
    text = find_proposal(s, start, where) if start else None
    c = restrict_to(_negotiators(s, where), scope, start_terms=s.terms_of(text.id) if text else None)
    return c, tuple(int(k) for k in c.encode(text.terms)) if text else None


def _players(parties: tuple[str, ...], setup: Setup) -> list[tuple[str, Strategy]]:
    """Each party named with its strategy, for the notes on how the strategies play the protocol."""
    return [(f"{p} ({s.label})", s) for p, s in zip(parties, setup.strategies, strict=True)]


def _protocol_for(name: str, c: Compiled) -> str:
    """Alternating offers are for two sides: with more, they take turns in a stack."""
    return "stacked" if name == "alternating" and len(c.parties) > 2 else name


def _write_simulate_report(
    report: Path,
    s: Scenario,
    setup: Setup,
    summary: Summary,
    assumed: list[str],
    seed: int,
    conditions: dict[str, Any],
    notes: list[str],
) -> None:
    from truce.report.simulate import simulate_html

    write_atomically(
        report, simulate_html(s, setup, summary, assumed=assumed, seed=seed, conditions=conditions, notes=notes)
    )


def conditions_json(s: Scenario, c: Compiled, setup: Setup, days: int, course: bool) -> dict[str, Any]:
    """What the runs assumed besides the strategies, with each figure's basis and sources, for output and reports."""
    given = s.course if course else None
    uncertainty = setup.uncertainty
    shocks = setup.shocks
    return {
        "deadline_days": days,
        "pressure": setup.delay.pressure,
        "discount": setup.delay.discount,
        # random escalations from the command line (the course's dated shocks are under "course")
        "shocks": None
        if shocks is None
        else {
            "probability": shocks.probability,
            "reservation_shift": shocks.reservation_shift
            if isinstance(shocks.reservation_shift, float | int)
            else dict(shocks.reservation_shift),
            "cost_factor": shocks.cost_factor,
        },
        "course": None if given is None else given.model_dump(mode="json", exclude_none=True),
        "uncertainty": None
        if uncertainty is None
        else {
            "weight_noise": uncertainty.weight_noise,
            "value_noise": uncertainty.value_noise,
            "reservation_range": {p: list(r) for p, r in uncertainty.reservation_range.items()},
            "parties": _parties_json(s, c, uncertainty),
        },
    }


def _parties_json(s: Scenario, c: Compiled, uncertainty: Uncertainty) -> dict[str, Any]:
    """Each party's uncertainty as the runs drew it (the file's and the command line's together), with the file's
    basis and sources; where the command line added to the file's figures or replaced them, ``command_line`` and
    the basis say so, so that no basis vouches for a figure it did not give."""
    out: dict[str, Any] = {}
    for p, party in enumerate(c.parties):
        weights, values, reservation = uncertainty.of_party(c, p)
        if not (weights or values or reservation):
            continue
        # the file's model as written (the one the runs hold has lost a range the command line replaced)
        given = s.preferences[party].uncertainty if party in uncertainty.parties else None
        changed = _command_line(uncertainty, party, given is not None, None if given is None else given.reservation)
        said = (given.basis if given else "", f"For these runs the command line {changed}." if changed else "")
        basis = " ".join(x for x in said if x)
        out[party] = {
            "weights": weights,
            "values": values,
            "reservation": None if reservation is None else list(reservation),
            "basis": basis,
            "sources": [] if given is None else list(given.sources),
            "command_line": changed or None,
            "in_scenario": given is not None,
        }
    return out


def _command_line(uncertainty: Uncertainty, party: str, in_file: bool, file_range: tuple[float, float] | None) -> str:
    """What the command line did to one party's uncertainty, in words ('' for nothing): added to the file's noise
    (``in_file``), or set it; replaced the file's reservation range, or set one."""
    said = []
    for noise, what in ((uncertainty.weight_noise, "weights"), (uncertainty.value_noise, "option values")):
        if noise > 0:
            said.append(
                f"added {noise:g} to the noise on {what}" if in_file else f"set the noise on {what} to {noise:g}"
            )
    if party in uncertainty.reservation_range:
        low, high = uncertainty.reservation_range[party]
        if file_range is None:
            said.append(f"set the reservation range {low:g}-{high:g}")
        else:
            said.append(f"replaced the reservation range {file_range[0]:g}-{file_range[1]:g} by {low:g}-{high:g}")
    return " and ".join(said)


def _show_conditions(conditions: dict[str, Any]) -> None:
    """The course and the uncertainty the runs used, each with its basis, marked as assumed where it is."""
    course = conditions["course"]
    if course is not None:
        hazard = course.get("hazard")
        if hazard is not None:
            console.print(
                f"Breakdown hazard {hazard['per_day']:.2%} a day"
                + (" (assumed" if hazard.get("assumption", True) else " (")
                + "; its basis is in the scenario and the --report)",
            )
        for risk in course.get("risks", []):
            span = f"for {risk['days']} days" if risk.get("days") else "to the deadline"
            console.print(
                f"Risk from {risk['date']}: {risk['title']}, +{risk['hazard']:.2%} a day {span}"
                + (" (assumed)" if risk.get("assumption", True) else ""),
            )
        for shock in course.get("shocks", []):
            console.print(
                f"Shock on {shock['date']}: {shock['title']}" + (" (assumed)" if shock.get("assumption", True) else ""),
            )
    shocks = conditions["shocks"]
    if shocks is not None:
        shift = shocks["reservation_shift"]
        moves = ", ".join(f"{p} {x:+g}" for p, x in shift.items()) if isinstance(shift, dict) else f"{shift:+g}"
        console.print(
            "Random escalations (assumed, from the command line): each day with probability "
            f"{shocks['probability']:g}, reservation values move by {moves} and costs of delay are multiplied by "
            f"{shocks['cost_factor']:g}",
        )
    uncertainty = conditions["uncertainty"]
    for party, u in (uncertainty or {}).get("parties", {}).items():
        span = "" if u["reservation"] is None else f", reservation {u['reservation'][0]:g}-{u['reservation'][1]:g}"
        changed = f"; the command line {u['command_line']}" if u["command_line"] else ""
        console.print(
            f"Uncertain preferences of {party} (weights noise {u['weights']}, values {u['values']}{span}){changed}"
            + ("; basis in the scenario and the --report" if u["in_scenario"] else ""),
        )
    if conditions["pressure"] != "none":
        console.print(f"Strategies feel the cost of delay ({conditions['pressure']}).")


def np_seed(seed: int) -> Any:
    """The first run's seed, as :func:`truce.simulate.simulate` expands it."""
    from truce.simulate import seeds

    return seeds(seed, 1)[0]


def _show_summary(
    s: Scenario, c: Compiled, setup: Setup, data: dict[str, Any], assumed: list[str], days: int, notes: list[str]
) -> None:
    who = ", ".join(f"{p} {st.label}" for p, st in zip(c.parties, setup.strategies, strict=True))
    title = TITLES[setup.protocol.name]
    console.print(styled((s.title or s.id, "bold"), f": {title}, {who}, {data['runs']} runs"))
    show_assumed(s, assumed)
    _show_conditions(data["conditions"])
    by_day = data["agreement_by_day"]
    marks = sorted({d for d in (7, 14, 28, 56, days) if d <= len(by_day)})
    console.print(
        f"Deal within {days} days: {data['agreement_rate']:.1%}  ("
        + ", ".join(f"day {d}: {by_day[d - 1]:.1%}" for d in marks)
        + f"); mean rounds {data['mean_rounds']:.1f}"
    )
    status, timing = data["status"], data["time_to_agreement"]
    console.print(
        f"Runs ending in agreement {status['agreement']:.1%}, breakdown {status['breakdown']:.1%}, "
        f"deadline {status['deadline']:.1%}"
        + (
            ""
            if timing is None
            else f"; days to agreement: median {timing['p50']:.0f} (p10 {timing['p10']:.0f}, p90 {timing['p90']:.0f})"
        )
    )
    for note in notes:  # how the strategies play the single text, where nobody offers
        console.print(note, highlight=False)
    terms = RichTable("issue", "terms agreed (share of runs)", title="Terms of the agreements, issue by issue")
    for issue_id, shares in data["terms_by_issue"].items():
        issue = s.issue(issue_id)
        terms.add_row(issue.name, "\n".join(f"{issue.label(t)} ({share:.0%})" for t, share in list(shares.items())[:4]))
    console.print(terms)
    packages = RichTable("share", "terms", title="Most frequent agreements")
    marked = False
    for item in data["outcomes"][:3]:
        flagged = item.get("untabled", [])
        marked |= bool(flagged)
        said = "\n".join(
            f"{s.issue(k).name}: {s.issue(k).label(v)}" + (" *" if k in flagged else "")
            for k, v in item["terms"].items()
        )
        packages.add_row(f"{item['share']:.1%}", said)
    console.print(packages)
    if marked:
        console.print("* not tabled by anyone", soft_wrap=True)
    parties = RichTable("party", "mean utility", "p10", "p90", "cumulative cost of delay", title="Per party")
    for party, u in data["utilities"].items():
        parties.add_row(
            party, f"{u['mean']:.3f}", f"{u['p10']:.3f}", f"{u['p90']:.3f}", f"{data['cost_of_delay'][party]:.3f}"
        )
    console.print(parties)
    near = data["near_nash_share"]
    console.print(
        f"Agreements on the Pareto frontier: {data['on_frontier_share']:.1%}"
        + ("" if near is None else f"; near the Nash point: {near:.1%}")
    )
    _show_efficiency(data)


def _show_efficiency(data: dict[str, Any]) -> None:
    """Distances of every run's result to the frontier and the Nash point, and what the sides knew."""
    parts = [
        f"{name}: mean {d['mean']:.3f} (p10 {d['p10']:.3f}, p90 {d['p90']:.3f})"
        for name, d in (("to the Pareto frontier", data["distance_to_frontier"]), ("to Nash", data["distance_to_nash"]))
        if d is not None
    ]
    if parts:
        console.print("Distance of each run's result " + "; ".join(parts))
    if data["information"] == "complete":
        console.print("Assumption: complete information (every side knows the others' preferences).")
    else:
        console.print("Information: private (each side offers from its own preferences only).")


@app.command("tournament")
@guarded
def tournament_cmd(
    scenarios: list[Path] = typer.Argument(..., help="scenario files or folders, or GENIUS domain folders"),
    strategies: str = typer.Option(
        "boulware,linear,conceder,tit-for-tat,hardliner,random", "--strategies", help="comma-separated"
    ),
    seeds_: int = typer.Option(10, "--seeds", min=1, help="runs per scenario and assignment of strategies"),
    seed: int = typer.Option(0, "--seed", min=0, help="the tournament seed every run's seed is expanded from"),
    protocol: str = PROTOCOL_OPTION,
    days: int = typer.Option(DEFAULT_DEADLINE_DAYS, "--days", min=1, max=MAX_DAYS, help="deadline in days"),
    rounds_per_day: int = ROUNDS_PER_DAY_OPTION,
    mediator: str = MEDIATOR_OPTION,
    course: bool = typer.Option(True, "--course/--no-course", help="play each scenario under its own course"),
    file_uncertainty: bool = UNCERTAINTY_OPTION,
    backend: str = typer.Option("local", "--backend", help="local (processes here) or ray"),
    workers: int | None = typer.Option(
        None, "--workers", min=1, max=MAX_WORKERS, help="worker processes (default: every CPU)"
    ),
    address: str | None = typer.Option(None, "--address", help="ray: cluster address (default: a local Ray)"),
    out: Path | None = typer.Option(None, "--out", help="folder for results.csv, results.parquet and report.html"),
    parquet: bool = typer.Option(True, "--parquet/--no-parquet", help="also write results.parquet (needs pyarrow)"),
    within: str = WITHIN_OPTION,
    information: str = INFORMATION_OPTION,
    json_out: bool = JSON_OPTION,
    profiles: str | None = typer.Option(
        None, "--profiles", help=PROFILES_HELP + "; the same file names in every GENIUS folder given"
    ),
) -> None:
    """Every assignment of the strategies to the parties, on every scenario, for --seeds seeds each."""
    compiled = _tournament_sides(scenarios, profiles, within, information)
    names = tuple(dict.fromkeys(_names(strategies, "--strategies")))
    _check_backend(backend, address, out, parquet)
    rules = _protocol(protocol, days, rounds_per_day, mediator, None)
    known: Information = "complete" if information == "complete" else "private"
    try:
        t = Tournament(
            compiled,
            names,
            rules,
            seeds_,
            seed,
            information=known,
            scenario_course=course,
            scenario_uncertainty=file_uncertainty,
        )
    except ValueError as exc:  # too many runs to plan: said before any work
        raise typer.BadParameter(str(exc), param_hint="--strategies/--seeds") from None
    chosen: Backend = Ray(address, workers) if backend == "ray" else Local(workers)
    table = _run_with_progress(t, chosen, quiet=json_out)
    assumed = {c.scenario.id: c.scenario.assumed(c.parties) for c in compiled}
    written = _write(out, table, parquet, assumed, information == "complete") if out is not None else []
    result = _tournament_json(table, written, information, compiled)
    if json_out:
        print_json(result)
        return
    _show_tournament(result, compiled, information, single_text_notes(rules, [(n, make_strategy(n)) for n in names]))
    for path in written:
        console.print(f"Written {path}")


def _show_tournament(
    result: dict[str, Any], compiled: tuple[Compiled, ...], information: str, notes: list[str]
) -> None:
    """The tournament for people: by strategy, the assumptions the figures rest on, the ranking, and under it
    how the strategies play the protocol where that needs saying (the single text, where nobody offers)."""
    _show_by_strategy(result["by_strategy"])
    for c in compiled:
        show_assumed(c.scenario, c.parties, named=True)
    if information == "complete":
        console.print("Assumption: complete information (every side knows the others' preferences).")
    _show_ranking(result["ranking"])
    for note in notes:
        console.print(note, highlight=False)


def _tournament_sides(
    scenarios: list[Path], profiles: str | None, within: str, information: str
) -> tuple[Compiled, ...]:
    """Each scenario compiled for its bargaining sides; a scenario with no space to bargain over stops here
    with exit 2 (cheap next to the tournament)."""
    loaded = [load_any(p, profiles_of(profiles)) for p in scenarios]
    for n, (where, s) in enumerate(zip(scenarios, loaded, strict=True)):
        first = next((w for w, t in zip(scenarios[:n], loaded[:n], strict=True) if t.id == s.id), None)
        if first is not None:
            said = f"scenario id {s.id!r} is given twice (here and {first}): {ONE_ID}"
            raise InputError([Problem(said, ("id",), str(where))])
    compiled = tuple(
        restrict_to(_negotiators(s, where), scope_of(within, s, where))
        for s, where in zip(loaded, scenarios, strict=True)
    )
    for where, c in zip(scenarios, compiled, strict=True):
        _space(c, where, information)
    return compiled


def _run_with_progress(t: Tournament, backend: Backend, *, quiet: bool) -> Table:
    """The tournament's table, with a progress bar on standard error unless ``quiet``."""
    with Progress(
        TextColumn("tournament"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=errors.rich(),
        transient=True,
        disable=quiet,
    ) as bar:
        task = bar.add_task("runs", total=None)
        try:
            return run_tournament(t, backend, lambda done, total: bar.update(task, completed=done, total=total))
        except BackendError as exc:  # said in a line: nothing was played
            errors.print(str(exc), soft_wrap=True)
            raise typer.Exit(1) from None


def _tournament_json(
    table: Table, written: list[str], information: str, compiled: tuple[Compiled, ...]
) -> dict[str, Any]:
    return {
        "runs": len(table) and int(table.columns["run"].max()) + 1,
        "rows": len(table),
        "by_strategy": table.by_strategy(),
        "by_scenario": table.by_scenario(),
        "by_pairing": table.by_pairing(),
        "ranking": table.ranking(),
        "files": written,
        "information": information,
        "preferences_assumed_for": {c.scenario.id: c.scenario.assumed(c.parties) for c in compiled},
    }


def _check_backend(backend: str, address: str | None, out: Path | None, parquet: bool) -> None:
    """The backend and output options make sense together, and what they need is installed."""
    if backend not in ("local", "ray"):
        raise typer.BadParameter(f"{backend!r} is not local or ray", param_hint="--backend")
    if address and backend != "ray":
        raise typer.BadParameter("--address is for --backend ray", param_hint="--address")
    if out is not None:
        check_output_folder(out)
    if parquet and out is not None:
        _need("pyarrow.parquet", "Parquet output needs pyarrow: pip install 'truce[parquet]', or pass --no-parquet")
    if backend == "ray":
        _need("ray", "the ray backend needs Ray: pip install 'truce[ray]'")


def _show_by_strategy(rows: list[dict[str, Any]]) -> None:
    view = RichTable("strategy", "runs", "agreement", "mean utility", "mean net", "mean day", title="By strategy")
    for row in rows:
        day = "-" if row["mean_day"] is None else f"{row['mean_day']:.1f}"
        view.add_row(
            row["strategy"],
            str(row["runs"]),
            f"{row['agreement_rate']:.1%}",
            f"{row['mean_utility']:.3f}",
            f"{row['mean_net']:.3f}",
            day,
        )
    console.print(view)


def _show_ranking(ranking: dict[str, Any]) -> None:
    view = RichTable(
        "rank", "strategy", "mean utility", "95% interval (seeds)", "vs the one above", title="Ranking by utility"
    )
    for row in ranking["strategies"]:
        low, high = row["ci"]
        above = row["below_previous"]
        verdict = "-" if above is None else ("worse (p<0.05, Holm)" if above else "not significantly worse")
        view.add_row(str(row["rank"]), row["strategy"], f"{row['mean_utility']:.3f}", f"{low:.3f}-{high:.3f}", verdict)
    console.print(view)
    console.print("Paired sign-flip tests on matched runs (scenario, party, opponents, seed), Holm-corrected.")


def _need(module: str, message: str) -> None:
    """Stop with a clear message (exit 1) when an optional extra is not installed."""
    try:
        importlib.import_module(module)
    except ImportError:
        errors.print(message)
        raise typer.Exit(1) from None


def _write(out: Path, table: Table, parquet: bool, assumed: dict[str, list[str]], complete: bool) -> list[str]:
    """The tournament's files, written as one set: a table beside a report of other runs is never left."""
    from truce.report.simulate import tournament_html

    files = [
        (out / "results.csv", table.to_csv().encode()),
        (out / "report.html", tournament_html(table, assumed, complete).encode()),
    ]
    if parquet:
        files.append((out / "results.parquet", _parquet_bytes(table)))
    made = not out.exists()
    out.mkdir(exist_ok=True)  # its parent was checked before the runs: no tree of folders is made
    try:
        write_all_atomically(files)
    except BaseException:
        if made and not any(out.iterdir()):
            out.rmdir()
        raise
    return [str(path) for path, _ in files]


def _parquet_bytes(table: Table) -> bytes:
    pa: Any = importlib.import_module("pyarrow")
    pq: Any = importlib.import_module("pyarrow.parquet")

    sink = pa.BufferOutputStream()
    pq.write_table(pa.table({k: v.tolist() for k, v in table.columns.items()}), sink)
    return bytes(sink.getvalue().to_pybytes())
