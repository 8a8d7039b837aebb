"""Evaluation of code suggestions on labeled report sets (corpus splits, ../shared/realworld).

Expected outcome per gold label (DESIGN §5): a code -> that code suggested; ``unclear`` -> needs_review;
``out_of_scope`` -> out_of_scope. Realworld records carry ``accept`` lists: a suggestion (or
out_of_scope) outside them is a confident error.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

import numpy as np

from nlp_coder.types import OUTCOMES

__all__ = ["expected_outcome", "extras_summary", "outcome", "summarize"]


def expected_outcome(label: str) -> str:
    return "needs_review" if label == "unclear" else label


def outcome(suggestion: dict[str, Any]) -> str:
    """What the system said: a suggested code, out_of_scope, or needs_review."""
    if suggestion["status"] == "suggested":
        return str(suggestion["code"])
    return str(suggestion["status"])


def expected_calibration_error(confidences: Sequence[float], correct: Sequence[bool], bins: int = 10) -> float:
    """ECE of the top-class probability (equal-width bins)."""
    conf = np.asarray(confidences, dtype=float)
    hit = np.asarray(correct, dtype=float)
    if conf.size == 0:
        return 0.0
    edges = np.linspace(0.0, 1.0, bins + 1)
    ece = 0.0
    for low, high in zip(edges[:-1], edges[1:], strict=False):
        mask = (conf > low) & (conf <= high) if low > 0 else (conf >= low) & (conf <= high)
        if mask.any():
            ece += mask.mean() * abs(conf[mask].mean() - hit[mask].mean())
    return float(ece)


def outcome_counts(expected: Sequence[str], got: Sequence[str]) -> dict[str, tuple[int, int, int]]:
    """True positives, false positives and false negatives per outcome."""
    counts = {}
    for label in OUTCOMES:
        tp = sum(1 for e, g in zip(expected, got, strict=True) if e == label and g == label)
        fp = sum(1 for e, g in zip(expected, got, strict=True) if e != label and g == label)
        fn = sum(1 for e, g in zip(expected, got, strict=True) if e == label and g != label)
        counts[label] = (tp, fp, fn)
    return counts


def summarize(records: Sequence[dict[str, Any]], suggestions: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Metrics of suggestions against gold labels (and ``accept`` lists where records have them)."""
    expected = [expected_outcome(r["label"]) for r in records]
    got = [outcome(s) for s in suggestions]
    confusion = {e: Counter() for e in OUTCOMES}
    for e, g in zip(expected, got, strict=False):
        confusion[e][g] += 1
    per_class = {}
    for label, (tp, fp, fn) in outcome_counts(expected, got).items():
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        per_class[label] = {"precision": precision, "recall": recall, "f1": f1, "support": tp + fn}
    in_scope = [k for k, e in enumerate(expected) if e in ("70551", "70552", "70553")]
    suggested = [k for k, s in enumerate(suggestions) if s["status"] == "suggested"]
    suggested_in_scope = [k for k in in_scope if suggestions[k]["status"] == "suggested"]
    correct_suggested = [k for k in suggested if got[k] == expected[k]]
    # Calibration of the model's top probability over all outcomes.
    confidences, hits = [], []
    for e, s in zip(expected, suggestions, strict=False):
        probs = s["probabilities"]
        top = max(probs, key=probs.get)
        confidences.append(probs[top])
        hits.append(top == e)
    result: dict[str, Any] = {
        "n": len(records),
        "per_class": per_class,
        "confusion": {e: dict(c) for e, c in confusion.items()},
        "coverage_in_scope": len(suggested_in_scope) / len(in_scope) if in_scope else 0.0,
        "n_suggested": len(suggested),
        "accuracy_on_suggested": len(correct_suggested) / len(suggested) if suggested else 0.0,
        "accuracy_outcome": sum(e == g for e, g in zip(expected, got, strict=False)) / len(records) if records else 0.0,
        "ece": expected_calibration_error(confidences, hits),
    }
    if all("accept" in r for r in records):
        confident = [
            (r["id"], g) for r, g in zip(records, got, strict=False) if g != "needs_review" and g not in r["accept"]
        ]
        result["confident_errors"] = confident
        reports = [(r, g) for r, g in zip(records, got, strict=False) if r.get("kind") == "report"]
        result["reports_right"] = sum(1 for r, g in reports if g == expected_outcome(r["label"]))
        result["reports_accepted"] = sum(1 for r, g in reports if g in r["accept"])
        result["reports_total"] = len(reports)
    return result


def extras_summary(records: Sequence[dict[str, Any]], suggestions: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Accuracy of modifiers, also-codes, supply and ICD-10-CM against corpus gold fields.

    Modifiers, also-codes and supply are scored on the reports whose code the system got right (the
    extras of a wrong code are not meaningful); ICD-10-CM codes on every report with gold codes.
    """
    from nlp_coder.billing import _units, supply_table

    right = [
        (r, s)
        for r, s in zip(records, suggestions, strict=True)
        if r["label"] in ("70551", "70552", "70553") and s.get("code") == r["label"]
    ]
    modifier_hits = sum(
        (r.get("modifier") or None) == (s["modifiers"][0] if s["modifiers"] else None) for r, s in right
    )
    modifier_gold = [(r, s) for r, s in right if r.get("modifier")]
    also_hits = sum(sorted(r.get("also_codes") or []) == sorted(s["also_codes"]) for r, s in right)
    supply_rows = [(r, s) for r, s in right if r["label"] in ("70552", "70553") and r.get("agent")]
    hcpcs_hits = units_hits = units_total = 0
    table = supply_table()
    for r, s in supply_rows:
        expected = table.get(r["agent"]) or table["gadolinium"]
        got = s["supply"][0] if s["supply"] else {}
        hcpcs_hits += got.get("hcpcs") == expected["hcpcs"]
        if r.get("volume_ml"):
            units_total += 1
            units_hits += got.get("units") == _units(float(r["volume_ml"]), expected["unit_ml"], "up")
    tp = fp = fn = 0
    for r, s in zip(records, suggestions, strict=True):
        gold = set(r.get("icd10cm") or [])
        got = {c for item in s["indications"] for c in item["icd10cm"]}
        if not gold and not got:
            continue
        tp += len(gold & got)
        fp += len(got - gold)
        fn += len(gold - got)
    return {
        "n_right_code": len(right),
        "modifier_accuracy": modifier_hits / len(right) if right else 0.0,
        "modifier_recall": sum(
            (s["modifiers"][0] if s["modifiers"] else None) == r["modifier"] for r, s in modifier_gold
        )
        / len(modifier_gold)
        if modifier_gold
        else 0.0,
        "n_modifier_gold": len(modifier_gold),
        "also_codes_accuracy": also_hits / len(right) if right else 0.0,
        "supply_hcpcs_accuracy": hcpcs_hits / len(supply_rows) if supply_rows else 0.0,
        "n_supply": len(supply_rows),
        "supply_units_accuracy": units_hits / units_total if units_total else 0.0,
        "n_units": units_total,
        "icd10cm_precision": tp / (tp + fp) if tp + fp else 0.0,
        "icd10cm_recall": tp / (tp + fn) if tp + fn else 0.0,
    }


def __getattr__(name: str) -> Any:
    # The DataFrame API (pandas, matplotlib) loads on first use: the service never imports it.
    from nlp_coder import evaluation_frames

    if name in evaluation_frames.__all__:
        return getattr(evaluation_frames, name)
    raise AttributeError(name)
