"""Offsets index the text exactly as received, whatever its line ends, tabs or characters."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nlp_coder import InputError, extract
from tests.conftest import find

REPORT = (
    "EXAM: MRI BRAIN WITHOUT AND WITH CONTRAST\n"
    "HISTORY: Céphalée (headache), 45 y/o.\n"
    "TECHNIQUE:\tSagittal T1, axial T2 and FLAIR, then post-contrast T1 after 7.5 mL Gadavist.\n"
    "IMPRESSION: No abnormal enhancement — normal study. 😀\n"
)


@pytest.mark.parametrize(
    "text",
    [
        REPORT,
        REPORT.replace("\n", "\r\n"),
        "   \t  " + REPORT,
        REPORT.replace("\n", "\n\n  "),
        REPORT.replace(" ", "\u00a0"),
    ],
    ids=["lf", "crlf", "leading-whitespace", "blank-lines-indent", "nbsp"],
)
def test_offsets_index_the_original_text(text):
    evidence = extract(text)
    assert evidence
    for item in evidence:
        assert text[item.start : item.end] == item.text
    assert find(evidence, "Gadavist").attributes["agent"] == "gadobutrol"


def test_crlf_keeps_sections():
    evidence = extract(REPORT.replace("\n", "\r\n"))
    assert find(evidence, "Gadavist").section == "technique"
    assert find(evidence, "abnormal enhancement").section == "impression"


@pytest.mark.parametrize("text", ["", "   ", "\n\r\n\t"])
def test_blank_text_has_no_evidence(text):
    assert extract(text) == []


@pytest.mark.parametrize("bad", [None, 12, b"bytes", ["list"]])
def test_non_string_is_a_clear_error(bad):
    with pytest.raises(InputError, match="must be a string"):
        extract(bad)


def test_oversize_text_is_a_clear_error_without_the_text():
    with pytest.raises(InputError) as info:
        extract("gadolinium " * 100_001)
    assert "gadolinium" not in str(info.value)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=400))
def test_arbitrary_unicode_never_crashes(text):
    for item in extract(text):
        assert 0 <= item.start < item.end <= len(text)
        assert text[item.start : item.end] == item.text


WORDS = st.sampled_from(
    [
        "MRI",
        "brain",
        "without",
        "with",
        "and",
        "contrast",
        "gadolinium",
        "T1",
        "post-contrast",
        "FLAIR",
        "no",
        "\n",
        "\r\n",
        "\t",
        "EXAM:",
        "COMPARISON:",
        "IMPRESSION:",
        "Gadavist",
        "7.5",
        "mL",
        ".",
        ",",
        "é",
        "  ",
    ]
)


@settings(max_examples=150, deadline=None)
@given(st.lists(WORDS, max_size=60).map(" ".join))
def test_report_like_text_spans_are_valid(text):
    for item in extract(text):
        assert text[item.start : item.end] == item.text
        assert item.assertion in {"affirmed", "negated", "hypothetical", "historical"}


@pytest.mark.parametrize("text", ["a \n b\t\tc \xa0 d  \n\n e", " \n", "\t", "x\xa0y", "Dr. Smith \n e.g. T1+C\n"])
def test_whitespace_tokens_as_spacy_makes_them(text):
    # the tokenizer drops spaCy's whitespace exceptions (they only defeat its cache): same tokens
    import spacy

    from nlp_coder.pipeline import get_nlp

    ours = [(t.text, t.whitespace_) for t in get_nlp().make_doc(text)]
    theirs = [(t.text, t.whitespace_) for t in spacy.blank("en").make_doc(text)]
    if "+" not in text:
        assert ours == theirs
    assert "".join(t + w for t, w in ours) == text
