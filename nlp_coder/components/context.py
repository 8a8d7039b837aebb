"""ConText (assertion and phase) over medspaCy-format rule files, implemented for throughput.

This is the ConText algorithm as medspaCy implements it (Harkema et al. 2009; medspaCy's
``ConTextRule`` fields: literal/pattern, category, direction, max_scope, allowed_types, excluded_types,
terminated_by), run on the same rule files. Differences, on purpose:

* speed: one matcher pass, modifiers kept as tuples, scopes computed per sentence from the sentence
  starts the splitter already holds; medspaCy's component costs about a third of the whole pipeline.
* correctness: a terminator cuts any scope it falls inside. medspaCy 1.3.1 tests scope overlap with a
  ``tuple_overlaps`` that misses containment, so its terminators never cut a scope lying wholly inside
  their own (``tests/components/test_context.py`` pins the cases).

Each target gets its modifiers in ``doc._.nlp_coder_modifiers[(start, end)]`` as
``(category, modifier_start, modifier_end)`` token offsets.
"""

from bisect import bisect_right
from dataclasses import dataclass
from pathlib import Path

from spacy.language import Language
from spacy.tokens import Doc

from nlp_coder.components.matching import RuleMatcher
from nlp_coder.rules import ContextRuleModel, load_context_rules

__all__ = ["ConTextComponent", "Modifier"]

if not Doc.has_extension("nlp_coder_modifiers"):
    Doc.set_extension("nlp_coder_modifiers", default=None)

_NO_SCOPE = ("TERMINATE", "PSEUDO")


@dataclass(frozen=True, slots=True)
class _Rule:
    category: str
    direction: str
    max_scope: int | None
    allowed: frozenset[str] | None
    excluded: frozenset[str] | None
    terminated_by: frozenset[str]


@dataclass(slots=True)
class Modifier:
    rule: _Rule
    start: int
    end: int
    scope_start: int
    scope_end: int


def _compile(rule: ContextRuleModel) -> _Rule:
    return _Rule(
        category=rule.category.upper(),
        direction=rule.direction.upper(),
        max_scope=rule.max_scope,
        allowed=frozenset(t.upper() for t in rule.allowed_types) if rule.allowed_types else None,
        excluded=frozenset(t.upper() for t in rule.excluded_types) if rule.excluded_types else None,
        terminated_by=frozenset(t.upper() for t in rule.terminated_by or ()),
    )


