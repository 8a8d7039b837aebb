"""The traps of DESIGN §2, each in several wordings: the exact evidence a coder would see."""

from __future__ import annotations

import pytest

from nlp_coder import extract, suggest
from nlp_coder.features import featurize
from tests.conftest import find, kinds

CA = "contrast_administration"


def assertions(text: str, kind: str = CA) -> dict[str, str]:
    return {e.text: e.assertion for e in extract(text) if e.kind == kind}


@pytest.mark.parametrize(
    ("report", "span", "expected"),
    [
        (
            "TECHNIQUE: Multiplanar images of the brain. No contrast was administered.",
            "No contrast was administered",
            "negated",
        ),
        ("TECHNIQUE: Routine sequences without intravenous contrast.", "contrast", "negated"),
        ("Non-contrast MRI of the brain was performed.", "Non-contrast", "negated"),
        ("CONTRAST: None.", "CONTRAST: None", "negated"),
        (
            "TECHNIQUE: T1, T2 and FLAIR. Gadolinium was not given due to renal failure.",
            "Gadolinium was not given",
            "negated",
        ),
        (
            "TECHNIQUE: T1 and FLAIR. Intravenous gadolinium was withheld because of pregnancy.",
            "gadolinium",
            "negated",
        ),
        (
            "IMPRESSION: Enhancement cannot be assessed without contrast.",
            "Enhancement cannot be assessed",
            "negated",
        ),
        ("The patient declined IV contrast.", "contrast", "negated"),
    ],
)
def test_negated_contrast(report, span, expected):
    evidence = extract(report)
    item = find(evidence, span, CA)
    assert item.assertion == expected
    assert report[item.start : item.end] == span


@pytest.mark.parametrize("report", ["TECHNIQUE: Standard brain protocol. No IV contrast.", "No IV gadolinium given."])
def test_route_of_negated_contrast_is_negated_too(report):
    # "No IV contrast" says no contrast was given by any route: its "IV" is no sign of contrast given
    assert find(extract(report), "IV", "contrast_route").assertion == "negated"


@pytest.mark.parametrize(
    ("report", "span"),
    [
        (
            "COMPARISON: MRI brain with and without contrast 03/02/2024.\nTECHNIQUE: T1, T2, FLAIR.",
            "with and without contrast",
        ),
        (
            "COMPARISON: Prior gadolinium-enhanced MRI dated 1/1/2023.\nFINDINGS: Normal.",
            "gadolinium-enhanced",
        ),
        ("Priors: Outside MRI with gadolinium, 2019.\nTechnique: axial T2 and FLAIR.", "with gadolinium"),
        ("Compared with the prior post-contrast study from 2021, no change.", "post-contrast"),
    ],
)
def test_comparison_contrast_is_historical(report, span):
    assert find(extract(report), span, CA).assertion == "historical"


@pytest.mark.parametrize(
    ("report", "span"),
    [
        ("IMPRESSION: Normal. Recommend MRI with contrast if clinically indicated.", "with contrast"),
        (
            "IMPRESSION: Small lesion. Post-contrast imaging could be performed for further characterization.",
            "Post-contrast",
        ),
        (
            "RECOMMENDATION: Follow-up MRI brain without and with gadolinium in 3 months.",
            "without and with gadolinium",
        ),
        ("Consider repeat examination with gadolinium.", "with gadolinium"),
        ("IMPRESSION: Assessment for tumor progression requires contrast-enhanced imaging.", "contrast-enhanced"),
        ("IMPRESSION: Premedication is recommended before any future contrast study.", "contrast"),
        ("IMPRESSION: Contrast-enhanced MRI would be more sensitive for small metastases.", "Contrast-enhanced"),
        ("IMPRESSION: MRI with gadolinium would be the preferred next test.", "with gadolinium"),
        ("TECHNIQUE: The sedation time ran out before contrast could be given.", "before contrast"),
        ("IMPRESSION: Limited study; rescheduling for the full pre- and post-contrast protocol.", "pre- and post-contrast"),
    ],
)
def test_recommended_contrast_is_hypothetical(report, span):
    assert find(extract(report), span, CA).assertion == "hypothetical"


