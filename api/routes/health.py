from __future__ import annotations

from fastapi import APIRouter, Request

from api.errors import ApiError
from api.schemas import ErrorResponse, Health, Ready

router = APIRouter(tags=["health"])


@router.get("/healthz", response_model=Health, summary="The process is up")
def healthz() -> dict:
    return {"status": "ok"}


@router.get("/readyz", response_model=Ready, responses={503: {"model": ErrorResponse}}, summary="The model is loaded")
def readyz(request: Request) -> dict:
    suggester = getattr(request.app.state, "suggester", None)
    if suggester is None:
        raise ApiError(503, "not_ready", "the model is not loaded yet")
    return {"status": "ready", "model_version": suggester.model_version}
