"""Tournaments: every assignment of strategies to parties, on every scenario, for a number of seeds.

The tournament seed is expanded into one seed per run (``SeedSequence.spawn``) before any work runs, in a
fixed order (scenario, then assignment, then repetition); runs are grouped into tasks that any backend may
execute in any order, and each run depends only on its own seed. So every backend, with any number of
workers, gives the same table.
"""

from __future__ import annotations

import importlib
import itertools
import logging
import os
import socket
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, wait
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

import numpy as np

from truce.model.compiled import Compiled
from truce.simulate.conditions import Delay, Shocks, Uncertainty, course_of, uncertainty_of
from truce.simulate.engine import Runs, Setup, run_many, seeds
from truce.simulate.protocol import AlternatingOffers, StackedAlternatingOffers
from truce.simulate.protocol import Protocol as Rules
from truce.simulate.space import Information, Space, build_space
from truce.simulate.stats import bootstrap_ci, holm, sign_flip_p
from truce.simulate.strategies import make_strategy

Progress = Callable[[int, int], None]  # (runs done, runs in all)
COLUMNS = (
    "run",
    "scenario",
    "repetition",
    "party",
    "strategy",
    "opponents",
    "agreed",
    "round",
    "day",
    "utility",
    "cost",
    "net",
    "status",
)


@dataclass(frozen=True)
class Tournament:
    """What to play: strategies by name (``time:E`` allowed), scenarios compiled, ``repetitions`` seeds each.

    Alternating offers on a scenario of more than two parties is played as stacked alternating offers.
    """

    scenarios: tuple[Compiled, ...]
    strategies: tuple[str, ...]
    protocol: Rules = field(default_factory=AlternatingOffers)
    repetitions: int = 10
    seed: int = 0
    delay: Delay = field(default_factory=Delay)
    shocks: Shocks | None = None
    uncertainty: Uncertainty | None = None
    task_runs: int = 250  # runs per task handed to a worker
    information: Information = "private"  # "complete" is the named assumption (see truce.simulate.space)
    scenario_course: bool = False  # play each scenario under its own course: breakdown hazard, risks, shocks
    scenario_uncertainty: bool = False  # and draw its parties' preferences from its preferences.<party>.uncertainty

    def __post_init__(self) -> None:
        if not self.scenarios or not self.strategies or self.repetitions < 1:
            raise ValueError("a tournament needs scenarios, strategies and at least one repetition")
        ids = [c.scenario.id for c in self.scenarios]
        twice = next((i for n, i in enumerate(ids) if i in ids[:n]), None)
        if twice is not None:
            raise ValueError(f"scenario id {twice!r} is given twice: {ONE_ID}")
        for name in self.strategies:
            make_strategy(name)
        if self.runs > MAX_RUNS:
            k = len(self.strategies)
            each = ", ".join(
                f"{k}^{len(c.parties)} = {k ** len(c.parties):,} assignments on {c.scenario.id}" for c in self.scenarios
            )
            raise ValueError(
                f"{self.runs:,} runs in all, over the limit of {MAX_RUNS:,}: every assignment of the strategies to"
                f" the parties is played once per seed ({each}; {self.repetitions:,} seeds): give fewer strategies"
                " or seeds"
            )

    @property
    def runs(self) -> int:
        """How many negotiations the tournament plays: every assignment on every scenario, ``repetitions`` times."""
        k = len(self.strategies)
        return sum(int(k ** len(c.parties)) for c in self.scenarios) * self.repetitions


# Every run's seed is spawned before any work (about 430 bytes each) and the table keeps a row per run and party.
MAX_RUNS = 1_000_000

# The table, its groups and the ranking's matched pairs know a scenario by its id alone.
ONE_ID = "a tournament's table tells its scenarios apart by id, so two with one id would be pooled as one"


@dataclass(frozen=True)
class Task:
    """Runs of one scenario with one assignment of strategies, with their seeds and their run numbers."""

    scenario: int
    assignment: tuple[str, ...]
    first_run: int
    repetitions: tuple[int, ...]
    seeds: tuple[np.random.SeedSequence, ...]


