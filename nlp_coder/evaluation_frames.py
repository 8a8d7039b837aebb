"""Evaluation as pandas DataFrames, plots and highlighted evidence: the data scientist's API.

Typical notebook use::

    from nlp_coder import evaluation as ev
    records = ev.load_labeled("test")                 # or ev.load_labeled(realworld="../shared/realworld")
    preds = ev.predictions(records)                   # one row per report
    ev.per_class_metrics(preds); ev.confusion_matrix(preds); ev.calibration_table(preds)
    ev.coverage_by_threshold(preds); ev.error_table(preds)
    ev.plot_confusion_matrix(preds); ev.plot_reliability(preds); ev.plot_coverage_accuracy(preds)
    ev.render_evidence(preds.iloc[0])                 # highlighted HTML in the notebook
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from nlp_coder.evaluation import expected_calibration_error, expected_outcome, outcome, outcome_counts
from nlp_coder.types import CODES, OUTCOMES

__all__ = [
    "calibration_table",
    "confusion_matrix",
    "coverage_by_threshold",
    "error_table",
    "extraction_metrics",
    "load_labeled",
    "per_class_metrics",
    "plot_confusion_matrix",
    "plot_coverage_accuracy",
    "plot_reliability",
    "predictions",
    "render_evidence",
]


def load_labeled(
    split: str | None = "test", corpus: Path | str = "corpus/reports.jsonl", realworld: Path | str | None = None
) -> list[dict[str, Any]]:
    """Labeled records: a corpus split, or a realworld folder when ``realworld`` is given."""
    from nlp_coder.corpus import load_corpus, load_realworld

    if realworld is not None:
        return load_realworld(Path(realworld))
    return load_corpus(Path(corpus), split)


def predictions(records: Sequence[dict[str, Any]], suggester: Any = None) -> pd.DataFrame:
    """One row per report: label, expected and actual outcome, code, status, confidence, probabilities.

    The full suggestion (with evidence) is kept in the ``suggestion`` column and the text in ``text``.
    """
    from nlp_coder.suggest import get_suggester

    suggester = suggester or get_suggester()
    suggestions = list(suggester.suggest_many([r["text"] for r in records], [r["id"] for r in records]))
    rows = []
    for record, s in zip(records, suggestions, strict=True):
        probabilities = s["probabilities"]
        row = {
            "id": record["id"],
            "label": record["label"],
            "expected": expected_outcome(record["label"]),
            "outcome": outcome(s),
            "code": s["code"],
            "status": s["status"],
            "confidence": s["confidence"],
            "top_class": max(probabilities, key=probabilities.get),
            "top_probability": max(probabilities.values()),
            "flags": [f for f in s["flags"] if f not in ("low_confidence", "model_review_class")],
            "rationale": s["rationale"],
            "kind": record.get("kind"),
            "accept": record.get("accept"),
            "text": record["text"],
            "suggestion": s,
        }
        row.update({f"p_{k}": probabilities.get(k, 0.0) for k in OUTCOMES})
        row["correct"] = row["outcome"] == row["expected"]
        if record.get("accept") is not None:
            row["confident_error"] = row["outcome"] != "needs_review" and row["outcome"] not in record["accept"]
        rows.append(row)
    return pd.DataFrame(rows)


def per_class_metrics(preds: pd.DataFrame) -> pd.DataFrame:
    """Precision, recall, F1 and support per outcome (codes, out_of_scope, needs_review)."""
    rows = []
    for label, (tp, fp, fn) in outcome_counts(list(preds.expected), list(preds.outcome)).items():
        precision = tp / (tp + fp) if tp + fp else np.nan
        recall = tp / (tp + fn) if tp + fn else np.nan
        f1 = 2 * precision * recall / (precision + recall) if tp else 0.0
        rows.append({"outcome": label, "precision": precision, "recall": recall, "f1": f1, "support": tp + fn})
    return pd.DataFrame(rows).set_index("outcome")


def confusion_matrix(preds: pd.DataFrame) -> pd.DataFrame:
    """Counts with expected outcomes as rows and system outcomes as columns."""
    table = pd.crosstab(preds.expected, preds.outcome)
    return table.reindex(index=list(OUTCOMES), columns=list(OUTCOMES), fill_value=0)


def calibration_table(preds: pd.DataFrame, bins: int = 10) -> pd.DataFrame:
    """Reliability of the top-class probability: per bin, count, mean probability and accuracy."""
    edges = np.linspace(0, 1, bins + 1)
    hit = (preds.top_class == preds.expected).astype(float)
    bucket = np.clip(np.digitize(preds.top_probability, edges[1:-1], right=True), 0, bins - 1)
    rows = []
    for b in range(bins):
        mask = bucket == b
        rows.append(
            {
                "bin": f"{edges[b]:.1f}-{edges[b + 1]:.1f}",
                "count": int(mask.sum()),
                "mean_probability": float(preds.top_probability[mask].mean()) if mask.any() else np.nan,
                "accuracy": float(hit[mask].mean()) if mask.any() else np.nan,
            }
        )
    table = pd.DataFrame(rows)
    table.attrs["ece"] = expected_calibration_error(list(preds.top_probability), list(hit.astype(bool)), bins)
    return table


def coverage_by_threshold(preds: pd.DataFrame, thresholds: Sequence[float] | None = None) -> pd.DataFrame:
    """What a review threshold costs: coverage of in-scope reports and accuracy of what is suggested.

    Re-applies the decision policy per threshold: a report is suggested when its top class is a code,
    the probability reaches the threshold and no review trigger (flag) fired.
    """
    thresholds = thresholds if thresholds is not None else np.round(np.arange(0.30, 1.001, 0.02), 2)
    in_scope = preds.expected.isin(CODES)
    codes_top = preds.top_class.isin(CODES) & preds["flags"].map(len).eq(0)
    rows = []
    for t in thresholds:
        suggested = codes_top & (preds.top_probability >= t)
        correct = suggested & (preds.top_class == preds.expected)
        rows.append(
            {
                "threshold": float(t),
                "n_suggested": int(suggested.sum()),
                "coverage": float((suggested & in_scope).sum() / max(int(in_scope.sum()), 1)),
                "accuracy": float(correct.sum() / suggested.sum()) if suggested.any() else np.nan,
            }
        )
    return pd.DataFrame(rows)


def error_table(preds: pd.DataFrame) -> pd.DataFrame:
    """Every report whose outcome differs from the expected one, with its decisive evidence."""
    errors = preds[~preds.correct].copy()
    errors["evidence"] = errors.suggestion.map(
        lambda s: "; ".join(
            f"{e['kind']}:{e['assertion']}:{e['section']}:{e['text']!r}"
            for e in s["evidence"]
            if e["kind"] in ("contrast_administration", "post_contrast_only", "sequence", "exam_scope", "enhancement")
        )
    )
    columns = ["id", "label", "expected", "outcome", "top_class", "top_probability", "flags", "rationale", "evidence"]
    return errors[columns].sort_values("top_probability", ascending=False).reset_index(drop=True)


def extraction_metrics(records: Sequence[dict[str, Any]], strict: bool = False) -> pd.DataFrame:
    """Extraction precision/recall/F1 against the records' gold spans, per kind and per value."""
    from nlp_coder.extraction_eval import score_extraction
    from nlp_coder.pipeline import extract_many

    gold = [r for r in records if r.get("gold_spans") is not None]
    scores = score_extraction([r["gold_spans"] for r in gold], list(extract_many(r["text"] for r in gold)), strict)
    return pd.DataFrame(
        [
            {
                "row": k,
                "precision": v.precision,
                "recall": v.recall,
                "f1": v.f1,
                "support": v.support,
                "predicted": v.true_positives + v.false_positives,
            }
            for k, v in scores.items()
        ]
    ).set_index("row")


