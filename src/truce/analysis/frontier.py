"""The exact Pareto frontier of a compiled scenario.

An outcome is *feasible* when it crosses no red line of the parties considered, and *efficient* when no
feasible outcome gives every party at least as much and one party more. The frontier is the set of
efficient outcomes.

Algorithms, chosen automatically:

- **Issue-by-issue merge** (Nemhauser & Ullmann 1969, generalised to any number of parties). Utilities are
  additive, so an efficient outcome's assignment of the first ``t`` issues is efficient among all
  assignments of those issues (replace it by one that dominates it and the whole outcome is dominated).
  The frontier is therefore built issue by issue: every surviving partial assignment is extended by every
  allowed option of the next issue and the dominated extensions are pruned, vectorised with numpy; the
  outcome space is never enumerated. Each layer keeps back-pointers, from which outcomes are recovered.
  Red lines over several issues (couplings) break the argument only while a coupling is half decided, so
  a partial assignment carries the set of couplings it is still on course to cross, and two partial
  assignments are compared only when those sets are equal (their completions are then feasible alike).
  Two parties are pruned with one sort and a running maximum; three or more with the k-d tree filter of
  :mod:`truce.analysis.dominance`.
- **Enumeration** of every outcome, for spaces of at most :data:`ENUMERATE_MAX` outcomes, where it is as
  fast and needs no bookkeeping.
- **By pieces**, when a selected party must be ratified at home (:func:`by_pieces`): the merge above per
  winning coalition of constituents, their thresholds as constraints, and the pieces merged.

With ratification rules, *feasible* also means ratifiable: an outcome a party's home would not ratify is
one it cannot sign, as one crossing its red line.

Bounded work. With three or more parties the efficient partial assignments can number millions (four parties
over twenty ten-option issues). Once a layer keeps more than its next issue can extend within
:data:`MAX_CANDIDATES` rows, the merge *thins* it: utilities are rounded down to a grid of step ``delta`` and
one assignment is kept per grid cell that no other cell dominates, ``delta`` doubling from :data:`THIN_START`
until few enough remain; the following layers are pruned on that grid. Every outcome the exact frontier holds
is then within ``precision`` (the sum of the steps used, in every party's utility) of an outcome listed, and
no listed outcome is dominated by more than that (:attr:`Frontier.precision`, 0 when exact); within the zone
of agreement, a listed outcome may fall short of a reservation value (or a constituent's threshold) by as
much. Memory stays bounded by :data:`MAX_CANDIDATES` rows a layer. Time stays bounded too: with three or
more parties each layer's filter counts the pairs of rows it compares (:class:`truce.analysis.dominance.Work`),
and the layers share a budget of pairs between them (:data:`MAX_PAIRS` unless the caller sets ``pairs``;
:func:`layer_cap`), so that thirty issues take about as long as ten, on a coarser grid (a larger precision
stated); the ways to ratify (:func:`by_pieces`) share it as well. The limits count rows and pairs, not
seconds: the answer depends on the space and the budget alone, never on the machine. :data:`PAIRS_A_SECOND`
is the nominal pace a budget given in seconds is counted at.

Ties. Utilities are compared as integers ``rint(u * 1e12)``: values within 1e-12 of each other are one
value, so ties are exact despite the order in which floats were added. Outcomes with the same utility
vector keep one representative: the lexicographically smallest vector of option indices. Rows are sorted
by the first party's utility descending, then the next party's, and so on.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from truce.analysis.dominance import Work, dominated
from truce.errors import InputError, Problem
from truce.model.compiled import TOLERANCE, Bools, Compiled, Coupling, Floats, Ints

ENUMERATE_MAX = 1 << 12  # spaces up to this many outcomes are enumerated
MAX_PIECES = 512  # ways to ratify (one frontier each) merged at most
SCALE = 1e12  # utilities are compared as integers rint(u * SCALE), i.e. rounded to 1e-12
MAX_CANDIDATES = 400_000  # extensions of one layer compared at once; past it the layer is thinned
MAX_PAIRS = 400_000_000  # pairs of rows one merge of three or more parties compares (about 5 s; dominance.Work)
PAIRS_A_SECOND = 80_000_000  # the nominal pace of that comparison (11-15 ns a pair measured on 3-6 parties)
MIN_CANDIDATES = 2_000  # extensions a layer may always compare, past that budget
THIN_START = 1e-4  # the first grid step tried when thinning (utility units)
_BOUND_MARGIN = 1e-9  # reservation pruning of partial assignments keeps this margin for float error


@dataclass(frozen=True, eq=False)
class Frontier:
    """Efficient outcomes ``(k, issues)`` and their utilities ``(k, parties)``, best for the first party first."""

    parties: tuple[str, ...]
    outcomes: Ints
    utilities: Floats
    precision: float = 0.0  # 0: exact; else every efficient outcome is within this of a listed one (module doc)

    def __len__(self) -> int:
        return int(self.outcomes.shape[0])


def thinned_text(precision: float) -> str | None:
    """What a thinned frontier means, in words (None for an exact one): the CLI and the frontier page say it."""
    if precision <= 0:
        return None
    return (
        f"Approximate frontier: too many efficient packages to list exactly, so it was thinned; every efficient "
        f"package is within {precision:.3g} of a listed one for every party; the solutions are chosen among those "
        "listed."
    )


def pareto_frontier(
    c: Compiled, parties: Sequence[int] | None = None, *, zopa_only: bool = False, pairs: int = MAX_PAIRS
) -> Frontier:
    """The exact Pareto frontier over the feasible outcomes (no red line of ``parties`` crossed).

    ``parties`` are indices into ``c.parties`` (default: all). With ``zopa_only`` only outcomes acceptable
    to every one of them count (utility at or above the reservation value, as :meth:`Compiled.acceptable`);
    that frontier is the full frontier's acceptable part, since whatever dominates an acceptable outcome is
    itself acceptable. ``pairs``: the comparisons three or more parties may spend before the merge thins its
    layers (module docstring); a larger budget buys a finer grid.
    """
    sel = selected(c, parties)
    space = math.prod(c.sizes)
    precision = 0.0
    if space <= ENUMERATE_MAX:
        outcomes, utilities = _enumerated(c, sel)
    elif c.homes_of(sel):
        outcomes, utilities, precision = by_pieces(c, sel, zopa_only, pairs)
    else:
        outcomes, utilities, precision = _merged(c, sel, zopa_only, pairs=pairs)
    if zopa_only:
        ok = (utilities >= c.reservation[sel] - TOLERANCE - precision).all(axis=1)
        outcomes, utilities = outcomes[ok], utilities[ok]
    outcomes.setflags(write=False)
    utilities.setflags(write=False)
    return Frontier(tuple(c.parties[p] for p in sel), outcomes, utilities, precision)


def selected(c: Compiled, parties: Sequence[int] | None) -> Ints:
    """Party indices as an array, checked (default: every party of ``c``)."""
    sel = np.arange(len(c.parties), dtype=np.int64) if parties is None else np.asarray(parties, dtype=np.int64)
    if sel.ndim != 1 or sel.size == 0:
        raise ValueError("need at least one party")
    if sel.min() < 0 or sel.max() >= len(c.parties) or len(set(sel.tolist())) != sel.size:
        raise ValueError(f"party indices {sel.tolist()} must be distinct and below {len(c.parties)}")
    return sel


def keys(utilities: Floats) -> Ints:
    """Utilities as integers for exact comparison: rounded to 1e-12."""
    return np.rint(utilities * SCALE).astype(np.int64)


def frontier_order(k: Ints, lexkey: Ints) -> Ints:
    """Row order by each column descending in turn, then ``lexkey`` ascending."""
    return np.lexsort((lexkey, *(-k[:, j] for j in range(k.shape[1] - 1, -1, -1))))


def undominated(k: Ints, lexkey: Ints, group: Ints | None = None, work: Work | None = None) -> Ints:
    """Indices of the rows of ``k`` no other row of the same group weakly dominates, in frontier order.

    Of rows with equal keys the one with the smallest ``lexkey`` stays. With three or more columns the pairs
    of rows compared are added to ``work``.
    """
    n, m = k.shape
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    g = np.zeros(n, dtype=np.int64) if group is None else group
    if m <= 2:
        # sort by group, then the first utility descending, the second descending, lexkey ascending: a row is
        # undominated when its second utility beats every earlier row's of its group
        second = k[:, m - 1]
        order = np.lexsort((lexkey, -second, -k[:, 0], g))
        offset = g[order] * (4 * int(SCALE)) + second[order]  # groups stacked apart: utilities lie in [0, 1]
        before = np.concatenate(([np.iinfo(np.int64).min], np.maximum.accumulate(offset)[:-1]))
        if m == 1:
            first_of_group = np.concatenate(([True], g[order][1:] != g[order][:-1]))
            keep = order[first_of_group]
        else:
            keep = order[offset > before]
    else:
        keep = np.concatenate([_filter(k, lexkey, np.flatnonzero(g == v), work) for v in np.unique(g)])
    return keep[frontier_order(k[keep], lexkey[keep])]


def _filter(k: Ints, lexkey: Ints, rows: Ints, work: Work | None) -> Ints:
    """Undominated rows among ``rows`` (three or more parties): of equal rows the smallest ``lexkey`` stays."""
    order = rows[np.lexsort((lexkey[rows], *(k[rows, j] for j in range(k.shape[1] - 1, -1, -1))))]
    ko = k[order]
    first = np.concatenate(([True], np.any(ko[1:] != ko[:-1], axis=1)))  # the smallest lexkey of equal rows
    distinct = order[first]
    return distinct[~dominated(k[distinct], work)]


def allowed_options(c: Compiled, sel: Ints, issue: int) -> Ints:
    """The options of ``issue`` no selected party's one-issue red line forbids."""
    ok: Bools = np.all(c.allowed[issue][sel], axis=0)
    return np.flatnonzero(ok).astype(np.int64)


