"""The one place the spaCy/medspaCy pipeline is assembled, and the extraction entry points.

tokenizer → sections → sentences → target matcher → ConText (medspaCy) → evidence
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from functools import lru_cache
from pathlib import Path

import spacy
from spacy.language import Language
from spacy.tokens import Doc

from nlp_coder import components  # noqa: F401  (registers the nlp_coder_* factories)
from nlp_coder.components.targets import ASSERTION_GROUP, PHASE_GROUP
from nlp_coder.errors import InputError
from nlp_coder.evidence import doc_to_evidence, doc_to_extraction
from nlp_coder.rules import load_context_rules, split_first_token_sets
from nlp_coder.types import Evidence, Extraction

__all__ = [
    "MAX_CHARS",
    "VOCAB_LIMIT",
    "analyze_many",
    "build_nlp",
    "extract",
    "extract_many",
    "get_nlp",
    "validate_text",
]

logger = logging.getLogger(__name__)

# spaCy's own default limit; far above any real report (the API applies a lower, configurable one).
MAX_CHARS = 1_000_000

# spaCy's vocabulary keeps every new word it meets (accession numbers, dates, names...) for the life of the
# pipeline: about 600 bytes a word, ~3 MiB per 1,000 reports with a few unique tokens each. A process that
# scores millions of reports (a backlog worker, the API) builds its pipeline afresh past this many entries
# (a few seconds) and drops the old one.
VOCAB_LIMIT = 1_000_000


def _silence_medspacy_logging() -> None:
    # medspaCy's package import pulls in PyRuSH, which logs every token it sees through loguru at
    # DEBUG: report text must never reach a log, so its logger is disabled even though we do not use it.
    try:
        from loguru import logger as loguru_logger
    except ImportError:  # pragma: no cover - loguru comes with medspaCy
        return
    for name in ("PyRuSH", "medspacy", "quickumls"):
        loguru_logger.disable(name)


def build_nlp(
    target_rules: Path | None = None,
    context_rules: Path | None = None,
    section_rules: Path | None = None,
    phase_rules: Path | None = None,
    context_engine: str = "nlp_coder",
) -> Language:
    """Assemble the extraction pipeline (rule files default to the packaged ones).

    Args:
        context_engine: ``"nlp_coder"`` (default, fast) or ``"medspacy"`` (medspaCy's own ConText on the
            same rule files; kept for parity tests and comparison).
    """
    _silence_medspacy_logging()
    nlp = spacy.blank("en", config={"nlp": {"tokenizer": {"@tokenizers": "nlp_coder.tokenizer.v1"}}})
    nlp.max_length = MAX_CHARS
    nlp.add_pipe("nlp_coder_sectionizer", config={"rules": str(section_rules) if section_rules else None})
    nlp.add_pipe("nlp_coder_sentences")
    nlp.add_pipe(
        "nlp_coder_target_matcher",
        # medspaCy's ConText reads the targets from span groups; ours from the matcher's tuples
        config={"rules": str(target_rules) if target_rules else None, "span_groups": context_engine == "medspacy"},
    )
    # Two ConText passes: assertion (negated/hypothetical/historical) and the phase of sequences
    # (pre/post/both). Their cues overlap ("without" negates, "without contrast" marks a pre-contrast
    # sequence) and ConText keeps only the longest of overlapping modifiers, so they cannot share a pass.
    passes = (
        ("nlp_coder_assertion", context_rules, "context_rules.json", ASSERTION_GROUP),
        ("nlp_coder_phase", phase_rules, "phase_rules.json", PHASE_GROUP),
    )
    for name, rules_path, default_rules, group in passes:
        if context_engine == "nlp_coder":
            nlp.add_pipe(
                "nlp_coder_context",
                name=name,
                config={
                    "rules": str(rules_path) if rules_path else None,
                    "default_rules": default_rules,
                    "span_group": group,
                },
            )
        elif context_engine == "medspacy":
            _add_medspacy_context(nlp, name, rules_path, default_rules, group)
        else:
            raise ValueError("context_engine must be 'nlp_coder' or 'medspacy'")
    return nlp


def _add_medspacy_context(nlp: Language, name: str, path: Path | None, default_rules: str, group: str) -> None:
    from medspacy.context import ConText, ConTextRule

    context: ConText = nlp.add_pipe(
        "medspacy_context",
        name=name,
        config={
            "rules": None,
            "span_attrs": None,
            "prune_on_modifier_overlap": True,
            "input_span_type": "group",
            "span_group_name": group,
        },
    )
    context.add(
        [
            ConTextRule(
                literal=rule.literal,
                category=rule.category,
                pattern=pattern,
                direction=rule.direction,
                allowed_types=set(rule.allowed_types) if rule.allowed_types else None,
                excluded_types=set(rule.excluded_types) if rule.excluded_types else None,
                max_scope=rule.max_scope,
                terminated_by=set(rule.terminated_by) if rule.terminated_by else None,
                metadata=rule.metadata,
            )
            for rule in load_context_rules(path, default_rules)
            for pattern in (split_first_token_sets(rule.pattern) if rule.pattern else [None])
        ]
    )
    nlp.add_pipe("nlp_coder_medspacy_modifiers", name=f"{name}_modifiers", config={"span_group": group})


@lru_cache(maxsize=1)
def get_nlp() -> Language:
    """The default pipeline, built once per process."""
    return build_nlp()


def validate_text(text: object, max_chars: int = MAX_CHARS) -> str:
    """Return ``text`` if it is an acceptable report, else raise InputError (never quoting it)."""
    if not isinstance(text, str):
        raise InputError(f"report text must be a string, got {type(text).__name__}")
    if len(text) > max_chars:
        raise InputError(f"report text is {len(text)} characters; the limit is {max_chars}")
    return text


def extract(text: str, nlp: Language | None = None) -> list[Evidence]:
    """The evidence of one report, ordered by position.

    Args:
        text: the report text exactly as received; offsets of the evidence index into it.
        nlp: a pipeline from :func:`build_nlp` (default: the packaged rules).

    Returns:
        The evidence list; empty for an empty or blank text.
    """
    text = validate_text(text)
    if not text.strip():
        return []
    return doc_to_evidence((nlp or get_nlp())(text))


def extract_many(texts: Iterable[str], nlp: Language | None = None, batch_size: int = 64) -> Iterator[list[Evidence]]:
    """Evidence for many reports, in order (batched through ``nlp.pipe``)."""
    for extraction in analyze_many(texts, nlp=nlp, batch_size=batch_size):
        yield extraction.evidence


def analyze_many(texts: Iterable[str], nlp: Language | None = None, batch_size: int = 64) -> Iterator[Extraction]:
    """Evidence and section structure for many reports, in order."""
    pipeline = nlp or get_nlp()
    validated = (validate_text(t) for t in texts)
    for doc in pipeline.pipe(validated, batch_size=batch_size):
        extraction = doc_to_extraction(doc)
        release(doc)
        yield extraction


def release(doc: Doc) -> None:
    """Drop what a processed Doc holds of its own spans, once its evidence is read.

    A Span refers back to its Doc, so a Doc holding Spans in ``doc.user_data`` (extensions) or ``doc.spans``
    is a reference cycle, left for the garbage collector, which then spends more time on a backlog than
    some pipeline components. The default pipeline keeps none (its targets are tuples); the medspaCy
    ConText one writes span groups, and a component added later may too. Broken here, a Doc is freed as
    soon as it is dropped.
    """
    doc.user_data.clear()
    doc.spans.clear()
