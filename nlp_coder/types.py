"""Typed values that leave the NLP pipeline: the package never hands spaCy objects to its callers."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["ASSERTIONS", "CODES", "OUTCOMES", "PHASES", "REVIEW", "Evidence", "Extraction", "SectionSpan"]

ASSERTIONS = ("affirmed", "negated", "hypothetical", "historical")
CODES = ("70551", "70552", "70553")
REVIEW = "needs_review"
# What a suggestion can say, in the order used everywhere (classes, probabilities, tables).
OUTCOMES = (*CODES, "out_of_scope", REVIEW)
# "both": a sequence acquired before and after contrast ("MPRAGE pre and post").
PHASES = ("pre", "post", "both", "unspecified")


@dataclass(frozen=True, slots=True)
class Evidence:
    """One piece of evidence found in a report.

    Attributes:
        kind: what was found (``contrast_administration``, ``sequence``, ``enhancement``...).
        text: the matched text, exactly ``report[start:end]``.
        start: character offset of the span in the text as received.
        end: character offset one past the span.
        section: normalised section category the span lies in (``technique``, ``comparison``...).
        assertion: ``affirmed``, ``negated``, ``hypothetical`` or ``historical``.
        attributes: kind-specific values (``phase`` and ``sequence`` for sequences, ``agent`` for
            contrast agents, ``value``/``unit`` for doses, ``scope`` for exam scope cues...).
    """

    kind: str
    text: str
    start: int
    end: int
    section: str
    assertion: str = "affirmed"
    attributes: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """The evidence object of the output contract (DESIGN §4)."""
        out: dict[str, Any] = {
            "kind": self.kind,
            "text": self.text,
            "start": self.start,
            "end": self.end,
            "section": self.section,
            "assertion": self.assertion,
        }
        out.update(self.attributes)
        return out


@dataclass(frozen=True, slots=True)
class SectionSpan:
    """A section of a report: its category, header span (empty when headerless) and end offset."""

    category: str
    header_start: int
    header_end: int
    end: int


@dataclass(frozen=True, slots=True)
class Extraction:
    """Everything extraction knows of one report: its evidence and its section structure."""

    evidence: list[Evidence]
    sections: list[SectionSpan]

    @property
    def section_categories(self) -> list[str]:
        return [s.category for s in self.sections]
