"""Target matcher: finds the concepts of ``target_rules.json`` and the lexicons, as ``doc._.nlp_coder_targets``.

Rules follow medspaCy's TargetRule shape (literal, category, optional token pattern, metadata). Literals
are matched as phrases on lower-cased tokens, patterns with spaCy's Matcher. Overlaps resolve to the
longest match, as medspaCy's target matcher does. The rule behind each entity is kept so that its
metadata (agent, sequence, inherent phase, scope...) reaches the evidence.
"""

from pathlib import Path

from spacy.language import Language
from spacy.tokens import Doc, Span

from nlp_coder.components.matching import RuleMatcher
from nlp_coder.rules import TargetRuleModel, load_target_rules

__all__ = ["ASSERTION_GROUP", "ASSERTION_KINDS", "PHASE_GROUP", "TargetMatcher"]

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


class TargetMatcher:
    """Sets ``doc._.nlp_coder_targets`` (non-overlapping spans in document order, label = evidence kind)
    and ``doc._.nlp_coder_target_rules``, which maps ``(start_token, end_token)`` of each to its rule.

    The targets are not written to ``doc.ents``: setting and reading ``doc.ents`` walks every token and
    cost about a tenth of the pipeline; nothing here needs spaCy's entity annotation.
    """

    def __init__(self, nlp: Language, name: str, rules: str | None = None):
        self.name = name
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
        kept, for_assertion, for_phase = [], [], []
        groups: dict[str, list[tuple[int, int, str]]] = {ASSERTION_GROUP: [], PHASE_GROUP: []}
        for match_id, start, end in longest(matches):
            category = self._rules[match_id].category
            span = Span(doc, start, end, label=self._labels[category])
            kept.append(span)
            # ConText compares every target with every modifier of the document: hand each pass only the
            # targets its rules can modify.
            if category in ASSERTION_KINDS:
                for_assertion.append(span)
                groups[ASSERTION_GROUP].append((start, end, category.upper()))
            if category == "sequence":
                for_phase.append(span)
                groups[PHASE_GROUP].append((start, end, category.upper()))
        ext = doc._  # one Underscore object for the three writes (each ``doc._`` access builds one)
        ext.nlp_coder_targets = kept
        # Span groups for any ConText (medspaCy's reads them); the same targets as tuples for ours, which
        # would otherwise rebuild a Span per target per pass.
        doc.spans[ASSERTION_GROUP] = for_assertion
        doc.spans[PHASE_GROUP] = for_phase
        ext.nlp_coder_target_groups = groups
        ext.nlp_coder_target_rules = {(s.start, s.end): by_position[(s.start, s.end)] for s in kept}
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
    default_config={"rules": None},
    assigns=["doc.spans", "doc._.nlp_coder_targets", "doc._.nlp_coder_target_groups", "doc._.nlp_coder_target_rules"],
)
def make_target_matcher(nlp: Language, name: str, rules: str | None) -> TargetMatcher:
    return TargetMatcher(nlp, name, rules=rules)
