"""The simulate and tournament verbs end to end."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from cli_runner import invoke_json, runner
from truce.analysis.tabled import tabled_terms
from truce.cli import app
from truce.io.scenario_files import load_any

ROOT = Path(__file__).resolve().parent.parent
GAZA = ROOT / "examples" / "gaza-2024"
LABOUR = ROOT / "examples" / "labour-2025"
GENIUS = ROOT / "tests" / "data" / "genius" / "harbour"


def test_simulate_json_on_the_shipped_case() -> None:
    args = ("simulate", str(GAZA), "--strategies", "boulware,linear", "--runs", "200", "--seed", "5")
    out = invoke_json(*args, "--weight-noise", "0.2", "--reservation-range", "hamas=0.4:0.6")
    assert list(out) == [
        "runs",
        "agreement_rate",
        "agreement_by_day",
        "mean_rounds",
        "outcomes",
        "utilities",
        "cost_of_delay",
        "on_frontier_share",
        "near_nash_share",
        "terms_by_issue",
        "status",
        "breakdown_by_day",
        "time_to_agreement",
        "agreements_on_day",
        "distance_to_frontier",
        "distance_to_nash",
        "information",
        "within",
        "conditions",
    ]
    assert out["runs"] == 200 and len(out["agreement_by_day"]) == 100  # the scenario's course: 100 days
    assert set(out["utilities"]) == {"israel", "hamas"} and set(out["utilities"]["israel"]) == {"mean", "p10", "p90"}
    assert out["outcomes"] and {"terms", "share", "untabled"} == set(out["outcomes"][0])
    assert out["within"] == "all"  # simulated sides may offer any term unless told otherwise
    for shares in out["terms_by_issue"].values():
        assert sum(shares.values()) == pytest.approx(out["agreement_rate"], abs=1e-5)
    assert out == invoke_json(*args, "--weight-noise", "0.2", "--reservation-range", "hamas=0.4:0.6")
    tabled = tabled_terms(load_any(GAZA))
    for item in out["outcomes"]:
        assert item["untabled"] == list(tabled.untabled(item["terms"]))
    within = invoke_json(*args, "--within", "tabled")
    assert within["within"] == "tabled"
    assert all(item["untabled"] == [] for item in within["outcomes"])


def test_simulate_single_text_from_the_text_on_the_table(tmp_path: Path) -> None:
    report = tmp_path / "sim.html"
    head = ["simulate", str(GAZA), "--protocol", "single-text", "--start", "may6-egypt-qatar"]
    tail = ["--runs", "50", "--shock-probability", "0.1", "--shock-shift", "0.02", "--trace", "--report", str(report)]
    result = runner.invoke(app, [*head, "--strategies", "acceptor", *tail])
    assert result.exit_code == 0, result.output
    assert "r000 d01 text" in result.stdout and "Deal within 100 days" in result.stdout
    page = report.read_text()
    assert "illustrative assumptions" in page and "Chance of a deal by each day" in page
    # The issues and terms in their own words, not their ids.
    assert "Philadelphi Corridor" in page and "end_of_war" not in page and "trucks a day" in page


def test_the_text_on_the_table_is_filled_within_the_package_rules_and_says_which_terms_are_the_mediators() -> None:
    """The May 6 text's open issues were filled issue by issue, into a text breaking the package rule on the
    corridor and the withdrawal, shown as "text" and rejected by an acceptor with no reason given."""
    import numpy as np

    from truce.cli.simulate import _sides_from  # the command's own reading of --start
    from truce.simulate.engine import start_text

    s = load_any(GAZA)
    c, start = _sides_from(s, GAZA, "all", "may6-egypt-qatar")
    assert start is not None and -1 in start
    text = start_text(c, start)
    row = text[None, :]
    assert not c.broken(row).any() and not c.barred(row).any()
    assert all(k == -1 or k == t for k, t in zip(start, text, strict=True))  # the tabled terms stay
    every_best = np.array([k if k != -1 else int(np.argmax(c.tables[i].sum(axis=0))) for i, k in enumerate(start)])
    assert c.broken(every_best[None, :]).any()  # what the old fill gave
    args = ["simulate", str(GAZA), "--protocol", "single-text", "--start", "may6-egypt-qatar", "--runs", "5"]
    shown = " ".join(runner.invoke(app, [*args, "--strategies", "acceptor,linear", "--trace"]).stdout.split())
    assert "the text on the table leaves open end_of_war, prisoner_lists, philadelphi" in shown
    assert "those terms are the mediator's, not the text's" in shown


def test_the_single_text_says_why_strategies_that_learn_from_offers_rarely_agree_there(tmp_path: Path) -> None:
    """Agent K against Nice Tit for Tat agreed in 2.5% of single-text runs from the May 6 text, which two
    acceptors take on day 1, and nothing said why: in the single text nobody offers, so one takes the
    mediator's texts for offers and the other has nothing to reciprocate."""
    report = tmp_path / "sim.html"
    head = ["simulate", str(GAZA), "--protocol", "single-text", "--start", "may6-egypt-qatar", "--runs", "20"]
    result = runner.invoke(app, [*head, "--strategies", "agent-k,nice-tit-for-tat", "--report", str(report)])
    assert result.exit_code == 0, result.output
    shown = " ".join(result.stdout.split())
    assert "In the single text no side makes offers" in shown
    assert "a deal needs every side to accept the same text in the same round" in shown
    assert "israel (agent-k) takes the mediator's texts for the other sides' offers" in shown
    assert "hamas (nice-tit-for-tat) has no offers to reciprocate" in shown
    said = "Share of the rounds in which each side accepted the text on the table: israel (agent-k) "
    assert said in shown and ", hamas (nice-tit-for-tat) " in shown
    page = " ".join(report.read_text().split())
    assert said in page and "hamas (nice-tit-for-tat) has no offers to reciprocate" in page
    plain = " ".join(runner.invoke(app, [*head, "--strategies", "linear,acceptor"]).stdout.split())
    assert "in the same round" in plain and "israel (linear) " in plain  # the rule and the shares, ...
    assert "takes the mediator's texts" not in plain and "to reciprocate" not in plain  # ... no strategy's note
    offers = ["simulate", str(GAZA), "--runs", "20", "--strategies", "agent-k,nice-tit-for-tat"]
    assert "no side makes offers" not in " ".join(runner.invoke(app, offers).stdout.split())


