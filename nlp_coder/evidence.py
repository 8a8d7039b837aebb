"""Turn a processed Doc into typed evidence: the only place that reads spaCy objects for output.

Assertion is decided per evidence from its ConText modifiers and its section:

* a rule may fix the assertion itself ("non-contrast" is negated by its own form);
* COMPARISON is historical and RECOMMENDATION hypothetical whatever the sentence says;
* otherwise negated > hypothetical > historical > affirmed, from the modifiers ConText attached.

Sequences also get a phase (pre, post, both, unspecified) from the nearest phase modifier, unless their
own form carries it ("T1+C").
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import replace
from typing import Any

from spacy.tokens import Doc

from nlp_coder.components.sections import doc_text
from nlp_coder.components.targets import Target
from nlp_coder.types import Evidence, Extraction, SectionSpan

__all__ = ["doc_to_evidence", "doc_to_extraction"]

NEGATED = "NEGATED_EXISTENCE"
HYPOTHETICAL = "HYPOTHETICAL"
HISTORICAL = "HISTORICAL"
PHASES = {"PHASE_PRE": "pre", "PHASE_POST": "post", "PHASE_BOTH": "both"}
SECTION_ASSERTION = {"comparison": "historical", "recommendation": "hypothetical"}
# Kinds that only mean something next to a contrast mention in the same sentence.
CONTRAST_ATTACHED = frozenset({"contrast_dose", "contrast_route", "garbled_statement"})

# "Sagittal T1, axial T2 and FLAIR, followed by axial T1 after gadolinium": in a sentence where contrast is
# given after a sequencing cue, sequences named before the cue were acquired before contrast.
# Target rules of this category find phrases that contain an evidence word but are not evidence; being
# longer, they win over the shorter match and are then dropped.
NOT_EVIDENCE = "not_evidence"
_THEN_WORDS = r"followed\s+by|then|subsequently|thereafter"
_THEN = re.compile(rf"\b(?:{_THEN_WORDS}|after\s+which)\b", re.IGNORECASE)

_DOSE = re.compile(
    r"(?P<value>\d+(?:[.,]\d+)?)\s*(?P<unit>mmol\s*/\s*kg|mmol|ml|mls|cc|milliliters?|millilitres?|mg/kg)",
    re.IGNORECASE,
)


_STATEMENT = re.compile(
    r"\b(?:not|no|never|withheld|omitted|declined|terminated|stopped|aborted|discontinued)\b|n't\b", re.I
)


def _assertion(kind: str, section: str, categories: set[str], forced: str | None, text: str = "") -> str:
    if section in SECTION_ASSERTION and kind != "indication":
        return SECTION_ASSERTION[section]
    if forced == "negated" and (not categories & {HYPOTHETICAL, HISTORICAL} or _STATEMENT.search(text)):
        # "non-contrast" is negated by its form, unless it was a prior or a planned exam; "contrast was not
        # administered" says so itself, whatever the sentence around it ("given the prior reaction, ...")
        return forced
    if forced and forced != "negated":
        return forced
    if NEGATED in categories:
        return "negated"
    if HYPOTHETICAL in categories:
        return "hypothetical"
    if HISTORICAL in categories:
        return "historical"
    return "affirmed"


def _phase(ent: Target, modifiers: list[tuple[str, int, int]]) -> str:
    best: tuple[int, str] | None = None
    for category, mod_start, mod_end in modifiers:
        phase = PHASES.get(category)
        if phase is None:
            continue
        distance = ent.start - mod_end if mod_end <= ent.start else mod_start - ent.end
        if best is None or distance < best[0]:
            best = (distance, phase)
    return best[1] if best else "unspecified"


def _dose_attributes(text: str) -> dict[str, Any]:
    match = _DOSE.search(text)
    if match is None:
        lowered = text.lower()
        for word in ("half", "single", "double", "full", "standard", "quarter", "triple"):
            if word in lowered:
                return {"dose": word}
        return {}
    unit = re.sub(r"\s+", "", match.group("unit").lower())
    unit = {"cc": "mL", "ml": "mL", "mls": "mL", "milliliter": "mL", "milliliters": "mL"}.get(unit, unit)
    unit = {"millilitre": "mL", "millilitres": "mL"}.get(unit, unit)
    return {"value": float(match.group("value").replace(",", ".")), "unit": unit}


_NO_METADATA: dict[str, Any] = {}  # read only: copied before any change
_NO_CATEGORIES: frozenset[str] = frozenset()


def _sequencing_cues(
    text: str, doc: Doc, sent_starts: list[int], ents: list[tuple[Any, ...]], all_modifiers: dict[Any, Any]
) -> dict[int, int]:
    """Sentence number -> offset of a "followed by"/"then" cue that precedes given contrast in it."""
    cues: dict[int, int] = {}
    for ent, kind, start, _, sent, metadata in ents:
        if kind != "contrast_administration" or sent in cues or metadata.get("protocol") in ("none", "pre"):
            continue
        sentence_start = doc[sent_starts[sent - 1]].idx if sent >= 1 else 0
        last_cue = max((m.start() for m in _THEN.finditer(text, sentence_start, start)), default=None)
        negated = any(c.startswith("NEG") for c, _, _ in all_modifiers.get((ent.start, ent.end), ()))
        if last_cue is not None and not negated:
            cues[sent] = last_cue
    return cues


_THEN_OR_LIST = re.compile(rf"\b(?:{_THEN_WORDS})\b|:", re.IGNORECASE)


def _post_cues(
    text: str, doc: Doc, sent_starts: list[int], ents: list[tuple[Any, ...]], all_modifiers: dict[Any, Any]
) -> dict[int, int]:
    """Sentence number -> end of a "followed by"/"then"/":" cue that follows given contrast in it ("15 mL
    gadoterate IV, followed by axial FLAIR and DWI", "acquired after injection: axial T2, DWI"): the
    sequences named after the cue were acquired after the contrast."""
    cues: dict[int, int] = {}
    for ent, kind, _, end, sent, metadata in ents:
        if kind != "contrast_administration" or sent in cues or metadata.get("protocol") in ("none", "pre", "pre_and_post"):
            continue
        if any(not c.startswith("PHASE") for c, _, _ in all_modifiers.get((ent.start, ent.end), ())):
            continue  # negated, hypothetical or historical contrast
        sentence_end = doc[sent_starts[sent]].idx if sent < len(sent_starts) else len(text)
        cue = _THEN_OR_LIST.search(text, end, sentence_end)
        if cue is not None:
            cues[sent] = cue.end()
    return cues


_IMAGED = frozenset({"of", "through", "covering"})


def _imaged_region(doc: Doc, start: int) -> bool:
    """Whether a region word follows "of the", "through the", "covering the" ("sagittal T1 and STIR images
    of the thoracic spine"): with sequences in the sentence, that names what was imaged."""
    before = [t.lower_ for t in doc[max(start - 2, 0) : start]]
    return bool(before) and (before[-1] in _IMAGED or (len(before) == 2 and before[0] in _IMAGED and before[1] == "the"))


# Modalities that cannot be part of an MRI session. "Described on CT", "again noted on CT", "the mass on the
# outside CT", "compared with a CT of the head from 2019" refer to another exam; "On the noncontrast CT of the
# head obtained at 21:05, ..." (a narrated CT report) and "on a 64-slice CT scanner" do not.
_NON_MR_MODALITIES = frozenset({"ct", "nuclear", "xray", "ultrasound", "catheter_angio"})
_SEEN = r"seen|described|noted|shown|reported|visible|evident|demonstrated|identified|suspected|detected|appreciated"
_EARLIER = r"prior|previous|outside|earlier|recent|initial|today'?s|today’s|admission|ed|er|emergency|preceding"
_COMPARED = r"compared|comparison(?:\s+is\s+made)?|correlated?|correlation"
_ON_ANOTHER_EXAM = re.compile(
    rf"\b(?:(?:{_SEEN})\s+(?:on|at|by)\s+(?:the\s+|an?\s+)?(?:[\w'’-]+\s+){{0,2}}"
    rf"|(?:{_COMPARED})\s+(?:to|with)\s+(?:the\s+|an?\s+)?(?:[\w'’-]+\s+){{0,2}}"
    rf"|(?:on|at|by|from)\s+(?:the\s+|an?\s+)?(?:{_EARLIER})\s+(?:[\w'’-]+\s+)?)$",
    re.I,
)
_MACHINE = re.compile(r"\s*(?:scanners?|systems?|units?|machines?)\b", re.I)


def _other_exam_referred_to(text: str, start: int, end: int, attributes: dict[str, Any]) -> bool:
    return (
        attributes.get("modality") in _NON_MR_MODALITIES
        and _ON_ANOTHER_EXAM.search(text, max(start - 40, 0), start) is not None
        and _MACHINE.match(text, end) is None
    )


def doc_to_evidence(doc: Doc) -> list[Evidence]:
    """The evidence list of a Doc processed by :func:`nlp_coder.pipeline.build_nlp`."""
    ext = doc._  # one Underscore object for the reads below (each ``doc._`` access builds one)
    sections = ext.nlp_coder_sections or []
    section_starts = [s.header_start for s in sections]
    rules = ext.nlp_coder_target_rules or {}
    sent_starts = ext.nlp_coder_sent_starts or [0]
    text = doc_text(doc)
    ents = []
    for ent in ext.nlp_coder_targets or ():
        first, last = ent.start, ent.end
        rule = rules.get((first, last))
        ents.append(
            (
                ent,
                ent.label_,
                ent.start_char,
                ent.end_char,
                bisect_right(sent_starts, first),
                rule.metadata if rule is not None else _NO_METADATA,
            )
        )
    contrast_sentences = {sent for _, kind, _, _, sent, _ in ents if kind == "contrast_administration"}
    modality_sentences = {sent for _, kind, _, _, sent, meta in ents if kind == "exam_scope" and "modality" in meta}
    sequence_sentences = {sent for _, kind, _, _, sent, _ in ents if kind == "sequence"}
    all_modifiers = ext.nlp_coder_modifiers or {}
    sequencing_cues = _sequencing_cues(text, doc, sent_starts, ents, all_modifiers)
    post_cues = _post_cues(text, doc, sent_starts, ents, all_modifiers)
    evidence: list[Evidence] = []
    for ent, kind, start, end, sent, rule_metadata in ents:
        if kind == NOT_EVIDENCE:
            continue  # matched only to out-compete a shorter look-alike ("C7-T1" is a level, not a T1 sequence)
        index = bisect_right(section_starts, start) - 1
        section = sections[index].category if index >= 0 else "body"
        if index >= 0 and end <= sections[index].header_end and kind != "exam_scope":
            continue  # the header word "CONTRAST:" names a section, it is not a mention ("MRI:" still names the exam)
        if kind in CONTRAST_ATTACHED and sent not in contrast_sentences:
            continue
        imaged_by_sequences = False
        if kind == "exam_scope" and "region" in rule_metadata and sent not in modality_sentences:
            # "the orbits are normal" is anatomy; "MRI of the orbits", "T2 images of the orbits" a scope
            imaged_by_sequences = sent in sequence_sentences and _imaged_region(doc, ent.start)
            if not imaged_by_sequences:
                continue
        attributes: dict[str, Any] = dict(rule_metadata)
        if imaged_by_sequences:
            # a region imaged in the session, not necessarily the exam ordered (a brain MRI may add spine images)
            attributes["named_by"] = "sequences"
        forced = attributes.pop("assertion", None)
        modifiers = all_modifiers.get((ent.start, ent.end), ())
        categories = {category for category, _, _ in modifiers} if modifiers else _NO_CATEGORIES
        span_text = text[start:end]
        if kind == "sequence":
            attributes.setdefault("phase", _phase(ent, modifiers))
        elif kind == "contrast_dose":
            attributes.update(_dose_attributes(span_text))
        if kind == "sequence" and attributes["phase"] == "unspecified":
            cue = sequencing_cues.get(sent)
            if cue is not None and end <= cue:
                attributes["phase"] = "pre"
            cue = post_cues.get(sent)
            if cue is not None and start >= cue:
                attributes["phase"] = "post"
        assertion = _assertion(kind, section, categories, forced, span_text)
        if kind == "exam_scope" and assertion == "affirmed" and _other_exam_referred_to(text, start, end, attributes):
            assertion = "historical"
        evidence.append(Evidence(kind, span_text, start, end, section, assertion, attributes))
    # (the passes below change only negated mentions, so whether contrast was given holds for all of them)
    given = _contrast_given(evidence)
    evidence = _partial_post(_noncontrast_sequences(evidence, text, given), text)
    evidence = _noncontrast_series_elsewhere(evidence, text, given)
    return _infer_pre_across_sentences(_contrast_withheld(evidence, text))


# "Non-contrast axial DWI, FLAIR...": an adjective naming the phase of the sequences that follow it, not a
# statement that no contrast was given in the session.
_PHASE_ADJECTIVES = frozenset({"non-contrast", "noncontrast", "non contrast", "unenhanced", "non-enhanced", "nonenhanced"})
_PLANES = r"axial|ax|coronal|cor|sagittal|sag|3d|2d|thin|thin-section|volumetric|routine|brain|whole-brain"
_PLANE_WORDS = re.compile(rf"(?:[\s,:(]|\b(?:{_PLANES})\b)*", re.I)


# "No unenhanced sellar sequences were repeated", "the non-contrast brain protocol was obtained on 01/16",
# "see the separate report for the non-contrast findings": in a report where contrast was given, a
# non-contrast adjective before imaging words names the pre-contrast phase too ("a noncontrast exam" or
# "study" still says no contrast was given).
_PHASE_NOUN = re.compile(
    rf"(?:[\s,:(]|\b(?:{_PLANES}|sellar|pituitary|iac|mri?)\b)*"
    r"\b(?:imaging|images|sequences?|series|findings|protocol|portion|component|comparison|acquisitions?|phase)\b",
    re.I,
)
_SESSION_SECTIONS = frozenset({"technique", "contrast", "findings", "impression", "body", "addendum"})


def _contrast_given(evidence: list[Evidence]) -> bool:
    """Whether a section of this session says contrast was given (an agent, "post-contrast", "with and
    without contrast")."""
    return any(
        g.kind == "contrast_administration"
        and g.assertion == "affirmed"
        and g.section in _SESSION_SECTIONS
        and g.attributes.get("protocol") in (None, "post", "given", "pre_and_post")
        for g in evidence
    )


def _noncontrast_sequences(evidence: list[Evidence], text: str, given: bool) -> list[Evidence]:
    """A negated "non-contrast" directly before a sequence name (planes aside) is the pre-contrast phase;
    so is one before imaging words ("unenhanced imaging") when the session's contrast was ``given``."""
    out = list(evidence)
    for i, e in enumerate(evidence):
        if not (
            e.kind == "contrast_administration"
            and e.assertion == "negated"
            and e.attributes.get("protocol") == "none"
            and e.text.lower() in _PHASE_ADJECTIVES
        ):
            continue
        following = evidence[i + 1] if i + 1 < len(evidence) else None
        if (
            following is not None
            and following.kind == "sequence"
            and following.section == e.section
            and _PLANE_WORDS.fullmatch(text, e.end, following.start)
        ):
            out[i] = replace(e, attributes={**e.attributes, "protocol": "pre"})
        elif given and _PHASE_NOUN.match(text, e.end):
            out[i] = replace(e, attributes={**e.attributes, "protocol": "pre"})
    return out


# "The remaining post-contrast sequences were not acquired", "the planned 3D post-contrast MPRAGE was not
# obtained": some post-contrast imaging was not done (a reduced exam), which does not say that no contrast
# was given.
_PARTIAL_WORDS = re.compile(
    r"\b(?:remaining|planned|further|additional|other|rest|volumetric|3d|coronal|sagittal|delayed|dynamic|perfusion|second)\b[^.;:\n]{0,25}$",
    re.I,
)


def _partial_post(evidence: list[Evidence], text: str) -> list[Evidence]:
    """A negated post-contrast mention qualified as only part of the post-contrast imaging: ``post_partial``."""
    out = []
    for e in evidence:
        if (
            e.kind == "contrast_administration"
            and e.assertion == "negated"
            and e.attributes.get("protocol") == "post"
            and _PARTIAL_WORDS.search(text, max(0, e.start - 40), e.start)
        ):
            e = replace(e, attributes={**e.attributes, "protocol": "post_partial"})
        out.append(e)
    return out


# "No unenhanced sequences were acquired", "Plain sequences were not repeated", "the non-contrast sequences
# from 10/07/2023 were used": the pre-contrast series named only to say it is not part of this session.
_NOT_THIS_SESSION = re.compile(
    r"(?P<negation>\b(?:no|not|none|never|without)\b|n't\b)|\b(?:yesterday|earlier|previous(?:ly)?|prior|outside|on file|"
    r"separately|another|other (?:day|site|facility))\b|\d{1,4}[/.-]\d{1,2}(?:[/.-]\d{2,4})?",
    re.I,
)
_SENTENCE_END = re.compile(r"[.;!?\n]")


# A no-contrast exam of another day: "yesterday's unenhanced study", "an unenhanced MRI performed 2 days
# earlier", "(see MRI brain without contrast, 04/02)". Cues near the mention only (a header's date is not).
_OTHER_DAY = re.compile(
    r"\b(?:yesterday|earlier|previous(?:ly)?|prior(?! to)|outside|separately|last week|the day before|"
    r"days? (?:before|earlier|ago))\b|\b\d{1,2}[/.]\d{1,2}(?:[/.]\d{2,4})?\b",
    re.I,
)
_OTHER_DAY_REACH = 80
_EXAM_WITHOUT = re.compile(r"\b(?:MRI?|study|exam|examination|scan)\b[^.;\n]{0,20}\bwithout\s*$", re.I)


def _noncontrast_series_elsewhere(evidence: list[Evidence], text: str, given: bool) -> list[Evidence]:
    """A "non-contrast sequences" mention in a sentence that says it was not done in this session (negated,
    or a date, "yesterday", "outside") is not pre-contrast imaging of the session. Likewise, in a report
    where contrast was given, a no-contrast exam named with a date or "yesterday" ("yesterday's unenhanced
    study", "see MRI brain without contrast, 04/02") is another session's exam, not a statement that this
    one had no contrast: historical (``given``: this session's contrast was given)."""
    out = []
    for e in evidence:
        series = (
            e.kind == "sequence" and e.attributes.get("sequence") == "noncontrast_series" and e.assertion == "affirmed"
        )
        exam = (
            given
            and e.kind == "contrast_administration"
            and e.assertion == "negated"
            and e.attributes.get("protocol", "none") == "none"
            and e.section in _SESSION_SECTIONS
        )
        if series or exam:
            reach = max(0, e.start - 200)
            start = max((m.end() for m in _SENTENCE_END.finditer(text, reach, e.start)), default=reach)
            end_match = _SENTENCE_END.search(text, e.end)
            end = end_match.start() if end_match else len(text)
            around = text[start : e.start] + " " + text[e.end : end]
            if series:
                cue = _NOT_THIS_SESSION.search(around)
                if cue is not None:
                    e = replace(e, assertion="negated" if cue.group("negation") else "historical")
            elif (
                e.text.lower() in _PHASE_ADJECTIVES or _EXAM_WITHOUT.search(text, max(0, e.start - 30), e.start)
            ) and _OTHER_DAY.search(text[max(start, e.start - _OTHER_DAY_REACH) : min(end, e.end + _OTHER_DAY_REACH)]):
                e = replace(e, assertion="historical")
        out.append(e)
    return out


# "Contrast was omitted", "gadolinium was therefore not obtained": the words a reduced exam is read from
# ("omitted", "not obtained") said of the contrast itself. The exam done without it is complete (70551,
# no modifier 52); "the post-contrast sequences were omitted" stays a reduced exam.
_WITHHELD_GAP = re.compile(
    r"[\s,]*(?:(?:was|were|is|has been|had been|therefore|thus|then|deliberately|ultimately)[\s,]+)*", re.I
)


def _contrast_withheld(evidence: list[Evidence], text: str) -> list[Evidence]:
    """A reduced-exam cue right after a negated mention of the contrast itself (no post-contrast
    imaging named) is ``abort_type: contrast_withheld``: contrast not given, not a reduced exam."""
    out = list(evidence)
    for i, e in enumerate(evidence[1:], 1):
        before = evidence[i - 1]
        if (
            e.kind == "abort"
            and e.attributes.get("abort_type") == "reduced"
            and before.kind == "contrast_administration"
            and before.assertion == "negated"
            and before.attributes.get("protocol") in (None, "none")
            and _WITHHELD_GAP.fullmatch(text, before.end, e.start)
        ):
            out[i] = replace(e, attributes={**e.attributes, "abort_type": "contrast_withheld"})
    return out


# Sections where sequences are listed in acquisition order (not findings, which discuss them in any order).
_ORDERED_SECTIONS = frozenset({"technique", "contrast", "body"})
_POST_PROTOCOLS = frozenset({"post", "given", None})


def _infer_pre_across_sentences(evidence: list[Evidence]) -> list[Evidence]:
    """Sequences listed before the contrast statement of a technique section were acquired before it.

    "Sagittal T1, axial T2 and FLAIR were obtained. After 7.5 mL Gadavist, axial T1 was obtained.": the
    first sentence's sequences are pre-contrast. Marked ``phase_inferred`` (the order of the text, not a
    phrase, says so). Not applied when the report says imaging was only after contrast, nor across sections.
    """
    if any(e.kind == "post_contrast_only" and e.assertion == "affirmed" for e in evidence):
        return evidence
    first_given: dict[str, int] = {}
    for e in evidence:
        if (
            e.section in _ORDERED_SECTIONS
            and e.kind == "contrast_administration"
            and e.assertion == "affirmed"
            and e.attributes.get("protocol") in _POST_PROTOCOLS
        ):
            first_given.setdefault(e.section, e.start)
    if not first_given:
        return evidence
    out = []
    for e in evidence:
        given_at = first_given.get(e.section)
        if (
            given_at is not None
            and e.kind == "sequence"
            and e.start < given_at
            and e.assertion == "affirmed"
            and e.attributes.get("phase") == "unspecified"
            and e.attributes.get("diagnostic") is not False
        ):
            attributes = {**e.attributes, "phase": "pre", "phase_inferred": True}
            e = Evidence(e.kind, e.text, e.start, e.end, e.section, e.assertion, attributes)
        out.append(e)
    return out


def doc_to_extraction(doc: Doc) -> Extraction:
    """Evidence plus section structure of a processed Doc."""
    sections = [SectionSpan(s.category, s.header_start, s.header_end, s.end) for s in (doc._.nlp_coder_sections or [])]
    return Extraction(evidence=doc_to_evidence(doc), sections=sections)
