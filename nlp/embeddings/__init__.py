"""Sentence embeddings: the pinned all-MiniLM-L6-v2 model, verified, and a cache."""

from nlp.embeddings.model import ModelIntegrityError, load_sentence_model, verify_model_files

__all__ = ["ModelIntegrityError", "load_sentence_model", "verify_model_files"]