@pytest.mark.parametrize(
    "report",
    [
        "HISTORY: Headache. Contrast allergy.\nTECHNIQUE: Noncontrast T1, T2, FLAIR.",
        "Clinical history: seizures; allergic to gadolinium.\nNo contrast was given.",
        "INDICATION: MS. Allergy to contrast, premedicated per protocol.\nTECHNIQUE: pre and post contrast T1.",
    ],
)
def test_contrast_allergy_is_not_administration(report):
    evidence = extract(report)
    allergy = kinds(evidence, "contrast_allergy")
    assert allergy, "allergy history must be recognised"
    for item in allergy:
        # the allergy mention itself never counts as contrast given
        assert not any(e.kind == CA and e.start <= item.start < e.end for e in evidence)


@pytest.mark.parametrize(
    ("report", "span", "agent"),
    [
        ("After IV injection of 7.5 mL Gadavist, axial T1 images.", "Gadavist", "gadobutrol"),
        ("Contrast: gadoterate meglumine 15 mL IV.", "gadoterate meglumine", "gadoterate"),
        ("Post-contrast images after 10 cc ProHance.", "ProHance", "gadoteridol"),
        ("Gd-DOTA 0.1 mmol/kg was injected.", "Gd-DOTA", "gadoterate"),
        ("MultiHance 15mL IV given.", "MultiHance", "gadobenate"),
    ],
)
def test_agent_by_brand_or_generic(report, span, agent):
    item = find(extract(report), span, CA)
    assert item.attributes["agent"] == agent
    assert item.assertion == "affirmed"


@pytest.mark.parametrize(
    ("report", "value", "unit"),
    [
        ("After IV injection of 7.5 mL Gadavist, axial T1.", 7.5, "mL"),
        ("Gadavist 7.5mL IV.", 7.5, "mL"),
        ("15 cc of gadolinium was given intravenously.", 15.0, "mL"),
        ("Dotarem 0.1 mmol/kg IV.", 0.1, "mmol/kg"),
    ],
)
def test_dose(report, value, unit):
    (dose,) = kinds(extract(report), "contrast_dose")
    assert (dose.attributes["value"], dose.attributes["unit"]) == (value, unit)


@pytest.mark.parametrize(
    ("report", "sequence_text", "phase"),
    [
        ("Sagittal T1, axial T2 FLAIR. Axial T1 C+ and coronal T1 C+.", "T1 C+", "post"),
        ("MPRAGE pre and post.", "MPRAGE", "both"),
        ("Post-gadolinium axial T1 images were obtained.", "T1", "post"),
        ("Pre-contrast sagittal T1 images.", "T1", "pre"),
        ("Axial FLAIR and DWI, followed by post-contrast axial T1.", "FLAIR", "pre"),
        ("Axial T1 images were obtained before and after gadolinium.", "T1", "both"),
        ("T1+C shows a ring-enhancing lesion.", "T1+C", "post"),
        ("After administration of 10 mL MultiHance, coronal T1 images were acquired.", "T1", "post"),
        # the sequences named after a "followed by"/"then"/":" that follows the contrast (70552 lists)
        ("0.1 MMOL/KG GADOTERATE IV, FOLLOWED BY AXIAL FLAIR, AXIAL DWI AND CORONAL T1.", "FLAIR", "post"),
        ("15 mL gadoterate IV, then axial DWI and FLAIR.", "DWI", "post"),
        ("Acquired after 7 mL Gadavist injection: axial T2, DWI and 3D T1.", "T2", "post"),
        ("Axial T2 and FLAIR, then 7 mL Gadavist, then axial T1.", "FLAIR", "pre"),
        # "Pre:" / "Post:" labels of a sequence list
        ("MRI brain w/wo. Pre: T1, T2, FLAIR, DWI. Post: T1 ax/cor after Dotarem.", "FLAIR", "pre"),
        ("MRI brain w/wo. Pre: T2, FLAIR. Post: T1 ax/cor after Dotarem.", "T1", "post"),
        # a compact "pre and post" qualifies its own sequence, not the rest of the list after a comma
        ("TECHNIQUE: 3D MPRAGE pre and post contrast, axial T2, axial FLAIR.", "3D MPRAGE", "both"),
        ("TECHNIQUE: 3D MPRAGE pre and post contrast, axial T2, axial FLAIR.", "FLAIR", "unspecified"),
        ("Technique: pre and post contrast axial and coronal T1.", "T1", "both"),
        # "following <dose> <agent>" after a list qualifies its last item; "post Gd" the sequence after it
        ("TECH: SAG T1, AX T2, AX FLAIR, AX DWI, AX/COR T1 FOLLOWING 15 CC MAGNEVIST.", "FLAIR", "pre"),
        ("TECH: SAG T1, AX T2, AX FLAIR, AX DWI, AX/COR T1 FOLLOWING 15 CC MAGNEVIST.", "DWI", "pre"),
        ("Axial and coronal T1 images were obtained following 15 mL of gadobutrol.", "T1", "post"),
        ("Axial T1 images through the IACs and axial FLAIR images, obtained after 7 mL of gadobutrol.", "T1", "post"),
        ("Sequences: post Gd 3D T1, post Gd ax T2 FLAIR, post Gd SWI", "SWI", "post"),
    ],
)
def test_sequence_phase(report, sequence_text, phase):
    assert find(extract(report), sequence_text, "sequence").attributes["phase"] == phase