# --- plots -------------------------------------------------------------------------------------


def plot_confusion_matrix(preds: pd.DataFrame, ax: Any = None) -> Any:
    import matplotlib.pyplot as plt

    table = confusion_matrix(preds)
    ax = ax or plt.subplots(figsize=(6, 5))[1]
    ax.imshow(table.values, cmap="Blues")
    ax.set_xticks(range(len(table.columns)), table.columns, rotation=45, ha="right")
    ax.set_yticks(range(len(table.index)), table.index)
    for i in range(table.shape[0]):
        for j in range(table.shape[1]):
            ax.text(j, i, int(table.values[i, j]), ha="center", va="center")
    ax.set_xlabel("system outcome")
    ax.set_ylabel("expected outcome")
    return ax


def plot_reliability(preds: pd.DataFrame, ax: Any = None, bins: int = 10) -> Any:
    import matplotlib.pyplot as plt

    table = calibration_table(preds, bins)
    ax = ax or plt.subplots(figsize=(5, 5))[1]
    ax.plot([0, 1], [0, 1], linestyle="--", color="grey", label="perfect calibration")
    shown = table.dropna()
    ax.plot(shown.mean_probability, shown.accuracy, marker="o", label=f"model (ECE {table.attrs['ece']:.3f})")
    ax.set_xlabel("top-class probability")
    ax.set_ylabel("accuracy")
    ax.legend()
    return ax


