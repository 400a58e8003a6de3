"""The engines: one negotiation with a readable trace (:func:`negotiate`), or many at once on arrays (:func:`run_many`).

Both run the same loop over rounds, vectorised over a batch of runs; the scalar engine is a batch of one that
also records every step. A run depends only on its own seed: its generator draws, in this order, the sampled
preferences (with an :class:`~truce.simulate.conditions.Uncertainty`), the protocol's random numbers
``(rounds, 3)``, each party's ``(parties, rounds)`` and the shocks' ``(days,)``, before the first round. So a
run gives the same result alone, in any batch, in any process.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from truce.model.compiled import OPEN, Bools, Compiled, Floats, Ints
from truce.simulate.conditions import Delay, Shocks, Uncertainty
from truce.simulate.memory import Memory
from truce.simulate.protocol import AlternatingOffers, Protocol, SingleText, StackedAlternatingOffers, days_of
from truce.simulate.space import Space
from truce.simulate.strategies import Strategy, View

MEDIATOR = -1  # the "party" index of the mediator in a trace
_CELLS = 1 << 22  # a batch keeps at most about this many per-run utilities in memory at once


@dataclass(frozen=True)
class Setup:
    """Everything about a simulation but the scenario and the seeds: protocol, one strategy per party, conditions."""

    protocol: Protocol
    strategies: tuple[Strategy, ...]
    delay: Delay = field(default_factory=Delay)
    shocks: Shocks | None = None
    uncertainty: Uncertainty | None = None


@dataclass(frozen=True, eq=False)
class Runs:
    """Results of ``R`` runs. ``round`` and ``day`` (1-based: the day of agreement, or the deadline) are per run;
    ``outcome`` ``(R, issues)`` is the agreement (``-1`` rows without one); ``utility`` ``(R, parties)`` is the
    agreement's utility, or the reservation value without one; ``cost`` the cumulative cost of delay; ``net``
    the utility discounted by the days taken, minus the cost."""

    parties: tuple[str, ...]
    agreed: Bools
    round: Ints
    day: Ints
    outcome: Ints
    utility: Floats
    cost: Floats
    net: Floats

    def __len__(self) -> int:
        return int(self.agreed.shape[0])

    @staticmethod
    def concat(parts: Sequence[Runs]) -> Runs:
        names = ("agreed", "round", "day", "outcome", "utility", "cost", "net")
        return Runs(parts[0].parties, *(np.concatenate([getattr(p, n) for p in parts]) for n in names))


@dataclass(frozen=True)
class Step:
    """One step of one negotiation: who tabled what in which round, its utilities, and each party's answer.

    ``responses`` holds per party ``True``/``False``, or ``None`` for the proposer. In a single-text run,
    ``by`` is :data:`MEDIATOR` and ``adopted`` says whether the mediator's change was adopted.
    """

    round: int
    day: int
    by: int
    outcome: tuple[int, ...]
    utilities: tuple[float, ...]
    responses: tuple[bool | None, ...]
    adopted: bool | None = None


@dataclass(frozen=True, eq=False)
class Negotiation:
    """One negotiation: its steps and its result (a :class:`Runs` of one)."""

    steps: tuple[Step, ...]
    result: Runs


def seeds(seed: int | np.random.SeedSequence, n: int) -> list[np.random.SeedSequence]:
    """``n`` independent per-run seeds expanded from one seed (``SeedSequence.spawn``)."""
    root = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
    return root.spawn(n)


def negotiate(space: Space, setup: Setup, seed: int | np.random.SeedSequence) -> Negotiation:
    """Run one negotiation and record every step."""
    ss = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
    steps: list[Step] = []
    result = _play(space, setup, [ss], steps)
    return Negotiation(tuple(steps), result)


def run_many(space: Space, setup: Setup, run_seeds: Sequence[np.random.SeedSequence]) -> Runs:
    """Run one negotiation per seed, many at once on arrays (in batches that fit in memory)."""
    if not run_seeds:
        raise ValueError("no runs")
    n_parties, rounds = len(space.compiled.parties), setup.protocol.rounds
    per_run = rounds * (3 + n_parties) + days_of(setup.protocol)  # the random numbers drawn up front
    if setup.uncertainty is not None:
        per_run += 2 * len(space) * n_parties  # own utilities, sorted
    per_run += sum(s.model.cells(space.compiled.sizes) for s in setup.strategies if s.model is not None)
    size = max(1, _CELLS // per_run)
    parts = [_play(space, setup, run_seeds[i : i + size], None) for i in range(0, len(run_seeds), size)]
    return parts[0] if len(parts) == 1 else Runs.concat(parts)


def start_text(c: Compiled, start: tuple[int, ...] | None) -> Ints:
    """The single text to start from: ``start`` with each open issue set to the option the parties value most in sum."""
    text = np.full(len(c.issues), OPEN, dtype=np.int64) if start is None else np.array(start, dtype=np.int64)
    if text.shape != (len(c.issues),):
        raise ValueError(f"the start text needs one option index per issue ({len(c.issues)})")
    for i, table in enumerate(c.tables):
        if text[i] == OPEN:
            text[i] = int(np.argmax(table.sum(axis=0)))
        elif not 0 <= text[i] < table.shape[1]:
            raise ValueError(f"option {text[i]} out of range for issue {c.issues[i]!r}")
    return text


def _play(space: Space, setup: Setup, run_seeds: Sequence[np.random.SeedSequence], steps: list[Step] | None) -> Runs:
    c = space.compiled
    proto = setup.protocol
    n_runs, n_parties, n_rounds = len(run_seeds), len(c.parties), proto.rounds
    n_days = days_of(proto)
    if len(setup.strategies) != n_parties:
        raise ValueError(f"{len(setup.strategies)} strategies for {n_parties} parties {list(c.parties)}")
    if isinstance(proto, AlternatingOffers) and n_parties != 2:
        raise ValueError(f"alternating offers is bilateral; this scenario has {n_parties} parties (use stacked)")

    # Every run's random numbers, drawn before the first round from the run's own generator.
    proto_u = np.empty((n_runs, n_rounds, 3))
    party_u = np.empty((n_runs, n_parties, n_rounds))
    shock_u = np.empty((n_runs, n_days))
    reservation = np.tile(np.asarray(c.reservation, dtype=float), (n_runs, 1))
    sampled: list[tuple[Floats, ...]] = []
    for r, ss in enumerate(run_seeds):
        rng = np.random.default_rng(ss)
        if setup.uncertainty is not None:
            tables, reservation[r] = setup.uncertainty.sample(c, rng)
            sampled.append(tables)
        proto_u[r] = rng.random((n_rounds, 3))
        party_u[r] = rng.random((n_parties, n_rounds))
        shock_u[r] = rng.random(n_days)

    if sampled:
        stacked = tuple(np.stack([t[i] for t in sampled]) for i in range(len(c.issues)))  # (R, P, options)
        by_party = np.zeros((n_runs, n_parties, len(space)))
        for i, table in enumerate(stacked):
            by_party += table[:, :, space.outcomes[:, i]]
        utilities = by_party.transpose(0, 2, 1)  # (R, n, P)
    else:
        utilities = np.asarray(space.utilities)[None]
        stacked = tuple(t[None] for t in c.tables)
    sorted_u: list[Floats] = []
    order: list[Ints] = []
    for p in range(n_parties):  # each party's feasible outcomes by its utility; ties: lower index first
        feasible = space.offerable(p)  # private information: only what its own preferences chose
        if feasible.size == 0:
            raise ValueError(f"every outcome crosses a red line of party {c.parties[p]!r}")
        values = utilities[:, :, p][:, feasible]
        by_value = np.argsort(values, axis=1, kind="stable")
        sorted_u.append(np.take_along_axis(values, by_value, axis=1))
        order.append(feasible[by_value])

    urows = np.arange(n_runs) if sampled else np.zeros(n_runs, dtype=np.int64)  # each run's row of utilities
    shifts = setup.shocks.shifts(c.parties) if setup.shocks is not None else np.zeros(n_parties)
    rate = (
        np.tile(np.asarray(c.cost_of_delay, dtype=float), (n_runs, 1))
        if setup.delay.costs
        else np.zeros((n_runs, n_parties))
    )
    cost = np.zeros((n_runs, n_parties))
    first = np.full((n_runs, n_parties), np.nan)
    last = np.full((n_runs, n_parties), np.nan)
    active = np.ones(n_runs, dtype=bool)
    agreed_round = np.full(n_runs, -1, dtype=np.int64)
    day = np.full(n_runs, n_days, dtype=np.int64)
    outcome = np.full((n_runs, len(c.issues)), OPEN, dtype=np.int64)
    text = np.tile(start_text(c, proto.start), (n_runs, 1)) if isinstance(proto, SingleText) else None
    memory = [Memory.start(n_runs, space.outcomes, c.sizes, s.model) for s in setup.strategies]

    def view(p: int, k: int) -> View:
        t = k / n_rounds
        return View(t, reservation[:, p], sorted_u[p], order[p], first[:, p], last[:, p], party_u[:, p, k], memory[p])

    def text_utilities(t: Ints) -> Floats:
        total = np.zeros((n_runs, n_parties))
        for i, table in enumerate(stacked):
            total += table[urows, :, t[:, i]]
        return total

    def receive(p: int, u: Floats, offer: Ints | None, k: int) -> None:
        first[:, p] = np.where(active & np.isnan(first[:, p]), u, first[:, p])
        last[:, p] = np.where(active, u, last[:, p])
        memory[p].observe(offer, u, k / n_rounds, active)  # what it learns of the others (offers only)

    for k in range(n_rounds):
        d = k // proto.rounds_per_day
        if k % proto.rounds_per_day == 0:
            if d >= 1 and setup.shocks is not None:
                hit = active & (shock_u[:, d] < setup.shocks.probability)
                reservation[:] = np.where(hit[:, None], np.clip(reservation + shifts, 0.0, 1.0), reservation)
                rate[:] = np.where(hit[:, None], rate * setup.shocks.cost_factor, rate)
            cost += np.where(active[:, None], rate, 0.0)
            day = np.where(active, d + 1, day)
        if isinstance(proto, AlternatingOffers | StackedAlternatingOffers):
            q = k % n_parties
            offer = setup.strategies[q].propose(view(q, k))
            u = utilities[urows, offer]
            crosses = space.crossed[offer]
            accept = np.ones(n_runs, dtype=bool)
            answers: list[bool | None] = []
            for p in range(n_parties):
                if p == q:
                    answers.append(None)
                    continue
                receive(p, u[:, p], offer, k)
                yes = setup.strategies[p].respond(view(p, k), u[:, p], crosses[:, p])
                accept &= yes
                answers.append(bool(yes[0]))
            deal = active & accept
            outcome[deal] = space.outcomes[offer[deal]]
            if steps is not None:
                steps.append(Step(k, d + 1, q, _ints(space.outcomes[offer[0]]), _floats(u[0]), tuple(answers)))
        else:
            assert text is not None
            u = text_utilities(text)
            crosses = c.crossed(text)
            accept = np.ones(n_runs, dtype=bool)
            yes_all: list[bool | None] = []
            for p in range(n_parties):
                receive(p, u[:, p], None, k)
                yes = setup.strategies[p].respond(view(p, k), u[:, p], crosses[:, p])
                accept &= yes
                yes_all.append(bool(yes[0]))
            deal = active & accept
            outcome[deal] = text[deal]
            if steps is not None:
                steps.append(Step(k, d + 1, MEDIATOR, _ints(text[0]), _floats(u[0]), tuple(yes_all)))
            text = _amend(c, proto, text, u, proto_u[:, k], text_utilities, active & ~deal, k, steps)
        agreed_round = np.where(deal, k, agreed_round)
        active &= ~deal
        if not active.any():
            break

    agreed = agreed_round >= 0
    final_u = np.where(agreed[:, None], text_utilities(np.where(agreed[:, None], outcome, 0)), reservation)
    net = final_u * setup.delay.discount ** day[:, None] - cost
    return Runs(c.parties, agreed, agreed_round, day, outcome, final_u, cost, net)


def _amend(
    c: Compiled,
    proto: SingleText,
    text: Ints,
    u: Floats,
    draws: Floats,
    text_utilities: Callable[[Ints], Floats],
    moving: Bools,
    k: int,
    steps: list[Step] | None,
) -> Ints:
    """The mediator's change of one term, put to the parties' vote (Klein et al., 2003)."""
    sizes = np.array(c.sizes, dtype=np.int64)
    n_runs = text.shape[0]
    issue = np.minimum((draws[:, 0] * len(sizes)).astype(np.int64), len(sizes) - 1)
    size = sizes[issue]
    shift = 1 + np.minimum((draws[:, 1] * (size - 1)).astype(np.int64), np.maximum(size - 2, 0))
    candidate = text.copy()
    rows = np.arange(n_runs)
    candidate[rows, issue] = (text[rows, issue] + shift) % size
    cu = text_utilities(candidate)
    votes = (cu >= u) & ~c.crossed(candidate)
    against = (~votes).sum(axis=1)
    adopt = against == 0
    if proto.mediator == "anneal":
        temperature = proto.temperature * proto.cooling**k
        adopt |= draws[:, 2] < np.exp(-against / temperature)
    adopt &= moving
    if steps is not None and moving[0]:
        steps.append(
            Step(
                k,
                k // proto.rounds_per_day + 1,
                MEDIATOR,
                _ints(candidate[0]),
                _floats(cu[0]),
                tuple(bool(v) for v in votes[0]),
                bool(adopt[0]),
            )
        )
    return np.where(adopt[:, None], candidate, text)


def _ints(a: Ints) -> tuple[int, ...]:
    return tuple(int(x) for x in a)


def _floats(a: Floats) -> tuple[float, ...]:
    return tuple(float(x) for x in a)
