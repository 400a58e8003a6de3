"""A secret shown once, across a redirect.

A form that makes a token (opening talks from a file) answers with a redirect to a page that can be
reloaded safely (Post/Redirect/Get). The token must reach that page once and never again: the database keeps
only its hash, so it cannot be read back, and putting it in the address or a cookie would leave it in the
browser's history or cookie jar. It waits here instead, in the server's memory, for the one person who made it,
and the first page that shows it takes it away. It is dropped unseen after :data:`KEEP_SECONDS`, and when the
server restarts (the page then says it was shown once, and how to get a new one).
"""

from __future__ import annotations

import threading
import time
import weakref
from collections.abc import Hashable

from truce.store.repo import Store

KEEP_SECONDS = 600.0  # time enough to follow a redirect, even on a slow connection
MOST = 256  # secrets waiting at once; past that the oldest goes first


class ShownOnce:
    """Secrets waiting to be shown, each under a key naming who may see it and what it is for."""

    def __init__(self, keep: float = KEEP_SECONDS, most: int = MOST) -> None:
        self.keep, self.most = keep, most
        self._waiting: dict[Hashable, tuple[str, float]] = {}
        self._lock = threading.Lock()

    def put(self, key: Hashable, secret: str) -> None:
        with self._lock:
            self._drop_stale(time.monotonic())
            self._waiting.pop(key, None)
            while len(self._waiting) >= self.most:
                del self._waiting[next(iter(self._waiting))]  # dicts keep insertion order: the oldest
            self._waiting[key] = (secret, time.monotonic() + self.keep)

    def take(self, key: Hashable) -> str | None:
        """The secret under ``key``, removed as it is taken (None: never put, already taken, or too old)."""
        with self._lock:
            self._drop_stale(time.monotonic())
            found = self._waiting.pop(key, None)
        return found[0] if found else None

    def _drop_stale(self, now: float) -> None:
        for key in [k for k, (_s, until) in self._waiting.items() if until <= now]:
            del self._waiting[key]


_held: weakref.WeakKeyDictionary[Store, ShownOnce] = weakref.WeakKeyDictionary()
_held_lock = threading.Lock()


def shown_once_of(store: Store) -> ShownOnce:
    """The secrets waiting for the pages of one database (like its jobs and caches: one per store)."""
    with _held_lock:
        found = _held.get(store)
        if found is None:
            found = _held[store] = ShownOnce()
        return found
