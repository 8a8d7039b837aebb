"""Code suggestions: evidence -> features -> calibrated probabilities -> decision policy -> the contract.

The decision policy (DESIGN §1.2, §4):

* ``out_of_scope`` when that is the most probable class and it reaches the review threshold;
* ``suggested`` when a code is the most probable class, reaches the threshold, and no review trigger fired;
* ``needs_review`` otherwise: low confidence, the review class, or a trigger a coder must resolve
  (``policy.review_triggers``: an unfilled template field, a truncated report, no exam evidence at all).

The threshold is chosen on the dev split for 99% precision and stored with the model.
"""

from __future__ import annotations

import gc
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

from spacy.language import Language

from nlp_coder.billing import BillingPolicy, billing_extras
from nlp_coder.classifier import FastProbabilities
from nlp_coder.features import NON_CONTRAST_SEQUENCES, featurize, section_group
from nlp_coder.persistence import DEFAULT_MODEL, load_model
from nlp_coder.pipeline import MAX_CHARS, VOCAB_LIMIT, analyze_many, build_nlp, get_nlp, validate_text
from nlp_coder.policy import review_triggers
from nlp_coder.types import CODES, OUTCOMES, REVIEW, Evidence

__all__ = ["DESCRIPTIONS", "Suggester", "get_suggester", "suggest"]

# Net allocations of container objects between two collections of the youngest generation, in a process
# that has warmed up (and frozen) its suggester; Python's default is 700.
GC_YOUNG_THRESHOLD = 50_000

# Our own words (the AMA descriptors are copyrighted).
DESCRIPTIONS = {
    "70551": "MRI of the brain, no contrast given",
    "70552": "MRI of the brain, imaging only after contrast",
    "70553": "MRI of the brain before contrast, then contrast and further sequences",
    None: None,
}


def _supports(e: Evidence) -> str | None:
    """Which outcome a piece of evidence argues for, if any."""
    if e.kind == "contrast_administration":
        if e.assertion == "negated":
            return "70551"
        if e.assertion == "affirmed":
            return "70553" if e.attributes.get("protocol") == "pre_and_post" else "contrast_given"
    if e.kind == "post_contrast_only" and e.assertion == "affirmed":
        return "70552"
    if e.kind == "sequence" and e.assertion == "affirmed":
        phase = e.attributes.get("phase")
        if phase == "pre" or phase == "both":
            return "70553"
        if phase == "post":
            return "contrast_given"
    if e.kind == "enhancement" and e.assertion in ("affirmed", "negated") and section_group(e.section) != "other":
        return "contrast_given"
    if e.kind == "exam_scope" and e.section == "exam":
        region = e.attributes.get("region")
        modality = e.attributes.get("modality")
        if region in ("brain", "sella", "iac") or modality == "mri":
            return None
        return "out_of_scope"
    return None


def _quote(items: Sequence[Evidence], limit: int = 3) -> str:
    names = []
    for e in items:
        name = e.attributes.get("sequence", e.text) if e.kind == "sequence" else e.text
        if name not in names:
            names.append(name)
    return ", ".join(names[:limit])


def _where(items: Sequence[Evidence]) -> str:
    sections = []
    for e in items:
        if e.section.upper() not in sections:
            sections.append(e.section.upper())
    return "/".join(sections[:2])


