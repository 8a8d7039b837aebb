"""Supply, modifiers, also-codes, ICD-10-CM and documentation flags, rule by rule."""

from __future__ import annotations

import pytest

from nlp_coder import extract
from nlp_coder.billing import BillingPolicy, billing_extras, is_billable_icd10cm

TECH = (
    "EXAM: MRI BRAIN WITHOUT AND WITH CONTRAST\nTECHNIQUE: Sagittal T1, axial T2 and FLAIR, followed by axial T1 after "
)


def extras(text: str, code: str, policy: BillingPolicy | None = None) -> dict:
    return billing_extras(extract(text), code, policy)


@pytest.mark.parametrize(
    ("dose", "hcpcs", "units", "verified"),
    [
        ("intravenous administration of 7.5 mL Gadavist.", "A9585", 75, True),
        ("IV injection of 15 mL Dotarem.", "A9575", 150, True),
        ("7 mL of intravenous gadobutrol.", "A9585", 70, True),
        ("IV administration of 15 cc ProHance.", "A9576", 15, False),
        ("IV MultiHance 14.5 mL.", "A9577", 15, False),
        ("IV gadolinium 10 mL.", "A9579", 10, False),
    ],
)
def test_supply_code_and_units(dose, hcpcs, units, verified):
    (item,) = extras(TECH + dose, "70553")["supply"]
    assert (item["hcpcs"], item["units"], item["verified"]) == (hcpcs, units, verified)


def test_units_rounding_policy():
    text = TECH + "IV MultiHance 14.4 mL."
    assert extras(text, "70553")["supply"][0]["units"] == 15
    assert extras(text, "70553", BillingPolicy(rounding="nearest"))["supply"][0]["units"] == 14


@pytest.mark.parametrize("dose", ["IV Gadavist 0.1 mmol/kg.", "IV Gadavist, weight-based dose.", "IV Gadavist."])
def test_no_volume_no_units(dose):
    result = extras(TECH + dose, "70553")
    assert result["supply"][0]["units"] is None and result["supply"][0]["volume_ml"] is None
    assert "missing_contrast_volume" in result["flags"]


def test_no_supply_without_contrast():
    assert extras("MRI brain without contrast. Axial T2 and FLAIR.", "70551")["supply"] == []


def test_liver_agent_flag():
    assert "liver_agent_in_brain_exam" in extras(TECH + "IV Eovist 10 mL.", "70553")["flags"]


@pytest.mark.parametrize(
    ("text", "code", "expected"),
    [
        ("MRI brain. The exam was discontinued after the localizer because of claustrophobia.", "70551", ["53"]),
        (
            "MRI brain. Study terminated after two sequences; the patient could not tolerate the scanner.",
            "70551",
            ["53"],
        ),
        (
            "MRI brain. Limited exam: only sagittal T1 and axial DWI were obtained at the clinician's request.",
            "70551",
            ["52"],
        ),
        ("MRI brain. Abbreviated protocol: axial FLAIR and DWI.", "70551", ["52"]),
        ("MRI brain. Images are motion-degraded but the protocol was completed.", "70551", []),
        ("MRI brain. Motion artifact limits evaluation of the posterior fossa.", "70551", []),
    ],
)
def test_modifiers(text, code, expected):
    assert extras(text, code)["modifiers"] == expected


def test_hospital_outpatient_policy():
    text = "MRI brain. The exam was discontinued after the localizer because of claustrophobia."
    assert extras(text, "70551", BillingPolicy(setting="hospital_outpatient"))["modifiers"] == ["73"]


def test_never_26_or_tc():
    text = "MRI brain, professional interpretation only. The study was terminated early."
    assert not {"26", "TC"} & set(extras(text, "70551")["modifiers"])


@pytest.mark.parametrize(
    ("text", "code", "expected"),
    [
        (
            "EXAM: MRI BRAIN AND MRA HEAD WITHOUT CONTRAST\nTECHNIQUE: Axial T2, FLAIR, DWI; 3D TOF MRA of the circle of Willis.",
            "70551",
            ["70544"],
        ),
        (TECH + "IV Gadavist 7.5 mL. 3D TOF MRA of the head was also obtained.", "70553", ["70544"]),
        (
            "EXAM: MRI BRAIN AND MRA HEAD WITH AND WITHOUT CONTRAST\nTECHNIQUE: T2, FLAIR; 3D TOF MRA and contrast-enhanced MRA after 7.5 mL Gadavist.",
            "70553",
            ["70546"],
        ),
        (
            "EXAM: MRI BRAIN WITH MR SPECTROSCOPY\nTECHNIQUE: Axial T2, FLAIR; single voxel spectroscopy of the lesion.",
            "70551",
            ["76390"],
        ),
        (
            "EXAM: MRI BRAIN AND ORBITS WITHOUT AND WITH CONTRAST\nTECHNIQUE: "
            + "T2 and post-contrast T1 after 7 mL Gadavist.",
            "70553",
            ["70543"],
        ),
        ("TECHNIQUE: Trigeminal protocol: CISS and a short TOF sequence for vessel mapping.", "70551", []),
    ],
)
def test_also_codes(text, code, expected):
    assert extras(text, code)["also_codes"] == expected


def test_spectroscopy_medicare_flag():
    text = "EXAM: MRI BRAIN\nTECHNIQUE: Axial T2, FLAIR and MR spectroscopy."
    assert "mrs_not_covered_by_medicare" in extras(text, "70551")["flags"]


@pytest.mark.parametrize(
    ("indication", "codes"),
    [
        ("headache", ["R51.9"]),
        ("new seizure", ["R56.9"]),
        ("relapsing-remitting multiple sclerosis", ["G35.A"]),
        ("multiple sclerosis", ["G35.D"]),
        ("vestibular schwannoma", ["D33.3"]),
        ("dizziness", ["R42"]),
    ],
)
def test_indication_codes_are_billable(indication, codes):
    result = extras(f"HISTORY: {indication}.\nMRI brain without contrast.", "70551")
    assert [c for item in result["indications"] for c in item["icd10cm"]] == codes
    assert all(is_billable_icd10cm(c) for c in codes)


@pytest.mark.parametrize("code", ["G35", "R51", "C71", "XYZ.1"])
def test_non_billable_codes_are_refused(code):
    assert not is_billable_icd10cm(code)


@pytest.mark.parametrize(
    ("text", "code", "flag", "present"),
    [
        (
            "EXAM: MRI BRAIN WITH AND WITHOUT CONTRAST\nTECHNIQUE: T2 and FLAIR. No contrast was administered.",
            "70551",
            "order_performed_mismatch",
            True,
        ),
        (
            "EXAM: MRI BRAIN WITHOUT CONTRAST\nTECHNIQUE: T2, FLAIR, then post-contrast T1 after 7 mL IV Gadavist.",
            "70553",
            "order_performed_mismatch",
            True,
        ),
        ("EXAM: MRI BRAIN WITHOUT CONTRAST\nTECHNIQUE: T2 and FLAIR.", "70551", "order_performed_mismatch", False),
        ("MRI brain. Post-contrast T1 images show no enhancement.", "70553", "technique_section_missing", True),
        (TECH + "gadolinium.", "70553", "contrast_documentation_incomplete", True),
        (TECH + "intravenous administration of 7.5 mL Gadavist.", "70553", "contrast_documentation_incomplete", False),
        (
            TECH + "IV Gadavist 7.5 mL. The patient returned later the same day for a second session.",
            "70553",
            "separate_sessions_same_day",
            True,
        ),
    ],
)
def test_documentation_flags(text, code, flag, present):
    assert (flag in extras(text, code)["flags"]) is present