class BackendError(RuntimeError):
    """A backend could not start (its extra missing, its cluster out of reach): nothing was played."""


class Backend(Protocol):
    def map(
        self, spaces: Sequence[Space], tournament: Tournament, tasks: Sequence[Task], progress: Progress
    ) -> list[Runs]:
        """Execute every task; return results in the order of ``tasks``."""
        ...


def plan(tournament: Tournament) -> list[Task]:
    """Every run's seed, expanded from the tournament seed before any work, grouped into tasks."""
    runs: list[tuple[int, tuple[str, ...], int]] = []
    for s, c in enumerate(tournament.scenarios):
        for assignment in itertools.product(tournament.strategies, repeat=len(c.parties)):
            runs.extend((s, assignment, rep) for rep in range(tournament.repetitions))
    run_seeds = seeds(tournament.seed, len(runs))
    tasks: list[Task] = []
    start = 0
    while start < len(runs):
        s, assignment, _ = runs[start]
        stop = start
        while stop < len(runs) and runs[stop][:2] == (s, assignment) and stop - start < max(1, tournament.task_runs):
            stop += 1
        reps = tuple(r for _, _, r in runs[start:stop])
        tasks.append(Task(s, assignment, start, reps, tuple(run_seeds[start:stop])))
        start = stop
    return tasks


def execute(space: Space, tournament: Tournament, task: Task) -> Runs:
    """Run one task (in whatever process a backend chose)."""
    protocol = tournament.protocol
    if isinstance(protocol, AlternatingOffers) and len(space.compiled.parties) > 2:
        protocol = StackedAlternatingOffers(protocol.rounds, protocol.rounds_per_day)
    c = space.compiled
    uncertainty = tournament.uncertainty
    own = uncertainty_of(c.scenario, c.parties) if tournament.scenario_uncertainty else {}
    if own:
        uncertainty = replace(
            uncertainty or Uncertainty(), parties={**(uncertainty.parties if uncertainty else {}), **own}
        )
    course = course_of(c.scenario) if tournament.scenario_course else None
    strategies = tuple(make_strategy(n) for n in task.assignment)
    setup = Setup(protocol, strategies, tournament.delay, tournament.shocks, uncertainty, course)
    return run_many(space, setup, task.seeds)


_CACHE: dict[str, Any] = {}  # in a worker process: the tournament's spaces, sent once when the worker starts


def _install(spaces: Sequence[Space], tournament: Tournament) -> None:
    """Keep the spaces (with their per-party orders precomputed) in this worker for every task it runs."""
    _CACHE["spaces"], _CACHE["tournament"] = spaces, tournament


def _execute_cached(task: Task) -> Runs:
    return execute(_CACHE["spaces"][task.scenario], _CACHE["tournament"], task)


@dataclass(frozen=True)
class Serial:
    """In this process, one task after another."""

    def map(
        self, spaces: Sequence[Space], tournament: Tournament, tasks: Sequence[Task], progress: Progress
    ) -> list[Runs]:
        out: list[Runs] = []
        total, done = sum(len(t.seeds) for t in tasks), 0
        for task in tasks:
            out.append(execute(spaces[task.scenario], tournament, task))
            done += len(task.seeds)
            progress(done, total)
        return out


@dataclass(frozen=True)
class Local:
    """Worker processes on this machine (``workers``: default, the number of CPUs; 1 runs in this process)."""

    workers: int | None = None

    def map(
        self, spaces: Sequence[Space], tournament: Tournament, tasks: Sequence[Task], progress: Progress
    ) -> list[Runs]:
        workers = min(self.workers or os.cpu_count() or 1, max(1, len(tasks)))
        if workers == 1:
            return Serial().map(spaces, tournament, tasks, progress)
        import multiprocessing  # the process machinery loads only for a run on several workers
        from concurrent.futures import ProcessPoolExecutor

        out: list[Runs | None] = [None] * len(tasks)
        total, done = sum(len(t.seeds) for t in tasks), 0
        # Forked workers start at once and inherit the spaces without a copy; fork is only unsafe in a process
        # running other threads (a service, say), where workers are spawned instead and import truce afresh.
        context = multiprocessing.get_context("fork" if _forkable() else "spawn")
        # Each worker receives the spaces once, when it starts (a per-worker cache); a task carries only its seeds.
        with ProcessPoolExecutor(
            max_workers=workers, mp_context=context, initializer=_install, initargs=(spaces, tournament)
        ) as pool:
            pending: dict[Future[Runs], int] = {pool.submit(_execute_cached, t): i for i, t in enumerate(tasks)}
            while pending:
                finished, _ = wait(pending, return_when=FIRST_COMPLETED)
                for future in finished:
                    i = pending.pop(future)
                    out[i] = future.result()
                    done += len(tasks[i].seeds)
                    progress(done, total)
        return [r for r in out if r is not None]


