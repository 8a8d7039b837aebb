"""The FastAPI application: ``create_app()`` builds it; the lifespan loads pipeline and model once.

Nothing is loaded at import time. Logs carry request id, route, status, latency and model version,
never report text.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles

from api import errors
from api.renewal import SuggesterRenewal
from api.routes import codes, health, suggest, widget
from nlp_coder.feedback import FeedbackStore
from nlp_coder.settings import Settings, get_settings

logger = logging.getLogger("api")


def create_app(settings: Settings | None = None) -> FastAPI:
    """The service, configured by ``settings`` (default: from the environment)."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        from nlp_coder.pipeline import build_nlp
        from nlp_coder.suggest import Suggester

        started = time.perf_counter()
        # a pipeline of the service's own (not the process-wide one), so that a renewal can drop it
        app.state.suggester = Suggester(settings.model_path, nlp=build_nlp())
        app.state.suggester.warm_up()
        app.state.renewal = SuggesterRenewal(app.state)
        logger.info("model %s loaded in %.1fs", app.state.suggester.model_version, time.perf_counter() - started)
        yield
        app.state.renewal.wait()
        app.state.suggester = None

    app = FastAPI(
        title="nlp-coder",
        version="0.1.0",
        summary="CPT code suggestions (70551/70552/70553) for brain MRI reports, with evidence.",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.api_keys = settings.keys()
    app.state.suggester = None
    app.state.renewal = None
    app.state.queues = widget.QueueStore()
    app.state.feedback = FeedbackStore(settings.feedback_url, store_text=settings.store_feedback_text)
    errors.install(app)
    if settings.origins():
        app.add_middleware(
            CORSMiddleware, allow_origins=settings.origins(), allow_methods=["GET", "POST"], allow_headers=["*"]
        )

    @app.middleware("http")
    async def request_context(request: Request, call_next):
        request_id = request.headers.get("X-Request-ID") or uuid.uuid4().hex[:16]
        if len(request_id) > 64 or not request_id.replace("-", "").isalnum():
            request_id = uuid.uuid4().hex[:16]
        request.state.request_id = request_id
        started = time.perf_counter()
        response = _reject_early(request, settings)
        if response is None:
            response = await call_next(request)
        latency_ms = (time.perf_counter() - started) * 1000
        response.headers["X-Request-ID"] = request_id
        response.headers["X-Content-Type-Options"] = "nosniff"
        if request.url.path == "/" or request.url.path.startswith("/static/"):
            # The widget loads nothing from elsewhere; only configured hosts may frame it.
            response.headers["Content-Security-Policy"] = (
                f"default-src 'self'; img-src 'self' data:; frame-ancestors {settings.frame_ancestors}"
            )
        suggester = getattr(request.app.state, "suggester", None)
        logger.info(
            "request_id=%s method=%s route=%s status=%d latency_ms=%.1f model=%s",
            request_id,
            request.method,
            _route_of(request),
            response.status_code,
            latency_ms,
            suggester.model_version if suggester else "-",
        )
        return response

    app.include_router(health.router)
    app.include_router(codes.router)
    app.include_router(suggest.router)
    app.include_router(widget.router)
    app.include_router(widget.page)
    app.mount("/static", StaticFiles(packages=[("api", "static")]), name="static")

    return app


def _route_of(request: Request) -> str:
    route = request.scope.get("route")
    return getattr(route, "path", None) or "unmatched"


def _reject_early(request: Request, settings: Settings) -> JSONResponse | None:
    """415 for a POST that is not JSON; 413 for a body far above any acceptable request."""
    if request.method != "POST":
        return None
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != "application/json":
        return JSONResponse(
            errors.error_body(request, "unsupported_media_type", "send the body as application/json"),
            status_code=415,
        )
    length = request.headers.get("content-length")
    # JSON escaping can at most ~6x a character (\uXXXX); anything beyond that cannot be a valid batch.
    ceiling = settings.max_report_chars * 6 * settings.max_batch + 65_536
    if length is not None and length.isdigit() and int(length) > ceiling:
        return JSONResponse(
            errors.error_body(request, "request_too_large", "the request body is too large"), status_code=413
        )
    return None
