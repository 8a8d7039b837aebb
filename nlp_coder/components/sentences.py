"""Sentence splitter for radiology text: line-aware, header-aware, and cheap.

medspaCy's default PyRuSH splitter takes most of the pipeline's time and logs every token; radiology
reports are mostly lines and short statements, so sentence starts are found on the characters and then
mapped onto tokens in one vectorised step:

* a section header always starts a sentence;
* a line break starts a sentence unless it looks like a hard wrap (the previous line is long and does
  not end in punctuation, and the next line does not start a new item);
* ``.``, ``!`` or ``?`` ends a sentence when the next word starts a new statement (upper case, digit
  or bullet), except after common abbreviations ("Dr.", "approx.", "e.g.").
"""

import re

import numpy
from spacy.attrs import IDX, SENT_START
from spacy.language import Language
from spacy.tokens import Doc

from nlp_coder.components.sections import doc_text

__all__ = ["SentenceSplitter"]

_ABBREVIATIONS = frozenset(
    {
        "dr",
        "mr",
        "mrs",
        "ms",
        "st",
        "approx",
        "e.g",
        "i.e",
        "eg",
        "ie",
        "vs",
        "no",
        "fig",
        "cf",
        "etc",
        "ca",
        "inc",
    }
)
_WRAP_MIN_LINE = 55
_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n|$)")
_SENTENCE_END = re.compile(r"(?<=[.!?])[ \t]+(?=[A-Z0-9\-*\u2022(])")
_JOINING_WORDS = frozenset({"and", "or", "with", "of", "the", "a", "to", "for", "without"})

if not Doc.has_extension("nlp_coder_sent_starts"):
    Doc.set_extension("nlp_coder_sent_starts", default=None)


def sentence_start_chars(text: str, header_starts: set[int]) -> list[int]:
    """Character offsets where sentences start (each at a non-space character)."""
    starts = set(header_starts)
    previous_line = ""
    previous_blank_run = True
    for match in _LINE.finditer(text):
        line = match.group()
        if not line:
            break
        content = line.rstrip("\r\n")
        stripped = content.strip()
        if not stripped:
            previous_blank_run = True
            continue
        first = match.start() + len(content) - len(content.lstrip())
        if previous_blank_run or _starts_new_sentence(previous_line, stripped):
            starts.add(first)
        previous_line = stripped
        previous_blank_run = False
    # Sentence ends within lines (the pattern never crosses a line break), in one pass over the text.
    for end in _SENTENCE_END.finditer(text):
        if _last_word(text, end.start() - 1).lower().rstrip(".") in _ABBREVIATIONS:
            continue
        starts.add(end.end())
    return sorted(starts)


def _last_word(text: str, punctuation: int) -> str:
    """The run of non-space characters just before ``text[punctuation]`` ("Dr" in "see Dr. Smith")."""
    start = punctuation
    while start > 0 and not text[start - 1].isspace():
        start -= 1
    return text[start:punctuation]


def _starts_new_sentence(previous_line: str, line: str) -> bool:
    if previous_line[-1] in ".:;!?":
        return True
    first = line[0]
    if first in "-*\u2022#>" or (first.isdigit() and len(line) > 1 and line[1] in ".)"):
        return True
    if first.islower():
        return len(previous_line) < _WRAP_MIN_LINE and previous_line[-1] not in ",-/("
    if previous_line[-1] in ",-/(&" or previous_line.rsplit(None, 1)[-1].lower() in _JOINING_WORDS:
        return False
    # An upper-case start after a long unpunctuated line is usually a hard wrap ("...axial and coronal
    # \nFLAIR images"); after a short line (title, list item) it is a new statement.
    return len(previous_line) < _WRAP_MIN_LINE


class SentenceSplitter:
    """Sets ``token.is_sent_start`` on every token (so ``doc.sents`` works without a parser).

    Also keeps the sorted sentence-start token indices in ``doc._.nlp_coder_sent_starts``.
    """

    def __init__(self, nlp: Language, name: str):
        self.name = name

    def __call__(self, doc: Doc) -> Doc:
        if len(doc) == 0:
            return doc
        sections = doc._.nlp_coder_sections if Doc.has_extension("nlp_coder_sections") else None
        header_starts = {s.header_start for s in sections or () if s.header_end > s.header_start}
        chars = numpy.asarray(sentence_start_chars(doc_text(doc), header_starts), dtype=numpy.int64)
        token_starts = numpy.asarray(doc.to_array(IDX), dtype=numpy.int64).reshape(-1)
        # the tokens that start at a sentence-start character (vectorised: no Python loop over sentences)
        positions = numpy.searchsorted(token_starts, chars)
        inside = positions < len(doc)
        positions, chars = positions[inside], chars[inside]
        positions = positions[token_starts[positions] == chars]
        values = numpy.full((len(doc), 1), numpy.uint64(2**64 - 1), dtype="uint64")
        values[0, 0] = 1  # SENT_START: 1 starts a sentence, -1 (as uint64) does not
        values[positions, 0] = 1
        doc.from_array([SENT_START], values)
        doc._.nlp_coder_sent_starts = sorted({0, *positions.tolist()})
        return doc


@Language.factory("nlp_coder_sentences", assigns=["token.is_sent_start", "doc._.nlp_coder_sent_starts"])
def make_sentence_splitter(nlp: Language, name: str) -> SentenceSplitter:
    return SentenceSplitter(nlp, name)
