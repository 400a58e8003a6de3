"""Long work off the request path: bridging searches run in a small pool of worker threads.

A page asks for a job by key (the talks' version and the question, so results are kept per version of the
talks), waits a bounded time for it (:data:`WAIT_SECONDS`), and if it is not done shows a progress page
that refreshes itself until it is. Asking again for a job already running or done joins it: one search per
question, however many people ask. Finished jobs are kept in a bounded map, least recently used first out.
"""

from __future__ import annotations

import threading
import time
import weakref
from collections.abc import Callable, Hashable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from truce.service.cache import LRU
from truce.store.repo import Store

WAIT_SECONDS = 0.8  # a request waits at most this long before it shows the progress page instead
WORKERS = 2
KEPT = 64


@dataclass
class Job:
    key: Hashable
    future: Future[Any]
    started: float = field(default_factory=time.monotonic)

    @property
    def done(self) -> bool:
        return self.future.done()

    @property
    def elapsed(self) -> float:
        return time.monotonic() - self.started

    def wait(self, seconds: float) -> bool:
        """Whether the job finished within ``seconds`` (its error, if any, is raised by :meth:`result`)."""
        try:
            self.future.exception(timeout=seconds)
        except TimeoutError:
            return False
        return True

    def result(self) -> Any:
        return self.future.result(timeout=0)


class Jobs:
    """The jobs of one store (see the module's docstring)."""

    def __init__(self, workers: int = WORKERS, kept: int = KEPT) -> None:
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="truce-job")
        self._jobs: LRU[Hashable, Job] = LRU(kept)
        self._lock = threading.Lock()

    def submit(self, key: Hashable, work: Callable[[], Any]) -> Job:
        """The job for ``key``: the one already running or done, or a new one doing ``work``. A job that
        failed is not kept: asking again tries again (its error was shown to whoever was waiting)."""
        with self._lock:
            made: list[Job] = []

            def start() -> Job:
                made.append(Job(key, self._pool.submit(work)))
                return made[0]

            found = self._jobs.get(key, start)
            if not made and found.done and found.future.exception() is not None:
                found = Job(key, self._pool.submit(work))
                self._jobs.put(key, found)
            return found


_jobs: weakref.WeakKeyDictionary[Store, Jobs] = weakref.WeakKeyDictionary()
_jobs_lock = threading.Lock()


def jobs_of(store: Store) -> Jobs:
    """The jobs of a store (one pool per database, like the caches of :mod:`truce.service.views`)."""
    with _jobs_lock:
        found = _jobs.get(store)
        if found is None:
            found = _jobs[store] = Jobs()
        return found