def rationale(code: str | None, status: str, evidence: Sequence[Evidence], flags: Sequence[str]) -> str:
    """One line naming the decisive evidence."""
    affirmed = [e for e in evidence if e.assertion == "affirmed"]
    given = [e for e in affirmed if e.kind == "contrast_administration" and section_group(e.section) != "other"]
    post = [e for e in affirmed if e.kind == "sequence" and e.attributes.get("phase") in ("post", "both")]
    pre = [
        e
        for e in affirmed
        if e.kind == "sequence"
        and (
            e.attributes.get("phase") in ("pre", "both")
            or (
                e.attributes.get("phase") == "unspecified"
                and e.attributes.get("sequence") in NON_CONTRAST_SEQUENCES
                and not str(e.attributes.get("sequence")).startswith("T1")
            )
        )
        and e.attributes.get("diagnostic") is not False
    ]
    negated = [e for e in evidence if e.kind == "contrast_administration" and e.assertion == "negated"]
    if status == "out_of_scope":
        scope = [e for e in evidence if e.kind == "exam_scope" and e.section == "exam"] or [
            e
            for e in evidence
            if e.kind == "exam_scope" and e.assertion == "affirmed" and section_group(e.section) in ("technique", "report")
        ]
        return f"exam is {_quote(scope) or 'not a brain MRI'} → out of scope"
    if status == "needs_review" and flags:
        return f"needs review: {', '.join(flags)}"
    if code == "70553":
        shown = post or given
        where = _where(pre + shown) or "REPORT"
        return (
            f"pre-contrast {_quote(pre) or 'imaging'} and post-contrast {_quote(shown) or 'imaging'} in {where} → 70553"
        )
    if code == "70552":
        only = [e for e in affirmed if e.kind == "post_contrast_only"]
        return (
            f"imaging only after contrast: {_quote(only or post or given)} in {_where(only or post or given)} → 70552"
        )
    if code == "70551":
        if negated:
            return f"no contrast given: {_quote(negated)} in {_where(negated)} → 70551"
        return "no contrast, enhancement or post-contrast imaging documented → 70551"
    return "no code could be chosen"


