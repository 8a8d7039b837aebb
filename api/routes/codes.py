"""The code table, in our own words (CPT descriptors are the AMA's copyright)."""

from __future__ import annotations

from fastapi import APIRouter

from api.schemas import CodesResponse

router = APIRouter(prefix="/v1", tags=["codes"])

CODES = [
    ("70551", "cpt", "MRI of the brain and brain stem with no contrast given in the session"),
    ("70552", "cpt", "MRI of the brain with contrast, imaging only after the injection"),
    ("70553", "cpt", "MRI of the brain before contrast, then contrast and further sequences, one session"),
    ("70544", "cpt", "also-code: MR angiography of the head without contrast (e.g. time-of-flight)"),
    ("70545", "cpt", "also-code: MR angiography of the head with contrast"),
    ("70546", "cpt", "also-code: MR angiography of the head without, then with contrast"),
    ("76390", "cpt", "also-code: MR spectroscopy (not covered by Medicare)"),
    ("70540", "cpt", "also-code: MRI of orbits, face and/or neck without contrast"),
    ("70542", "cpt", "also-code: MRI of orbits, face and/or neck with contrast"),
    ("70543", "cpt", "also-code: MRI of orbits, face and/or neck without, then with contrast"),
    ("A9575", "hcpcs", "supply: gadoterate meglumine, per 0.1 mL"),
    ("A9585", "hcpcs", "supply: gadobutrol, per 0.1 mL"),
    ("A9581", "hcpcs", "supply: gadoxetate, per 1 mL (a liver agent)"),
    ("A9576", "hcpcs", "supply: gadoteridol, per 1 mL (to verify)"),
    ("A9577", "hcpcs", "supply: gadobenate, per 1 mL (to verify)"),
    ("A9578", "hcpcs", "supply: gadobenate multipack, per 1 mL (to verify)"),
    ("A9573", "hcpcs", "supply: gadopiclenol, per 1 mL (to verify)"),
    ("A9579", "hcpcs", "supply: gadolinium agent not otherwise specified, per 1 mL (to verify)"),
    ("52", "modifier", "reduced service: part of the planned exam was not done, a reportable part was"),
    ("53", "modifier", "discontinued procedure: stopped for the patient's safety or without usable images"),
    ("73", "modifier", "hospital outpatient: discontinued before anesthesia or the procedure started"),
    ("74", "modifier", "hospital outpatient: discontinued after anesthesia or the procedure started"),
]


@router.get("/codes", response_model=CodesResponse, summary="Codes, supply codes and modifiers")
def codes() -> dict:
    return {"data": [{"code": c, "kind": k, "description": d} for c, k, d in CODES]}
