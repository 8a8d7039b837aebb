"""Bounded memory for a long-running service: the suggester is renewed when its vocabulary outgrows a limit.

spaCy keeps every new word it meets (accession numbers, dates, names) in the pipeline's vocabulary, so a
service that answers millions of requests would grow without bound (``pipeline.VOCAB_LIMIT``). Past the
limit a fresh suggester (same model file and billing policy, a pipeline of its own) is built on a
background thread while requests go on being answered by the old one; then it takes over, and the old one
is freed once the requests that hold it have finished.
"""

from __future__ import annotations

import gc
import logging
import threading
import time
import weakref
from typing import Any

__all__ = ["SuggesterRenewal"]

logger = logging.getLogger("api")

# How long the renewal waits for requests still using the old suggester before freeing it.
RELEASE_WAIT_SECONDS = 30.0


class SuggesterRenewal:
    """Watches ``state.suggester`` (the app state) and replaces it once its vocabulary passes ``limit``."""

    def __init__(self, state: Any, limit: int | None = None):
        self.state = state
        self.limit = limit
        self.renewals = 0
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def check(self, suggester: Any) -> None:
        """Called with the suggester a request uses: starts a renewal when it has outgrown the limit."""
        if not suggester.outgrown(self.limit):
            return
        with self._lock:
            if (self._thread is not None and self._thread.is_alive()) or self.state.suggester is not suggester:
                return  # already being renewed, or already replaced
            self._thread = threading.Thread(target=self._renew, name="suggester-renewal", daemon=True)
            self._thread.start()

    def wait(self, timeout: float | None = None) -> None:
        """Block until a running renewal has finished (tests, shutdown)."""
        thread = self._thread
        if thread is not None:
            thread.join(timeout)

    def _renew(self) -> None:
        started = time.perf_counter()
        old = self.state.suggester
        logger.info("pipeline vocabulary past its limit: building a fresh pipeline")
        fresh = old.renewed()
        fresh.warm_up(freeze=False)  # frozen below, once the old suggester is gone
        self.state.suggester = fresh
        self.renewals += 1
        old_pipeline = weakref.ref(old.nlp)
        del old
        # warm_up froze the old suggester's objects (they are never collected while frozen): unfreeze,
        # wait for the requests still holding it, collect, then freeze what lives on.
        gc.unfreeze()
        deadline = time.monotonic() + RELEASE_WAIT_SECONDS
        while True:
            gc.collect()
            if old_pipeline() is None or time.monotonic() > deadline:
                break
            time.sleep(0.05)
        if old_pipeline() is None:
            gc.freeze()
            logger.info("fresh pipeline in use after %.1fs; the previous one is freed", time.perf_counter() - started)
        else:  # a request is still holding it: leave the heap unfrozen so that it is freed later
            logger.warning("fresh pipeline in use; the previous one is still referenced and will be freed later")
