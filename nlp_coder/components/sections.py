"""Sectionizer: finds radiology section headers by line, from ``section_rules.json``.

medspaCy's sectionizer matches headers anywhere with a PhraseMatcher and costs about as much as
tokenising the report; radiology headers sit at the start of a line (or after a sentence end), so a
single compiled regular expression over the text finds them for a fraction of that.

A header is accepted when it starts a line (or follows ``. ``) and is followed by a colon, by a dash, or
by the end of its line; an upper-case header may also be followed by text on the same line
("IMPRESSION Normal study"). Text before the first header is ``title`` when it is a short first line
(the exam name in most reports), else ``body``.
"""

import re
from dataclasses import dataclass
from pathlib import Path

from spacy.language import Language
from spacy.tokens import Doc

from nlp_coder.rules import SectionRuleModel, load_section_rules

__all__ = ["Section", "Sectionizer", "doc_text"]

BODY = "body"
TITLE = "exam"


@dataclass(frozen=True, slots=True)
class Section:
    """A section: its category, the header span (empty when none) and the body end."""

    category: str
    header_start: int
    header_end: int
    end: int


if not Doc.has_extension("nlp_coder_sections"):
    Doc.set_extension("nlp_coder_sections", default=None)
# Doc.text is rebuilt from the tokens at every access (about as costly as a component here): the
# tokenizer keeps the text it was given, or else the sectionizer, which runs first, keeps it once for
# the components and the evidence builder after it.
if not Doc.has_extension("nlp_coder_text"):
    Doc.set_extension("nlp_coder_text", default=None)


def doc_text(doc: Doc) -> str:
    """The Doc's text, from the cache the tokenizer or the sectionizer keeps."""
    cached = doc._.nlp_coder_text
    return cached if cached is not None else doc.text


def _build_regex(rules: tuple[SectionRuleModel, ...], lower: bool = False) -> re.Pattern[str]:
    """The header regex: case-insensitive, or (``lower``) for lower-cased text, which is about three
    times faster than ``re.IGNORECASE`` on this many alternatives."""
    headers = {r.literal.strip().lower() if lower else r.literal.strip() for r in rules}
    literals = sorted({re.escape(h) for h in headers}, key=len, reverse=True)
    # Spaces inside a header may be any run of spaces ("REASON  FOR EXAM").
    alternatives = "|".join(lit.replace(r"\ ", r"[ \t]+") for lit in literals)
    return re.compile(
        r"[ \t]*(?:[-*#>\u2022][ \t]*)?"
        rf"(?P<header>{alternatives})(?P<tail>[ \t]*(?::|[ \t]-[ \t])|[ \t]*(?=\r?\n|$)|(?=[ \t]+\S))",
        0 if lower else re.IGNORECASE,
    )


# A date right after a header word ("Addendum 09/09/2024", "Comparison (12.03.2023)").
_DATE = re.compile(r"[ \t]+\(?\d{1,4}[/.-]\d{1,2}[/.-]\d{2,4}\b")
# Where a header may start: the start of a line, or after a sentence end on the same line.
_CANDIDATES = re.compile(r"^|(?<=\n)|(?<=[.!?][ \t])|(?<=[.!?][ \t]{2})")


