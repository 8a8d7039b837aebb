"""Extraction metrics against gold spans: precision, recall and F1 per kind and per assertion/phase.

Gold spans come from the corpus (``gold_spans``: kind ``contrast`` with an assertion, ``sequence`` with a
phase). A predicted evidence matches a gold span of the same kind when the spans overlap (lenient) or
have identical offsets (strict); matching is one-to-one, greedy by position.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from nlp_coder.types import Evidence

__all__ = ["GOLD_KINDS", "PRF", "match_spans", "score_extraction"]

# gold kind -> (predicted evidence kind, attribute compared)
GOLD_KINDS = {"contrast": ("contrast_administration", "assertion"), "sequence": ("sequence", "phase")}


@dataclass(frozen=True, slots=True)
class PRF:
    """Counts and scores of one row of the table."""

    true_positives: int
    false_positives: int
    false_negatives: int

    @property
    def precision(self) -> float:
        denominator = self.true_positives + self.false_positives
        return self.true_positives / denominator if denominator else 0.0

    @property
    def recall(self) -> float:
        denominator = self.true_positives + self.false_negatives
        return self.true_positives / denominator if denominator else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    @property
    def support(self) -> int:
        return self.true_positives + self.false_negatives


def _value(evidence: Evidence, attribute: str) -> str:
    if attribute == "assertion":
        return evidence.assertion
    return str(evidence.attributes.get(attribute, "unspecified"))


def match_spans(
    gold: Sequence[Mapping[str, Any]], predicted: Sequence[Evidence], kind: str, strict: bool = False
) -> list[tuple[Mapping[str, Any] | None, Evidence | None]]:
    """Pair gold spans of ``kind`` with predicted evidence (None on the side that is missing)."""
    predicted_kind, _ = GOLD_KINDS[kind]
    golds = sorted((g for g in gold if g["kind"] == kind), key=lambda g: g["start"])
    preds = sorted((p for p in predicted if p.kind == predicted_kind), key=lambda p: p.start)
    used: set[int] = set()
    pairs: list[tuple[Mapping[str, Any] | None, Evidence | None]] = []
    for g in golds:
        found = None
        for i, p in enumerate(preds):
            if i in used:
                continue
            if strict:
                ok = p.start == g["start"] and p.end == g["end"]
            else:
                ok = p.start < g["end"] and g["start"] < p.end
            if ok:
                found = i
                break
        if found is None:
            pairs.append((g, None))
        else:
            used.add(found)
            pairs.append((g, preds[found]))
    pairs.extend((None, p) for i, p in enumerate(preds) if i not in used)
    return pairs


def score_extraction(
    gold_records: Iterable[Sequence[Mapping[str, Any]]],
    predictions: Iterable[Sequence[Evidence]],
    strict: bool = False,
) -> dict[str, PRF]:
    """Scores keyed ``"contrast"``, ``"sequence"`` (span found) and ``"contrast:negated"``,
    ``"sequence:post"``... (span found with the right assertion or phase)."""
    counts: dict[str, Counter[str]] = {}

    def bump(key: str, field: str) -> None:
        counts.setdefault(key, Counter())[field] += 1

    for gold, predicted in zip(gold_records, predictions, strict=True):
        for kind, (_, attribute) in GOLD_KINDS.items():
            for g, p in match_spans(gold, predicted, kind, strict=strict):
                if g is not None and p is not None:
                    bump(kind, "tp")
                    gold_value = g["assertion" if attribute == "assertion" else "phase"]
                    predicted_value = _value(p, attribute)
                    if gold_value == predicted_value:
                        bump(f"{kind}:{gold_value}", "tp")
                    else:
                        bump(f"{kind}:{gold_value}", "fn")
                        bump(f"{kind}:{predicted_value}", "fp")
                elif g is not None:
                    bump(kind, "fn")
                    bump(f"{kind}:{g['assertion' if attribute == 'assertion' else 'phase']}", "fn")
                elif p is not None:
                    bump(kind, "fp")
                    bump(f"{kind}:{_value(p, attribute)}", "fp")
    return {key: PRF(c["tp"], c["fp"], c["fn"]) for key, c in sorted(counts.items())}
