"""spaCy's English tokenizer, with the splits radiology text needs.

Doses are written "7.5mL", "15cc", "0.1mmol/kg" as often as "7.5 mL"; post-contrast shorthand is
"T1+C". Splitting units and "+" the same way whatever the spacing lets one phrase rule match all forms.
"""

from __future__ import annotations

from collections.abc import Callable

import spacy
from spacy.language import Language
from spacy.tokenizer import Tokenizer
from spacy.tokens import Doc
from spacy.util import compile_infix_regex, compile_suffix_regex

__all__ = ["TextKeepingTokenizer", "create_tokenizer"]

if not Doc.has_extension("nlp_coder_text"):
    Doc.set_extension("nlp_coder_text", default=None)


class TextKeepingTokenizer(Tokenizer):
    """Keeps the text it tokenised in ``doc._.nlp_coder_text``: ``Doc.text`` is rebuilt from the tokens at
    every access, which costs about as much as a pipeline component (spaCy's tokenisation is lossless,
    so the two are equal)."""

    def __call__(self, text: str) -> Doc:
        doc = super().__call__(text)
        doc._.nlp_coder_text = text
        return doc

_UNIT_SUFFIX = r"(?<=[0-9])(?:[mM][lL][sS]?|[cC][cC]|[mM][mM][oO][lL]|[mM][gG])"
_PLUS_INFIX = r"(?<=[A-Za-z0-9])\+(?=[A-Za-z])"
_UNIT_INFIX = r"(?<=[0-9])(?=(?:[mM][lL]|[cC][cC]|[mM][mM][oO][lL])(?:/|$))"


@spacy.registry.tokenizers("nlp_coder.tokenizer.v1")
def create_tokenizer() -> Callable[[Language], Tokenizer]:
    def make(nlp: Language) -> Tokenizer:
        defaults = nlp.Defaults
        suffixes = list(defaults.suffixes or []) + [_UNIT_SUFFIX]
        infixes = list(defaults.infixes or []) + [_PLUS_INFIX, _UNIT_INFIX]
        # spaCy's exceptions for whitespace (" ", "\n", "\t", NBSP) change no token (a whitespace run is one
        # token either way), but a special case seen in a text stops the tokenizer caching every later chunk of
        # that text (spaCy's has_special flag): after a report's first line break each word was re-split with
        # the affix regexes. Without them the cache works and tokenising costs about a third.
        rules = {text: tokens for text, tokens in defaults.tokenizer_exceptions.items() if not text.isspace()}
        return TextKeepingTokenizer(
            nlp.vocab,
            rules=rules,
            prefix_search=spacy.util.compile_prefix_regex(defaults.prefixes).search,
            suffix_search=compile_suffix_regex(suffixes).search,
            infix_finditer=compile_infix_regex(infixes).finditer,
            token_match=defaults.token_match,
            url_match=defaults.url_match,
        )

    return make