def test_a_single_text_tournament_says_it_too() -> None:
    args = ["tournament", str(LABOUR), "--protocol", "single-text", "--seeds", "1", "--days", "5", "--workers", "1"]
    shown = " ".join(runner.invoke(app, [*args, "--strategies", "nice-tit-for-tat,linear"]).stdout.split())
    assert "a deal needs every side to accept the same text in the same round" in shown
    assert "nice-tit-for-tat has no offers to reciprocate" in shown and "linear" not in shown.split("round.")[-1]


def test_a_trace_says_the_mediator_wrote_the_first_text_when_none_was_on_the_table() -> None:
    """A GENIUS domain (no proposal) or no --start: every term of the first text is the mediator's, and the trace
    said so only when a tabled text left some issues open."""
    args = ["simulate", str(GENIUS), "--protocol", "single-text", "--runs", "2", "--days", "3", "--trace"]
    shown = " ".join(runner.invoke(app, [*args, "--strategies", "acceptor,linear"]).stdout.split())
    assert "no text is on the table: the mediator writes the first one" in shown
    assert "its terms are the mediator's" in shown


def test_simulate_information_and_opponent_models_from_the_command_line() -> None:
    base = ("simulate", str(GENIUS), "--runs", "10", "--days", "20")
    private = invoke_json(*base, "--strategies", "boulware+frequency,nice-tit-for-tat")
    assert private["information"] == "private"
    assert set(private["distance_to_frontier"]) == {"mean", "p10", "p90"}
    complete = invoke_json(*base, "--strategies", "boulware", "--information", "complete")
    assert complete["information"] == "complete" and complete["on_frontier_share"] in (0.0, 1.0)
    shown = runner.invoke(app, [*base, "--strategies", "boulware", "--information", "complete"])
    assert shown.exit_code == 0, shown.output
    assert "Assumption: complete information" in shown.output and "to the Pareto frontier" in shown.output


def test_tournament_under_the_named_assumption_of_complete_information() -> None:
    args = ("tournament", str(GENIUS), "--strategies", "boulware,hardheaded", "--seeds", "2", "--days", "10")
    out = invoke_json(*args, "--workers", "1", "--no-parquet", "--information", "complete")
    assert out["information"] == "complete"
    assert {r["strategy"] for r in out["by_strategy"]} == {"boulware", "hardheaded"}
    bad = runner.invoke(app, [*args, "--information", "psychic"])
    assert bad.exit_code == 2


def test_simulate_a_genius_domain_folder() -> None:
    out = invoke_json("simulate", str(GENIUS), "--strategies", "conceder", "--runs", "20", "--days", "10")
    assert out["runs"] == 20 and len(out["agreement_by_day"]) == 10


