"""spaCy components of nlp_coder. Importing this package registers their factories.

Factory modules avoid `from __future__ import annotations`: spaCy validates factory signatures at run time.
"""

from nlp_coder.components.context import ConTextComponent
from nlp_coder.components.sections import Section, Sectionizer
from nlp_coder.components.sentences import SentenceSplitter
from nlp_coder.components.targets import TargetMatcher
from nlp_coder.components.tokenizer import create_tokenizer

__all__ = ["ConTextComponent", "Section", "Sectionizer", "SentenceSplitter", "TargetMatcher", "create_tokenizer"]
