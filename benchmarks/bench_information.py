"""Private information: how far offers and agreements fall from the Pareto frontier and the Nash point, for
strategies without an opponent model and with one.

Domains: every bilateral or multilateral linear GENIUS domain in ``../shared/genius-domains`` (beside the
repository; non-linear ones are listed and skipped), a generated two-party domain of 10^6 outcomes (enumerated:
each side sorts the space by its own utility) and a generated one of 8^7 > 2^20 outcomes (each side offers
from its own knapsack ladder). Every strategy plays against itself, alternating offers for two parties and
stacked alternating offers for more, 100 rounds; ``RUNS`` seeds each. Offers are measured on one traced run
(every offer's distance to the frontier), agreements on all runs (a run without agreement counts from the
reservation values). Distances are Euclidean in the parties' utilities (:mod:`truce.simulate.efficiency`).
The last row of each domain is a reference: Boulware under the named assumption of complete information.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from truce.errors import InputError
from truce.io.scenario_files import load_any
from truce.model.compiled import Compiled, compile_scenario
from truce.model.generate import random_scenario
from truce.simulate import (
    AlternatingOffers,
    Setup,
    Space,
    StackedAlternatingOffers,
    build_space,
    make_strategy,
    negotiate,
    run_many,
    seeds,
)
from truce.simulate.efficiency import Reference, to_frontier, to_nash

DOMAINS = Path(__file__).resolve().parent.parent.parent / "shared" / "genius-domains"
ROUNDS = 100
RUNS = 20
WITHOUT = ("boulware", "linear", "tit-for-tat", "agent-k")
WITH = ("boulware+frequency", "boulware+bayesian", "linear+frequency", "hardheaded", "nice-tit-for-tat", "cuhk-agent")


def domains() -> list[tuple[str, Compiled]]:
    out: list[tuple[str, Compiled]] = []
    for folder in sorted(p for p in DOMAINS.iterdir() if p.is_dir()) if DOMAINS.is_dir() else []:
        try:
            out.append((folder.name, compile_scenario(load_any(folder))))
        except InputError as exc:
            print(f"  skipped {folder.name}: {str(exc).splitlines()[0][:100]}")
    for name, sizes in (("generated 10^6", (10,) * 6), ("generated 8^7 (ladder)", (8,) * 7)):
        out.append((name, compile_scenario(random_scenario(np.random.default_rng(7), 2, sizes))))
    return out


def measure(space: Space, reference: Reference, name: str) -> tuple[float, float, float, float]:
    """Agreement rate, mean offer distance to the frontier, mean result distance to the frontier and to Nash."""
    c = space.compiled
    protocol = AlternatingOffers(ROUNDS) if len(c.parties) == 2 else StackedAlternatingOffers(ROUNDS)
    setup = Setup(protocol, tuple(make_strategy(name) for _ in c.parties))
    steps = negotiate(space, setup, 0).steps
    offers = to_frontier(np.array([s.utilities for s in steps]), reference).mean()
    runs = run_many(space, setup, seeds(1, RUNS))
    nominal = np.where(runs.agreed[:, None], c.utilities(np.maximum(runs.outcome, 0)), c.reservation)
    nash = to_nash(nominal, reference)
    return (
        float(runs.agreed.mean()),
        float(offers),
        float(to_frontier(nominal, reference).mean()),
        float("nan") if nash is None else float(nash.mean()),
    )


PAIRS = (("boulware", "boulware+frequency"), ("boulware", "boulware+bayesian"), ("linear", "linear+frequency"))


def _line(name: str, model: str, row: tuple[float, float, float, float]) -> str:
    return f"  {name:<22}{model:>7}{row[0]:>7.2f}{row[1]:>9.3f}{row[2]:>8.3f}{row[3]:>10.3f}"


def run() -> None:
    print(f"information: {RUNS} runs per strategy in self-play, {ROUNDS} rounds, private information unless said")
    totals: dict[str, list[tuple[float, float, float, float]]] = {"without": [], "with": []}
    paired: list[tuple[float, ...]] = []  # the same strategy without and with a model: the model's own effect
    for label, c in domains():
        start = time.perf_counter()
        space = build_space(c)
        reference = Reference.of(c)
        print(f"{label}: {len(c.parties)} parties, {np.prod(c.sizes):,} outcomes, space of {len(space):,}")
        print(f"  {'strategy':<22}{'model':>7}{'agree':>7}{'offer→F':>9}{'deal→F':>8}{'deal→Nash':>10}")
        rows: dict[str, tuple[float, float, float, float]] = {}
        for group, names in (("without", WITHOUT), ("with", WITH)):
            for name in names:
                rows[name] = measure(space, reference, name)
                totals[group].append(rows[name])
                print(_line(name, "yes" if group == "with" else "no", rows[name]))
        print(_line("boulware (complete)", "-", measure(build_space(c, information="complete"), reference, "boulware")))
        paired += [(*rows[a][1:], *rows[b][1:]) for a, b in PAIRS]
        print(f"  ({time.perf_counter() - start:.1f} s)")
    print("over all domains (mean of the rows above):")
    for group in ("without", "with"):
        m = tuple(float(x) for x in np.nanmean(np.array(totals[group]), axis=0))
        print(_line(f"{group} a model", "", (m[0], m[1], m[2], m[3])))
    p = np.nanmean(np.array(paired), axis=0)
    print("the same strategies without -> with a model (" + ", ".join(f"{a} -> {b}" for a, b in PAIRS) + "):")
    print(f"  offers to the frontier {p[0]:.3f} -> {p[3]:.3f}; deals to the frontier {p[1]:.3f} -> {p[4]:.3f};", end="")
    print(f" deals to Nash {p[2]:.3f} -> {p[5]:.3f}")
    closer = p[3] < p[0] and p[4] < p[1] and p[5] < p[2]
    verdict = "closer to" if closer else "NOT closer to"
    print(f"  with an opponent model, offers and deals are {verdict} the frontier and Nash")


if __name__ == "__main__":
    run()
