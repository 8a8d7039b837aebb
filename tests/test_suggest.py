"""Code suggestions on the bundled model: the contract, the traps, and review routing."""

from __future__ import annotations

import json

import pytest

from nlp_coder import suggest
from nlp_coder.classifier import rules_baseline
from nlp_coder.evaluation import expected_calibration_error, summarize
from nlp_coder.features import featurize
from nlp_coder.pipeline import extract
from nlp_coder.training import choose_threshold

CONTRACT_KEYS = {
    "id",
    "code",
    "status",
    "confidence",
    "probabilities",
    "description",
    "evidence",
    "indications",
    "modifiers",
    "also_codes",
    "supply",
    "flags",
    "rationale",
    "model_version",
}

REPORTS = {
    "70553": (
        "EXAM: MRI BRAIN WITHOUT AND WITH CONTRAST\nINDICATION: Multiple sclerosis, new symptoms.\n"
        "TECHNIQUE: Sagittal T1, axial T2, FLAIR and DWI, followed by axial and coronal T1 after intravenous "
        "administration of 7.5 mL Gadavist.\nFINDINGS: Periventricular FLAIR lesions. No enhancing lesion.\n"
        "IMPRESSION: Stable demyelinating disease."
    ),
    "70551": (
        "EXAM: MRI BRAIN WITH AND WITHOUT CONTRAST\nHISTORY: Headache.\nTECHNIQUE: Multiplanar T1, T2, FLAIR, DWI "
        "and SWI images were obtained. IV access could not be established; no contrast was administered.\n"
        "FINDINGS: Normal brain.\nIMPRESSION: Normal noncontrast MRI of the brain."
    ),
    "out_of_scope": (
        "CT HEAD WITHOUT AND WITH CONTRAST\nINDICATION: Dizziness.\nTECHNIQUE: Axial images before and after "
        "75 mL Omnipaque 350.\nIMPRESSION: No acute intracranial abnormality."
    ),
}


@pytest.mark.parametrize("expected", sorted(REPORTS))
def test_suggestion_contract(expected):
    text = REPORTS[expected]
    result = suggest(text, "r-1")
    assert set(result) == CONTRACT_KEYS
    assert result["id"] == "r-1"
    if expected == "out_of_scope":
        assert (result["status"], result["code"]) == ("out_of_scope", None)
    else:
        # The leading code is right; whether it is suggested or sent to review depends on the model's
        # calibrated confidence against the review threshold (never a confident wrong code).
        assert result["code"] == expected and result["status"] in ("suggested", "needs_review")
        assert result["description"] and "AMA" not in result["description"]
        if result["status"] == "suggested":
            assert result["rationale"].endswith(f"→ {expected}")
    assert 0.0 <= result["confidence"] <= 1.0
    assert abs(sum(result["probabilities"].values()) - 1.0) < 0.01
    for item in result["evidence"]:
        assert text[item["start"] : item["end"]] == item["text"]
        assert item["supports"] in (None, "70551", "70552", "70553", "out_of_scope")
    json.dumps(result)  # serialisable as is


def test_decisive_evidence_supports_the_code():
    result = suggest(REPORTS["70551"])
    negated = [e for e in result["evidence"] if e["kind"] == "contrast_administration" and e["assertion"] == "negated"]
    assert negated and all(e["supports"] == "70551" for e in negated)
    assert "order_performed_mismatch" in result["flags"]


TRAPS = [
    # (report, the only acceptable code)
    (
        "EXAM: MRI BRAIN W/WO CONTRAST\nTECHNIQUE: T1, T2, FLAIR, DWI. The patient declined IV contrast.\nIMPRESSION: Normal.",
        "70551",
    ),
    (
        "EXAM: MRI BRAIN WITHOUT CONTRAST\nCOMPARISON: MRI brain with and without contrast 2021.\nTECHNIQUE: T2, FLAIR, DWI.\nIMPRESSION: Stable.",
        "70551",
    ),
    (
        "EXAM: MRI BRAIN\nTECHNIQUE: Axial T2 and FLAIR.\nIMPRESSION: Small lesion. Recommend MRI with contrast.",
        "70551",
    ),
    (
        "MRI BRAIN WITHOUT CONTRAST\nTECHNIQUE: T2 and FLAIR, then because of a mass 7 mL IV Gadavist and post-contrast T1.",
        "70553",
    ),
    (
        "EXAM: MRI BRAIN POST-CONTRAST ONLY\nTECHNIQUE: Axial and coronal T1 after 7.5 mL IV Gadavist. Pre-contrast images were obtained at the outside facility yesterday.",
        "70552",
    ),
    ("HISTORY: Contrast allergy.\nEXAM: MRI brain without contrast.\nTECHNIQUE: T1, T2, FLAIR.", "70551"),
    ("EXAM: CT HEAD WITHOUT AND WITH CONTRAST\nTECHNIQUE: Axial CT before and after 75 mL Omnipaque.", "out_of_scope"),
    (
        "EXAM: MRI CERVICAL SPINE WITHOUT AND WITH CONTRAST\nTECHNIQUE: Sagittal T1, T2, STIR; post-gadolinium T1.",
        "out_of_scope",
    ),
]


@pytest.mark.parametrize(("text", "right"), TRAPS)
def test_no_confident_wrong_answer_on_traps(text, right):
    result = suggest(text)
    if result["status"] == "suggested":
        assert result["code"] == right
    elif result["status"] == "out_of_scope":
        assert right == "out_of_scope"


