"""What a coder adds beside the CPT code: contrast supply, modifiers, also-codes, ICD-10-CM, flags.

All of it is derived from the evidence with explicit rules (DESIGN §1.2 items 9-11, §1.3, §1.4):

* supply: HCPCS A95xx by agent from ``hcpcs_supply.json`` (with its ``verified`` flag); units are the
  volume in mL divided by the code's unit size, rounded up to a whole unit by default (a partial unit
  cannot be billed, and the dose given exceeds the previous whole unit); ``rounding="nearest"`` is the
  alternative some payers require. No volume in the text means no units and a
  ``missing_contrast_volume`` flag.
* modifiers: 53 for a discontinued exam, 52 for a reduced one ("motion-degraded but complete" is
  neither); the ``hospital_outpatient`` policy reports 73 (discontinued before contrast was given) or
  74 (after) instead of 53. 26/TC are never suggested: the report cannot tell them.
* also-codes: MRA head 70544/70545/70546 by the MRA's own contrast (time-of-flight is non-contrast),
  MR spectroscopy 76390 (flagged: Medicare does not cover it), orbits 70540/70542/70543.
* ICD-10-CM: indication evidence mapped by the lexicon, kept only when the code is billable (a leaf of
  the FY code set in ``simple_icd_10_cm``); suggestions for medical necessity, never final.
"""

from __future__ import annotations

import json
import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any, Literal

from nlp_coder.features import CURRENT_GROUPS, section_group
from nlp_coder.types import Evidence

__all__ = ["BillingPolicy", "billing_extras", "is_billable_icd10cm", "supply_table"]

ORBIT_CODES = {"70551": "70540", "70552": "70542", "70553": "70543"}


@dataclass(frozen=True)
class BillingPolicy:
    """Facility policy for modifiers and unit rounding."""

    setting: Literal["professional", "hospital_outpatient"] = "professional"
    rounding: Literal["up", "nearest"] = "up"


@lru_cache(maxsize=1)
def supply_table() -> dict[str, dict[str, Any]]:
    raw = resources.files("nlp_coder.resources").joinpath("hcpcs_supply.json").read_text(encoding="utf-8")
    return {row["agent"]: row for row in json.loads(raw)["supply_codes"]}


@lru_cache(maxsize=4096)
def is_billable_icd10cm(code: str) -> bool:
    with warnings.catch_warnings():
        # simple_icd_10_cm loads its code list with importlib.resources' legacy read_text/open_text.
        warnings.simplefilter("ignore", DeprecationWarning)
        import simple_icd_10_cm as icd

        return bool(icd.is_valid_item(code) and icd.is_leaf(code))


def _current(e: Evidence) -> bool:
    return section_group(e.section) in CURRENT_GROUPS and e.assertion == "affirmed"


def _units(volume_ml: float, unit_ml: float, rounding: str) -> int:
    exact = volume_ml / unit_ml
    if rounding == "nearest":
        return max(1, int(math.floor(exact + 0.5)))
    return int(math.ceil(exact - 1e-9))


def _supply(evidence: Sequence[Evidence], code: str | None, policy: BillingPolicy, flags: list[str]) -> list[dict]:
    if code not in ("70552", "70553"):
        return []
    given = [e for e in evidence if e.kind == "contrast_administration" and _current(e)]
    agents = [e.attributes["agent"] for e in given if "agent" in e.attributes]
    agent = agents[-1] if agents else "gadolinium"  # an addendum's agent, being later, wins
    doses = [
        e
        for e in evidence
        if e.kind == "contrast_dose" and _current(e) and e.attributes.get("unit") == "mL" and "value" in e.attributes
    ]
    row = supply_table().get(agent) or supply_table()["gadolinium"]
    item: dict[str, Any] = {
        "hcpcs": row["hcpcs"],
        "agent": agent,
        "verified": bool(row["verified"]),
        "unit_ml": row["unit_ml"],
        "volume_ml": None,
        "units": None,
    }
    if doses:
        # Several mL doses in one session (preload + bolus) are summed; repeats of one number are one dose.
        volume = round(sum({d.attributes["value"] for d in doses}), 3)
        item["volume_ml"] = volume
        item["units"] = _units(volume, row["unit_ml"], policy.rounding)
    else:
        flags.append("missing_contrast_volume")
    if agent == "gadoxetate":
        flags.append("liver_agent_in_brain_exam")
    return [item]