def all_outcomes(c: Compiled, sel: Ints) -> Ints:
    """Every outcome using only allowed options, in lexicographic order (small spaces only)."""
    options = [allowed_options(c, sel, i) for i in range(len(c.issues))]
    if any(len(o) == 0 for o in options):
        return np.zeros((0, len(c.issues)), dtype=np.int64)
    # built column by column (lexicographic: the last issue varies fastest); numpy's meshgrid stops at 32
    # issues, and a small space may have many more issues with a single option each
    total = math.prod(len(o) for o in options)
    out = np.empty((total, len(options)), dtype=np.int64)
    inner = total
    for i, opts in enumerate(options):
        inner //= len(opts)
        out[:, i] = np.tile(np.repeat(opts, inner), total // (inner * len(opts)))
    return out


def _enumerated(c: Compiled, sel: Ints) -> tuple[Ints, Floats]:
    outcomes = all_outcomes(c, sel)
    if len(outcomes):
        outcomes = outcomes[~c.barred(outcomes)[:, sel].any(axis=1)]
    utilities = c.utilities(outcomes)[:, sel]
    keep = undominated(keys(utilities), np.arange(len(outcomes), dtype=np.int64))
    return outcomes[keep], utilities[keep]


Merged = tuple[Ints, Floats, float]  # a frontier's outcomes, their utilities, and its precision (0: exact)


def by_pieces(c: Compiled, sel: Ints, zopa_only: bool, pairs: int = MAX_PAIRS) -> Merged:
    """The frontier over the outcomes every selected party's constituents ratify, without enumerating them.

    The ratifiable set is a union of pieces (:meth:`Compiled.pieces`), each the outcomes that every
    constituent of one winning coalition per rule approves. An outcome efficient in the union is efficient
    in its piece, and within a piece some outcome with the same leaders' utilities lies on the frontier of
    leaders and constituents together, restricted to the constituents' thresholds (whatever weakly
    dominates it there is in the piece too). So each piece's frontier is computed with its constituents as
    parties of their own, the leaders' columns are kept, and the union is filtered once more. The pieces share
    the ``pairs`` budget equally, so that many ways to ratify cost no more time, on a coarser grid.
    """
    m = len(sel)
    outcomes: list[Ints] = []
    utilities: list[Floats] = []
    precision = 0.0
    pieces = c.pieces(sel)
    if len(pieces) > MAX_PIECES:
        raise InputError(
            [
                Problem(
                    f"the ratification rules leave {len(pieces):,} ways to ratify, more than the {MAX_PIECES} the "
                    "frontier merges: fewer constituents or a veto rule, or --no-ratification",
                    ("preferences",),
                )
            ]
        )
    for piece in pieces:
        ext = c.extended(piece, leaders_floor=zopa_only)
        columns = np.concatenate((sel, np.arange(len(c.parties), len(ext.parties), dtype=np.int64)))
        rows, utils, slack = _merged(ext, columns, True, thresholds=len(piece), pairs=pairs // len(pieces))
        precision = max(precision, slack)
        ok = (utils >= ext.reservation[columns] - TOLERANCE - slack).all(axis=1)
        outcomes.append(rows[ok])
        utilities.append(utils[ok][:, :m])
    rows, utils = np.concatenate(outcomes), np.concatenate(utilities)
    if not len(rows):
        return rows, utils.reshape(0, m), precision
    lexkey = np.unique(rows, axis=0, return_inverse=True)[1].ravel().astype(np.int64)  # lexicographic rank
    keep = undominated(keys(utils), lexkey)
    return rows[keep], utils[keep], precision


def _merged(c: Compiled, sel: Ints, zopa_only: bool, thresholds: int = 0, pairs: int = MAX_PAIRS) -> Merged:
    """The issue-by-issue merge. The last ``thresholds`` selected columns are constraints, not objectives
    (constituents who must reach their reservation value, see :func:`by_pieces`): a partial assignment that
    meets one's reservation value whatever the remaining issues bring is as good as any other that does, so
    those columns are compared capped at that level, and partial assignments that differ only above it do
    not both survive. The layers share ``pairs`` (:func:`layer_cap`)."""
    n, m = len(c.issues), len(sel)
    chosen = set(sel.tolist())
    couplings = [cp for cp in c.couplings if cp.party in chosen]
    last = np.array([max(i for i, _ in cp.masks) for cp in couplings], dtype=np.int64)
    first = np.array([min(i for i, _ in cp.masks) for cp in couplings], dtype=np.int64)
    options = [allowed_options(c, sel, i) for i in range(n)]
    if any(len(o) == 0 for o in options):
        return np.zeros((0, n), dtype=np.int64), np.zeros((0, m)), 0.0
    tables = [c.tables[i][sel].T for i in range(n)]  # (options, parties)
    best = [tables[i][options[i]].max(axis=0) for i in range(n)]
    best_rest = np.cumsum([np.zeros(m), *best[::-1]], axis=0)[::-1][1:]  # best_rest[i]: issues after i
    floor = c.reservation[sel] - _BOUND_MARGIN
    caps = _caps(c, sel, tables, options, thresholds)

    utilities = np.zeros((1, m))
    live = np.ones((1, len(couplings)), dtype=bool)  # couplings each row is still on course to cross
    rank = np.zeros(1, dtype=np.int64)  # lexicographic rank of each row's partial outcome
    layers: list[tuple[Ints, Ints]] = []
    step, slack = 0.0, 0.0  # the thinning grid (0: exact so far) and the precision lost to it
    work = Work()
    for i in range(n):
        opts = _useful_options(couplings, i, options[i], tables[i])
        parent = np.repeat(np.arange(len(utilities), dtype=np.int64), len(opts))
        local = np.tile(np.arange(len(opts), dtype=np.int64), len(utilities))
        option = opts[local]
        cand = (utilities[:, None, :] + tables[i][opts][None, :, :]).reshape(-1, m)
        state = live[parent]
        ok, group = _couple(couplings, first, last, i, option, state)
        if zopa_only:  # a thinned layer's representatives may lie up to ``slack`` below what they stand for
            ok &= (cand + best_rest[i] >= floor - slack).all(axis=1)
        rows = np.flatnonzero(ok)
        lexkey = rank[parent[rows]] * len(opts) + local[rows]
        compared = cand[rows] if caps is None else np.minimum(cand[rows], caps[i])
        groups = None if group is None else group[rows]
        before = work.pairs
        kept = undominated(keys(compared) if step == 0 else _cells(compared, step), lexkey, groups, work)
        cap = layer_cap(work, work.pairs - before, len(rows), sum(len(o) > 1 for o in options[i + 1 :]), pairs)
        most = cap // (len(options[i + 1]) if i + 1 < n else 1)
        if len(kept) > most or step > 0:
            kept, step = _thinned(compared, lexkey, groups, kept, step, most, work)
            slack += step
        keep = rows[kept]
        utilities, live = cand[keep], state[keep]
        layers.append((parent[keep], option[keep]))
        lex = rank[parent[keep]] * len(opts) + local[keep]
        rank = np.empty(len(keep), dtype=np.int64)
        rank[np.argsort(lex, kind="stable")] = np.arange(len(keep), dtype=np.int64)
    order = frontier_order(keys(utilities), rank)
    outcomes, utilities = _traced(layers, len(utilities))[order], utilities[order]
    if slack > 0:  # a thinned layer may keep an outcome another kept one dominates: the frontier has none
        exact = undominated(keys(utilities), np.arange(len(utilities), dtype=np.int64))
        outcomes, utilities = outcomes[exact], utilities[exact]
    return outcomes, utilities, slack


def layer_cap(work: Work, pairs: int, candidates: int, layers: int, budget: int = MAX_PAIRS) -> int:
    """How many extensions the next layer of the merge may compare exactly, after one that compared
    ``candidates`` rows in ``pairs`` pairs, with ``layers`` issues still to choose (see the module docstring).

    Two parties are compared by a sort: :data:`MAX_CANDIDATES`. Three or more share the ``budget`` of pairs
    between the layers left; a layer's pairs grow about as its rows to the power 1.5 (measured on random domains of
    three to six parties), which says how many rows the next layer's share allows."""
    if pairs == 0 or layers == 0:  # two parties, or nothing left to extend
        return MAX_CANDIDATES
    share = max(budget - work.pairs, 0) / layers
    allowed = candidates * (share / pairs) ** (2 / 3)
    return int(min(MAX_CANDIDATES, max(MIN_CANDIDATES, allowed)))


def _cells(values: Floats, step: float) -> Ints:
    """Utilities rounded down to a grid of ``step``, as integers."""
    return np.floor(values / step).astype(np.int64)


def _thinned(
    values: Floats, lexkey: Ints, groups: Ints | None, kept: Ints, step: float, most: int, work: Work
) -> tuple[Ints, float]:
    """At most ``most`` of the rows ``kept``: one per undominated cell of the coarsest grid needed,
    starting from ``step`` (or :data:`THIN_START`); with that step. A grid coarser than the utilities' range
    leaves one row per group (rows still on course to cross different red lines are never compared), so
    the step stops growing there, with as many rows as groups."""

    def on_grid(rows: Ints, step: float) -> Ints:
        cells = _cells(values[rows], step)
        return rows[undominated(cells, lexkey[rows], None if groups is None else groups[rows], work)]

    if step == 0:  # the first thinned layer: its rows were compared exactly so far
        step = THIN_START
        kept = on_grid(kept, step)
    while len(kept) > most and step < 1.0:
        step *= 2
        kept = on_grid(kept, step)
    return kept, step


def _couple(
    couplings: Sequence[Coupling], first: Ints, last: Ints, i: int, option: Ints, state: Bools
) -> tuple[Bools, Ints | None]:
    """Issue ``i``'s part of the red lines over several issues: ``state`` (rows x couplings, still on course to
    cross) updated in place; the rows that cross none that close here; and, while some are open, a group per
    row of equal open states (rows are compared for dominance only within a group)."""
    ok = np.ones(len(option), dtype=bool)
    if not couplings:
        return ok, None
    for j, cp in enumerate(couplings):
        for issue, mask in cp.masks:
            if issue == i:
                state[:, j] &= mask[option]
    closing = last == i
    ok &= ~state[:, closing].any(axis=1)
    state[:, closing] = False
    open_now = (first <= i) & (last > i)
    if not open_now.any():
        return ok, None
    return ok, np.unique(state[:, open_now], axis=0, return_inverse=True)[1].ravel().astype(np.int64)


def _traced(layers: Sequence[tuple[Ints, Ints]], rows: int) -> Ints:
    """The whole outcomes of the last layer's rows, followed back through each layer's (parent, option)."""
    outcomes = np.zeros((rows, len(layers)), dtype=np.int64)
    at = np.arange(rows, dtype=np.int64)
    for i in range(len(layers) - 1, -1, -1):
        parent, option = layers[i]
        outcomes[:, i] = option[at]
        at = parent[at]
    return outcomes


def _caps(c: Compiled, sel: Ints, tables: Sequence[Floats], options: Sequence[Ints], thresholds: int) -> Floats | None:
    """Per issue, the level above which each threshold column's partial sum is sure to meet its reservation
    value whatever the later issues bring (their worst allowed options); no cap on the other columns. A
    margin keeps the cap above that level, so float error never caps a sum that could still fall short."""
    if not thresholds:
        return None
    m = len(sel)
    worst = [tables[i][options[i]].min(axis=0) for i in range(len(tables))]
    worst_rest = np.cumsum([np.zeros(m), *worst[::-1]], axis=0)[::-1][1:]  # worst_rest[i]: issues after i
    caps = np.full((len(tables), m), np.inf)
    caps[:, m - thresholds :] = c.reservation[sel][m - thresholds :] - worst_rest[:, m - thresholds :] + _BOUND_MARGIN
    return caps


def _useful_options(couplings: Sequence[Coupling], issue: int, options: Ints, table: Floats) -> Ints:
    """The allowed options of ``issue`` that no other option with the same effect on couplings dominates.

    An outcome using a dominated option is dominated (or, on a tie, has a lexicographically smaller twin).
    """
    signature = np.zeros((len(options), 0), dtype=bool)
    for cp in couplings:
        for i, mask in cp.masks:
            if i == issue:
                signature = np.concatenate((signature, mask[options][:, None]), axis=1)
    group = None
    if signature.shape[1]:
        group = np.unique(signature, axis=0, return_inverse=True)[1].ravel().astype(np.int64)
    keep = undominated(keys(table[options]), np.arange(len(options), dtype=np.int64), group)
    return options[np.sort(keep)]
