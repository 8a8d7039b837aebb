"""JSON errors that never echo submitted text.

FastAPI's default 422 body repeats each invalid ``input`` (a whole clinical note, for us): the handler
here keeps only the location, type and a generic message of each error.
"""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

logger = logging.getLogger("api")


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str):
        self.status = status
        self.code = code
        self.message = message


def error_body(request: Request, code: str, message: str, fields: list | None = None) -> dict:
    body = {"error": {"code": code, "message": message}, "request_id": getattr(request.state, "request_id", None)}
    if fields is not None:
        body["error"]["fields"] = fields
    return body


def install(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def _api_error(request: Request, exc: ApiError) -> JSONResponse:
        return JSONResponse(error_body(request, exc.code, exc.message), status_code=exc.status)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = exc.errors()
        if any(e.get("type") == "json_invalid" for e in errors):
            return JSONResponse(
                error_body(request, "invalid_json", "the request body is not valid JSON"), status_code=400
            )
        fields = [
            {"loc": [str(part) for part in e.get("loc", ())], "type": e.get("type"), "msg": _safe_msg(e)}
            for e in errors
        ]
        return JSONResponse(
            error_body(request, "invalid_request", "the request body does not match the schema", fields),
            status_code=422,
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = {400: "invalid_body", 404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
        messages = {400: "the request body could not be read as UTF-8 JSON"}
        if exc.status_code in (404, 405) and isinstance(exc.detail, str):
            message = exc.detail  # Starlette's own fixed texts ("Not Found"), never request content
        else:
            message = messages.get(exc.status_code, "request failed")
        return JSONResponse(error_body(request, code, message), status_code=exc.status_code)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        # The exception type only: messages can quote input.
        logger.error("unhandled %s on %s", type(exc).__name__, request.url.path)
        return JSONResponse(error_body(request, "internal_error", "internal error"), status_code=500)


def _safe_msg(error: dict) -> str:
    # pydantic messages describe the expected type ("Input should be a valid string"); drop anything that
    # could carry a value (ctx is never returned).
    message = str(error.get("msg", "invalid value"))
    return message if len(message) <= 200 else "invalid value"