@pytest.mark.parametrize(
    "args",
    [
        ["--strategies", "nope"],
        ["--strategies", "linear,linear,linear"],
        ["--protocol", "nope"],
        ["--protocol", "single-text", "--start", "no-such-proposal"],
        ["--reservation-range", "nobody=0.1:0.2"],
        ["--reservation-range", "israel=bad"],
        ["--shock-probability", "2"],
        ["--information", "psychic"],
        ["--strategies", "boulware+psychic"],
        ["--strategies", "hardliner+frequency"],
    ],
)
def test_simulate_bad_input_exits_2(args: list[str], tmp_path: Path) -> None:
    report = tmp_path / "r.html"
    result = runner.invoke(app, ["simulate", str(GAZA), "--runs", "5", "--report", str(report), *args])
    assert result.exit_code == 2, result.output
    assert not report.exists()


def test_tournament_tables_are_the_same_on_one_and_two_workers(tmp_path: Path) -> None:
    common = ["tournament", str(GAZA), str(LABOUR), "--strategies", "boulware,random", "--seeds", "3", "--seed", "9"]
    parquet = importlib.util.find_spec("pyarrow") is not None
    flag = "--parquet" if parquet else "--no-parquet"
    one = invoke_json(*common, "--workers", "1", "--out", str(tmp_path / "one"), flag)
    two = invoke_json(*common, "--workers", "2", "--out", str(tmp_path / "two"), flag)
    assert one["by_strategy"] == two["by_strategy"]
    assert (tmp_path / "one" / "results.csv").read_text() == (tmp_path / "two" / "results.csv").read_text()
    report = (tmp_path / "one" / "report.html").read_text()
    assert "Agreement rate" in report
    # the report says what its figures rest on, as the text and the JSON do
    assert "On gaza-2024, the preferences of israel, hamas are illustrative assumptions" in report
    assert len(one["files"]) == (3 if parquet else 2)
    if parquet:
        import pyarrow.parquet as pq

        assert pq.read_table(tmp_path / "one" / "results.parquet").num_rows == one["rows"]


def test_tournament_refuses_two_scenarios_with_one_id(tmp_path: Path) -> None:
    """Two GENIUS folders of the same name (or one scenario given twice) have one id: their runs were pooled
    under it, and the ranking's paired tests used half of them."""
    import shutil

    copy = tmp_path / "other" / GENIUS.name
    shutil.copytree(GENIUS, copy)
    result = runner.invoke(app, ["tournament", str(GENIUS), str(copy), "--seeds", "1", "--workers", "1"])
    assert result.exit_code == 2, result.output
    assert f"{copy}: at id: scenario id 'harbour' is given twice" in result.stderr
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    "args",
    [
        ["tournament", str(LABOUR), "--seeds", "30000"],  # 6 strategies, 2 parties: 36 assignments x 30,000 seeds
        ["simulate", str(LABOUR), "--runs", "1000001"],
    ],
)
def test_more_runs_than_can_be_planned_are_refused(args: list[str]) -> None:
    """A nine-party GENIUS domain with the default six strategies is 10 million assignments: the tournament
    spawned a seed for every run up front and died of a MemoryError with a traceback (exit 1)."""
    result = runner.invoke(app, args)
    assert result.exit_code == 2, result.output
    assert "1000000" in result.output.replace(",", "") and "Traceback" not in result.output


def test_tournament_bad_input_exits_2(tmp_path: Path) -> None:
    for args in (["--backend", "nope"], ["--address", "auto"], ["--strategies", "nope"], ["--seed", "-1"]):
        result = runner.invoke(app, ["tournament", str(GAZA), "--seeds", "1", *args])
        assert result.exit_code == 2, result.output


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (["--seed", "-1"], "--seed"),
        (["--days", "100000000"], "--days"),  # memory grew by gigabytes a second
        (["--days", "10000", "--rounds-per-day", "100"], "rounds in all"),
        (["--weight-noise", "nan"], "--weight-noise"),  # nan and negative noise were silently ignored
        (["--value-noise", "-5"], "--value-noise"),
        (["--weight-noise", "1e308"], "--weight-noise"),
        (["--discount", "nan"], "--discount"),
    ],
)
def test_simulate_refuses_options_it_cannot_honour(args: list[str], named: str) -> None:
    result = runner.invoke(app, ["simulate", str(LABOUR), "--runs", "2", "--no-course", *args])
    assert result.exit_code == 2, result.output
    assert named in result.output and "Traceback" not in result.output


