"""nlp-coder: suggests the CPT code of a brain MRI report (70551/70552/70553) with its evidence.

Public API::

    from nlp_coder import extract, suggest
    evidence = extract(report_text)   # list[Evidence], offsets into report_text
    suggestion = suggest(report_text) # the output contract: code, status, confidence, evidence, rationale...
"""

from nlp_coder.errors import InputError, ModelError, NlpCoderError, RuleFileError
from nlp_coder.pipeline import build_nlp, extract, extract_many
from nlp_coder.suggest import Suggester, suggest
from nlp_coder.types import Evidence

__all__ = [
    "Evidence",
    "InputError",
    "ModelError",
    "NlpCoderError",
    "RuleFileError",
    "Suggester",
    "build_nlp",
    "extract",
    "extract_many",
    "suggest",
]
__version__ = "0.1.0"