@pytest.mark.parametrize(
    ("report", "span", "assertion"),
    [
        (
            "MRI BRAIN WITHOUT CONTRAST\nTECHNIQUE: T1, T2, FLAIR, DWI. NO CONTRAST WAS ADMINISTERED.",
            "NO CONTRAST WAS ADMINISTERED",
            "negated",
        ),
        ("MRI BRAIN W/WO CONTRAST. POST CONTRAST T1 SHOWS NO ENHANCEMENT.", "POST CONTRAST", "affirmed"),
        ("EXAM: MRI BRAIN WITH AND WITHOUT GADOLINIUM", "WITH AND WITHOUT GADOLINIUM", "affirmed"),
    ],
)
def test_all_caps(report, span, assertion):
    assert find(extract(report), span, CA).assertion == assertion


@pytest.mark.parametrize(
    ("report", "span"),
    [
        ("Axial T1 after 15 mL gadolinum.", "gadolinum"),
        ("MRI brain withand without contast.", "withand without contast"),
        ("MRI brain withand without gadolinium.", "withand without"),
        ("Post contast T1 images show no enhancement.", "Post contast"),
        ("MRI BRAIN W/ AND W/O CONTRAST", "W/ AND W/O CONTRAST"),
    ],
)
def test_typos(report, span):
    find(extract(report), span, CA)


@pytest.mark.parametrize(
    "report",
    [
        "Clinical details: headaches. Technique: MR brain following intravenous gadolinium. Opinion: no tumour.",
        "MR head pre- and post-gadolinium. Findings: no intracranial haemorrhage or oedema.",
        "Sequences: sagittal T1, axial T2, FLAIR, DWI and post-gadolinium T1. Conclusion: normal.",
    ],
)
def test_british_spelling_reports(report):
    assert any(e.kind == CA and e.assertion == "affirmed" for e in extract(report))


def test_title_with_and_without_but_not_given():
    report = (
        "EXAM: MRI BRAIN WITH AND WITHOUT CONTRAST\n"
        "TECHNIQUE: Sagittal T1, axial T2, FLAIR and DWI. IV access could not be obtained; contrast was not administered.\n"
        "IMPRESSION: Normal noncontrast examination."
    )
    evidence = extract(report)
    title = find(evidence, "WITH AND WITHOUT CONTRAST", CA)
    assert (title.section, title.assertion) == ("exam", "affirmed")
    performed = find(evidence, "contrast was not administered", CA)
    assert (performed.section, performed.assertion) == ("technique", "negated")


def test_title_without_but_contrast_added():
    report = (
        "EXAM: MRI brain without contrast\n"
        "TECHNIQUE: Axial T2, FLAIR and DWI. Because of an unexpected mass, 7 mL Gadavist was given and post-contrast "
        "axial and coronal T1 images were obtained.\n"
    )
    evidence = extract(report)
    assert find(evidence, "contrast", CA).assertion == "negated"
    assert find(evidence, "Gadavist", CA).assertion == "affirmed"
    assert find(evidence, "T1", "sequence").attributes["phase"] == "post"


@pytest.mark.parametrize(
    ("report", "span"),
    [
        (
            "MRI BRAIN\nTECHNIQUE: Non-contrast T1, T2, FLAIR.\nADDENDUM: 15 mL MultiHance was given; post-contrast images reviewed.",
            "MultiHance",
        ),
        (
            "Exam: MRI head without contrast.\nAddendum: Correction, post-contrast T1 images were obtained after gadolinium.",
            "after gadolinium",
        ),
        (
            "FINDINGS: Normal.\n\nADDENDUM #1\nContrast was administered and post-contrast sequences are unremarkable.",
            "Contrast was administered",
        ),
    ],
)
def test_addendum_is_its_own_section(report, span):
    item = find(extract(report), span, CA)
    assert (item.section, item.assertion) == ("addendum", "affirmed")


