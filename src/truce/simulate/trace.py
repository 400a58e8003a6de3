"""Negotiations as readable text: what each side tabled, what it was worth to each, who accepted."""

from __future__ import annotations

from truce.model.compiled import Compiled
from truce.simulate.engine import MEDIATOR, Negotiation, Setup
from truce.simulate.protocol import SingleText


def format_trace(c: Compiled, setup: Setup, negotiation: Negotiation, *, seed: int | None = None) -> str:
    """The negotiation step by step, then its result; utilities to 4 decimals."""
    parties = c.parties
    proto = setup.protocol
    lines = [
        f"scenario: {c.scenario.id}",
        f"protocol: {proto.name}, {proto.rounds} rounds, {proto.rounds_per_day} a day"
        + (f", {proto.mediator} mediator" if isinstance(proto, SingleText) else ""),
        "strategies: " + ", ".join(f"{p} {s.label}" for p, s in zip(parties, setup.strategies, strict=True)),
    ]
    if seed is not None:
        lines.append(f"seed: {seed}")
    lines.append("")
    for step in negotiation.steps:
        worth = " ".join(f"{p}={u:.4f}" for p, u in zip(parties, step.utilities, strict=True))
        terms = _terms(c, step.outcome)
        head = f"r{step.round:03d} d{step.day:02d}"
        if step.accepts:
            lines.append(f"{head} {parties[step.by]} accepts {terms} [{worth}]")
        elif step.by == MEDIATOR and step.adopted is None:
            answers = _answers(parties, step.responses, "accepts", "rejects")
            lines.append(f"{head} text {terms} [{worth}] {answers}")
        elif step.by == MEDIATOR:
            votes = _answers(parties, step.responses, "for", "against")
            verdict = "adopted" if step.adopted else "dropped"
            lines.append(f"{head} mediator proposes {terms} [{worth}] {votes} -> {verdict}")
        else:
            answers = _answers(parties, step.responses, "accepts", "rejects")
            lines.append(f"{head} {parties[step.by]} offers {terms} [{worth}] {answers}".rstrip())
    r = negotiation.result
    lines.append("")
    if r.agreed[0]:
        terms = _terms(c, tuple(int(k) for k in r.outcome[0]))
        lines.append(f"agreement in round {int(r.round[0])} (day {int(r.day[0])}): {terms}")
    elif r.broken[0]:
        lines.append(f"the talks broke down on day {int(r.day[0])}")
    else:
        lines.append(f"no agreement by the deadline (day {int(r.day[0])})")
    for p, party in enumerate(parties):
        lines.append(
            f"  {party}: utility {r.utility[0, p]:.4f}, cost of delay {r.cost[0, p]:.4f}, net {r.net[0, p]:.4f}"
        )
    return "\n".join(lines) + "\n"


def _terms(c: Compiled, outcome: tuple[int, ...]) -> str:
    decoded = c.decode(outcome)
    return "{" + ", ".join(f"{issue}: {term}" for issue, term in decoded.items()) + "}"


def _answers(parties: tuple[str, ...], responses: tuple[bool | None, ...], yes: str, no: str) -> str:
    return " ".join(f"{p} {yes if a else no}" for p, a in zip(parties, responses, strict=True) if a is not None)