class Sectionizer:
    """Sets ``doc._.nlp_coder_sections`` to the report's sections, in order."""

    def __init__(self, nlp: Language, name: str, rules: str | None = None):
        self.name = name
        self.rules = load_section_rules(Path(rules) if rules else None)
        self._category = {r.literal.strip().lower(): r.category for r in self.rules}
        self._bare = {r.literal.strip().lower() for r in self.rules if r.bare}
        self._regex = _build_regex(self.rules)
        self._lower_regex = _build_regex(self.rules, lower=True)

    def find_sections(self, text: str) -> list[Section]:
        """Sections of a text (usable without a Doc)."""
        found: list[tuple[str, int, int]] = []
        lowered = text.lower()
        # Lower-casing keeps offsets unless a character changes length ("İ"): then match case-insensitively.
        regex, subject = (self._lower_regex, lowered) if len(lowered) == len(text) else (self._regex, text)
        for candidate in _CANDIDATES.finditer(text):
            match = regex.match(subject, candidate.start())
            if match is None:
                continue
            header = text[match.start("header") : match.end("header")]
            tail = match.group("tail")
            key = re.sub(r"\s+", " ", header.lower())
            inline_no_colon = tail.strip() == "" and not _at_line_end(text, match.end())
            if inline_no_colon and not (header.isupper() and key in self._bare) and not _DATE.match(text, match.end()):
                # "Findings are stable" is prose, not a header; "FINDINGS Stable" and "Addendum 09/09/2024 16:55 -
                # technique amended:" are headers.
                continue
            found.append((self._category[key], match.start("header"), match.end()))
        sections: list[Section] = []
        first = found[0][1] if found else len(text)
        if first > 0 and text[:first].strip():
            sections.extend(_leading_sections(text[:first]))
        for i, (category, start, end) in enumerate(found):
            stop = found[i + 1][1] if i + 1 < len(found) else len(text)
            field_end = _field_end(text, end, stop) if category in FIELD_CATEGORIES else None
            if field_end is None:
                sections.append(Section(category, start, end, stop))
            else:
                # "Hx: lung cancer.\nPost-contrast axial MPRAGE..." - a one-line field, then unheaded text.
                sections.append(Section(category, start, end, field_end))
                sections.append(Section(BODY, field_end, field_end, stop))
        return _title_in_opening(text, sections)

    def __call__(self, doc: Doc) -> Doc:
        text = doc_text(doc)
        ext = doc._
        ext.nlp_coder_text = text
        ext.nlp_coder_sections = self.find_sections(text)
        return doc


# Headers that introduce a short field ("Hx: ...", "Comparison: none") rather than a block of text.
FIELD_CATEGORIES = frozenset({"indication", "comparison", "exam", "other", "clinical"})
# A sentence end then a new line starting a statement, or a blank line ("Reason: dizziness\n\nAx DWI, T2...").
_NEW_STATEMENT = re.compile(r"[.;!?]\s*\r?\n[ \t]*(?=[A-Z0-9])|\r?\n[ \t]*\r?\n\s*(?=\S)")


def _field_end(text: str, header_end: int, stop: int) -> int | None:
    """Where an inline field's text ends, when unheaded text follows it before the next header."""
    line_end = text.find("\n", header_end, stop)
    if line_end < 0 or not text[header_end:line_end].strip():
        return None  # header alone on its line: the block below is the section
    match = _NEW_STATEMENT.search(text, header_end, stop)
    if match is None or not text[match.end() : stop].strip():
        return None
    return match.end()


def _at_line_end(text: str, pos: int) -> bool:
    rest = text[pos : pos + 200]
    stripped = rest.lstrip(" \t")
    return stripped == "" or stripped[0] in "\r\n"


_EXAM_WORDS = re.compile(
    r"\b(?:f?MRI?|MRA|MRV|CTA?|PET|imaging|scan|exam|study|brain|head|protocol|angiogram|venogram|x-?ray|ultrasound)\b",
    re.I,
)
_FIRST_SENTENCE = re.compile(r"[.!?](?:\s|$)")
# A sentence end before more text on the line: not after a one-letter abbreviation ("W. AND W/O CONTRAST";
# "W/O." ends a sentence).
_TITLE_SENTENCE = re.compile(r"(?<!\s[A-Za-z])(?<!^[A-Za-z])[.!?][ \t]+(?=\S)", re.M)


def _leading_sections(lead: str) -> list[Section]:
    """Text before the first header: a short first line naming an exam is the exam title."""
    stripped = lead.lstrip()
    first_start = len(lead) - len(stripped)
    line_end = lead.find("\n", first_start)
    line_end = len(lead) if line_end < 0 else line_end
    first_line = lead[first_start:line_end].strip()
    if len(first_line) > 100:
        # A headerless paragraph: its first sentence may still name the exam ("CT head w/wo. 70-year-old...").
        end = _FIRST_SENTENCE.search(lead, first_start, line_end)
        if (
            end is not None
            and end.end() - first_start <= 100
            and _EXAM_WORDS.search(lead, first_start, end.end())
            and not _VERB.search(lead, first_start, end.end())  # "The brain was imaged with..." is prose
        ):
            return [Section(TITLE, 0, 0, end.end()), Section(BODY, end.end(), end.end(), len(lead))]
    if len(first_line) <= 100 and _EXAM_WORDS.search(first_line):
        # "MRI brain. FLAIR, T2, DWI and post-contrast T1 reviewed. Normal study.": the exam name is the
        # first sentence; what follows on the line is the report ("MRI BRAIN W. CONTRAST" has no sentence end).
        end = _TITLE_SENTENCE.search(lead, first_start, line_end)
        rest = lead[end.end() : line_end] if end is not None else ""
        if end is not None and _EXAM_WORDS.search(lead, first_start, end.end()) and len(rest.split()) >= 2:
            return [Section(TITLE, 0, 0, end.end()), Section(BODY, end.end(), end.end(), len(lead))]
        out = [Section(TITLE, 0, 0, line_end)]
        if lead[line_end:].strip():
            out.append(Section(BODY, line_end, line_end, len(lead)))
        return out
    return [Section(BODY, 0, 0, len(lead))]