@pytest.mark.parametrize(
    "report",
    [
        "DSC perfusion was performed during a bolus of 7.5 mL gadobutrol.",
        "Dynamic susceptibility contrast perfusion imaging was performed.",
        "Perfusion: DSC with rCBV maps.",
    ],
)
def test_perfusion_bolus_is_post_contrast(report):
    perfusion = [e for e in kinds(extract(report), "sequence") if e.attributes["sequence"] == "perfusion_dsc"]
    assert perfusion and all(p.attributes["phase"] == "post" for p in perfusion)
    assert all(p.attributes.get("contrast_bolus") for p in perfusion)


@pytest.mark.parametrize(
    ("report", "expected"),
    [
        (
            "EXAM: MRI PITUITARY W/WO\nTECHNIQUE: Coronal T2, then dynamic coronal T1 during gadolinium injection.",
            "sella",
        ),
        ("MRI IACs with and without contrast. CISS through the internal auditory canals.", "iac"),
        ("CT head without and with contrast.", None),
        ("MRI ORBITS W/WO CONTRAST", "orbit"),
        ("MRI CERVICAL SPINE WITHOUT CONTRAST", "spine"),
    ],
)
def test_exam_scope_regions(report, expected):
    regions = {e.attributes["region"] for e in kinds(extract(report), "exam_scope") if "region" in e.attributes}
    if expected:
        assert expected in regions
    modalities = {e.attributes["modality"] for e in kinds(extract(report), "exam_scope") if "modality" in e.attributes}
    assert modalities, "a modality cue must be found"


@pytest.mark.parametrize(
    ("report", "span"),
    [
        (
            "TECHNIQUE: Sagittal T1, axial T2, FLAIR and DWI. The examination was terminated before contrast because "
            "of claustrophobia.",
            "examination was terminated before contrast",
        ),
        (
            "TECHNIQUE: Sag T1, ax T2, ax FLAIR, DWI. The exam was stopped prior to the injection at patient request.",
            "exam was stopped prior to the injection",
        ),
        ("TECHNIQUE: Sag T1, ax T2, DWI. Study aborted before gadolinium.", "Study aborted before gadolinium"),
        ("TECHNIQUE: Sag T1, ax T2, DWI. Scanning terminated before contrast.", "Scanning terminated before contrast"),
    ],
)
def test_exam_stopped_before_contrast_means_none_given(report, span):
    # "before contrast" alone names pre-contrast imaging (contrast given later); an exam stopped before it
    # means contrast was never given. The stopped-exam phrase must win over the shorter abort phrase inside it.
    item = find(extract(report), span, CA)
    assert (item.assertion, item.attributes["protocol"]) == ("negated", "none")
    assert not [e for e in extract(report) if e.kind == CA and e.assertion == "affirmed"]


def test_exam_stopped_before_contrast_is_coded_without_contrast():
    report = (
        "EXAM: MRI BRAIN WITHOUT AND WITH CONTRAST\n"
        "TECHNIQUE: Sagittal T1, axial T2, FLAIR and DWI were obtained. The examination was terminated before "
        "contrast because of claustrophobia.\n"
        "FINDINGS: No acute infarct. No mass.\n"
        "IMPRESSION: Normal noncontrast study."
    )
    result = suggest(report)
    assert result["code"] == "70551"
    assert "examination was terminated before contrast" in result["rationale"]


@pytest.mark.parametrize(
    ("report", "abort_type"),
    [
        ("The exam was discontinued after the localizer because of claustrophobia.", "discontinued"),
        ("Limited exam: only sagittal T1 and axial DWI were obtained.", "reduced"),
        ("Images are motion-degraded but the protocol was completed.", "motion"),
    ],
)
def test_abort_cues(report, abort_type):
    assert abort_type in {e.attributes["abort_type"] for e in kinds(extract(report), "abort")}


@pytest.mark.parametrize(
    "report",
    [
        "Post-contrast imaging only; pre-contrast images were obtained at the outside facility yesterday.",
        "MRI BRAIN POST CONTRAST ONLY",
        "The patient returned for post-gadolinium sequences.",
        "No sequences were acquired prior to injection.",
        "Axial FLAIR and 3D T1 were acquired and no images were obtained before the injection.",
        "MRI BRAIN - POST CONTRAST VOLUME ONLY (SRS follow-up)",
        "Technique: 7.5 mL Gadovist. Post-contrast MPRAGE only.",
    ],
)
def test_post_contrast_only_cues(report):
    assert kinds(extract(report), "post_contrast_only")


def test_image_contrast_is_not_iv_contrast():
    evidence = extract("Gray-white matter contrast is preserved. Phase contrast CSF flow study is normal.")
    assert not kinds(evidence, CA)


