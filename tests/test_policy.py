"""Review triggers and the assertion rules added for them: what a coder sees."""

import pytest

from nlp_coder import extract
from nlp_coder.features import truncated
from nlp_coder.suggest import suggest


def test_truncated_report_goes_to_review():
    text = "EXAM: MRI BRAIN\nCLINICAL: Seizure\nTECHNIQUE: Axial DWI, FLAIR, T2\nFINDINGS: The ventricles are normal. There is a"
    result = suggest(text)
    assert result["status"] == "needs_review"
    assert "report_truncated" in result["flags"]


def test_sign_off_and_date_lines_are_not_truncation():
    assert not truncated("IMPRESSION: Normal brain.\nDr A. Smith, Consultant Neuroradiologist\n14/02/2025")
    assert not truncated("Impression: stable meningioma. RD/mk")
    assert truncated("CLINICAL HISTORY: 54 year old with new onset seiz")


def test_contrast_ordered_but_not_administered_is_negated():
    evidence = extract("CONTRAST: Intravenous gadolinium was ordered but was not administered because of eGFR 22.")
    agents = [e for e in evidence if e.kind == "contrast_administration" and e.text.lower() == "gadolinium"]
    assert [e.assertion for e in agents] == ["negated"]


def test_sign_off_after_a_long_single_paragraph_is_not_truncation():
    body = "Axial FLAIR, DWI and post-contrast T1 images show no metastasis. " * 3
    assert not truncated(body + "Dr J. Moss 12/03/2024 14:02")


@pytest.mark.parametrize(
    "text",
    [
        # a sign-off word inside a long cut-off line ("thin-section", "imaging") is not a sign-off
        "FINDINGS: Whole-brain images show no infarct. On the thin-section images through the left IAC there is",
        "TECHNIQUE: MRI of the brain on a 1.5 T magnet, imaging department protocol: sagittal T1, axial FLAIR and",
        # half a date is a cut, not a date stamp
        "EXAM: MRI BRAIN\nCOMPARISON: CT head 4/2",
    ],
)
def test_cut_off_reports_are_truncated_whatever_words_they_hold(text):
    assert truncated(text)


@pytest.mark.parametrize(
    "sentence",
    [
        "Contrast was now administered because of the raised creatinine.",
        "Intravenous gadolinium was now given.",
    ],
)
def test_contrast_was_now_administered_goes_to_review(sentence):
    # DESIGN §6: "contrast was now administered" is a slip for "not"; a coder has to ask
    report = (
        "MRI BRAIN\n"
        f"TECHNIQUE: Axial T2, FLAIR, DWI and sagittal T1. {sentence}\n"
        "FINDINGS: No acute infarct. No mass.\n"
        "IMPRESSION: No acute intracranial abnormality."
    )
    result = suggest(report)
    assert result["status"] == "needs_review"
    assert "garbled_contrast_statement" in result["flags"]
    assert [e["text"] for e in result["evidence"] if e["kind"] == "garbled_statement"] == [sentence.split(" now ")[0].split()[-1] + " now " + sentence.split(" now ")[1].split()[0].rstrip(".")]


def test_now_without_contrast_is_not_a_garbled_statement():
    report = "MRI BRAIN\nTECHNIQUE: The patient was now given a sedative. Axial T2, FLAIR and DWI.\nIMPRESSION: Normal."
    assert "garbled_contrast_statement" not in suggest(report)["flags"]