def _modifiers(evidence: Sequence[Evidence], code: str | None, policy: BillingPolicy) -> list[str]:
    if code is None:
        return []
    cues = [e for e in evidence if e.kind == "abort" and section_group(e.section) in CURRENT_GROUPS]
    types = {e.attributes.get("abort_type") for e in cues}
    if "discontinued" in types:
        if policy.setting == "hospital_outpatient":
            return ["74"] if code in ("70552", "70553") else ["73"]
        return ["53"]
    if "reduced" in types:
        return ["52"]
    return []


def _also_codes(evidence: Sequence[Evidence], code: str | None, flags: list[str]) -> list[str]:
    if code is None:
        return []
    out: list[str] = []
    current = [e for e in evidence if section_group(e.section) in CURRENT_GROUPS and e.assertion == "affirmed"]
    mra_named = any(
        e.kind == "exam_scope"
        and e.attributes.get("modality") == "mra"
        and section_group(e.section) in ("title", "technique")
        for e in current
    ) or any(
        e.kind == "sequence" and e.attributes.get("sequence") in ("TOF", "CE_MRA") and "MRA" in e.text.upper()
        for e in current
    )
    if mra_named:
        tof = any(e.kind == "sequence" and e.attributes.get("sequence") == "TOF" for e in current)
        enhanced = any(e.kind == "sequence" and e.attributes.get("sequence") == "CE_MRA" for e in current)
        out.append("70546" if tof and enhanced else "70545" if enhanced else "70544")
    if any(e.kind == "sequence" and e.attributes.get("sequence") == "MRS" for e in current):
        out.append("76390")
        flags.append("mrs_not_covered_by_medicare")
    title_regions = {e.attributes.get("region") for e in evidence if e.kind == "exam_scope" and e.section == "exam"}
    if "orbit" in title_regions and code in ORBIT_CODES:
        out.append(ORBIT_CODES[code])
    return out


def _indications(evidence: Sequence[Evidence]) -> list[dict[str, Any]]:
    out = []
    for e in evidence:
        if e.kind != "indication" or e.section not in ("indication", "exam", "body"):
            continue
        codes = [c for c in e.attributes.get("icd10cm", []) if is_billable_icd10cm(c)]
        out.append(
            {"text": e.text, "start": e.start, "end": e.end, "concept": e.attributes.get("concept"), "icd10cm": codes}
        )
    return out


def _documentation_flags(evidence: Sequence[Evidence], code: str | None, flags: list[str]) -> None:
    if code is None:
        return
    if not any(e.section in ("technique", "contrast") for e in evidence):
        flags.append("technique_section_missing")
    title = [e for e in evidence if e.kind == "contrast_administration" and e.section == "exam"]
    title_given = any(e.assertion == "affirmed" and e.attributes.get("protocol") != "none" for e in title)
    title_none = any(e.assertion == "negated" for e in title) and not title_given
    if (title_given and code == "70551") or (title_none and code in ("70552", "70553")):
        flags.append("order_performed_mismatch")
    if code in ("70552", "70553"):
        current = [e for e in evidence if _current(e) and section_group(e.section) != "title"]
        has_agent = any(e.kind == "contrast_administration" and "agent" in e.attributes for e in current)
        has_dose = any(e.kind == "contrast_dose" for e in current)
        has_route = any(e.kind == "contrast_route" for e in current) or any(
            e.kind == "contrast_administration" and any(w in e.text.lower() for w in ("intravenous", "iv ", "i.v."))
            for e in current
        )
        if not (has_agent and has_dose and has_route):
            flags.append("contrast_documentation_incomplete")
        if code == "70553" and any(e.kind == "session" and _current(e) for e in evidence):
            sessions = [e.text.lower() for e in evidence if e.kind == "session" and _current(e)]
            if any(word in s for s in sessions for word in ("separate", "second", "returned", "later", "came back")):
                flags.append("separate_sessions_same_day")


def billing_extras(
    evidence: Sequence[Evidence], code: str | None, policy: BillingPolicy | None = None
) -> dict[str, Any]:
    """Supply, modifiers, also-codes, indications and flags for a report coded ``code``."""
    policy = policy or BillingPolicy()
    flags: list[str] = []
    result = {
        "supply": _supply(evidence, code, policy, flags),
        "modifiers": _modifiers(evidence, code, policy),
        "also_codes": _also_codes(evidence, code, flags),
        "indications": _indications(evidence),
    }
    _documentation_flags(evidence, code, flags)
    result["flags"] = list(dict.fromkeys(flags))
    return result