def test_missing_extras_are_named(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import sys

    monkeypatch.setitem(sys.modules, "ray", None)  # import ray now fails
    monkeypatch.setitem(sys.modules, "pyarrow.parquet", None)
    result = runner.invoke(app, ["tournament", str(LABOUR), "--seeds", "1", "--backend", "ray"])
    assert result.exit_code == 1 and "truce[ray]" in result.stderr
    result = runner.invoke(app, ["tournament", str(LABOUR), "--seeds", "1", "--out", str(tmp_path / "o")])
    assert result.exit_code == 1 and "truce[parquet]" in result.stderr and not (tmp_path / "o").exists()


def test_a_ray_cluster_that_cannot_be_reached_is_said_in_a_line(monkeypatch: pytest.MonkeyPatch) -> None:
    """--address ray://... without ray[client] ended in a traceback from inside Ray."""
    import socket
    import sys
    import types

    def init(**_: object) -> None:
        raise ValueError("Ray Client requires pip package `ray[client]`.")

    fake = types.SimpleNamespace(is_initialized=lambda: False, init=init)
    monkeypatch.setitem(sys.modules, "ray", fake)
    with socket.create_server(("127.0.0.1", 0)) as head:  # something answers there: Ray itself refuses
        address = f"ray://127.0.0.1:{head.getsockname()[1]}"
        args = ["tournament", str(LABOUR), "--seeds", "1", "--backend", "ray", "--address", address]
        result = runner.invoke(app, args)
    assert result.exit_code == 1, result.output
    assert f"cannot start or reach Ray at {address}: Ray Client requires" in result.stderr
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    "address", ["127.0.0.1:{port}", "ray://127.0.0.1:{port}", "nosuchhost.invalid:6379", "127.0.0.1:0", "h:" + "9" * 30]
)
def test_an_address_where_nothing_answers_is_refused_in_seconds(monkeypatch: pytest.MonkeyPatch, address: str) -> None:
    """Ray retried a mistyped port for minutes (past three, printing its own warnings): one connection
    attempt first says what is wrong, and Ray is never started."""
    import socket
    import sys
    import types

    with socket.create_server(("127.0.0.1", 0)) as closed:
        port = closed.getsockname()[1]  # a port nobody listens at once this closes
    started: list[object] = []
    fake = types.SimpleNamespace(is_initialized=lambda: False, init=lambda **kw: started.append(kw))
    monkeypatch.setitem(sys.modules, "ray", fake)
    address = address.format(port=port)
    args = ["tournament", str(LABOUR), "--seeds", "1", "--backend", "ray", "--address", address]
    result = runner.invoke(app, args)
    assert result.exit_code == 1, result.output
    assert f"cannot reach Ray at {address}: " in result.stderr and "Traceback" not in result.output
    assert "refused" in result.stderr or "nosuchhost" in address or "no such port" in result.stderr
    assert not started


@pytest.mark.parametrize("verb", ["simulate", "tournament"])
def test_one_side_alone_is_bad_input(verb: str) -> None:
    """A GENIUS folder read with one profile has one side: simulate and tournament ended in a traceback
    (alternating offers is bilateral; this scenario has 1 parties)."""
    result = runner.invoke(app, [verb, str(GENIUS), "--profiles", "harbour-prof1.xml"])
    assert result.exit_code == 2, result.output
    assert f"{GENIUS}: at preferences: a negotiation needs two sides with preferences at least; here 1" in result.stderr
    assert "Traceback" not in result.output


def test_nothing_to_negotiate_over_is_bad_input(tmp_path: Path) -> None:
    scenario = tmp_path / "scenario.yaml"
    scenario.write_text(
        """truce: 1
id: deadlock
title: Deadlock (fictional)
parties:
  - {id: a, name: A}
  - {id: b, name: B}
issues:
  - id: term
    name: Term
    kind: categorical
    options:
      - {id: short, label: short}
      - {id: long, label: long}
preferences:
  a:
    assumption: true
    weights: {term: 1}
    values: {term: {short: 1.0, long: 0.0}}
    red_lines:
      - terms: {term: [short, long]}
  b:
    assumption: true
    weights: {term: 1}
    values: {term: {short: 0.0, long: 1.0}}
"""
    )
    for args in (["simulate", str(scenario), "--runs", "3"], ["tournament", str(scenario), "--seeds", "1"]):
        result = runner.invoke(app, args)
        assert result.exit_code == 2, result.output
        assert "red line of party 'a'" in result.stderr


