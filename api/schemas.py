"""Request and response models of the API: the output contract of DESIGN §4, typed."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

Status = Literal["suggested", "needs_review", "out_of_scope"]


class SuggestRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str = Field(description="The report text, exactly as written (offsets index into it).")
    id: str | None = Field(default=None, max_length=200, description="Your identifier, echoed back.")


class BatchRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reports: list[SuggestRequest] = Field(min_length=1, description="Up to the configured batch limit (100).")


class EvidenceItem(BaseModel):
    model_config = ConfigDict(extra="allow")

    kind: str
    text: str
    start: int
    end: int
    section: str
    assertion: Literal["affirmed", "negated", "hypothetical", "historical"]
    supports: str | None = None


class Indication(BaseModel):
    text: str
    start: int
    end: int
    icd10cm: list[str]


class Suggestion(BaseModel):
    id: str | None
    code: Literal["70551", "70552", "70553"] | None
    status: Status
    confidence: float
    probabilities: dict[str, float]
    description: str | None
    evidence: list[EvidenceItem]
    indications: list[Indication]
    modifiers: list[Any]
    also_codes: list[Any]
    supply: list[Any]
    flags: list[str]
    rationale: str
    model_version: str


class BatchResponse(BaseModel):
    results: list[Suggestion]
    count: int


class CodeInfo(BaseModel):
    code: str
    kind: Literal["cpt", "hcpcs", "modifier"]
    description: str


class CodesResponse(BaseModel):
    data: list[CodeInfo]


class Health(BaseModel):
    status: Literal["ok"]


class Ready(BaseModel):
    status: Literal["ready"]
    model_version: str


class ErrorDetail(BaseModel):
    code: str
    message: str
    fields: list[dict[str, Any]] | None = None


class ErrorResponse(BaseModel):
    error: ErrorDetail
    request_id: str | None = None
