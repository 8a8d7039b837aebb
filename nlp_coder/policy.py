"""Review triggers: facts about a report that send it to a coder whatever the model's confidence.

They are part of the decision policy (``suggest.py``) and of the threshold choice (``training.py``): a
report a trigger sends to review is never suggested, so the threshold is chosen on the rest.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from nlp_coder.features import CURRENT_GROUPS, section_group
from nlp_coder.types import Evidence

__all__ = ["review_triggers"]

_EXAM_KINDS = ("sequence", "contrast_administration", "exam_scope")


def review_triggers(text: str, evidence: Iterable[Evidence], features: Mapping[str, float]) -> list[str]:
    """The review flags a report raises before the model is consulted.

    * ``empty_report``: nothing but whitespace;
    * ``no_exam_evidence``: no sequence, contrast statement or exam type anywhere;
    * ``unfilled_template_field``: a placeholder ("***", "[contrast]") left in the title or technique;
    * ``report_truncated``: the text stops mid-sentence, so a later technique line or addendum may be missing;
    * ``garbled_contrast_statement``: a contrast sentence a coder cannot take at its word, the dictation slip
      "contrast was now administered" (for "not"), in this session's sections.
    """
    items = list(evidence)
    flags: list[str] = []
    if not text.strip():
        flags.append("empty_report")
    elif not any(e.kind in _EXAM_KINDS for e in items):
        flags.append("no_exam_evidence")
    if any(e.kind == "unfilled_field" and section_group(e.section) in ("title", "technique") for e in items):
        flags.append("unfilled_template_field")
    if features.get("derived:truncated"):
        flags.append("report_truncated")
    if any(e.kind == "garbled_statement" and section_group(e.section) in CURRENT_GROUPS for e in items):
        flags.append("garbled_contrast_statement")
    return flags