def test_sequences_listed_before_the_contrast_sentence_are_pre():
    report = (
        "TECHNIQUE: Sagittal T1, axial T2 and FLAIR images were obtained. After intravenous administration of "
        "7.5 mL Gadavist, axial and coronal T1 images were obtained."
    )
    evidence = extract(report)
    flair = find(evidence, "FLAIR images", "sequence")
    assert flair.attributes["phase"] == "pre" and flair.attributes["phase_inferred"] is True
    assert find(evidence, "T2", "sequence").attributes["phase"] == "pre"
    assert find(evidence, "T1", "sequence", nth=1).attributes["phase"] == "post"


def test_no_order_inference_when_imaging_was_only_after_contrast():
    report = (
        "TECHNIQUE: Axial FLAIR and DWI. Post-contrast imaging only; 7.5 mL Gadavist IV, then axial T1. "
        "Pre-contrast images were obtained at the outside facility yesterday."
    )
    evidence = extract(report)
    assert find(evidence, "FLAIR", "sequence").attributes["phase"] != "pre"


@pytest.mark.parametrize(
    "report",
    [
        "The subarachnoid space and the disc space at C2-3 are normal.",
        "Functional status has improved since the stroke; he may not drive.",
        "Cube-shaped calcification; resolve the question at follow-up.",
    ],
)
def test_ordinary_words_are_not_sequences_or_fmri(report):
    evidence = extract(report)
    assert not kinds(evidence, "sequence")
    assert not [e for e in kinds(evidence, "exam_scope") if e.attributes.get("modality") == "fmri"]


@pytest.mark.parametrize(
    ("report", "sequence"),
    [("Axial 3D SPACE through the IACs.", "heavy_T2"), ("Sagittal CUBE FLAIR.", "FLAIR"), ("Axial VIBE post.", "T1_3D")],
)
def test_vendor_sequence_names_in_capitals_are_sequences(report, sequence):
    assert sequence in {e.attributes["sequence"] for e in kinds(extract(report), "sequence")}


def test_functional_mri_is_still_fmri():
    modalities = {e.attributes.get("modality") for e in kinds(extract("Functional MRI for language mapping."), "exam_scope")}
    assert "fmri" in modalities


@pytest.mark.parametrize(
    "report",
    [
        "Mild disc bulge at C7-T1 without canal stenosis.",
        "Small disc protrusion at T1-2.",
        "The T1 vertebral body is normal in height.",
        "At the T1 level the cord is normal.",
    ],
)
def test_vertebral_level_t1_is_not_a_t1_sequence(report):
    assert not kinds(extract(report), "sequence")


@pytest.mark.parametrize("report", ["Coronal T1 through the sella.", "Axial T1 post-contrast images."])
def test_t1_sequences_next_to_words_levels_use_are_still_sequences(report):
    assert [e.attributes["sequence"] for e in kinds(extract(report), "sequence")] == ["T1"]


@pytest.mark.parametrize(
    ("report", "span", "expected"),
    [
        ("Technique: Non-contrast study. Gadolinium not given in pregnancy.", "Gadolinium", "negated"),
        ("Per the monitoring protocol, gadolinium is not administered.", "gadolinium", "negated"),
        ("Contrast was not requested by the ICU team.", "Contrast", "negated"),
        ("Impression: Unremarkable. Evaluation is limited by lack of contrast.", "contrast", "negated"),
        ("She asked to come out of the scanner before contrast.", "scanner before contrast", "negated"),
        ("A contrast-enhanced MRI would better characterize the lesion.", "contrast-enhanced", "hypothetical"),
        ("Post-contrast imaging is strongly recommended once IV access is secured.", "Post-contrast", "hypothetical"),
    ],
)
def test_contrast_not_given_or_only_proposed(report, span, expected):
    assert find(extract(report), span).assertion == expected


def test_perfusion_proposed_for_the_next_study_is_not_this_session():
    (perfusion,) = kinds(extract("Perfusion imaging at the next study may help."), "sequence")
    assert perfusion.assertion == "hypothetical"


def test_exam_stopped_after_contrast_keeps_contrast_given():
    assert assertions("The exam was stopped after gadolinium injection because of a reaction.") == {
        "after gadolinium": "affirmed"
    }


