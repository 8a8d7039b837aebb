"""Target matcher: finds the concepts of ``target_rules.json`` and the lexicons, as ``doc._.nlp_coder_targets``.

Rules follow medspaCy's TargetRule shape (literal, category, optional token pattern, metadata). Literals
are matched as phrases on lower-cased tokens, patterns with spaCy's Matcher. Overlaps resolve to the
longest match, as medspaCy's target matcher does. The rule behind each entity is kept so that its
metadata (agent, sequence, inherent phase, scope...) reaches the evidence.
"""

from pathlib import Path
from typing import NamedTuple

from spacy.attrs import IDX, LENGTH
from spacy.language import Language
from spacy.tokens import Doc, Span

from nlp_coder.components.matching import RuleMatcher
from nlp_coder.rules import TargetRuleModel, load_target_rules

__all__ = ["ASSERTION_GROUP", "ASSERTION_KINDS", "PHASE_GROUP", "Target", "TargetMatcher"]

ASSERTION_GROUP = "nlp_coder_assertion_targets"
PHASE_GROUP = "nlp_coder_phase_targets"
# Kinds the assertion rules (context_rules.json allowed_types) apply to.
ASSERTION_KINDS = frozenset(
    {"contrast_administration", "contrast_dose", "contrast_route", "enhancement", "post_contrast_only", "sequence"}
)

if not Doc.has_extension("nlp_coder_target_rules"):
    Doc.set_extension("nlp_coder_target_rules", default=None)
if not Doc.has_extension("nlp_coder_targets"):
    Doc.set_extension("nlp_coder_targets", default=None)
if not Doc.has_extension("nlp_coder_target_groups"):
    Doc.set_extension("nlp_coder_target_groups", default=None)


class Target(NamedTuple):
    """A matched target, read like a Span (token offsets, label = evidence kind, character offsets)."""

    start: int
    end: int
    label_: str
    start_char: int
    end_char: int


class TargetMatcher:
    """Sets ``doc._.nlp_coder_targets`` (non-overlapping ``Target``s in document order) and
    ``doc._.nlp_coder_target_rules``, which maps ``(start_token, end_token)`` of each to its rule.

    The targets are not written to ``doc.ents``: setting and reading ``doc.ents`` walks every token and
    cost about a tenth of the pipeline; nothing here needs spaCy's entity annotation. Nor are they Spans:
    building a Span reads three Tokens of the Doc, about 2% of a report for what evidence needs (offsets and
    a label). ``span_groups`` also writes them as Spans to ``doc.spans``, for medspaCy's ConText.
    """

    def __init__(self, nlp: Language, name: str, rules: str | None = None, span_groups: bool = False):
        self.name = name
        self.span_groups = span_groups
        self._matcher = RuleMatcher(nlp)
        self._rules: dict[int, TargetRuleModel] = {}
        self._labels: dict[str, int] = {}  # category -> its string-store id (the span label)
        self.add(load_target_rules(Path(rules) if rules else None), nlp)

    def add(self, rules: tuple[TargetRuleModel, ...] | list[TargetRuleModel], nlp: Language) -> None:
        """Add target rules; each gets its own match key so its metadata can be found again."""
        offset = len(self._rules)
        for i, rule in enumerate(rules, offset):
            key = f"nlp_coder_target_{i}"
            match_id = nlp.vocab.strings.add(key)
            self._rules[match_id] = rule
            self._labels[rule.category] = nlp.vocab.strings.add(rule.category)
            self._matcher.add(key, rule.literal, rule.pattern)

    @property
    def rules(self) -> list[TargetRuleModel]:
        return list(self._rules.values())

    def __call__(self, doc: Doc) -> Doc:
        matches = self._matcher(doc)
        by_position = {(start, end): self._rules[match_id] for match_id, start, end in matches}
        kept: list[Target] = []
        groups: dict[str, list[tuple[int, int, str]]] = {ASSERTION_GROUP: [], PHASE_GROUP: []}
        if matches:
            chars = doc.to_array([IDX, LENGTH])
            starts = chars[:, 0].tolist()
            ends = (chars[:, 0] + chars[:, 1]).tolist()
        for match_id, start, end in longest(matches):
            category = self._rules[match_id].category
            kept.append(Target(start, end, category, starts[start], ends[end - 1]))
            # ConText compares every target with every modifier of the document: hand each pass only the
            # targets its rules can modify.
            if category in ASSERTION_KINDS:
                groups[ASSERTION_GROUP].append((start, end, category.upper()))
            if category == "sequence":
                groups[PHASE_GROUP].append((start, end, category.upper()))
        ext = doc._  # one Underscore object for the three writes (each ``doc._`` access builds one)
        ext.nlp_coder_targets = kept
        ext.nlp_coder_target_groups = groups
        ext.nlp_coder_target_rules = {(t.start, t.end): by_position[(t.start, t.end)] for t in kept}
        if self.span_groups:
            spans = [Span(doc, t.start, t.end, label=self._labels[t.label_]) for t in kept]
            doc.spans[ASSERTION_GROUP] = [span for span in spans if span.label_ in ASSERTION_KINDS]
            doc.spans[PHASE_GROUP] = [span for span in spans if span.label_ == "sequence"]
        return doc


def longest(matches: list[tuple[int, int, int]]) -> list[tuple[int, int, int]]:
    """spaCy's ``filter_spans`` on match tuples: longest first (then earliest, then first found), no
    overlaps, in document order; building a Span for every candidate match first costs more than this."""
    ordered = sorted(matches, key=lambda m: (m[2] - m[1], -m[1]), reverse=True)
    kept, seen = [], set()
    for match in ordered:
        start, end = match[1], match[2]
        if start not in seen and end - 1 not in seen:
            kept.append(match)
            seen.update(range(start, end))
    return sorted(kept, key=lambda m: m[1])


@Language.factory(
    "nlp_coder_target_matcher",
    default_config={"rules": None, "span_groups": False},
    assigns=["doc.spans", "doc._.nlp_coder_targets", "doc._.nlp_coder_target_groups", "doc._.nlp_coder_target_rules"],
)
def make_target_matcher(nlp: Language, name: str, rules: str | None, span_groups: bool) -> TargetMatcher:
    return TargetMatcher(nlp, name, rules=rules, span_groups=span_groups)