class Suggester:
    """The extraction pipeline plus the calibrated classifier and its review threshold."""

    def __init__(
        self, model_path: Path = DEFAULT_MODEL, nlp: Language | None = None, policy: BillingPolicy | None = None
    ):
        self.nlp = nlp or get_nlp()
        self.policy = policy or BillingPolicy()
        self.model_path = model_path
        self.model, self.metadata = load_model(model_path)
        self.threshold = float(self.metadata["threshold"])
        self.model_version = str(self.metadata["model_version"])
        self.classes = [str(c) for c in self.model.classes_]
        self.predict_proba = FastProbabilities(self.model)

    def suggest_many(
        self, texts: Iterable[str], ids: Iterable[str | None] | None = None, batch_size: int = 64
    ) -> Iterator[dict[str, Any]]:
        """Suggestions for many reports, in order."""
        text_list = [validate_text(t, MAX_CHARS) for t in texts]
        id_list = list(ids) if ids is not None else [None] * len(text_list)
        extractions = list(analyze_many(text_list, nlp=self.nlp, batch_size=batch_size))
        evidence_lists = [x.evidence for x in extractions]
        features = [
            featurize(x.evidence, text, x.section_categories) for x, text in zip(extractions, text_list, strict=True)
        ]
        probabilities = self.predict_proba(features) if features else []
        for record_id, text, evidence, feats, probs in zip(
            id_list, text_list, evidence_lists, features, probabilities, strict=False
        ):
            yield self._decide(record_id, text, evidence, feats, probs)

    def warm_up(self, freeze: bool = True) -> None:
        """Build the lazily loaded state now (compiled rule tables, the ICD-10-CM code set), not on the
        first report a user sends, and (``freeze``) freeze it: for a process that keeps this suggester for
        its life (a backlog worker, the API), the garbage collector stops walking its hundreds of thousands
        of objects on every full collection, and its youngest generation is collected less often
        (``GC_YOUNG_THRESHOLD``). (``gc.unfreeze()`` before dropping it.)"""
        from nlp_coder.billing import is_billable_icd10cm

        self.suggest(
            "EXAM: MRI brain without and with contrast. INDICATION: headache. TECHNIQUE: sagittal T1, axial "
            "FLAIR; after 7 mL gadobutrol IV, axial T1. IMPRESSION: normal."
        )
        is_billable_icd10cm("R51.9")
        if freeze:
            gc.collect()
            gc.freeze()
            # A batch of reports holds tens of thousands of container objects at once, nearly all freed by
            # reference counting (the pipeline leaves no cycles). At Python's default threshold (700 net
            # allocations) the collector ran about once per 20 reports for nothing: 1-2% of a report.
            gc.set_threshold(GC_YOUNG_THRESHOLD, *gc.get_threshold()[1:])

    def outgrown(self, limit: int | None = None) -> bool:
        """Whether the pipeline's vocabulary has passed ``limit`` entries (default ``VOCAB_LIMIT``)."""
        return len(self.nlp.vocab) > (VOCAB_LIMIT if limit is None else limit)

    def renewed(self) -> Suggester:
        """A suggester like this one (same model file, same billing policy) on a fresh pipeline of its own,
        which can be dropped in turn: the way to bound a long-lived process's memory (``outgrown``)."""
        return Suggester(self.model_path, nlp=build_nlp(), policy=self.policy)

    def suggest(self, text: str, record_id: str | None = None) -> dict[str, Any]:
        """The suggestion (output contract, DESIGN §4) for one report."""
        return next(self.suggest_many([text], [record_id]))

    def _decide(self, record_id, text, evidence, features, probs) -> dict[str, Any]:
        p = dict(zip(self.classes, (float(x) for x in probs), strict=False))
        flags = review_triggers(text, evidence, features)
        best = max(p, key=p.get)
        confidence = p[best]
        # Scope gate: when the title or technique names another exam (CT, radiograph, MRI of the spine...)
        # and the model does not confidently name a brain code, the exam is out of scope whatever the
        # model's confidence: exam type is a documented fact, not a judgement.
        # (featurize already holds the checklist's answer as its "rule:" feature; no need to rerun it)
        scope_gate = bool(features.get("rule:out_of_scope")) and not (best in CODES and confidence >= self.threshold)
        if scope_gate and best in ("out_of_scope", REVIEW) and "no_exam_evidence" not in flags:
            status, code = "out_of_scope", None
            best = "out_of_scope"
            flags.append("out_of_scope_by_exam_type")
        elif best == "out_of_scope" and confidence >= self.threshold and not flags:
            status, code = "out_of_scope", None
        elif best in CODES and confidence >= self.threshold and not flags:
            status, code = "suggested", best
        else:
            status = "needs_review"
            in_scope = {c: p.get(c, 0.0) for c in CODES}
            code = max(in_scope, key=in_scope.get) if best != "out_of_scope" else None
            if best == REVIEW:
                flags.append("model_review_class")
            elif confidence < self.threshold:
                flags.append("low_confidence")
        # Billing extras follow the code a coder would bill: the suggestion, or the leading code in review.
        extras = billing_extras(evidence, code, self.policy)
        supports_evidence = []
        for e in evidence:
            item = e.to_dict()
            support = _supports(e)
            if support == "contrast_given":
                support = code if code in ("70552", "70553") else None
            item["supports"] = support
            supports_evidence.append(item)
        return {
            "id": record_id,
            "code": code,
            "status": status,
            "confidence": round(p[code] if code else p[best], 4),
            "probabilities": {c: round(p.get(c, 0.0), 4) for c in OUTCOMES},
            "description": DESCRIPTIONS.get(code),
            "evidence": supports_evidence,
            "indications": extras["indications"],
            "modifiers": extras["modifiers"],
            "also_codes": extras["also_codes"],
            "supply": extras["supply"],
            "flags": flags + [f for f in extras["flags"] if f not in flags],
            "rationale": rationale(code, status, evidence, flags),
            "model_version": self.model_version,
        }


_SUGGESTER: Suggester | None = None


def get_suggester() -> Suggester:
    """The process-wide suggester on the bundled model (built on first use)."""
    global _SUGGESTER
    if _SUGGESTER is None:
        _SUGGESTER = Suggester()
    return _SUGGESTER


def suggest(text: str, record_id: str | None = None) -> dict[str, Any]:
    """Suggest the CPT code of one brain MRI report with its evidence (bundled model)."""
    return get_suggester().suggest(text, record_id)
