"""Tournaments: every assignment of strategies to parties, on every scenario, for a number of seeds.

The tournament seed is expanded into one seed per run (``SeedSequence.spawn``) before any work runs, in a
fixed order (scenario, then assignment, then repetition); runs are grouped into tasks that any backend may
execute in any order, and each run depends only on its own seed. So every backend, with any number of
workers, gives the same table.
"""

from __future__ import annotations

import importlib
import itertools
import os
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, wait
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

from truce.model.compiled import Compiled
from truce.simulate.conditions import Delay, Shocks, Uncertainty
from truce.simulate.engine import Runs, Setup, run_many, seeds
from truce.simulate.protocol import AlternatingOffers, StackedAlternatingOffers
from truce.simulate.protocol import Protocol as Rules
from truce.simulate.space import Information, Space, build_space
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

    def __post_init__(self) -> None:
        if not self.scenarios or not self.strategies or self.repetitions < 1:
            raise ValueError("a tournament needs scenarios, strategies and at least one repetition")
        for name in self.strategies:
            make_strategy(name)


@dataclass(frozen=True)
class Task:
    """Runs of one scenario with one assignment of strategies, with their seeds and their run numbers."""

    scenario: int
    assignment: tuple[str, ...]
    first_run: int
    repetitions: tuple[int, ...]
    seeds: tuple[np.random.SeedSequence, ...]


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
    setup = Setup(
        protocol,
        tuple(make_strategy(n) for n in task.assignment),
        tournament.delay,
        tournament.shocks,
        tournament.uncertainty,
    )
    return run_many(space, setup, task.seeds)


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
        workers = self.workers or os.cpu_count() or 1
        if workers == 1:
            return Serial().map(spaces, tournament, tasks, progress)
        import multiprocessing  # the process machinery loads only for a run on several workers
        from concurrent.futures import ProcessPoolExecutor

        out: list[Runs | None] = [None] * len(tasks)
        total, done = sum(len(t.seeds) for t in tasks), 0
        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
            pending: dict[Future[Runs], int] = {
                pool.submit(execute, spaces[t.scenario], tournament, t): i for i, t in enumerate(tasks)
            }
            while pending:
                finished, _ = wait(pending, return_when=FIRST_COMPLETED)
                for future in finished:
                    i = pending.pop(future)
                    out[i] = future.result()
                    done += len(tasks[i].seeds)
                    progress(done, total)
        return [r for r in out if r is not None]


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
            raise RuntimeError("the ray backend needs Ray: pip install 'truce[ray]'") from None
        started = not ray.is_initialized()
        if started:
            if self.address:
                ray.init(address=self.address, log_to_driver=False)
            else:
                ray.init(num_cpus=self.workers, include_dashboard=False, log_to_driver=False)
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


def run_tournament(tournament: Tournament, backend: Backend | None = None, progress: Progress | None = None) -> Table:
    """Play the tournament on ``backend`` (default :class:`Local`) and return the tidy table."""
    tasks = plan(tournament)
    spaces = [build_space(c, information=tournament.information) for c in tournament.scenarios]
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
        }
        for name, values in columns.items():
            parts[name].append(values)
    table = {name: np.concatenate(values) for name, values in parts.items()}
    for name in ("scenario", "party", "strategy", "opponents"):
        table[name] = table[name].astype(str)
    return Table(table)


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.12g}"
    text = str(value)
    return f'"{text}"' if "," in text or '"' in text else text
