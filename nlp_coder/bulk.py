"""Bulk extraction over JSONL: one bad record never stops the run or costs another record."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from typing import Any, BinaryIO, TextIO

from nlp_coder.pipeline import MAX_CHARS, extract_many

__all__ = ["extract_jsonl", "parse_records"]


def parse_records(
    source: BinaryIO, max_chars: int = MAX_CHARS
) -> Iterator[tuple[int, str | None, str | None, str | None]]:
    """Yield ``(line_no, id, text, error_reason)`` for every non-blank input line.

    Reasons name the problem, never the content: ``malformed_json``, ``not_an_object``, ``missing_id``,
    ``duplicate_id``, ``missing_text``, ``text_not_string``, ``empty_text``, ``oversize_text``,
    ``invalid_utf8``.
    """
    seen: set[str] = set()
    # Bytes in, decoded line by line: an invalid byte sequence costs its own line only.
    for line_no, raw in enumerate(source, 1):
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError:
            yield line_no, None, None, "invalid_utf8"
            continue
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            yield line_no, None, None, "malformed_json"
            continue
        if not isinstance(record, dict):
            yield line_no, None, None, "not_an_object"
            continue
        raw_id = record.get("id")
        if raw_id is None or raw_id == "":
            yield line_no, None, None, "missing_id"
            continue
        record_id = str(raw_id)
        if record_id in seen:
            yield line_no, record_id, None, "duplicate_id"
            continue
        seen.add(record_id)
        text = record.get("text")
        if "text" not in record:
            yield line_no, record_id, None, "missing_text"
        elif not isinstance(text, str):
            yield line_no, record_id, None, "text_not_string"
        elif not text.strip():
            yield line_no, record_id, None, "empty_text"
        elif len(text) > max_chars:
            yield line_no, record_id, None, "oversize_text"
        else:
            yield line_no, record_id, text, None


def extract_jsonl(source: BinaryIO, sink: TextIO, batch_size: int = 64, progress: bool = True) -> dict[str, Any]:
    """Extract every record of ``source`` into ``sink``, in input order; returns a summary of counts."""
    from tqdm import tqdm

    reasons: Counter[str] = Counter()
    n_ok = 0
    batch: list[tuple[int, str | None, str | None, str | None]] = []
    bar = tqdm(desc="extract", unit="report", disable=not progress, file=None)

    def flush() -> None:
        nonlocal n_ok
        texts = [text for _, _, text, error in batch if error is None]
        results = iter(extract_many(texts, batch_size=batch_size))
        for line_no, record_id, _, error in batch:
            if error is None:
                evidence = next(results)
                sink.write(json.dumps({"id": record_id, "evidence": [e.to_dict() for e in evidence]}) + "\n")
                n_ok += 1
            else:
                reasons[error] += 1
                sink.write(json.dumps({"id": record_id, "line": line_no, "error": error}) + "\n")
        bar.update(len(batch))
        batch.clear()

    for item in parse_records(source):
        batch.append(item)
        if len(batch) >= batch_size * 4:
            flush()
    if batch:
        flush()
    bar.close()
    return {"ok": n_ok, "errors": sum(reasons.values()), "reasons": dict(reasons)}
