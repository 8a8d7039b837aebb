"""One matcher for rule files: literals and token patterns, matched as phrases wherever possible.

spaCy's ``Matcher`` walks every token of every document in Python and tries every pattern at each of
them, so its cost grows with patterns x tokens; its ``PhraseMatcher`` hashes token sequences and costs
about a tenth as much. Most token patterns in the rule files are closed word sets (``{"LOWER": {"IN":
[...]}}``, optional tokens, punctuation): those are expanded once, at load time, into the phrases they
can match, and only the rest (numbers, wildcards, repetition, sentence starts) stay token patterns. The
matches are the same either way; ``tests/components/test_matching.py`` checks it.
"""

from __future__ import annotations

import itertools
import weakref
from bisect import bisect_right
from typing import Any

from spacy.language import Language
from spacy.matcher import Matcher, PhraseMatcher
from spacy.tokens import Doc

from nlp_coder.rules import split_first_token_sets

__all__ = ["MAX_PHRASES", "RuleMatcher", "anchor_words", "case_variants", "expand_pattern"]

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


def _word_set(value: Any) -> list[str] | None:
    """The words of a token attribute's value (``"x"`` or ``{"IN": [...]}``), else None.

    A token never holds whitespace: set members that do can never match, as a token pattern either.
    """
    if isinstance(value, str):
        values = [value]
    elif isinstance(value, dict) and set(value) == {"IN"} and all(isinstance(v, str) for v in value["IN"]):
        values = value["IN"]
    else:
        return None
    return [v for v in values if v and not any(c.isspace() for c in v)]


def _token_values(token: dict[str, Any]) -> tuple[str, list[str]] | None:
    """(attribute, values) of a token that is one closed word set, else None."""
    keys = [k for k in token if k != "OP"]
    if len(keys) != 1 or keys[0] not in ("LOWER", "ORTH", "TEXT"):
        return None
    values = _word_set(token[keys[0]])
    if values is None:
        return None
    if keys[0] == "LOWER":
        # (a value with capitals can never equal a lower-cased token)
        return "LOWER", [v for v in values if v == v.lower()]
    # ORTH/TEXT is case-sensitive; caseless values (punctuation, digits) match the same either way.
    return ("ANY" if all(v.lower() == v.upper() for v in values) else "ORTH"), values


