"""Code suggestions over HTTP. Report text arrives only in POST bodies (access logs record URLs)."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from api.deps import SettingsDep, SuggesterDep, require_api_key
from api.errors import ApiError
from api.schemas import BatchRequest, BatchResponse, ErrorResponse, Suggestion, SuggestRequest

router = APIRouter(prefix="/v1", tags=["suggest"], dependencies=[Depends(require_api_key)])

ERRORS = {
    400: {"model": ErrorResponse, "description": "Invalid JSON"},
    401: {"model": ErrorResponse, "description": "Missing or wrong API key"},
    413: {"model": ErrorResponse, "description": "Report or request too large"},
    415: {"model": ErrorResponse, "description": "Content type is not application/json"},
    422: {"model": ErrorResponse, "description": "Body does not match the schema"},
}


def check_report_size(text: str, limit: int) -> None:
    """413 for a report above the configured size (the message gives sizes, never text)."""
    if len(text) > limit:
        raise ApiError(413, "report_too_large", f"report text is {len(text)} characters; the limit is {limit}")


def _check_size(text: str, limit: int, index: int | None = None) -> None:
    if not text.strip():
        where = "" if index is None else f" (report {index})"
        raise ApiError(422, "empty_report", f"report text is empty or blank{where}")
    check_report_size(text, limit)


@router.post("/suggest", response_model=Suggestion, responses=ERRORS, summary="Suggest the code of one report")
def suggest_one(body: SuggestRequest, suggester: SuggesterDep, settings: SettingsDep) -> dict:
    _check_size(body.text, settings.max_report_chars)
    return suggester.suggest(body.text, body.id)


@router.post(
    "/suggest/batch", response_model=BatchResponse, responses=ERRORS, summary="Suggest codes for up to 100 reports"
)
def suggest_batch(body: BatchRequest, suggester: SuggesterDep, settings: SettingsDep) -> dict:
    if len(body.reports) > settings.max_batch:
        raise ApiError(422, "batch_too_large", f"{len(body.reports)} reports; the limit is {settings.max_batch}")
    for index, report in enumerate(body.reports):
        _check_size(report.text, settings.max_report_chars, index)
    results = list(suggester.suggest_many([r.text for r in body.reports], [r.id for r in body.reports]))
    return {"results": results, "count": len(results)}
