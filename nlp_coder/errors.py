"""Errors raised by nlp_coder.

Messages name fields, files and limits, never report text (it is PHI)::

    NlpCoderError
     ├── RuleFileError      a rule/lexicon data file is invalid
     ├── InputError         a report or record cannot be processed
     └── ModelError         the bundled or given model cannot be loaded or used
"""

from __future__ import annotations

__all__ = ["InputError", "ModelError", "NlpCoderError", "RuleFileError"]


class NlpCoderError(Exception):
    """Base class of every error nlp_coder raises on purpose."""


class RuleFileError(NlpCoderError):
    """A rule, lexicon or section file failed validation."""


class InputError(NlpCoderError):
    """A report (or a record holding one) is not acceptable input."""


class ModelError(NlpCoderError):
    """A model file is missing, untrusted or incompatible."""