def _forkable() -> bool:
    """Whether worker processes may be forked: on a system with fork, from a process with no other thread."""
    import multiprocessing
    import threading

    return "fork" in multiprocessing.get_all_start_methods() and threading.active_count() == 1


RAY_REACH_SECONDS = 5.0  # a cluster's head answers a connection in well under a second, even across the world


def unreachable(address: str, seconds: float = RAY_REACH_SECONDS) -> str | None:
    """Why nothing answers at a Ray address (``host:port`` or ``ray://host:port``) within ``seconds``, or
    ``None`` when something does or the address names no port (``"auto"``: Ray looks it up itself).

    Ray retries an address nobody answers at for minutes, printing its own warnings meanwhile (a mistyped port
    ran past three minutes); one connection attempt first says in seconds what is wrong."""
    host, _, port = address.removeprefix("ray://").rpartition(":")
    if not host or not port.isdigit():
        return None
    if not 0 < int(port) < 65536:  # refused before the system is asked: a number past a C long is its traceback
        return "no such port (ports run from 1 to 65535)"
    try:
        socket.create_connection((host.strip("[]"), int(port)), timeout=seconds).close()
    except TimeoutError:
        return f"no answer within {seconds:g} s"
    except OSError as exc:  # refused, no route, a host name that does not resolve
        return " ".join((exc.strerror or str(exc)).split()).lower()
    return None


@dataclass(frozen=True)
class Ray:
    """A Ray cluster by ``address`` (``"auto"``, ``"ray://host:10001"``), or a local Ray started for the run.

    Needs the ``ray`` extra (``pip install 'truce[ray]'``).
    """

    address: str | None = None
    workers: int | None = None

    def map(
        self, spaces: Sequence[Space], tournament: Tournament, tasks: Sequence[Task], progress: Progress
    ) -> list[Runs]:
        try:
            ray: Any = importlib.import_module("ray")  # an optional extra: typed loosely on purpose
        except ImportError:
            raise BackendError("the ray backend needs Ray: pip install 'truce[ray]'") from None
        started = not ray.is_initialized()
        if started and self.address and (why := unreachable(self.address)):
            raise BackendError(f"cannot reach Ray at {self.address}: {why}")
        if started:  # quiet: no banner, no usage-statistics notice, no worker logs in the caller's output
            os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
            quiet = {"log_to_driver": False, "logging_level": logging.ERROR}
            try:
                if self.address:
                    ray.init(address=self.address, **quiet)
                else:
                    ray.init(num_cpus=self.workers, include_dashboard=False, **quiet)
            except (ValueError, ConnectionError, RuntimeError, TimeoutError) as exc:
                # a cluster that cannot be reached, or a ray:// address without ray[client]: said in a line
                where = f" at {self.address}" if self.address else ""
                raise BackendError(f"cannot start or reach Ray{where}: {' '.join(str(exc).split())}") from None
        try:
            remote = ray.remote(execute)
            shared = [ray.put(s) for s in spaces]
            spec = ray.put(tournament)
            refs = [remote.remote(shared[t.scenario], spec, t) for t in tasks]
            index = {ref: i for i, ref in enumerate(refs)}
            out: list[Any] = [None] * len(tasks)
            total, done, waiting = sum(len(t.seeds) for t in tasks), 0, list(refs)
            while waiting:
                ready, waiting = ray.wait(waiting, num_returns=1)
                for ref in ready:
                    i = index[ref]
                    out[i] = ray.get(ref)
                    done += len(tasks[i].seeds)
                    progress(done, total)
            return out
        finally:
            if started:
                ray.shutdown()


