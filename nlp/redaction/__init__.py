"""Redaction of personal identifiers for training exports (GUIDELINES.md section 12)."""

from nlp.redaction.model import ModelIntegrityError, load_ner, verify_model_files
from nlp.redaction.redactor import Redacted, Redactor, Replacement

__all__ = ["ModelIntegrityError", "Redacted", "Redactor", "Replacement", "load_ner", "verify_model_files"]
