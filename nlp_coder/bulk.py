"""Bulk extraction: evidence for every record of a JSONL/CSV/Parquet input, bad records as error lines."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any, TextIO

from nlp_coder.backlog import BacklogJob, read_records
from nlp_coder.pipeline import extract_many

__all__ = ["extract_records"]


def extract_records(job: BacklogJob, sink: TextIO, batch_size: int = 64, progress: bool = True) -> dict[str, Any]:
    """Write ``{"id", "evidence": [...]}`` (or an error record) per input record, in input order."""
    from tqdm import tqdm

    reasons: Counter[str] = Counter()
    n_ok = 0
    batch: list = []
    bar = tqdm(desc="extract", unit="report", disable=not progress)

    def flush() -> None:
        nonlocal n_ok
        results = iter(extract_many([r.text for r in batch if r.error is None], batch_size=batch_size))
        for record in batch:
            if record.error is None:
                sink.write(json.dumps({"id": record.id, "evidence": [e.to_dict() for e in next(results)]}) + "\n")
                n_ok += 1
            else:
                reasons[record.error] += 1
                sink.write(json.dumps({"id": record.id, "line": record.line, "error": record.error}) + "\n")
        bar.update(len(batch))
        batch.clear()

    for record in read_records(job):
        batch.append(record)
        if len(batch) >= batch_size * 4:
            flush()
    if batch:
        flush()
    bar.close()
    return {"ok": n_ok, "errors": sum(reasons.values()), "reasons": dict(reasons)}