@dataclass(frozen=True, eq=False)
class Table:
    """A tidy table: one row per run and party, columns as in :data:`COLUMNS`."""

    columns: dict[str, np.ndarray[Any, Any]]

    def __len__(self) -> int:
        return len(self.columns["run"])

    def rows(self) -> list[dict[str, Any]]:
        names = list(self.columns)
        return [
            dict(zip(names, values, strict=True))
            for values in zip(*(self.columns[n].tolist() for n in names), strict=True)
        ]

    def equals(self, other: Table) -> bool:
        return self.columns.keys() == other.columns.keys() and all(
            np.array_equal(self.columns[k], other.columns[k]) for k in self.columns
        )

    def to_csv(self) -> str:
        """The table as CSV text (floats with 12 significant digits)."""
        lines = [",".join(self.columns)]
        for row in self.rows():
            lines.append(",".join(_cell(v) for v in row.values()))
        return "\n".join(lines) + "\n"

    def by_strategy(self) -> list[dict[str, Any]]:
        """Per strategy: runs played, agreement rate, mean utility, mean net utility, mean day of agreement."""
        out = []
        strategy = self.columns["strategy"]
        for name in sorted(set(strategy.tolist())):
            mine = strategy == name
            agreed = self.columns["agreed"][mine]
            days = self.columns["day"][mine][agreed]
            out.append(
                {
                    "strategy": name,
                    "runs": int(mine.sum()),
                    "agreement_rate": round(float(agreed.mean()), 6),
                    "mean_utility": round(float(self.columns["utility"][mine].mean()), 6),
                    "mean_net": round(float(self.columns["net"][mine].mean()), 6),
                    "mean_day": round(float(days.mean()), 6) if days.size else None,
                }
            )
        return out

    def by_scenario(self, metric: str = "utility") -> list[dict[str, Any]]:
        """Per scenario and strategy: runs, agreement rate, and the mean ``metric`` with its 95% bootstrap
        interval over seeds (repetitions)."""
        return self._grouped(("scenario", "strategy"), metric)

    def by_pairing(self, metric: str = "utility") -> list[dict[str, Any]]:
        """Per strategy and its opponents (all scenarios): runs, agreement rate, mean ``metric`` and its interval."""
        return self._grouped(("strategy", "opponents"), metric)

    def _grouped(self, keys: tuple[str, ...], metric: str) -> list[dict[str, Any]]:
        cols = self.columns
        out = []
        for group in sorted({tuple(row) for row in zip(*(cols[k].tolist() for k in keys), strict=True)}):
            mine = np.ones(len(self), dtype=bool)
            for k, v in zip(keys, group, strict=True):
                mine &= cols[k] == v
            values = cols[metric][mine].astype(float)
            low, high = bootstrap_ci(_per_seed(values, cols["repetition"][mine]))
            out.append(
                {
                    **dict(zip(keys, group, strict=True)),
                    "runs": int(mine.sum()),
                    "agreement_rate": round(float(cols["agreed"][mine].mean()), 6),
                    f"mean_{metric}": round(float(values.mean()), 6),
                    "ci": [round(low, 6), round(high, 6)],
                }
            )
        return out

    def ranking(self, metric: str = "utility") -> dict[str, Any]:
        """Strategies ranked by mean ``metric``, each with a 95% bootstrap interval over seeds, and every pair
        compared by a paired sign-flip test with Holm's correction.

        Pairs are matched on everything but the strategy: the same scenario, party, opponents and repetition
        (the tournament plays every assignment, so each strategy has one run in each such cell). ``above``
        says, for each strategy after the first, whether the one ranked just above it is significantly better
        at the 5% level after correction.
        """
        cols = self.columns
        names = sorted(set(cols["strategy"].tolist()))
        cells = np.char.add(
            np.char.add(cols["scenario"], "|" + cols["party"]),
            np.char.add("|" + cols["opponents"] + "|", cols["repetition"].astype(str)),
        )
        score = {n: _by_cell(cols[metric][cols["strategy"] == n], cells[cols["strategy"] == n]) for n in names}
        means = {n: float(cols[metric][cols["strategy"] == n].mean()) for n in names}
        ranked = sorted(names, key=lambda n: (-means[n], n))
        pairs = list(itertools.combinations(ranked, 2))
        raw = [sign_flip_p(_paired(score[a], score[b])) for a, b in pairs]
        adjusted = holm(np.array(raw)) if pairs else np.zeros(0)
        tests = [
            {"better": a, "worse": b, "p": round(p, 6), "p_holm": round(float(q), 6)}
            for (a, b), p, q in zip(pairs, raw, adjusted, strict=True)
        ]
        adjusted_of = {(t["better"], t["worse"]): t["p_holm"] for t in tests}
        rows = []
        for i, n in enumerate(ranked):
            mine = cols["strategy"] == n
            low, high = bootstrap_ci(_per_seed(cols[metric][mine].astype(float), cols["repetition"][mine]))
            above = None if i == 0 else bool(adjusted_of[(ranked[i - 1], n)] < 0.05)
            ci = [round(low, 6), round(high, 6)]
            rows.append({"rank": i + 1, "strategy": n, f"mean_{metric}": round(means[n], 6), "ci": ci})
            rows[-1]["below_previous"] = above
        return {"metric": metric, "level": 0.95, "strategies": rows, "tests": tests}


