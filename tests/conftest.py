"""Shared fixtures. All report texts in tests are synthetic."""

from __future__ import annotations

import os
import tempfile

import pytest

# Feedback written by API tests goes to a throwaway database, never into the working tree.
os.environ.setdefault(
    "NLP_CODER_FEEDBACK_URL", f"sqlite:///{tempfile.mkdtemp(prefix='nlp-coder-test-')}/feedback.sqlite"
)

from nlp_coder.pipeline import get_nlp
from nlp_coder.types import Evidence


@pytest.fixture(scope="session")
def nlp():
    return get_nlp()


def find(evidence: list[Evidence], text: str, kind: str | None = None, nth: int = 0) -> Evidence:
    """The nth evidence whose text is ``text`` (case-sensitive), of ``kind`` if given."""
    hits = [e for e in evidence if e.text == text and (kind is None or e.kind == kind)]
    assert len(hits) > nth, f"no evidence {text!r} ({kind}); got {[(e.kind, e.text) for e in evidence]}"
    return hits[nth]


def kinds(evidence: list[Evidence], kind: str) -> list[Evidence]:
    return [e for e in evidence if e.kind == kind]


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_ready(base: str, seconds: float = 90) -> None:
    """Poll ``base``/readyz until the service answers 200 (or fail the test)."""
    import time

    import httpx

    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            if httpx.get(f"{base}/readyz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    pytest.fail("the service did not become ready")


class ServerThread:
    """A uvicorn server for an app, in a background thread, on a free loopback port."""

    def __init__(self, app):
        import threading

        import uvicorn

        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> "ServerThread":
        self.thread.start()
        wait_ready(self.base)
        return self

    def __exit__(self, *exc) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
