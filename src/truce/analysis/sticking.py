"""Sticking points: the issues that keep the parties apart, weighted by how much each side cares.

An issue's *tension* is the least total loss that any single option of it imposes on the parties:
``min over options o of sum over parties p of (ideal_p,i - value_p,i(o))``, on the parties' own
normalised weights. It is zero when the parties want the same option (or one of them does not care),
and largest when both care a lot and want opposite things. Red lines count: an option that crosses a
one-issue red line of a party costs that party its whole weight on the issue, so an issue where the
only options one side accepts are the other side's red lines rises to the top.

A party that gives an issue no weight stated no position on it: it has no preferred option (``None``) and
no loss at the least-loss option (``None``, not 0), and where it is silent while another party is not,
the point's ``note`` says that the least-loss option follows those who spoke, so a low tension there is
not read as the silent party giving way. Where no party states a position there is no least-loss option.
A least-loss option that no proposal (or reading of one) holds is flagged ``untabled``, in talks that have
proposals: it is the arithmetic's suggestion, not a term anyone put on the table.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from truce.analysis.standing import stated
from truce.analysis.tabled import tabled_terms
from truce.model.compiled import Compiled, Floats
from truce.model.scenario import Issue, Term


@dataclass(frozen=True)
class StickingPoint:
    issue: str
    tension: float  # least total loss any one option imposes on the parties
    preferred: dict[str, Term | None]  # each party's best option on this issue; None: no stated position
    compromise: Term | None  # the option attaining the least total loss; None when no party states a position
    losses: dict[str, float | None]  # each party's loss at that compromise; None for a silent party
    silent: tuple[str, ...] = ()  # parties with no stated position on this issue
    note: str | None = None  # what the silence means for this point, in words
    untabled: bool = False  # the compromise is a term no proposal or reading holds (talks with proposals)

    def compromise_text(self, issue: Issue) -> str:
        """The least-loss option in words, flagged when nobody tabled it."""
        if self.compromise is None:
            return "none: no party states a position"
        text = issue.label(self.compromise)
        return f"{text} (not tabled by anyone)" if self.untabled else text


def sticking_points(c: Compiled, parties: Sequence[int] | None = None) -> list[StickingPoint]:
    """Every issue, most contested first (ties by issue order)."""
    chosen = list(range(len(c.parties))) if parties is None else list(parties)
    tabled = tabled_terms(c.scenario)
    points: list[StickingPoint] = []
    for i, issue_id in enumerate(c.issues):
        loss = _losses(c, i, chosen)  # (parties, options)
        total = loss.sum(axis=0)
        best = int(np.argmin(total))
        # Each party's best option is the one it loses least on (red-lined options never are); a party
        # that gives the issue no weight has none, whatever argmin would pick among its equal losses.
        silent = tuple(c.parties[p] for p in chosen if not stated(c, p, i))
        preferred = {
            c.parties[p]: None if c.parties[p] in silent else c.options[i][int(np.argmin(loss[row]))]
            for row, p in enumerate(chosen)
        }
        spoken = len(silent) < len(chosen)
        compromise = c.options[i][best] if spoken else None
        points.append(
            StickingPoint(
                issue=issue_id,
                tension=float(total[best]),
                preferred=preferred,
                compromise=compromise,
                losses={
                    c.parties[p]: None if c.parties[p] in silent else float(loss[row, best])
                    for row, p in enumerate(chosen)
                },
                silent=silent,
                untabled=compromise is not None and tabled.flagged(issue_id, compromise),
                note=_silence_note(
                    silent,
                    [c.parties[p] for p in chosen if c.parties[p] not in silent],
                    [c.parties[p] for p in chosen if c.parties[p] in silent and not c.allowed[i][p].all()],
                ),
            )
        )
    order = sorted(range(len(points)), key=lambda k: (-round(points[k].tension, 12), k))
    return [points[k] for k in order]


def _silence_note(silent: Sequence[str], speaking: Sequence[str], lined: Sequence[str]) -> str | None:
    """Why a low tension here is not a concession: ``lined`` are the silent parties with a red line on it."""
    if not silent:
        return None
    who = ", ".join(silent)
    if not speaking:
        return f"no stated position from {who}: the tension counts red lines only"
    within = f" (within the red lines of {', '.join(lined)})" if lined else ""
    return (
        f"no stated position from {who}: the least-loss option follows {', '.join(speaking)} alone{within}; "
        f"it is not a term {who} conceded or accepted"
    )


def _losses(c: Compiled, i: int, parties: Sequence[int]) -> Floats:
    out = np.empty((len(parties), len(c.options[i])))
    for row, p in enumerate(parties):
        values = c.tables[i][p]
        ideal = values[c.allowed[i][p]].max() if c.allowed[i][p].any() else values.max()
        loss = ideal - values
        # Crossing a red line costs the party all it puts on this issue: the weight, or, for a
        # party that gave the issue no weight, a full unit, since a red line is never indifferent.
        weight = float(values.max()) if values.max() > 0 else 1.0
        out[row] = np.where(c.allowed[i][p], loss, max(weight, float(loss.max())))
    return out
