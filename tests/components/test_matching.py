"""Closed token patterns are matched as phrases: the same matches as spaCy's Matcher, found faster."""

from __future__ import annotations

import pytest
import spacy
from spacy.matcher import Matcher

from nlp_coder.components.matching import RuleMatcher, anchor_words, expand_pattern
from nlp_coder.pipeline import build_nlp, get_nlp
from nlp_coder.rules import load_context_rules, load_target_rules

TEXTS = [
    "IV contrast: none. Contrast: n/a. Agent : not given.",
    "Pre-contrast images from the prior exam were reviewed; non contrast sequences were not repeated.",
    "The patient returned for post-contrast imaging only after the intravenous administration of gadolinium.",
    "All of the sequences were acquired after contrast. Then after 7.5 mL of IV gadobutrol, axial T1.",
    "MS, RRMS and TIAs; ms and tias in lower case. Axial VIBE and Space.",
    "[ ] placeholder [ name ] and 15 mL of Gadavist at 0.1 mmol/kg.",
]
# One long document: token patterns run only on the sentences around their anchor words there.
TEXTS.append(" Findings are normal. ".join(TEXTS))


def test_closed_patterns_expand_to_their_phrases():
    pattern = [{"LOWER": {"IN": ["iv", "intravenous"]}}, {"ORTH": "-", "OP": "?"}, {"LOWER": "contrast"}]
    attr, phrases = expand_pattern(pattern)
    assert attr == "LOWER"
    assert sorted(map(tuple, phrases)) == sorted(
        [("iv", "-", "contrast"), ("iv", "contrast"), ("intravenous", "-", "contrast"), ("intravenous", "contrast")]
    )
    assert expand_pattern([{"ORTH": "RRMS"}]) == ("ORTH", [["RRMS"]])


@pytest.mark.parametrize(
    "pattern",
    [
        [{"LIKE_NUM": True}, {"LOWER": "ml"}],
        [{"LOWER": "all"}, {"LOWER": "the", "OP": "*"}],
        [{"IS_SENT_START": True, "LOWER": "then"}],
        [{"ORTH": "MS"}, {"LOWER": "flare"}],  # case-sensitive and -insensitive tokens mixed
    ],
)
def test_open_patterns_stay_token_patterns(pattern):
    assert expand_pattern(pattern) is None


@pytest.mark.parametrize(
    "rules",
    [load_target_rules(), load_context_rules(), load_context_rules(None, "phase_rules.json")],
    ids=["targets", "assertion", "phase"],
)
def test_rule_matcher_finds_what_spacy_matcher_finds(rules):
    nlp = build_nlp()  # a pipeline of its own: the rule matcher below shares its phrase pass
    ours = RuleMatcher(nlp)
    theirs = Matcher(nlp.vocab)
    for i, rule in enumerate(rules):
        if rule.pattern is not None:
            ours.add(f"r{i}", rule.literal, rule.pattern)
            theirs.add(f"r{i}", [rule.pattern])
    for text in TEXTS:
        doc = nlp(text)
        assert sorted(ours(doc)) == sorted(theirs(doc)), text


def test_every_remaining_token_pattern_has_anchor_words():
    # without anchors a pattern would make the matcher visit every token of every document again
    nlp = get_nlp()
    for name in ("nlp_coder_target_matcher", "nlp_coder_assertion", "nlp_coder_phase"):
        assert nlp.get_pipe(name)._matcher._anchored, name


def test_anchor_words():
    assert anchor_words([{"LIKE_NUM": True}, {"LOWER": {"IN": ["ml", "cc"]}}]) == ["ml", "cc"]
    assert anchor_words([{"LOWER": "no", "OP": "?"}, {"ORTH": "MS"}]) == ["ms"]
    assert anchor_words([{"LIKE_NUM": True}, {"LOWER": "x", "OP": "!"}]) is None
    # a function word ("on the post-contrast images") is a poor anchor when a rarer required word exists
    assert anchor_words([{"LOWER": {"IN": ["on", "in"]}}, {"LOWER": "the", "OP": "?"}, {"LOWER": "post-contrast"}]) == [
        "post-contrast"
    ]
    assert anchor_words([{"LOWER": {"IN": ["on", "in"]}}, {"LOWER": "the", "OP": "?"}]) == ["on", "in"]


def test_literals_match_in_any_case():
    nlp = spacy.blank("en")
    matcher = RuleMatcher(nlp)
    matcher.add("k", "without contrast", None)
    assert len(matcher(nlp("MRI WITHOUT CONTRAST and without Contrast"))) == 2


def test_rule_matchers_sharing_a_pipeline_keep_their_own_rules():
    nlp = spacy.blank("en")
    first, second = RuleMatcher(nlp), RuleMatcher(nlp)
    first.add("k", "contrast", None)
    second.add("k", "gadolinium", None)
    doc = nlp("contrast and gadolinium")
    assert [doc[s:e].text for _, s, e in first(doc)] == ["contrast"]
    assert [doc[s:e].text for _, s, e in second(doc)] == ["gadolinium"]
    second.add("k2", "and", None)  # a rule added later: a document's cached phrase matches are redone
    assert [doc[s:e].text for _, s, e in second(doc)] == ["and", "gadolinium"]