@pytest.mark.parametrize(
    ("report", "region"),
    [
        ("Sagittal T1, T2 and STIR images of the thoracic spine were obtained.", "spine"),
        ("Thin axial T2 images through the IACs.", "iac"),
    ],
)
def test_region_imaged_by_named_sequences_is_the_exam_scope(report, region):
    scopes = {e.attributes.get("region"): e for e in kinds(extract(report), "exam_scope")}
    assert scopes[region].attributes["named_by"] == "sequences"


def test_brain_mri_adding_spine_images_is_not_out_of_scope_by_rule():
    text = "Sagittal and coronal T1, axial T2 and axial T1 post gadolinium images. Spine post-gadolinium images of the whole spine."
    features = featurize(extract(text), text)
    assert not features.get("derived:untitled_out_of_scope")


def test_region_in_findings_prose_is_anatomy():
    assert not kinds(extract("The orbits are normal. FLAIR signal is normal."), "exam_scope")


@pytest.mark.parametrize(
    "report",
    [
        "ADDENDUM: No contrast was administered. The series labeled post-contrast is a repeat of the axial T1.",
        "Addendum: gadolinium was not given; the images labelled as post-contrast repeat the axial T1.",
    ],
)
def test_series_labelled_post_contrast_is_not_contrast_given(report):
    # a PACS series label ("post-contrast") is not a statement that contrast was given
    assert assertions(report)["post-contrast"] == "hypothetical"
    features = featurize(extract(report), report)
    assert features.get("derived:addendum_not_given") and not features.get("derived:addendum_given")


@pytest.mark.parametrize(
    "report",
    [
        "MRI IACs.\nThin axial T1 images through the IACs and axial FLAIR images of the brain, obtained after "
        "intravenous gadolinium. No enhancing mass. The FLAIR images are unremarkable.",
        "EXAM: MRI BRAIN WITH CONTRAST\nTECHNIQUE: Post-contrast axial T2 FLAIR and T1.\n"
        "FINDINGS: No abnormal enhancement. FLAIR signal is normal.",
    ],
)
def test_findings_naming_a_post_contrast_sequence_again_are_not_pre_contrast_imaging(report):
    # 70552, not 70553: the FLAIR the findings discuss is the one acquired after the injection
    features = featurize(extract(report), report)
    assert features["derived:contrast_given"] and not features.get("derived:pre_and_given")
    assert features["sequence:named_again"] == 1


@pytest.mark.parametrize(
    "report",
    [
        "FINDINGS: No enhancing lesion on the axial post-contrast images.",
        "Findings: No venous sinus thrombosis on post-contrast images.",
        "IMPRESSION: No metastases on the post-contrast imaging.",
    ],
)
def test_no_finding_on_post_contrast_images_does_not_negate_the_contrast(report):
    # "no" negates the finding; the post-contrast images were obtained
    assert assertions(report)["post-contrast"] == "affirmed"


@pytest.mark.parametrize(
    ("report", "span"),
    [
        ("Technique: Non-contrast axial DWI, FLAIR and T2. Following gadolinium, axial T1.", "Non-contrast"),
        ("TECHNIQUE: Unenhanced sagittal T1 and axial T2, then post-contrast axial T1.", "Unenhanced"),
    ],
)
def test_non_contrast_naming_the_phase_of_the_sequences_after_it_is_the_pre_contrast_part(report, span):
    e = find(extract(report), span, CA)
    assert e.assertion == "negated" and e.attributes["protocol"] == "pre"
    features = featurize(extract(report), report)
    assert not features.get("derived:conflict") and features["derived:pre_and_given"]


def test_non_contrast_study_is_still_no_contrast():
    report = "Technique: Axial T2, FLAIR and DWI. Non-contrast study."
    assert find(extract(report), "Non-contrast", CA).attributes["protocol"] == "none"


@pytest.mark.parametrize(
    ("report", "span"),
    [
        ("Findings: No tumour, no pathological contrast uptake.", "contrast uptake"),
        ("Findings: No nodular uptake of contrast.", "uptake of contrast"),
        ("Findings: No lesion with gadolinium enhancement.", "with gadolinium enhancement"),
    ],
)
def test_contrast_uptake_is_enhancement_not_administration(report, span):
    assert find(extract(report), span).kind == "enhancement"
    assert not [e for e in extract(report) if e.kind == CA]


