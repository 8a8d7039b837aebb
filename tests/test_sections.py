from __future__ import annotations

import pytest

from nlp_coder import extract
from tests.conftest import find


@pytest.mark.parametrize(
    ("report", "span", "section"),
    [
        ("TECHNIQUE: Axial T2.\nIMPRESSION: Normal.", "T2", "technique"),
        ("technique\nAxial T2 images.\n", "T2", "technique"),
        ("Technique - axial T2 images.", "T2", "technique"),
        ("FINDINGS Normal. IMPRESSION Normal T2 signal.", "T2", "impression"),
        ("Reason for exam: seizure.\nProtocol: FLAIR.", "FLAIR", "technique"),
        ("HX: seizure.\nTECH: Ax FLAIR.\nFINDINGS: Normal.", "FLAIR", "technique"),
        ("Clinical details: headache. Report: FLAIR hyperintensity.", "FLAIR", "findings"),
        ("MRI BRAIN WITHOUT CONTRAST\nAxial T2 and FLAIR images were obtained.", "T2", "body"),
        ("MRI BRAIN WITHOUT CONTRAST\nAxial T2 and FLAIR images were obtained.", "MRI", "exam"),
        ("Comparison: 2021.\nFindings are normal on T2.", "T2", "body"),
        ("Comparison: MRI 2021 with\ncontrast, T2 unchanged.", "T2", "comparison"),
        # a blank line ends a one-line field without a full stop: what follows is the report, not the reason
        ("MR HEAD WO CONTRAST\n\nReason: dizziness, r/o stroke\n\nAx DWI, ax T2, ax FLAIR.\n\nIMP: Negative.", "FLAIR", "body"),
        ("MR HEAD WO CONTRAST\n\nReason: dizziness, r/o stroke\n\nAx DWI, ax T2, ax FLAIR.\n\nIMP: Negative.", "dizziness", "indication"),
        # a headerless paragraph's first sentence names the exam only when it is not prose
        ("The brain was imaged with axial diffusion, FLAIR, T2 and sagittal T1 weighted images. Normal myelination for age. "
         "No structural abnormality. Impression: normal study.", "FLAIR", "body"),
        # a header word followed by a date heads a section, without a colon
        ("IMPRESSION: Normal.\n\nAddendum 09/09/2024 16:55 - technique amended:\nThe patient received 7.5 mL Gadovist IV.",
         "Gadovist", "addendum"),
        ("IMPRESSION: Normal. Addendum reviewed with the team, Gadovist noted.", "Gadovist", "impression"),
        # an exam name on its own line under the history, heading the report text below it
        ("HISTORY: 72-year-old with vertigo.\nMRI BRAIN WITHOUT CONTRAST:\nMultiplanar imaging of the brain.", "MRI", "exam"),
        ("CT head w/wo. 70-year-old with a fall, on warfarin, now confused; there is a small subdural collection over the "
         "left convexity.", "CT head", "exam"),
    ],
)
def test_sections(report, span, section):
    assert find(extract(report), span).section == section


def test_prose_word_is_not_a_header():
    # "Findings are normal" starts a sentence, it is not the FINDINGS header
    evidence = extract("TECHNIQUE: Axial T2. Findings are normal on FLAIR.")
    assert find(evidence, "FLAIR").section == "technique"


@pytest.mark.parametrize("lead", ["", "Referred from İzmir clinic.\n"])
def test_headers_found_whatever_the_case_and_characters_before_them(lead):
    # "İ" lower-cases to two characters: header offsets must still index the text as received
    report = f"{lead}technique: Axial T2.\nIMPRESSION: Normal FLAIR signal."
    assert find(extract(report), "T2").section == "technique"
    flair = find(extract(report), "FLAIR")
    assert flair.section == "impression" and report[flair.start : flair.end] == "FLAIR"


@pytest.mark.parametrize(
    ("report", "title"),
    [
        # under a letterhead (a name with "Imaging" in it is not the exam)
        ("LAKEVIEW COMMUNITY HOSPITAL\nMRI BRAIN WITH AND WITHOUT CONTRAST\nREASON: ataxia\nFINDINGS: Normal.", "MRI BRAIN"),
        ("Riverbend Outpatient Imaging\nMRI ORBITS WITHOUT CONTRAST\nIndication: diplopia.\nTechnique: Axial T2.", "MRI ORBITS"),
        # after the reason for exam, as dictated reports put it
        ("REASON FOR EXAM: Headache.\nHISTORY: 48 year old woman.\nMRI BRAIN W/WO CONTRAST\nAxial T2 images.", "MRI BRAIN"),
        ("Clinical details: seizure.\nBrain MRI - pre and post gadolinium\nAxial T2 images.", "Brain MRI"),
    ],
)
def test_exam_title_on_an_opening_line(report, title):
    evidence = extract(report)
    assert find(evidence, title.split()[0]).section == "exam"
    assert any(e.kind == "exam_scope" and e.section == "exam" for e in evidence)


@pytest.mark.parametrize(
    ("report", "word"),
    [
        # prose naming the exam is not a title
        ("History: falls.\nMRI of the brain was performed without contrast.\nFindings: Normal.", "MRI"),
        # "Mr" is a name; a patient leaflet's sentence is not a title
        ("Bed 14, Mr J. Smith, 42M\nBack from MRI head at 15:40, no contrast given.", "MRI"),
        ("PATIENT INFORMATION LEAFLET\nHaving an MRI scan of the head with contrast\n", "MRI scan"),
        # past the opening: findings have started
        ("Indication: headache.\nFindings: normal.\nMRI BRAIN WITHOUT CONTRAST", "MRI"),
    ],
)
def test_exam_name_in_prose_is_not_a_title(report, word):
    assert find(extract(report), word).section != "exam"


@pytest.mark.parametrize(
    ("report", "span", "section"),
    [
        # a one-line report: the exam name is its first sentence, the rest is what was done and seen
        ("MRI brain. FLAIR, T2, DWI and post-contrast T1 reviewed. Normal study.", "post-contrast", "body"),
        ("MRI brain. FLAIR, T2, DWI and post-contrast T1 reviewed. Normal study.", "MRI", "exam"),
        ("MRI BRAIN W/O. First-episode psychosis. T1/T2/FLAIR/DWI.", "DWI", "body"),
        # a one-letter abbreviation does not end the title
        ("MRI BRAIN W. AND W/O CONTRAST\nFINDINGS: Normal.", "CONTRAST", "exam"),
        ("MRI BRAIN W. CONTRAST. Normal study.", "CONTRAST", "exam"),
    ],
)
def test_title_is_the_first_sentence_of_a_one_line_report(report, span, section):
    assert find(extract(report), span).section == section


@pytest.mark.parametrize(
    ("report", "assertion"),
    [
        ("FINDINGS: The hypodensity described on CT corresponds to a 2 cm T2 lesion.", "historical"),
        ("FINDINGS: The possible mass on outside CT is a developmental venous anomaly.", "historical"),
        ("FINDINGS: The meningioma is again noted on CT, 11 mm.", "historical"),
        ("Axial T2, FLAIR and DWI images. Comparison is made to a CT of the head from 2019.", "historical"),
        # a narrated CT report names its own exam so; so does the machine it ran on
        ("On the noncontrast CT of the head obtained at 2105 there is a small subdural hematoma.", "affirmed"),
        ("Axial images were obtained on a 64-slice CT scanner. No hemorrhage.", "affirmed"),
    ],
)
def test_another_exam_referred_to_in_the_report_is_not_this_exam(report, assertion):
    assert find(extract(report), "CT").assertion == assertion
