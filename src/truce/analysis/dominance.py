"""Which rows of an integer matrix no other row weakly dominates, for three or more columns.

The multi-party frontier prunes each layer of its merge with this filter, so its cost decides how many
parties and issues the frontier can take. A blocked all-pairs check costs ``n x n`` comparisons; this one
uses two facts about dominance:

- **Neighbours first.** Rows are split into a k-d tree (median splits along the widest column) and every
  leaf is checked against itself. Dominated rows are almost always dominated by a near neighbour, so this
  cheap pass (``n x leaf`` comparisons) removes nearly all of them. It only removes rows that truly are
  dominated, so it is exact.
- **Only survivors can be needed.** Dominance is transitive: a dominated row is dominated by some
  undominated row, and every undominated row survives the first pass. So the survivors are checked against
  the survivors only, in a k-d tree whose nodes carry the maximum of each column: a node whose maximum is
  below a row in any column holds nothing that dominates that row, and is skipped with all it holds.

Rows must be distinct (callers keep one row of each set of equal rows): "weakly dominates" between
distinct rows is then ">= in every column". Columns are replaced by their dense ranks first, which keeps
every comparison and fits int32. Memory is bounded by checking :data:`_QUERIES` rows at a time.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from truce.model.compiled import Bools, Ints

_LEAF = 128  # rows per leaf of the k-d tree
_QUERIES = 4096  # rows walked down the tree at once: pairs in flight stay under _QUERIES x leaves

Ranks = npt.NDArray[np.integer[Any]]  # dense ranks (int32) or row indices (int64)


@dataclass(frozen=True)
class _Tree:
    """A k-d tree over ``rows``: node ``i`` holds ``order[start[i]:end[i]]``; ``high[i]`` is its column maxima."""

    order: Ints  # row indices in leaf order
    start: Ints
    end: Ints
    children: Ints  # (nodes, 2), -1 at leaves
    high: Ranks  # (nodes, columns)


def _build(k: Ranks, rows: Ints) -> _Tree:
    order = rows.copy()
    start, end, children = [0], [len(rows)], [[-1, -1]]
    todo = [0]
    while todo:
        node = todo.pop()
        s, e = start[node], end[node]
        if e - s <= _LEAF:
            continue
        segment = order[s:e]
        values = k[segment]
        column = int(np.argmax(values.max(axis=0) - values.min(axis=0)))
        half = (e - s) // 2
        order[s:e] = segment[np.argpartition(values[:, column], half)]
        children[node] = [len(start), len(start) + 1]
        todo += children[node]
        start += [s, s + half]
        end += [s + half, e]
        children += [[-1, -1], [-1, -1]]
    kids = np.array(children, dtype=np.int64)
    high = np.empty((len(start), k.shape[1]), dtype=k.dtype)
    for node in range(len(start) - 1, -1, -1):  # children are created after their parent
        a, b = kids[node]
        high[node] = k[order[start[node] : end[node]]].max(axis=0) if a < 0 else np.maximum(high[a], high[b])
    return _Tree(order, np.array(start, dtype=np.int64), np.array(end, dtype=np.int64), kids, high)


def _mark(queries: Ranks, values: Ranks, members: Ranks, member_values: Ranks, out: Bools) -> None:
    """Set ``out[q]`` for each query row some other row of ``members`` dominates (``values``: the rows' keys)."""
    hit = np.ones((len(queries), len(members)), dtype=bool)
    for j in range(values.shape[1]):
        hit &= member_values[None, :, j] >= values[:, j, None]
    hit &= members[None, :] != queries[:, None]
    out[queries[hit.any(axis=1)]] = True


def _leaf_pairs(tree: _Tree, k: Ranks, queries: Ints) -> tuple[Ints, Ints]:
    """(query, leaf) pairs whose leaf's maxima reach the query in every column."""
    q, node = queries, np.zeros(len(queries), dtype=np.int64)
    found_q, found_leaf = [], []
    while len(q):
        reach = np.all(tree.high[node] >= k[q], axis=1)
        q, node = q[reach], node[reach]
        leaf = tree.children[node, 0] < 0
        found_q.append(q[leaf])
        found_leaf.append(node[leaf])
        q, node = np.repeat(q[~leaf], 2), tree.children[node[~leaf]].ravel()
    return np.concatenate(found_q), np.concatenate(found_leaf)


@dataclass
class Work:
    """Pairs of rows compared by :func:`dominated` calls that share it: their cost, counted rather than timed,
    so that a caller's budget gives the same answer on any machine."""

    pairs: int = 0


def dominated(keys: Ints, work: Work | None = None) -> Bools:
    """``out[i]``: some other row of ``keys`` (distinct rows, three or more columns) is >= row ``i`` everywhere.
    The pairs compared are added to ``work``."""
    n = len(keys)
    k = np.empty(keys.shape, dtype=np.int32)
    for j in range(keys.shape[1]):
        k[:, j] = np.unique(keys[:, j], return_inverse=True)[1].ravel()
    out = np.zeros(n, dtype=bool)
    tree = _build(k, np.arange(n, dtype=np.int64))
    ordered = k[tree.order]  # each leaf's keys, contiguous
    for node in np.flatnonzero(tree.children[:, 0] < 0):
        at = slice(tree.start[node], tree.end[node])
        _mark(tree.order[at], ordered[at], tree.order[at], ordered[at], out)
    pairs = int(np.sum((tree.end - tree.start)[tree.children[:, 0] < 0] ** 2))
    survivors = np.flatnonzero(~out)
    tree = _build(k, survivors)
    ordered = k[tree.order]
    for first in range(0, len(survivors), _QUERIES):
        q, leaf = _leaf_pairs(tree, k, survivors[first : first + _QUERIES])
        if not len(q):
            continue
        pairs += int(np.sum(tree.end[leaf] - tree.start[leaf]))
        by_leaf = np.argsort(leaf, kind="stable")
        q, leaf = q[by_leaf], leaf[by_leaf]
        cuts = np.flatnonzero(np.diff(leaf)) + 1
        for queries, node in zip(np.split(q, cuts), leaf[np.concatenate(([0], cuts))], strict=True):
            at = slice(tree.start[node], tree.end[node])
            _mark(queries, k[queries], tree.order[at], ordered[at], out)
    if work is not None:
        work.pairs += pairs
    return out