class ConTextComponent:
    """Applies ConText rules to the targets of one span group."""

    def __init__(self, nlp: Language, name: str, rules: str | None, default_rules: str, span_group: str):
        self.name = name
        self.span_group = span_group
        self._matcher = RuleMatcher(nlp)
        self._rules: dict[int, _Rule] = {}
        models = load_context_rules(Path(rules) if rules else None, default_rules)
        for i, model in enumerate(models):
            key = f"{name}_{i}"
            match_id = nlp.vocab.strings.add(key)
            self._rules[match_id] = _compile(model)
            self._matcher.add(key, model.literal, model.pattern)

    def _modifiers(self, doc: Doc) -> list[Modifier]:
        matches = self._matcher(doc)
        # Longest wins among overlapping modifiers (medspaCy's prune_overlapping_matches).
        matches.sort(key=lambda m: (m[1], -(m[2] - m[1])))
        kept: list[tuple[int, int, int]] = []
        for match in matches:
            if kept and match[1] < kept[-1][2]:
                if match[2] - match[1] > kept[-1][2] - kept[-1][1]:
                    kept[-1] = match
                continue
            kept.append(match)
        starts = doc._.nlp_coder_sent_starts or [0]
        n_tokens = len(doc)
        modifiers = []
        for match_id, start, end in kept:
            rule = self._rules[match_id]
            index = bisect_right(starts, start) - 1
            sent_start = starts[index]
            sent_end = starts[index + 1] if index + 1 < len(starts) else n_tokens
            scope_start, scope_end = sent_start, sent_end
            if rule.direction == "FORWARD":
                scope_start = end
                if rule.max_scope is not None:
                    scope_end = min(sent_end, end + rule.max_scope)
            elif rule.direction == "BACKWARD":
                scope_end = start
                if rule.max_scope is not None:
                    scope_start = max(sent_start, start - rule.max_scope)
            elif rule.max_scope is not None:  # bidirectional (and terminators: their scope is unused)
                scope_start = max(sent_start, start - rule.max_scope)
                scope_end = min(sent_end, end + rule.max_scope)
            modifiers.append(Modifier(rule, start, end, scope_start, scope_end))
        return modifiers

    @staticmethod
    def _limit_scopes(modifiers: list[Modifier]) -> None:
        for mod in modifiers:
            if mod.rule.direction in _NO_SCOPE:
                continue
            for other in modifiers:
                if other is mod or not (
                    mod.scope_start <= other.start < mod.scope_end or mod.scope_start < other.end <= mod.scope_end
                ):
                    continue
                cuts = (
                    other.rule.direction == "TERMINATE"
                    or other.rule.category in mod.rule.terminated_by
                    or (
                        other.rule.category == mod.rule.category
                        and other.rule.allowed == mod.rule.allowed
                        and other.rule.excluded == mod.rule.excluded
                    )
                )
                if not cuts:
                    continue
                if mod.rule.direction in ("FORWARD", "BIDIRECTIONAL") and other.start > mod.start:
                    mod.scope_end = min(mod.scope_end, other.start)
                if mod.rule.direction in ("BACKWARD", "BIDIRECTIONAL") and other.end < mod.end:
                    mod.scope_start = max(mod.scope_start, other.end)

    def __call__(self, doc: Doc) -> Doc:
        ext = doc._
        attached = ext.nlp_coder_modifiers
        if attached is None:
            attached = {}
            ext.nlp_coder_modifiers = attached
        groups = ext.nlp_coder_target_groups
        if groups is not None and self.span_group in groups:
            targets = groups[self.span_group]
        else:
            spans = doc.spans[self.span_group] if self.span_group in doc.spans else []
            targets = [(s.start, s.end, s.label_.upper()) for s in spans]
        if not targets:
            return doc
        modifiers = self._modifiers(doc)
        if not modifiers:
            return doc
        self._limit_scopes(modifiers)
        active = [m for m in modifiers if m.rule.direction not in _NO_SCOPE]
        for t_start, t_end, label in targets:
            for mod in active:
                if mod.start < t_end and t_start < mod.end:
                    continue  # a span is never its own modifier
                if mod.rule.allowed is not None and label not in mod.rule.allowed:
                    continue
                if mod.rule.excluded is not None and label in mod.rule.excluded:
                    continue
                if mod.scope_start < t_end and t_start < mod.scope_end:
                    attached.setdefault((t_start, t_end), []).append((mod.rule.category, mod.start, mod.end))
        return doc


@Language.factory(
    "nlp_coder_context",
    default_config={"rules": None, "default_rules": "context_rules.json", "span_group": "nlp_coder_assertion_targets"},
    assigns=["doc._.nlp_coder_modifiers"],
)
def make_context(nlp: Language, name: str, rules: str | None, default_rules: str, span_group: str) -> ConTextComponent:
    return ConTextComponent(nlp, name, rules, default_rules, span_group)


class MedspacyModifiers:
    """Copies medspaCy ConText's ``span._.modifiers`` into ``doc._.nlp_coder_modifiers`` (parity runs)."""

    def __init__(self, span_group: str):
        self.span_group = span_group

    def __call__(self, doc: Doc) -> Doc:
        attached = doc._.nlp_coder_modifiers
        if attached is None:
            attached = {}
            doc._.nlp_coder_modifiers = attached
        for target in doc.spans[self.span_group] if self.span_group in doc.spans else []:
            for modifier in target._.modifiers:
                start, end = modifier.modifier_span
                attached.setdefault((target.start, target.end), []).append((modifier.category.upper(), start, end))
        return doc


@Language.factory(
    "nlp_coder_medspacy_modifiers", default_config={"span_group": ""}, assigns=["doc._.nlp_coder_modifiers"]
)
def make_medspacy_modifiers(nlp: Language, name: str, span_group: str) -> MedspacyModifiers:
    return MedspacyModifiers(span_group)