def plot_coverage_accuracy(preds: pd.DataFrame, ax: Any = None) -> Any:
    import matplotlib.pyplot as plt

    table = coverage_by_threshold(preds)
    ax = ax or plt.subplots(figsize=(6, 4))[1]
    ax.plot(table.threshold, table.coverage, label="coverage of in-scope reports")
    ax.plot(table.threshold, table.accuracy, label="accuracy on suggested")
    ax.axhline(0.99, color="grey", linestyle=":", label="99%")
    ax.set_xlabel("review threshold")
    ax.legend()
    return ax


# --- evidence as HTML --------------------------------------------------------------------------

_COLOURS = {
    "contrast_administration": "#ffd166",
    "sequence": "#8ecae6",
    "enhancement": "#cdb4db",
    "post_contrast_only": "#f4a261",
    "exam_scope": "#b7e4c7",
    "contrast_dose": "#ffe8a3",
    "contrast_route": "#ffe8a3",
    "indication": "#e9ecef",
    "abort": "#ff8fa3",
}
_STYLES = {
    "affirmed": "",
    "negated": "text-decoration: line-through; outline: 2px solid #d62828;",
    "historical": "opacity: .6; border-bottom: 2px dotted #555;",
    "hypothetical": "font-style: italic; border: 1px dashed #555;",
}


def render_evidence(row_or_text: Any, evidence: Sequence[dict[str, Any]] | None = None) -> Any:
    """The report with its evidence highlighted (colour = kind, style = assertion), as notebook HTML."""
    from IPython.display import HTML

    if evidence is None:
        text, evidence = row_or_text["text"], row_or_text["suggestion"]["evidence"]
    else:
        text = row_or_text
    parts, position = [], 0
    for item in sorted(evidence, key=lambda e: (e["start"], -e["end"])):
        if item["start"] < position:
            continue  # overlapping spans: the first one is drawn
        parts.append(html.escape(text[position : item["start"]]))
        style = f"background:{_COLOURS.get(item['kind'], '#eee')};{_STYLES.get(item['assertion'], '')}"
        title = html.escape(f"{item['kind']} | {item['assertion']} | {item['section']}")
        parts.append(f'<mark style="{style}" title="{title}">{html.escape(text[item["start"] : item["end"]])}</mark>')
        position = item["end"]
    parts.append(html.escape(text[position:]))
    return HTML(f'<pre style="white-space: pre-wrap; font-size: 13px">{"".join(parts)}</pre>')
