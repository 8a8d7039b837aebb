"""Coder feedback: accepted and overridden suggestions, stored with SQLAlchemy (SQLite by default).

A row holds the report id, what was suggested (code, status, confidence, model version), what the coder
decided (final code, accept/override, optional reason), when, and a SHA-256 of the report text. The text
itself is stored only when ``store_text`` is configured. SQLite runs in WAL mode, so the widget's writes
and an export can happen at the same time; any SQLAlchemy URL (PostgreSQL included) works too.
"""

from __future__ import annotations

import csv
import hashlib
import json
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

from sqlalchemy import DateTime, Float, Integer, String, Text, create_engine, event, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

__all__ = ["FINAL_CODES", "Feedback", "FeedbackStore"]

FINAL_CODES = ("70551", "70552", "70553", "not_codable")


class _Base(DeclarativeBase):
    pass


class Feedback(_Base):
    __tablename__ = "feedback"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    report_id: Mapped[str | None] = mapped_column(String(200), index=True)
    suggested_code: Mapped[str | None] = mapped_column(String(16))
    suggested_status: Mapped[str] = mapped_column(String(32))
    confidence: Mapped[float | None] = mapped_column(Float)
    final_code: Mapped[str] = mapped_column(String(16))
    action: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(Text)
    model_version: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    text_sha256: Mapped[str | None] = mapped_column(String(64))
    text: Mapped[str | None] = mapped_column(Text)

    def to_dict(self, include_text: bool = False) -> dict[str, Any]:
        row = {
            "feedback_id": self.id,
            "report_id": self.report_id,
            "suggested_code": self.suggested_code,
            "suggested_status": self.suggested_status,
            "confidence": self.confidence,
            "final_code": self.final_code,
            "action": self.action,
            "reason": self.reason,
            "model_version": self.model_version,
            "created_at": self.created_at.isoformat() if self.created_at else None,
            "text_sha256": self.text_sha256,
        }
        if include_text:
            row["text"] = self.text
        return row


def _sqlite_wal(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_connection, _record) -> None:  # pragma: no cover - exercised through the engine
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()


class FeedbackStore:
    """The feedback table behind a SQLAlchemy URL."""

    def __init__(self, url: str, store_text: bool = False):
        self.url = url
        self.store_text = store_text
        if url.startswith("sqlite:///"):
            Path(url.removeprefix("sqlite:///")).expanduser().resolve().parent.mkdir(parents=True, exist_ok=True)
        self.engine = create_engine(url, future=True)
        if self.engine.dialect.name == "sqlite":
            _sqlite_wal(self.engine)
        _Base.metadata.create_all(self.engine)

    def close(self) -> None:
        """Release the connection pool."""
        self.engine.dispose()

    def add(
        self,
        *,
        report_id: str | None,
        suggested_code: str | None,
        suggested_status: str,
        confidence: float | None,
        final_code: str,
        action: str,
        reason: str | None,
        model_version: str,
        text: str | None,
    ) -> int:
        if final_code not in FINAL_CODES:
            raise ValueError("final_code must be one of " + ", ".join(FINAL_CODES))
        row = Feedback(
            report_id=report_id,
            suggested_code=suggested_code,
            suggested_status=suggested_status,
            confidence=confidence,
            final_code=final_code,
            action=action,
            reason=reason,
            model_version=model_version,
            created_at=datetime.now(UTC),
            text_sha256=hashlib.sha256(text.encode("utf-8")).hexdigest() if text is not None else None,
            text=text if self.store_text else None,
        )
        with Session(self.engine) as session:
            session.add(row)
            session.commit()
            return int(row.id)

    def rows(self) -> Iterator[Feedback]:
        with Session(self.engine) as session:
            yield from session.scalars(select(Feedback).order_by(Feedback.id))

    def export(self, sink: TextIO, fmt: str = "jsonl") -> int:
        """Write every row as JSONL or CSV (for retraining); returns the row count."""
        rows = [r.to_dict(include_text=self.store_text) for r in self.rows()]
        if fmt == "jsonl":
            for row in rows:
                sink.write(json.dumps(row) + "\n")
        elif fmt == "csv":
            fields = list(rows[0]) if rows else list(Feedback(id=0).to_dict(include_text=self.store_text))
            writer = csv.DictWriter(sink, fieldnames=fields)
            writer.writeheader()
            writer.writerows(rows)
        else:
            raise ValueError("format must be jsonl or csv")
        return len(rows)

    def stats(self) -> dict[str, Any]:
        """Acceptance rate per suggested code and the override confusion matrix (suggested -> final)."""
        per_code: dict[str, Counter[str]] = {}
        confusion: dict[str, Counter[str]] = {}
        for row in self.rows():
            suggested = row.suggested_code or row.suggested_status
            per_code.setdefault(suggested, Counter())[row.action] += 1
            confusion.setdefault(suggested, Counter())[row.final_code] += 1
        acceptance = {
            code: {"n": sum(c.values()), "accepted": c["accept"], "rate": c["accept"] / sum(c.values())}
            for code, c in sorted(per_code.items())
        }
        return {"acceptance": acceptance, "confusion": {k: dict(v) for k, v in sorted(confusion.items())}}