def _per_seed(values: np.ndarray[Any, Any], repetition: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    """The mean of ``values`` for each repetition (seed): the unit a bootstrap resamples."""
    reps, index = np.unique(repetition, return_inverse=True)
    return np.bincount(index, weights=values, minlength=reps.size) / np.bincount(index, minlength=reps.size)


def _by_cell(values: np.ndarray[Any, Any], cells: np.ndarray[Any, Any]) -> dict[str, float]:
    return dict(zip(cells.tolist(), values.astype(float).tolist(), strict=True))


def _paired(a: dict[str, float], b: dict[str, float]) -> np.ndarray[Any, Any]:
    shared = sorted(a.keys() & b.keys())
    return np.array([a[k] - b[k] for k in shared])


def run_tournament(tournament: Tournament, backend: Backend | None = None, progress: Progress | None = None) -> Table:
    """Play the tournament on ``backend`` (default :class:`Local`) and return the tidy table."""
    tasks = plan(tournament)
    spaces = [build_space(c, information=tournament.information).warm() for c in tournament.scenarios]
    results = (backend or Local()).map(spaces, tournament, tasks, progress or (lambda done, total: None))
    return _table(tournament, tasks, results)


def _table(tournament: Tournament, tasks: Sequence[Task], results: Sequence[Runs]) -> Table:
    parts: dict[str, list[np.ndarray[Any, Any]]] = {name: [] for name in COLUMNS}
    for task, runs in zip(tasks, results, strict=True):
        c = tournament.scenarios[task.scenario]
        n, p = len(runs), len(c.parties)
        others = ["+".join(s for q, s in enumerate(task.assignment) if q != k) for k in range(p)]
        columns = {
            "run": np.repeat(np.arange(task.first_run, task.first_run + n), p),
            "scenario": np.full(n * p, c.scenario.id, dtype=object),
            "repetition": np.repeat(np.array(task.repetitions), p),
            "party": np.tile(np.array(c.parties, dtype=object), n),
            "strategy": np.tile(np.array(task.assignment, dtype=object), n),
            "opponents": np.tile(np.array(others, dtype=object), n),
            "agreed": np.repeat(runs.agreed, p),
            "round": np.repeat(runs.round, p),
            "day": np.repeat(runs.day, p),
            "utility": runs.utility.ravel(),
            "cost": runs.cost.ravel(),
            "net": runs.net.ravel(),
            "status": np.repeat(np.array(runs.status, dtype=object), p),
        }
        for name, values in columns.items():
            parts[name].append(values)
    table = {name: np.concatenate(values) for name, values in parts.items()}
    for name in ("scenario", "party", "strategy", "opponents", "status"):
        table[name] = table[name].astype(str)
    return Table(table)


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.12g}"
    text = str(value)
    return f'"{text}"' if "," in text or '"' in text else text
