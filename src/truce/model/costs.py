"""How far a daily cost of delay may be multiplied before the costs summed over the talks pass any number a float
holds: one bound, which the command line's random escalations and a scenario's dated shocks are both held to
(a cost of inf is printed as Infinity in JSON, which is not JSON)."""

from __future__ import annotations

import math
import sys


def cost_room(cost: float, days: int) -> float:
    """The natural log of the largest factor, in all, that a daily cost ``cost`` (> 0) may be multiplied by and
    still sum over ``days`` days to a finite total, less a margin of e for the sums the runs take of it."""
    return math.log(sys.float_info.max) - 1 - math.log(cost) - math.log(days)


def round_down(value: float) -> float:
    """``value`` (> 0) cut to four significant figures, never up: a largest allowed factor said in a message is
    then one that is allowed."""
    scale = 10.0 ** (math.floor(math.log10(value)) - 3)
    return math.floor(value / scale) * scale
