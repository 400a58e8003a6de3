"""Results derived from the talks, computed once per version and kept in bounded caches.

Building the scenario, compiling it and the analyses on it (standings, frontier, bridges) depend only on
the talks' version; the exchange plan (a MILP) only on the agreement. Pages and API answers read them from
here, so a request costs a lookup, not a rebuild, and one party's large text is paid for once per version,
not by every reader on every page.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")
T = TypeVar("T")


class LRU(Generic[K, V]):
    """A bounded map, least recently used first out. :meth:`get` makes a missing value once, even when
    several threads ask for it at the same time (the others wait for the first)."""

    def __init__(self, size: int) -> None:
        if size < 1:
            raise ValueError("an LRU cache holds at least one value")
        self.size = size
        self._items: OrderedDict[K, V] = OrderedDict()
        self._making: dict[K, Making] = {}
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._items)

    def __contains__(self, key: K) -> bool:
        return key in self._items

    def _hit(self, key: K) -> tuple[V] | None:
        """The value (boxed, so that any value can be cached), marked as just used; None if missing."""
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return (self._items[key],)
            return None

    def put(self, key: K, value: V) -> None:
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)

    def get(self, key: K, make: Callable[[], V]) -> V:
        return made_once(self._lock, self._making, key, lambda: self._hit(key), lambda v: self.put(key, v), make)


class Making:
    """A key's lock while its value is being made, and how many askers hold it (making it or waiting to)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.askers = 0  # counted under the guard of the dict that holds it


def made_once(
    guard: threading.Lock,
    making: dict[Any, Making],
    key: Hashable,
    found: Callable[[], tuple[T] | None],
    keep: Callable[[T], None],
    make: Callable[[], T],
) -> T:
    """The value ``found`` gives (boxed), or one made by ``make`` and kept by ``keep``, made by one asker at a
    time: a second asker waits on the key's lock in ``making`` (looked up and counted under ``guard``, which
    ``found`` and ``keep`` take themselves), then finds the value made, or makes it again if the first failed.
    The last asker out drops the key's lock, after a failure too: kept with nobody to wait on it, the locks of
    failed makes grew without bound on a long-lived server. An asker arriving after that takes a new lock, and
    then nobody is making the value beside it: every asker of the old lock has left."""
    hit = found()
    if hit is not None:
        return hit[0]
    with guard:
        entry = making.setdefault(key, Making())
        entry.askers += 1
    try:
        with entry.lock:
            hit = found()  # made by the asker this one waited for
            if hit is not None:
                return hit[0]
            value = make()
            keep(value)
            return value
    finally:
        with guard:
            entry.askers -= 1
            if entry.askers == 0:
                del making[key]


class Memo:
    """The results derived from one version of the talks, each made once (by name and arguments).

    Each result is made under a lock of its own: a second asker for it waits for the first, and an asker for
    any other result does not. (One lock for them all made a bridging search of many seconds hold up every
    page and answer on those talks, a side's own standing included, until it ended.)"""

    def __init__(self) -> None:
        self._values: dict[Hashable, Any] = {}
        self._making: dict[Hashable, Making] = {}
        self._lock = threading.Lock()  # held only to look up and store, never while a result is made

    def get(self, key: Hashable, make: Callable[[], T]) -> T:
        made: T = made_once(self._lock, self._making, key, lambda: self._found(key), lambda v: self._keep(key, v), make)
        return made

    def _found(self, key: Hashable) -> tuple[Any] | None:
        with self._lock:
            return (self._values[key],) if key in self._values else None

    def _keep(self, key: Hashable, value: Any) -> None:
        with self._lock:
            self._values[key] = value
