"""Hand-written scenarios in the file format, for tests whose expected answers are worked out by hand: a
builder for issues, and the East-West case (a corridor and a crossing) that the bridging and the
ratification tests both build on. Every call returns fresh data, so a test may change what it gets."""

from __future__ import annotations

from typing import Any

Data = dict[str, Any]


def issue(issue_id: str, name: str, kind: str, options: dict[str, str], **extra: Any) -> Data:
    """An issue as a scenario file holds it; ``options`` maps each option's id to its label, in order."""
    return {
        "id": issue_id,
        "name": name,
        "kind": kind,
        **extra,
        "options": [{"id": option, "label": label} for option, label in options.items()],
    }


def east_west_sides() -> list[Data]:
    return [{"id": "east", "name": "East"}, {"id": "west", "name": "West"}]


def corridor_and_crossing() -> list[Data]:
    """The corridor (troops remain, phased withdrawal, full withdrawal: ordered) and the crossing (closed, open)."""
    return [
        issue(
            "corridor",
            "Corridor",
            "ordinal",
            {"stay": "troops remain", "phased": "phased withdrawal", "out": "full withdrawal"},
        ),
        issue("crossing", "Crossing", "categorical", {"closed": "closed", "open": "open"}),
    ]


def east_west_preferences(*, west_reservation: float = 0.4) -> dict[str, Data]:
    """East weighs the corridor three to one against the crossing and wants the troops to stay and the
    crossing closed (reservation 0.4); West weighs both alike and wants the opposite (phased withdrawal
    0.7). Both are assumptions."""
    return {
        "east": {
            "assumption": True,
            "weights": {"corridor": 3, "crossing": 1},
            "values": {"corridor": {"stay": 1, "phased": 0.6, "out": 0}, "crossing": {"closed": 1, "open": 0}},
            "reservation": 0.4,
        },
        "west": {
            "assumption": True,
            "weights": {"corridor": 2, "crossing": 2},
            "values": {"corridor": {"stay": 0, "phased": 0.7, "out": 1}, "crossing": {"closed": 0, "open": 1}},
            "reservation": west_reservation,
        },
    }
