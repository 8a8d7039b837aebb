"""One matcher for rule files: literals and token patterns, matched as phrases wherever possible.

spaCy's ``Matcher`` walks every token of every document in Python and tries every pattern at each of
them, so its cost grows with patterns x tokens; its ``PhraseMatcher`` hashes token sequences and costs
about a tenth as much. Most token patterns in the rule files are closed word sets (``{"LOWER": {"IN":
[...]}}``, optional tokens, punctuation): those are expanded once, at load time, into the phrases they
can match, and only the rest (numbers, wildcards, repetition, sentence starts) stay token patterns. The
matches are the same either way; ``tests/components/test_matching.py`` checks it.
"""

from __future__ import annotations

from typing import Any

from spacy.language import Language
from spacy.matcher import Matcher, PhraseMatcher
from spacy.tokens import Doc

from nlp_coder.rules import split_first_token_sets

__all__ = ["MAX_PHRASES", "RuleMatcher", "case_variants", "expand_pattern"]

TokenPattern = list[dict[str, Any]]

# A pattern that would expand to more phrases than this stays a token pattern.
MAX_PHRASES = 5000


def case_variants(nlp: Language, literal: str) -> list[Doc]:
    """Docs for a literal as written, upper-cased and capitalised, when they tokenise differently.

    Matching is on lower-cased tokens, but tokenizer exceptions are case-sensitive ("w/o" is one token,
    "W/O" three), so "W/O CONTRAST" needs its own phrase pattern.
    """
    docs: dict[tuple[str, ...], Doc] = {}
    for variant in (literal, literal.upper(), literal.capitalize(), literal.lower()):
        doc = nlp.make_doc(variant)
        docs.setdefault(tuple(t.lower_ for t in doc), doc)
    return list(docs.values())


def _token_values(token: dict[str, Any]) -> tuple[str, list[str]] | None:
    """(attribute, values) of a token that is one closed word set, else None."""
    keys = [k for k in token if k != "OP"]
    if len(keys) != 1 or keys[0] not in ("LOWER", "ORTH", "TEXT"):
        return None
    value = token[keys[0]]
    if isinstance(value, str):
        values = [value]
    elif isinstance(value, dict) and set(value) == {"IN"} and all(isinstance(v, str) for v in value["IN"]):
        values = list(value["IN"])
    else:
        return None
    # A token never holds whitespace: such set members can never match, as a token pattern either.
    values = [v for v in values if v and not any(c.isspace() for c in v)]
    if keys[0] == "LOWER":
        # (a value with capitals can never equal a lower-cased token)
        return "LOWER", [v for v in values if v == v.lower()]
    # ORTH/TEXT is case-sensitive; caseless values (punctuation, digits) read the same lower-cased.
    return ("LOWER" if all(v.lower() == v.upper() for v in values) else "ORTH"), values


def expand_pattern(pattern: TokenPattern, limit: int = MAX_PHRASES) -> tuple[str, list[list[str]]] | None:
    """The phrases a token pattern matches, as ``(attribute, [[word, ...], ...])``, when it is closed.

    A pattern is closed when each token is one word or word set (``LOWER``, or ``ORTH``/``TEXT``)
    that is required or optional (``"OP": "?"``); the attribute is ``LOWER`` unless a case-sensitive
    word needs ``ORTH`` (then every token must be case-sensitive). None for any other pattern.
    """
    phrases: list[list[str]] = [[]]
    attrs = set()
    for token in pattern:
        if token.get("OP") not in (None, "?"):
            return None
        found = _token_values(token)
        if found is None:
            return None
        attr, values = found
        attrs.add(attr)
        options = [[v] for v in dict.fromkeys(values)] + ([[]] if token.get("OP") == "?" else [])
        phrases = [p + o for p in phrases for o in options]
        if len(phrases) > limit:
            return None
    if len(attrs) > 1:
        return None
    return (attrs.pop() if attrs else "LOWER"), [p for p in phrases if p]


class RuleMatcher:
    """Matches rules added by key; returns ``(match_id, start, end)`` like spaCy's matchers."""

    def __init__(self, nlp: Language):
        self._nlp = nlp
        self._lower = PhraseMatcher(nlp.vocab, attr="LOWER")
        self._orth = PhraseMatcher(nlp.vocab, attr="ORTH")
        self._tokens = Matcher(nlp.vocab, validate=True)

    def add(self, key: str, literal: str, pattern: TokenPattern | None) -> None:
        """A rule: its ``literal`` when it has no ``pattern`` (case-insensitive), else its pattern."""
        if pattern is None:
            self._lower.add(key, case_variants(self._nlp, literal))
            return
        expanded = expand_pattern(pattern)
        if expanded is None:
            self._tokens.add(key, split_first_token_sets(pattern))
            return
        attr, phrases = expanded
        docs = [Doc(self._nlp.vocab, words=words) for words in phrases]
        (self._orth if attr == "ORTH" else self._lower).add(key, docs)

    def __call__(self, doc: Doc) -> list[tuple[int, int, int]]:
        matches: list[tuple[int, int, int]] = []
        for matcher in (self._tokens, self._lower, self._orth):
            if len(matcher):
                matches += matcher(doc)
        return matches
