"""Rule files are data: they validate, and a bad file fails loudly without quoting text."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from nlp_coder import RuleFileError, build_nlp, extract
from nlp_coder.rules import load_context_rules, load_genre_cues, load_section_rules, load_target_rules


def test_packaged_rules_load():
    assert len(load_target_rules()) > 500
    assert len(load_context_rules()) > 100
    assert len(load_context_rules(None, "phase_rules.json")) > 50
    assert {r.category for r in load_section_rules()} >= {"exam", "technique", "comparison", "addendum"}


def test_unknown_key_is_rejected(tmp_path):
    path = tmp_path / "target_rules.json"
    path.write_text(json.dumps({"target_rules": [{"literal": "x", "category": "c", "colour": "red"}]}))
    with pytest.raises(RuleFileError, match="record 0 invalid"):
        load_target_rules(path)


def test_wrong_top_level_key_is_rejected(tmp_path):
    path = tmp_path / "context_rules.json"
    path.write_text(json.dumps({"rules": []}))
    with pytest.raises(RuleFileError, match="top-level key"):
        load_context_rules(path)


def test_custom_target_rules_file(tmp_path):
    path = tmp_path / "targets.json"
    path.write_text(
        json.dumps(
            {
                "target_rules": [
                    {
                        "literal": "wonderdye",
                        "category": "contrast_administration",
                        "metadata": {"agent": "test"},
                    }
                ]
            }
        )
    )
    nlp = build_nlp(target_rules=path)
    (item,) = extract("Axial T1 after wonderdye.", nlp=nlp)
    assert item.attributes == {"agent": "test"}


def test_genre_rate_cues_start_at_a_word():
    # features gate the rate cues on word starts (nlp_coder.features._genre_rate_patterns)

    assert all(cue.pattern.startswith(r"\b") for cue in load_genre_cues() if cue.genre != "closing")


@pytest.mark.parametrize("rules_file", ["context_rules.json", "phase_rules.json"])
def test_no_two_context_rules_match_the_same_words_differently(rules_file):
    # which of two same-span modifiers wins would depend on matcher internals
    from collections import defaultdict

    from nlp_coder.components.matching import expand_pattern
    from nlp_coder.pipeline import get_nlp

    nlp = get_nlp()
    seen: dict[tuple[str, ...], set[tuple[str, str]]] = defaultdict(set)
    for rule in load_context_rules(None, rules_file):
        if rule.pattern is None:
            phrases = [[t.lower_ for t in nlp.make_doc(rule.literal)]]
        else:
            expanded = expand_pattern(rule.pattern)
            phrases = [[w.lower() for w in p] for p in expanded[1]] if expanded else []
        for phrase in phrases:
            seen[tuple(phrase)].add((rule.category, rule.direction))
    assert not {words: kinds for words, kinds in seen.items() if len(kinds) > 1}


def test_genre_rate_cues_spread_into_one_flat_alternation_match_as_written():
    # features match the rate cues as one flat, lower-cased alternation (faster); it must find exactly what
    # the cues as written find case-insensitively, on every corpus text
    import re

    from nlp_coder.corpus import load_corpus
    from nlp_coder.features import _flat_branches, _genre_rate_patterns

    assert _flat_branches(r"\b(?:a|(?:x|y)b)c|d") == ["ac", "xbc", "ybc", "d"]
    assert _flat_branches(r"\b(?:a|b)?c") == ["(?:a|b)?c"]  # a repeated group stays as it is
    written: dict[str, list[str]] = {}
    for cue in load_genre_cues():
        written.setdefault(cue.genre, []).append(f"(?:{cue.pattern})")
    texts = [r["text"] for r in load_corpus(Path(__file__).parents[1] / "corpus" / "reports.jsonl")]
    for genre, flat in _genre_rate_patterns().items():
        as_written = re.compile("|".join(written[genre]), re.IGNORECASE)
        for text in texts:
            assert [m.span() for m in flat.finditer(text.lower())] == [m.span() for m in as_written.finditer(text)]
