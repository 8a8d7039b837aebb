"""Settings of the service, from the environment (prefix ``NLP_CODER_``) or a ``.env`` file."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from nlp_coder.persistence import DEFAULT_MODEL

__all__ = ["Settings", "get_settings"]


class Settings(BaseSettings):
    """Service settings. Secrets (API keys) come from the environment or a key file, never the repo."""

    model_config = SettingsConfigDict(env_prefix="NLP_CODER_", env_file=".env", extra="ignore")

    model_path: Path = DEFAULT_MODEL
    max_report_chars: int = Field(default=100_000, ge=1, description="Largest report accepted (characters).")
    max_batch: int = Field(default=100, ge=1, le=10_000)
    api_keys: str = Field(default="", description="Comma-separated API keys; empty disables auth.")
    api_keys_file: Path | None = Field(default=None, description="File with one API key per line.")
    cors_origins: str = Field(default="", description="Comma-separated allowed origins; empty disables CORS.")
    log_level: str = "INFO"
    feedback_url: str = Field(
        default="sqlite:///nlp_coder_feedback.sqlite", description="SQLAlchemy URL of the feedback store."
    )
    store_feedback_text: bool = Field(default=False, description="Keep report text with feedback (PHI at rest).")
    frame_ancestors: str = Field(
        default="'self'", description="CSP frame-ancestors for the widget page (origins allowed to embed it)."
    )
    max_queue_reports: int = Field(default=1000, ge=1, description="Largest queue the widget can load at once.")

    @field_validator("log_level")
    @classmethod
    def _level(cls, value: str) -> str:
        value = value.upper()
        if value not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
            raise ValueError("log_level must be DEBUG, INFO, WARNING or ERROR")
        return value

    def keys(self) -> frozenset[str]:
        keys = {k.strip() for k in self.api_keys.split(",") if k.strip()}
        if self.api_keys_file is not None:
            keys |= {line.strip() for line in self.api_keys_file.read_text().splitlines() if line.strip()}
        return frozenset(keys)

    def origins(self) -> list[str]:
        return [o.strip() for o in self.cors_origins.split(",") if o.strip()]


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
