"""Rule files: pydantic models that validate them and the loaders that read them.

Rules, lexicons and section headers are data (``nlp_coder/resources``), shaped like medspaCy's own
resource files: one JSON object per file with a single top-level key holding flat records, or JSONL
lexicons with one record per line. Unknown keys are rejected, as medspaCy's ``_ALLOWED_KEYS`` does.
"""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from nlp_coder.errors import RuleFileError

__all__ = [
    "ContextRuleModel",
    "SectionRuleModel",
    "TargetRuleModel",
    "load_context_rules",
    "load_section_rules",
    "load_target_rules",
]

TokenPattern = list[dict[str, Any]]


class _Rule(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SectionRuleModel(_Rule):
    """A section header: ``literal`` is the header text as written (matched case-insensitively)."""

    category: str
    literal: str = Field(min_length=1)
    # May stand without a colon on the same line as its text ("IMPRESSION Normal."), upper case only.
    bare: bool = False


class TargetRuleModel(_Rule):
    """A target concept. ``category`` becomes the evidence kind; ``metadata`` its attributes.

    Without ``pattern`` the literal is matched as a phrase on lower-cased tokens; with it, the
    pattern is a spaCy Matcher token pattern.
    """

    literal: str = Field(min_length=1)
    category: str
    pattern: TokenPattern | None = None
    metadata: dict[str, Any] = Field(default_factory=dict)


class GenreCueModel(_Rule):
    """A regular expression whose matches suggest a document genre (radiology report or clinical note), or
    mark a report's closing line (sign-off, date stamp, typist initials: a report ending in one is not cut off).
    """

    genre: Literal["report", "clinical", "closing"]
    pattern: str = Field(min_length=1)


class ContextRuleModel(_Rule):
    """A ConText modifier in medspaCy's ConTextRule shape."""

    literal: str = Field(min_length=1)
    category: str
    direction: Literal["FORWARD", "BACKWARD", "BIDIRECTIONAL", "TERMINATE", "PSEUDO"] = "BIDIRECTIONAL"
    pattern: TokenPattern | None = None
    allowed_types: list[str] | None = None
    excluded_types: list[str] | None = None
    max_scope: int | None = None
    terminated_by: list[str] | None = None
    metadata: dict[str, Any] | None = None


def _read(path: Path | None, default_name: str) -> tuple[str, str]:
    if path is None:
        ref = resources.files("nlp_coder.resources").joinpath(default_name)
        return default_name, ref.read_text(encoding="utf-8")
    return Path(path).name, Path(path).read_text(encoding="utf-8")


def _load_records(path: Path | None, default_name: str, key: str) -> list[dict[str, Any]]:
    name, raw = _read(path, default_name)
    if name.endswith(".jsonl"):
        records = []
        for line_no, line in enumerate(raw.splitlines(), 1):
            if not line.strip():
                continue
            try:
                records.append(json.loads(line))
            except json.JSONDecodeError as exc:
                raise RuleFileError(f"{name}:{line_no}: invalid JSON ({exc.msg})") from None
        return records
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise RuleFileError(f"{name}: invalid JSON ({exc.msg} at line {exc.lineno})") from None
    if not isinstance(data, dict) or set(data) != {key}:
        raise RuleFileError(f"{name}: expected one top-level key {key!r}")
    return list(data[key])


def _validate(model: type[_Rule], records: list[dict[str, Any]], name: str) -> list[Any]:
    out = []
    for i, record in enumerate(records):
        try:
            out.append(model.model_validate(record))
        except ValidationError as exc:
            fields = ", ".join(".".join(str(p) for p in err["loc"]) or "record" for err in exc.errors())
            raise RuleFileError(f"{name}: record {i} invalid ({fields})") from None
    return out


@lru_cache(maxsize=8)
def load_section_rules(path: Path | None = None) -> tuple[SectionRuleModel, ...]:
    """Section header rules (default: the packaged ``section_rules.json``)."""
    records = _load_records(path, "section_rules.json", "section_rules")
    return tuple(_validate(SectionRuleModel, records, "section_rules"))


@lru_cache(maxsize=8)
def load_target_rules(path: Path | None = None) -> tuple[TargetRuleModel, ...]:
    """Target rules: ``target_rules.json`` plus the packaged lexicons (agents, indications)."""
    records = _load_records(path, "target_rules.json", "target_rules")
    rules = _validate(TargetRuleModel, records, "target_rules")
    if path is None:
        for lexicon in ("contrast_agents.jsonl", "indications.jsonl"):
            rules += _validate(TargetRuleModel, _load_records(None, lexicon, ""), lexicon)
    return tuple(rules)


@lru_cache(maxsize=8)
def load_context_rules(
    path: Path | None = None, default_name: str = "context_rules.json"
) -> tuple[ContextRuleModel, ...]:
    """ConText modifier rules (default: the packaged ``context_rules.json``; ``phase_rules.json`` for phase)."""
    records = _load_records(path, default_name, "context_rules")
    return tuple(_validate(ContextRuleModel, records, "context_rules"))


def split_first_token_sets(pattern: TokenPattern) -> list[TokenPattern]:
    """One pattern per value of a first-token ``{"LOWER": {"IN": [...]}}`` set.

    spaCy's Matcher evaluates the first token's predicate at every token of every document, and a set
    predicate costs several times a plain ``{"LOWER": "x"}`` equality there; later tokens are only
    tested while a match is under way. Splitting the set keeps the rule file readable and the
    matcher fast (same matches).
    """
    first = pattern[0]
    if "OP" in first:
        return [pattern]
    set_keys = [k for k, v in first.items() if isinstance(v, dict) and set(v) == {"IN"}]
    if len(set_keys) != 1:
        return [pattern]
    key = set_keys[0]
    return [[{**first, key: item}, *pattern[1:]] for item in first[key]["IN"]]


@lru_cache(maxsize=8)
def load_genre_cues(path: Path | None = None) -> tuple[GenreCueModel, ...]:
    """Genre cues (default: the packaged ``genre_cues.json``)."""
    records = _load_records(path, "genre_cues.json", "genre_cues")
    return tuple(_validate(GenreCueModel, records, "genre_cues"))