def expand_pattern(pattern: TokenPattern, limit: int = MAX_PHRASES) -> tuple[str, list[list[str]]] | None:
    """The phrases a token pattern matches, as ``(attribute, [[word, ...], ...])``, when it is closed.

    A pattern is closed when each token is one word or word set (``LOWER``, or ``ORTH``/``TEXT``)
    that is required or optional (``"OP": "?"``); the attribute is ``LOWER`` unless a case-sensitive
    word needs ``ORTH`` (then no token may be ``LOWER``; caseless ones such as "-" fit both). None for any
    other pattern.
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
    attrs.discard("ANY")
    if len(attrs) > 1:
        return None
    return (attrs.pop() if attrs else "LOWER"), [p for p in phrases if p]


# Words too frequent to be anchors: a pattern anchored on "on"/"in" would run on nearly every sentence.
_FUNCTION_WORDS = frozenset(
    {"a", "an", "the", "on", "in", "of", "and", "or", "to", "for", "with", "at", "by", "as", "is", "was", "were",
     "are", "be", "no", "not", "this", "that"}
)


def anchor_words(pattern: TokenPattern) -> list[str] | None:
    """Lower-cased words one of which any match of ``pattern`` must contain (a required token that is a
    closed word set: the first one without a function word, else the first), or None when no token of the
    pattern is one."""
    candidates = []
    for token in pattern:
        if token.get("OP") not in (None, "1", "+"):
            continue
        for key in ("LOWER", "ORTH", "TEXT"):
            words = _word_set(token.get(key))
            if words is not None:
                candidates.append([w.lower() for w in words])
                break
    for words in candidates:
        if not _FUNCTION_WORDS.intersection(words):
            return words
    return candidates[0] if candidates else None


class _SharedPhrases:
    """The phrase patterns of every RuleMatcher of one pipeline, matched in one pass per document.

    Each PhraseMatcher call walks the whole document; the pipeline's three rule matchers (targets,
    assertion, phase) made six such calls. The first rule matcher to run on a document matches all
    phrases and leaves them in ``doc.user_data``; the others take theirs from there.
    """

    _KEY = "nlp_coder.phrase_matches"

    def __init__(self, vocab: Any):
        self.lower = PhraseMatcher(vocab, attr="LOWER")
        self.orth = PhraseMatcher(vocab, attr="ORTH")
        self.version = 0  # bumped by every add: a document's cached matches are stale after one

    def add(self, attr: str, key: str, docs: list[Doc]) -> None:
        (self.orth if attr == "ORTH" else self.lower).add(key, docs)
        self.version += 1

    def __call__(self, doc: Doc) -> list[tuple[int, int, int]]:
        cached = doc.user_data.get(self._KEY)
        if cached is not None and cached[0] == id(self) and cached[1] == self.version:
            return cached[2]
        matches = []
        for matcher in (self.lower, self.orth):
            if len(matcher):
                matches += matcher(doc)
        doc.user_data[self._KEY] = (id(self), self.version, matches)
        return matches


_SHARED: weakref.WeakKeyDictionary[Language, _SharedPhrases] = weakref.WeakKeyDictionary()
_COUNTER = itertools.count()


def _shared_phrases(nlp: Language) -> _SharedPhrases:
    """The shared phrases of one pipeline (spaCy's Vocab cannot be weakly referenced; the Language can)."""
    shared = _SHARED.get(nlp)
    if shared is None:
        shared = _SHARED[nlp] = _SharedPhrases(nlp.vocab)
    return shared


class RuleMatcher:
    """Matches rules added by key; returns ``(match_id, start, end)`` like spaCy's matchers.

    Phrases (literals and closed patterns) are matched once per document for all rule matchers of a
    pipeline (``_SharedPhrases``). Token patterns that stay token patterns cost the most: spaCy's
    Matcher visits every token in Python. Each has anchor words (a required word set), found as phrases,
    and the token patterns run only near them, on the sentences from ``doc._.nlp_coder_sent_starts``
    when the splitter ran.
    """

    def __init__(self, nlp: Language):
        self._nlp = nlp
        self._phrases = _shared_phrases(nlp)
        self._uid = next(_COUNTER)
        self._ids: dict[int, int] = {}  # shared-matcher match id -> the caller's key id, for this matcher's rules
        self._tokens = Matcher(nlp.vocab, validate=True)
        self._anchor_key = f"nlp_coder_anchor@{self._uid}"
        self._anchor_id = nlp.vocab.strings.add(self._anchor_key)
        self._anchored = True  # every token pattern so far has anchor words

    def _add_phrases(self, attr: str, key: str, docs: list[Doc]) -> None:
        # Registered under a key of this matcher's own: two rule matchers may use the same key names.
        strings = self._nlp.vocab.strings
        self._phrases.add(attr, f"{key}@{self._uid}", docs)
        self._ids[strings.add(f"{key}@{self._uid}")] = strings.add(key)

    def add(self, key: str, literal: str, pattern: TokenPattern | None) -> None:
        """A rule: its ``literal`` when it has no ``pattern`` (case-insensitive), else its pattern."""
        if pattern is None:
            self._add_phrases("LOWER", key, case_variants(self._nlp, literal))
            return
        expanded = expand_pattern(pattern)
        if expanded is None:
            self._tokens.add(key, split_first_token_sets(pattern))
            anchors = anchor_words(pattern)
            if anchors is None:
                self._anchored = False
            else:
                words = [Doc(self._nlp.vocab, words=[word]) for word in anchors]
                self._phrases.add("LOWER", self._anchor_key, words)
            return
        attr, phrases = expanded
        self._add_phrases(attr, key, [Doc(self._nlp.vocab, words=words) for words in phrases])

    def __call__(self, doc: Doc) -> list[tuple[int, int, int]]:
        # Token-pattern matches first, then phrases: callers that break ties by order see the order
        # spaCy's Matcher-then-PhraseMatcher gave.
        matches = self._token_matches(doc) if len(self._tokens) else []
        if self._ids:
            ids = self._ids
            matches += [(ids[m[0]], m[1], m[2]) for m in self._phrases(doc) if m[0] in ids]
        return matches

    def _token_matches(self, doc: Doc) -> list[tuple[int, int, int]]:
        starts = doc._.nlp_coder_sent_starts if Doc.has_extension("nlp_coder_sent_starts") else None
        if not self._anchored or not starts:
            return self._tokens(doc)
        anchor_id = self._anchor_id
        anchors = sorted({start for match_id, start, _ in self._phrases(doc) if match_id == anchor_id})
        if not anchors:
            return []
        # The sentences holding an anchor word (a token-pattern match lies within its sentence, as ConText's
        # scopes do), adjacent ones run together: the rest of the document need not be visited.
        bounds = [*starts, len(doc)]
        windows: list[list[int]] = []
        for index in dict.fromkeys(bisect_right(starts, position) - 1 for position in anchors):
            if windows and bounds[index] == windows[-1][1]:
                windows[-1][1] = bounds[index + 1]
            else:
                windows.append([bounds[index], bounds[index + 1]])
        found: dict[tuple[int, int, int], None] = {}
        for lo, hi in windows:
            found.update(((match_id, lo + start, lo + end), None) for match_id, start, end in self._tokens(doc[lo:hi]))
        return list(found)