def test_only_the_sides_bargain(tmp_path: Path) -> None:
    scenario = tmp_path / "scenario.yaml"
    prefs = "weights: {term: 1}\n    values: {term: {short: %s, long: %s}}\n    reservation: 0.0\n"
    scenario.write_text(
        f"""truce: 1
id: three-way
title: Three-way (fictional)
parties:
  - {{id: a, name: A}}
  - {{id: b, name: B}}
  - {{id: m, name: M, role: mediator}}
issues:
  - id: term
    name: Term
    kind: categorical
    options:
      - {{id: short, label: short}}
      - {{id: long, label: long}}
preferences:
  a:
    assumption: true
    {prefs % (1.0, 0.2)}  b:
    assumption: true
    {prefs % (0.3, 1.0)}  m:
    assumption: true
    {prefs % (0.5, 0.5)}"""
    )
    out = invoke_json("simulate", str(scenario), "--strategies", "linear,conceder", "--runs", "5", "--days", "6")
    assert set(out["utilities"]) == {"a", "b"}


def test_random_escalations_from_the_command_line_are_said_and_recorded() -> None:
    """--shock-probability and --discount changed the runs but neither the text nor the JSON's conditions said so."""
    args = ("simulate", str(GAZA), "--runs", "5", "--shock-probability", "0.1", "--shock-shift", "-0.05")
    conditions = invoke_json(*args, "--discount", "0.99")["conditions"]
    assert conditions["discount"] == 0.99
    assert conditions["shocks"] == {"probability": 0.1, "reservation_shift": -0.05, "cost_factor": 1.0}
    assert invoke_json("simulate", str(GAZA), "--runs", "5")["conditions"]["shocks"] is None
    said = runner.invoke(app, list(args), env={"COLUMNS": "300"}).stdout
    assert "Random escalations (assumed, from the command line): each day with probability 0.1, reservation" in said


def test_a_tournament_says_whose_preferences_are_assumptions() -> None:
    """Every other verb answering in utilities said so; a tournament did not, in text or JSON."""
    args = ["tournament", str(GAZA), str(GENIUS), "--seeds", "1", "--strategies", "boulware,linear", "--workers", "1"]
    out = invoke_json(*args, "--no-parquet")
    assumed = {"gaza-2024": ["israel", "hamas"], "harbour": ["harbour-prof1", "harbour-prof2"]}  # GENIUS's too
    assert out["preferences_assumed_for"] == assumed
    text = " ".join(runner.invoke(app, args).stdout.split())
    for scenario, parties in assumed.items():
        assert f"Preferences of {', '.join(parties)} are assumptions (see the scenario {scenario})" in text


def test_tournament_json_rows_have_the_documented_fields() -> None:
    """docs/simulate.md gave by_strategy's rows a ci they do not have, and left out mean_net, mean_day and the
    ranking's metric, level, better and worse."""
    out = invoke_json("tournament", str(LABOUR), "--seeds", "2", "--strategies", "boulware,linear", "--workers", "1")
    fields = {
        "by_strategy": ["strategy", "runs", "agreement_rate", "mean_utility", "mean_net", "mean_day"],
        "by_scenario": ["scenario", "strategy", "runs", "agreement_rate", "mean_utility", "ci"],
        "by_pairing": ["strategy", "opponents", "runs", "agreement_rate", "mean_utility", "ci"],
    }
    for key, names in fields.items():
        assert all(list(row) == names for row in out[key]), key
    ranking = out["ranking"]
    assert list(ranking) == ["metric", "level", "strategies", "tests"]
    assert list(ranking["strategies"][0]) == ["rank", "strategy", "mean_utility", "ci", "below_previous"]
    assert list(ranking["tests"][0]) == ["better", "worse", "p", "p_holm"]
    docs = (ROOT / "docs" / "simulate.md").read_text(encoding="utf-8")
    said = docs[docs.index("`truce tournament --json`") : docs.index("Tournament table columns")]
    for name in {n for names in fields.values() for n in names} | {"metric", "level", "better", "worse", "p_holm"}:
        assert f"`{name}`" in said, name
    by_strategy = said[said.index("`by_strategy`") : said.index("`by_scenario`")]
    assert "`ci`" not in by_strategy


def test_tournament_workers_past_the_ceiling_are_refused_by_name() -> None:
    """--workers 100000 was taken, and a process started for every run of the tournament up to that number."""
    result = runner.invoke(app, ["tournament", str(LABOUR), "--seeds", "1", "--workers", "100000"])
    assert result.exit_code == 2, result.output
    assert "--workers" in result.output and "1024" in result.output and "Traceback" not in result.output
