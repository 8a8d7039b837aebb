"""Shared dependencies of the routes."""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import APIKeyHeader

from api.errors import ApiError
from nlp_coder.settings import Settings
from nlp_coder.suggest import Suggester

_api_key_header = APIKeyHeader(name="X-API-Key", auto_error=False, description="Required when keys are configured.")


def get_settings_dep(request: Request) -> Settings:
    return request.app.state.settings


def get_suggester_dep(request: Request) -> Suggester:
    suggester = getattr(request.app.state, "suggester", None)
    if suggester is None:
        raise ApiError(503, "not_ready", "the model is not loaded yet")
    renewal = getattr(request.app.state, "renewal", None)
    if renewal is not None:
        renewal.check(suggester)  # bounded memory: a fresh pipeline past the vocabulary limit
    return suggester


SettingsDep = Annotated[Settings, Depends(get_settings_dep)]
SuggesterDep = Annotated[Suggester, Depends(get_suggester_dep)]


def require_api_key(request: Request, key: Annotated[str | None, Depends(_api_key_header)]) -> None:
    keys: frozenset[str] = request.app.state.api_keys
    if not keys:
        return
    if key is None or not any(secrets.compare_digest(key, k) for k in keys):
        raise ApiError(401, "unauthorized", "a valid X-API-Key header is required")
