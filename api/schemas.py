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


class QueueRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reports: list[SuggestRequest] = Field(min_length=1, description="Reports to walk in the widget.")


class QueueCreated(BaseModel):
    queue_id: str
    count: int


class QueueInfo(BaseModel):
    queue_id: str
    count: int
    ids: list[str | None]


class QueueItem(BaseModel):
    index: int
    count: int
    id: str | None
    text: str
    suggestion: Suggestion


class FeedbackRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    report_id: str | None = Field(default=None, max_length=200)
    suggested_code: Literal["70551", "70552", "70553"] | None = None
    suggested_status: Literal["suggested", "needs_review", "out_of_scope"]
    confidence: float | None = Field(default=None, ge=0.0, le=1.0)
    final_code: Literal["70551", "70552", "70553", "not_codable"]
    action: Literal["accept", "override"]
    reason: str | None = Field(default=None, max_length=2000)
    model_version: str = Field(max_length=64)
    text: str | None = Field(default=None, description="Hashed, and stored only if the server is configured to.")


class FeedbackSaved(BaseModel):
    feedback_id: int
