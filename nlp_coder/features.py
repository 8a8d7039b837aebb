"""Features of a report, derived from its evidence: the classifier's only input.

Each feature is a count (or flag) of a kind of evidence in a group of sections, so that the model, the
rules baseline and the rationale all speak the same language. Section groups follow coding practice:
the exam title is the order and weaker than what TECHNIQUE/CONTRAST say was done; an ADDENDUM outranks
the body; COMPARISON and RECOMMENDATION never describe this session (their evidence is historical or
hypothetical by construction).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from functools import lru_cache

from nlp_coder.rules import load_genre_cues
from nlp_coder.types import Evidence

__all__ = [
    "CURRENT_GROUPS",
    "NON_CONTRAST_SEQUENCES",
    "SECTION_GROUPS",
    "featurize",
    "rules_baseline",
    "section_group",
    "title_words",
]

SECTION_GROUPS = {
    "exam": "title",
    "technique": "technique",
    "contrast": "technique",
    "findings": "report",
    "impression": "report",
    "body": "report",
    "addendum": "addendum",
    "indication": "history",
    "comparison": "other",
    "recommendation": "other",
    "other": "other",
    "clinical": "clinical",
}
# Sequences acquired without contrast unless the report says otherwise.
NON_CONTRAST_SEQUENCES = frozenset(
    {"T2", "FLAIR", "DWI", "SWI", "heavy_T2", "perfusion_asl", "DTI", "TOF", "MRS", "PC", "T1", "T1_3D"}
)
# Exam regions coded as brain MRI ("head" only on an MRI title: "MRA head", "CT head" are other exams).
BRAIN_REGIONS = frozenset({"brain", "sella", "iac", "head"})
NON_BRAIN_REGIONS = ("orbit", "face", "neck", "spine", "tmj", "vessels", "body", "skull")
OTHER_MODALITIES = ("mra", "mrv", "ct", "fmri", "intraop", "nuclear", "xray", "ultrasound", "catheter_angio")


# Section groups that describe this session (the title as ordered, then what was done and seen).
CURRENT_GROUPS = ("title", "technique", "report", "addendum")


def section_group(section: str) -> str:
    return SECTION_GROUPS.get(section, "other")


@lru_cache(maxsize=1)
def _genre_patterns() -> dict[str, re.Pattern[str]]:
    by_genre: dict[str, list[str]] = {}
    for cue in load_genre_cues():
        by_genre.setdefault(cue.genre, []).append(f"(?:{cue.pattern})")
    return {genre: re.compile("|".join(parts), re.IGNORECASE) for genre, parts in by_genre.items()}


_ESCAPE_OR_CAPITALS = re.compile(r"(\\.)|([A-Z]+)")


@lru_cache(maxsize=1)
def _genre_rate_patterns() -> dict[str, re.Pattern[str]]:
    """The rate genres' cues, lower-cased, for matching lower-cased text: the same matches as
    ``re.IGNORECASE`` at about a third of the cost (escapes such as ``\\W`` keep their case)."""
    # Every rate cue starts at a word start (``\\b`` then a word character): gating the alternation on that
    # lets the engine skip the other positions at once (same matches, a fifth cheaper). Behind the gate the
    # cues' own ``\\b`` is redundant, and their leading groups are spread into one flat alternation
    # ("\\b(?:was|were) x" -> "was x|were x"): a branch that starts with a literal character is skipped by
    # the engine at once when that character is not there.
    branches: dict[str, list[str]] = {}
    for cue in load_genre_cues():
        if cue.genre != "closing":
            branches.setdefault(cue.genre, []).extend(_flat_branches(cue.pattern))
    return {
        genre: re.compile(
            r"(?<!\w)(?=\w)(?:"
            + "|".join(_ESCAPE_OR_CAPITALS.sub(lambda m: m.group(1) or m.group(2).lower(), b) for b in alternatives)
            + ")"
        )
        for genre, alternatives in branches.items()
    }


def _structure(pattern: str) -> Iterator[tuple[int, str, int]]:
    """(index, character, group depth before it) of each character of a regex outside escapes and [...]
    classes."""
    depth, k, in_class = 0, 0, False
    while k < len(pattern):
        char = pattern[k]
        if char == "\\":
            k += 2
            continue
        if in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
        else:
            yield k, char, depth
            depth += (char == "(") - (char == ")")
        k += 1


def _group_end(pattern: str) -> int:
    """The index of the ")" closing the group that opens the pattern."""
    for k, char, depth in _structure(pattern):
        if char == ")" and depth == 1:
            return k
    raise ValueError("unbalanced group in a genre cue")


def _top_level_alternatives(pattern: str) -> list[str]:
    bounds = [-1, *(k for k, char, depth in _structure(pattern) if char == "|" and depth == 0), len(pattern)]
    return [pattern[a + 1 : b] for a, b in zip(bounds, bounds[1:], strict=False)]


def _flat_branches(pattern: str) -> list[str]:
    """A word-start cue as alternatives that match the same, in the same order: its leading ``\\b`` dropped
    and a leading group spread over what follows it ("\\b(?:a|b)c" -> ["ac", "bc"]), recursively."""
    alternatives = _top_level_alternatives(pattern)
    if len(alternatives) > 1:
        return [flat for part in alternatives for flat in _flat_branches(part)]
    if pattern.startswith("\\b"):
        pattern = pattern[2:]
    if not pattern.startswith("(?:"):
        return [pattern]
    end = _group_end(pattern)
    rest = pattern[end + 1 :]
    if rest[:1] in ("?", "*", "+", "{"):
        return [pattern]  # a repeated group cannot be spread
    return [flat for part in _top_level_alternatives(pattern[3:end]) for flat in _flat_branches(part + rest)]


def genre_features(text: str) -> dict[str, float]:
    """How much a text reads like a radiology report vs a clinical note, and whether it looks cut off.

    Rates are matches per 100 words (capped), from the cue lists in ``genre_cues.json``.
    """
    words = max(len(text.split()), 1)
    lowered = text.lower()
    out = {
        f"genre:{genre}": min(len(pattern.findall(lowered)) * 100 / words, 20.0) / 20.0
        for genre, pattern in _genre_rate_patterns().items()
    }
    out["derived:truncated"] = float(truncated(text))
    out["derived:log_words"] = min(words, 1000) / 1000
    return out


CLOSING_TAIL = 60
_JOINING_WORDS = frozenset({"and", "or", "of", "the", "with", "to", "a", "an", "is", "are", "was", "were", "in", "on", "at"})
_LAST_WORD = re.compile(r"([A-Za-z]+|\d+)\W*$")


def truncated(text: str) -> bool:
    """Whether a report stops mid-sentence ("...There is a", "...new onset seiz", "Contrast: 7").

    A text that ends in terminal punctuation, or in a closing (a sign-off, a full date stamp, typist
    initials: the ``closing`` cues, looked for in its last characters), is complete, unless it ends in a
    joining word ("and", "the"); otherwise it is cut off when its last word is a lower-case word or a number.
    """
    stripped = text.rstrip()
    if not stripped or stripped[-1] in ".!?)]:*\"'>":
        return False
    last_line = stripped.rsplit("\n", 1)[-1]
    last_word = _LAST_WORD.search(last_line)
    if last_word and last_word.group(1).lower() in _JOINING_WORDS:
        return True  # no sign-off ends in "and" or "the"
    closing = _genre_patterns().get("closing")
    # A sign-off closes the text: look for it in the last characters only ("...no metastasis. Dr J. Moss
    # 12/03/2024 14:02"), not anywhere in a long last line ("...images of the brain were obtained and").
    if closing is not None and closing.search(last_line[-CLOSING_TAIL:]):
        return False
    return bool(last_word) and (last_word.group(1).isdigit() or last_word.group(1).islower())


def featurize(evidence: Iterable[Evidence], text: str, sections: Iterable[str] = ()) -> dict[str, float]:
    """The feature dict of one report (sparse: absent keys are zero).

    Args:
        evidence: the report's evidence.
        text: the report text (its length, genre cues and first line are used).
        sections: the section categories found, in order (document structure: a radiology report has
            exam/technique/findings/impression sections, a clinic note has history/course/plan ones).
    """
    f: Counter[str] = Counter()
    items = list(evidence)
    for category in set(sections):
        f[f"section:{category}"] = 1
    title_regions: set[str] = set()
    title_modalities: set[str] = set()
    technique_modalities: set[str] = set()
    named_regions: set[str] = set()  # exam regions and modalities named anywhere in this session's sections
    named_modalities: set[str] = set()
    post_named: set[str] = set()  # sequences said to be acquired after contrast, so far
    for e in items:
        group = section_group(e.section)
        a = e.assertion
        if e.kind == "contrast_administration":
            protocol = e.attributes.get("protocol", "agent" if "agent" in e.attributes else "mention")
            f[f"contrast:{group}:{a}"] += 1
            f[f"contrast:{group}:{a}:{protocol}"] += 1
            if a == "affirmed" and e.attributes.get("agent") == "gadoxetate":
                f["contrast:liver_agent"] += 1
        elif e.kind in ("contrast_dose", "contrast_route"):
            f[f"{e.kind}:{a}"] += 1
        elif e.kind == "sequence":
            name = e.attributes.get("sequence", "?")
            phase = e.attributes.get("phase", "unspecified")
            if e.attributes.get("phase_inferred"):
                # Order-inferred phase is shown to coders but not fed to the model: measured on held-out
                # data, it blurred 70552 and 70553 (coverage at 99% precision fell).
                phase = "unspecified"
            if e.attributes.get("diagnostic") is False:
                f["sequence:localizer"] += 1
                continue
            if a != "affirmed" or group in ("other", "history"):
                f[f"sequence:{a}"] += 1
                continue
            if phase == "post" and not e.attributes.get("phase_inferred"):
                post_named.add(name)
            elif phase == "unspecified" and name in post_named and group in ("report", "addendum"):
                # "FLAIR images obtained after the injection ... the FLAIR images are unremarkable": the
                # findings name again a sequence acquired after contrast, not one acquired before it.
                f["sequence:named_again"] += 1
                continue
            f[f"sequence:{phase}"] += 1
            f[f"sequence:{group}:{phase}"] += 1
            if phase == "unspecified" and name in NON_CONTRAST_SEQUENCES and not name.startswith("T1"):
                f["sequence:noncontrast_type_unspecified"] += 1
            if phase == "unspecified" and name.startswith("T1"):
                f["sequence:t1_unspecified"] += 1
            if e.attributes.get("contrast_bolus"):
                f["sequence:contrast_bolus"] += 1
            if name in ("MRS", "TOF", "CE_MRA", "fMRI"):
                f[f"sequence:name:{name}"] += 1
        elif e.kind == "enhancement":
            if a in ("affirmed", "negated") and group in ("report", "addendum", "technique"):
                f["enhancement:assessed"] += 1
            else:
                f[f"enhancement:{a}"] += 1
        elif e.kind == "post_contrast_only":
            f[f"post_only:{a}"] += 1
            f[f"post_only:{group}:{a}"] += 1
        elif e.kind == "exam_scope":
            if a != "affirmed" or group in ("other", "history"):
                continue
            key = e.attributes.get("modality") or e.attributes.get("region")
            kind = "modality" if "modality" in e.attributes else "region"
            f[f"scope:{group}:{kind}:{key}"] += 1
            if e.attributes.get("named_by") != "sequences":  # the exam as named, not every region imaged
                (named_modalities if kind == "modality" else named_regions).add(key)
            if group == "title":
                (title_modalities if kind == "modality" else title_regions).add(key)
            elif group == "technique" and kind == "modality":
                technique_modalities.add(key)
        elif e.kind == "abort":
            f[f"abort:{e.attributes.get('abort_type')}"] += 1
        elif e.kind in ("unfilled_field", "contrast_allergy", "session", "other_contrast", "garbled_statement"):
            f[f"{e.kind}:{group}"] += 1
    # Interactions a coder reads directly.
    given = sum(f[f"contrast:{g}:affirmed"] for g in ("technique", "report", "addendum")) + f["sequence:post"]
    given += f["sequence:both"] + f["sequence:contrast_bolus"] + f["enhancement:assessed"]
    # "No pre-contrast imaging" says contrast was given (70552); only the other negations mean none given.
    # Nor does "the remaining post-contrast sequences were not acquired" (post_partial: a reduced exam).
    not_given = sum(
        f[f"contrast:{g}:negated"]
        - f[f"contrast:{g}:negated:pre"]
        - f[f"contrast:{g}:negated:pre_and_post"]
        - f[f"contrast:{g}:negated:post_partial"]
        for g in ("technique", "report", "addendum")
    )
    # An addendum outranks the body: its contrast statement, when it makes one, is the final word.
    addendum_given = f["contrast:addendum:affirmed"] > 0
    addendum_not_given = (f["contrast:addendum:negated"] - f["contrast:addendum:negated:pre"]) > 0
    f["derived:addendum_given"] = float(addendum_given and not addendum_not_given)
    f["derived:addendum_not_given"] = float(addendum_not_given and not addendum_given)
    f["derived:contrast_given"] = float(given > 0)
    f["derived:contrast_not_given"] = float(not_given > 0)
    f["derived:conflict"] = float(given > 0 and not_given > 0)
    pre = f["sequence:pre"] + f["sequence:both"] + f["sequence:noncontrast_type_unspecified"]
    f["derived:pre_and_given"] = float(pre > 0 and given > 0)
    f["derived:title_non_brain_region"] = float(any(r in NON_BRAIN_REGIONS for r in title_regions))
    # "head" names the brain only on an MRI title ("MRI head"); "MRA head", "CT head" are other exams.
    brain_regions = BRAIN_REGIONS if not title_modalities - {"mri"} else BRAIN_REGIONS - {"head"}
    f["derived:title_brain_region"] = float(bool(title_regions & brain_regions))
    f["derived:title_other_modality"] = float(bool(title_modalities & set(OTHER_MODALITIES)))
    f["derived:title_mri"] = float("mri" in title_modalities)
    f["derived:title_out_of_scope"] = float(
        (f["derived:title_non_brain_region"] and not f["derived:title_brain_region"])
        or (f["derived:title_other_modality"] and not f["derived:title_mri"])
        or ("fmri" in title_modalities or "intraop" in title_modalities)
    )
    f["derived:no_title"] = float(not any(e.section == "exam" for e in items))
    # Without a title, the technique section names the exam ("Noncontrast axial CT images...").
    f["derived:technique_other_modality_only"] = float(
        bool(technique_modalities & set(OTHER_MODALITIES)) and "mri" not in technique_modalities | title_modalities
    )
    f["derived:technique_present"] = float(any(section_group(e.section) == "technique" for e in items))
    # Without a title, a coder takes the exam from where the report names it ("MRI of the cervical spine
    # without contrast", "CT scan of the head"): another region and no brain named, or another modality
    # named and nothing of an MRI (neither the word, nor a sequence, nor gadolinium given in this session).
    current_sequences = sum(f[f"sequence:{p}"] for p in ("pre", "post", "both", "unspecified"))
    mri_seen = (
        "mri" in named_modalities
        or current_sequences > 0
        or any(
            e.kind == "contrast_administration"
            and e.assertion == "affirmed"
            and ("agent" in e.attributes or "gad" in e.text.lower())
            for e in items
        )
    )
    f["derived:untitled_out_of_scope"] = float(
        not title_regions
        and not title_modalities
        and (
            bool(named_regions & set(NON_BRAIN_REGIONS) and not brain_named_anywhere(items))
            or bool(named_modalities & set(OTHER_MODALITIES) and not mri_seen)
        )
    )
    f["derived:n_evidence_log"] = min(len(items), 60) / 60
    f["derived:n_current_sequences"] = min(current_sequences, 20) / 20
    f["derived:radiology_structure"] = sum(
        f[f"section:{c}"] for c in ("exam", "technique", "findings", "impression", "comparison", "contrast")
    )
    f["derived:short_text"] = float(len(text.strip()) < 200)
    f["derived:findings_or_impression"] = float(bool(f["section:findings"] or f["section:impression"]))
    f.update(genre_features(text))
    for word in title_words(text):
        f[f"title_word:{word}"] = 1.0
    # The checklist's answer as a feature: it encodes the coding hierarchy (addendum > technique >
    # title) that a few hundred examples teach slowly; the model may follow or overrule it.
    f[f"rule:{rules_baseline(f)}"] = 1.0
    return {k: float(v) for k, v in f.items() if v}


_TITLE_WORD = re.compile(r"[a-z]{3,}")


def title_words(text: str) -> set[str]:
    """The words (three letters or more, lower-cased) of a text's first non-blank line: what kind of document
    it is. "MRI BRAIN WITHOUT CONTRAST" opens a report; "DISCHARGE SUMMARY", "Dear Dr ...", "CASE OF THE
    WEEK" or a worksheet heading open documents about an MRI that are not its report. Measured on train+dev
    out-of-fold predictions, two independent sets of repeats: coverage at 99% precision 0.844 -> 0.860 and
    0.828 -> 0.860."""
    first_line = text.lstrip().split("\n", 1)[0]
    return set(_TITLE_WORD.findall(first_line.lower()))


def brain_named_anywhere(evidence: Iterable[Evidence]) -> bool:
    """Whether a brain region is named as an exam anywhere but in COMPARISON (history included: "had a
    noncontrast MRI of the brain 2 days ago and returns for the post-contrast portion")."""
    return any(
        e.kind == "exam_scope" and e.attributes.get("region") in BRAIN_REGIONS and e.section != "comparison"
        for e in evidence
    )


def rules_baseline(features: Mapping[str, float]) -> str:
    """What a coder's checklist gives, without learning: the baseline the classifier must beat."""
    if (
        features.get("derived:title_out_of_scope")
        or features.get("derived:technique_other_modality_only")
        or features.get("derived:untitled_out_of_scope")
    ):
        return "out_of_scope"
    given = features.get("derived:contrast_given", 0.0)
    if features.get("derived:addendum_given"):
        given = 1.0
    elif features.get("derived:addendum_not_given"):
        given = 0.0
    elif features.get("contrast:technique:negated") and not features.get("contrast:technique:affirmed"):
        given = 0.0
    if not given:
        return "70551"
    if any(features.get(f"post_only:{group}:affirmed") for group in ("technique", "title", "report", "addendum")):
        return "70552"
    return "70553"
