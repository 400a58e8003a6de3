"""Random scenarios, for tests and benchmarks.

Every issue is categorical; ids are ``i0, i1, ...`` for issues, ``o0, o1, ...`` for the options of each
issue and ``p0, p1, ...`` for parties. Each party gets a random positive weight per issue and a value in
[0, 1] per option, drawn from the generator given, so the same seed always gives the same scenario.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from truce.model.scenario import (
    Constituent,
    Issue,
    IssueKind,
    Option,
    Party,
    Preferences,
    Ratification,
    RatificationRule,
    RedLine,
    Scenario,
)


def random_scenario(
    rng: np.random.Generator,
    parties: int,
    sizes: Sequence[int],
    *,
    red_lines: bool = False,
    reservation: float | tuple[float, ...] = 0.0,
    levels: int | None = None,
) -> Scenario:
    """A valid random scenario with ``parties`` parties and one categorical issue per entry of ``sizes``.

    With ``red_lines`` every party gets a one-issue red line (one option of a random issue) and, when
    there are two issues or more, a red line coupling two issues (one option of each). ``reservation``
    is one value for every party or one per party. ``levels`` draws values from ``levels + 1`` evenly
    spaced points of [0, 1] instead of uniformly (many ties), and weights from the integers 1..``levels``.
    """
    if parties < 1:
        raise ValueError("need at least one party")
    if not sizes or any(n < 2 for n in sizes):
        raise ValueError("need at least one issue, each with at least two options")
    reserve = _reservations(reservation, parties)
    issues = tuple(
        Issue(
            id=f"i{i}",
            name=f"issue {i}",
            kind=IssueKind.categorical,
            options=tuple(Option(id=f"o{k}", label=f"option {k}") for k in range(n)),
        )
        for i, n in enumerate(sizes)
    )
    # Parties are drawn one after another from the one generator: the same seed gives the same scenario.
    preferences = {
        f"p{p}": _random_preferences(rng, sizes, reserve[p], red_lines=red_lines, levels=levels) for p in range(parties)
    }
    return Scenario(
        id="random",
        title=f"random scenario: {parties} parties, {len(sizes)} issues",
        parties=tuple(Party(id=f"p{p}", name=f"party {p}") for p in range(parties)),
        issues=issues,
        preferences=preferences,
    )


def _reservations(reservation: float | tuple[float, ...], parties: int) -> tuple[float, ...]:
    """One reservation value per party, from one for all or one each."""
    if isinstance(reservation, tuple):
        if len(reservation) != parties:
            raise ValueError(f"{len(reservation)} reservation values for {parties} parties")
        return tuple(float(r) for r in reservation)
    return (float(reservation),) * parties


def _random_preferences(
    rng: np.random.Generator, sizes: Sequence[int], reservation: float, *, red_lines: bool, levels: int | None
) -> Preferences:
    """One party's preferences, drawn in a fixed order: weights, then values issue by issue, then red lines."""
    if levels is None:
        weights = rng.uniform(0.05, 1.0, len(sizes))
    else:
        weights = rng.integers(1, levels + 1, len(sizes)).astype(float)
    values: dict[str, dict[str, float]] = {}
    for i, n in enumerate(sizes):
        row = rng.random(n) if levels is None else rng.integers(0, levels + 1, n) / levels
        values[f"i{i}"] = {f"o{k}": float(v) for k, v in enumerate(row)}
    return Preferences(
        assumption=True,
        basis="randomly generated",
        weights={f"i{i}": float(w) for i, w in enumerate(weights)},
        values=values,
        reservation=reservation,
        red_lines=_random_red_lines(rng, sizes) if red_lines else (),
    )


def _random_red_lines(rng: np.random.Generator, sizes: Sequence[int]) -> tuple[RedLine, ...]:
    """A one-issue red line and, with two issues or more, one coupling two issues (one option of each)."""
    i = int(rng.integers(len(sizes)))
    lines = [RedLine(terms={f"i{i}": f"o{int(rng.integers(sizes[i]))}"})]
    if len(sizes) >= 2:
        a, b = (int(x) for x in rng.choice(len(sizes), 2, replace=False))
        lines.append(
            RedLine(terms={f"i{a}": f"o{int(rng.integers(sizes[a]))}", f"i{b}": f"o{int(rng.integers(sizes[b]))}"})
        )
    return tuple(lines)


def with_constituents(
    rng: np.random.Generator,
    scenario: Scenario,
    *,
    members: int = 3,
    reservation: float = 0.4,
    rule: RatificationRule | None = None,
    exact: bool = False,
) -> Scenario:
    """``scenario`` with a random ratification rule on every party: 1 to ``members`` constituents, each
    with random weights and values and a reservation value up to ``reservation``, or (one time in four) a
    single red line only; the rule is drawn from veto, majority and a weighted vote at a random threshold,
    unless ``rule`` is given. With ``exact`` every party gets exactly ``members`` constituents."""
    preferences: dict[str, Preferences] = {}
    sizes = [len(issue.options) for issue in scenario.issues]
    for pid, prefs in scenario.preferences.items():
        constituents = []
        for k in range(members if exact else int(rng.integers(1, members + 1))):
            i = int(rng.integers(len(sizes)))
            line = RedLine(terms={f"i{i}": f"o{int(rng.integers(sizes[i]))}"})
            if rng.random() < 0.25:
                constituents.append(
                    Constituent(id=f"c{k}", name=f"constituent {k}", assumption=True, red_lines=(line,))
                )
                continue
            constituents.append(
                Constituent(
                    id=f"c{k}",
                    name=f"constituent {k}",
                    votes=float(rng.integers(1, 4)),
                    assumption=True,
                    weights={f"i{i}": float(w) for i, w in enumerate(rng.uniform(0.05, 1.0, len(sizes)))},
                    values={
                        f"i{i}": {f"o{j}": float(v) for j, v in enumerate(rng.random(n))} for i, n in enumerate(sizes)
                    },
                    reservation=float(rng.uniform(0.0, reservation)),
                    red_lines=(line,) if rng.random() < 0.3 else (),
                )
            )
        chosen = rule or RatificationRule(str(rng.choice([r.value for r in RatificationRule])))
        threshold = float(rng.choice([0.5, 0.6, 2 / 3, 1.0])) if chosen is RatificationRule.weighted else None
        ratification = Ratification(rule=chosen, threshold=threshold, constituents=tuple(constituents))
        preferences[pid] = prefs.model_copy(update={"ratification": ratification})
    return scenario.model_copy(update={"preferences": preferences})
