"""What surrounds the talks: the cost of each day of delay, random shocks, and how unsure we are of preferences."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from truce.model.compiled import Compiled, Floats
from truce.model.scenario import DEFAULT_DEADLINE_DAYS, Scenario


@dataclass(frozen=True)
class Delay:
    """How delay is counted, and whether strategies feel it.

    Each party loses its ``cost_of_delay`` (from the scenario, utility per day) for every day without a deal,
    the day of agreement included (without a deal, every day to the deadline, whether the talks broke down or
    ran out of time); with ``discount`` < 1 the utility of a deal on day ``d`` is also multiplied by
    ``discount ** d``. ``costs=False`` ignores the scenario's costs.

    ``pressure`` is what the strategies see of the cost: ``none`` (their reservation value as stated),
    ``accumulated`` (their reservation value less the cost already suffered: the longer the talks, the less
    a party holds out for; a "hurting stalemate", I. W. Zartman, Ripe for Resolution, 1985), or
    ``remaining`` (less the cost of the days still to run to the deadline: a deal today saves them, so a
    party takes less early on). The engine hands each strategy that reservation value (never below 0), so
    every strategy uses it both in what it offers and in what it accepts.
    """

    discount: float = 1.0
    costs: bool = True
    pressure: Literal["none", "accumulated", "remaining"] = "none"

    def __post_init__(self) -> None:
        if not 0 < self.discount <= 1:
            raise ValueError("discount must be in (0, 1]")
        if self.pressure not in PRESSURES:
            raise ValueError(f"pressure must be one of {', '.join(PRESSURES)}, not {self.pressure!r}")


PRESSURES = ("none", "accumulated", "remaining")


@dataclass(frozen=True)
class Risk:
    """From ``day`` (1-based) for ``days`` days (``None``: to the deadline), talks break down with an added
    chance ``hazard`` a day."""

    day: int
    hazard: float
    days: int | None = None
    label: str = ""


@dataclass(frozen=True)
class DatedShock:
    """At the start of ``day``, each named party's reservation value moves by ``reservation[party]`` (clipped
    to [0, 1]) and its daily cost of delay is multiplied by ``cost_factor[party]``."""

    day: int
    reservation: Mapping[str, float] = field(default_factory=dict)
    cost_factor: Mapping[str, float] = field(default_factory=dict)
    label: str = ""


@dataclass(frozen=True)
class Course:
    """What may end or change the talks before the deadline: a breakdown ``hazard`` a day, dated ``risks``
    adding to it, and dated ``shocks`` to preferences (from the scenario's ``course:``).

    Each day, before its rounds, talks still going break down with that day's chance ``1 - (1 - h) * prod
    (1 - h_risk)`` over the risks in force; a run that breaks down ends without a deal.
    """

    hazard: float = 0.0
    risks: tuple[Risk, ...] = ()
    shocks: tuple[DatedShock, ...] = ()

    def __post_init__(self) -> None:
        if not all(0 <= h <= 1 for h in (self.hazard, *(r.hazard for r in self.risks))):
            raise ValueError("a breakdown hazard is a chance per day, in [0, 1]")

    def daily_hazard(self, days: int) -> Floats:
        """The chance of a breakdown on each day ``1..days``."""
        survive = np.full(days, 1.0 - self.hazard)
        for risk in self.risks:
            stop = days if risk.days is None else min(days, risk.day - 1 + risk.days)
            survive[max(risk.day - 1, 0) : stop] *= 1.0 - risk.hazard
        return 1.0 - survive

    def shifts(self, parties: tuple[str, ...], days: int) -> tuple[Floats, Floats]:
        """Per day ``(days, parties)``: the reservation shift and the cost factor applied at its start."""
        shift, factor = np.zeros((days, len(parties))), np.ones((days, len(parties)))
        for shock in self.shocks:
            unknown = (set(shock.reservation) | set(shock.cost_factor)) - set(parties)
            if unknown:
                raise ValueError(f"a shock names unknown parties: {sorted(unknown)}")
            if 1 <= shock.day <= days:
                for p, party in enumerate(parties):
                    shift[shock.day - 1, p] += shock.reservation.get(party, 0.0)
                    factor[shock.day - 1, p] *= shock.cost_factor.get(party, 1.0)
        return shift, factor


@dataclass(frozen=True)
class Shocks:
    """Random escalations: each day after the first, with ``probability``, an escalation moves every party's
    reservation value by ``reservation_shift`` (one number, or one per party by id; clipped to [0, 1]) and
    multiplies its daily cost of delay by ``cost_factor``."""

    probability: float = 0.0
    reservation_shift: float | Mapping[str, float] = 0.0
    cost_factor: float = 1.0

    def __post_init__(self) -> None:
        if not 0 <= self.probability <= 1:
            raise ValueError("shock probability must be in [0, 1]")
        if self.cost_factor < 0:
            raise ValueError("cost_factor must be >= 0")

    def shifts(self, parties: tuple[str, ...]) -> Floats:
        if isinstance(self.reservation_shift, Mapping):
            unknown = set(self.reservation_shift) - set(parties)
            if unknown:
                raise ValueError(f"reservation_shift names unknown parties: {sorted(unknown)}")
            return np.array([float(self.reservation_shift.get(p, 0.0)) for p in parties])
        return np.full(len(parties), float(self.reservation_shift))


Scale = float | Mapping[str, float]  # one number for every issue, or one per issue id (others: 0)


@dataclass(frozen=True)
class PartyUncertainty:
    """How unsure we are of one party's preferences: noise on its weights and option values (one number, or one
    per issue), a range for its reservation value, and why (``basis``)."""

    weights: Scale = 0.0
    values: Scale = 0.0
    reservation: tuple[float, float] | None = None
    basis: str = ""

    def __post_init__(self) -> None:
        scales = [self.weights, self.values]
        numbers = [x for s in scales for x in (s.values() if isinstance(s, Mapping) else (s,))]
        if any(x < 0 for x in numbers):
            raise ValueError("noise must be >= 0")
        if self.reservation is not None and not 0 <= self.reservation[0] <= self.reservation[1] <= 1:
            raise ValueError("a reservation range must satisfy 0 <= low <= high <= 1")

    def changes_utilities(self) -> bool:
        return any(x > 0 for s in (self.weights, self.values) for x in (s.values() if isinstance(s, Mapping) else (s,)))


@dataclass(frozen=True)
class Uncertainty:
    """A perturbation model of the stated preferences, sampled afresh for every run.

    Each party's issue weights are multiplied by ``exp(weight_noise * z)`` (``z`` standard normal) and
    renormalised; each option value gets ``value_noise * z`` added and is clipped to [0, 1]; a party named in
    ``reservation_range`` draws its reservation value uniformly from ``(low, high)``. Red lines are certain.
    ``parties`` gives one party's own model (from the scenario's ``preferences.<party>.uncertainty``), which
    adds to the noise given for all and replaces its reservation range.
    """

    weight_noise: float = 0.0
    value_noise: float = 0.0
    reservation_range: Mapping[str, tuple[float, float]] = field(default_factory=dict)
    parties: Mapping[str, PartyUncertainty] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.weight_noise < 0 or self.value_noise < 0:
            raise ValueError("noise must be >= 0")
        for party, (low, high) in self.reservation_range.items():
            if not 0 <= low <= high <= 1:
                raise ValueError(f"reservation range of {party!r} must satisfy 0 <= low <= high <= 1")

    def scales(self, c: Compiled) -> tuple[Floats, Floats]:
        """Noise on weights and on values, ``(parties, issues)`` each."""
        shape = (len(c.parties), len(c.issues))
        w, v = np.full(shape, self.weight_noise), np.full(shape, self.value_noise)
        for p, party in enumerate(c.parties):
            own = self.parties.get(party)
            if own is not None:
                w[p] += _per_issue(own.weights, c.issues)
                v[p] += _per_issue(own.values, c.issues)
        return w, v

    def perturbed(self, c: Compiled) -> tuple[int, ...]:
        """The parties whose utilities change from run to run (not only their reservation value)."""
        w, v = self.scales(c)
        return tuple(int(p) for p in np.flatnonzero((w > 0).any(axis=1) | (v > 0).any(axis=1)))

    def of_party(self, c: Compiled, p: int) -> tuple[Scale, Scale, tuple[float, float] | None]:
        """Party ``p``'s uncertainty as the runs draw it: the noise for all plus its own, on weights and on values
        (one number when it is the same on every issue, else per issue), and its reservation range."""
        w, v = self.scales(c)
        return _scale_of(w[p], c.issues), _scale_of(v[p], c.issues), self.ranges(c.parties).get(c.parties[p])

    def ranges(self, parties: tuple[str, ...]) -> dict[str, tuple[float, float]]:
        out = dict(self.reservation_range)
        out.update({p: u.reservation for p, u in self.parties.items() if u.reservation is not None})
        unknown = set(out) - set(parties)
        if unknown:
            raise ValueError(f"uncertainty names unknown parties: {sorted(unknown)}")
        return out

    def sample(self, c: Compiled, rng: np.random.Generator) -> tuple[tuple[Floats, ...], Floats]:
        """Perturbed tables (per issue ``(parties, options)``) and reservation values ``(parties,)``."""
        weights, values = nominal(c)
        w_scale, v_scale = self.scales(c)
        w = weights * np.exp(w_scale * rng.standard_normal(weights.shape))
        w = w / w.sum(axis=1, keepdims=True)
        tables = tuple(
            w[:, i : i + 1] * np.clip(v + v_scale[:, i : i + 1] * rng.standard_normal(v.shape), 0.0, 1.0)
            for i, v in enumerate(values)
        )
        draws = rng.random(len(c.parties))
        reservation = np.array(c.reservation, dtype=float)
        ranges = self.ranges(c.parties)
        for p, party in enumerate(c.parties):
            if party in ranges:
                low, high = ranges[party]
                reservation[p] = low + (high - low) * draws[p]
        return tables, reservation


def _scale_of(row: Floats, issues: tuple[str, ...]) -> Scale:
    """A row of noise per issue as a scenario file writes it (rounded as the JSON output rounds)."""
    if np.allclose(row, row[0], rtol=0.0, atol=1e-12):
        return round(float(row[0]), 6)
    return {i: round(float(x), 6) for i, x in zip(issues, row, strict=True) if x > 0}


def _per_issue(scale: Scale, issues: tuple[str, ...]) -> Floats:
    if isinstance(scale, Mapping):
        return np.array([float(scale.get(i, 0.0)) for i in issues])
    return np.full(len(issues), float(scale))


def nominal(c: Compiled) -> tuple[Floats, tuple[Floats, ...]]:
    """Normalised weights ``(parties, issues)`` and values per issue ``(parties, options)`` behind ``c.tables``."""
    weights = np.zeros((len(c.parties), len(c.issues)))
    for p, party in enumerate(c.parties):
        prefs = c.scenario.preferences[party]
        total = sum(prefs.weights.values())
        for i, issue in enumerate(c.issues):
            weights[p, i] = prefs.weights.get(issue, 0.0) / total
    values = tuple(
        np.divide(table, weights[:, i : i + 1], out=np.zeros_like(table), where=weights[:, i : i + 1] > 0)
        for i, table in enumerate(c.tables)
    )
    return weights, values


def course_of(scenario: Scenario) -> Course | None:
    """The scenario's ``course:`` as the engine takes it (dates become days of the talks), or ``None``."""
    given = scenario.course
    if given is None:
        return None
    risks = tuple(Risk(given.day_of(r.date), r.hazard, r.days, r.title) for r in given.risks if given.start is not None)
    shocks = tuple(
        DatedShock(given.day_of(x.date), dict(x.reservation), dict(x.cost_of_delay), x.title)
        for x in given.shocks
        if given.start is not None
    )
    return Course(given.hazard.per_day if given.hazard is not None else 0.0, risks, shocks)


def deadline_days(scenario: Scenario) -> int:
    """The negotiating deadline in days: the scenario's ``course.deadline_days``, else the default (100)."""
    return scenario.course.deadline_days if scenario.course is not None else DEFAULT_DEADLINE_DAYS


def uncertainty_of(scenario: Scenario, parties: tuple[str, ...]) -> dict[str, PartyUncertainty]:
    """Each bargaining party's ``preferences.<party>.uncertainty`` from the scenario file."""
    out: dict[str, PartyUncertainty] = {}
    for party in parties:
        given = scenario.preferences[party].uncertainty if party in scenario.preferences else None
        if given is not None:
            out[party] = PartyUncertainty(
                dict(given.weights) if isinstance(given.weights, dict) else given.weights,
                dict(given.values) if isinstance(given.values, dict) else given.values,
                given.reservation,
                given.basis,
            )
    return out
