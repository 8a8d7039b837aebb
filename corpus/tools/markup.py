"""Convert hand-written corpus source records (inline span markup) into gold JSONL.

Source records live in ``corpus/src/*.jsonl``. Their ``marked`` field holds the report text with gold
spans written inline as ``[[span text|kind|value]]``:

* ``kind`` ``contrast``: a mention of intravenous contrast (agent, "contrast", administration phrase);
  ``value`` is its assertion: affirmed, negated, hypothetical or historical.
* ``kind`` ``sequence``: an MRI sequence mention; ``value`` is its phase: pre, post, both or unspecified.

Stripping the markup gives the report text exactly; each span gets character offsets into it.
"""

from __future__ import annotations

import re
from typing import Any

MARK = re.compile(r"\[\[([^\[\]|]+)\|([a-z_]+)\|([a-z_]+)\]\]")

KIND_VALUES = {
    "contrast": {"affirmed", "negated", "hypothetical", "historical"},
    "sequence": {"pre", "post", "both", "unspecified"},
}
LABELS = {"70551", "70552", "70553", "out_of_scope", "unclear"}


class MarkupError(ValueError):
    """A source record whose markup or fields are invalid."""


def strip_markup(marked: str) -> tuple[str, list[dict[str, Any]]]:
    """Return the plain text and the gold spans (kind, start, end, text, assertion|phase)."""
    out: list[str] = []
    spans: list[dict[str, Any]] = []
    pos = 0
    length = 0
    for match in MARK.finditer(marked):
        before = marked[pos : match.start()]
        out.append(before)
        length += len(before)
        span_text, kind, value = match.groups()
        if kind not in KIND_VALUES:
            raise MarkupError(f"unknown kind {kind!r}")
        if value not in KIND_VALUES[kind]:
            raise MarkupError(f"value {value!r} not allowed for kind {kind!r}")
        if span_text != span_text.strip():
            raise MarkupError("span text has leading or trailing whitespace")
        key = "assertion" if kind == "contrast" else "phase"
        spans.append(
            {"kind": kind, "start": length, "end": length + len(span_text), "text": span_text, key: value}
        )
        out.append(span_text)
        length += len(span_text)
        pos = match.end()
    out.append(marked[pos:])
    text = "".join(out)
    if "[[" in text or "]]" in text:
        raise MarkupError("unbalanced or malformed [[...]] markup left in text")
    return text, spans


def convert(record: dict[str, Any]) -> dict[str, Any]:
    """Turn one source record into a gold corpus record."""
    for key in ("id", "label", "marked"):
        if key not in record:
            raise MarkupError(f"missing field {key!r}")
    if record["label"] not in LABELS:
        raise MarkupError(f"label {record['label']!r} not in {sorted(LABELS)}")
    text, spans = strip_markup(record["marked"])
    out = {k: v for k, v in record.items() if k != "marked"}
    out["text"] = text
    out["gold_spans"] = spans
    return out


if __name__ == "__main__":  # pragma: no cover - helper for corpus writers
    import json
    import sys
    from collections import Counter

    for path in sys.argv[1:]:
        labels: Counter[str] = Counter()
        n_spans = 0
        ids: set[str] = set()
        with open(path, encoding="utf-8") as handle:
            for line_no, line in enumerate(handle, 1):
                if not line.strip():
                    continue
                try:
                    rec = convert(json.loads(line))
                except (MarkupError, json.JSONDecodeError) as exc:
                    print(f"{path}:{line_no}: {exc}")
                    continue
                if rec["id"] in ids:
                    print(f"{path}:{line_no}: duplicate id {rec['id']}")
                ids.add(rec["id"])
                labels[rec["label"]] += 1
                n_spans += len(rec["gold_spans"])
        print(f"{path}: {sum(labels.values())} records, {n_spans} spans, labels {dict(labels)}")