@pytest.mark.parametrize(
    "text",
    [
        "EXAM: MRI BRAIN W/WO\nTECHNIQUE: ***\nCONTRAST: [***]\nFINDINGS: ***",
        "Please schedule.",
    ],
)
def test_unfillable_documents_go_to_review(text):
    assert suggest(text)["status"] == "needs_review"


def test_empty_report_goes_to_review():
    result = suggest("   ")
    assert result["status"] == "needs_review" and "empty_report" in result["flags"]


def test_rules_baseline_on_traps():
    assert rules_baseline(featurize(extract(REPORTS["70551"]), REPORTS["70551"])) == "70551"
    assert rules_baseline(featurize(extract(REPORTS["70553"]), REPORTS["70553"])) == "70553"
    assert rules_baseline(featurize(extract(REPORTS["out_of_scope"]), REPORTS["out_of_scope"])) == "out_of_scope"


def test_choose_threshold_reaches_target_precision():
    import numpy as np

    classes = ["70551", "70553", "needs_review"]
    probabilities = np.array([[0.95, 0.05, 0], [0.9, 0.1, 0], [0.6, 0.4, 0], [0.55, 0.45, 0], [0.2, 0.8, 0]])
    labels = ["70551", "70551", "70553", "70551", "70553"]
    threshold = choose_threshold(probabilities, classes, labels, target=0.99)
    assert 0.6 < threshold <= 0.8


def test_summary_counts_confident_errors():
    records = [
        {"id": "a", "label": "70551", "accept": ["70551"], "kind": "report"},
        {"id": "b", "label": "unclear", "accept": ["needs_review", "out_of_scope"], "kind": "case_history"},
    ]
    suggestions = [
        {"status": "suggested", "code": "70553", "probabilities": {"70553": 0.9, "70551": 0.1}},
        {"status": "needs_review", "code": "70551", "probabilities": {"70551": 0.5, "needs_review": 0.5}},
    ]
    result = summarize(records, suggestions)
    assert result["confident_errors"] == [("a", "70553")]
    assert result["reports_right"] == 0 and result["reports_accepted"] == 0


def test_summary_tells_exact_labels_from_accepted_answers():
    records = [{"id": "a", "label": "70553", "accept": ["70553", "needs_review"], "kind": "report"}]
    suggestions = [{"status": "needs_review", "code": "70553", "probabilities": {"70553": 0.6, "needs_review": 0.4}}]
    result = summarize(records, suggestions)
    assert (result["reports_right"], result["reports_accepted"], result["confident_errors"]) == (0, 1, [])


def test_ece_of_perfect_calibration_is_zero():
    assert expected_calibration_error([1.0, 1.0, 0.5, 0.5], [True, True, True, False]) == pytest.approx(0.0)


UNTITLED_OTHER_EXAMS = [
    (
        "The study was performed on a 1.5 T magnet. Sagittal T1, T2 and STIR images of the cervical spine were "
        "obtained. The craniocervical junction and the visualized brainstem are normal. At C5-6 there is a "
        "broad-based disc protrusion narrowing the subarachnoid space without cord compression.\n"
        "IMPRESSION: MRI of the cervical spine shows C5-6 disc protrusion without cord compression."
    ),
    (
        "REASON FOR CT SCAN: Shunt malfunction?\n"
        "Axial CT scan images were obtained from the skull base to the vertex. The ventricles are stable in size "
        "with the shunt catheter tip in the right lateral ventricle. No hemorrhage or extra-axial collection.\n"
        "IMPRESSION: Stable ventricles on this CT scan."
    ),
]


@pytest.mark.parametrize("text", UNTITLED_OTHER_EXAMS)
def test_untitled_report_of_another_exam_is_out_of_scope_by_its_own_words(text):
    features = featurize(extract(text), text)
    assert features["derived:untitled_out_of_scope"] == 1.0
    assert rules_baseline(features) == "out_of_scope"
    result = suggest(text)
    assert result["status"] == "out_of_scope" and result["code"] is None
    assert "cervical spine" in result["rationale"] or "CT" in result["rationale"]


@pytest.mark.parametrize(
    "text",
    [
        # the brain is named in the history; the spine MRI in the body is another study
        "HISTORY: Noncontrast MRI of the brain 2 days ago, returns for the post-contrast portion.\n"
        "Axial T1 images were obtained after gadolinium. Correlation with an MRI of the cervical spine.",
        # gadolinium was given: an MR study, whatever CT it is compared with
        "There is intense enhancement of the sellar mass following gadolinium. It was smaller on the CT.",
    ],
)
def test_untitled_brain_mri_mentioning_other_exams_is_not_out_of_scope_by_rule(text):
    features = featurize(extract(text), text)
    assert not features.get("derived:untitled_out_of_scope")


def test_the_first_line_says_what_kind_of_document_it_is():
    report = "\n\n  MRI BRAIN W/O CONTRAST\nTECHNIQUE: Axial FLAIR and DWI.\nIMPRESSION: Normal."
    letter = "Dear Dr Okafor,\nThank you for referring Mrs B. Her MRI brain with and without contrast was normal."
    title = {k for k in featurize(extract(report), report) if k.startswith("title_word:")}
    assert title == {"title_word:mri", "title_word:brain", "title_word:contrast"}
    assert {k for k in featurize(extract(letter), letter) if k.startswith("title_word:")} == {
        "title_word:dear",
        "title_word:okafor",
    }
