"""Negotiations as readable text: what each side tabled, what it was worth to each, who accepted."""

from __future__ import annotations

import numpy as np

from truce.model.compiled import OPEN, Compiled
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
    if isinstance(proto, SingleText) and proto.start is None:  # every term of the first text is the mediator's
        lines.append(
            "no text is on the table: the mediator writes the first one (the package valued most in sum that "
            "crosses no red line and breaks no package rule); its terms are the mediator's"
        )
    elif isinstance(proto, SingleText) and proto.start is not None:
        filled = [c.issues[i] for i, k in enumerate(proto.start) if k == OPEN]
        if filled:
            lines.append(
                f"the text on the table leaves open {', '.join(filled)}: the mediator fills them (the completion "
                "valued most in sum that crosses no red line and breaks no package rule); those terms are "
                "the mediator's, not the text's"
            )
    lines.append("")
    for step in negotiation.steps:
        worth = " ".join(f"{p}={u:.4f}" for p, u in zip(parties, step.utilities, strict=True))
        terms = _terms(c, step.outcome)
        head = f"r{step.round:03d} d{step.day:02d}"
        if step.accepts:
            lines.append(f"{head} {parties[step.by]} accepts {terms} [{worth}]")
        elif step.by == MEDIATOR and step.adopted is None:
            answers = _answers(parties, step.responses, "accepts", "rejects", _barred(c, step.outcome))
            lines.append(f"{head} text {terms} [{worth}] {answers}")
        elif step.by == MEDIATOR:
            votes = _answers(parties, step.responses, "for", "against")
            verdict = "adopted" if step.adopted else "dropped"
            lines.append(f"{head} mediator proposes {terms} [{worth}] {votes} -> {verdict}")
        else:
            answers = _answers(parties, step.responses, "accepts", "rejects", _barred(c, step.outcome))
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


def _answers(
    parties: tuple[str, ...], responses: tuple[bool | None, ...], yes: str, no: str, why: tuple[str, ...] = ()
) -> str:
    """Each party's answer; a rejection says why when the terms are barred to it (``why``, by party)."""
    return " ".join(
        f"{p} {yes if a else no}" + (f" ({why[k]})" if not a and why and why[k] else "")
        for k, (p, a) in enumerate(zip(parties, responses, strict=True))
        if a is not None
    )


def _barred(c: Compiled, outcome: tuple[int, ...]) -> tuple[str, ...]:
    """Per party, why it cannot take ``outcome`` whatever its worth ('' when it can): the package rules the
    terms break, its own red line, or its constituents' refusal. A rejection with no reason given is the
    strategy's: the terms are worth less than it asks for that day."""
    row = np.asarray([outcome], dtype=np.int64)
    rules = [rule.id for rule, hit in zip(c.rules, c.broken(row)[0], strict=True) if hit]
    crossed, ratified = c.crossed(row)[0], c.ratified(row)[0]
    out = []
    for p in range(len(c.parties)):
        if rules:
            out.append("breaks package rule " + ", ".join(rules))
        elif crossed[p]:
            out.append("crosses its red line")
        elif not ratified[p]:
            out.append("not ratified at home")
        else:
            out.append("")
    return tuple(out)
