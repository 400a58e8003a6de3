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

from truce.analysis.frontier import pareto_frontier
from truce.analysis.tabled import lift, restrict
from truce.model.compiled import OPEN, Bools, Compiled, Floats, Ints
from truce.simulate.conditions import Course, Delay, Shocks, Uncertainty
from truce.simulate.memory import Memory
from truce.simulate.protocol import AlternatingOffers, Protocol, SingleText, StackedAlternatingOffers, days_of
from truce.simulate.space import GRID, Space, noisy_order, own_utilities
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
    course: Course | None = None


@dataclass(frozen=True, eq=False)
class Runs:
    """Results of ``R`` runs. ``round`` and ``day`` (1-based: the day of agreement, or the deadline) are per run;
    ``outcome`` ``(R, issues)`` is the agreement (``-1`` rows without one); ``utility`` ``(R, parties)`` is the
    agreement's utility, or the reservation value without one; ``cost`` the cumulative cost of delay; ``net``
    the utility discounted by the days taken, minus the cost. ``broken`` marks runs whose talks broke down
    (``day`` is then the day they did). ``asked`` ``(R, parties)`` counts the offers or texts each party was
    asked to accept as the agreement, and ``said_yes`` how many of them it accepted."""

    parties: tuple[str, ...]
    agreed: Bools
    round: Ints
    day: Ints
    outcome: Ints
    utility: Floats
    cost: Floats
    net: Floats
    broken: Bools
    asked: Ints
    said_yes: Ints

    def __len__(self) -> int:
        return int(self.agreed.shape[0])

    @property
    def status(self) -> list[str]:
        """Per run: ``agreement``, ``breakdown`` (the talks broke down first) or ``deadline`` (time ran out)."""
        return [
            "agreement" if a else "breakdown" if b else "deadline"
            for a, b in zip(self.agreed.tolist(), self.broken.tolist(), strict=True)
        ]

    @staticmethod
    def concat(parts: Sequence[Runs]) -> Runs:
        names = ("agreed", "round", "day", "outcome", "utility", "cost", "net", "broken", "asked", "said_yes")
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
    accepts: bool = False  # stacked alternating offers: ``by`` accepted the offer on the table (``outcome``)


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
        per_run += 2 * (GRID + 1) * len(setup.uncertainty.perturbed(space.compiled))
    per_run += sum(s.model.cells(space.compiled.sizes) for s in setup.strategies if s.model is not None)
    size = max(1, _CELLS // per_run)
    parts = [_play(space, setup, run_seeds[i : i + size], None) for i in range(0, len(run_seeds), size)]
    return parts[0] if len(parts) == 1 else Runs.concat(parts)


def start_text(c: Compiled, start: tuple[int, ...] | None) -> Ints:
    """The single text to start from: ``start`` with its open issues filled as a mediator would, by the
    completion the parties value most in sum among those that cross no party's red line, break no package rule
    and are ratified at home (the most in sum is efficient, so it is found on the Pareto frontier of the
    completions). When no completion is allowed, each open issue takes the option valued most in sum."""
    text = np.full(len(c.issues), OPEN, dtype=np.int64) if start is None else np.array(start, dtype=np.int64)
    if text.shape != (len(c.issues),):
        raise ValueError(f"the start text needs one option index per issue ({len(c.issues)})")
    for i, table in enumerate(c.tables):
        if text[i] != OPEN and not 0 <= text[i] < table.shape[1]:
            raise ValueError(f"option {text[i]} out of range for issue {c.issues[i]!r}")
    if not (text == OPEN).any():
        return text
    masks = [
        np.ones(len(o), dtype=bool) if text[i] == OPEN else np.arange(len(o)) == text[i]
        for i, o in enumerate(c.options)
    ]
    sub = restrict(c, masks)
    front = pareto_frontier(sub)
    if len(front):
        best = int(np.argmax(front.utilities.sum(axis=1)))  # the first of equals, in the frontier's fixed order
        filled: Ints = lift(c, sub, front.outcomes[best : best + 1])[0]
        return filled
    for i, table in enumerate(c.tables):
        if text[i] == OPEN:
            text[i] = int(np.argmax(table.sum(axis=0)))
    return text


@dataclass
class _Draws:
    """Every run's random numbers, drawn before the first round from the run's own generator (so a run's
    numbers do not depend on which other runs share its batch)."""

    protocol: Floats  # (runs, rounds, 3): the mediator's moves
    parties: Floats  # (runs, parties, rounds): each strategy's own randomness
    shocks: Floats  # (runs, days)
    breakdown: Floats  # (runs, days): 1 where the course has no breakdown hazard
    reservation: Floats  # (runs, parties): as sampled under uncertainty, else as stated
    tables: list[tuple[Floats, ...]]  # per run, the sampled utility tables (empty without uncertainty)


def _draw(c: Compiled, setup: Setup, run_seeds: Sequence[np.random.SeedSequence], n_days: int) -> _Draws:
    n_runs, n_parties, n_rounds = len(run_seeds), len(c.parties), setup.protocol.rounds
    draws = _Draws(
        np.empty((n_runs, n_rounds, 3)),
        np.empty((n_runs, n_parties, n_rounds)),
        np.empty((n_runs, n_days)),
        np.ones((n_runs, n_days)),
        np.tile(np.asarray(c.reservation, dtype=float), (n_runs, 1)),
        [],
    )
    for r, ss in enumerate(run_seeds):
        rng = np.random.default_rng(ss)
        if setup.uncertainty is not None:
            tables, draws.reservation[r] = setup.uncertainty.sample(c, rng)
            draws.tables.append(tables)
        draws.protocol[r] = rng.random((n_rounds, 3))
        draws.parties[r] = rng.random((n_parties, n_rounds))
        draws.shocks[r] = rng.random(n_days)
        if setup.course is not None:
            draws.breakdown[r] = rng.random(n_days)
    return draws


class _Game:
    """The state of a batch of negotiations, one row per run, and one turn of each protocol."""

    def __init__(self, space: Space, setup: Setup, draws: _Draws, n_days: int, steps: list[Step] | None) -> None:
        c = self.c = space.compiled
        self.space, self.setup, self.draws, self.n_days, self.steps = space, setup, draws, n_days, steps
        n_runs, n_parties = draws.reservation.shape
        self.n_runs, self.n_parties, self.n_rounds = n_runs, n_parties, setup.protocol.rounds
        self.utilities, self.sorted_u, self.order, self.stacked = _own_views(space, setup, draws.tables)
        self.trows = np.arange(n_runs) if draws.tables else np.zeros(n_runs, dtype=np.int64)  # each run's tables
        stated = np.asarray(c.cost_of_delay, dtype=float)
        self.rate = np.tile(stated, (n_runs, 1)) if setup.delay.costs else np.zeros((n_runs, n_parties))
        self.cost = np.zeros((n_runs, n_parties))
        self.first = np.full((n_runs, n_parties), np.nan)
        self.last = np.full((n_runs, n_parties), np.nan)
        self.active = np.ones(n_runs, dtype=bool)  # still talking
        self.broken = np.zeros(n_runs, dtype=bool)
        self.asked = np.zeros((n_runs, n_parties), dtype=np.int64)
        self.said_yes = np.zeros((n_runs, n_parties), dtype=np.int64)
        self.agreed_round = np.full(n_runs, -1, dtype=np.int64)
        self.day = np.full(n_runs, n_days, dtype=np.int64)
        self.outcome = np.full((n_runs, len(c.issues)), OPEN, dtype=np.int64)
        proto = setup.protocol
        self.text = np.tile(start_text(c, proto.start), (n_runs, 1)) if isinstance(proto, SingleText) else None
        self.memory = [Memory.start(n_runs, space.outcomes, c.sizes, s.model) for s in setup.strategies]
        self.new_day = _days(
            setup, c.parties, n_days, draws.shocks, draws.breakdown, draws.reservation, self.rate, self.cost
        )
        self.on_table = np.full(n_runs, -1, dtype=np.int64)  # stacked: the offer on the table (-1: none yet)
        self.accepted = np.zeros(n_runs, dtype=np.int64)  # stacked: how many in a row have accepted it

    def view(self, p: int, k: int) -> View:
        left = self.n_days - (k // self.setup.protocol.rounds_per_day + 1)  # days after this one to the deadline
        held = _pressed(self.setup.delay, self.draws.reservation[:, p], self.cost[:, p], self.rate[:, p], left)
        u_own, order, memory = self.sorted_u[p], self.order[p], self.memory[p]
        first, last = self.first[:, p], self.last[:, p]
        return View(k / self.n_rounds, held, u_own, order, first, last, self.draws.parties[:, p, k], memory)

    def text_utilities(self, t: Ints) -> Floats:
        total = np.zeros((self.n_runs, self.n_parties))
        for i, table in enumerate(self.stacked):
            total += table[self.trows, :, t[:, i]]
        return total

    def offer_utilities(self, offer: Ints) -> Floats:
        return self.text_utilities(self.space.outcomes[offer]) if self.utilities is None else self.utilities[0, offer]

    def receive(self, p: int, u: Floats, offer: Ints | None, k: int) -> None:
        self.first[:, p] = np.where(self.active & np.isnan(self.first[:, p]), u, self.first[:, p])
        self.last[:, p] = np.where(self.active, u, self.last[:, p])
        self.memory[p].observe(offer, u, k / self.n_rounds, self.active)  # what it learns of the others (offers only)

    def stacked_turn(self, k: int, d: int) -> Bools:
        """One turn of stacked alternating offers (Aydoğan et al., 2017): party ``k mod n`` accepts the offer
        on the table or makes a counter-offer; a deal when every party but the offerer has accepted it in turn."""
        q, strategy, space = k % self.n_parties, self.setup.strategies[k % self.n_parties], self.space
        has = self.on_table >= 0
        shown = np.maximum(self.on_table, 0)
        u = self.offer_utilities(shown)
        if k > 0:  # every run has an offer on the table after the first turn
            self.receive(q, u[:, q], shown, k)
        yes = has & strategy.respond(self.view(q, k), u[:, q], space.crossed[shown, q])
        self.count(q, self.active & has, yes)
        self.accepted[:] = np.where(yes, self.accepted + 1, 0)
        deal: Bools = self.active & yes & (self.accepted == self.n_parties - 1)
        self.outcome[deal] = space.outcomes[shown[deal]]
        counter = strategy.propose(self.view(q, k))
        self.on_table[:] = np.where(yes, self.on_table, counter)
        if self.steps is not None:
            worth = self.text_utilities(space.outcomes[self.on_table])[0] if not yes[0] else u[0]
            answers = tuple(True if p == q and yes[0] else None for p in range(self.n_parties))
            shown_now = _ints(space.outcomes[int(self.on_table[0])])
            self.steps.append(Step(k, d + 1, q, shown_now, _floats(worth), answers, accepts=bool(yes[0])))
        return deal

    def alternating_turn(self, k: int, d: int) -> Bools:
        """One turn of alternating offers: party ``k mod 2`` offers, the other accepts or not."""
        q = k % self.n_parties
        offer = self.setup.strategies[q].propose(self.view(q, k))
        u = self.offer_utilities(offer)
        crosses = self.space.crossed[offer]
        accept = np.ones(self.n_runs, dtype=bool)
        answers: list[bool | None] = []
        for p in range(self.n_parties):
            if p == q:
                answers.append(None)
                continue
            self.receive(p, u[:, p], offer, k)
            yes = self.setup.strategies[p].respond(self.view(p, k), u[:, p], crosses[:, p])
            self.count(p, self.active, yes)
            accept &= yes
            answers.append(bool(yes[0]))
        deal: Bools = self.active & accept
        self.outcome[deal] = self.space.outcomes[offer[deal]]
        if self.steps is not None:
            shown = _ints(self.space.outcomes[offer[0]])
            self.steps.append(Step(k, d + 1, q, shown, _floats(u[0]), tuple(answers)))
        return deal

    def text_turn(self, k: int, d: int) -> Bools:
        """One turn of the mediated single text: every party answers the text, which the mediator then amends."""
        assert self.text is not None
        text = self.text
        u = self.text_utilities(text)
        crosses = self.c.barred(text)  # red lines, or no ratification at home
        accept = np.ones(self.n_runs, dtype=bool)
        answers: list[bool | None] = []
        for p in range(self.n_parties):
            self.receive(p, u[:, p], None, k)
            yes = self.setup.strategies[p].respond(self.view(p, k), u[:, p], crosses[:, p])
            self.count(p, self.active, yes)
            accept &= yes
            answers.append(bool(yes[0]))
        deal: Bools = self.active & accept
        self.outcome[deal] = text[deal]
        if self.steps is not None:
            self.steps.append(Step(k, d + 1, MEDIATOR, _ints(text[0]), _floats(u[0]), tuple(answers)))
        proto = self.setup.protocol
        assert isinstance(proto, SingleText)
        moves = self.draws.protocol[:, k]
        self.text = _amend(self.c, proto, text, u, moves, self.text_utilities, self.active & ~deal, k, self.steps)
        return deal

    def count(self, p: int, asked: Bools, yes: Bools) -> None:
        """Record that party ``p`` was asked to accept, where ``asked``, and said yes, where ``yes`` too."""
        self.asked[:, p] += asked
        self.said_yes[:, p] += asked & yes

    def result(self) -> Runs:
        agreed = self.agreed_round >= 0
        reached = self.text_utilities(np.where(agreed[:, None], self.outcome, 0))
        final_u = np.where(agreed[:, None], reached, self.draws.reservation)
        net = final_u * self.setup.delay.discount ** self.day[:, None] - self.cost
        c = self.c
        answers = (self.asked, self.said_yes)
        return Runs(
            c.parties, agreed, self.agreed_round, self.day, self.outcome, final_u, self.cost, net, self.broken, *answers
        )


def _play(space: Space, setup: Setup, run_seeds: Sequence[np.random.SeedSequence], steps: list[Step] | None) -> Runs:
    c, proto = space.compiled, setup.protocol
    n_days = days_of(proto)
    if len(setup.strategies) != len(c.parties):
        raise ValueError(f"{len(setup.strategies)} strategies for {len(c.parties)} parties {list(c.parties)}")
    if isinstance(proto, AlternatingOffers) and len(c.parties) != 2:
        raise ValueError(f"alternating offers is bilateral; this scenario has {len(c.parties)} parties (use stacked)")
    game = _Game(space, setup, _draw(c, setup, run_seeds, n_days), n_days, steps)
    if isinstance(proto, StackedAlternatingOffers):
        turn = game.stacked_turn
    elif isinstance(proto, AlternatingOffers):
        turn = game.alternating_turn
    else:
        turn = game.text_turn
    next_day = 0  # the first day not begun yet
    for k in range(proto.rounds):
        d = k // proto.rounds_per_day
        if k % proto.rounds_per_day == 0:
            game.new_day(d, game.active, game.agreed_round < 0, game.broken, game.day)
            next_day = d + 1
            if not game.active.any():
                break
        deal = turn(k, d)
        game.agreed_round = np.where(deal, k, game.agreed_round)
        game.active &= ~deal
        if not game.active.any():
            break
    for rest in range(next_day, n_days):  # no deal: the days to the deadline still cost
        game.new_day(rest, game.active, game.agreed_round < 0, game.broken, game.day)
    return game.result()


def _days(
    setup: Setup,
    parties: tuple[str, ...],
    n_days: int,
    shock_u: Floats,
    breakdown_u: Floats,
    reservation: Floats,
    rate: Floats,
    cost: Floats,
) -> Callable[[int, Bools, Bools, Bools, Ints], None]:
    """The start of a day (0-based ``d``), updating the arrays in place: random and dated shocks hit the runs
    without a deal, talks still going may break down, and every run without a deal pays the day's cost."""
    shifts = setup.shocks.shifts(parties) if setup.shocks is not None else np.zeros(len(parties))
    course = setup.course
    hazard = course.daily_hazard(n_days) if course is not None else np.zeros(n_days)
    dated_shift, dated_factor = course.shifts(parties, n_days) if course is not None else (None, None)

    def new_day(d: int, active: Bools, waiting: Bools, broken: Bools, day: Ints) -> None:
        if d >= 1 and setup.shocks is not None:
            hit = waiting & (shock_u[:, d] < setup.shocks.probability)
            reservation[:] = np.where(hit[:, None], np.clip(reservation + shifts, 0.0, 1.0), reservation)
            rate[:] = np.where(hit[:, None], rate * setup.shocks.cost_factor, rate)
        if dated_shift is not None and dated_factor is not None:
            moved = waiting[:, None] & ((dated_shift[d] != 0) | (dated_factor[d] != 1))[None]
            reservation[:] = np.where(moved, np.clip(reservation + dated_shift[d], 0.0, 1.0), reservation)
            rate[:] = np.where(moved, rate * dated_factor[d], rate)
        broke = active & (breakdown_u[:, d] < hazard[d])
        broken |= broke
        active &= ~broke
        cost[:] += np.where(waiting[:, None], rate, 0.0)
        day[:] = np.where(active | broke, d + 1, day)

    return new_day


def _pressed(delay: Delay, reservation: Floats, cost: Floats, rate: Floats, days_left: int) -> Floats:
    """The reservation value a strategy sees: as stated, or less the cost of delay (see :class:`Delay`)."""
    if delay.pressure == "accumulated":
        return np.maximum(reservation - cost, 0.0)
    if delay.pressure == "remaining":
        return np.maximum(reservation - rate * days_left, 0.0)
    return reservation


def _own_views(
    space: Space, setup: Setup, sampled: list[tuple[Floats, ...]]
) -> tuple[Floats | None, list[Floats], list[Ints], tuple[Floats, ...]]:
    """The nominal utilities ``(1, n, parties)`` (``None`` when some party's utilities are perturbed: offers
    are then valued from each run's tables), every party's sorted utilities and their outcomes ``(R or 1, m)``,
    and the per-issue tables ``(R or 1, parties, options)``.

    Without noise on a party's utilities (certain preferences, or only its reservation value uncertain), its
    order is the space's, computed once and shared by every run; only perturbed parties are ordered per run.
    """
    c = space.compiled
    perturbed = setup.uncertainty.perturbed(c) if sampled and setup.uncertainty is not None else ()
    sorted_u: list[Floats] = [np.empty((1, 0))] * len(c.parties)
    order: list[Ints] = [np.empty((1, 0), dtype=np.int64)] * len(c.parties)
    for p in range(len(c.parties)):
        if p not in perturbed:  # the shared order, computed once per space
            sorted_u[p], order[p] = space.orders[p]
    if not sampled:
        return np.asarray(space.utilities)[None], sorted_u, order, tuple(t[None] for t in c.tables)
    keep = [p for p in range(len(c.parties)) if p not in perturbed]
    stacked = tuple(np.stack([t[i] for t in sampled]) for i in range(len(c.issues)))  # (R, P, options)
    for i, table in enumerate(stacked):  # certain parties keep their tables exactly
        table[:, keep] = c.tables[i][keep]
    for p in perturbed:
        rows = [noisy_order(space, own_utilities(space, tables, p), p) for tables in sampled]
        sorted_u[p] = np.stack([s for s, _ in rows]) if len(rows) > 1 else rows[0][0][None]
        order[p] = np.stack([o for _, o in rows]) if len(rows) > 1 else rows[0][1][None]
    return (None if perturbed else np.asarray(space.utilities)[None]), sorted_u, order, stacked


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
    votes = (cu >= u) & ~c.barred(candidate)
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
