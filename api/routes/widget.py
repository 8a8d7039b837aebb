"""The coder-assist widget: its page and the queue and feedback routes it uses."""

from __future__ import annotations

import secrets
from collections import OrderedDict
from importlib import resources

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from api.deps import SettingsDep, SuggesterDep, require_api_key
from api.errors import ApiError
from api.routes.suggest import ERRORS, check_report_size
from api.schemas import FeedbackRequest, FeedbackSaved, QueueCreated, QueueInfo, QueueItem, QueueRequest

page = APIRouter(include_in_schema=False)
router = APIRouter(prefix="/v1", tags=["widget"], dependencies=[Depends(require_api_key)])

MAX_QUEUES = 64


class QueueStore:
    """Queues of reports held in this process's memory (never written to disk), oldest dropped first."""

    def __init__(self, max_queues: int = MAX_QUEUES):
        self.max_queues = max_queues
        self._queues: OrderedDict[str, list[tuple[str | None, str]]] = OrderedDict()

    def add(self, reports: list[tuple[str | None, str]]) -> str:
        queue_id = secrets.token_urlsafe(12)
        self._queues[queue_id] = reports
        while len(self._queues) > self.max_queues:
            self._queues.popitem(last=False)
        return queue_id

    def get(self, queue_id: str) -> list[tuple[str | None, str]]:
        try:
            return self._queues[queue_id]
        except KeyError:
            raise ApiError(404, "queue_not_found", "no such queue (queues live in the server's memory)") from None


@page.get("/", response_class=HTMLResponse)
def index() -> HTMLResponse:
    html = resources.files("api").joinpath("static/index.html").read_text(encoding="utf-8")
    return HTMLResponse(html, headers={"Cache-Control": "no-store"})


@router.post("/queue", response_model=QueueCreated, responses=ERRORS, summary="Load reports for the widget to walk")
def create_queue(body: QueueRequest, request: Request, settings: SettingsDep) -> dict:
    if len(body.reports) > settings.max_queue_reports:
        raise ApiError(
            422, "queue_too_large", f"{len(body.reports)} reports; the limit is {settings.max_queue_reports}"
        )
    for report in body.reports:
        check_report_size(report.text, settings.max_report_chars)
    queue_id = request.app.state.queues.add([(r.id, r.text) for r in body.reports])
    return {"queue_id": queue_id, "count": len(body.reports)}


@router.get("/queue/{queue_id}", response_model=QueueInfo, responses={404: ERRORS[422]}, summary="A queue's report ids")
def queue_info(queue_id: str, request: Request) -> dict:
    reports = request.app.state.queues.get(queue_id)
    return {"queue_id": queue_id, "count": len(reports), "ids": [rid for rid, _ in reports]}


@router.get(
    "/queue/{queue_id}/items/{index}",
    response_model=QueueItem,
    responses={404: ERRORS[422]},
    summary="One queue item with its suggestion",
)
def queue_item(queue_id: str, index: int, request: Request, suggester: SuggesterDep) -> dict:
    reports = request.app.state.queues.get(queue_id)
    if not 0 <= index < len(reports):
        raise ApiError(404, "item_not_found", f"index must be between 0 and {len(reports) - 1}")
    report_id, text = reports[index]
    return {
        "index": index,
        "count": len(reports),
        "id": report_id,
        "text": text,
        "suggestion": suggester.suggest(text, report_id),
    }


@router.post("/feedback", response_model=FeedbackSaved, responses=ERRORS, summary="Record an accept or override")
def feedback(body: FeedbackRequest, request: Request) -> dict:
    store = request.app.state.feedback
    feedback_id = store.add(
        report_id=body.report_id,
        suggested_code=body.suggested_code,
        suggested_status=body.suggested_status,
        confidence=body.confidence,
        final_code=body.final_code,
        action=body.action,
        reason=body.reason,
        model_version=body.model_version,
        text=body.text,
    )
    return {"feedback_id": feedback_id}
