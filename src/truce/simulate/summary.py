"""Monte Carlo summaries of many runs: how likely a deal is by each day, on what terms, at what cost."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from truce.analysis.frontier import keys
from truce.model.compiled import Compiled
from truce.simulate.efficiency import Reference, spread, to_frontier, to_nash
from truce.simulate.engine import Runs, Setup, run_many, seeds
from truce.simulate.protocol import Protocol, SingleText, days_of
from truce.simulate.space import Space, build_space, table_utilities
from truce.simulate.strategies import Strategy

NEAR_NASH = 0.05  # an agreement is near the Nash point when no party's utility is further from it than this


@dataclass(frozen=True)
class Summary:
    """What many runs say. Shares of outcomes and of terms (per issue, most frequent first) are of all runs;
    ``on_frontier_share`` and ``near_nash_share`` are of the runs that agreed, judged with the stated
    (nominal) preferences. ``distance_to_frontier`` and ``distance_to_nash`` are over every run (from its
    agreement, or from the reservation values without one; :mod:`truce.simulate.efficiency`).
    ``information`` says what the sides knew: ``private`` (each its own preferences) or ``complete`` (an
    assumption: every side knows the others' preferences)."""

    runs: int
    agreement_rate: float
    agreement_by_day: tuple[float, ...]
    mean_rounds: float
    outcomes: tuple[tuple[dict[str, Any], float], ...]
    utilities: dict[str, dict[str, float]]
    cost_of_delay: dict[str, float]
    on_frontier_share: float
    near_nash_share: float | None
    terms_by_issue: dict[str, dict[str, float]]
    status: dict[str, float]
    breakdown_by_day: tuple[float, ...]
    time_to_agreement: dict[str, float] | None
    agreements_on_day: tuple[int, ...]
    distance_to_frontier: dict[str, float] | None = None
    distance_to_nash: dict[str, float] | None = None
    information: str = "private"

    def as_json(self) -> dict[str, Any]:
        """The documented ``simulate --json`` shape."""
        return {
            "runs": self.runs,
            "agreement_rate": self.agreement_rate,
            "agreement_by_day": list(self.agreement_by_day),
            "mean_rounds": self.mean_rounds,
            "outcomes": [{"terms": terms, "share": share} for terms, share in self.outcomes],
            "utilities": self.utilities,
            "cost_of_delay": self.cost_of_delay,
            "on_frontier_share": self.on_frontier_share,
            "near_nash_share": self.near_nash_share,
            "terms_by_issue": self.terms_by_issue,
            "status": self.status,
            "breakdown_by_day": list(self.breakdown_by_day),
            "time_to_agreement": self.time_to_agreement,
            "agreements_on_day": list(self.agreements_on_day),
            "distance_to_frontier": self.distance_to_frontier,
            "distance_to_nash": self.distance_to_nash,
            "information": self.information,
        }


def summarize(
    c: Compiled, runs: Runs, *, days: int, rounds: int, top: int = 10, information: str = "private"
) -> Summary:
    """Summarise ``runs`` of a protocol with a deadline of ``days`` days and ``rounds`` rounds."""
    n = len(runs)
    agreed = runs.agreed
    by_day = tuple(float(np.mean(agreed & (runs.day <= d))) for d in range(1, days + 1))
    taken = np.where(agreed, runs.round + 1, rounds)
    deals = runs.outcome[agreed]
    outcomes: list[tuple[dict[str, Any], float]] = []
    on_frontier = 0.0
    near: float | None = None
    reference = Reference.of(c)  # the frontier and the Nash point, computed once
    if deals.shape[0]:
        distinct, counts = np.unique(deals, axis=0, return_counts=True)
        ranked = np.lexsort((np.arange(len(counts)), -counts))[:top]
        outcomes = [(c.decode(distinct[i]), round(float(counts[i]) / n, 6)) for i in ranked]
        u = table_utilities(c.tables, deals)
        efficient = {tuple(row) for row in keys(reference.frontier).tolist()}
        on_frontier = float(np.mean([tuple(row) in efficient for row in keys(u).tolist()]))
        if reference.nash is not None:
            near = float(np.mean(np.abs(u - reference.nash).max(axis=1) <= NEAR_NASH))
    terms_by_issue: dict[str, dict[str, float]] = {}
    for i, issue in enumerate(c.issues):
        counts = np.bincount(deals[:, i], minlength=c.sizes[i]).tolist()
        ranked_terms = sorted((k for k in range(c.sizes[i]) if counts[k]), key=lambda k: (-counts[k], k))
        terms_by_issue[issue] = {str(c.options[i][k]): round(counts[k] / n, 6) for k in ranked_terms}
    utilities = {
        party: {
            "mean": round(float(runs.utility[:, p].mean()), 6),
            "p10": round(float(np.percentile(runs.utility[:, p], 10)), 6),
            "p90": round(float(np.percentile(runs.utility[:, p], 90)), 6),
        }
        for p, party in enumerate(runs.parties)
    }
    distances = _distances(c, runs, reference)
    return Summary(
        **_timing(runs, days),
        runs=n,
        agreement_rate=round(float(agreed.mean()), 6),
        agreement_by_day=tuple(round(x, 6) for x in by_day),
        mean_rounds=round(float(taken.mean()), 6),
        outcomes=tuple(outcomes),
        utilities=utilities,
        cost_of_delay={party: round(float(runs.cost[:, p].mean()), 6) for p, party in enumerate(runs.parties)},
        on_frontier_share=round(on_frontier, 6),
        near_nash_share=None if near is None else round(near, 6),
        terms_by_issue=terms_by_issue,
        information=information,
        distance_to_frontier=distances["distance_to_frontier"],
        distance_to_nash=distances["distance_to_nash"],
    )


def _timing(runs: Runs, days: int) -> dict[str, Any]:
    """How runs ended (agreement, breakdown, deadline), when talks broke down, and the days to agreement."""
    n = len(runs)
    agreed, broken = runs.agreed, runs.broken
    taken = runs.day[agreed]
    quantiles = None
    if taken.size:
        q = np.percentile(taken, [10, 25, 50, 75, 90])
        quantiles = {"mean": round(float(taken.mean()), 6)} | {
            f"p{k}": round(float(v), 6) for k, v in zip((10, 25, 50, 75, 90), q, strict=True)
        }
    return {
        "status": {
            "agreement": round(float(agreed.mean()), 6),
            "breakdown": round(float(broken.mean()), 6),
            "deadline": round(float((~agreed & ~broken).mean()), 6) if n else 0.0,
        },
        "breakdown_by_day": tuple(round(float(np.mean(broken & (runs.day <= d))), 6) for d in range(1, days + 1)),
        "time_to_agreement": quantiles,
        "agreements_on_day": tuple(int(x) for x in np.bincount(taken, minlength=days + 1)[1 : days + 1]),
    }


def _distances(c: Compiled, runs: Runs, reference: Reference) -> dict[str, dict[str, float] | None]:
    """The spread over runs of the nominal result's distance to the frontier and to the Nash point."""
    nominal = np.where(runs.agreed[:, None], table_utilities(c.tables, np.maximum(runs.outcome, 0)), c.reservation)
    frontier, to_point = to_frontier(nominal, reference), to_nash(nominal, reference)
    return {
        "distance_to_frontier": None if np.isnan(frontier).any() else spread(frontier),
        "distance_to_nash": None if to_point is None else spread(to_point),
    }


def simulate(c: Compiled, setup: Setup, *, runs: int, seed: int, space: Space | None = None) -> tuple[Runs, Summary]:
    """Run ``runs`` negotiations (per-run seeds expanded from ``seed``) on the batch engine and summarise them."""
    space = build_space(c) if space is None else space
    result = run_many(space, setup, seeds(seed, runs))
    days, rounds = days_of(setup.protocol), setup.protocol.rounds
    return result, summarize(c, result, days=days, rounds=rounds, information=space.information)


def single_text_notes(
    protocol: Protocol, players: Sequence[tuple[str, Strategy]], runs: Runs | None = None
) -> list[str]:
    """Why the single text may end without a deal, in plain words: no side makes offers there, a deal needs
    every side to accept the same text in the same round, and a strategy that learns from the others' offers has
    only the mediator's texts to go on. Each of ``players`` is who plays (a party and its strategy, or a
    strategy's name) and the strategy; with the ``runs`` of one party each, how often each accepted the text.
    Empty in the other protocols."""
    if not isinstance(protocol, SingleText):
        return []
    rule = "In the single text no side makes offers: the mediator amends one text, and a deal needs every side"
    lines = [f"{rule} to accept the same text in the same round."]
    if runs is not None:
        shares = runs.said_yes.sum(axis=0) / np.maximum(runs.asked.sum(axis=0), 1)
        each = ", ".join(f"{who} {share:.1%}" for (who, _), share in zip(players, shares, strict=True))
        lines.append(f"Share of the rounds in which each side accepted the text on the table: {each}.")
    lines += [f"{who} {strategy.single_text}." for who, strategy in players if strategy.single_text]
    return lines
