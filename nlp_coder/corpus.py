"""Reading labeled report sets: the project corpus and ../shared/realworld-style label files."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

__all__ = ["DEFAULT_CORPUS", "SPLITS", "assign_split", "load_corpus", "load_realworld", "read_jsonl"]

DEFAULT_CORPUS = Path("corpus/reports.jsonl")
SPLITS = ("train", "dev", "test")


def assign_split(record_id: str) -> str:
    """The fixed split of a hand-written record: 55% train, 15% dev, 30% test, by a hash of its id.

    A hash (not a shuffle) keeps every record's split stable when records are added.
    """
    bucket = int(hashlib.sha256(record_id.encode("utf-8")).hexdigest()[:8], 16) % 100
    if bucket < 55:
        return "train"
    if bucket < 70:
        return "dev"
    return "test"


def read_jsonl(path: Path) -> Iterator[dict[str, Any]]:
    with Path(path).open(encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                yield json.loads(line)


def load_corpus(path: Path = DEFAULT_CORPUS, split: str | None = None) -> list[dict[str, Any]]:
    """Corpus records (id, text, label, split, gold_spans...), optionally one split only."""
    records = list(read_jsonl(path))
    if split is not None:
        if split not in SPLITS:
            raise ValueError(f"split must be one of {SPLITS}")
        records = [r for r in records if r["split"] == split]
    return records


def load_realworld(directory: Path) -> list[dict[str, Any]]:
    """Texts and gold labels of a realworld folder (``labels.jsonl`` plus the text JSONL files)."""
    directory = Path(directory)
    labels = {r["id"]: r for r in read_jsonl(directory / "labels.jsonl")}
    records = []
    for path in sorted(directory.glob("*.jsonl")):
        if path.name == "labels.jsonl":
            continue
        for record in read_jsonl(path):
            if record.get("id") in labels:
                merged = dict(labels[record["id"]])
                merged["text"] = record["text"]
                records.append(merged)
    return records