@pytest.mark.parametrize(
    "report",
    [
        "TECHNIQUE: Sagittal T1, axial T2 and FLAIR. Gadobutrol 7 mL IV, then axial post-contrast T1. "
        "The remaining post-contrast sequences were not acquired.",
        "TECHNIQUE: Axial T2, FLAIR and DWI. Gadoterate 12 mL IV and a post-contrast axial T1. "
        "The planned 3D post-contrast MPRAGE was not obtained.",
    ],
)
def test_some_post_contrast_sequences_not_done_is_a_reduced_exam_not_no_contrast(report):
    # 70553 reduced (modifier 52), not a contrast conflict
    negated = [e for e in extract(report) if e.kind == CA and e.assertion == "negated"]
    assert [e.attributes["protocol"] for e in negated] == ["post_partial"]
    features = featurize(extract(report), report)
    assert features["derived:contrast_given"] and not features.get("derived:conflict")


def test_all_post_contrast_sequences_not_done_is_still_no_contrast():
    report = "TECHNIQUE: Axial T2 and FLAIR. The patient asked to stop. Post-contrast sequences were not obtained."
    assert find(extract(report), "Post-contrast", CA).attributes["protocol"] == "post"


@pytest.mark.parametrize(
    ("title", "span"),
    [
        ("MRI BRAIN W AND W/O CONTRAST", "W AND W/O CONTRAST"),
        ("MRI BRAIN W WO CONTRAST", "W WO CONTRAST"),
        ("MRI Brain w and w/o contast", "w and w/o contast"),
        ("MRI IACs / Brain w & w/o contrast", "w & w/o contrast"),
        ("MRI BRAIN W/O AND W CONTRAST", "W/O AND W CONTRAST"),
    ],
)
def test_with_and_without_shorthand_titles_are_a_pre_and_post_order(title, span):
    # the "w/o" inside "w and w/o" does not negate the contrast: the order is with and without
    item = find(extract(title), span, CA)
    assert item.assertion == "affirmed" and item.attributes["protocol"] == "pre_and_post"


@pytest.mark.parametrize("title", ["MRI BRAIN W/O CONTRAST", "MRI brain wo contrast"])
def test_without_shorthand_title_is_still_negated(title):
    assert [e.assertion for e in extract(title) if e.kind == CA] == ["negated"]


@pytest.mark.parametrize(
    ("report", "span", "assertion"),
    [
        ("TECHNIQUE: Axial T1 after 7 mL gadobutrol. No unenhanced sequences were acquired.", "unenhanced sequences", "negated"),
        ("TECHNIQUE: Post-contrast T1 only. Plain sequences were not repeated.", "Plain sequences", "negated"),
        ("TECHNIQUE: Post-contrast T1. The non-contrast sequences from 10/07/2023 were used.", "non-contrast sequences", "historical"),
        ("TECHNIQUE: Post-contrast T1. Non-contrast sequences were obtained previously.", "Non-contrast sequences", "historical"),
        ("TECHNIQUE: Non-contrast sequences: axial T2 and FLAIR. Then gadolinium and axial T1.", "Non-contrast sequences", "affirmed"),
    ],
)
def test_pre_contrast_series_named_as_not_done_today_is_not_pre_contrast_imaging(report, span, assertion):
    # 70552: "no unenhanced sequences", "plain sequences not repeated" must not count as pre-contrast imaging
    assert find(extract(report), span, "sequence").assertion == assertion


def test_a_dynamic_process_is_not_a_dynamic_sequence():
    report = "FINDINGS: Evolving infarct. This remains a dynamic process. IMPRESSION: No new infarct."
    assert not kinds(extract(report), "sequence")


@pytest.mark.parametrize(
    ("sentence", "cue"),
    [
        ("Contrast was omitted given the patient's renal function.", "was omitted"),
        ("Gadolinium is omitted because of pregnancy.", "omitted"),
        ("Gadolinium was therefore omitted (eGFR 24).", "omitted"),
    ],
)
def test_contrast_withheld_is_not_a_reduced_exam(sentence, cue):
    # The sequences without contrast are the whole exam: 70551 with no modifier 52.
    report = (
        "MRI BRAIN WITHOUT CONTRAST\n"
        f"TECHNIQUE: Sagittal T1, axial T2, axial FLAIR, axial DWI. {sentence}\n"
        "FINDINGS: No acute infarct. No mass effect.\n"
        "IMPRESSION: No acute intracranial abnormality."
    )
    evidence = extract(report)
    assert find(evidence, cue, "abort").attributes["abort_type"] == "contrast_withheld"
    assert [e.assertion for e in evidence if e.kind == CA and e.section == "technique"] == ["negated"]
    result = suggest(report)
    assert result["code"] == "70551" and result["modifiers"] == []


