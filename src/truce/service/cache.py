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
        self._making: dict[K, threading.Lock] = {}
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
        found = self._hit(key)
        if found is not None:
            return found[0]
        with self._lock:
            making = self._making.setdefault(key, threading.Lock())
        with making:  # a second asker waits here for the first, then finds the value made
            found = self._hit(key)
            if found is not None:
                return found[0]
            try:
                made = make()
                self.put(key, made)
            finally:
                with self._lock:
                    self._making.pop(key, None)
        return made


class Memo:
    """The results derived from one version of the talks, each made once (by name and arguments).

    Each result is made under a lock of its own: a second asker for it waits for the first, and an asker for
    any other result does not. (One lock for them all made a bridging search of many seconds hold up every
    page and answer on those talks, a side's own standing included, until it ended.)"""

    def __init__(self) -> None:
        self._values: dict[Hashable, Any] = {}
        self._making: dict[Hashable, threading.Lock] = {}
        self._lock = threading.Lock()  # held only to look up and store, never while a result is made

    def get(self, key: Hashable, make: Callable[[], T]) -> T:
        with self._lock:
            if key in self._values:
                found: T = self._values[key]
                return found
            making = self._making.setdefault(key, threading.Lock())
        with making:
            with self._lock:
                if key in self._values:  # made by the asker this one waited for
                    done: T = self._values[key]
                    return done
            value = make()
            with self._lock:
                self._values[key] = value
                # dropped once made, never on a failure: an asker waiting on this lock then makes the result
                # again, and one arriving meanwhile waits on the same lock instead of making it beside it
                self._making.pop(key, None)
        return value
