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