def test_post_contrast_sequences_omitted_is_still_a_reduced_exam():
    report = "TECHNIQUE: Axial T2 and FLAIR. Gadobutrol 7 mL IV, then axial T1. The remaining post-contrast sequences were omitted."
    assert find(extract(report), "were omitted", "abort").attributes["abort_type"] == "reduced"


@pytest.mark.parametrize(
    ("sentence", "span"),
    [
        ("No unenhanced sellar sequences were repeated.", "unenhanced"),
        ("Please see the separate report of 08/02/2023 for the non-contrast findings.", "non-contrast"),
        ("The non-contrast brain protocol was obtained on 01/16/2024.", "non-contrast"),
    ],
)
def test_noncontrast_imaging_named_in_a_contrast_session_is_the_pre_contrast_phase(sentence, span):
    # 70552: the non-contrast imaging belongs to another session; it does not say that no contrast was given
    report = f"TECHNIQUE: 7.5 mL gadobutrol IV, followed by coronal and sagittal post-contrast T1. {sentence}"
    item = find(extract(report), span, CA)
    assert (item.assertion, item.attributes["protocol"]) == ("negated", "pre")
    assert not featurize(extract(report), report).get("derived:conflict")


def test_noncontrast_exam_with_contrast_named_is_still_a_conflict():
    report = (
        "TECHNIQUE: Sagittal T1, axial T2, FLAIR; post-contrast axial T1 following 7 mL Gadavist.\n"
        "NOTE: IV infiltrated prior to injection. This is a noncontrast exam."
    )
    assert find(extract(report), "noncontrast", CA).attributes["protocol"] == "none"
    assert featurize(extract(report), report)["derived:conflict"]


@pytest.mark.parametrize(
    ("sentence", "span"),
    [
        ("Patient recalled following yesterday's unenhanced study.", "unenhanced"),
        ("An unenhanced MRI performed 2 days earlier showed a ring-shaped lesion.", "unenhanced"),
        ("The pre-contrast images were reported separately (see MRI brain without contrast, 04/02).", "contrast"),
    ],
)
def test_noncontrast_exam_of_another_day_is_historical_in_a_post_contrast_session(sentence, span):
    # 70552: another day's exam without contrast, not a statement that today's had none
    report = f"MRI BRAIN\n{sentence} Axial and coronal T1 fat-saturated images following 15 mL gadoterate. The lesion enhances."
    item = find(extract(report), span, CA)
    assert item.assertion == "historical"
    assert not featurize(extract(report), report).get("derived:conflict")


def test_noncontrast_exam_with_a_date_is_still_negated_when_no_contrast_was_given():
    report = "MRI BRAIN 04/02/2025\nTECHNIQUE: Noncontrast study, 04/02/2025. Axial T2, FLAIR and DWI.\nIMPRESSION: Normal."
    assert find(extract(report), "Noncontrast", CA).assertion == "negated"


@pytest.mark.parametrize(
    ("report", "span", "kind", "assertion"),
    [
        # the order named in an addendum is not what was done
        (
            "ADDENDUM: the order was placed as MRI brain w/wo contrast, but it was changed to a non-contrast study.",
            "w/wo contrast",
            CA,
            "hypothetical",
        ),
        # a rescheduled exam's contrast is planned, however far it is named from "rescheduling"
        (
            "IMPRESSION: Suggest rescheduling in the wide-bore magnet with oral anxiolysis for the full pre- and "
            "post-contrast IAC protocol.",
            "pre- and post-contrast",
            CA,
            "hypothetical",
        ),
        # an exam stopped "for claustrophobia" before contrast had none
        ("IMPRESSION: Incomplete examination, terminated for claustrophobia prior to contrast.", "terminated for claustrophobia prior to contrast", CA, "negated"),
        # enhancement that was not assessed was not seen
        ("IMPRESSION: Dural tail and enhancement characteristics not assessed on this study.", "enhancement", "enhancement", "hypothetical"),
    ],
)
def test_contrast_that_was_not_part_of_this_exam(report, span, kind, assertion):
    assert find(extract(report), span, kind).assertion == assertion


@pytest.mark.parametrize(
    "sentence",
    [
        "Given the documented prior reaction, intravenous contrast was not administered.",
        "Although the study was requested with and without contrast, IV contrast was not administered.",
    ],
)
def test_contrast_not_administered_stays_negated_next_to_a_prior_or_a_request(sentence):
    # "prior reaction" and "requested" qualify other words; the statement says no contrast was given
    item = find(extract(f"TECHNIQUE: Axial T2, FLAIR and DWI. {sentence}"), "contrast was not administered", CA)
    assert item.assertion == "negated"