# An exam name standing alone on its line ("MRI BRAIN W/WO CONTRAST", "Brain MRI - pre and post gad"):
# it starts with the modality (after at most a region word), has no field label (":") and no verb (prose
# is not a title). "MR" only in capitals: "Mr J. Smith" is a name.
_MODALITY_WORD = r"(?:(?i:f?MRI|MRA|MRV|CTA?|PET|magnetic[ \t]+resonance)|MR)\b"
_EXAM_LINE = re.compile(r"(?i:(?:brain|head|cranial|cerebral|pituitary|IAC)[ \t]+)?" + _MODALITY_WORD + r"[^:\n]{0,80}")
_MODALITY = re.compile(r"\b" + _MODALITY_WORD)
_VERB = re.compile(r"\b(?:was|were|is|are|has|had|have|shows?|demonstrates?|performed|obtained|acquired|done)\b", re.I)
OPENING_LINES = 8
_CONTENT = frozenset({"technique", "contrast", "findings", "impression", "addendum"})


def _title_in_opening(text: str, sections: list[Section]) -> list[Section]:
    """With no exam named on the first line, an exam name alone on one of the report's opening lines is the
    title: under a letterhead ("LAKEVIEW COMMUNITY HOSPITAL\nMRI BRAIN"; "Riverbend Outpatient Imaging" is
    then unheaded text, not the title), or after the reason for exam in dictated reports ("HISTORY: ...\nMRI
    BRAIN W/WO CONTRAST\nAxial T2..."). Only unheaded text before the first technique, findings or impression
    section is looked at."""
    first = next((s for s in sections if s.category == TITLE), None)
    if first is not None and (first.header_start != first.header_end or _MODALITY.search(text, first.header_start, first.end)):
        return sections  # a headed exam field, or a first line naming the modality
    found = _exam_line(text, sections)
    if found is None:
        return sections
    k, line_start, line_end = found
    s = sections[k]
    split = [Section(BODY, s.header_start, s.header_start, line_start)] if text[s.header_start : line_start].strip() else []
    split.append(Section(TITLE, line_start, line_start, line_end))
    if text[line_end : s.end].strip():
        split.append(Section(BODY, line_end, line_end, s.end))
    return [
        Section(BODY, s.header_start, s.header_end, s.end) if s is first else s
        for s in sections[:k] + split + sections[k + 1 :]
    ]


def _exam_line(text: str, sections: list[Section]) -> tuple[int, int, int] | None:
    """The first of the opening lines in unheaded text that is an exam name: (section index, start, end)."""
    line_start, seen = 0, 0
    while line_start < len(text) and seen < OPENING_LINES:
        line_end = text.find("\n", line_start)
        line_end = len(text) if line_end < 0 else line_end
        line = text[line_start:line_end].strip()
        if line:
            seen += 1
            for k, s in enumerate(sections):
                if s.category in _CONTENT and s.header_start <= line_start:
                    return None  # past the opening
                if s.header_start <= line_start and line_end <= s.end:
                    # (a trailing colon heads the report text below: "MRI BRAIN WITHOUT CONTRAST:")
                    name = line[:-1].rstrip() if line.endswith(":") else line
                    if s.category in (BODY, TITLE) and _EXAM_LINE.fullmatch(name) and not _VERB.search(name):
                        return k, line_start, line_end
                    break
        line_start = line_end + 1
    return None


@Language.factory(
    "nlp_coder_sectionizer",
    default_config={"rules": None},
    assigns=["doc._.nlp_coder_sections", "doc._.nlp_coder_text"],
)
def make_sectionizer(nlp: Language, name: str, rules: str | None) -> Sectionizer:
    return Sectionizer(nlp, name, rules=rules)
